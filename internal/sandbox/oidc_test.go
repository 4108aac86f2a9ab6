package sandbox_test

import (
	"context"
	"crypto"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

// userinfo calls GET /oauth/userinfo with a bearer token.
func userinfo(t *testing.T, env *sandboxtest.Env, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.BaseURL+"/oauth/userinfo", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, body := do(t, http.DefaultClient, req)
	return resp.StatusCode, body
}

// openIDToken runs the code flow with a nonce and returns the token.
func openIDToken(t *testing.T, env *sandboxtest.Env, c sandbox.Client, nonce string, scopes ...string) *oauth2.Token {
	t.Helper()
	cfg := env.OAuth2Config(c, scopes...)
	q := env.Authorize(t, cfg.AuthCodeURL("state-1", oidc.Nonce(nonce)))
	tok, err := cfg.Exchange(context.Background(), q.Get("code"))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok
}

func TestDiscoveryDocument(t *testing.T) {
	env := sandboxtest.New(t)
	resp, body := get(t, http.DefaultClient, env.BaseURL+"/.well-known/openid-configuration")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(body, "\n  \"issuer\"") {
		t.Errorf("not pretty-printed: %s", body)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	b := env.BaseURL
	list := func(s ...any) []any { return s }
	want := map[string]any{
		"issuer": b, "authorization_endpoint": b + "/oauth/authorize", "token_endpoint": b + "/oauth/token",
		"userinfo_endpoint": b + "/oauth/userinfo", "jwks_uri": b + "/oauth/jwks",
		"scopes_supported":                                 list("openid"),
		"response_types_supported":                         list("code", "id_token", "id_token token"),
		"grant_types_supported":                            list("authorization_code", "implicit", "refresh_token"),
		"subject_types_supported":                          list("public"),
		"id_token_signing_alg_values_supported":            list("RS256"),
		"token_endpoint_auth_signing_alg_values_supported": list("RS256"),
		"token_endpoint_auth_methods_supported":            list("client_secret_post"),
		"claims_supported":                                 list("family_name", "given_name", "name", "auth_time", "iss", "sub"),
		"claims_parameter_supported":                       false,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("discovery\n got %v\nwant %v", got, want)
	}
}

func TestIDTokenVerifiesWithGoOIDC(t *testing.T) {
	env := sandboxtest.New(t)
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, env.BaseURL)
	if err != nil {
		t.Fatalf("discovery through go-oidc: %v", err)
	}
	type extra struct {
		AMR        *string `json:"amr"`
		GivenName  string  `json:"given_name"`
		FamilyName string  `json:"family_name"`
		AuthTime   int64   `json:"auth_time"`
		JTI        string  `json:"jti"`
	}
	tests := []struct {
		name    string
		client  sandbox.Client
		scopes  []string
		wantAMR bool
	}{
		{"member", env.Member, []string{"openid", "/read-limited"}, true},
		{"public", env.Public, []string{"openid"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now().Add(-time.Second)
			tok := openIDToken(t, env, tc.client, "n-0S6_WzA2Mj", tc.scopes...)
			raw, _ := tok.Extra("id_token").(string)
			if raw == "" {
				t.Fatalf("no id_token with openid: %+v", tok)
			}
			idt, err := provider.Verifier(&oidc.Config{ClientID: tc.client.ID}).Verify(ctx, raw)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if idt.Nonce != "n-0S6_WzA2Mj" || idt.Subject != env.Researcher.ORCID || idt.Issuer != env.BaseURL {
				t.Errorf("nonce %q sub %q iss %q", idt.Nonce, idt.Subject, idt.Issuer)
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("at_hash: %v", err)
			}
			if d := idt.Expiry.Sub(idt.IssuedAt); d != 24*time.Hour {
				t.Errorf("lifetime %v, want 24h", d)
			}
			var c extra
			if err := idt.Claims(&c); err != nil {
				t.Fatal(err)
			}
			if (c.AMR != nil) != tc.wantAMR || (c.AMR != nil && *c.AMR != "pwd") {
				t.Errorf("amr %v, want present=%v", c.AMR, tc.wantAMR)
			}
			if c.GivenName != env.Researcher.GivenNames || c.FamilyName != env.Researcher.FamilyNames || c.JTI == "" {
				t.Errorf("claims %+v", c)
			}
			if c.AuthTime < start.Unix() || c.AuthTime > time.Now().Unix() {
				t.Errorf("auth_time %d outside the flow", c.AuthTime)
			}
			if _, err := provider.Verifier(&oidc.Config{ClientID: "APP-SOMEONEELSE00000"}).Verify(ctx, raw); err == nil {
				t.Error("id_token accepted for another audience")
			}
		})
	}
	t.Run("no nonce, no nonce claim", func(t *testing.T) {
		cfg := env.OAuth2Config(env.Member, "openid")
		q := env.Authorize(t, cfg.AuthCodeURL("s"))
		tok, err := cfg.Exchange(ctx, q.Get("code"))
		if err != nil {
			t.Fatal(err)
		}
		idt, err := provider.Verifier(&oidc.Config{ClientID: env.Member.ID}).Verify(ctx, tok.Extra("id_token").(string))
		if err != nil || idt.Nonce != "" {
			t.Fatalf("err %v nonce %q", err, idt.Nonce)
		}
	})
}

func TestUserInfo(t *testing.T) {
	env := sandboxtest.New(t)
	tok := env.Token(t, "openid")
	limited := env.Token(t, "/read-limited")
	twoLegged := env.ReadPublicToken(t, env.Member)
	const denied = `{"error":"access_denied","error-description":"access_token is invalid"}`
	t.Run("bearer", func(t *testing.T) {
		status, body := userinfo(t, env, tok.AccessToken)
		var got map[string]string
		if err := json.Unmarshal([]byte(body), &got); status != 200 || err != nil {
			t.Fatalf("%d %s", status, body)
		}
		want := map[string]string{"id": env.BaseURL + "/" + env.Researcher.ORCID, "sub": env.Researcher.ORCID,
			"given_name": env.Researcher.GivenNames, "family_name": env.Researcher.FamilyNames}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("form post", func(t *testing.T) {
		resp, body := postForm(t, http.DefaultClient, env.BaseURL+"/oauth/userinfo", url.Values{"access_token": {tok.AccessToken}})
		if resp.StatusCode != 200 || !strings.Contains(body, env.Researcher.ORCID) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
	for _, tc := range []struct{ name, token string }{
		{"no token", ""}, {"unknown token", "00000000-0000-4000-8000-000000000000"},
		{"no /authenticate scope", limited.AccessToken}, {"client credentials", twoLegged.AccessToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if status, body := userinfo(t, env, tc.token); status != http.StatusForbidden || body != denied {
				t.Fatalf("%d %s", status, body)
			}
		})
	}
	t.Run("expired", func(t *testing.T) {
		env.Clock.Advance(21 * 365 * 24 * time.Hour)
		if status, _ := userinfo(t, env, tok.AccessToken); status != http.StatusForbidden {
			t.Fatalf("expired token accepted: %d", status)
		}
	})
}

// TestSigningKeySurvivesRestart opens the registry's database a second time
// and verifies an id_token of the first with the second's key set.
func TestSigningKeySurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "registry.db")
	env := sandboxtest.New(t, sandboxtest.WithDB(path))
	tok := openIDToken(t, env, env.Member, "restart", "openid")
	_, firstJWKS := get(t, http.DefaultClient, env.BaseURL+"/oauth/jwks")

	reg, err := sandbox.Open(context.Background(), sandbox.Config{BaseURL: env.BaseURL, DB: path})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/oauth/jwks", nil))
	if rec.Code != 200 || rec.Body.String() != firstJWKS {
		t.Fatalf("key set changed across a restart:\n%s\n%s", firstJWKS, rec.Body.String())
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("jwks %v: %s", err, rec.Body.String())
	}
	k := set.Keys[0]
	if k.Algorithm != "RS256" || k.Use != "sig" || k.KeyID == "" || !k.IsPublic() {
		t.Errorf("key %+v", k)
	}
	v := oidc.NewVerifier(env.BaseURL, &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{k.Key}}, &oidc.Config{ClientID: env.Member.ID})
	if _, err := v.Verify(context.Background(), tok.Extra("id_token").(string)); err != nil {
		t.Fatalf("id_token from before the restart: %v", err)
	}
}
