package journal_test

import (
	"errors"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// An editor added to the board gets a service affiliation for the journal
// at the publisher (with its ROR iD); ending their membership ends it (an
// end date, by put-code); without the publisher's ROR iD the board is
// refused before anything is queued.
func TestEditorialBoard(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		ctx, st, tid := f.ctx, f.env.Store, f.env.Tenant.ID
		r1 := f.connect(t, 1)
		start := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
		ed := store.Editor{TenantID: tid, PersonID: r1.Person.ID, Role: "Associate Editor", Journal: "Journal of X", Start: start}
		if _, _, err := f.svc.SaveEditor(ctx, ed); !errors.Is(err, journal.ErrNoPublisherROR) {
			t.Fatalf("board without the publisher's ROR iD: %v", err)
		}
		tn := f.env.Tenant
		tn.Settings.Publisher = store.Publisher{Name: "Example Press", City: "Providence", Country: "US",
			ROR: "https://ror.org/05gq02987"}
		if _, err := st.UpdateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.SaveEditor(ctx, store.Editor{TenantID: tid, PersonID: r1.Person.ID, Journal: "J"}); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("editor without role or start: %v", err)
		}
		saved, _, err := f.svc.SaveEditor(ctx, ed)
		if err != nil {
			t.Fatal(err)
		}
		key := journal.EditorKey(saved.ID)
		got := f.wait(t, "service affiliation", key, orcid.KindService, synced, r1.Person.ID)
		read := func() *orcid.Affiliation {
			t.Helper()
			item, err := f.reader.ReadItem(ctx, r1.Link.AccessToken, r1.Link.ORCID, orcid.KindService, got[0].PutCode)
			if err != nil {
				t.Fatal(err)
			}
			return item.(*orcid.Affiliation)
		}
		a := read()
		if a.RoleTitle != "Associate Editor" || a.DepartmentName != "Journal of X" || a.StartDate.String() != "2026-01-15" ||
			a.EndDate != nil || a.Organization == nil || a.Organization.DisambiguatedOrganization == nil ||
			a.Organization.DisambiguatedOrganization.Identifier != "https://ror.org/05gq02987" {
			t.Fatalf("service affiliation %+v", a)
		}

		ended, _, err := f.svc.EndEditor(ctx, tid, saved.ID, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
		if err != nil || ended.Serving() {
			t.Fatalf("end: %+v, %v", ended, err)
		}
		after := f.wait(t, "ended affiliation", key, orcid.KindService, func(it store.Item) bool {
			return synced(it) && string(it.ContentHash) != string(got[0].ContentHash)
		}, r1.Person.ID)
		if after[0].PutCode != got[0].PutCode {
			t.Fatalf("put-code %d, was %d", after[0].PutCode, got[0].PutCode)
		}
		if a := read(); a.EndDate == nil || a.EndDate.String() != "2026-11-30" {
			t.Fatalf("end date on ORCID %+v", a.EndDate)
		}
	})
}
