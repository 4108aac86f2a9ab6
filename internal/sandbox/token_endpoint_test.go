package sandbox_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

// codeExchangeFailed is ORCID's answer since 2026-04 to a code exchange
// with a wrong client, secret or redirect URI, or a used or expired code
// (ORCID-Source orcid-api-web/tutorial/api_errors.md).
const codeExchangeFailed = "One of the provided parameters is invalid, or, the provided token/code is invalid or expired"

// basic is an HTTP Basic Authorization header value.
func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

// postTokenAuth calls /oauth/token with a form and an Authorization header
// ("" for none).
func postTokenAuth(t *testing.T, env *sandboxtest.Env, path string, form url.Values, authz string) tokenReply {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.BaseURL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, body := do(t, http.DefaultClient, req)
	r := tokenReply{status: resp.StatusCode, header: resp.Header, raw: body}
	_ = json.Unmarshal([]byte(body), &r.json) // revoke answers an empty body
	return r
}

// TestTokenClientAuthentication: /oauth/token takes the client's
// credentials from an Authorization header when there is one (and then
// only from it) or else from the form, and answers a missing grant_type
// before looking at the client, as ORCID's OauthGenericCallsController.
func TestTokenClientAuthentication(t *testing.T) {
	env := sandboxtest.New(t)
	m, p := env.Member, env.Public
	cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"/read-public"}}
	with := func(base url.Values, kv ...string) url.Values {
		f := url.Values{}
		for k, v := range base {
			f[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	tests := []struct {
		name       string
		form       url.Values
		authz      string
		status     int
		code, desc string
		wantClient string // the client the token was issued to, on success
	}{
		{"form", with(cc, "client_id", m.ID, "client_secret", m.Secret), "", 200, "", "", m.ID},
		{"basic", cc, basic(m.ID, m.Secret), 200, "", "", m.ID},
		{"basic, scheme in lower case", cc, "basic " + base64.StdEncoding.EncodeToString([]byte(m.ID+":"+m.Secret)), 200, "", "", m.ID},
		{"basic, percent-encoded parts", cc, basic(strings.ReplaceAll(m.ID, "-", "%2D"), m.Secret), 200, "", "", m.ID},
		{"both, same client", with(cc, "client_id", m.ID, "client_secret", m.Secret), basic(m.ID, m.Secret), 200, "", "", m.ID},
		{"both: the header wins over a wrong form secret", with(cc, "client_id", m.ID, "client_secret", "wrong"), basic(m.ID, m.Secret), 200, "", "", m.ID},
		{"both: the header names the client", with(cc, "client_id", p.ID, "client_secret", p.Secret), basic(m.ID, m.Secret), 200, "", "", m.ID},
		{"both: a bad header is not rescued by the form", with(cc, "client_id", m.ID, "client_secret", m.Secret), basic(m.ID, "wrong"), 401, "unauthorized_client", "Bad client credentials", ""},
		{"basic, wrong secret", cc, basic(m.ID, "wrong"), 401, "unauthorized_client", "Bad client credentials", ""},
		{"basic, unknown client", cc, basic("APP-UNKNOWN000000000", "x"), 401, "unauthorized_client", "Bad client credentials", ""},
		{"basic, not base64", cc, "Basic !!!", 401, "unauthorized_client", "Bad client credentials", ""},
		{"basic, no colon", cc, "Basic " + base64.StdEncoding.EncodeToString([]byte(m.ID)), 401, "unauthorized_client", "Bad client credentials", ""},
		{"basic, empty secret", cc, basic(m.ID, ""), 401, "unauthorized_client", "Bad client credentials", ""},
		{"bearer header with good form credentials", with(cc, "client_id", m.ID, "client_secret", m.Secret), "Bearer 0b5bcdec-ff67-42b2-9c27-906126b2f66b", 401, "unauthorized_client", "Bad client credentials", ""},
		{"form, wrong secret", with(cc, "client_id", m.ID, "client_secret", "wrong"), "", 401, "unauthorized_client", "Bad client credentials", ""},
		{"no credentials", cc, "", 401, "invalid_request", "client_id is required", ""},
		{"no grant_type, form", url.Values{"client_id": {m.ID}, "client_secret": {m.Secret}}, "", 400, "unsupported_grant_type", "grant_type is missing", ""},
		{"no grant_type, basic", url.Values{}, basic(m.ID, m.Secret), 400, "unsupported_grant_type", "grant_type is missing", ""},
		{"no grant_type is answered before the client", url.Values{}, "", 400, "unsupported_grant_type", "grant_type is missing", ""},
		{"no grant_type, bad basic", url.Values{}, basic(m.ID, "wrong"), 400, "unsupported_grant_type", "grant_type is missing", ""},
		{"empty grant_type", url.Values{"grant_type": {""}}, basic(m.ID, m.Secret), 400, "unsupported_grant_type", "Unsupported grant type: ", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := postTokenAuth(t, env, "/oauth/token", tc.form, tc.authz)
			if tc.status != 200 {
				wantOAuthError(t, r, tc.status, tc.code, tc.desc)
				return
			}
			if r.status != 200 || r.str("access_token") == "" {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
			if got := storedToken(t, env, r.str("access_token")).ClientID; got != tc.wantClient {
				t.Errorf("token issued to %s, want %s", got, tc.wantClient)
			}
		})
	}

	t.Run("code exchange and refresh with basic", func(t *testing.T) {
		code := env.AuthorizeCode(t, "/authenticate")
		r := postTokenAuth(t, env, "/oauth/token", url.Values{
			"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {env.Callback.URL},
		}, basic(m.ID, m.Secret))
		if r.status != 200 || r.str("orcid") != env.Researcher.ORCID {
			t.Fatalf("exchange: %d %s", r.status, r.raw)
		}
		r = postTokenAuth(t, env, "/oauth/token", url.Values{
			"grant_type": {"refresh_token"}, "refresh_token": {r.str("refresh_token")},
		}, basic(m.ID, m.Secret))
		if r.status != 200 || r.str("orcid") != env.Researcher.ORCID {
			t.Fatalf("refresh: %d %s", r.status, r.raw)
		}
		wantOAuthError(t, postTokenAuth(t, env, "/oauth/token", url.Values{"grant_type": {"refresh_token"}}, basic(m.ID, m.Secret)),
			401, "invalid_request", "refresh_token is required")
	})
}

// TestRevokeClientAuthentication: /oauth/revoke takes HTTP Basic
// credentials too (ORCID-Source PR #7485), with the same precedence.
func TestRevokeClientAuthentication(t *testing.T) {
	env := sandboxtest.New(t)
	m := env.Member
	tests := []struct {
		name      string
		creds     url.Values
		authz     string
		status    int
		revoked   bool
		otherLive bool
	}{
		{"bad basic, good form", url.Values{"client_id": {m.ID}, "client_secret": {m.Secret}}, basic(m.ID, "wrong"), 401, false, true},
		{"bearer header, good form", url.Values{"client_id": {m.ID}, "client_secret": {m.Secret}}, "Bearer x", 401, false, true},
		{"basic", nil, basic(m.ID, m.Secret), 200, true, true},
		{"basic wins over a wrong form secret", url.Values{"client_id": {m.ID}, "client_secret": {"wrong"}}, basic(m.ID, m.Secret), 200, true, true},
		{"form", url.Values{"client_id": {m.ID}, "client_secret": {m.Secret}}, "", 200, true, true},
	}
	other := env.Token(t, "/read-limited")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := env.Token(t, "/authenticate")
			form := url.Values{"token": {tok.AccessToken}}
			for k, v := range tc.creds {
				form[k] = v
			}
			r := postTokenAuth(t, env, "/oauth/revoke", form, tc.authz)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if got := storedToken(t, env, tok.AccessToken).RevokedAt != nil; got != tc.revoked {
				t.Errorf("revoked = %v, want %v", got, tc.revoked)
			}
			if storedToken(t, env, other.AccessToken).RevokedAt != nil {
				t.Error("another token was revoked")
			}
		})
	}
}

// TestCodeLifetime: a code must be exchanged within ten minutes of being
// issued, by the registry's clock; an expired code gets ORCID's 2026
// message.
func TestCodeLifetime(t *testing.T) {
	env := sandboxtest.New(t)
	tests := []struct {
		wait time.Duration
		ok   bool
	}{
		{0, true},
		{9*time.Minute + 58*time.Second, true},
		{10 * time.Minute, false},
		{10*time.Minute + time.Second, false},
		{24 * time.Hour, false}, // the lifetime of the old in-repository server
	}
	for _, tc := range tests {
		t.Run(tc.wait.String(), func(t *testing.T) {
			code := env.AuthorizeCode(t, "openid")
			env.Clock.Advance(tc.wait)
			r := postToken(t, env, exchangeForm(env.Member, code, env.Callback.URL))
			if !tc.ok {
				wantOAuthError(t, r, 400, "invalid_grant", codeExchangeFailed)
				return
			}
			if r.status != 200 {
				t.Fatalf("a code %v old was refused: %s", tc.wait, r.raw)
			}
		})
	}
	t.Run("an expired code stays used", func(t *testing.T) {
		code := env.AuthorizeCode(t, "/authenticate")
		env.Clock.Advance(11 * time.Minute)
		wantOAuthError(t, postToken(t, env, exchangeForm(env.Member, code, env.Callback.URL)), 400, "invalid_grant", codeExchangeFailed)
		env.Clock.Advance(-11 * time.Minute)
		wantOAuthError(t, postToken(t, env, exchangeForm(env.Member, code, env.Callback.URL)), 400, "invalid_grant", codeExchangeFailed)
	})
}
