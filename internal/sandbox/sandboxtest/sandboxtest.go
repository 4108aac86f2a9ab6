// Package sandboxtest starts an offline ORCID registry (package sandbox) for
// tests: a real HTTP server on loopback with an in-memory database, a
// member client, a public client and a researcher with a known password,
// plus helpers that run the OAuth flow without a browser.
//
//	env := sandboxtest.New(t)
//	tok := env.Token(t, "/read-limited", "/activities/update")
//	// call env.MemberAPI with tok.AccessToken ...
//
// Everything is torn down by t.Cleanup.
package sandboxtest

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/orcidlink/orcidlink/internal/sandbox"
)

// Env is a running registry with its seeded clients and researcher.
type Env struct {
	Registry *sandbox.Registry
	Server   *httptest.Server
	// BaseURL is the site and OAuth base; MemberAPI and PublicAPI are the
	// API bases ("<BaseURL>/v3.0", "<BaseURL>/pub/v3.0").
	BaseURL, MemberAPI, PublicAPI string
	// Member holds Member API credentials (with its secret), redirecting to
	// Callback; Public holds Public API credentials, same redirect URI.
	Member, Public sandbox.Client
	Researcher     Researcher
	Callback       *Callback
	// Clock is the registry's clock; Advance it to expire codes and tokens.
	Clock *Clock
}

// Researcher is the seeded record holder and how to sign in as them.
type Researcher struct {
	ORCID, Email, Password, GivenNames, FamilyNames string
}

// Name is what ORCID returns as the token's "name".
func (r Researcher) Name() string { return strings.TrimSpace(r.GivenNames + " " + r.FamilyNames) }

type options struct {
	db     string
	strict bool
	orgs   []sandbox.Organization
}

// Option changes what New sets up.
type Option func(*options)

// WithDB keeps the registry in the SQLite file at path instead of memory,
// for tests that reopen it.
func WithDB(path string) Option { return func(o *options) { o.db = path } }

// WithStrict runs the registry strict (sandbox.Config.Strict): it then knows
// only the organisations registered (DefaultOrganizations, WithOrganizations,
// Env.AddOrganization) and refuses any other, as ORCID refuses an
// organisation missing from its registry.
func WithStrict() Option { return func(o *options) { o.strict = true } }

// WithOrganizations registers more organisations besides
// DefaultOrganizations.
func WithOrganizations(orgs ...sandbox.Organization) Option {
	return func(o *options) { o.orgs = append(o.orgs, orgs...) }
}

// DefaultOrganizations are registered in every registry New starts: the
// organisations orcidlink's own tests and test data name (Brown University
// in the batch files and job tests, the ROR iD of the API's examples) and
// the non-ROR ones of ORCID's v3.0 write samples, which tests post as they
// are, so that they pass in a strict registry too.
func DefaultOrganizations() []sandbox.Organization {
	return []sandbox.Organization{
		{Identifier: "https://ror.org/05gq02987", Source: "ROR", Name: "Brown University", City: "Providence", Region: "RI", Country: "US"},
		{Identifier: "https://ror.org/04bj28v14", Source: "ROR", Name: "Example University", City: "Wellington", Country: "NZ"},
		{Identifier: "https://ror.org/05qwgg493", Source: "ROR", Name: "Boston University", City: "Boston", Region: "MA", Country: "US"},
		{Identifier: "385488", Source: "RINGGOLD", Name: "ORCID", City: "Bethesda", Region: "MD", Country: "US"},
		{Identifier: "grid.455335.1", Source: "GRID", Name: "ORCID", City: "Bethesda", Region: "MD", Country: "US"},
		{Identifier: "http://dx.doi.org/10.13039/100000001", Source: "FUNDREF", Name: "National Science Foundation", City: "Alexandria", Region: "VA", Country: "US"},
	}
}

// New starts a registry for the test. It fails the test if anything cannot
// be set up.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	o := options{db: ":memory:"}
	for _, f := range opts {
		f(&o)
	}
	e := &Env{Clock: &Clock{}, Callback: newCallback(t)}
	// The listener exists before the registry so that the registry knows
	// its own base URL (issuer, iD URIs) from the start.
	e.Server = httptest.NewUnstartedServer(nil)
	base := "http://" + e.Server.Listener.Addr().String()
	reg, err := sandbox.Open(context.Background(), sandbox.Config{BaseURL: base, DB: o.db, Now: e.Clock.Now, Strict: o.strict})
	if err != nil {
		e.Server.Close()
		t.Fatalf("sandboxtest: open registry: %v", err)
	}
	e.Registry = reg
	e.Server.Config.Handler = reg.Handler()
	e.Server.Start()
	t.Cleanup(func() {
		e.Server.Close()
		if err := reg.Close(); err != nil {
			t.Errorf("sandboxtest: close registry: %v", err)
		}
	})
	e.BaseURL, e.MemberAPI, e.PublicAPI = reg.BaseURL(), reg.MemberAPIURL(), reg.PublicAPIURL()

	ctx := context.Background()
	if e.Member, err = reg.CreateClient(ctx, sandbox.NewClient{
		Name: "Sandboxtest Member App", Description: "A member integration used by tests.",
		Website: "https://member.example.org", RedirectURIs: []string{e.Callback.URL}, Type: "member",
	}, false); err != nil {
		t.Fatalf("sandboxtest: member client: %v", err)
	}
	if e.Public, err = reg.CreateClient(ctx, sandbox.NewClient{
		Name: "Sandboxtest Public App", Website: "https://public.example.org",
		RedirectURIs: []string{e.Callback.URL}, Type: "public",
	}, false); err != nil {
		t.Fatalf("sandboxtest: public client: %v", err)
	}
	e.Researcher = Researcher{Email: "josiah.carberry@mailinator.com", Password: "correct horse battery", GivenNames: "Josiah", FamilyNames: "Carberry"}
	res, err := reg.CreateResearcher(ctx, sandbox.NewResearcher{
		GivenNames: e.Researcher.GivenNames, FamilyNames: e.Researcher.FamilyNames,
		Email: e.Researcher.Email, Password: e.Researcher.Password,
	})
	if err != nil {
		t.Fatalf("sandboxtest: researcher: %v", err)
	}
	e.Researcher.ORCID = res.ORCID
	for _, org := range append(DefaultOrganizations(), o.orgs...) {
		e.AddOrganization(t, org)
	}
	return e
}

// AddOrganization registers an organisation in the registry (as the seed
// file's "organizations" or POST /_sandbox/organizations do).
func (e *Env) AddOrganization(t testing.TB, org sandbox.Organization) sandbox.Organization {
	t.Helper()
	got, err := e.Registry.AddOrganization(context.Background(), org)
	if err != nil {
		t.Fatalf("sandboxtest: organization %s %s: %v", org.Source, org.Identifier, err)
	}
	return got
}

// AddGroup registers a peer-review group with the registry as its source
// (as the seed file's "groups" or POST /_sandbox/groups do).
func (e *Env) AddGroup(t testing.TB, g sandbox.NewGroup) sandbox.GroupIDRecord {
	t.Helper()
	got, err := e.Registry.AddGroup(context.Background(), g)
	if err != nil {
		t.Fatalf("sandboxtest: group %s: %v", g.GroupID, err)
	}
	return got
}

// OAuth2Config is an x/oauth2 configuration for client c against this
// registry, redirecting to the callback server.
func (e *Env) OAuth2Config(c sandbox.Client, scopes ...string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: c.ID, ClientSecret: c.Secret, Scopes: scopes, RedirectURL: e.Callback.URL,
		Endpoint: oauth2.Endpoint{
			AuthURL: e.BaseURL + "/oauth/authorize", TokenURL: e.BaseURL + "/oauth/token",
			AuthStyle: oauth2.AuthStyleInParams, // client_secret_post, the method ORCID documents
		},
	}
}

// AuthorizeCode signs the researcher in and authorizes the member client
// for scopes through the registry's pages, with a plain HTTP client, and
// returns the authorization code the callback received.
func (e *Env) AuthorizeCode(t testing.TB, scopes ...string) string {
	t.Helper()
	return e.AuthorizeCodeFor(t, e.Member, scopes...)
}

// AuthorizeCodeFor is AuthorizeCode for another client (e.Public, or one
// the test registered with the same redirect URI).
func (e *Env) AuthorizeCodeFor(t testing.TB, c sandbox.Client, scopes ...string) string {
	t.Helper()
	state := fmt.Sprintf("st-%d", time.Now().UnixNano())
	authURL := e.OAuth2Config(c, scopes...).AuthCodeURL(state)
	q := e.Authorize(t, authURL)
	if q.Get("state") != state {
		t.Fatalf("sandboxtest: callback state %q, want %q (query %v)", q.Get("state"), state, q)
	}
	code := q.Get("code")
	if code == "" {
		t.Fatalf("sandboxtest: callback without a code: %v", q)
	}
	return code
}

var (
	hiddenOAuth = regexp.MustCompile(`name="oauth" value="([^"]*)"`)
	formToken   = regexp.MustCompile(`name="form_token" value="([^"]*)"`)
)

// Authorize follows an authorize URL (built by the test, with any
// parameters: nonce, prompt, ...) through sign-in and consent like the
// researcher signing in and clicking "Authorize access", and returns the
// query the callback received: code and state, or error. Each call has its
// own cookie jar, so calls do not share a browser session.
func (e *Env) Authorize(t testing.TB, authURL string) url.Values {
	t.Helper()
	q, err := SignInAndAuthorize(authURL, e.Callback.URL, e.Researcher.Email, e.Researcher.Password)
	if err != nil {
		t.Fatalf("sandboxtest: %v", err)
	}
	return q
}

// SignInAndAuthorize plays the researcher without a browser: it opens
// authURL on a registry, signs in with username and password, clicks
// "Authorize access" if asked, and returns the query of the redirect to the
// client's redirect URI (code and state, or error). The redirect itself is
// not followed, so the redirect URI need not be served.
func SignInAndAuthorize(authURL, redirectURI, username, password string) (url.Values, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	var final *url.URL
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if strings.HasPrefix(req.URL.String(), redirectURI) {
				final = req.URL
				return http.ErrUseLastResponse
			}
			return nil
		}}
	fetch := func(resp *http.Response, err error) (*http.Response, string, error) {
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, string(b), err
	}
	resp, body, err := fetch(hc.Get(authURL))
	for step := 0; step < 4 && err == nil; step++ {
		if final != nil {
			return final.Query(), nil
		}
		u := resp.Request.URL
		base := u.Scheme + "://" + u.Host + strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(u.Path, "/signin"), "/register"), "/oauth/authorize")
		switch {
		case resp.StatusCode != http.StatusOK:
			return nil, fmt.Errorf("%s answered %d:\n%s", u.Path, resp.StatusCode, body)
		case strings.HasSuffix(u.Path, "/signin") || strings.HasSuffix(u.Path, "/register"):
			m := hiddenOAuth.FindStringSubmatch(body)
			if m == nil {
				return nil, fmt.Errorf("no oauth field on %s:\n%s", u.Path, body)
			}
			resp, body, err = fetch(hc.PostForm(base+"/signin", url.Values{
				"username": {username}, "password": {password}, "oauth": {html.UnescapeString(m[1])},
			}))
		case strings.HasSuffix(u.Path, "/oauth/authorize"):
			// The consent form follows the sign-out form of the page header.
			form := body[strings.Index(body, `action="/oauth/authorize"`)+1:]
			m, tk := hiddenOAuth.FindStringSubmatch(form), formToken.FindStringSubmatch(form)
			if m == nil || tk == nil {
				return nil, fmt.Errorf("no consent form:\n%s", body)
			}
			resp, body, err = fetch(hc.PostForm(base+"/oauth/authorize", url.Values{
				"oauth": {html.UnescapeString(m[1])}, "form_token": {html.UnescapeString(tk[1])}, "user_oauth_approval": {"true"},
			}))
		default:
			return nil, fmt.Errorf("unexpected page %s", u)
		}
	}
	if err != nil {
		return nil, err
	}
	if final != nil {
		return final.Query(), nil
	}
	return nil, fmt.Errorf("the authorize flow did not reach %s", redirectURI)
}

func readBody(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("sandboxtest: read body: %v", err)
	}
	return string(b)
}

// Token authorizes the member client for scopes and exchanges the code
// with x/oauth2, as an integration would. tok.Extra("orcid") is the iD.
func (e *Env) Token(t testing.TB, scopes ...string) *oauth2.Token {
	t.Helper()
	code := e.AuthorizeCode(t, scopes...)
	tok, err := e.OAuth2Config(e.Member, scopes...).Exchange(context.Background(), code)
	if err != nil {
		t.Fatalf("sandboxtest: exchange code: %v", err)
	}
	return tok
}

// ReadPublicToken is a two-legged /read-public token for client c.
func (e *Env) ReadPublicToken(t testing.TB, c sandbox.Client) *oauth2.Token {
	t.Helper()
	resp, err := http.PostForm(e.BaseURL+"/oauth/token", url.Values{
		"client_id": {c.ID}, "client_secret": {c.Secret}, "grant_type": {"client_credentials"}, "scope": {"/read-public"},
	})
	if err != nil {
		t.Fatalf("sandboxtest: client_credentials: %v", err)
	}
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sandboxtest: client_credentials: %d %s", resp.StatusCode, body)
	}
	m := regexp.MustCompile(`"access_token":"([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("sandboxtest: client_credentials: no access_token in %s", body)
	}
	return &oauth2.Token{AccessToken: m[1], TokenType: "bearer"}
}

// Clock is a settable clock for the registry: real time plus an offset.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now is the registry's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Advance moves the registry's clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// Callback is a client application's redirect endpoint: it records the
// query of every request and answers a small HTML page.
type Callback struct {
	// URL is the registered redirect URI (".../callback").
	URL string
	mu  sync.Mutex
	got []url.Values
	new chan struct{}
}

func newCallback(t testing.TB) *Callback {
	c := &Callback{new: make(chan struct{}, 64)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		// Browsers also ask for /favicon.ico: only the redirect URI counts.
		if !strings.HasPrefix(req.URL.Path, "/callback") {
			http.NotFound(w, req)
			return
		}
		c.mu.Lock()
		c.got = append(c.got, req.URL.Query())
		c.mu.Unlock()
		select {
		case c.new <- struct{}{}:
		default:
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html lang="en"><title>Callback</title><p id="callback-received">Callback received</p></html>`)
	}))
	t.Cleanup(srv.Close)
	c.URL = srv.URL + "/callback"
	return c
}

// Requests returns the query of every request received so far.
func (c *Callback) Requests() []url.Values {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.got)
}

// Last returns the query of the latest request, or nil.
func (c *Callback) Last() url.Values {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.got) == 0 {
		return nil
	}
	return c.got[len(c.got)-1]
}

// Wait waits until at least n requests have arrived and returns the latest.
func (c *Callback) Wait(t testing.TB, n int, timeout time.Duration) url.Values {
	t.Helper()
	deadline := time.After(timeout)
	for {
		c.mu.Lock()
		got := len(c.got)
		c.mu.Unlock()
		if got >= n {
			return c.Last()
		}
		select {
		case <-c.new:
		case <-deadline:
			t.Fatalf("sandboxtest: %d callback request(s) after %v, want %d", got, timeout, n)
		}
	}
}

// RequireTool returns the path of an external tool a test needs, or skips
// the test when it is missing, unless the comma-separated environment
// variable ORCIDLINK_REQUIRE names the tool (as CI does), in which case the
// test fails. Known names: "chromium" (also found as chromium-browser,
// google-chrome), "xmllint", and "postgres", for which the result is the
// connection string in ORCIDLINK_TEST_POSTGRES rather than a path.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	var found string
	switch name {
	case "postgres":
		found = os.Getenv("ORCIDLINK_TEST_POSTGRES")
	case "chromium":
		for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(n); err == nil {
				found = p
				break
			}
		}
	default:
		if p, err := exec.LookPath(name); err == nil {
			found = p
		}
	}
	if found != "" {
		return found
	}
	if Required(name) {
		t.Fatalf("%s is required (ORCIDLINK_REQUIRE=%s) but was not found", name, os.Getenv("ORCIDLINK_REQUIRE"))
	}
	t.Skipf("%s not found; install it or set ORCIDLINK_REQUIRE=%s to make this a failure", name, name)
	return ""
}

// Required reports whether ORCIDLINK_REQUIRE names the tool.
func Required(name string) bool {
	for _, n := range strings.Split(os.Getenv("ORCIDLINK_REQUIRE"), ",") {
		if strings.TrimSpace(n) == name {
			return true
		}
	}
	return false
}
