package jobs_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestJobTimeoutWaitingForBudget is the crash test's lone failed-permanent
// item, made deterministic. Jobs time out at half of RescueAfter; when a job
// is near its deadline and the credential's budget has no permit before it,
// the in-memory limiter (golang.org/x/time/rate) gives up at once with an
// error that is not a context error ("would exceed context deadline"), and
// that error used to count as ORCID refusing the item.
//
// Here the budget is 2 permits a second with a burst of 2 and jobs time out
// after 300ms: of six employments queued at once (one request each; works
// would share one bulk request), four cannot have a permit in time. They
// must fail as retryable, and a restarted queue with an ordinary budget
// must then sync every one exactly once.
func TestJobTimeoutWaitingForBudget(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{rate: 2, burst: 2, rescueAfter: 600 * time.Millisecond})
		var keys []string
		for i, k := range []string{"t1", "t2", "t3", "t4", "t5", "t6"} {
			keys = append(keys, k)
			a := orcid.NewAffiliation(orcid.KindEmployment)
			a.RoleTitle, a.DepartmentName = "Professor", "Department "+k
			a.StartDate = orcid.NewFuzzyDate(2000+i, 0, 0)
			// Each its own organisation name: an item in doubt with no
			// identifier is looked for on the record by that name.
			a.Organization = &orcid.Organization{Name: "Brown University " + k,
				Address:                   &orcid.OrganizationAddress{City: "Providence", Country: "US"},
				DisambiguatedOrganization: &orcid.DisambiguatedOrganization{Identifier: "https://ror.org/05gq02987", Source: "ROR"}}
			f.put(t, k, a)
		}
		f.wait(t, "a work whose job ran out of time waiting for the budget", func(items map[string]store.Item) bool {
			waited := false
			for _, k := range keys {
				it := items[k]
				if it.State == store.ItemFailedPermanent {
					t.Fatalf("%s failed for good: %s", k, it.LastError)
				}
				waited = waited || (it.State == store.ItemFailedRetryable && strings.Contains(it.LastError, "waiting for rate limit"))
			}
			return waited
		})

		// Restart with an ordinary budget: everything converges.
		if err := f.q.Stop(f.ctx); err != nil {
			t.Fatal(err)
		}
		cfg := jobs.Config{Store: f.env.Store, RetryPolicy: jobstest.FastRetry{}, PollInterval: 50 * time.Millisecond}
		if driver == "postgres" {
			cfg.PostgresDSN = f.env.DSN
		}
		q, err := jobs.New(f.ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(f.ctx); err != nil {
			t.Fatal(err)
		}
		f.q = q // stopped by newFixture's cleanup
		items := f.wait(t, "every employment synced", allIn(store.ItemSynced, keys...))
		var section struct {
			Groups []struct {
				Summaries []struct {
					Employment struct {
						PutCode int64  `json:"put-code"`
						Dept    string `json:"department-name"`
					} `json:"employment-summary"`
				} `json:"summaries"`
			} `json:"affiliation-group"`
		}
		if err := f.reader.GetJSON(f.ctx, f.r.Link.AccessToken, f.r.Link.ORCID, "/employments", &section); err != nil {
			t.Fatal(err)
		}
		onRecord := map[string][]int64{}
		for _, g := range section.Groups {
			for _, s := range g.Summaries {
				onRecord[s.Employment.Dept] = append(onRecord[s.Employment.Dept], s.Employment.PutCode)
			}
		}
		for _, k := range keys {
			if pcs := onRecord["Department "+k]; len(pcs) != 1 || pcs[0] != items[k].PutCode {
				t.Fatalf("%s on the record under %v, stored %d; want once (record: %v)", k, pcs, items[k].PutCode, onRecord)
			}
		}
	})
}
