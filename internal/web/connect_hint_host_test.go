package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// TestInvitationPageAsksToConfirmIDOnFile: the invitation page of a person
// with an iD on file from an old system says which, in their language, and
// asks them to confirm it by signing in; it never shows it as
// authenticated (no link to the record). Once connected, it is gone.
func TestInvitationPageAsksToConfirmIDOnFile(t *testing.T) {
	e := newResearcherEnv(t)
	const onFile = orcid.ID("0000-0002-1825-0097")
	for _, tc := range []struct {
		name   string
		person store.Person
		lang   string
	}{
		{"English", e.alice, "en"},
		{"French, the person's language", e.bob, "fr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.st.SetORCIDHint(e.ctx, store.ORCIDHint{TenantID: e.tenant.ID, PersonID: tc.person.ID,
				ORCID: onFile, Source: "old CRIS"}); err != nil {
				t.Fatal(err)
			}
			b := e.browser(t)
			inv := e.invite(t, tc.person)
			r := b.get(inv)
			if r.status != http.StatusOK {
				t.Fatalf("invitation page: %d\n%s", r.status, r.body)
			}
			text := html.UnescapeString(r.body)
			want := i18n.T(tc.lang, "reason.orcid_on_file", map[string]string{"ORCID": string(onFile)})
			if !hasID(r.body, "invitation-orcid-on-file") || !strings.Contains(text, want) {
				t.Errorf("the page does not ask to confirm the iD on file (%q):\n%s", want, r.body)
			}
			if strings.Contains(r.body, "/"+string(onFile)+`"`) || strings.Contains(r.body, `class="orcid-id"`) {
				t.Errorf("the iD on file is shown as authenticated:\n%s", r.body)
			}
		})
	}
	// Alice connects (with the registry's researcher, another iD): her
	// page no longer asks about the iD on file.
	b := e.browser(t)
	inv := e.invite(t, e.alice)
	b.connect(inv)
	if r := b.get(inv); r.status != http.StatusOK || hasID(r.body, "invitation-orcid-on-file") {
		t.Errorf("after connecting: %d, still asks about the iD on file:\n%s", r.status, r.body)
	}
}

// TestConnectLinkAfterConnectedElsewhere: a host made a connect link; the
// researcher then connected through an emailed invitation. Opening the
// connect link (or pressing its button on a page left open) sends them
// back to the host with a signed result that says connected, with the iD,
// and not to orcidlink's own page.
func TestConnectLinkAfterConnectedElsewhere(t *testing.T) {
	e := newResearcherEnv(t)
	const origin = "https://host.example"
	e.allowReturnOrigin(t, origin)
	hl, err := e.svc.CreateHostLink(e.ctx, e.tenant.ID, e.alice.ID, "", origin+"/back?from=profile", 0)
	if err != nil {
		t.Fatal(err)
	}
	hostPath := strings.TrimPrefix(hl.Link, e.base)
	e.browser(t).connect(e.invite(t, e.alice))
	idURI := e.reg.BaseURL + "/" + e.reg.Researcher.ORCID

	for _, tc := range []struct {
		name string
		open func(t *testing.T, b *browser) response
	}{
		{"open the link", func(_ *testing.T, b *browser) response { return b.get(hostPath) }},
		{"press connect on a page left open", func(t *testing.T, b *browser) response {
			r := b.post(hostPath+"/connect", url.Values{})
			if r.status != http.StatusSeeOther || r.location != hostPath {
				t.Fatalf("connect: %d to %q, want 303 to the link", r.status, r.location)
			}
			return b.get(r.location)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.open(t, e.browser(t))
			if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, origin+"/back?") {
				t.Fatalf("%d to %q, want 303 back to the host\n%s", r.status, r.location, r.body)
			}
			u, err := url.Parse(r.location)
			if err != nil {
				t.Fatal(err)
			}
			if u.Query().Get("from") != "profile" {
				t.Errorf("the return URL's own query was lost: %s", r.location)
			}
			c, err := e.svc.VerifyResult(e.ctx, e.tenant.ID, u.Query().Get(connect.ResultParam), origin)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != connect.ResultConnected || c.ORCID != idURI || c.Person != e.alice.ID || c.Error != "" {
				t.Errorf("result %+v, want connected with %s", c, idURI)
			}
		})
	}
}
