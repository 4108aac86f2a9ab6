package jobs_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestInDoubtThenIdentifierEdited: a POST reaches ORCID but its put-code
// is not stored (the process dies there), and before the retry the item's
// self identifier is corrected (a new DOI). The retry must find the copy
// on the record by the DOI it was sent with, adopt it and PUT the
// correction: one work on the record, with the new DOI, not the old copy
// left behind next to a new one.
func TestInDoubtThenIdentifierEdited(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		crashed := make(chan struct{})
		var once atomic.Bool
		f := newFixture(t, driver, fixtureOpts{afterWrite: func(_ context.Context, it store.Item) error {
			if it.Key == "doi" && once.CompareAndSwap(false, true) {
				close(crashed)
				return errors.New("simulated crash between the POST and storing its put-code")
			}
			return nil
		}})
		f.put(t, "doi", jobstest.Work("doi", "Corrected later"))
		<-crashed
		// The process stops before the retry; the edit comes meanwhile.
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
		f.q = q // stopped by newFixture's cleanup
		if it, err := f.env.Store.ItemByKey(f.ctx, f.env.Tenant.ID, f.r.Person.ID, "work", "doi"); err != nil || !it.CallOpen || it.PutCode != 0 {
			t.Fatalf("before the edit the POST must be in doubt: %+v, %v", it, err)
		}
		f.put(t, "doi", jobstest.Work("doi-fixed", "Corrected later"))
		if err := q.Start(f.ctx); err != nil {
			t.Fatal(err)
		}
		items := f.wait(t, "the corrected work synced", allIn(store.ItemSynced, "doi"))
		tl := f.tally(t)
		if tl.ByDOI["10.5555/doi"] != 0 || tl.ByDOI["10.5555/doi-fixed"] != 1 {
			t.Fatalf("on the record: %v; want only the corrected DOI, once", tl.ByDOI)
		}
		if pcs := tl.PutCodes["10.5555/doi-fixed"]; pcs[0] != items["doi"].PutCode {
			t.Fatalf("record put-code %v, stored %d", pcs, items["doi"].PutCode)
		}
		if n := f.calls(t, http.MethodPost, "/work"); n != 1 {
			t.Fatalf("%d POSTs, want 1", n)
		}
	})
}

// TestInDoubtDoesNotAdoptSibling: an affiliation has no identifier, so a
// write in doubt is looked for on the record by its title; another of our
// employments with the same title (a second appointment at the same
// university) is not it. The retry must POST its own copy rather than take
// over the sibling's put-code and overwrite it.
func TestInDoubtDoesNotAdoptSibling(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{})
		emp := func(dept string, year int) *orcid.Affiliation {
			a := orcid.NewAffiliation(orcid.KindEmployment)
			a.RoleTitle, a.DepartmentName = "Professor", dept
			a.StartDate = orcid.NewFuzzyDate(year, 0, 0)
			a.Organization = &orcid.Organization{Name: "Brown University",
				Address:                   &orcid.OrganizationAddress{City: "Providence", Country: "US"},
				DisambiguatedOrganization: &orcid.DisambiguatedOrganization{Identifier: "https://ror.org/05gq02987", Source: "ROR"}}
			return a
		}
		f.put(t, "first", emp("Physics", 2010))
		f.wait(t, "the first employment synced", allIn(store.ItemSynced, "first"))
		// The second one's write is marked in doubt, and the process dies
		// before sending it: nothing of it is on the record.
		if err := f.q.Stop(f.ctx); err != nil {
			t.Fatal(err)
		}
		second := f.put(t, "second", emp("Chemistry", 2020))
		if _, err := f.env.Store.BeginItemWrite(f.ctx, second.ID); err != nil {
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
		f.q = q // stopped by newFixture's cleanup
		if err := q.Start(f.ctx); err != nil {
			t.Fatal(err)
		}
		items := f.wait(t, "both employments synced", allIn(store.ItemSynced, "first", "second"))
		if items["first"].PutCode == items["second"].PutCode {
			t.Fatalf("both items hold put-code %d", items["first"].PutCode)
		}
		var section any
		if err := f.reader.GetJSON(f.ctx, f.r.Link.AccessToken, f.r.Link.ORCID, "/employments", &section); err != nil {
			t.Fatal(err)
		}
		depts := map[string]bool{}
		countDepartments(section, depts)
		if !depts["Physics"] || !depts["Chemistry"] {
			t.Fatalf("departments on the record: %v; want Physics and Chemistry", depts)
		}
	})
}

// countDepartments collects the department-name of every affiliation in a
// section read as JSON.
func countDepartments(v any, into map[string]bool) {
	switch t := v.(type) {
	case map[string]any:
		if d, ok := t["department-name"].(string); ok {
			into[d] = true
		}
		for _, x := range t {
			countDepartments(x, into)
		}
	case []any:
		for _, x := range t {
			countDepartments(x, into)
		}
	}
}
