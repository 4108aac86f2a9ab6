package api_test

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
	"github.com/orcidlink/orcidlink/internal/store"
)

const host = "https://host.example.org"

// TestTenantReturnOrigins: the tenant's return origins are normalized,
// bounded, and each refused one is named.
func TestTenantReturnOrigins(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{rate: 1000, burst: 1000})
	c := e.client(t, e.keyA)
	if got := c.want(200, "GET", "/tenant", nil); fmt.Sprint(got["return_origins"]) != "[]" {
		t.Fatalf("default return origins %v", got["return_origins"])
	}
	got := c.want(200, "PATCH", "/tenant", map[string]any{"return_origins": []string{"HTTPS://Host.Example.org:443/",
		"http://localhost:8081", "http://[::1]:9000", "https://host.example.org"}})
	if fmt.Sprint(got["return_origins"]) != "[https://host.example.org http://localhost:8081 http://[::1]:9000]" {
		t.Fatalf("normalized %v", got["return_origins"])
	}
	many := make([]string, store.MaxReturnOrigins+1)
	for i := range many {
		many[i] = "https://h" + strconv.Itoa(i) + ".example.org"
	}
	for _, tc := range []struct {
		name     string
		origins  []string
		pointers []string
	}{
		{"plain http off loopback", []string{host, "http://host.example.org"}, []string{"/return_origins/1"}},
		{"a path", []string{"https://host.example.org/submit"}, []string{"/return_origins/0"}},
		{"a query", []string{"https://host.example.org?x=1"}, []string{"/return_origins/0"}},
		{"credentials", []string{"https://me@host.example.org"}, []string{"/return_origins/0"}},
		{"not a URL", []string{"host.example.org", "javascript:alert(1)", ""}, []string{"/return_origins/0", "/return_origins/1", "/return_origins/2"}},
		{"too long", []string{"https://" + strings.Repeat("a", store.MaxOriginLength) + ".org"}, []string{"/return_origins/0"}},
		{"too many", many, []string{"/return_origins"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := c.want(422, "PATCH", "/tenant", map[string]any{"return_origins": tc.origins})
			if got := pointers(bad); !slices.Equal(got, tc.pointers) {
				t.Errorf("pointers %v, want %v", got, tc.pointers)
			}
		})
	}
	// Refused patches changed nothing; [] allows none.
	if got := c.want(200, "GET", "/tenant", nil); len(got["return_origins"].([]any)) != 3 {
		t.Fatalf("after refusals %v", got["return_origins"])
	}
	if got := c.want(200, "PATCH", "/tenant", map[string]any{"return_origins": []string{}}); fmt.Sprint(got["return_origins"]) != "[]" {
		t.Fatalf("cleared %v", got["return_origins"])
	}
}

// TestConnectLinkRules: a connect link needs an allowed origin, a bounded
// URL and lifetime, a person of the key's tenant; by email it finds or
// makes the person under the store's rules.
func TestConnectLinkRules(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{rate: 1000, burst: 1000})
	a, b := e.client(t, e.keyA), e.client(t, e.keyB)
	a.want(200, "PATCH", "/tenant", map[string]any{"return_origins": []string{host, "http://127.0.0.1:8081"}})
	b.want(200, "PATCH", "/tenant", map[string]any{"return_origins": []string{"https://other.example.org"}})
	ada := a.want(201, "POST", "/people", map[string]any{"given_names": "Ada", "family_names": "Lovelace", "email": "ada@example.org"})
	adaID := strconv.FormatInt(int64(ada["id"].(float64)), 10)
	path := "/people/" + adaID + "/connect-links"

	for _, tc := range []struct {
		name    string
		body    map[string]any
		status  int
		pointer string
	}{
		{"allowed", map[string]any{"return_url": host + "/submit?id=7"}, 201, ""},
		{"loopback http", map[string]any{"return_url": "http://127.0.0.1:8081/back", "expires_in": 600}, 201, ""},
		{"origin not allowed", map[string]any{"return_url": "https://other.example.org/x"}, 422, "/return_url"},
		{"a lookalike host", map[string]any{"return_url": "https://host.example.org.evil.example/x"}, 422, "/return_url"},
		{"another port", map[string]any{"return_url": "https://host.example.org:8443/x"}, 422, "/return_url"},
		{"http for an https origin", map[string]any{"return_url": "http://host.example.org/x"}, 422, "/return_url"},
		{"fragment", map[string]any{"return_url": host + "/x#y"}, 422, "/return_url"},
		{"credentials", map[string]any{"return_url": "https://me@host.example.org/x"}, 422, "/return_url"},
		{"relative", map[string]any{"return_url": "/x"}, 422, "/return_url"},
		{"missing", map[string]any{}, 422, "/return_url"},
		{"too long", map[string]any{"return_url": host + "/" + strings.Repeat("x", store.MaxReturnURLLength)}, 422, "/return_url"},
		{"lifetime too short", map[string]any{"return_url": host, "expires_in": 60}, 422, "/expires_in"},
		{"lifetime too long", map[string]any{"return_url": host, "expires_in": 8 * 24 * 3600}, 422, "/expires_in"},
		{"unknown field", map[string]any{"return_url": host, "state": "x"}, 422, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := a.want(tc.status, "POST", path, tc.body)
			if tc.status == 201 {
				if !strings.HasPrefix(got["url"].(string), e.base+"/i/") || got["return_url"] != tc.body["return_url"] ||
					got["person_id"] != ada["id"] || got["person_created"] != false {
					t.Errorf("connect link %v", got)
				}
				if exp, ok := tc.body["expires_in"].(int); ok {
					at, _ := time.Parse(time.RFC3339, got["expires_at"].(string))
					if d := time.Until(at); d > time.Duration(exp)*time.Second || d < time.Duration(exp-60)*time.Second {
						t.Errorf("expires_at %v, want in %ds", at, exp)
					}
				}
				return
			}
			if tc.pointer != "" && !slices.Contains(pointers(got), tc.pointer) {
				t.Errorf("problem %v, want one at %s", got, tc.pointer)
			}
		})
	}
	// The links are the person's invitations.
	if got := a.want(200, "GET", "/people/"+adaID+"/invitations", nil); len(got["items"].([]any)) != 2 {
		t.Errorf("invitations %v", got)
	}

	// Tenant isolation: B cannot make a link for A's person, even to
	// its own origin.
	b.want(404, "POST", path, map[string]any{"return_url": "https://other.example.org/x"})
	b.want(422, "POST", "/connect-links", map[string]any{"email": "ada@example.org", "return_url": host + "/x"})

	// By email: the existing person, or a new one under the store's rules.
	got := a.want(201, "POST", "/connect-links", map[string]any{"email": "ada@example.org", "family_names": "Ignored",
		"return_url": host + "/x"})
	if got["person_id"] != ada["id"] || got["person_created"] != false {
		t.Errorf("existing person by email %v", got)
	}
	if p := a.want(200, "GET", "/people/"+adaID, nil); p["family_names"] != "Lovelace" {
		t.Errorf("existing person changed: %v", p)
	}
	got = a.want(201, "POST", "/connect-links", map[string]any{"email": "grace@example.org", "given_names": "Grace",
		"family_names": "Hopper", "external_ref": "gh-1", "return_url": host + "/x"})
	if got["person_created"] != true {
		t.Fatalf("new person by email %v", got)
	}
	if p := a.want(200, "GET", "/people/"+strconv.FormatInt(int64(got["person_id"].(float64)), 10), nil); p["external_ref"] != "gh-1" ||
		p["status"] != "invited" {
		t.Errorf("new person %v", p)
	}
	a.want(422, "POST", "/connect-links", map[string]any{"email": "not an address", "family_names": "X", "return_url": host + "/x"})
	a.want(422, "POST", "/connect-links", map[string]any{"email": "nameless@example.org", "return_url": host + "/x"})
	a.want(422, "POST", "/connect-links", map[string]any{"return_url": host + "/x"})
	a.want(409, "POST", "/connect-links", map[string]any{"email": "dup@example.org", "family_names": "Dup", "external_ref": "gh-1",
		"return_url": host + "/x"})
	if got := a.want(200, "GET", "/people?email=nameless@example.org", nil); len(got["items"].([]any)) != 0 {
		t.Errorf("a refused person was made: %v", got)
	}
}

// hostBrowser is a researcher's browser that stops at each redirect.
func hostBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// toORCID opens a connect link's button and returns ORCID's authorize URL.
func toORCID(t *testing.T, e *env, hc *http.Client, link string) string {
	t.Helper()
	resp, err := hc.PostForm(link+"/connect", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	authURL := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(authURL, e.reg.BaseURL+"/oauth/authorize?") {
		t.Fatalf("connect: %d to %q", resp.StatusCode, authURL)
	}
	return authURL
}

// back follows ORCID's redirect to the callback and returns where
// orcidlink sends the browser, which must be the return URL with a result.
func back(t *testing.T, e *env, hc *http.Client, q url.Values, ret string) string {
	t.Helper()
	resp, err := hc.Get(e.svc.RedirectURI() + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil {
		t.Fatalf("callback: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("Referrer-Policy %q", resp.Header.Get("Referrer-Policy"))
	}
	lq := loc.Query()
	result := lq.Get(connect.ResultParam)
	lq.Del(connect.ResultParam)
	loc.RawQuery = lq.Encode()
	if loc.String() != ret || result == "" {
		t.Fatalf("callback sent the browser to %q, want %q with a result", resp.Header.Get("Location"), ret)
	}
	return result
}

// TestConnectLinkRoundTrip: a researcher goes from the connect link to
// ORCID and back to the host's URL, whose result verifies once with the
// key's tenant and audience; a denial comes back too, naming no iD; an
// emailed invitation still ends on orcidlink's own page.
func TestConnectLinkRoundTrip(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{rate: 1000, burst: 1000})
	a, b := e.client(t, e.keyA), e.client(t, e.keyB)
	a.want(200, "PATCH", "/tenant", map[string]any{"return_origins": []string{host}})
	b.want(200, "PATCH", "/tenant", map[string]any{"return_origins": []string{host}})
	ret := host + "/profile?user=42"
	got := a.want(201, "POST", "/connect-links", map[string]any{"email": e.reg.Researcher.Email, "given_names": "Test",
		"family_names": "Researcher", "external_ref": "u-42", "return_url": ret})
	pid := int64(got["person_id"].(float64))

	// Denied at ORCID: back to the host with status denied.
	hc := hostBrowser()
	authURL := toORCID(t, e, hc, got["url"].(string))
	au, _ := url.Parse(authURL)
	denied := back(t, e, hc, url.Values{"error": {"access_denied"}, "state": {au.Query().Get("state")}}, ret)
	d := a.want(200, "POST", "/connect-results/verify", map[string]any{"result": denied, "audience": host})
	if d["status"] != "denied" || d["orcid"] != "" || d["person_id"] != float64(pid) || d["external_ref"] != "u-42" {
		t.Errorf("denied result %v", d)
	}

	// The same link again, authorized this time.
	authURL = toORCID(t, e, hc, got["url"].(string))
	q, err := sandboxtest.SignInAndAuthorize(authURL, e.svc.RedirectURI(), e.reg.Researcher.Email, e.reg.Researcher.Password)
	if err != nil {
		t.Fatal(err)
	}
	result := back(t, e, hc, q, ret)
	verify := map[string]any{"result": result, "audience": host}
	// Another tenant's key, or another audience, is refused without
	// using the result up.
	if p := b.want(422, "POST", "/connect-results/verify", verify); p["type"] != "urn:orcidlink:problem:result-refused" {
		t.Errorf("other tenant: %v", p)
	}
	a.want(422, "POST", "/connect-results/verify", map[string]any{"result": result, "audience": "https://other.example.org"})
	a.want(422, "POST", "/connect-results/verify", map[string]any{"result": result, "audience": "host.example.org"})
	ok := a.want(200, "POST", "/connect-results/verify", verify)
	link := a.want(200, "GET", "/people/"+strconv.FormatInt(pid, 10)+"/orcid", nil)
	if ok["status"] != "connected" || ok["orcid"] != link["orcid"] || ok["orcid"] == "" || ok["tenant"] != "tenant-a" ||
		ok["audience"] != host {
		t.Errorf("result %v, link %v", ok, link)
	}
	if p := a.want(422, "POST", "/connect-results/verify", verify); !strings.Contains(p["detail"].(string), "already verified") {
		t.Errorf("replayed: %v", p)
	}
	a.want(422, "POST", "/connect-results/verify", map[string]any{"result": result[:len(result)-4] + "AAAA", "audience": host})

	// Connected now: no new connect link for the person.
	a.want(409, "POST", "/people/"+strconv.FormatInt(pid, 10)+"/connect-links", map[string]any{"return_url": ret})

	// The keys are published, openly.
	keys := e.client(t, "").want(200, "GET", "/connect-keys", nil)
	if ks := keys["keys"].([]any); len(ks) == 0 || ks[0].(map[string]any)["crv"] != "Ed25519" {
		t.Errorf("keys %v", keys)
	}

	// An emailed invitation ends on orcidlink's page as before.
	p := a.want(201, "POST", "/people", map[string]any{"family_names": "Emailed", "email": "emailed@example.org"})
	inv := a.want(201, "POST", "/people/"+strconv.FormatInt(int64(p["id"].(float64)), 10)+"/invitations", map[string]any{"send_email": false})
	hc = hostBrowser()
	authURL = toORCID(t, e, hc, inv["url"].(string))
	au, _ = url.Parse(authURL)
	resp, err := hc.Get(e.svc.RedirectURI() + "?" + url.Values{"error": {"access_denied"}, "state": {au.Query().Get("state")}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("emailed invitation's denial: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
