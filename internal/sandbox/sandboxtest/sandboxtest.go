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
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/signin"
	"github.com/orcidlink/orcidlink/internal/testenv"
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

// SignInAndAuthorize plays the researcher without a browser (see
// signin.Authorize): it signs in at the registry, authorizes, and returns
// the query of the redirect to redirectURI (code and state, or error).
func SignInAndAuthorize(authURL, redirectURI, username, password string) (url.Values, error) {
	return signin.Authorize(authURL, redirectURI, username, password)
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

// RequireTool returns the path of an external tool a test needs, or ends
// the test as package testenv decides: a skip saying how to get the tool,
// or a failure when ORCIDLINK_REQUIRE names it. Names are testenv's
// ("chromium", "xmllint", "postgres", whose result is the DSN of the test
// server, "orcid-model", a directory) or any other program on PATH.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	if slices.Contains(testenv.Needs(), name) {
		return testenv.Need(t, name)
	}
	p, err := exec.LookPath(name)
	if err != nil {
		testenv.Unavailable(t, name, name+" not found on PATH")
	}
	return p
}
