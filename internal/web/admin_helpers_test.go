package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
	"github.com/orcidlink/orcidlink/internal/web"
)

// adminEnv is a whole web server over a real SQLite store, listening on
// loopback, as the admin UI's tests drive it: through HTTP, with cookies.
type adminEnv struct {
	st      *store.Store
	srv     *httptest.Server
	svc     *connect.Service
	baseURL string
}

type adminEnvOptions struct {
	tls     bool           // serve (and make the public URL) https
	items   web.ItemQueue  // the sync queue, for sending items again
	journal web.Journal    // the journal workflow
	batches web.BatchFiles // batch files
	// trustedProxies believe X-Forwarded-For from these addresses: with
	// the loopback trusted, a test can speak as many clients.
	trustedProxies []netip.Prefix
}

// newAdminEnv starts the server. With tls, the public URL is https, so
// session cookies are Secure and redirect URIs are https, as in production.
func newAdminEnv(t *testing.T, opts adminEnvOptions) *adminEnv {
	t.Helper()
	st := storetest.Open(t, "sqlite", nil)
	srv := httptest.NewUnstartedServer(nil)
	scheme := "http"
	if opts.tls {
		scheme = "https"
	}
	base := scheme + "://" + srv.Listener.Addr().String()
	svc, err := connect.New(connect.Config{Store: st, PublicURL: base})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := web.New(web.Config{Store: st, Connect: svc, PublicURL: base, Items: opts.items, Journal: opts.journal, Batches: opts.batches,
		TrustedProxies: opts.trustedProxies})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = ws.Handler()
	if opts.tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return &adminEnv{st: st, srv: srv, svc: svc, baseURL: base}
}

// adminClient is one browser: its own cookie jar; redirects are not
// followed, so tests see where each adminAnswer leads.
type adminClient struct {
	t    *testing.T
	http *http.Client
	base string
}

func (e *adminEnv) client(t *testing.T) *adminClient {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	// A client of its own: srv.Client() is shared, and so would its jar be.
	// Its transport trusts the test certificate when TLS.
	c := &http.Client{Transport: e.srv.Client().Transport, Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &adminClient{t: t, http: c, base: e.baseURL}
}

type adminAnswer struct {
	status   int
	location string
	body     string
}

func (c *adminClient) do(req *http.Request) adminAnswer {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", req.Method, req.URL.Path, err)
	}
	return adminAnswer{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(b)}
}

func (c *adminClient) get(path string) adminAnswer {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post sends a form as a browser on our own pages would: with
// Sec-Fetch-Site: same-origin, which http.CrossOriginProtection requires.
func (c *adminClient) post(path string, form url.Values) adminAnswer {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// postFrom is post as the client at address from, behind a trusted proxy
// (adminEnvOptions.trustedProxies).
func (c *adminClient) postFrom(from, path string, form url.Values) adminAnswer {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Forwarded-For", from)
	return c.do(req)
}

// signIn signs in and fails the test unless it worked.
func (c *adminClient) signIn(email, password string) {
	c.t.Helper()
	a := c.post("/admin/signin", url.Values{"email": {email}, "password": {password}})
	if a.status != http.StatusSeeOther || a.location != "/admin/" {
		c.t.Fatalf("sign in as %s: %d to %q, want 303 to /admin/\n%s", email, a.status, a.location, a.body)
	}
}

const adminTestPassword = "correct horse battery staple"

// addAdmin creates an administrator with adminTestPassword, assigned to
// tenants when a tenant manager.
func (e *adminEnv) addAdmin(t *testing.T, email string, role store.Role, tenants ...int64) store.AdminUser {
	t.Helper()
	hash, err := web.HashPassword(adminTestPassword)
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.st.CreateAdminUser(context.Background(), store.AdminUser{Email: email, Name: email, PasswordHash: hash, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	if len(tenants) > 0 {
		if err := e.st.SetUserTenants(context.Background(), u.ID, tenants); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

// addCredential stores a sandbox Member API credential with secret.
func (e *adminEnv) addCredential(t *testing.T, name, clientID, secret string) store.Credential {
	t.Helper()
	c, err := e.st.CreateCredential(context.Background(), store.Credential{Name: name, Env: orcid.Sandbox,
		API: orcid.MemberAPI, ClientID: clientID, ClientSecret: secret, ClientName: name + " client"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *adminEnv) addTenant(t *testing.T, slug string, credentialID int64) store.Tenant {
	t.Helper()
	tn, err := e.st.CreateTenant(context.Background(), store.Tenant{Slug: slug, Name: "Tenant " + slug,
		SupportEmail: "help@" + slug + ".example", Languages: []string{"en", "fr"}, CredentialID: credentialID})
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

func (e *adminEnv) addPerson(t *testing.T, tenantID int64, given, family, email string) store.Person {
	t.Helper()
	p, err := e.st.CreatePerson(context.Background(), store.Person{TenantID: tenantID, GivenNames: given,
		FamilyNames: family, Email: email})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// connectPerson stores an authorization for a person as if they had
// completed the OAuth round trip, returning the link.
func (e *adminEnv) connectPerson(t *testing.T, tn store.Tenant, p store.Person, id orcid.ID, token string) store.Link {
	t.Helper()
	l, err := e.st.SaveAuthorization(context.Background(), store.Authorization{TenantID: tn.ID, PersonID: p.ID,
		CredentialID: tn.CredentialID, Authorization: orcid.Authorization{ID: id, IDURI: orcid.Sandbox.IDURI(id),
			AccessToken: token, RefreshToken: token + "-refresh", TokenType: "bearer",
			Scopes:    []string{orcid.ScopeReadLimited, orcid.ScopeActivitiesUpdate, orcid.ScopePersonUpdate},
			ExpiresAt: time.Now().Add(20 * 365 * 24 * time.Hour)}, AuthenticatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func adminItoa(n int64) string { return strconv.FormatInt(n, 10) }
