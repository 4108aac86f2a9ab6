package sandbox_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

var (
	reInputID = regexp.MustCompile(`<(?:input|textarea)[^>]*\sid="([^"]+)"`)
	reHTMLTag = regexp.MustCompile(`<html lang="([^"]*)">`)
)

// checkLabels fails when a form control with an id has no label for it.
func checkLabels(t *testing.T, body string) {
	t.Helper()
	for _, m := range reInputID.FindAllStringSubmatch(body, -1) {
		if !strings.Contains(body, `for="`+m[1]+`"`) {
			t.Errorf("input #%s has no label", m[1])
		}
	}
}

func TestSitePages(t *testing.T) {
	env := sandboxtest.New(t)
	tests := []struct {
		path   string
		status int
		ctype  string
		want   string
	}{
		{"/", 200, "text/html", "offline"},
		{"/developer-tools", 200, "text/html", "Register an API client"},
		{"/outbox", 200, "text/html", "Outbox"},
		{"/signin", 200, "text/html", `name="password"`},
		{"/register", 200, "text/html", `name="given_names"`},
		{"/static/sandbox.css", 200, "text/css", "#A6CE39"},
		{"/" + env.Researcher.ORCID, 200, "text/html", "Josiah Carberry"},
		{"/0000-0002-1825-0098", 404, "text/html", "not found"}, // bad check digit
		{"/0000-0002-1825-0097", 404, "text/html", "not found"}, // valid but unknown
		{"/favicon.ico", 404, "text/html", "not found"},
		{"/account", 302, "", ""},
	}
	c := browser(t)
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := get(t, c, env.BaseURL+tc.path)
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ctype) || !strings.Contains(body, tc.want) {
				t.Fatalf("%d %s, want %d %s containing %q\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, tc.ctype, tc.want, body)
			}
			if tc.ctype == "text/html" {
				if m := reHTMLTag.FindStringSubmatch(body); m == nil || m[1] != "en" {
					t.Errorf("html lang: %v", m)
				}
				checkLabels(t, body)
			}
		})
	}
	resp, _ := postForm(t, c, env.BaseURL+"/"+env.Researcher.ORCID, url.Values{})
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST to a record page: %d", resp.StatusCode)
	}
}

func TestLangParameter(t *testing.T) {
	env := sandboxtest.New(t)
	// <html lang> names the language the page is written in: one the
	// pages speak, else English (ORCID's resolver falls back the same way).
	for lang, want := range map[string]string{"es": "es", "ES": "es", "es_ES": "es", "fr-CA": "fr", "fr_CA": "fr",
		"zh_CN": "en", "de": "en", `"><script>`: "en", "": "en"} {
		resp, body := get(t, browser(t), env.BaseURL+"/signin?"+url.Values{"client_id": {env.Member.ID}, "lang": {lang}}.Encode())
		if m := reHTMLTag.FindStringSubmatch(body); resp.StatusCode != 200 || m == nil || m[1] != want {
			t.Errorf("lang=%q: html lang %v, want %q", lang, m, want)
		}
	}
	// The parameter travels from /oauth/authorize to the sign-in page.
	resp, _ := get(t, browser(t), authorizeURL(env, env.Member.ID, env.Callback.URL, "/authenticate", "lang", "fr"))
	_, body := get(t, browser(t), resp.Header.Get("Location"))
	if m := reHTMLTag.FindStringSubmatch(body); m == nil || m[1] != "fr" {
		t.Errorf("lang through authorize: %v", m)
	}
}

func TestSignIn(t *testing.T) {
	env := sandboxtest.New(t)
	tests := []struct {
		name, username, password string
		ok                       bool
	}{
		{"email", env.Researcher.Email, env.Researcher.Password, true},
		{"email in other case", strings.ToUpper(env.Researcher.Email), env.Researcher.Password, true},
		{"bare iD", env.Researcher.ORCID, env.Researcher.Password, true},
		{"iD URI", "https://sandbox.orcid.org/" + env.Researcher.ORCID, env.Researcher.Password, true},
		{"wrong password", env.Researcher.Email, "wrong password", false},
		{"unknown account", "nobody@mailinator.com", env.Researcher.Password, false},
		{"empty", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := postForm(t, browser(t), env.BaseURL+"/signin", url.Values{"username": {tc.username}, "password": {tc.password}})
			var session *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == "orcid_sandbox_session" && ck.Value != "" {
					session = ck
				}
			}
			if !tc.ok {
				if resp.StatusCode != http.StatusUnauthorized || session != nil || !strings.Contains(body, "Incorrect email, ORCID iD or password") ||
					!strings.Contains(body, `value="`+html.EscapeString(tc.username)+`"`) {
					t.Fatalf("failed sign-in: %d cookie=%v\n%s", resp.StatusCode, session, body)
				}
				return
			}
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != env.BaseURL+"/account" || session == nil {
				t.Fatalf("sign-in: %d %q %v\n%s", resp.StatusCode, resp.Header.Get("Location"), session, body)
			}
			if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure || session.Path != "/" {
				t.Errorf("cookie attributes %+v", session)
			}
		})
	}
}

func TestSessionCookieSecureOnHTTPS(t *testing.T) {
	ctx := context.Background()
	reg, err := sandbox.Open(ctx, sandbox.Config{BaseURL: "https://sandbox.example.org/registry", DB: ":memory:"})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	if _, err := reg.CreateResearcher(ctx, sandbox.NewResearcher{GivenNames: "A", Email: "a@mailinator.com", Password: "password1"}); err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/signin", strings.NewReader("username=a%40mailinator.com&password=password1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, req)
	cookies := rec.Result().Cookies()
	if rec.Code != http.StatusSeeOther || len(cookies) != 1 || !cookies[0].Secure || cookies[0].Path != "/registry" {
		t.Fatalf("%d %v", rec.Code, cookies)
	}
	if loc := rec.Header().Get("Location"); loc != "https://sandbox.example.org/registry/account" {
		t.Errorf("Location %q", loc)
	}
}

func TestSignInContinuationIsNotAnOpenRedirect(t *testing.T) {
	env := sandboxtest.New(t)
	tests := []struct {
		returnTo, want string
	}{
		{"/developer-tools", env.BaseURL + "/developer-tools"},
		{"//evil.example/x", env.BaseURL + "/account"},
		{"https://evil.example/", env.BaseURL + "/account"},
		{"/\\evil.example", env.BaseURL + "/account"},
		{"javascript:alert(1)", env.BaseURL + "/account"},
		{"", env.BaseURL + "/account"},
	}
	for _, tc := range tests {
		t.Run(tc.returnTo, func(t *testing.T) {
			resp, _ := postForm(t, browser(t), env.BaseURL+"/signin", url.Values{
				"username": {env.Researcher.Email}, "password": {env.Researcher.Password}, "return_to": {tc.returnTo},
			})
			if got := resp.Header.Get("Location"); got != tc.want {
				t.Fatalf("Location %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("forged oauth field", func(t *testing.T) {
		c := browser(t)
		forged := url.Values{"client_id": {env.Member.ID}, "response_type": {"code"}, "scope": {"/authenticate"},
			"redirect_uri": {"https://evil.example/steal"}, "next": {"https://evil.example"}}
		resp, _ := postForm(t, c, env.BaseURL+"/signin", url.Values{
			"username": {env.Researcher.Email}, "password": {env.Researcher.Password}, "oauth": {forged.Encode()},
		})
		loc := resp.Header.Get("Location")
		if !strings.HasPrefix(loc, env.BaseURL+"/oauth/authorize?") || strings.Contains(loc, "next=") {
			t.Fatalf("continuation %q", loc)
		}
		resp, body := get(t, c, loc)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !strings.Contains(html.UnescapeString(body), "Redirect URI doesn't match") {
			t.Fatalf("unregistered redirect reached: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

func TestCrossOriginFormPostRefused(t *testing.T) {
	env := sandboxtest.New(t)
	req, _ := http.NewRequest(http.MethodPost, env.BaseURL+"/signin", strings.NewReader(url.Values{
		"username": {env.Researcher.Email}, "password": {env.Researcher.Password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	if resp, _ := do(t, browser(t), req); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site sign-in: %d, want 403", resp.StatusCode)
	}
}

func TestRegistration(t *testing.T) {
	env := sandboxtest.New(t)
	c := browser(t)
	_, body := get(t, c, env.BaseURL+"/register?given_names=Ada&family_names=Lovelace&email=ada%40mailinator.com")
	for _, want := range []string{`id="given_names" name="given_names" type="text" autocomplete="given-name" required value="Ada"`, `value="Lovelace"`, `value="ada@mailinator.com"`} {
		if !strings.Contains(body, want) {
			t.Errorf("not pre-filled: %s", want)
		}
	}
	form := url.Values{"given_names": {"Ada"}, "family_names": {"Lovelace"}, "email": {"ada@mailinator.com"}, "password": {"short"}}
	resp, body := postForm(t, c, env.BaseURL+"/register", form)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "at least 8 characters long") || !strings.Contains(body, `value="Lovelace"`) {
		t.Fatalf("short password: %d\n%s", resp.StatusCode, body)
	}
	form.Set("password", "analytical engine")
	resp, _ = postForm(t, c, env.BaseURL+"/register", form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != env.BaseURL+"/account" {
		t.Fatalf("register: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = get(t, c, env.BaseURL+"/account")
	m := regexp.MustCompile(`/(\d{4}-\d{4}-\d{4}-\d{3}[\dX])"`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "Ada Lovelace") {
		t.Fatalf("account page after registration:\n%s", body)
	}
	if _, err := orcid.ParseID(m[1]); err != nil {
		t.Errorf("minted iD %s: %v", m[1], err)
	}
	_, body = get(t, c, env.BaseURL+"/outbox")
	if !strings.Contains(body, "ada@mailinator.com") || !strings.Contains(body, "Welcome to ORCID") || !strings.Contains(body, m[1]) {
		t.Errorf("no welcome e-mail in the outbox:\n%s", body)
	}
	if _, body = get(t, c, env.BaseURL+"/"+m[1]); !strings.Contains(body, "Ada Lovelace") {
		t.Errorf("record page lacks the name")
	}
	resp, body = postForm(t, browser(t), env.BaseURL+"/register", form)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "already exists") {
		t.Errorf("duplicate e-mail: %d", resp.StatusCode)
	}

	t.Run("within an authorize request", func(t *testing.T) {
		c := browser(t)
		resp, _ := get(t, c, authorizeURL(env, env.Member.ID, env.Callback.URL, "/authenticate", "show_login", "false", "given_names", "Grace"))
		regURL := resp.Header.Get("Location")
		_, body := get(t, c, regURL)
		oauth := html.UnescapeString(reOAuthField.FindStringSubmatch(body)[1])
		if !strings.Contains(body, `value="Grace"`) || !strings.Contains(body, "Sandboxtest Member App") {
			t.Fatalf("registration page:\n%s", body)
		}
		resp, _ = postForm(t, c, env.BaseURL+"/register", url.Values{"given_names": {"Grace"}, "email": {"grace@mailinator.com"}, "password": {"cobol-1959"}, "oauth": {oauth}})
		next := resp.Header.Get("Location")
		if !strings.HasPrefix(next, env.BaseURL+"/oauth/authorize?") {
			t.Fatalf("after registration: %d %q", resp.StatusCode, next)
		}
		if _, body := get(t, c, next); !strings.Contains(body, "Authorize access") {
			t.Fatalf("no consent after registration:\n%s", body)
		}
	})
}

// headerFormToken is the sign-out form's token of a page's header.
func headerFormToken(t *testing.T, body string) string {
	t.Helper()
	m := reFormToken.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form token:\n%s", body)
	}
	return html.UnescapeString(m[1])
}

func TestAccountRevokesTrustedOrganization(t *testing.T) {
	env := sandboxtest.New(t)
	member := env.Token(t, "openid", "/activities/update")
	code := env.AuthorizeCodeFor(t, env.Public, "/authenticate")
	public, err := env.OAuth2Config(env.Public).Exchange(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	c := signedIn(t, env)
	_, body := get(t, c, env.BaseURL+"/account")
	for _, want := range []string{"Sandboxtest Member App", "Sandboxtest Public App", "https://member.example.org", "Get your ORCID iD", "Add or update your research activities"} {
		if !strings.Contains(body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	accountToken := html.UnescapeString(regexp.MustCompile(`action="/account/revoke">\s*<input type="hidden" name="form_token" value="([^"]*)"`).FindStringSubmatch(body)[1])

	resp, _ := postForm(t, c, env.BaseURL+"/account/revoke", url.Values{"form_token": {"stale"}, "client_id": {env.Member.ID}})
	if resp.StatusCode != http.StatusForbidden || storedToken(t, env, member.AccessToken).RevokedAt != nil {
		t.Fatalf("stale form: %d", resp.StatusCode)
	}
	resp, _ = postForm(t, c, env.BaseURL+"/account/revoke", url.Values{"form_token": {accountToken}, "client_id": {env.Member.ID}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if tok := storedToken(t, env, member.AccessToken); tok.RevokedAt == nil || tok.RevokeReason != sandbox.RevokedByUser {
		t.Errorf("member token %+v", tok)
	}
	if status, _ := userinfo(t, env, member.AccessToken); status != http.StatusForbidden {
		t.Errorf("userinfo with a user-revoked token: %d", status)
	}
	if storedToken(t, env, public.AccessToken).RevokedAt != nil {
		t.Error("the other organization lost access too")
	}
	_, body = get(t, c, resp.Header.Get("Location"))
	if strings.Contains(body, "Sandboxtest Member App") || !strings.Contains(body, "Sandboxtest Public App") {
		t.Errorf("account page after revocation:\n%s", body)
	}
}

func TestSignOut(t *testing.T) {
	env := sandboxtest.New(t)
	c := signedIn(t, env)
	_, body := get(t, c, env.BaseURL+"/account")
	if resp, _ := postForm(t, c, env.BaseURL+"/signout", url.Values{"form_token": {"forged"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged sign-out: %d", resp.StatusCode)
	}
	resp, _ := postForm(t, c, env.BaseURL+"/signout", url.Values{"form_token": {headerFormToken(t, body)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", resp.StatusCode)
	}
	if resp, _ := get(t, c, env.BaseURL+"/account"); resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "/signin") {
		t.Errorf("still signed in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestDeveloperTools(t *testing.T) {
	env := sandboxtest.New(t)
	c := browser(t)
	tests := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"public client", url.Values{"name": {"My App"}, "redirect_uris": {"https://app.example.org/cb\r\n\r\nhttp://127.0.0.1:9/cb\r\n"}, "type": {"public"}}, 200, "Client registered: My App"},
		{"no redirect uri", url.Values{"name": {"No Redirect"}, "redirect_uris": {" \n "}, "type": {"member"}}, 400, "At least one redirect_uri must be registered with the client."},
		{"no name", url.Values{"redirect_uris": {"https://x.example.org/"}}, 400, "a client needs a name"},
		{"premium public", url.Values{"name": {"P"}, "redirect_uris": {"https://x.example.org/"}, "type": {"public"}, "premium": {"1"}}, 400, "only member clients can be premium"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := postForm(t, c, env.BaseURL+"/developer-tools/clients", tc.form)
			if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Fatalf("%d\n%s", resp.StatusCode, body)
			}
			if tc.status != 200 {
				return
			}
			id := regexp.MustCompile(`id="client-id">(APP-[0-9A-Z]{16})<`).FindStringSubmatch(body)
			secret := regexp.MustCompile(`id="client-secret">([^<]+)<`).FindStringSubmatch(body)
			if id == nil || secret == nil {
				t.Fatalf("no credentials shown:\n%s", body)
			}
			r := postToken(t, env, url.Values{"client_id": {id[1]}, "client_secret": {secret[1]}, "grant_type": {"client_credentials"}, "scope": {"/read-public"}})
			if r.status != 200 {
				t.Fatalf("the new credentials do not work: %s", r.raw)
			}
			if _, again := get(t, c, env.BaseURL+"/developer-tools"); strings.Contains(again, secret[1]) || !strings.Contains(again, id[1]) {
				t.Error("the secret is shown again, or the client is not listed")
			}
		})
	}
	t.Run("test researcher", func(t *testing.T) {
		resp, body := postForm(t, c, env.BaseURL+"/developer-tools/researchers", url.Values{
			"given_names": {"Test"}, "family_names": {"Person"}, "email": {"test.person@mailinator.com"}, "password": {"password123"}})
		if resp.StatusCode != 200 || !strings.Contains(body, "Researcher created") {
			t.Fatalf("%d\n%s", resp.StatusCode, body)
		}
		if resp, _ := postForm(t, browser(t), env.BaseURL+"/signin", url.Values{"username": {"test.person@mailinator.com"}, "password": {"password123"}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("cannot sign in as the new researcher: %d", resp.StatusCode)
		}
		resp, body = postForm(t, c, env.BaseURL+"/developer-tools/researchers", url.Values{"given_names": {"X"}, "email": {"not-an-email"}, "password": {"password123"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "valid email") {
			t.Errorf("bad e-mail accepted: %d", resp.StatusCode)
		}
	})
}

func TestRecordPageShowsPublicItems(t *testing.T) {
	env := sandboxtest.New(t)
	ctx := context.Background()
	id := env.Researcher.ORCID
	for _, it := range []struct{ kind, vis, body string }{
		{"work", "public", `{"title":{"title":{"value":"On Public Things"}},"type":"journal-article"}`},
		{"work", "limited", `{"title":{"title":{"value":"A Limited Secret"}}}`},
		{"employment", "public", `{"organization":{"name":"Brown University"}}`},
		{"keyword", "public", `{"content":"emulators"}`},
		{"work", "private", `{"title":{"title":{"value":"Private Notes"}}}`},
	} {
		if err := env.Registry.AddItemForTest(ctx, id, it.kind, it.vis, it.body); err != nil {
			t.Fatal(err)
		}
	}
	_, body := get(t, browser(t), env.BaseURL+"/"+id)
	for _, want := range []string{"On Public Things", "Brown University", "emulators", env.BaseURL + "/" + id} {
		if !strings.Contains(body, want) {
			t.Errorf("record page lacks %q", want)
		}
	}
	for _, hidden := range []string{"A Limited Secret", "Private Notes"} {
		if strings.Contains(body, hidden) {
			t.Errorf("record page shows non-public %q", hidden)
		}
	}
}
