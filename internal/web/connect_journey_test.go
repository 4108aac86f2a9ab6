package web_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

func TestInvitationPage(t *testing.T) {
	e := newResearcherEnv(t)
	inv := e.invite(t, e.alice)
	r := e.browser(t).get(inv)
	if r.status != http.StatusOK {
		t.Fatalf("invitation page: %d\n%s", r.status, r.body)
	}
	if in := visibleInputs(r.body); len(in) > 0 {
		t.Errorf("the invitation page has fields to type into: %v", in)
	}
	for _, want := range []string{
		`id="connect-orcid"`, `action="` + inv + `/connect"`, `method="post"`, "Connect your ORCID iD", `src="/static/orcid-id.svg"`,
		"Journal of Tests invites you", "What is ORCID?", // what ORCID is, who asks
		`data-scope="/activities/update"`, "Add your works", // what each permission is for
		`data-scope="/read-limited"`, `data-scope="/person/update"`,
		"help@jot.example", `<html lang="en" dir="ltr">`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("invitation page lacks %q", want)
		}
	}
	if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Content-Security-Policy") == "" {
		t.Errorf("headers: %v", r.header)
	}
	// The icon is served, and is an SVG.
	icon := e.browser(t).get("/static/orcid-id.svg")
	if icon.status != http.StatusOK || !strings.Contains(icon.body, "#A6CE39") || !strings.Contains(icon.body, ">iD<") {
		t.Errorf("iD icon: %d %q", icon.status, icon.body)
	}
}

// TestJourney is the whole researcher's side through HTTP: invitation,
// ORCID, success page with the authenticated iD, public display, and
// disconnection that revokes the token at the registry.
// TestJourney runs on both engines: sessions (scs) and the store's
// transactions differ between them.
func TestJourney(t *testing.T) {
	for _, driver := range []string{"sqlite", "postgres"} {
		t.Run(driver, func(t *testing.T) {
			e := newResearcherEnvOn(t, driver)
			inv := e.invite(t, e.alice)
			b := e.browser(t)
			if r := b.get(inv); r.status != http.StatusOK {
				t.Fatalf("invitation: %d", r.status)
			}
			authURL := b.startConnect(inv)
			u, _ := url.Parse(authURL)
			q := u.Query()
			if q.Get("given_names") != "Alice" || q.Get("family_names") != "Ayala" || q.Get("email") != "alice@example.org" ||
				q.Get("lang") != "en" || q.Get("redirect_uri") != e.base+"/orcid/callback" {
				t.Errorf("authorize URL pre-fill: %s", authURL)
			}
			if strings.Contains(authURL, strings.TrimPrefix(inv, "/i/")) {
				t.Error("the authorize URL carries the invitation token")
			}

			callback := b.authorizeAtORCID(authURL)
			r := b.get(callback)
			if r.status != http.StatusSeeOther || r.location != inv+"/connected" {
				t.Fatalf("callback: %d to %q\n%s", r.status, r.location, r.body)
			}
			page := b.get(r.location)
			idURI := e.reg.BaseURL + "/" + e.reg.Researcher.ORCID
			for _, want := range []string{`id="authenticated-id"`, `href="` + idURI + `"`, ">" + idURI + "<", `id="disconnect"`,
				`action="` + inv + `/disconnect"`, `src="/static/orcid-id.svg"`} {
				if !strings.Contains(page.body, want) {
					t.Errorf("success page lacks %q", want)
				}
			}
			link, err := e.st.Link(e.ctx, e.tenant.ID, e.alice.ID)
			if err != nil || link.State != store.LinkConnected || link.ORCIDURI != idURI {
				t.Fatalf("stored link: %+v, %v", link, err)
			}

			// Reloading the callback (a replay) is refused and changes nothing.
			if r := b.get(callback); r.status != http.StatusBadRequest || !strings.Contains(r.body, "help@jot.example") {
				t.Errorf("replayed callback: %d\n%s", r.status, r.body)
			}
			// Opening the invitation again says so, and does not send them to ORCID.
			again := b.get(inv)
			if again.status != http.StatusOK || !hasID(again.body, "authenticated-id") || hasID(again.body, "connect-orcid") {
				t.Errorf("invitation of a connected person: %d\n%s", again.status, again.body)
			}
			if r := b.post(inv+"/connect", url.Values{}); r.status != http.StatusSeeOther || r.location != inv {
				t.Errorf("connect when connected: %d to %q, want 303 back to the invitation", r.status, r.location)
			}

			// The tenant's systems can show the authenticated iD.
			other := e.browser(t)
			status, doc := other.publicJSON("a-1")
			if status != http.StatusOK || doc["orcid"] != idURI || doc["authenticated"] != true || doc["name"] != "Alice Ayala" {
				t.Errorf("orcid.json: %d %v", status, doc)
			}
			snip := other.get("/t/jot/people/a-1/orcid.html")
			if snip.status != http.StatusOK || !strings.Contains(snip.body, `href="`+idURI+`"`) ||
				!strings.Contains(snip.body, e.base+"/static/orcid-id.svg") || snip.header.Get("X-Frame-Options") != "" {
				t.Errorf("orcid.html: %d %v\n%s", snip.status, snip.header, snip.body)
			}
			for _, ref := range []string{"b-2", "nobody"} { // not connected; unknown
				if status, _ := other.publicJSON(ref); status != http.StatusNotFound {
					t.Errorf("orcid.json of %s: %d, want 404", ref, status)
				}
			}

			// Disconnect from the success page: its button leads to a page
			// that says what disconnecting does and asks to confirm; a POST
			// without the confirmation only leads there.
			confirm := b.get(inv + "/disconnect")
			if confirm.status != http.StatusOK || !hasID(confirm.body, "confirm-disconnect") ||
				!strings.Contains(confirm.body, `name="confirm" value="yes"`) || !hasID(confirm.body, "disconnect-explained") {
				t.Fatalf("disconnect confirmation: %d\n%s", confirm.status, confirm.body)
			}
			if r := b.post(inv+"/disconnect", url.Values{}); r.status != http.StatusSeeOther || r.location != inv+"/disconnect" {
				t.Fatalf("unconfirmed disconnect: %d to %q", r.status, r.location)
			}
			if l, _ := e.st.Link(e.ctx, e.tenant.ID, e.alice.ID); l.State != store.LinkConnected {
				t.Fatalf("an unconfirmed disconnect disconnected: %s", l.State)
			}
			d := b.post(inv+"/disconnect", url.Values{"confirm": {"yes"}})
			if d.status != http.StatusOK || !hasID(d.body, "disconnected-message") {
				t.Fatalf("disconnect: %d\n%s", d.status, d.body)
			}
			client, _ := e.svc.Client(e.ctx, e.cred)
			if _, err := client.ReadRecord(e.ctx, link.AccessToken, link.ORCID); !errors.Is(err, orcid.ErrTokenInvalid) {
				t.Errorf("the old token after disconnecting: %v, want ErrTokenInvalid", err)
			}
			after, _ := e.st.Link(e.ctx, e.tenant.ID, e.alice.ID)
			if after.State != store.LinkRemoved || after.ORCIDURI != "" || after.AccessToken != "" {
				t.Errorf("link after disconnecting: %+v", after)
			}
			if status, _ := other.publicJSON("a-1"); status != http.StatusNotFound {
				t.Errorf("orcid.json after disconnecting: %d, want 404", status)
			}
			// Disconnecting twice says there is nothing to disconnect.
			if r := b.post(inv+"/disconnect", url.Values{"confirm": {"yes"}}); r.status != http.StatusConflict || !strings.Contains(r.body, "help@jot.example") {
				t.Errorf("second disconnect: %d", r.status)
			}
			if r := b.get(inv + "/disconnect"); r.status != http.StatusConflict {
				t.Errorf("disconnect confirmation with nothing to disconnect: %d", r.status)
			}
			// And the same link can connect again.
			if !strings.Contains(b.connect(inv), idURI) {
				t.Error("reconnecting from the same link failed")
			}

			// Nothing secret reached the logs: not the code, the state, the
			// invitation token, nor ORCID's tokens.
			cb, _ := url.Parse(callback)
			logs := e.logs.String()
			if !strings.Contains(logs, "person connected") {
				t.Errorf("the connection was not logged:\n%s", logs)
			}
			for name, secret := range map[string]string{"code": cb.Query().Get("code"), "state": cb.Query().Get("state"),
				"invitation token": strings.TrimPrefix(inv, "/i/"), "access token": link.AccessToken,
				"refresh token": link.RefreshToken, "client secret": e.cred.ClientSecret} {
				if secret == "" || strings.Contains(logs, secret) {
					t.Errorf("the logs contain the %s (or it is empty)", name)
				}
			}
		})
	}
}

func TestDenialOffersTryAgain(t *testing.T) {
	e := newResearcherEnv(t)
	inv := e.invite(t, e.alice)
	b := e.browser(t)
	authURL := b.startConnect(inv)
	u, _ := url.Parse(authURL)
	// What ORCID sends back when the researcher clicks "Deny".
	r := b.get(connect.CallbackPath + "?" + url.Values{"error": {"access_denied"},
		"error_description": {"User denied access"}, "state": {u.Query().Get("state")}}.Encode())
	if r.status != http.StatusOK {
		t.Fatalf("denial page: %d\n%s", r.status, r.body)
	}
	for _, want := range []string{`id="try-again"`, `action="` + inv + `/connect"`, "You did not connect your ORCID iD",
		`data-scope="/activities/update"`, "help@jot.example"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("denial page lacks %q", want)
		}
	}
	if _, err := e.st.Link(e.ctx, e.tenant.ID, e.alice.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a link exists after denial: %v", err)
	}
	// Trying again works all the way.
	if !strings.Contains(b.connect(inv), e.reg.Researcher.ORCID) {
		t.Error("try again did not connect")
	}
}

// TestErrorPages: every error a researcher can reach says what happened,
// what to do, names the tenant's support contact, answers 4xx, and leaves
// no link behind.
func TestErrorPages(t *testing.T) {
	tests := []struct {
		name   string
		run    func(t *testing.T, e *researcherEnv) response
		status int
		says   string
	}{
		{"expired invitation", func(t *testing.T, e *researcherEnv) response {
			inv := e.invite(t, e.alice)
			e.clock.Advance(connect.DefaultInvitationTTL + time.Hour)
			return e.browser(t).get(inv)
		}, http.StatusGone, "This invitation has expired"},
		{"replaced invitation", func(t *testing.T, e *researcherEnv) response {
			inv := e.invite(t, e.alice)
			e.invite(t, e.alice)
			return e.browser(t).get(inv)
		}, http.StatusGone, "a newer one replaced it"},
		{"connect with a replaced invitation", func(t *testing.T, e *researcherEnv) response {
			inv := e.invite(t, e.alice)
			e.invite(t, e.alice)
			return e.browser(t).post(inv+"/connect", url.Values{})
		}, http.StatusGone, "a newer one replaced it"},
		{"invitation expired during the round trip", func(t *testing.T, e *researcherEnv) response {
			inv := e.invite(t, e.alice)
			b := e.browser(t)
			cb := b.authorizeAtORCID(b.startConnect(inv))
			e.clock.Advance(connect.DefaultInvitationTTL)
			return b.get(cb)
		}, http.StatusBadRequest, "took too long"}, // the state expired first
		{"tampered state", func(t *testing.T, e *researcherEnv) response {
			inv := e.invite(t, e.alice)
			b := e.browser(t)
			cb, _ := url.Parse(b.authorizeAtORCID(b.startConnect(inv)))
			q := cb.Query()
			q.Set("state", q.Get("state")+"X")
			return b.get(connect.CallbackPath + "?" + q.Encode())
		}, http.StatusBadRequest, "Nothing was saved"},
		{"callback in another browser", func(t *testing.T, e *researcherEnv) response {
			inv := e.invite(t, e.alice)
			cb := e.browser(t).authorizeAtORCID(e.browser(t).startConnect(inv))
			return e.browser(t).get(cb)
		}, http.StatusBadRequest, "same browser"},
		{"callback without anything", func(t *testing.T, e *researcherEnv) response {
			inv := e.invite(t, e.alice)
			b := e.browser(t)
			b.startConnect(inv)
			return b.get(connect.CallbackPath)
		}, http.StatusBadRequest, "Nothing was saved"},
		{"code refused by ORCID", func(t *testing.T, e *researcherEnv) response {
			inv := e.invite(t, e.alice)
			b := e.browser(t)
			cb, _ := url.Parse(b.authorizeAtORCID(b.startConnect(inv)))
			q := cb.Query()
			q.Set("code", "FORGEDCODE")
			return b.get(connect.CallbackPath + "?" + q.Encode())
		}, http.StatusBadRequest, "ORCID did not complete the connection"},
		{"iD already linked to another person", func(t *testing.T, e *researcherEnv) response {
			e.browser(t).connect(e.invite(t, e.bob))
			inv := e.invite(t, e.alice)
			b := e.browser(t)
			return b.get(b.authorizeAtORCID(b.startConnect(inv)))
		}, http.StatusConflict, "already connected to another person at Journal of Tests"},
		{"disconnect when not connected", func(t *testing.T, e *researcherEnv) response {
			return e.browser(t).post(e.invite(t, e.alice)+"/disconnect", url.Values{"confirm": {"yes"}})
		}, http.StatusConflict, "no connected ORCID iD"},
		{"disconnect page when not connected", func(t *testing.T, e *researcherEnv) response {
			return e.browser(t).get(e.invite(t, e.alice) + "/disconnect")
		}, http.StatusConflict, "no connected ORCID iD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newResearcherEnv(t)
			r := tt.run(t, e)
			if r.status != tt.status {
				t.Errorf("status %d, want %d", r.status, tt.status)
			}
			for _, want := range []string{tt.says, `id="problem-next"`, `id="support-contact"`, "mailto:help@jot.example"} {
				if !strings.Contains(r.body, want) {
					t.Errorf("error page lacks %q:\n%s", want, r.body)
				}
			}
			if _, err := e.st.Link(e.ctx, e.tenant.ID, e.alice.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Alice has a link after the error: %v", err)
			}
			if strings.Contains(e.logs.String(), "FORGEDCODE") {
				t.Error("the logs contain the code")
			}
		})
	}

	t.Run("unknown invitation", func(t *testing.T) {
		e := newResearcherEnv(t)
		for _, path := range []string{"/i/NOSUCHINVITATION", "/i/%2e%2e", "/i/x/connected"} {
			r := e.browser(t).get(path)
			if r.status != http.StatusNotFound || !strings.Contains(r.body, "could not find this invitation") {
				t.Errorf("%s: %d\n%s", path, r.status, r.body)
			}
		}
	})
}

func TestLanguages(t *testing.T) {
	e := newResearcherEnv(t)
	tests := []struct {
		name, acceptLanguage, query string
		person                      store.Person
		wantLang, wantText          string
	}{
		{"browser Spanish", "es-ES,es;q=0.9,en;q=0.5", "", e.alice, "es", "le invita a conectar su ORCID iD"},
		{"browser French by q", "de;q=0.9,fr;q=0.8", "", e.alice, "fr", "vous invite à connecter"},
		{"browser unknown", "de", "", e.alice, "en", "invites you to connect"},
		{"person prefers French", "es", "", e.bob, "fr", "Connecter votre identifiant ORCID"},
		{"explicit choice wins", "fr", "?lang=es", e.bob, "es", "Conecte su ORCID iD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := e.invite(t, tt.person)
			b := e.browser(t)
			b.lang = tt.acceptLanguage
			r := b.get(inv + tt.query)
			if r.status != http.StatusOK || !strings.Contains(r.body, `<html lang="`+tt.wantLang+`" dir="ltr">`) ||
				!strings.Contains(r.body, tt.wantText) {
				t.Fatalf("%d, want lang %s with %q:\n%s", r.status, tt.wantLang, tt.wantText, r.body)
			}
			// The page's language goes on to ORCID.
			auth := b.post(inv+"/connect", url.Values{"lang": {tt.wantLang}})
			u, _ := url.Parse(auth.location)
			if u == nil || u.Query().Get("lang") != tt.wantLang {
				t.Errorf("authorize URL lang: %q", auth.location)
			}
		})
	}

	t.Run("error page in French", func(t *testing.T) {
		inv := e.invite(t, e.bob)
		e.invite(t, e.bob) // replaces it
		b := e.browser(t)
		b.lang = "fr"
		r := b.get(inv)
		if r.status != http.StatusGone || !strings.Contains(r.body, "Cette invitation n’est plus valable") ||
			!strings.Contains(r.body, "Si vous avez besoin d’aide, contactez Journal of Tests") {
			t.Errorf("%d\n%s", r.status, r.body)
		}
	})

	t.Run("journey in Spanish", func(t *testing.T) {
		p := e.person(t, "Carmen", "Castro", "carmen@example.org", "c-3", "es")
		inv := e.invite(t, p)
		b := e.browser(t)
		page := b.connect(inv)
		for _, want := range []string{`<html lang="es" dir="ltr">`, "Su ORCID iD está conectado", "Desconectar mi ORCID iD"} {
			if !strings.Contains(page, want) {
				t.Errorf("success page lacks %q", want)
			}
		}
		if c := b.get(inv + "/disconnect?lang=es"); !strings.Contains(c.body, "¿Desconectar su ORCID iD de Journal of Tests?") {
			t.Errorf("disconnect confirmation in Spanish:\n%s", c.body)
		}
		d := b.post(inv+"/disconnect", url.Values{"lang": {"es"}, "confirm": {"yes"}})
		if !strings.Contains(d.body, "Su ORCID iD ha sido desconectado") {
			t.Errorf("disconnected page in Spanish:\n%s", d.body)
		}
	})
}

func TestCrossSiteFormIsRefused(t *testing.T) {
	e := newResearcherEnv(t)
	inv := e.invite(t, e.alice)
	b := e.browser(t)
	req, _ := http.NewRequest(http.MethodPost, e.base+inv+"/disconnect", strings.NewReader(""))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", resp.StatusCode)
	}
}
