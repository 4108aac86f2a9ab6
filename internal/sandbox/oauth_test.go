package sandbox_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

// ---- helpers shared by the external tests of this package ----

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see each hop.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, c, req)
}

func postForm(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, c, req)
}

// authorizeURL builds an authorize URL; extra holds name/value pairs.
func authorizeURL(env *sandboxtest.Env, clientID, redirect, scope string, extra ...string) string {
	q := url.Values{"client_id": {clientID}, "response_type": {"code"}, "scope": {scope}, "redirect_uri": {redirect}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return env.BaseURL + "/oauth/authorize?" + q.Encode()
}

// signedIn returns a browser signed in as the env's researcher.
func signedIn(t *testing.T, env *sandboxtest.Env) *http.Client {
	t.Helper()
	c := browser(t)
	resp, body := postForm(t, c, env.BaseURL+"/signin", url.Values{"username": {env.Researcher.Email}, "password": {env.Researcher.Password}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d\n%s", resp.StatusCode, body)
	}
	return c
}

var (
	reOAuthField = regexp.MustCompile(`name="oauth" value="([^"]*)"`)
	reFormToken  = regexp.MustCompile(`name="form_token" value="([^"]*)"`)
)

// consentForm extracts the hidden fields of a consent page.
func consentForm(t *testing.T, body string) (oauth, token string) {
	t.Helper()
	form := body[strings.Index(body, `action="/oauth/authorize"`)+1:] // after the header's sign-out form
	m, tk := reOAuthField.FindStringSubmatch(form), reFormToken.FindStringSubmatch(form)
	if m == nil || tk == nil || !strings.Contains(body, "Authorize access") {
		t.Fatalf("not a consent page:\n%s", body)
	}
	return html.UnescapeString(m[1]), html.UnescapeString(tk[1])
}

type tokenReply struct {
	status int
	header http.Header
	raw    string
	json   map[string]any
}

func (r tokenReply) str(k string) string { s, _ := r.json[k].(string); return s }

// postToken calls /oauth/token with a form, as a server would.
func postToken(t *testing.T, env *sandboxtest.Env, form url.Values) tokenReply {
	t.Helper()
	resp, body := postForm(t, http.DefaultClient, env.BaseURL+"/oauth/token", form)
	r := tokenReply{status: resp.StatusCode, header: resp.Header, raw: body}
	if err := json.Unmarshal([]byte(body), &r.json); err != nil {
		t.Fatalf("token endpoint answered non-JSON (%d): %s", resp.StatusCode, body)
	}
	return r
}

func exchangeForm(c sandbox.Client, code, redirect string) url.Values {
	return url.Values{"client_id": {c.ID}, "client_secret": {c.Secret}, "grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}}
}

func wantOAuthError(t *testing.T, r tokenReply, status int, code, desc string) {
	t.Helper()
	if r.status != status || r.str("error") != code || (desc != "" && r.str("error_description") != desc) {
		t.Fatalf("got %d %s, want %d error=%s error_description=%q", r.status, r.raw, status, code, desc)
	}
	if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" {
		t.Errorf("error response caching headers: %v", r.header)
	}
}

func storedToken(t *testing.T, env *sandboxtest.Env, access string) sandbox.Token {
	t.Helper()
	tok, err := env.Registry.StoredToken(context.Background(), access)
	if err != nil {
		t.Fatalf("stored token: %v", err)
	}
	return tok
}

// ---- /oauth/authorize ----

func TestAuthorizeErrorPages(t *testing.T) {
	env := sandboxtest.New(t)
	ctx := context.Background()
	app, err := env.Registry.CreateClient(ctx, sandbox.NewClient{Name: "Redirect App", RedirectURIs: []string{"https://app.example.org/cb"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	const mismatch = "Redirect URI doesn't match your registered redirect URIs."
	cb := env.Callback.URL
	tests := []struct {
		name              string
		url               string
		wantCode, wantMsg string // "" code: no error page, the request goes on to sign-in
	}{
		{"no client_id", env.BaseURL + "/oauth/authorize?response_type=code&scope=/authenticate&redirect_uri=" + url.QueryEscape(cb), "oauth_error", "Please specify a client id"},
		{"unknown client", authorizeURL(env, "APP-0000000000000000", cb, "/authenticate"), "invalid_client", "Client not found: APP-0000000000000000"},
		{"no scope", authorizeURL(env, env.Member.ID, cb, ""), "oauth_error", "Please specify the desired scopes"},
		{"no redirect_uri", authorizeURL(env, env.Member.ID, "", "/authenticate"), "oauth_error", "Please specify a redirect URL"},
		{"no response_type", env.BaseURL + "/oauth/authorize?client_id=" + env.Member.ID + "&scope=/authenticate&redirect_uri=" + url.QueryEscape(cb), "oauth_error", "Please specify a response type"},
		{"unknown response type", authorizeURL(env, env.Member.ID, cb, "openid", "response_type", "assertion"), "unsupported_response_type", "Unsupported response type."},
		{"id_token without openid", authorizeURL(env, env.Member.ID, cb, "/authenticate", "response_type", "id_token"), "unsupported_response_type", "Unsupported response type."},
		{"bad max_age", authorizeURL(env, env.Member.ID, cb, "openid", "max_age", "soon"), "oauth_error", "Invalid max_age param"},
		{"member scope for public client", authorizeURL(env, env.Public.ID, cb, "/authenticate /read-limited"), "invalid_scope", "Invalid scope: /read-limited"},
		{"activities/update for public client", authorizeURL(env, env.Public.ID, cb, "/activities/update"), "invalid_scope", "Invalid scope: /activities/update"},
		{"webhook is two-legged", authorizeURL(env, env.Member.ID, cb, "/webhook"), "invalid_scope", "Invalid scope: /webhook"},
		{"read-public is two-legged", authorizeURL(env, env.Member.ID, cb, "/read-public"), "invalid_scope", "Invalid scope: /read-public"},
		{"unknown scope", authorizeURL(env, env.Member.ID, cb, "/authenticate /orcid-works/teleport"), "invalid_scope", "Invalid scope: /orcid-works/teleport"},
		{"only ignored OIDC scopes", authorizeURL(env, env.Member.ID, cb, "profile email"), "oauth_error", "Please specify the desired scopes"},
		{"OIDC scopes ORCID ignores", authorizeURL(env, env.Member.ID, cb, "openid profile email"), "", ""},
		{"public client authenticate", authorizeURL(env, env.Public.ID, cb, "/authenticate"), "", ""},
		// Redirect-URI matching (OrcidOauthRedirectResolver).
		{"registered uri", authorizeURL(env, app.ID, "https://app.example.org/cb", "/authenticate"), "", ""},
		{"deeper path and query", authorizeURL(env, app.ID, "https://app.example.org/cb/deeper?x=1#f", "/authenticate"), "", ""},
		{"path prefix quirk", authorizeURL(env, app.ID, "https://app.example.org/cbX", "/authenticate"), "", ""},
		{"explicit default port", authorizeURL(env, app.ID, "https://app.example.org:443/cb", "/authenticate"), "invalid_grant", mismatch},
		{"other port", authorizeURL(env, app.ID, "https://app.example.org:8443/cb", "/authenticate"), "invalid_grant", mismatch},
		{"other scheme", authorizeURL(env, app.ID, "http://app.example.org/cb", "/authenticate"), "invalid_grant", mismatch},
		{"subdomain", authorizeURL(env, app.ID, "https://evil.app.example.org/cb", "/authenticate"), "invalid_grant", mismatch},
		{"parent domain", authorizeURL(env, app.ID, "https://example.org/cb", "/authenticate"), "invalid_grant", mismatch},
		{"other path", authorizeURL(env, app.ID, "https://app.example.org/other", "/authenticate"), "invalid_grant", mismatch},
		{"dot segments out of the path", authorizeURL(env, app.ID, "https://app.example.org/cb/../evil", "/authenticate"), "invalid_grant", mismatch},
		{"user info", authorizeURL(env, app.ID, "https://someone@app.example.org/cb", "/authenticate"), "invalid_grant", mismatch},
		{"relative", authorizeURL(env, app.ID, "/cb", "/authenticate"), "invalid_grant", mismatch},
		{"other client's uri", authorizeURL(env, app.ID, cb, "/authenticate"), "invalid_grant", mismatch},
	}
	c := browser(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, c, tc.url)
			if tc.wantCode == "" {
				if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), env.BaseURL+"/signin?") {
					t.Fatalf("want a redirect to sign-in, got %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
				}
				return
			}
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("want a 400 error page, got %d Location=%q", resp.StatusCode, resp.Header.Get("Location"))
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("content type %q", ct)
			}
			text := html.UnescapeString(body)
			if !strings.Contains(text, tc.wantCode) || !strings.Contains(text, tc.wantMsg) {
				t.Errorf("page lacks %q / %q:\n%s", tc.wantCode, tc.wantMsg, text)
			}
		})
	}
}

// TestLoginPageChoice checks which page an unauthenticated authorize
// request lands on, after ORCID's Angular SignInGuard.
func TestLoginPageChoice(t *testing.T) {
	env := sandboxtest.New(t)
	cb := env.Callback.URL
	tests := []struct {
		name         string
		extra        []string
		wantPage     string
		wantUsername string
	}{
		{"default", nil, "/signin", ""},
		{"show_login=true", []string{"show_login", "true"}, "/signin", ""},
		{"show_login=false", []string{"show_login", "false"}, "/register", ""},
		{"unknown email", []string{"email", "new.person@mailinator.com"}, "/register", ""},
		{"unknown email, show_login=true", []string{"email", "new.person@mailinator.com", "show_login", "true"}, "/register", ""},
		{"known email", []string{"email", env.Researcher.Email}, "/signin", env.Researcher.Email},
		{"known email, show_login=false", []string{"email", env.Researcher.Email, "show_login", "false"}, "/signin", env.Researcher.Email},
		{"known orcid wins over email", []string{"orcid", env.Researcher.ORCID, "email", "someone@mailinator.com"}, "/signin", env.Researcher.ORCID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := browser(t)
			resp, _ := get(t, c, authorizeURL(env, env.Member.ID, cb, "/authenticate", tc.extra...))
			loc, err := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || err != nil || loc.Path != tc.wantPage {
				t.Fatalf("got %d Location=%q, want %s", resp.StatusCode, resp.Header.Get("Location"), tc.wantPage)
			}
			if loc.Query().Get("client_id") != env.Member.ID {
				t.Errorf("the authorize request is not carried: %s", loc)
			}
			_, body := get(t, c, loc.String())
			if tc.wantPage == "/signin" {
				want := `id="username" name="username" type="text" autocomplete="username" required value="` + tc.wantUsername + `"`
				if !strings.Contains(body, want) {
					t.Errorf("sign-in username not pre-filled with %q:\n%s", tc.wantUsername, body)
				}
			}
		})
	}
}

// consentOrSkip signs in and requests scopes; it reports whether the
// consent screen was shown (false: the code went straight to the client).
func consentOrSkip(t *testing.T, env *sandboxtest.Env, c *http.Client, scope string, extra ...string) bool {
	t.Helper()
	resp, body := get(t, c, authorizeURL(env, env.Member.ID, env.Callback.URL, scope, append([]string{"state", "s1"}, extra...)...))
	switch {
	case resp.StatusCode == http.StatusOK:
		consentForm(t, body)
		return true
	case resp.StatusCode == http.StatusFound && strings.HasPrefix(resp.Header.Get("Location"), env.Callback.URL+"?code="):
		return false
	}
	t.Fatalf("neither consent nor code: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	return false
}

func TestConsentSkippedForIdenticalScopes(t *testing.T) {
	env := sandboxtest.New(t)
	c := signedIn(t, env)
	if !consentOrSkip(t, env, c, "/read-limited /activities/update openid") {
		t.Fatal("consent skipped before anything was granted")
	}
	tok := env.Token(t, "/read-limited", "/activities/update", "openid")
	tests := []struct {
		name        string
		scope       string
		extra       []string
		wantConsent bool
	}{
		{"same set, other order", "openid /activities/update /read-limited", nil, false},
		{"same set with duplicates", "openid openid /activities/update /read-limited", nil, false},
		{"subset", "/read-limited openid", nil, true},
		{"superset", "/read-limited /activities/update /person/update openid", nil, true},
		{"prompt=confirm", "openid /activities/update /read-limited", []string{"prompt", "confirm"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := consentOrSkip(t, env, c, tc.scope, tc.extra...); got != tc.wantConsent {
				t.Fatalf("consent shown = %v, want %v", got, tc.wantConsent)
			}
		})
	}
	t.Run("after the token is revoked", func(t *testing.T) {
		resp, _ := postForm(t, http.DefaultClient, env.BaseURL+"/oauth/revoke", url.Values{
			"client_id": {env.Member.ID}, "client_secret": {env.Member.Secret}, "token": {tok.AccessToken},
		})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		if !consentOrSkip(t, env, c, "openid /activities/update /read-limited") {
			t.Fatal("consent skipped on a revoked token")
		}
	})
}

func TestDenyAccessRedirectsWithState(t *testing.T) {
	env := sandboxtest.New(t)
	c := signedIn(t, env)
	_, body := get(t, c, authorizeURL(env, env.Member.ID, env.Callback.URL+"?app=1", "/authenticate", "state", "a b&c"))
	oauth, token := consentForm(t, body)
	resp, _ := postForm(t, c, env.BaseURL+"/oauth/authorize", url.Values{"oauth": {oauth}, "form_token": {token}, "user_oauth_approval": {"false"}})
	want := env.Callback.URL + "?app=1&error=access_denied&error_description=User%20denied%20access&state=a+b%26c"
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
		t.Fatalf("got %d %q, want %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if q := loc.Query(); q.Get("state") != "a b&c" || q.Get("error_description") != "User denied access" {
		t.Errorf("decoded query %v", q)
	}
}

func TestConsentFormIsBoundToSession(t *testing.T) {
	env := sandboxtest.New(t)
	a, b := signedIn(t, env), signedIn(t, env)
	_, body := get(t, a, authorizeURL(env, env.Member.ID, env.Callback.URL, "/authenticate", "state", "x"))
	oauth, token := consentForm(t, body)
	tests := []struct {
		name   string
		client *http.Client
		form   url.Values
	}{
		{"other session", b, url.Values{"oauth": {oauth}, "form_token": {token}, "user_oauth_approval": {"true"}}},
		{"no token", a, url.Values{"oauth": {oauth}, "user_oauth_approval": {"true"}}},
		{"other request", a, url.Values{"oauth": {strings.Replace(oauth, "state=x", "state=y", 1)}, "form_token": {token}, "user_oauth_approval": {"true"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := postForm(t, tc.client, env.BaseURL+"/oauth/authorize", tc.form)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(body, "expired") {
				t.Fatalf("stale form accepted: %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
			}
		})
	}
	// The genuine form still works.
	resp, _ := postForm(t, a, env.BaseURL+"/oauth/authorize", url.Values{"oauth": {oauth}, "form_token": {token}, "user_oauth_approval": {"true"}})
	if !strings.HasPrefix(resp.Header.Get("Location"), env.Callback.URL+"?code=") {
		t.Fatalf("genuine form refused: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestPrompt(t *testing.T) {
	env := sandboxtest.New(t)
	cb := env.Callback.URL
	t.Run("none without session", func(t *testing.T) {
		resp, _ := get(t, browser(t), authorizeURL(env, env.Member.ID, cb, "openid", "prompt", "none", "state", "s"))
		if want := cb + "?error=login_required&state=s"; resp.Header.Get("Location") != want {
			t.Fatalf("got %d %q, want %q", resp.StatusCode, resp.Header.Get("Location"), want)
		}
	})
	c := signedIn(t, env)
	t.Run("none with session", func(t *testing.T) {
		resp, _ := get(t, c, authorizeURL(env, env.Member.ID, cb, "openid", "prompt", "none", "state", "s"))
		if want := cb + "?error=interaction_required&state=s"; resp.Header.Get("Location") != want {
			t.Fatalf("got %d %q, want %q", resp.StatusCode, resp.Header.Get("Location"), want)
		}
	})
	t.Run("none ignored without openid", func(t *testing.T) {
		resp, _ := get(t, c, authorizeURL(env, env.Member.ID, cb, "/authenticate", "prompt", "none"))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("got %d %q, want the consent page", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("login forces sign-in once", func(t *testing.T) {
		resp, _ := get(t, c, authorizeURL(env, env.Member.ID, cb, "openid", "prompt", "login"))
		loc := resp.Header.Get("Location")
		if !strings.HasPrefix(loc, env.BaseURL+"/signin?") {
			t.Fatalf("prompt=login did not ask to sign in: %d %q", resp.StatusCode, loc)
		}
		u, _ := url.Parse(loc)
		resp, _ = postForm(t, c, env.BaseURL+"/signin", url.Values{
			"username": {env.Researcher.ORCID}, "password": {env.Researcher.Password}, "oauth": {u.RawQuery},
		})
		next := resp.Header.Get("Location")
		if strings.Contains(next, "prompt=login") || !strings.HasPrefix(next, env.BaseURL+"/oauth/authorize?") {
			t.Fatalf("after sign-in: %q", next)
		}
		if resp, body := get(t, c, next); resp.StatusCode != http.StatusOK {
			t.Fatalf("no consent after a forced sign-in: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
	})
	t.Run("max_age", func(t *testing.T) {
		env.Clock.Advance(2 * time.Minute)
		resp, _ := get(t, c, authorizeURL(env, env.Member.ID, cb, "openid", "max_age", "60"))
		loc := resp.Header.Get("Location")
		if !strings.HasPrefix(loc, env.BaseURL+"/signin?") {
			t.Fatalf("an old sign-in was accepted: %d %q", resp.StatusCode, loc)
		}
		// The sign-in page must ask, not bounce back to /oauth/authorize.
		if resp, body := get(t, c, loc); resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="signin-form"`) {
			t.Fatalf("sign-in page for max_age: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		u, _ := url.Parse(loc)
		resp, _ = postForm(t, c, env.BaseURL+"/signin", url.Values{
			"username": {env.Researcher.Email}, "password": {env.Researcher.Password}, "oauth": {u.RawQuery},
		})
		if resp, body := get(t, c, resp.Header.Get("Location")); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Authorize access") {
			t.Fatalf("no consent after signing in again: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, _ = get(t, c, authorizeURL(env, env.Member.ID, cb, "openid", "max_age", "3600"))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("a recent sign-in was refused: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

// ---- /oauth/token ----

func TestTokenEndpointErrors(t *testing.T) {
	env := sandboxtest.New(t)
	premium, err := env.Registry.CreateClient(context.Background(), sandbox.NewClient{Name: "Premium", RedirectURIs: []string{env.Callback.URL}, Premium: true}, false)
	if err != nil {
		t.Fatal(err)
	}
	m := env.Member
	cc := func(c sandbox.Client, secret, scope string) url.Values {
		return url.Values{"client_id": {c.ID}, "client_secret": {secret}, "grant_type": {"client_credentials"}, "scope": {scope}}
	}
	tests := []struct {
		name     string
		form     url.Values
		status   int
		code     string
		desc     string
		wantScop string
	}{
		{"bad secret", cc(m, "not-the-secret", "/read-public"), 401, "unauthorized_client", "Bad client credentials", ""},
		{"unknown client", url.Values{"client_id": {"APP-UNKNOWN000000000"}, "client_secret": {"x"}, "grant_type": {"client_credentials"}}, 401, "unauthorized_client", "Bad client credentials", ""},
		{"no client_id", url.Values{"client_secret": {"x"}, "grant_type": {"client_credentials"}}, 401, "invalid_request", "client_id is required", ""},
		{"no secret", url.Values{"client_id": {m.ID}, "grant_type": {"client_credentials"}}, 401, "invalid_request", "client_secret is required", ""},
		{"no grant_type", url.Values{"client_id": {m.ID}, "client_secret": {m.Secret}}, 400, "unsupported_grant_type", "grant_type is missing", ""},
		{"unsupported grant", url.Values{"client_id": {m.ID}, "client_secret": {m.Secret}, "grant_type": {"password"}}, 400, "unsupported_grant_type", "Unsupported grant type: password", ""},
		{"unknown scope", cc(m, m.Secret, "/read-public /teleport"), 401, "invalid_scope", "", ""},
		{"internal scope", cc(m, m.Secret, "/orcid-internal-thing"), 401, "invalid_scope", "", ""},
		{"webhook, not premium", cc(m, m.Secret, "/webhook"), 400, "invalid_scope", "Invalid scope: /webhook", ""},
		{"webhook, public", cc(env.Public, env.Public.Secret, "/webhook"), 400, "invalid_scope", "Invalid scope: /webhook", ""},
		{"unknown code", exchangeForm(m, "Zz9Zz9", env.Callback.URL), 400, "invalid_grant", "Invalid authorization code: Zz9Zz9", ""},
		{"no code", url.Values{"client_id": {m.ID}, "client_secret": {m.Secret}, "grant_type": {"authorization_code"}}, 400, "invalid_request", "An authorization code must be supplied.", ""},
		{"unknown refresh token", url.Values{"client_id": {m.ID}, "client_secret": {m.Secret}, "grant_type": {"refresh_token"}, "refresh_token": {"nope"}}, 400, "unauthorized_client", "Unable to find refresh token", ""},
		// Successes that check the scope handling of 3.5.
		{"webhook, premium", cc(premium, premium.Secret, "/webhook"), 200, "", "", "/webhook"},
		{"three-legged scopes dropped", cc(m, m.Secret, "/read-public /read-limited"), 200, "", "", "/read-public"},
		{"no scope", url.Values{"client_id": {m.ID}, "client_secret": {m.Secret}, "grant_type": {"client_credentials"}}, 200, "", "", "/read-public"},
		{"basic auth", nil, 200, "", "", "/read-public"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r tokenReply
			if tc.form == nil { // HTTP Basic client authentication
				req, _ := http.NewRequest(http.MethodPost, env.BaseURL+"/oauth/token", strings.NewReader("grant_type=client_credentials&scope=%2Fread-public"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(m.ID, m.Secret)
				resp, body := do(t, http.DefaultClient, req)
				r = tokenReply{status: resp.StatusCode, header: resp.Header, raw: body}
				_ = json.Unmarshal([]byte(body), &r.json)
			} else {
				r = postToken(t, env, tc.form)
			}
			if tc.status != 200 {
				wantOAuthError(t, r, tc.status, tc.code, tc.desc)
				return
			}
			if r.status != 200 || r.str("scope") != tc.wantScop || r.json["orcid"] != nil || r.json["name"] != nil {
				t.Fatalf("got %d %s, want scope %q and null orcid/name", r.status, r.raw, tc.wantScop)
			}
			if !strings.Contains(r.raw, `"orcid":null`) || !strings.Contains(r.raw, `"name":null`) {
				t.Errorf("orcid and name must be null, not absent: %s", r.raw)
			}
		})
	}
}

func TestTokenEndpointMediaTypeAndMethod(t *testing.T) {
	env := sandboxtest.New(t)
	body := `{"client_id":"` + env.Member.ID + `","client_secret":"` + env.Member.Secret + `","grant_type":"client_credentials"}`
	resp, err := http.Post(env.BaseURL+"/oauth/token", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("JSON body: %d, want 415", resp.StatusCode)
	}
	resp, err = http.Get(env.BaseURL + "/oauth/token?grant_type=client_credentials")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d Allow=%q, want 405 POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestAuthorizationCodeExchange(t *testing.T) {
	env := sandboxtest.New(t)
	t.Run("x/oauth2", func(t *testing.T) {
		tok := env.Token(t, "/read-limited", "/activities/update")
		if tok.Extra("orcid") != env.Researcher.ORCID || tok.Extra("name") != env.Researcher.Name() {
			t.Errorf("orcid=%v name=%v", tok.Extra("orcid"), tok.Extra("name"))
		}
		if tok.Extra("scope") != "/activities/update /read-limited" || tok.TokenType != "bearer" || tok.RefreshToken == "" {
			t.Errorf("token %+v scope %v", tok, tok.Extra("scope"))
		}
		if d := time.Until(tok.Expiry); d < 19*365*24*time.Hour {
			t.Errorf("expiry %v is not long-lived", tok.Expiry)
		}
		if tok.Extra("id_token") != nil {
			t.Error("id_token without openid")
		}
	})
	t.Run("raw response", func(t *testing.T) {
		code := env.AuthorizeCode(t, "/authenticate")
		r := postToken(t, env, exchangeForm(env.Member, code, env.Callback.URL))
		if r.status != 200 || r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" {
			t.Fatalf("%d %v %s", r.status, r.header, r.raw)
		}
		want := []string{"access_token", "token_type", "refresh_token", "expires_in", "scope", "name", "orcid"}
		if len(r.json) != len(want) {
			t.Errorf("fields %v, want exactly %v", r.json, want)
		}
		for _, k := range want {
			if _, ok := r.json[k]; !ok {
				t.Errorf("missing %s in %s", k, r.raw)
			}
		}
		if r.json["expires_in"] != float64(631138518) {
			t.Errorf("expires_in %v", r.json["expires_in"])
		}
		uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
		if !uuid.MatchString(r.str("access_token")) || !uuid.MatchString(r.str("refresh_token")) {
			t.Errorf("tokens are not UUIDs: %s", r.raw)
		}
		if !regexp.MustCompile(`^[0-9A-Za-z]{6}$`).MatchString(code) {
			t.Errorf("code %q is not 6 base62 characters", code)
		}
	})
	t.Run("scope subset at exchange", func(t *testing.T) {
		code := env.AuthorizeCode(t, "/read-limited", "/activities/update")
		f := exchangeForm(env.Member, code, env.Callback.URL)
		f.Set("scope", "/read-limited")
		if r := postToken(t, env, f); r.status != 200 || r.str("scope") != "/read-limited" {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		code = env.AuthorizeCode(t, "/read-limited")
		f = exchangeForm(env.Member, code, env.Callback.URL)
		f.Set("scope", "/person/update")
		wantOAuthError(t, postToken(t, env, f), 400, "invalid_scope", "")
	})
}

func TestReusedCodeRevokesItsTokens(t *testing.T) {
	env := sandboxtest.New(t)
	code := env.AuthorizeCode(t, "openid", "/read-limited")
	first := postToken(t, env, exchangeForm(env.Member, code, env.Callback.URL))
	if first.status != 200 {
		t.Fatalf("first exchange: %s", first.raw)
	}
	if status, _ := userinfo(t, env, first.str("access_token")); status != 200 {
		t.Fatalf("userinfo before the replay: %d", status)
	}
	wantOAuthError(t, postToken(t, env, exchangeForm(env.Member, code, env.Callback.URL)), 400, "invalid_grant", codeExchangeFailed)
	tok := storedToken(t, env, first.str("access_token"))
	if tok.RevokedAt == nil || tok.RevokeReason != sandbox.RevokedCodeReused {
		t.Errorf("token of the replayed code still live: %+v", tok)
	}
	if status, _ := userinfo(t, env, first.str("access_token")); status != http.StatusForbidden {
		t.Errorf("userinfo after the replay: %d, want 403", status)
	}
}

func TestCodeExchangeChecks(t *testing.T) {
	env := sandboxtest.New(t)
	// Expiry is in TestCodeLifetime.
	for _, redirect := range []string{env.Callback.URL + "/deeper", env.Callback.URL + "?x=1", ""} {
		t.Run("redirect_uri "+redirect, func(t *testing.T) {
			code := env.AuthorizeCode(t, "/authenticate")
			wantOAuthError(t, postToken(t, env, exchangeForm(env.Member, code, redirect)), 400, "invalid_grant", codeExchangeFailed)
		})
	}
	t.Run("another client's code", func(t *testing.T) {
		code := env.AuthorizeCode(t, "/authenticate")
		wantOAuthError(t, postToken(t, env, exchangeForm(env.Public, code, env.Callback.URL)), 400, "invalid_grant", codeExchangeFailed)
	})
}

func TestRefreshToken(t *testing.T) {
	env := sandboxtest.New(t)
	first := env.Token(t, "/read-limited", "/activities/update")
	refresh := func(form url.Values, bearer string) tokenReply {
		t.Helper()
		base := url.Values{"client_id": {env.Member.ID}, "client_secret": {env.Member.Secret}, "grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}}
		for k, v := range form {
			base[k] = v
		}
		req, _ := http.NewRequest(http.MethodPost, env.BaseURL+"/oauth/token", strings.NewReader(base.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, body := do(t, http.DefaultClient, req)
		r := tokenReply{status: resp.StatusCode, header: resp.Header, raw: body}
		_ = json.Unmarshal([]byte(body), &r.json)
		return r
	}
	t.Run("new access and refresh token, scope subset", func(t *testing.T) {
		r := refresh(url.Values{"scope": {"/read-limited"}}, "")
		if r.status != 200 || r.str("scope") != "/read-limited" || r.str("orcid") != env.Researcher.ORCID {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		if r.str("access_token") == first.AccessToken || r.str("refresh_token") == first.RefreshToken || r.str("refresh_token") == "" {
			t.Errorf("refresh did not mint new tokens: %s", r.raw)
		}
		if storedToken(t, env, first.AccessToken).RevokedAt != nil {
			t.Error("old token revoked though no bearer header named it")
		}
		if got := storedToken(t, env, r.str("access_token")).ExpiresAt; !got.Equal(storedToken(t, env, first.AccessToken).ExpiresAt) {
			t.Errorf("refreshed expiry %v differs from the parent's", got)
		}
	})
	t.Run("scope wider than the parent", func(t *testing.T) {
		wantOAuthError(t, refresh(url.Values{"scope": {"/person/update"}}, ""), 400, "invalid_scope", "The given scope '/person/update' is not allowed for the parent token")
	})
	t.Run("inherited scope allowed", func(t *testing.T) {
		if r := refresh(url.Values{"scope": {"/activities/read-limited"}}, ""); r.status != 200 {
			t.Fatalf("%s", r.raw)
		}
	})
	t.Run("expires_in", func(t *testing.T) {
		r := refresh(url.Values{"expires_in": {"3600"}}, "")
		if r.status != 200 || r.json["expires_in"] != float64(3599) {
			t.Fatalf("%s", r.raw)
		}
		wantOAuthError(t, refresh(url.Values{"expires_in": {"soon"}}, ""), 400, "invalid_request", "soon is not a number")
		wantOAuthError(t, refresh(url.Values{"expires_in": {"999999999999"}}, ""), 400, "invalid_request", "")
	})
	t.Run("revoke_old is ignored", func(t *testing.T) {
		for _, v := range []string{"false", "true"} {
			if r := refresh(url.Values{"revoke_old": {v}}, ""); r.status != 200 {
				t.Fatalf("%s", r.raw)
			}
			if storedToken(t, env, first.AccessToken).RevokedAt != nil {
				t.Errorf("old token revoked with revoke_old=%s, which ORCID no longer forwards", v)
			}
		}
	})
	t.Run("another client's refresh token", func(t *testing.T) {
		f := url.Values{"client_id": {env.Public.ID}, "client_secret": {env.Public.Secret}, "grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}}
		wantOAuthError(t, postToken(t, env, f), 400, "invalid_request", "This token does not belong to the given client")
	})
	t.Run("a bearer header is not client authentication", func(t *testing.T) {
		// The legacy way to name the token revoke_old revokes: ORCID now
		// forwards any Authorization header as the client's credentials.
		wantOAuthError(t, refresh(nil, first.AccessToken), 401, "unauthorized_client", "Bad client credentials")
		if storedToken(t, env, first.AccessToken).RevokedAt != nil {
			t.Error("old token revoked by a refused request")
		}
	})
	t.Run("revoked parent", func(t *testing.T) {
		resp, _ := postForm(t, http.DefaultClient, env.BaseURL+"/oauth/revoke", url.Values{
			"client_id": {env.Member.ID}, "client_secret": {env.Member.Secret}, "token": {first.AccessToken},
		})
		if resp.StatusCode != 200 {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		wantOAuthError(t, refresh(nil, ""), 400, "unauthorized_client", "Parent token is disabled")
	})
	t.Run("x/oauth2 token source", func(t *testing.T) {
		tok := env.Token(t, "/authenticate")
		tok.Expiry = time.Now().Add(-time.Minute) // make x/oauth2 refresh it
		next, err := env.OAuth2Config(env.Member).TokenSource(context.Background(), tok).Token()
		if err != nil {
			t.Fatal(err)
		}
		if next.AccessToken == tok.AccessToken || next.RefreshToken == tok.RefreshToken || next.Extra("orcid") != env.Researcher.ORCID {
			t.Errorf("refreshed %+v", next)
		}
	})
}

func TestRevoke(t *testing.T) {
	env := sandboxtest.New(t)
	revoke := func(c sandbox.Client, secret, token string, withToken bool) (int, string) {
		t.Helper()
		f := url.Values{"client_id": {c.ID}, "client_secret": {secret}}
		if withToken {
			f.Set("token", token)
		}
		resp, body := postForm(t, http.DefaultClient, env.BaseURL+"/oauth/revoke", f)
		return resp.StatusCode, body
	}
	a, b := env.Token(t, "/authenticate"), env.Token(t, "/read-limited")
	other := env.ReadPublicToken(t, env.Public)
	tests := []struct {
		name       string
		client     sandbox.Client
		secret     string
		token      string
		noToken    bool
		wantStatus int
		revoked    string // access token that must now be revoked
		live       string // access token that must stay live
	}{
		{"bad credentials", env.Member, "wrong", a.AccessToken, false, 401, "", a.AccessToken},
		{"missing token", env.Member, env.Member.Secret, "", true, 400, "", a.AccessToken},
		{"unknown token", env.Member, env.Member.Secret, "not-a-token", false, 200, "", a.AccessToken},
		{"other client's token", env.Member, env.Member.Secret, other.AccessToken, false, 200, "", other.AccessToken},
		{"access token", env.Member, env.Member.Secret, a.AccessToken, false, 200, a.AccessToken, b.AccessToken},
		{"already revoked", env.Member, env.Member.Secret, a.AccessToken, false, 200, a.AccessToken, ""},
		{"by refresh token", env.Member, env.Member.Secret, b.RefreshToken, false, 200, b.AccessToken, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := revoke(tc.client, tc.secret, tc.token, !tc.noToken)
			if status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", status, tc.wantStatus, body)
			}
			if status == 200 && body != "" {
				t.Errorf("body %q, want empty", body)
			}
			if tc.revoked != "" && storedToken(t, env, tc.revoked).RevokedAt == nil {
				t.Error("token not revoked")
			}
			if tc.live != "" && storedToken(t, env, tc.live).RevokedAt != nil {
				t.Error("token revoked")
			}
		})
	}
}
