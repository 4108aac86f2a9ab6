package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// TestResearcherPageByEmailedLink: an old (expired) invitation email still
// leads to the page, by a one-time link emailed to the address the tenant
// holds; the link is not spent by opening it (mail scanners do), works
// once, and only a few are sent per hour.
func TestResearcherPageByEmailedLink(t *testing.T) {
	e := newResearcherEnv(t)
	inv := e.invite(t, e.alice)
	e.browser(t).connect(inv)
	e.clock.Advance(40 * 24 * time.Hour) // the invitation expired

	b := e.browser(t)
	r := b.get(inv + "/me")
	if r.status != http.StatusOK || !hasID(r.body, "email-link") || !hasID(r.body, "signin-orcid") {
		t.Fatalf("expired invitation's way in: %d\n%s", r.status, r.body)
	}
	if r := b.get("/me"); r.status != http.StatusUnauthorized {
		t.Fatalf("page before signing in: %d", r.status)
	}
	if r := b.post(inv+"/me/link", url.Values{}); r.status != http.StatusOK || !hasID(r.body, "link-sent") {
		t.Fatalf("email me a link: %d\n%s", r.status, r.body)
	}
	emails, err := e.st.ListTenantEmails(e.ctx, e.tenant.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var link string
	for _, m := range emails {
		if m.Recipient == e.alice.Email && strings.Contains(m.TextBody, "/me/in/") {
			link = regexp.MustCompile(`/me/in/[A-Za-z0-9]+`).FindString(m.TextBody)
			break
		}
	}
	if link == "" {
		t.Fatalf("no page link emailed to %s: %+v", e.alice.Email, emails)
	}
	for range 2 { // opening it twice spends nothing
		if r := b.get(link); r.status != http.StatusOK || !hasID(r.body, "open-page") {
			t.Fatalf("opening the link: %d\n%s", r.status, r.body)
		}
	}
	other := e.browser(t)
	if r := other.post(link+"x", nil); r.status != http.StatusGone {
		t.Fatalf("forged link: %d", r.status)
	}
	if r := b.post(link, url.Values{}); r.status != http.StatusSeeOther || r.location != "/me" {
		t.Fatalf("spending the link: %d to %q\n%s", r.status, r.location, r.body)
	}
	if r := b.get("/me"); r.status != http.StatusOK || !strings.Contains(r.body, e.tenant.Name) {
		t.Fatalf("page: %d\n%s", r.status, r.body)
	}
	if r := other.post(link, url.Values{}); r.status != http.StatusGone {
		t.Fatalf("link used twice: %d", r.status)
	}
	// Three links an hour, then no more.
	for i := 2; i <= 4; i++ {
		r := b.post(inv+"/me/link", url.Values{})
		if sent := hasID(r.body, "link-sent"); sent != (i <= 3) || (!sent && !hasID(r.body, "link-too-many")) {
			t.Fatalf("link %d: %d\n%s", i, r.status, r.body)
		}
	}
	// A cancelled invitation leads nowhere.
	if _, err := e.st.CancelInvitations(e.ctx, e.tenant.ID, e.alice.ID, 0); err != nil {
		t.Fatal(err)
	}
	if r := e.browser(t).get(inv + "/me"); r.status == http.StatusOK || r.status == http.StatusSeeOther {
		t.Fatalf("cancelled invitation: %d", r.status)
	}
}

// TestResearcherPageByORCID: signing in with ORCID through the tenant's
// credential (scope /authenticate) opens the page of the person connected
// with the authenticated iD; an iD connected to no one opens nothing; a
// callback is good once; the stored authorization keeps working.
func TestResearcherPageByORCID(t *testing.T) {
	e, _, j := newPageEnv(t)
	start := func(b *browser) string {
		t.Helper()
		r := b.post("/t/"+e.tenant.Slug+"/me/orcid", url.Values{})
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, e.reg.BaseURL+"/oauth/authorize?") {
			t.Fatalf("sign in with ORCID: %d to %q\n%s", r.status, r.location, r.body)
		}
		u, _ := url.Parse(r.location)
		if got := u.Query().Get("scope"); got != "/authenticate" {
			t.Fatalf("scope %q, want /authenticate only", got)
		}
		if got := u.Query().Get("redirect_uri"); got != e.svc.RedirectURI() {
			t.Fatalf("redirect_uri %q", got)
		}
		return b.authorizeAtORCID(r.location)
	}

	// Not connected yet: the iD opens no page.
	b := e.browser(t)
	if r := b.get(start(b)); r.status != http.StatusOK || !hasID(r.body, "orcid-not-connected") {
		t.Fatalf("unconnected iD: %d\n%s", r.status, r.body)
	}
	if r := b.get("/me"); r.status != http.StatusUnauthorized {
		t.Fatalf("page after an unconnected iD: %d", r.status)
	}

	inv := e.invite(t, e.alice)
	e.browser(t).connect(inv)
	callback := start(b)
	if r := b.get(callback); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/me") {
		t.Fatalf("callback: %d to %q\n%s", r.status, r.location, r.body)
	}
	if r := b.get("/me"); r.status != http.StatusOK || !strings.Contains(r.body, e.tenant.Name) {
		t.Fatalf("page: %d\n%s", r.status, r.body)
	}
	if r := b.get(callback); r.status != http.StatusBadRequest {
		t.Fatalf("replayed callback: %d", r.status)
	}
	// Another browser cannot use this browser's callback.
	if r := e.browser(t).get(callback); r.status != http.StatusBadRequest {
		t.Fatalf("callback in another browser: %d", r.status)
	}
	// Signing in revoked only the sign-in's own token.
	it := publish(t, e, j, e.alice, "after-signin", "Written After Signing In")
	waitItem(t, e, it.ID, store.ItemSynced)
}
