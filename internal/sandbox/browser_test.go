package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/orcid/orcidtest"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	must(t, err, "text of "+sel)
	return s
}

func value(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	must(t, err, "value of "+sel)
	return s
}

// TestBrowserJourneys drives a real browser through the registry's pages:
// register within an authorize request and authorize, deny, and remove a
// trusted organization from the account page.
func TestBrowserJourneys(t *testing.T) {
	env := sandboxtest.New(t)
	ctx := sandboxtest.Browser(t)
	cfg := env.OAuth2Config(env.Member, "openid", "/read-limited", "/activities/update")
	var granted *oauth2.Token

	t.Run("register and authorize", func(t *testing.T) {
		authURL := cfg.AuthCodeURL("state-browser-1", oidc.Nonce("nonce-browser-1"),
			oauth2.SetAuthURLParam("show_login", "false"),
			oauth2.SetAuthURLParam("given_names", "Marie"), oauth2.SetAuthURLParam("family_names", "Curie"),
			oauth2.SetAuthURLParam("email", "marie.curie@mailinator.com"))
		must(t, chromedp.Do(ctx, chromedp.Navigate(authURL), chromedp.WaitVisible(chromedp.CSS("#register-form"))), "open authorize URL")
		for sel, want := range map[string]string{"#given_names": "Marie", "#family_names": "Curie", "#email": "marie.curie@mailinator.com"} {
			if got := value(t, ctx, sel); got != want {
				t.Errorf("%s pre-filled with %q, want %q", sel, got, want)
			}
		}
		must(t, chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS("#password"), "radium-1898"),
			chromedp.Click(chromedp.CSS("#register-button")),
			chromedp.WaitVisible(chromedp.CSS("#authorize-button")),
		), "register")
		if got := text(t, ctx, "#client-name"); got != env.Member.Name {
			t.Errorf("consent names %q, want %q", got, env.Member.Name)
		}
		perms := text(t, ctx, "#permissions")
		for _, want := range []string{sandbox.Describe("openid"), sandbox.Describe("/activities/update"), sandbox.Describe("/read-limited")} {
			if !strings.Contains(perms, want) {
				t.Errorf("consent lacks %q:\n%s", want, perms)
			}
		}
		if got := text(t, ctx, "#deny-button"); got != "Deny access" {
			t.Errorf("deny button %q", got)
		}
		n := len(env.Callback.Requests())
		must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#authorize-button")), chromedp.WaitVisible(chromedp.CSS("#callback-received"))), "authorize")
		q := env.Callback.Wait(t, n+1, 10*time.Second)
		if q.Get("state") != "state-browser-1" || len(q.Get("code")) != 6 {
			t.Fatalf("callback query %v", q)
		}
		tok, err := cfg.Exchange(context.Background(), q.Get("code"))
		must(t, err, "exchange")
		id, _ := tok.Extra("orcid").(string)
		if _, err := orcid.ParseID(id); err != nil || tok.Extra("name") != "Marie Curie" {
			t.Fatalf("token orcid %q name %v", id, tok.Extra("name"))
		}
		provider, err := oidc.NewProvider(context.Background(), env.BaseURL)
		must(t, err, "discovery")
		raw, _ := tok.Extra("id_token").(string)
		idt, err := provider.Verifier(&oidc.Config{ClientID: env.Member.ID}).Verify(context.Background(), raw)
		must(t, err, "verify id_token")
		if idt.Subject != id || idt.Nonce != "nonce-browser-1" {
			t.Errorf("id_token sub %q nonce %q", idt.Subject, idt.Nonce)
		}
		granted = tok
	})

	t.Run("write, read, correct and retract a work", func(t *testing.T) {
		if granted == nil {
			t.Skip("no token from the first journey")
		}
		workAPI(t, env, granted)
	})

	t.Run("deny access", func(t *testing.T) {
		// Still signed in; a different scope set is asked for, so the
		// consent screen is shown again.
		deny := env.OAuth2Config(env.Member, "/person/update").AuthCodeURL("state-browser-2")
		n := len(env.Callback.Requests())
		must(t, chromedp.Do(ctx,
			chromedp.Navigate(deny),
			chromedp.WaitVisible(chromedp.CSS("#deny-button")),
			chromedp.Click(chromedp.CSS("#deny-button")),
			chromedp.WaitVisible(chromedp.CSS("#callback-received")),
		), "deny")
		q := env.Callback.Wait(t, n+1, 10*time.Second)
		if q.Get("error") != "access_denied" || q.Get("error_description") != "User denied access" || q.Get("state") != "state-browser-2" || q.Get("code") != "" {
			t.Fatalf("callback query %v", q)
		}
	})

	t.Run("revoke from the account page", func(t *testing.T) {
		if granted == nil {
			t.Skip("no token from the first journey")
		}
		must(t, chromedp.Do(ctx,
			chromedp.Navigate(env.BaseURL+"/account"),
			chromedp.WaitVisible(chromedp.CSS("#signout")),
			chromedp.Click(chromedp.CSS("#signout")),
			chromedp.WaitVisible(chromedp.CSS("#signin-form")),
			chromedp.Navigate(env.BaseURL+"/account"),
			chromedp.WaitVisible(chromedp.CSS("#signin-form")),
			chromedp.SendKeys(chromedp.CSS("#username"), "marie.curie@mailinator.com"),
			chromedp.SendKeys(chromedp.CSS("#password"), "radium-1898"),
			chromedp.Click(chromedp.CSS("#signin-button")),
			chromedp.WaitVisible(chromedp.CSS("table.orgs")),
		), "sign in to the account page")
		if orgs := text(t, ctx, "table.orgs"); !strings.Contains(orgs, env.Member.Name) {
			t.Fatalf("trusted organizations: %q", orgs)
		}
		must(t, chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS("button.revoke")),
			chromedp.WaitVisible(chromedp.CSS("#revoked-notice")),
			chromedp.WaitVisible(chromedp.CSS("#no-orgs")),
		), "revoke access")
		if tok := storedToken(t, env, granted.AccessToken); tok.RevokedAt == nil || tok.RevokeReason != sandbox.RevokedByUser {
			t.Errorf("token after revocation: %+v", tok)
		}
		if status, _ := userinfo(t, env, granted.AccessToken); status != http.StatusForbidden {
			t.Errorf("userinfo with the revoked token: %d", status)
		}
		id, _ := granted.Extra("orcid").(string)
		res := apiCall(t, http.MethodGet, env.MemberAPI+"/"+id+"/works", granted.AccessToken, "application/json", "", "")
		if res.status != http.StatusUnauthorized || !strings.Contains(res.body, "invalid_token") {
			t.Errorf("Member API with the revoked token: %d %s", res.status, res.body)
		}
	})
}

type apiResult struct {
	status int
	header http.Header
	body   string
}

func apiCall(t *testing.T, method, url, token, accept, contentType, body string) apiResult {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	must(t, err, "request")
	req.Header.Set("Authorization", "Bearer "+token)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	must(t, err, method+" "+url)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(t, err, "read body")
	return apiResult{res.StatusCode, res.Header, string(b)}
}

// workAPI is the Member API part of the journey, with the token the browser
// obtained: POST a work, read it as XML (schema-valid) and JSON, PUT a
// change, DELETE it.
func workAPI(t *testing.T, env *sandboxtest.Env, tok *oauth2.Token) {
	t.Helper()
	id, _ := tok.Extra("orcid").(string)
	const work = `{"title": {"title": {"value": "Radioactive substances"}}, "type": "dissertation-thesis",
	  "external-ids": {"external-id": [{"external-id-type": "doi", "external-id-value": "10.5555/curie.1903",
	  "external-id-relationship": "self"}]}}`
	res := apiCall(t, http.MethodPost, env.MemberAPI+"/"+id+"/work", tok.AccessToken, "application/vnd.orcid+json", "application/vnd.orcid+json", work)
	if res.status != http.StatusCreated {
		t.Fatalf("POST work: %d %s", res.status, res.body)
	}
	loc := res.header.Get("Location")
	putCode := loc[strings.LastIndex(loc, "/")+1:]
	if !strings.HasPrefix(loc, env.MemberAPI+"/"+id+"/work/") || putCode == "" {
		t.Fatalf("Location %q", loc)
	}

	xmlRes := apiCall(t, http.MethodGet, loc, tok.AccessToken, "", "", "")
	if xmlRes.status != http.StatusOK || !strings.HasPrefix(xmlRes.header.Get("Content-Type"), "application/vnd.orcid+xml") ||
		!strings.Contains(xmlRes.body, "Radioactive substances") {
		t.Fatalf("GET work as XML (the default): %d %s %s", xmlRes.status, xmlRes.header.Get("Content-Type"), xmlRes.body)
	}
	orcidtest.ValidateXML(t, orcid.NSWork, []byte(xmlRes.body))

	jsonRes := apiCall(t, http.MethodGet, loc, tok.AccessToken, "application/vnd.orcid+json", "", "")
	var got orcid.Work
	must(t, json.Unmarshal([]byte(jsonRes.body), &got), "decode JSON work")
	if jsonRes.status != http.StatusOK || got.GetPutCode() == 0 || got.DisplayTitle() != "Radioactive substances" {
		t.Fatalf("GET work as JSON: %d %s", jsonRes.status, jsonRes.body)
	}

	got.Title.Title = orcid.NewText("Recherches sur les substances radioactives")
	b, _ := json.Marshal(&got)
	put := apiCall(t, http.MethodPut, loc, tok.AccessToken, "application/vnd.orcid+json", "application/vnd.orcid+json", string(b))
	if put.status != http.StatusOK || !strings.Contains(put.body, "Recherches sur les substances radioactives") {
		t.Fatalf("PUT work: %d %s", put.status, put.body)
	}
	if del := apiCall(t, http.MethodDelete, loc, tok.AccessToken, "", "", ""); del.status != http.StatusNoContent {
		t.Fatalf("DELETE work: %d %s", del.status, del.body)
	}
	if gone := apiCall(t, http.MethodGet, loc, tok.AccessToken, "application/json", "", ""); gone.status != http.StatusNotFound {
		t.Fatalf("GET deleted work: %d %s", gone.status, gone.body)
	}
}
