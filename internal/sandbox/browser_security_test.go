package sandbox_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

// TestBrowserTwoFactorAndInterstitial: in a real browser a researcher
// switches two-factor sign-in on from the account page with a code of the
// secret the page shows, signs out, and within an authorize request signs in
// with password and code, authorizes, meets the backup-email interstitial,
// skips it, and the client receives a code that exchanges.
func TestBrowserTwoFactorAndInterstitial(t *testing.T) {
	env := sandboxtest.New(t)
	ctx := sandboxtest.Browser(t)
	if st := ctl(t, env, http.MethodPut, "/_sandbox/interstitials", map[string]bool{"backup_email": true}, nil); st != http.StatusOK {
		t.Fatalf("switch the interstitial on: %d", st)
	}
	code := func(secret string) string {
		c, err := sandbox.TOTPCode(secret, env.Clock.Now())
		must(t, err, "TOTP code")
		return c
	}

	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.BaseURL+"/signin?return_to=%2Faccount"),
		chromedp.WaitVisible(chromedp.CSS("#signin-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), env.Researcher.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), env.Researcher.Password),
		chromedp.Click(chromedp.CSS("#signin-button")),
		chromedp.WaitVisible(chromedp.CSS("#enable-2fa")),
		chromedp.Click(chromedp.CSS("#enable-2fa")),
		chromedp.WaitVisible(chromedp.CSS("#twofactor-secret")),
	), "open the 2FA setup")
	secret := text(t, ctx, "#twofactor-secret")
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#twofactor-code"), code(secret)),
		chromedp.Click(chromedp.CSS("#twofactor-enable-button")),
		chromedp.WaitVisible(chromedp.CSS("#backup-codes")),
		chromedp.Navigate(env.BaseURL+"/account"),
		chromedp.WaitVisible(chromedp.CSS(`#twofactor-status[data-enabled="true"]`)),
		chromedp.Click(chromedp.CSS("#signout")),
		chromedp.WaitVisible(chromedp.CSS("#signin-form")),
	), "enable 2FA and sign out")

	cfg := env.OAuth2Config(env.Member, "openid", "/read-limited")
	n := len(env.Callback.Requests())
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(cfg.AuthCodeURL("state-2fa")),
		chromedp.WaitVisible(chromedp.CSS("#signin-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), env.Researcher.Email),
		chromedp.SendKeys(chromedp.CSS("#password"), env.Researcher.Password),
		chromedp.Click(chromedp.CSS("#signin-button")),
		chromedp.WaitVisible(chromedp.CSS("#signin2fa-form")),
	), "sign in: password")
	if len(env.Callback.Requests()) != n {
		t.Fatal("the client was called before the second step")
	}
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#verification-code"), code(secret)),
		chromedp.Click(chromedp.CSS("#signin2fa-button")),
		chromedp.WaitVisible(chromedp.CSS("#authorize-button")),
		chromedp.Click(chromedp.CSS("#authorize-button")),
		chromedp.WaitVisible(chromedp.CSS(`#interstitial[data-interstitial="backup_email"]`)),
	), "sign in: code, then authorize")
	if len(env.Callback.Requests()) != n {
		t.Fatal("the client was called before the interstitial was left")
	}
	if got := text(t, ctx, "#interstitial-skip"); got != "Continue without adding a backup email address" {
		t.Errorf("skip button %q", got)
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#interstitial-skip")),
		chromedp.WaitVisible(chromedp.CSS("#callback-received")),
	), "skip the interstitial")
	q := env.Callback.Wait(t, n+1, 10*time.Second)
	if q.Get("state") != "state-2fa" || len(q.Get("code")) != 6 {
		t.Fatalf("callback query %v", q)
	}
	tok, err := cfg.Exchange(context.Background(), q.Get("code"))
	must(t, err, "exchange the code")
	if tok.Extra("orcid") != env.Researcher.ORCID {
		t.Errorf("token for %v", tok.Extra("orcid"))
	}
}
