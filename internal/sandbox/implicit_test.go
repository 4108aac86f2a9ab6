package sandbox_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

// implicitURL is an authorize URL for the implicit flow; extra holds
// name/value pairs.
func implicitURL(env *sandboxtest.Env, c sandbox.Client, responseType, scope string, extra ...string) string {
	return authorizeURL(env, c.ID, env.Callback.URL, scope, append([]string{"response_type", responseType}, extra...)...)
}

// implicitGrant signs in, consents and returns where the registry sent the
// browser.
func implicitGrant(t *testing.T, env *sandboxtest.Env, authURL string) *url.URL {
	t.Helper()
	c := signedIn(t, env)
	resp, body := get(t, c, authURL)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("authorize: %d %s\n%s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	oauth, token := consentForm(t, body)
	resp, _ = postForm(t, c, env.BaseURL+"/oauth/authorize", url.Values{"oauth": {oauth}, "form_token": {token}, "user_oauth_approval": {"true"}})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("approve: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc
}

// fragmentKeys lists the names of a fragment's parameters in order.
func fragmentKeys(fragment string) []string {
	var keys []string
	for _, kv := range strings.Split(fragment, "&") {
		k, _, _ := strings.Cut(kv, "=")
		keys = append(keys, k)
	}
	return keys
}

// TestImplicitFlow: response_type token and id_token token answer in the
// redirect URI's fragment with ORCID's parameters, a ten-minute token
// narrowed to /authenticate and openid, and an id_token go-oidc accepts.
func TestImplicitFlow(t *testing.T) {
	env := sandboxtest.New(t)
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, env.BaseURL)
	if err != nil {
		t.Fatalf("discovery through go-oidc: %v", err)
	}
	tests := []struct {
		name         string
		client       sandbox.Client
		responseType string
		scope        string
		nonce        []string // name/value, or nothing for no nonce
		wantScope    string   // the scope the token carries
		wantKeys     string   // the fragment's parameters, in order
	}{
		{"id_token token", env.Public, "id_token token", "openid", []string{"nonce", "n-1"}, "openid",
			"access_token token_type state expires_in tokenVersion persistent id_token"},
		{"token with openid also gives an id_token", env.Member, "token", "openid", []string{"nonce", "n-2"}, "openid",
			"access_token token_type state expires_in tokenVersion persistent id_token"},
		{"token with openid needs no nonce", env.Member, "token", "openid", nil, "openid",
			"access_token token_type state expires_in tokenVersion persistent id_token"},
		{"id_token alone with openid", env.Member, "id_token", "openid", []string{"nonce", "n-3"}, "openid",
			"access_token token_type state expires_in tokenVersion persistent id_token"},
		{"token with /authenticate: no id_token", env.Member, "token", "/authenticate", nil, "/authenticate",
			"access_token token_type state expires_in tokenVersion persistent"},
		{"update scopes are narrowed away", env.Member, "token", "/authenticate /activities/update /read-limited", nil, "/authenticate",
			"access_token token_type state expires_in scope tokenVersion persistent"},
		{"narrowed with openid", env.Member, "id_token token", "openid /read-limited", []string{"nonce", "n-4"}, "openid",
			"access_token token_type state expires_in scope tokenVersion persistent id_token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc := implicitGrant(t, env, implicitURL(env, tc.client, tc.responseType, tc.scope, append([]string{"state", "s 1"}, tc.nonce...)...))
			if got := loc.Scheme + "://" + loc.Host + loc.Path; got != env.Callback.URL || loc.RawQuery != "" {
				t.Fatalf("redirected to %s, want the callback with nothing in the query", loc)
			}
			if got := strings.Join(fragmentKeys(loc.Fragment), " "); got != tc.wantKeys {
				t.Errorf("fragment parameters %q, want %q", got, tc.wantKeys)
			}
			f, err := url.ParseQuery(loc.Fragment)
			if err != nil {
				t.Fatal(err)
			}
			if f.Get("token_type") != "bearer" || f.Get("state") != "s 1" || f.Get("expires_in") != "599" ||
				f.Get("tokenVersion") != "1" || f.Get("persistent") != "false" {
				t.Errorf("fragment %v", f)
			}
			if f.Has("scope") && f.Get("scope") != tc.wantScope {
				t.Errorf("fragment scope %q, want %q", f.Get("scope"), tc.wantScope)
			}
			tok := storedToken(t, env, f.Get("access_token"))
			if tok.Scopes.String() != tc.wantScope || tok.ORCID != env.Researcher.ORCID || tok.ClientID != tc.client.ID {
				t.Errorf("stored token %+v", tok)
			}
			if d := tok.ExpiresAt.Sub(tok.CreatedAt); d != 10*time.Minute {
				t.Errorf("lifetime %v, want 10m", d)
			}
			if raw := f.Get("id_token"); raw != "" {
				idt, err := provider.Verifier(&oidc.Config{ClientID: tc.client.ID}).Verify(ctx, raw)
				if err != nil {
					t.Fatalf("go-oidc refused the id_token: %v", err)
				}
				if idt.Subject != env.Researcher.ORCID {
					t.Errorf("sub %q", idt.Subject)
				}
				if want := ""; len(tc.nonce) == 2 {
					if want = tc.nonce[1]; idt.Nonce != want {
						t.Errorf("nonce %q, want %q", idt.Nonce, want)
					}
				} else if idt.Nonce != want {
					t.Errorf("nonce %q, want none", idt.Nonce)
				}
				if err := idt.VerifyAccessToken(f.Get("access_token")); err != nil {
					t.Errorf("at_hash: %v", err)
				}
			}
			if status, body := userinfo(t, env, f.Get("access_token")); status != 200 || !strings.Contains(body, env.Researcher.ORCID) {
				t.Errorf("userinfo with the implicit token: %d %s", status, body)
			}
		})
	}
	t.Run("the token lasts ten minutes", func(t *testing.T) {
		loc := implicitGrant(t, env, implicitURL(env, env.Member, "token", "/authenticate"))
		f, _ := url.ParseQuery(loc.Fragment)
		env.Clock.Advance(9 * time.Minute)
		if status, _ := userinfo(t, env, f.Get("access_token")); status != 200 {
			t.Fatalf("userinfo after 9 minutes: %d", status)
		}
		env.Clock.Advance(time.Minute)
		if status, _ := userinfo(t, env, f.Get("access_token")); status != http.StatusForbidden {
			t.Errorf("userinfo after 10 minutes: %d, want 403", status)
		}
	})
}

// TestImplicitFlowRefusals: what ORCID refuses or treats differently in
// the implicit flow.
func TestImplicitFlowRefusals(t *testing.T) {
	env := sandboxtest.New(t)
	tests := []struct {
		name          string
		url           string
		wantCode, msg string
	}{
		{"id_token without nonce", implicitURL(env, env.Member, "id_token token", "openid"), "invalid_request", "Implicit id_token requests must have nonce"},
		{"id_token alone without nonce", implicitURL(env, env.Member, "id_token", "openid"), "invalid_request", "Implicit id_token requests must have nonce"},
		{"no scope the implicit flow grants", implicitURL(env, env.Member, "token", "/read-limited /activities/update"), "invalid_scope", "The implicit flow grants only /authenticate and openid"},
		{"two-legged scope", implicitURL(env, env.Member, "token", "/read-public"), "invalid_scope", "Invalid scope: /read-public"},
		{"member scope for a public client", implicitURL(env, env.Public, "token", "/authenticate /read-limited"), "invalid_scope", "Invalid scope: /read-limited"},
		{"id_token without openid", implicitURL(env, env.Member, "id_token", "/authenticate"), "unsupported_response_type", "Unsupported response type."},
	}
	c := signedIn(t, env)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, c, tc.url)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("want ORCID's error page, got %d %q", resp.StatusCode, resp.Header.Get("Location"))
			}
			if text := html.UnescapeString(body); !strings.Contains(text, tc.wantCode) || !strings.Contains(text, tc.msg) {
				t.Errorf("page lacks %q / %q:\n%s", tc.wantCode, tc.msg, text)
			}
		})
	}
	t.Run("deny answers in the query, as for codes", func(t *testing.T) {
		_, body := get(t, c, implicitURL(env, env.Member, "token", "/authenticate", "state", "st"))
		oauth, token := consentForm(t, body)
		resp, _ := postForm(t, c, env.BaseURL+"/oauth/authorize", url.Values{"oauth": {oauth}, "form_token": {token}, "user_oauth_approval": {"false"}})
		want := env.Callback.URL + "?error=access_denied&error_description=User%20denied%20access&state=st"
		if resp.Header.Get("Location") != want {
			t.Errorf("deny: %q, want %q", resp.Header.Get("Location"), want)
		}
	})
	t.Run("an implicit token does not skip consent", func(t *testing.T) {
		// ORCID skips the consent screen only for a persistent token with
		// the same scopes (longLifeTokenExist); implicit tokens are not.
		implicitGrant(t, env, implicitURL(env, env.Member, "token", "/authenticate"))
		resp, body := get(t, c, authorizeURL(env, env.Member.ID, env.Callback.URL, "/authenticate"))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("consent skipped after an implicit grant: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		consentForm(t, body)
	})
	t.Run("a persistent token skips consent for the implicit flow too", func(t *testing.T) {
		env.Token(t, "openid")
		resp, _ := get(t, c, implicitURL(env, env.Member, "id_token token", "openid", "nonce", "n"))
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || err != nil || !strings.Contains(loc.Fragment, "id_token=") {
			t.Fatalf("want the token at once, got %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}
