package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// TestAdminEditors: the editorial board page asks for the publisher's ROR
// iD first; then an administrator adds a member (their service affiliation
// waits for them, pending, as they are not connected), a bad form shows
// each problem at its field, and ending the membership gives the
// affiliation its end date. Another tenant's board is not found.
func TestAdminEditors(t *testing.T) {
	ctx := context.Background()
	env := newJournalAdminEnv(t)
	cred := env.addCredential(t, "Journals", "APP-0000000000000001", "journals-secret")
	mine := env.addTenant(t, "journal", cred.ID)
	other := env.addTenant(t, "other", cred.ID)
	ada := env.addPerson(t, mine.ID, "Ada", "Lovelace", "ada@example.org")
	env.addAdmin(t, "manager@example.org", store.RoleTenantManager, mine.ID)
	c := env.client(t)
	c.signIn("manager@example.org", adminTestPassword)
	page := "/admin/tenants/" + adminItoa(mine.ID) + "/editors"

	if p := c.get(page).body; !strings.Contains(p, `id="editors-need-publisher"`) || strings.Contains(p, `id="editor-form"`) {
		t.Fatalf("board without the publisher's ROR iD:\n%s", p)
	}
	tn, err := env.st.Tenant(ctx, mine.ID)
	if err != nil {
		t.Fatal(err)
	}
	tn.Settings.Publisher = store.Publisher{Name: "Example Press", City: "Providence", Country: "US", ROR: "https://ror.org/05gq02987"}
	if _, err := env.st.UpdateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	bad := c.post(page, url.Values{"person": {adminItoa(ada.ID)}, "role": {""}, "journal": {"Journal of Engines"}, "start": {"15/01/2026"}})
	if bad.status != http.StatusBadRequest || adminFieldMessage(bad.body, "editor-role-error") == "" ||
		adminFieldMessage(bad.body, "editor-start-error") == "" {
		t.Fatalf("bad member: %d\n%s", bad.status, bad.body)
	}
	if es, _ := env.st.ListEditors(ctx, mine.ID); len(es) != 0 {
		t.Fatalf("a refused member was stored: %+v", es)
	}
	if a := c.post(page, url.Values{"person": {adminItoa(ada.ID)}, "role": {"Associate Editor"}, "journal": {"Journal of Engines"},
		"start": {"2026-01-15"}}); a.status != http.StatusSeeOther {
		t.Fatalf("add: %d\n%s", a.status, a.body)
	}
	es, err := env.st.ListEditors(ctx, mine.ID)
	if err != nil || len(es) != 1 {
		t.Fatalf("board %+v, %v", es, err)
	}
	service := func() *orcid.Affiliation {
		t.Helper()
		it, err := env.st.ItemByKey(ctx, mine.ID, ada.ID, orcid.KindService, journal.EditorKey(es[0].ID))
		if err != nil {
			t.Fatal(err)
		}
		x, err := it.Decode()
		if err != nil {
			t.Fatal(err)
		}
		return x.(*orcid.Affiliation)
	}
	if a := service(); a.RoleTitle != "Associate Editor" || a.DepartmentName != "Journal of Engines" || a.EndDate != nil {
		t.Fatalf("service affiliation %+v", a)
	}
	if p := adminTable(c.get(page).body, "editor-list"); !strings.Contains(p, "Ada Lovelace") || !strings.Contains(p, "serving") ||
		!strings.Contains(p, "pending") {
		t.Fatalf("board list: %s", p)
	}
	end := page + "/" + adminItoa(es[0].ID) + "/end"
	if a := c.post("/admin/tenants/"+adminItoa(other.ID)+"/editors/"+adminItoa(es[0].ID)+"/end", url.Values{"end": {"2026-11-30"}}); a.status != http.StatusNotFound {
		t.Fatalf("another tenant's board: %d", a.status)
	}
	if a := c.post(end, url.Values{"end": {"2026-11-30"}}); a.status != http.StatusSeeOther {
		t.Fatalf("end: %d\n%s", a.status, a.body)
	}
	if a := service(); a.EndDate == nil || a.EndDate.String() != "2026-11-30" {
		t.Fatalf("ended affiliation %+v", a.EndDate)
	}
}
