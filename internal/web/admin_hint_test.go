package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
)

// An iD on file from an old system is shown as unconfirmed, with ORCID's
// grey icon and never as authenticated; once the person connected another
// iD, the page flags it.
func TestAdminPersonHint(t *testing.T) {
	env, c, tn := adminSignedInSite(t)
	ctx := context.Background()
	p := env.addPerson(t, tn.ID, "Rui", "Costa", "rui@example.org")
	if _, err := env.st.SetORCIDHint(ctx, store.ORCIDHint{TenantID: tn.ID, PersonID: p.ID,
		ORCID: "0000-0002-1825-0097", Source: "old CRIS"}); err != nil {
		t.Fatal(err)
	}
	personURL := "/admin/tenants/" + adminItoa(tn.ID) + "/people/" + adminItoa(p.ID)
	page := c.get(personURL).body
	for _, want := range []string{`class="orcid-id-unconfirmed" id="person-hint-orcid"`, "0000-0002-1825-0097",
		"<strong>unconfirmed</strong>", "old CRIS", `id="person-no-link"`} {
		if !strings.Contains(page, want) {
			t.Errorf("person page lacks %s", want)
		}
	}
	if strings.Contains(page, `class="orcid-id"`) || strings.Contains(page, `href="https://sandbox.orcid.org/0000-0002-1825-0097"`) ||
		strings.Contains(page, "person-hint-mismatch") {
		t.Error("an unconfirmed iD is shown as authenticated, or flagged without cause")
	}
	mismatchID := `id="hint-mismatch-` + adminItoa(p.ID) + `"`
	if dash := c.get("/admin/").body; strings.Contains(dash, mismatchID) {
		t.Error("the dashboard flags a hint nobody contradicted")
	}

	// The person connects with another iD: the link is theirs, the hint is
	// flagged.
	if _, _, err := env.st.SettleORCIDHint(ctx, tn.ID, p.ID, "0000-0001-5109-3700"); err != nil {
		t.Fatal(err)
	}
	env.connectPerson(t, tn, p, "0000-0001-5109-3700", "rui-token")
	page = c.get(personURL).body
	for _, want := range []string{`id="person-orcid" href="https://sandbox.orcid.org/0000-0001-5109-3700"`,
		`id="person-hint-mismatch"`, "0000-0001-5109-3700", "0000-0002-1825-0097"} {
		if !strings.Contains(page, want) {
			t.Errorf("person page after a mismatch lacks %s", want)
		}
	}
	// The dashboard, problems first, flags it too, with a link to the
	// person; the iD on file is never shown as authenticated there either.
	dash := c.get("/admin/").body
	problemsPart, _, _ := strings.Cut(dash, "<h2>People</h2>")
	for _, want := range []string{mismatchID, `href="` + personURL + `" id="hint-mismatch-person-` + adminItoa(p.ID) + `"`,
		"0000-0001-5109-3700", `<span class="orcid-id-unconfirmed">`, "0000-0002-1825-0097", "old CRIS"} {
		if !strings.Contains(problemsPart, want) {
			t.Errorf("dashboard's problems lack %s:\n%s", want, problemsPart)
		}
	}
	if strings.Contains(problemsPart, `id="all-clear"`) || strings.Contains(problemsPart, `href="https://sandbox.orcid.org/0000-0002-1825-0097"`) {
		t.Error("the dashboard says all is clear, or shows the iD on file as authenticated")
	}

	// The administrator forgets the iD on file: the person keeps their
	// connection, the dashboard stops flagging them, the audit trail says
	// who did it.
	a := c.post(personURL+"/hint/forget", url.Values{})
	if a.status != http.StatusSeeOther || a.location != personURL {
		t.Fatalf("forget: %d to %q", a.status, a.location)
	}
	page = c.get(personURL).body
	if strings.Contains(page, `id="person-hint"`) || !strings.Contains(page, `id="person-orcid"`) {
		t.Error("after forgetting: the hint is still shown, or the connection is gone")
	}
	if strings.Contains(c.get("/admin/").body, mismatchID) {
		t.Error("the dashboard still flags a forgotten hint")
	}
	events, err := env.st.ListAudit(ctx, tn.ID, p.ID, 10)
	if err != nil || len(events) == 0 || events[0].Action != "person.orcid_hint_deleted" || !strings.HasPrefix(events[0].Actor, "admin:") {
		t.Errorf("audit after forgetting: %+v, %v", events, err)
	}
	if a := c.post(personURL+"/hint/forget", url.Values{}); a.status != http.StatusSeeOther {
		t.Errorf("forget again: %d", a.status)
	}
}
