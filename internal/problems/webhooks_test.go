package problems_test

import (
	"context"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/problems"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestCheckRecordsWebhooks: the credential check asks ORCID whether the
// client may use premium webhooks and keeps the answer; it asks again a
// day later, when the client may have become premium.
func TestCheckRecordsWebhooks(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		ctx := context.Background()
		env := jobstest.New(t, driver, nil)
		now := time.Now()
		svc, err := problems.New(problems.Config{Store: env.Store, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		state := func() string {
			t.Helper()
			s, _, err := env.Store.CredentialWebhooks(ctx, env.Cred.ID)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		if s := state(); s != store.WebhooksUnknown {
			t.Fatalf("before any check: %q", s)
		}
		check := func(want string) {
			t.Helper()
			if chk, err := svc.Check(ctx, env.Cred); err != nil || chk.Health != store.CredentialWorking {
				t.Fatalf("check: %+v, %v", chk, err)
			}
			if s := state(); s != want {
				t.Fatalf("webhooks %q, want %q", s, want)
			}
		}
		check(store.WebhooksNo) // the testbed's client is a plain member client
		if err := env.Registry.ApplySeed(ctx, sandbox.Seed{Clients: []sandbox.NewClient{{ID: env.Cred.ClientID,
			Secret: env.Cred.ClientSecret, Name: "orcidlink bench", RedirectURIs: []string{"http://127.0.0.1:9/callback"},
			Type: "member", Premium: true}}}); err != nil {
			t.Fatal(err)
		}
		check(store.WebhooksNo) // asked an hour ago: not again yet
		now = now.Add(25 * time.Hour)
		check(store.WebhooksYes)
	})
}
