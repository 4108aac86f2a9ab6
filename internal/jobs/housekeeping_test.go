package jobs_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestHousekeeping: at start (and hourly), calls older than the retention
// are pruned and recent ones kept.
func TestHousekeeping(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		var ran atomic.Int32
		f := newFixture(t, driver, fixtureOpts{callLogRetention: 24 * time.Hour, chores: map[string]jobs.Chore{
			// A failing chore must not keep the others from running.
			"failing": func(context.Context) (int64, error) { return 0, errors.New("disk on fire") },
			"counting": func(context.Context) (int64, error) {
				ran.Add(1)
				return 3, nil
			},
		}})
		for _, age := range []time.Duration{48 * time.Hour, time.Minute} {
			if _, err := f.env.Store.AppendCall(f.ctx, store.Call{TenantID: f.env.Tenant.ID, PersonID: f.r.Person.ID,
				CredentialID: f.env.Cred.ID, Method: "GET", URL: "https://example.org/old-" + age.String(), Status: 200,
				CreatedAt: time.Now().Add(-age)}); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "the old call pruned", func() bool {
			calls, err := f.env.Store.ListCalls(f.ctx, f.env.Tenant.ID, f.r.Person.ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			old, recent := false, false
			for _, c := range calls {
				old = old || c.URL == "https://example.org/old-48h0m0s"
				recent = recent || c.URL == "https://example.org/old-1m0s"
			}
			if !recent {
				t.Fatal("a recent call was pruned")
			}
			return !old
		})
		waitFor(t, "the other package's chore run", func() bool { return ran.Load() > 0 })
	})
}
