package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
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
	"github.com/orcidlink/orcidlink/internal/web"
)

// researcherEnv is the whole product for the researcher's side: an offline
// ORCID registry, a real SQLite store, the connect service and the web
// server on loopback, one tenant whose credential is registered at the
// registry with the server's redirect URI, and two people.
type researcherEnv struct {
	ctx    context.Context
	reg    *sandboxtest.Env
	st     *store.Store
	svc    *connect.Service
	srv    *httptest.Server
	base   string
	clock  *testClock
	cred   store.Credential
	tenant store.Tenant
	alice  store.Person // no language of her own
	bob    store.Person // prefers French
	logs   *syncBuffer  // everything the service and server logged
	dsn    string       // the store's database (a queue on PostgreSQL needs it)
}

// syncBuffer collects log lines from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newResearcherEnv(t *testing.T) *researcherEnv {
	t.Helper()
	return newResearcherEnvOn(t, "sqlite")
}

// newResearcherEnvOn is newResearcherEnv on a given database engine; on
// "postgres" it skips when no server is configured (unless required).
func newResearcherEnvOn(t *testing.T, driver string, opts ...func(*web.Config)) *researcherEnv {
	t.Helper()
	e := &researcherEnv{ctx: context.Background(), reg: sandboxtest.New(t), clock: &testClock{t: time.Now().UTC()}, logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", e.logs)
		}
	})
	e.dsn = storetest.NewDSN(t, driver)
	e.st = storetest.OpenDSN(t, driver, e.dsn, func(c *store.Config) { c.Now = e.clock.Now })
	e.srv = httptest.NewUnstartedServer(nil)
	e.base = "http://" + e.srv.Listener.Addr().String()
	var err error
	e.svc, err = connect.New(connect.Config{Store: e.st, PublicURL: e.base, Now: e.clock.Now, Logger: log, Retry: orcid.RetryPolicy{MaxAttempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := web.Config{PublicURL: e.base, Now: e.clock.Now, Logger: log}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.Store = e.st
	cfg.Connect = e.svc
	ws, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.srv.Config.Handler = ws.Handler()
	e.srv.Start()
	t.Cleanup(e.srv.Close)

	if e.cred, err = setup.RegisterClient(e.ctx, e.st, e.reg.Registry, sandbox.NewClient{Name: "Journal of Tests",
		RedirectURIs: []string{e.svc.RedirectURI()}, Type: "member"}, "jot"); err != nil {
		t.Fatal(err)
	}
	if e.tenant, err = e.st.CreateTenant(e.ctx, store.Tenant{Slug: "jot", Name: "Journal of Tests",
		SupportEmail: "help@jot.example", Languages: []string{"en", "es", "fr"}, CredentialID: e.cred.ID}); err != nil {
		t.Fatal(err)
	}
	e.alice = e.person(t, "Alice", "Ayala", "alice@example.org", "a-1", "")
	e.bob = e.person(t, "Bob", "Bernard", "bob@example.org", "b-2", "fr")
	return e
}

func (e *researcherEnv) person(t *testing.T, given, family, email, ref, lang string) store.Person {
	t.Helper()
	p, err := e.st.CreatePerson(e.ctx, store.Person{TenantID: e.tenant.ID, GivenNames: given, FamilyNames: family,
		Email: email, ExternalRef: ref, Language: lang})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// invite invites p and returns the path of the link, "/i/<token>".
func (e *researcherEnv) invite(t *testing.T, p store.Person) string {
	t.Helper()
	inv, err := e.svc.Invite(e.ctx, e.tenant.ID, p.ID, store.ActorAdmin(1), false)
	if err != nil {
		t.Fatal(err)
	}
	path, ok := strings.CutPrefix(inv.Link, e.base)
	if !ok || !strings.HasPrefix(path, "/i/") {
		t.Fatalf("invitation link %q is not under %s/i/", inv.Link, e.base)
	}
	return path
}

// browser is one researcher's browser: its own cookies; redirects are not
// followed, so tests see each answer.
type browser struct {
	t    *testing.T
	e    *researcherEnv
	http *http.Client
	lang string // Accept-Language
}

func (e *researcherEnv) browser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, e: e, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// response is an answer with its body read.
type response struct {
	status   int
	header   http.Header
	body     string
	location string
}

func (b *browser) do(method, path string, form url.Values) response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	target := path
	if !strings.HasPrefix(path, "http") {
		target = b.e.base + path
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(raw), location: resp.Header.Get("Location")}
}

func (b *browser) get(path string) response { b.t.Helper(); return b.do(http.MethodGet, path, nil) }
func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	return b.do(http.MethodPost, path, form)
}

// startConnect clicks the connect button of an invitation and returns
// ORCID's authorize URL it leads to.
func (b *browser) startConnect(invitation string) string {
	b.t.Helper()
	r := b.post(invitation+"/connect", url.Values{})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, b.e.reg.BaseURL+"/oauth/authorize?") {
		b.t.Fatalf("connect: %d to %q, want 303 to the registry's authorize URL\n%s", r.status, r.location, r.body)
	}
	return r.location
}

// authorizeAtORCID signs in and authorizes at the registry, and returns the
// callback path (with its query) ORCID redirects to.
func (b *browser) authorizeAtORCID(authURL string) string {
	b.t.Helper()
	q, err := sandboxtest.SignInAndAuthorize(authURL, b.e.svc.RedirectURI(), b.e.reg.Researcher.Email, b.e.reg.Researcher.Password)
	if err != nil {
		b.t.Fatalf("at ORCID: %v", err)
	}
	return connect.CallbackPath + "?" + q.Encode()
}

// connect runs the journey up to the success page and returns its body.
func (b *browser) connect(invitation string) string {
	b.t.Helper()
	r := b.get(b.authorizeAtORCID(b.startConnect(invitation)))
	if r.status != http.StatusSeeOther || r.location != invitation+"/connected" {
		b.t.Fatalf("callback: %d to %q, want 303 to %s/connected\n%s", r.status, r.location, invitation, r.body)
	}
	page := b.get(r.location)
	if page.status != http.StatusOK {
		b.t.Fatalf("success page: %d\n%s", page.status, page.body)
	}
	return page.body
}

// publicJSON reads a person's public iD document.
func (b *browser) publicJSON(ref string) (int, map[string]any) {
	b.t.Helper()
	r := b.get("/t/" + b.e.tenant.Slug + "/people/" + ref + "/orcid.json")
	var doc map[string]any
	if r.status == http.StatusOK {
		if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
			b.t.Fatalf("orcid.json: %v\n%s", err, r.body)
		}
	}
	return r.status, doc
}

var (
	inputRe  = regexp.MustCompile(`(?i)<(input|textarea|select)\b[^>]*>`)
	hiddenRe = regexp.MustCompile(`(?i)type="hidden"`)
)

// visibleInputs lists form fields a person could type into.
func visibleInputs(body string) []string {
	var out []string
	for _, m := range inputRe.FindAllString(body, -1) {
		if !hiddenRe.MatchString(m) {
			out = append(out, m)
		}
	}
	return out
}

// hasID reports whether the page has an element with the id.
func hasID(body, id string) bool { return strings.Contains(body, `id="`+id+`"`) }
