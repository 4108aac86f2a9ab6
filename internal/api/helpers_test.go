package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/api"
	"github.com/orcidlink/orcidlink/internal/app"
	"github.com/orcidlink/orcidlink/internal/app/apptest"
	"github.com/orcidlink/orcidlink/internal/batch"
	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
	"github.com/orcidlink/orcidlink/internal/setup"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// env is orcidlink as serve assembles it, on loopback: the offline ORCID
// registry, a real store, the connect service, a started job queue, the
// journal workflow, the web server (invitation pages, OAuth callback) and
// the API under /api/v1; two tenants, each with an API key.
type env struct {
	ctx     context.Context
	reg     *sandboxtest.Env
	st      *store.Store
	svc     *connect.Service
	q       *jobs.Queue
	hooks   *webhooks.Service
	files   *batch.Service
	api     *api.Server
	base    string
	cred    store.Credential
	a, b    store.Tenant
	keyA    string // tenant a's API key
	keyB    string
	keyAID  int64
	options envOptions
}

type envOptions struct {
	rate      float64
	burst     int
	maxUpload int64
}

func newEnv(t *testing.T, driver string, o envOptions) *env {
	t.Helper()
	e := &env{ctx: context.Background(), reg: sandboxtest.New(t), options: o}
	a, base := apptest.Start(t, apptest.Config(t, driver),
		app.WithJournal(func(c *journal.Config) {
			c.Publisher = orcid.Organization{Name: "Example Press", Address: &orcid.OrganizationAddress{City: "Wellington", Country: "NZ"}}
		}),
		app.WithAPI(func(c *api.Config) { c.Rate, c.Burst, c.MaxUpload = o.rate, o.burst, o.maxUpload }))
	e.base, e.st, e.svc, e.q, e.hooks, e.files, e.api = base, a.Store, a.Connect, a.Queue, a.Webhooks, a.Batches, a.API
	var err error
	if e.cred, err = setup.RegisterClient(e.ctx, e.st, e.reg.Registry, sandbox.NewClient{Name: "Journal of Tests",
		RedirectURIs: []string{e.svc.RedirectURI()}, Type: "member", GroupIDRecords: true}, "jot"); err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		slug string
		t    *store.Tenant
		key  *string
	}{{"tenant-a", &e.a, &e.keyA}, {"tenant-b", &e.b, &e.keyB}} {
		if *x.t, err = e.st.CreateTenant(e.ctx, store.Tenant{Slug: x.slug, Name: "Tenant " + x.slug, SupportEmail: "help@" + x.slug + ".example",
			Languages: []string{"en"}, CredentialID: e.cred.ID}); err != nil {
			t.Fatal(err)
		}
		k, key, err := e.st.CreateAPIKey(e.ctx, store.NewAPIKey{TenantID: x.t.ID, Name: "tests"})
		if err != nil {
			t.Fatal(err)
		}
		*x.key = key
		if x.t == &e.a {
			e.keyAID = k.ID
		}
	}
	return e
}

// answer is an API response with its body read.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a map, failing the test if it is not JSON.
func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, a.body)
	}
	return m
}

// client calls the API with a key; every answer goes to check (the
// OpenAPI walk records and validates them) when set.
type client struct {
	t       *testing.T
	e       *env
	key     string
	headers map[string]string
	check   func(method, path string, a answer)
}

func (e *env) client(t *testing.T, key string) *client {
	return &client{t: t, e: e, key: key}
}

func (c *client) do(method, path string, body any) answer {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.e.base+api.Prefix+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, body: raw}
	if c.check != nil {
		c.check(method, req.URL.Path, a)
	}
	return a
}

// as is the client sending bodies of the media type ct (a file upload).
func (c *client) as(ct string) *client {
	cp := *c
	cp.headers = map[string]string{"Content-Type": ct}
	for k, v := range c.headers {
		cp.headers[k] = v
	}
	return &cp
}

// want calls and fails unless the status is as expected; it returns the
// body as a map (nil for no body).
func (c *client) want(status int, method, path string, body any) map[string]any {
	c.t.Helper()
	a := c.do(method, path, body)
	if a.status != status {
		c.t.Fatalf("%s %s: %d, want %d\n%s", method, path, a.status, status, a.body)
	}
	if len(a.body) == 0 {
		return nil
	}
	return a.json(c.t)
}

// connect plays the person: opens the invitation link, goes to ORCID,
// signs in as the registry's researcher, authorizes, and comes back.
func (e *env) connect(t *testing.T, invitationURL string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.PostForm(invitationURL+"/connect", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	authURL := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(authURL, e.reg.BaseURL+"/oauth/authorize?") {
		t.Fatalf("connect: %d to %q", resp.StatusCode, authURL)
	}
	q, err := sandboxtest.SignInAndAuthorize(authURL, e.svc.RedirectURI(), e.reg.Researcher.Email, e.reg.Researcher.Password)
	if err != nil {
		t.Fatalf("at ORCID: %v", err)
	}
	resp, err = hc.Get(e.svc.RedirectURI() + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/connected") {
		t.Fatalf("callback: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// eventually polls until ok returns true; the deadline only bounds a
// hung test, it asserts nothing about speed.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: never happened", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// work is the ORCID JSON of a journal article with a self DOI.
func work(key, title string) json.RawMessage {
	raw, _ := json.Marshal(jobstest.Work(key, title))
	return raw
}

// pointers are the JSON pointers of a problem document's field errors,
// sorted.
func pointers(problem map[string]any) []string {
	var out []string
	errs, _ := problem["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok {
			if p, ok := m["pointer"].(string); ok {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}
