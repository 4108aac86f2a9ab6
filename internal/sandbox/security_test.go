package sandbox_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

// ---- helpers ----

// ctl calls the control API with a JSON body and decodes the answer.
func ctl(t *testing.T, env *sandboxtest.Env, method, path string, in, out any) int {
	t.Helper()
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, env.BaseURL+path, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, raw := do(t, http.DefaultClient, req)
	if out != nil {
		if err := json.Unmarshal([]byte(raw), out); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode
}

type outboxMail struct{ To, Subject, Body string }

// lastMail is the newest outbox message to an address.
func lastMail(t *testing.T, env *sandboxtest.Env, to, subject string) outboxMail {
	t.Helper()
	var mails []outboxMail
	ctl(t, env, http.MethodGet, "/_sandbox/emails", nil, &mails)
	for _, m := range mails { // newest first
		if strings.EqualFold(m.To, to) && strings.Contains(m.Subject, subject) {
			return m
		}
	}
	t.Fatalf("no %q mail to %s in %+v", subject, to, mails)
	return outboxMail{}
}

var reVerifyLink = regexp.MustCompile(`https?://\S+/verify-email/\S+`)

type ctlResearcher struct {
	ORCID         string `json:"orcid"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	TwoFactor     bool   `json:"two_factor"`
}

func createResearcher(t *testing.T, env *sandboxtest.Env, in map[string]any) ctlResearcher {
	t.Helper()
	var out ctlResearcher
	if st := ctl(t, env, http.MethodPost, "/_sandbox/researchers", in, &out); st != http.StatusCreated {
		t.Fatalf("create researcher: %d %+v", st, out)
	}
	return out
}

// signIn posts the sign-in form (with an authorize request when oauth is
// not empty) and returns the answer.
func signIn(t *testing.T, c *http.Client, env *sandboxtest.Env, user, password, oauth string) (*http.Response, string) {
	t.Helper()
	return postForm(t, c, env.BaseURL+"/signin", url.Values{"username": {user}, "password": {password}, "oauth": {oauth}})
}

var rePending = regexp.MustCompile(`name="pending" value="([^"]*)"`)

// secondStep posts the sign-in's second step of a page.
func secondStep(t *testing.T, c *http.Client, env *sandboxtest.Env, page string, form url.Values) (*http.Response, string) {
	t.Helper()
	m := rePending.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("not the second step of a sign-in:\n%s", page)
	}
	form.Set("pending", html.UnescapeString(m[1]))
	if o := reOAuthField.FindStringSubmatch(page); o != nil {
		form.Set("oauth", html.UnescapeString(o[1]))
	}
	return postForm(t, c, env.BaseURL+"/signin/2fa", form)
}

func hasSession(resp *http.Response) bool {
	for _, ck := range resp.Cookies() {
		if ck.Name == "orcid_sandbox_session" && ck.Value != "" {
			return true
		}
	}
	return false
}

// consentThrough opens an authorize URL in a signed-in browser and, when
// the consent screen shows, clicks approve ("true") or deny ("false");
// it returns the answer that follows.
func consentThrough(t *testing.T, c *http.Client, env *sandboxtest.Env, authURL, approval string) (*http.Response, string) {
	t.Helper()
	resp, body := get(t, c, authURL)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="authorize-button"`) {
		return resp, body
	}
	oauth, tok := consentForm(t, body)
	return postForm(t, c, env.BaseURL+"/oauth/authorize", url.Values{"oauth": {oauth}, "form_token": {tok}, "user_oauth_approval": {approval}})
}

// apiJSON reads a Member API path with a token.
func apiJSON(t *testing.T, env *sandboxtest.Env, token, path string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.MemberAPI+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	resp, body := do(t, http.DefaultClient, req)
	var m map[string]any
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &m) != nil {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return m
}

// codeFrom returns the code of a redirect to the client.
func codeFrom(t *testing.T, env *sandboxtest.Env, location string) string {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil || !strings.HasPrefix(location, env.Callback.URL) || u.Query().Get("code") == "" {
		t.Fatalf("not a redirect to the client with a code: %q", location)
	}
	return u.Query().Get("code")
}

// ---- email verification ----

// TestEmailVerification: a registered account starts unverified, may still
// authorize, the API leaves its email out and says so in the history, the
// record page refuses manual additions, and the welcome message's link
// verifies it; seeded and scripted researchers are verified unless told.
func TestEmailVerification(t *testing.T) {
	env := sandboxtest.New(t)
	var seeded []ctlResearcher
	ctl(t, env, http.MethodGet, "/_sandbox/researchers", nil, &seeded)
	if len(seeded) == 0 || !seeded[0].EmailVerified {
		t.Fatalf("seeded researcher not verified: %+v", seeded)
	}

	// Register within an authorize request and authorize: allowed unverified.
	c := browser(t)
	resp, _ := get(t, c, authorizeURL(env, env.Member.ID, env.Callback.URL, "/read-limited", "show_login", "false"))
	_, body := get(t, c, resp.Header.Get("Location"))
	oauth := html.UnescapeString(reOAuthField.FindStringSubmatch(body)[1])
	const email = "lise.meitner@mailinator.com"
	resp, _ = postForm(t, c, env.BaseURL+"/register", url.Values{"given_names": {"Lise"}, "email": {email}, "password": {"fission-1938"}, "oauth": {oauth}})
	resp, _ = consentThrough(t, c, env, resp.Header.Get("Location"), "true")
	tok := postToken(t, env, exchangeForm(env.Member, codeFrom(t, env, resp.Header.Get("Location")), env.Callback.URL))
	if tok.status != http.StatusOK {
		t.Fatalf("token: %s", tok.raw)
	}
	id, access := tok.str("orcid"), tok.str("access_token")

	_, body = get(t, c, env.BaseURL+"/account")
	if !strings.Contains(body, `data-verified="false"`) || !strings.Contains(body, `id="email-unverified"`) {
		t.Errorf("account page does not show the email as unverified:\n%s", body)
	}
	// What the API lists is TestAPIEmailVerification's; here the history.
	check := func(t *testing.T, verified bool) {
		t.Helper()
		hist := apiJSON(t, env, access, "/"+id+"/record")["history"].(map[string]any)
		if hist["verified-email"] != verified || hist["verified-primary-email"] != verified {
			t.Errorf("history %v, want verified %v", hist, verified)
		}
	}
	t.Run("unverified on the API", func(t *testing.T) { check(t, false) })

	addWork := func() (*http.Response, string) {
		_, page := get(t, c, env.BaseURL+"/my-orcid")
		return postForm(t, c, env.BaseURL+"/my-orcid/works", url.Values{"form_token": {headerFormToken(t, page[strings.Index(page, `id="add-work-form"`):])},
			"title": {"On fission"}, "type": {"journal-article"}, "id_type": {"doi"}, "id_value": {"10.1038/143239a0"}})
	}
	if resp, body := addWork(); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `data-reason="unverified"`) {
		t.Errorf("manual addition while unverified: %d", resp.StatusCode)
	}

	welcome := lastMail(t, env, email, "Welcome to ORCID")
	link := reVerifyLink.FindString(welcome.Body)
	if link == "" {
		t.Fatalf("no verification link in the welcome message:\n%s", welcome.Body)
	}
	// Resending gives the same, still valid, link.
	_, page := get(t, c, env.BaseURL+"/account")
	if resp, _ := postForm(t, c, env.BaseURL+"/account/verify-email", url.Values{"form_token": {headerFormToken(t, page[strings.Index(page, `id="verify-email-panel"`):])}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("resend: %d", resp.StatusCode)
	}
	if again := reVerifyLink.FindString(lastMail(t, env, email, "Verify your email address").Body); again != link {
		t.Errorf("resent link %q, want %q", again, link)
	}

	other := signedIn(t, env)
	for _, tc := range []struct {
		name     string
		client   *http.Client
		link     string
		status   int
		location string
	}{
		{"forged link", browser(t), env.BaseURL + "/verify-email/" + base64.RawURLEncoding.EncodeToString([]byte(email)) + ".bad", http.StatusFound, env.BaseURL + "/signin?invalidVerifyUrl=true"},
		{"another researcher signed in", other, link, http.StatusForbidden, ""},
		{"signed out", browser(t), link, http.StatusFound, env.BaseURL + "/signin?emailVerified=true"},
		{"owner signed in", c, link, http.StatusFound, env.BaseURL + "/my-orcid?emailVerified=true"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, tc.client, tc.link)
			if resp.StatusCode != tc.status || resp.Header.Get("Location") != tc.location {
				t.Errorf("%d %q, want %d %q\n%s", resp.StatusCode, resp.Header.Get("Location"), tc.status, tc.location, body)
			}
		})
	}
	t.Run("verified on the API", func(t *testing.T) { check(t, true) })
	if resp, _ := addWork(); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("manual addition once verified: %d", resp.StatusCode)
	}
	if _, body := get(t, browser(t), env.BaseURL+"/signin?emailVerified=true&lang=fr"); !strings.Contains(body, "Merci d’avoir vérifié") {
		t.Errorf("sign-in page does not confirm the verification in French")
	}

	t.Run("control API", func(t *testing.T) {
		r := createResearcher(t, env, map[string]any{"given_names": "Unverified", "email": "unverified@mailinator.com", "password": "password-1", "email_verified": false})
		if r.EmailVerified {
			t.Fatalf("created verified: %+v", r)
		}
		var patched ctlResearcher
		ctl(t, env, http.MethodPatch, "/_sandbox/researchers/"+r.ORCID, map[string]any{"email_verified": true}, &patched)
		if !patched.EmailVerified {
			t.Errorf("PATCH email_verified: %+v", patched)
		}
	})
}

// ---- two-factor authentication ----

// TestTwoFactorAuthentication: enabling on the account page with a code of
// the shown secret, the sign-in's second step (app codes of the current and
// previous step, backup codes once each), amr "mfa" in the id_token, and
// switching it off with the password and a code.
func TestTwoFactorAuthentication(t *testing.T) {
	env := sandboxtest.New(t)
	c := signedIn(t, env)
	_, page := get(t, c, env.BaseURL+"/account")
	if !strings.Contains(page, `id="twofactor-status" data-enabled="false"`) {
		t.Fatalf("account page has no 2FA section:\n%s", page)
	}
	_, page = get(t, c, env.BaseURL+"/account/2fa")
	secret := regexp.MustCompile(`id="twofactor-secret">([A-Z2-7]+)<`).FindStringSubmatch(page)
	if secret == nil {
		t.Fatalf("no secret on the setup page:\n%s", page)
	}
	wantURI := "otpauth://totp/orcid.org:" + env.Researcher.Email + "?secret=" + secret[1] + "&amp;issuer=orcid.org"
	if !strings.Contains(page, wantURI) {
		t.Errorf("setup page lacks %s", wantURI)
	}
	codeAt := func(d time.Duration) string {
		code, err := sandbox.TOTPCode(secret[1], env.Clock.Now().Add(d))
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	enable := func(code string) (*http.Response, string) {
		return postForm(t, c, env.BaseURL+"/account/2fa/enable", url.Values{"form_token": {headerFormToken(t, page[strings.Index(page, `id="twofactor-enable-form"`):])}, "code": {code}})
	}
	wrong := "000000"
	if wrong == codeAt(0) || wrong == codeAt(-30*time.Second) {
		wrong = "999999"
	}
	if resp, body := enable(wrong); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Invalid verification code") {
		t.Fatalf("wrong code enabled 2FA: %d", resp.StatusCode)
	}
	resp, body := enable(codeAt(0))
	codes := regexp.MustCompile(`class="backup-code">([A-Za-z0-9]{10})<`).FindAllStringSubmatch(body, -1)
	if resp.StatusCode != http.StatusOK || len(codes) != 14 {
		t.Fatalf("enable: %d, %d backup codes\n%s", resp.StatusCode, len(codes), body)
	}
	lastMail(t, env, env.Researcher.Email, "Two-factor authentication has been enabled")

	t.Run("second step", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			form url.Values
			ok   bool
			msg  string
		}{
			{"no code", url.Values{}, false, "Invalid verification code"},
			{"wrong code", url.Values{"code": {wrong}}, false, "Invalid verification code"},
			{"code of the previous step", url.Values{"code": {codeAt(-30 * time.Second)}}, true, ""},
			{"current code", url.Values{"code": {codeAt(0)}}, true, ""},
			{"backup code", url.Values{"recovery_code": {codes[0][1]}}, true, ""},
			{"used backup code", url.Values{"recovery_code": {codes[0][1]}}, false, "Invalid recovery code"},
			{"unknown backup code", url.Values{"recovery_code": {"abcdefghij"}}, false, "Invalid recovery code"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b := browser(t)
				resp, page := signIn(t, b, env, env.Researcher.Email, env.Researcher.Password, "")
				if resp.StatusCode != http.StatusOK || hasSession(resp) || !strings.Contains(page, `id="signin2fa-form"`) {
					t.Fatalf("password alone: %d session=%v\n%s", resp.StatusCode, hasSession(resp), page)
				}
				resp, body := secondStep(t, b, env, page, tc.form)
				if tc.ok != (resp.StatusCode == http.StatusSeeOther && hasSession(resp)) {
					t.Fatalf("%d session=%v\n%s", resp.StatusCode, hasSession(resp), body)
				}
				if !tc.ok && (resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, tc.msg)) {
					t.Errorf("%d, want 401 %q", resp.StatusCode, tc.msg)
				}
			})
		}
	})
	t.Run("forged or expired pending sign-in", func(t *testing.T) {
		b := browser(t)
		_, page := signIn(t, b, env, env.Researcher.Email, env.Researcher.Password, "")
		forged := strings.Replace(page, env.Researcher.ORCID+".", "0000-0002-1825-0097.", 1)
		if resp, _ := secondStep(t, b, env, forged, url.Values{"code": {codeAt(0)}}); resp.StatusCode != http.StatusSeeOther || hasSession(resp) || !strings.HasSuffix(resp.Header.Get("Location"), "/signin") {
			t.Errorf("forged: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		env.Clock.Advance(11 * time.Minute)
		resp, _ := secondStep(t, b, env, page, url.Values{"code": {codeAt(0)}})
		if hasSession(resp) {
			t.Errorf("expired pending sign-in accepted")
		}
	})
	t.Run("amr is mfa", func(t *testing.T) {
		b := browser(t)
		resp, _ := get(t, b, authorizeURL(env, env.Member.ID, env.Callback.URL, "openid", "prompt", "confirm"))
		_, page := get(t, b, resp.Header.Get("Location"))
		oauth := html.UnescapeString(reOAuthField.FindStringSubmatch(page)[1])
		_, page = signIn(t, b, env, env.Researcher.Email, env.Researcher.Password, oauth)
		resp, _ = secondStep(t, b, env, page, url.Values{"code": {codeAt(0)}})
		resp, _ = consentThrough(t, b, env, resp.Header.Get("Location"), "true")
		tok := postToken(t, env, exchangeForm(env.Member, codeFrom(t, env, resp.Header.Get("Location")), env.Callback.URL))
		parts := strings.Split(tok.str("id_token"), ".")
		if len(parts) != 3 {
			t.Fatalf("no id_token: %s", tok.raw)
		}
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var claims map[string]any
		_ = json.Unmarshal(payload, &claims)
		if claims["amr"] != "mfa" {
			t.Errorf("amr %v, want mfa", claims["amr"])
		}
	})
	t.Run("disable", func(t *testing.T) {
		_, page := get(t, c, env.BaseURL+"/account")
		tok := headerFormToken(t, page[strings.Index(page, `id="twofactor-disable-form"`):])
		if resp, body := postForm(t, c, env.BaseURL+"/account/2fa/disable", url.Values{"form_token": {tok}, "password": {"wrong"}, "code": {codeAt(0)}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Incorrect password") {
			t.Fatalf("wrong password: %d", resp.StatusCode)
		}
		if resp, _ := postForm(t, c, env.BaseURL+"/account/2fa/disable", url.Values{"form_token": {tok}, "password": {env.Researcher.Password}, "code": {codeAt(0)}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable: %d", resp.StatusCode)
		}
		if resp, _ := signIn(t, browser(t), env, env.Researcher.Email, env.Researcher.Password, ""); resp.StatusCode != http.StatusSeeOther || !hasSession(resp) {
			t.Errorf("sign-in after disabling still asks for a code: %d", resp.StatusCode)
		}
	})
	t.Run("control API", func(t *testing.T) {
		r := createResearcher(t, env, map[string]any{"given_names": "Scripted", "email": "scripted@mailinator.com", "password": "password-1", "two_factor_secret": "JBSWY3DPEHPK3PXP"})
		if !r.TwoFactor {
			t.Fatalf("created without 2FA: %+v", r)
		}
		b := browser(t)
		_, page := signIn(t, b, env, r.Email, "password-1", "")
		code, _ := sandbox.TOTPCode("JBSWY3DPEHPK3PXP", env.Clock.Now())
		if resp, _ := secondStep(t, b, env, page, url.Values{"code": {code}}); !hasSession(resp) {
			t.Errorf("code of the scripted secret refused: %d", resp.StatusCode)
		}
		var out map[string]any
		if st := ctl(t, env, http.MethodPost, "/_sandbox/researchers", map[string]any{"given_names": "Bad", "email": "bad@mailinator.com", "password": "password-1", "two_factor_secret": "not base32!"}, &out); st != http.StatusBadRequest {
			t.Errorf("bad secret: %d %v", st, out)
		}
	})
}

// ---- OAuth interstitials ----

// TestInterstitials: off by default; switched on, each shows once per
// researcher, in ORCID's order and only when its rule holds, after
// approving or denying and when consent is skipped; skipping or acting
// leads to the client with the code (or error) intact.
func TestInterstitials(t *testing.T) {
	env := sandboxtest.New(t)
	c := signedIn(t, env)
	auth := func(scope string) string {
		return authorizeURL(env, env.Member.ID, env.Callback.URL, scope, "state", "s-"+scope)
	}
	if resp, _ := consentThrough(t, c, env, auth("/authenticate"), "true"); resp.StatusCode != http.StatusFound {
		t.Fatalf("interstitial shown while switched off: %d", resp.StatusCode)
	}
	var sw sandbox.InterstitialSwitches
	if st := ctl(t, env, http.MethodPut, "/_sandbox/interstitials", map[string]bool{"email_domains": true, "affiliations": true, "backup_email": true}, &sw); st != http.StatusOK || !sw.EmailDomains || !sw.Affiliations || !sw.BackupEmail {
		t.Fatalf("PUT switches: %d %+v", st, sw)
	}

	// submit posts an interstitial's form with an action and fields.
	submit := func(t *testing.T, page, action string, fields url.Values) (*http.Response, string) {
		t.Helper()
		form := url.Values{"action": {action}}
		for _, name := range []string{"form_token", "kind", "client_name", "target"} {
			m := regexp.MustCompile(`name="`+name+`" value="([^"]*)"`).FindAllStringSubmatch(page, -1)
			if m == nil {
				t.Fatalf("no %s on the interstitial:\n%s", name, page)
			}
			form.Set(name, html.UnescapeString(m[len(m)-1][1])) // the last: after the header's sign-out form
		}
		for k, v := range fields {
			form[k] = v
		}
		return postForm(t, c, env.BaseURL+"/oauth/interstitial", form)
	}

	steps := []struct {
		name, scope, approval, kind, action string
		fields                              url.Values
		wantError                           bool // the client gets access_denied
	}{
		{"backup email first, skipped", "/read-limited", "true", "backup_email", "skip", nil, false},
		{"then email domains, shared", "/activities/update", "true", "email_domains", "add", nil, false},
		{"then affiliations after a denial, added", "/person/update", "false", "affiliations", "add",
			url.Values{"organization": {"ROR https://ror.org/05gq02987"}, "role": {"Professor"}}, true},
		{"all seen: straight to the client", "/read-limited /activities/update", "true", "", "", nil, false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			resp, page := consentThrough(t, c, env, auth(st.scope), st.approval)
			if st.kind == "" {
				if resp.StatusCode != http.StatusFound {
					t.Fatalf("interstitial shown again: %d\n%s", resp.StatusCode, page)
				}
				codeFrom(t, env, resp.Header.Get("Location"))
				return
			}
			if resp.StatusCode != http.StatusOK || !strings.Contains(page, `data-interstitial="`+st.kind+`"`) {
				t.Fatalf("want the %s interstitial, got %d\n%s", st.kind, resp.StatusCode, page)
			}
			resp, page = submit(t, page, st.action, st.fields)
			location := resp.Header.Get("Location")
			if st.action == "add" {
				m := regexp.MustCompile(`href="([^"]*)" id="interstitial-continue"`).FindStringSubmatch(page)
				if resp.StatusCode != http.StatusOK || m == nil {
					t.Fatalf("no confirmation: %d\n%s", resp.StatusCode, page)
				}
				location = html.UnescapeString(m[1])
			} else if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("skip: %d", resp.StatusCode)
			}
			u, _ := url.Parse(location)
			if !strings.HasPrefix(location, env.Callback.URL) || u.Query().Get("state") != "s-"+st.scope {
				t.Fatalf("not back to the client: %q", location)
			}
			if st.wantError {
				if u.Query().Get("error") != "access_denied" {
					t.Errorf("denial lost: %q", location)
				}
				return
			}
			if tok := postToken(t, env, exchangeForm(env.Member, codeFrom(t, env, location), env.Callback.URL)); tok.status != http.StatusOK {
				t.Errorf("the code after the interstitial does not exchange: %s", tok.raw)
			}
		})
	}
	t.Run("affiliation written to the record", func(t *testing.T) {
		tok := env.Token(t, "/read-limited")
		emps := apiJSON(t, env, tok.AccessToken, "/"+env.Researcher.ORCID+"/employments")
		if b, _ := json.Marshal(emps); !strings.Contains(string(b), "Brown University") || !strings.Contains(string(b), "Professor") {
			t.Errorf("employment not on the record: %s", b)
		}
	})
	t.Run("consent skipped: shown before the redirect", func(t *testing.T) {
		ctl(t, env, http.MethodPut, "/_sandbox/interstitials", map[string]bool{"backup_email": true, "forget_seen": true}, nil)
		resp, page := get(t, c, auth("/read-limited")) // granted above: no consent screen
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, `data-interstitial="backup_email"`) {
			t.Fatalf("want the backup email interstitial: %d\n%s", resp.StatusCode, page)
		}
		if resp, page := submit(t, page, "add", url.Values{"backup_email": {"not an address"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="interstitial-error"`) {
			t.Errorf("bad backup email accepted: %d", resp.StatusCode)
		}
		resp, _ = submit(t, page, "add", url.Values{"backup_email": {"backup@mailinator.com"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("add backup email: %d", resp.StatusCode)
		}
		lastMail(t, env, "backup@mailinator.com", "Verify your email address")
		// A tampered redirect is refused.
		page = strings.Replace(page, html.EscapeString(env.Callback.URL), "https://attacker.example/cb", 1)
		if resp, _ := submit(t, page, "skip", nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("tampered target: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
	t.Run("unverified researcher: backup email only", func(t *testing.T) {
		ctl(t, env, http.MethodPut, "/_sandbox/interstitials", map[string]bool{"email_domains": true, "affiliations": true}, nil)
		r := createResearcher(t, env, map[string]any{"given_names": "New", "email": "new@mailinator.com", "password": "password-1", "email_verified": false})
		b := browser(t)
		signIn(t, b, env, r.Email, "password-1", "")
		if resp, page := consentThrough(t, b, env, auth("/authenticate"), "true"); resp.StatusCode != http.StatusFound {
			t.Errorf("domain or affiliation screen for an unverified email: %d\n%s", resp.StatusCode, page)
		}
	})
	if st := ctl(t, env, http.MethodDelete, "/_sandbox/interstitials", nil, &sw); st != http.StatusOK || sw != (sandbox.InterstitialSwitches{}) {
		t.Errorf("DELETE switches: %d %+v", st, sw)
	}
}
