package connect_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
	"github.com/orcidlink/orcidlink/internal/setup"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

const publicURL = "https://orcidlink.example.org"

// clock is a settable clock shared by the store and the service, so that
// moving it expires invitations and states for both.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a registry, a store, a service and one tenant with two
// people, whose credential is registered at the registry with the
// service's redirect URI.
type fixture struct {
	ctx     context.Context
	env     *sandboxtest.Env
	st      *store.Store
	svc     *connect.Service
	clock   *clock
	cred    store.Credential
	tenant  store.Tenant
	alice   store.Person
	bob     store.Person
	kicked  int
	kickedM sync.Mutex
}

type fixtureOpts struct {
	api           orcid.APIType
	invitationTTL time.Duration
	driver        string // "sqlite" (default) or "postgres"
}

func newFixture(t *testing.T, o fixtureOpts) *fixture {
	t.Helper()
	if o.api == "" {
		o.api = orcid.MemberAPI
	}
	f := &fixture{ctx: context.Background(), env: sandboxtest.New(t), clock: &clock{t: time.Now().UTC()}}
	if o.driver == "" {
		o.driver = "sqlite"
	}
	f.st = storetest.Open(t, o.driver, func(c *store.Config) { c.Now = f.clock.Now })
	svc, err := connect.New(connect.Config{
		Store: f.st, PublicURL: publicURL + "/", Now: f.clock.Now, InvitationTTL: o.invitationTTL,
		Retry:       orcid.RetryPolicy{MaxAttempts: 1},
		EmailQueued: func() { f.kickedM.Lock(); f.kicked++; f.kickedM.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	if got, want := svc.RedirectURI(), publicURL+"/orcid/callback"; got != want {
		t.Fatalf("RedirectURI = %q, want %q", got, want)
	}
	typ := "member"
	if o.api == orcid.PublicAPI {
		typ = "public"
	}
	if f.cred, err = setup.RegisterClient(f.ctx, f.st, f.env.Registry, sandbox.NewClient{
		Name: "Journal of Tests", RedirectURIs: []string{svc.RedirectURI()}, Type: typ,
	}, "test"); err != nil {
		t.Fatal(err)
	}
	if f.tenant, err = f.st.CreateTenant(f.ctx, store.Tenant{Slug: "jot", Name: "Journal of Tests",
		SupportEmail: "help@jot.example", Languages: []string{"en", "es", "fr"}, CredentialID: f.cred.ID}); err != nil {
		t.Fatal(err)
	}
	f.alice = f.person(t, "Alice", "Ayala", "alice@example.org", "a-1", "")
	f.bob = f.person(t, "Bob", "Bernard", "bob@example.org", "b-2", "fr")
	return f
}

func (f *fixture) person(t *testing.T, given, family, email, ref, lang string) store.Person {
	t.Helper()
	p, err := f.st.CreatePerson(f.ctx, store.Person{TenantID: f.tenant.ID, GivenNames: given, FamilyNames: family,
		Email: email, ExternalRef: ref, Language: lang})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// invite invites p without email and returns the raw token of the link.
func (f *fixture) invite(t *testing.T, p store.Person) (connect.Invitation, string) {
	t.Helper()
	inv, err := f.svc.Invite(f.ctx, f.tenant.ID, p.ID, store.ActorAdmin(1), false)
	if err != nil {
		t.Fatalf("Invite: %v", err)
	}
	raw, ok := strings.CutPrefix(inv.Link, publicURL+"/i/")
	if !ok || raw == "" {
		t.Fatalf("invitation link %q is not under %s/i/", inv.Link, publicURL)
	}
	return inv, raw
}

// authorize plays the researcher at the registry: sign in, authorize, and
// return the callback's query.
func (f *fixture) authorize(t *testing.T, authURL string) url.Values {
	t.Helper()
	q, err := sandboxtest.SignInAndAuthorize(authURL, f.svc.RedirectURI(), f.env.Researcher.Email, f.env.Researcher.Password)
	if err != nil {
		t.Fatalf("SignInAndAuthorize: %v", err)
	}
	return q
}

// connect runs the whole flow for p in browser session binding.
func (f *fixture) connect(t *testing.T, p store.Person, binding string) connect.Result {
	t.Helper()
	_, raw := f.invite(t, p)
	authURL, err := f.svc.Start(f.ctx, raw, binding, "en")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	res, err := f.svc.Complete(f.ctx, f.authorize(t, authURL), binding)
	if err != nil {
		t.Fatalf("Complete: %v", err)
	}
	return res
}

// snapshot is what the store holds about a person, to show that a failed
// callback changed nothing.
type snapshot struct {
	links       []store.Link
	invitations []store.Invitation
	audit       []store.AuditEvent
}

func (f *fixture) snapshot(t *testing.T, p store.Person) snapshot {
	t.Helper()
	links, err := f.st.LinksOfPerson(f.ctx, f.tenant.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	invs, err := f.st.ListInvitations(f.ctx, f.tenant.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := f.st.ListAudit(f.ctx, f.tenant.ID, p.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{links, invs, audit}
}

func (s snapshot) equal(o snapshot) bool {
	if len(s.links) != len(o.links) || len(s.invitations) != len(o.invitations) || len(s.audit) != len(o.audit) {
		return false
	}
	for i := range s.links {
		a, b := s.links[i], o.links[i]
		if a.State != b.State || a.ORCIDURI != b.ORCIDURI || a.AccessToken != b.AccessToken || !a.UpdatedAt.Equal(b.UpdatedAt) {
			return false
		}
	}
	for i := range s.invitations {
		if s.invitations[i].State != o.invitations[i].State {
			return false
		}
	}
	return true
}

func TestConnectStoresEverything(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		for _, api := range []orcid.APIType{orcid.MemberAPI, orcid.PublicAPI} {
			t.Run(string(api), func(t *testing.T) {
				f := newFixture(t, fixtureOpts{driver: driver, api: api})
				inv, raw := f.invite(t, f.alice)
				wantScopes := map[orcid.APIType][]string{
					orcid.MemberAPI: {"openid", "/read-limited", "/activities/update", "/person/update"},
					orcid.PublicAPI: {"openid", "/authenticate"},
				}[api]
				if strings.Join(inv.Scopes, " ") != strings.Join(wantScopes, " ") {
					t.Errorf("invitation scopes = %v, want %v", inv.Scopes, wantScopes)
				}

				authURL, err := f.svc.Start(f.ctx, raw, "browser-1", "es")
				if err != nil {
					t.Fatal(err)
				}
				u, _ := url.Parse(authURL)
				q := u.Query()
				for k, want := range map[string]string{"given_names": "Alice", "family_names": "Ayala",
					"email": "alice@example.org", "lang": "es", "redirect_uri": f.svc.RedirectURI(), "client_id": f.cred.ClientID} {
					if q.Get(k) != want {
						t.Errorf("authorize URL %s = %q, want %q", k, q.Get(k), want)
					}
				}
				if q.Get("state") == "" || q.Get("nonce") == "" {
					t.Errorf("authorize URL lacks state or nonce: %s", authURL)
				}
				if strings.Contains(authURL, raw) {
					t.Error("authorize URL carries the invitation token")
				}

				cb := f.authorize(t, authURL)
				res, err := f.svc.Complete(f.ctx, cb, "browser-1")
				if err != nil {
					t.Fatalf("Complete: %v", err)
				}
				wantURI := f.env.BaseURL + "/" + f.env.Researcher.ORCID
				link, err := f.st.Link(f.ctx, f.tenant.ID, f.alice.ID)
				if err != nil {
					t.Fatal(err)
				}
				if link.ORCIDURI != wantURI || res.Link.ORCIDURI != wantURI || string(link.ORCID) != f.env.Researcher.ORCID {
					t.Errorf("iD = %q (%q), result %q, want %q", link.ORCIDURI, link.ORCID, res.Link.ORCIDURI, wantURI)
				}
				if link.State != store.LinkConnected || link.AccessToken == "" || link.RefreshToken == "" {
					t.Errorf("link state %s, access token set %v, refresh token set %v", link.State, link.AccessToken != "", link.RefreshToken != "")
				}
				if api == orcid.MemberAPI && link.IDToken == "" {
					t.Error("no id_token stored although openid was granted")
				}
				if link.ExpiresAt.Before(f.clock.Now().Add(24*time.Hour)) || link.AuthenticatedAt.IsZero() {
					t.Errorf("expires %v, authenticated %v", link.ExpiresAt, link.AuthenticatedAt)
				}
				for _, sc := range wantScopes[1:] {
					if !strings.Contains(" "+strings.Join(link.Scopes, " ")+" ", " "+sc+" ") {
						t.Errorf("granted scopes %v lack %s", link.Scopes, sc)
					}
				}
				if link.Name != f.env.Researcher.Name() {
					t.Errorf("name %q, want %q", link.Name, f.env.Researcher.Name())
				}
				// The token works at the registry: it is the one ORCID issued.
				client, err := f.svc.Client(f.ctx, f.cred)
				if err != nil {
					t.Fatal(err)
				}
				if api == orcid.MemberAPI {
					if _, err := client.ReadRecord(f.ctx, link.AccessToken, link.ORCID); err != nil {
						t.Errorf("read record with the stored token: %v", err)
					}
				}
				// Tokens are sealed in the database: the raw column is not the token.
				var rawTok string
				rawQuery := `SELECT CAST(access_token AS TEXT) FROM orcid_links WHERE id = ?`
				if driver == "postgres" {
					rawQuery = strings.Replace(rawQuery, "?", "$1", 1)
				}
				if err := f.st.DB().QueryRow(rawQuery, link.ID).Scan(&rawTok); err != nil {
					t.Fatal(err)
				}
				if rawTok == "" || strings.Contains(rawTok, link.AccessToken) {
					t.Error("access token is stored in clear")
				}
				invs, _ := f.st.ListInvitations(f.ctx, f.tenant.ID, f.alice.ID)
				if len(invs) != 1 || invs[0].State != store.InvitationAccepted {
					t.Errorf("invitations after connecting: %+v", invs)
				}
				f.assertAudit(t, f.alice, "link.connected")
				f.assertCallLogClean(t, f.alice, link)
			})
		}
	})
}

func (f *fixture) assertAudit(t *testing.T, p store.Person, action string) {
	t.Helper()
	events, err := f.st.ListAudit(f.ctx, f.tenant.ID, p.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Action == action {
			return
		}
	}
	t.Errorf("no %s audit entry for %s (have %d entries)", action, p.GivenNames, len(events))
}

// assertCallLogClean checks that the calls for p were logged, and that no
// token appears in them.
func (f *fixture) assertCallLogClean(t *testing.T, p store.Person, link store.Link) {
	t.Helper()
	calls, err := f.st.ListCalls(f.ctx, f.tenant.ID, p.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	var sawToken bool
	for _, c := range calls {
		if strings.HasSuffix(c.URL, "/oauth/token") {
			sawToken = true
		}
		if c.CredentialID != f.cred.ID {
			t.Errorf("call %s %s logged under credential %d, want %d", c.Method, c.URL, c.CredentialID, f.cred.ID)
		}
		all := c.URL + string(c.RequestBody) + string(c.ResponseBody) + c.Error
		for k, v := range c.RequestHeader {
			all += k + strings.Join(v, ",")
		}
		for k, v := range c.ResponseHeader {
			all += k + strings.Join(v, ",")
		}
		for name, secret := range map[string]string{"access token": link.AccessToken, "refresh token": link.RefreshToken,
			"id_token": link.IDToken, "client secret": f.cred.ClientSecret} {
			if secret != "" && strings.Contains(all, secret) {
				t.Errorf("call log %s %s contains the %s", c.Method, c.URL, name)
			}
		}
	}
	if !sawToken {
		t.Errorf("no /oauth/token call in the log of %s (%d calls)", p.GivenNames, len(calls))
	}
}

// stateOf is the state parameter of an authorize URL.
func stateOf(t *testing.T, authURL string) string {
	t.Helper()
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("state")
}

func TestDenialThenRetry(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	_, raw := f.invite(t, f.alice)
	authURL, err := f.svc.Start(f.ctx, raw, "b", "")
	if err != nil {
		t.Fatal(err)
	}
	// What ORCID sends when the researcher clicks "Deny".
	_, err = f.svc.Complete(f.ctx, url.Values{"error": {"access_denied"}, "error_description": {"User denied access"},
		"state": {stateOf(t, authURL)}}, "b")
	var fe *connect.FlowError
	if !errors.Is(err, connect.ErrDenied) || !errors.As(err, &fe) || fe.TenantID != f.tenant.ID || fe.PersonID != f.alice.ID {
		t.Fatalf("Complete after denial: %v (%+v), want ErrDenied for the tenant and person", err, fe)
	}
	if _, err := f.st.Link(f.ctx, f.tenant.ID, f.alice.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a link exists after denial: %v", err)
	}
	invs, _ := f.st.ListInvitations(f.ctx, f.tenant.ID, f.alice.ID)
	if len(invs) != 1 || invs[0].State != store.InvitationDenied {
		t.Fatalf("invitation after denial: %+v", invs)
	}
	f.assertAudit(t, f.alice, "invitation.denied")

	// The person changes their mind: the same link still works.
	authURL, err = f.svc.Start(f.ctx, raw, "b", "")
	if err != nil {
		t.Fatalf("Start after denial: %v", err)
	}
	if _, err := f.svc.Complete(f.ctx, f.authorize(t, authURL), "b"); err != nil {
		t.Fatalf("Complete after retry: %v", err)
	}
	if l, err := f.st.Link(f.ctx, f.tenant.ID, f.alice.ID); err != nil || l.State != store.LinkConnected {
		t.Errorf("link after retry: %+v, %v", l, err)
	}
}

// TestRefusedCallbacks: every way a callback can be wrong gets its typed
// error and leaves the store as it was.
func TestRefusedCallbacks(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		tests := []struct {
			name string
			// run starts a flow for alice and returns the callback to complete
			// and the session to complete it in.
			run  func(t *testing.T, f *fixture) (url.Values, string)
			want error
		}{
			{"tampered state", func(t *testing.T, f *fixture) (url.Values, string) {
				_, raw := f.invite(t, f.alice)
				authURL, _ := f.svc.Start(f.ctx, raw, "s", "")
				q := f.authorize(t, authURL)
				st := q.Get("state")
				last := "A"
				if strings.HasSuffix(st, "A") {
					last = "B"
				}
				q.Set("state", st[:len(st)-1]+last)
				return q, "s"
			}, connect.ErrBadState},
			{"forged state", func(t *testing.T, f *fixture) (url.Values, string) {
				return url.Values{"code": {"abcdef"}, "state": {"1.FORGEDSTATEVALUE"}}, "s"
			}, connect.ErrBadState},
			{"no state", func(t *testing.T, f *fixture) (url.Values, string) {
				return url.Values{"code": {"abcdef"}}, "s"
			}, connect.ErrBadState},
			{"state from another session", func(t *testing.T, f *fixture) (url.Values, string) {
				_, raw := f.invite(t, f.alice)
				authURL, _ := f.svc.Start(f.ctx, raw, "victim", "")
				return f.authorize(t, authURL), "attacker"
			}, connect.ErrBadState},
			{"no session", func(t *testing.T, f *fixture) (url.Values, string) {
				_, raw := f.invite(t, f.alice)
				authURL, _ := f.svc.Start(f.ctx, raw, "s", "")
				return f.authorize(t, authURL), ""
			}, connect.ErrBadState},
			{"expired state", func(t *testing.T, f *fixture) (url.Values, string) {
				_, raw := f.invite(t, f.alice)
				authURL, _ := f.svc.Start(f.ctx, raw, "s", "")
				q := f.authorize(t, authURL)
				f.clock.Advance(connect.DefaultStateTTL + time.Minute)
				return q, "s"
			}, connect.ErrBadState},
			{"expired invitation", func(t *testing.T, f *fixture) (url.Values, string) {
				_, raw := f.invite(t, f.alice) // TTL 10 minutes, see below
				authURL, _ := f.svc.Start(f.ctx, raw, "s", "")
				q := f.authorize(t, authURL)
				f.clock.Advance(11 * time.Minute)
				return q, "s"
			}, connect.ErrInvitationExpired},
			{"cancelled invitation", func(t *testing.T, f *fixture) (url.Values, string) {
				_, raw := f.invite(t, f.alice)
				authURL, _ := f.svc.Start(f.ctx, raw, "s", "")
				q := f.authorize(t, authURL)
				f.invite(t, f.alice) // replaces the first
				return q, "s"
			}, connect.ErrInvitationExpired},
			{"code refused by ORCID", func(t *testing.T, f *fixture) (url.Values, string) {
				_, raw := f.invite(t, f.alice)
				authURL, _ := f.svc.Start(f.ctx, raw, "s", "")
				q := f.authorize(t, authURL)
				q.Set("code", "not-a-code")
				return q, "s"
			}, connect.ErrORCID},
			{"error other than denial", func(t *testing.T, f *fixture) (url.Values, string) {
				_, raw := f.invite(t, f.alice)
				authURL, _ := f.svc.Start(f.ctx, raw, "s", "")
				return url.Values{"error": {"server_error"}, "state": {stateOf(t, authURL)}}, "s"
			}, connect.ErrORCID},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := newFixture(t, fixtureOpts{invitationTTL: 10 * time.Minute})
				q, session := tt.run(t, f)
				before := f.snapshot(t, f.alice)
				_, err := f.svc.Complete(f.ctx, q, session)
				if !errors.Is(err, tt.want) {
					t.Fatalf("Complete = %v, want %v", err, tt.want)
				}
				var fe *connect.FlowError
				if !errors.As(err, &fe) {
					t.Fatalf("error %T is not a *FlowError", err)
				}
				if tt.want != connect.ErrBadState && fe.TenantID != f.tenant.ID {
					t.Errorf("FlowError.TenantID = %d, want %d", fe.TenantID, f.tenant.ID)
				}
				if after := f.snapshot(t, f.alice); !before.equal(after) {
					t.Errorf("the store changed:\nbefore %+v\nafter  %+v", before, after)
				}
				if _, err := f.st.Link(f.ctx, f.tenant.ID, f.alice.ID); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("a link was stored: %v", err)
				}
			})
		}
	})
}

func TestReplayedCallback(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	_, raw := f.invite(t, f.alice)
	authURL, err := f.svc.Start(f.ctx, raw, "s", "")
	if err != nil {
		t.Fatal(err)
	}
	q := f.authorize(t, authURL)
	if _, err := f.svc.Complete(f.ctx, q, "s"); err != nil {
		t.Fatal(err)
	}
	before := f.snapshot(t, f.alice)
	if _, err := f.svc.Complete(f.ctx, q, "s"); !errors.Is(err, connect.ErrBadState) {
		t.Fatalf("replayed callback: %v, want ErrBadState", err)
	}
	if !before.equal(f.snapshot(t, f.alice)) {
		t.Error("the replay changed the store")
	}
}

func TestSecondPersonClaimingLinkedID(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, fixtureOpts{driver: driver})
		first := f.connect(t, f.alice, "alice-browser")

		// The same researcher signs in at ORCID from Bob's invitation.
		_, raw := f.invite(t, f.bob)
		authURL, err := f.svc.Start(f.ctx, raw, "bob-browser", "")
		if err != nil {
			t.Fatal(err)
		}
		q := f.authorize(t, authURL)
		before, aliceBefore := f.snapshot(t, f.bob), f.snapshot(t, f.alice)
		_, err = f.svc.Complete(f.ctx, q, "bob-browser")
		var fe *connect.FlowError
		if !errors.Is(err, connect.ErrAlreadyLinked) || !errors.As(err, &fe) || fe.PersonID != f.bob.ID {
			t.Fatalf("Complete for the second person: %v, want ErrAlreadyLinked for Bob", err)
		}
		if !before.equal(f.snapshot(t, f.bob)) || !aliceBefore.equal(f.snapshot(t, f.alice)) {
			t.Error("the refused claim changed the store")
		}
		if _, err := f.st.Link(f.ctx, f.tenant.ID, f.bob.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Bob has a link: %v", err)
		}
		// Alice's link is untouched and her token still works.
		link, err := f.st.Link(f.ctx, f.tenant.ID, f.alice.ID)
		if err != nil || link.State != store.LinkConnected || link.AccessToken != first.Link.AccessToken {
			t.Fatalf("Alice's link after the refused claim: %+v, %v", link, err)
		}
		client, _ := f.svc.Client(f.ctx, f.cred)
		if _, err := client.ReadRecord(f.ctx, link.AccessToken, link.ORCID); err != nil {
			t.Errorf("Alice's token after the refused claim: %v", err)
		}
	})
}

func TestDisconnectRevokesAtORCID(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		for _, actor := range []string{store.ActorPerson, store.ActorAdmin(7)} {
			t.Run(actor, func(t *testing.T) {
				f := newFixture(t, fixtureOpts{driver: driver})
				res := f.connect(t, f.alice, "s")
				link := res.Link
				if err := f.svc.Disconnect(f.ctx, f.tenant.ID, f.alice.ID, actor); err != nil {
					t.Fatalf("Disconnect: %v", err)
				}
				client, _ := f.svc.Client(f.ctx, f.cred)
				if _, err := client.ReadRecord(f.ctx, link.AccessToken, link.ORCID); !errors.Is(err, orcid.ErrTokenInvalid) {
					t.Errorf("call with the old access token: %v, want ErrTokenInvalid", err)
				}
				if _, err := client.Refresh(f.ctx, link.RefreshToken); !errors.Is(err, orcid.ErrTokenInvalid) {
					t.Errorf("refresh with the old refresh token: %v, want ErrTokenInvalid", err)
				}
				after, err := f.st.Link(f.ctx, f.tenant.ID, f.alice.ID)
				if err != nil {
					t.Fatal(err)
				}
				if after.State != store.LinkRemoved || after.ORCIDURI != "" || after.AccessToken != "" || after.RefreshToken != "" {
					t.Errorf("link after disconnect: state %s, iD %q, tokens kept %v", after.State, after.ORCIDURI,
						after.AccessToken != "" || after.RefreshToken != "")
				}
				want := "link.disconnected"
				if actor != store.ActorPerson {
					want = "link.removed"
				}
				f.assertAudit(t, f.alice, want)
				if err := f.svc.Disconnect(f.ctx, f.tenant.ID, f.alice.ID, actor); !errors.Is(err, connect.ErrNotConnected) {
					t.Errorf("second Disconnect: %v, want ErrNotConnected", err)
				}
				// The person may connect again, and then invitations make sense again.
				f.connect(t, f.alice, "s2")
			})
		}
	})
}

func TestDisconnectWhenORCIDIsDown(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.connect(t, f.alice, "s")
	f.env.Server.Close()
	err := f.svc.Disconnect(f.ctx, f.tenant.ID, f.alice.ID, store.ActorPerson)
	if !errors.Is(err, connect.ErrRevokeIncomplete) {
		t.Fatalf("Disconnect with ORCID down: %v, want ErrRevokeIncomplete", err)
	}
	l, err := f.st.Link(f.ctx, f.tenant.ID, f.alice.ID)
	if err != nil || l.State != store.LinkRemoved || l.AccessToken != "" {
		t.Errorf("link after disconnect with ORCID down: %+v, %v", l, err)
	}
}

func TestDisconnectByInvitation(t *testing.T) {
	f := newFixture(t, fixtureOpts{invitationTTL: time.Hour})
	_, raw := f.invite(t, f.alice)
	if _, err := f.svc.DisconnectByInvitation(f.ctx, raw); !errors.Is(err, connect.ErrNotConnected) {
		t.Errorf("disconnect before connecting: %v, want ErrNotConnected", err)
	}
	authURL, _ := f.svc.Start(f.ctx, raw, "s", "")
	if _, err := f.svc.Complete(f.ctx, f.authorize(t, authURL), "s"); err != nil {
		t.Fatal(err)
	}
	v, err := f.svc.Lookup(f.ctx, raw)
	if err != nil || !v.Connected || !v.CanDisconnect || v.Link == nil {
		t.Fatalf("Lookup after connecting: %+v, %v", v, err)
	}
	// Letting go must not depend on the age of the email.
	f.clock.Advance(2 * time.Hour)
	v, err = f.svc.DisconnectByInvitation(f.ctx, raw)
	if err != nil {
		t.Fatalf("DisconnectByInvitation: %v", err)
	}
	if v.Connected || v.Link == nil || v.Link.State != store.LinkRemoved {
		t.Errorf("view after disconnect: %+v", v)
	}
	if _, err := f.svc.DisconnectByInvitation(f.ctx, "unknown"); !errors.Is(err, connect.ErrInvitationUnknown) {
		t.Errorf("unknown link: %v", err)
	}
}

func TestAlreadyConnectedIsNotInvited(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	_, raw := f.invite(t, f.alice)
	authURL, _ := f.svc.Start(f.ctx, raw, "s", "")
	if _, err := f.svc.Complete(f.ctx, f.authorize(t, authURL), "s"); err != nil {
		t.Fatal(err)
	}
	emails, _ := f.st.ListEmails(f.ctx, 100)
	if _, err := f.svc.Invite(f.ctx, f.tenant.ID, f.alice.ID, store.ActorAdmin(1), true); !errors.Is(err, connect.ErrAlreadyConnected) {
		t.Errorf("Invite of a connected person: %v, want ErrAlreadyConnected", err)
	}
	if again, _ := f.st.ListEmails(f.ctx, 100); len(again) != len(emails) {
		t.Error("an email was queued for a connected person")
	}
	// Nor is the person sent to ORCID again from their old link.
	if _, err := f.svc.Start(f.ctx, raw, "s", ""); !errors.Is(err, connect.ErrAlreadyConnected) {
		t.Errorf("Start for a connected person: %v, want ErrAlreadyConnected", err)
	}
	// A revoked link no longer covers anything: then they are invited.
	l, _ := f.st.Link(f.ctx, f.tenant.ID, f.alice.ID)
	if err := f.svc.MarkRevoked(f.ctx, l, "401 invalid_token"); err != nil {
		t.Fatal(err)
	}
	f.assertAudit(t, f.alice, "link.revoked")
	if _, err := f.svc.Invite(f.ctx, f.tenant.ID, f.alice.ID, store.ActorAdmin(1), false); err != nil {
		t.Errorf("Invite after revocation: %v", err)
	}
}

func TestInviteEmailAndCancellation(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	first, firstRaw := f.invite(t, f.bob)
	second, err := f.svc.Invite(f.ctx, f.tenant.ID, f.bob.ID, store.ActorAdmin(1), true)
	if err != nil {
		t.Fatal(err)
	}
	if f.kicked != 1 {
		t.Errorf("EmailQueued called %d times, want 1", f.kicked)
	}
	invs, _ := f.st.ListInvitations(f.ctx, f.tenant.ID, f.bob.ID)
	states := map[int64]store.InvitationState{}
	for _, i := range invs {
		states[i.ID] = i.State
	}
	if states[first.ID] != store.InvitationCancelled || states[second.ID] != store.InvitationPending {
		t.Errorf("states after re-inviting: %v", states)
	}
	if _, err := f.svc.Start(f.ctx, firstRaw, "s", ""); !errors.Is(err, connect.ErrInvitationExpired) {
		t.Errorf("Start with the replaced link: %v, want ErrInvitationExpired", err)
	}
	if second.SentAt.IsZero() || !second.ExpiresAt.Equal(second.CreatedAt.Add(connect.DefaultInvitationTTL)) {
		t.Errorf("sent %v, created %v, expires %v", second.SentAt, second.CreatedAt, second.ExpiresAt)
	}
	emails, err := f.st.UnsentEmails(f.ctx, 10)
	if err != nil || len(emails) != 1 {
		t.Fatalf("outbox: %v, %v", emails, err)
	}
	e := emails[0]
	// Bob prefers French.
	if e.Recipient != "bob@example.org" || !strings.Contains(e.Subject, "identifiant ORCID") {
		t.Errorf("email to %q, subject %q", e.Recipient, e.Subject)
	}
	for _, body := range []string{e.TextBody, e.HTMLBody} {
		for _, want := range []string{second.Link, "Journal of Tests", "help@jot.example", "déconnecter"} {
			if !strings.Contains(body, want) {
				t.Errorf("email body lacks %q:\n%s", want, body)
			}
		}
	}
}

func TestInvitationLanguages(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	tests := []struct{ lang, subject string }{
		{"", "asks you to connect your ORCID iD"},
		{"es", "le pide que conecte su ORCID iD"},
		{"fr", "vous invite à connecter"},
		{"ja", "asks you to connect your ORCID iD"}, // not offered by the tenant: its default
	}
	for i, tt := range tests {
		p := f.person(t, "P", tt.lang, "p"+string(rune('a'+i))+"@example.org", "", tt.lang)
		if _, err := f.svc.Invite(f.ctx, f.tenant.ID, p.ID, store.ActorSystem, true); err != nil {
			t.Fatal(err)
		}
		emails, _ := f.st.ListTenantEmails(f.ctx, f.tenant.ID, 1)
		if len(emails) != 1 || !strings.Contains(emails[0].Subject, tt.subject) {
			t.Errorf("language %q: subject %q, want it to contain %q", tt.lang, emails[0].Subject, tt.subject)
		}
		if strings.Contains(emails[0].HTMLBody, "<script") {
			t.Error("HTML body has markup from data")
		}
	}
}

func TestClientIsCachedPerCredential(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	a, err := f.svc.Client(f.ctx, f.cred)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := f.svc.Client(f.ctx, f.cred)
	if a != b {
		t.Error("the same credential got two clients")
	}
	changed := f.cred
	changed.ClientSecret = "another"
	c, _ := f.svc.Client(f.ctx, changed)
	if c == a {
		t.Error("a changed credential kept its old client")
	}
}

// TestTenantInvitationTemplate: a tenant's own email replaces the built-in
// one for its language only, fills in the person and link, and escapes
// names in HTML.
func TestTenantInvitationTemplate(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.tenant.Settings.InvitationEmails = map[string]store.EmailTemplate{"en": {
		Subject: "{{.Tenant}}: your ORCID iD, {{.GivenNames}}",
		Text:    "Hello {{.Name}},\nplease connect: {{.Link}}\n(valid until {{.Expires}})\n",
		HTML:    `<p>Hello {{.Name}}, <a href="{{.Link}}">connect</a></p>`,
	}}
	if _, err := f.st.UpdateTenant(f.ctx, f.tenant); err != nil {
		t.Fatal(err)
	}
	p := f.person(t, "<b>Ann</b>", "Lee", "ann@example.org", "", "en")
	inv, err := f.svc.Invite(f.ctx, f.tenant.ID, p.ID, store.ActorSystem, true)
	if err != nil {
		t.Fatal(err)
	}
	emails, _ := f.st.ListTenantEmails(f.ctx, f.tenant.ID, 1)
	e := emails[0]
	if e.Subject != "Journal of Tests: your ORCID iD, <b>Ann</b>" || !strings.Contains(e.TextBody, "please connect: "+inv.Link) {
		t.Fatalf("subject %q\ntext %q", e.Subject, e.TextBody)
	}
	if strings.Contains(e.HTMLBody, "<b>Ann</b>") || !strings.Contains(e.HTMLBody, "&lt;b&gt;Ann&lt;/b&gt;") {
		t.Fatalf("HTML does not escape the name: %s", e.HTMLBody)
	}
	// Bob prefers French, for which the tenant has no template.
	if _, err := f.svc.Invite(f.ctx, f.tenant.ID, f.bob.ID, store.ActorSystem, true); err != nil {
		t.Fatal(err)
	}
	emails, _ = f.st.ListTenantEmails(f.ctx, f.tenant.ID, 1)
	if !strings.Contains(emails[0].Subject, "identifiant ORCID") {
		t.Fatalf("French fallback subject %q", emails[0].Subject)
	}
}

func TestValidateTemplate(t *testing.T) {
	tests := []struct {
		name string
		tmpl store.EmailTemplate
		want string // "" for valid
	}{
		{"built-in English", connect.DefaultTemplate("en"), ""},
		{"built-in French", connect.DefaultTemplate("fr"), ""},
		{"no subject", store.EmailTemplate{Text: "{{.Link}}"}, "subject: required"},
		{"no link", store.EmailTemplate{Subject: "s", Text: "connect please"}, "must contain the invitation link"},
		{"no link in HTML", store.EmailTemplate{Subject: "s", Text: "{{.Link}}", HTML: "<p>hi</p>"}, "html: must contain"},
		{"syntax error", store.EmailTemplate{Subject: "s", Text: "{{.Link"}, "text:"},
		{"unknown field", store.EmailTemplate{Subject: "s", Text: "{{.Link}} {{.Password}}"}, "Password"},
		{"two-line subject", store.EmailTemplate{Subject: "a\nb", Text: "{{.Link}}"}, "one line"},
	}
	for _, tc := range tests {
		err := connect.ValidateTemplate(tc.tmpl)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, connect.ErrTemplate)):
			t.Errorf("%s: err = %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}
