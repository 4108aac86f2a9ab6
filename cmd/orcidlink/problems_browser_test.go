package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

// TestBrowserProblemsFirst is issue 14's "done when" in a real browser
// against the real program and its built-in ORCID registry:
//   - a credential with a wrong secret is refused at save, and saved once the
//     secret is right;
//   - an item ORCID refuses appears on the dashboard and in the failed list,
//     and "retry all" sends it again (it is then on the record);
//   - when ORCID resets the client's secret, the researcher who connects
//     next sees the honest "being repaired" page, the credential is flagged
//     on the dashboard and its page, the administrators are emailed, and
//     once the secret is corrected the researcher is invited again.
func TestBrowserProblemsFirst(t *testing.T) {
	ctx := sandboxtest.Browser(t)
	banner, stop := startServe(t, nil, "--data", t.TempDir())
	defer stop()
	base := baseOf(t, banner)
	m := regexp.MustCompile(`administrator\s+(\S+) / (\S+)`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("no administrator in the banner:\n%s", banner)
	}
	adminEmail := m[1]
	do(t, ctx, "admin sign-in",
		chromedp.Navigate(base+"/admin/signin"),
		chromedp.SendKeys(chromedp.CSS("#signin-email"), m[1]),
		chromedp.SendKeys(chromedp.CSS("#signin-password"), m[2]),
		chromedp.Click(chromedp.CSS("#signin-submit")),
		chromedp.WaitNotPresent(chromedp.CSS("#signin-submit")),
		chromedp.WaitReady(chromedp.CSS("body")),
	)
	// A password printed at the first start is replaced before anything
	// else, when the server asks for that.
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#must-change").length`)); err == nil && n > 0 {
		do(t, ctx, "choose a password",
			chromedp.SendKeys(chromedp.CSS("#current-password"), m[2]),
			chromedp.SendKeys(chromedp.CSS("#new-password"), "lighthouse keepers mend sails"),
			chromedp.SendKeys(chromedp.CSS("#again-password"), "lighthouse keepers mend sails"),
			chromedp.Click(chromedp.CSS("#change-password")),
			chromedp.WaitNotPresent(chromedp.CSS("#must-change")),
		)
	}

	// The journal registers its client at ORCID (the built-in registry).
	client := controlJSON(t, http.MethodPost, base+"/sandbox/_sandbox/clients", map[string]any{
		"name": "Journal of Repairs", "redirect_uris": []string{base + "/orcid/callback"}, "type": "member"})
	clientID, secret := client["client_id"].(string), client["client_secret"].(string)

	// 1. A mistyped secret is refused, with a plain message; the right one is saved.
	fill := func(secret string) {
		t.Helper()
		do(t, ctx, "credential form",
			chromedp.Navigate(base+"/admin/credentials/new"),
			chromedp.WaitVisible(chromedp.CSS("#credential-form")),
			chromedp.SendKeys(chromedp.CSS("#credential-name"), "Journal of Repairs"),
			chromedp.Click(chromedp.CSS("#credential-env-custom")),
			chromedp.SendKeys(chromedp.CSS("#credential-site-url"), base+"/sandbox"),
			chromedp.Click(chromedp.CSS("#credential-api-member")),
			chromedp.SendKeys(chromedp.CSS("#credential-client-id"), clientID),
			chromedp.SendKeys(chromedp.CSS("#credential-client-secret"), secret),
			chromedp.SendKeys(chromedp.CSS("#credential-client-name"), "Journal of Repairs"),
			chromedp.Click(chromedp.CSS("#save-credential")),
		)
	}
	fill(secret + "-typo")
	do(t, ctx, "refused at save", chromedp.WaitVisible(chromedp.CSS("#credential-client-secret-error")))
	if msg := textOf(t, ctx, "#credential-client-secret-error"); !strings.Contains(msg, "ORCID refused this client id and secret") {
		t.Fatalf("a wrong secret is refused with %q", msg)
	}
	fill(secret)
	do(t, ctx, "saved", chromedp.WaitVisible(chromedp.CSS("#credential-health")))
	if h := textOf(t, ctx, "#credential-health"); !strings.Contains(h, "ORCID accepted this credential") {
		t.Fatalf("a saved credential's health: %q", h)
	}
	credPage := location(t, ctx)
	credID := credPage[strings.LastIndex(credPage, "/")+1:]

	// A tenant on it, with an API key for the journal's system.
	do(t, ctx, "new tenant",
		chromedp.Navigate(base+"/admin/tenants/new"),
		chromedp.WaitVisible(chromedp.CSS("#tenant-form")),
		chromedp.SendKeys(chromedp.CSS("#tenant-name"), "Journal of Repairs"),
		chromedp.SendKeys(chromedp.CSS("#tenant-slug"), "jor"),
		chromedp.SendKeys(chromedp.CSS("#tenant-support-email"), "help@jor.example.org"),
		chromedp.SetValue(chromedp.CSS("#tenant-credential"), credID),
		chromedp.Click(chromedp.CSS("#save-tenant")),
		chromedp.WaitVisible(chromedp.CSS("#api-keys")),
	)
	tenantPage := location(t, ctx)
	tenantID := tenantPage[strings.LastIndex(tenantPage, "/")+1:]
	do(t, ctx, "API key",
		chromedp.Click(chromedp.CSS("#api-keys")),
		chromedp.WaitVisible(chromedp.CSS("#api-key-form")),
		chromedp.SendKeys(chromedp.CSS("#api-key-name"), "Journal platform"),
		chromedp.Click(chromedp.CSS("#create-api-key")),
		chromedp.WaitVisible(chromedp.CSS("#api-key")),
	)
	api := &apiClient{t: t, base: base + "/api/v1", key: valueOf(t, ctx, "#api-key")}
	invite := func(given, email string) (personID, link string) {
		t.Helper()
		p := api.want(http.StatusCreated, "POST", "/people", map[string]any{"given_names": given, "family_names": "Tester",
			"email": email})
		personID = strconv.FormatInt(int64(p["id"].(float64)), 10)
		inv := api.want(http.StatusCreated, "POST", "/people/"+personID+"/invitations", map[string]any{"send_email": false})
		link, _ = inv["url"].(string)
		return personID, link
	}
	connect := func(who context.Context, link, password string) {
		t.Helper()
		do(t, who, "connect at ORCID",
			chromedp.Navigate(link),
			chromedp.WaitVisible(chromedp.CSS("#connect-orcid")),
			chromedp.Click(chromedp.CSS("#connect-orcid")),
			chromedp.WaitVisible(chromedp.CSS("#register-form")),
			chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.Click(chromedp.CSS("#register-button")),
			chromedp.WaitVisible(chromedp.CSS("#authorize-button")),
			chromedp.Click(chromedp.CSS("#authorize-button")),
			chromedp.WaitNotPresent(chromedp.CSS("#authorize-button")),
			chromedp.WaitVisible(chromedp.CSS("h1")),
		)
	}

	// 2. Ada connects; ORCID refuses her work (an injected 400).
	adaID, adaLink := invite("Ada", "ada@example.org")
	ada := sandboxtest.Incognito(t, ctx)
	connect(ada, adaLink, "analytical-engine")
	do(t, ada, "connected", chromedp.WaitVisible(chromedp.CSS("#authenticated-id")))
	controlJSON(t, http.MethodPut, base+"/sandbox/_sandbox/faults", map[string]any{"next": []int{400, 400, 400, 400}})
	api.want(http.StatusCreated, "POST", "/people/"+adaID+"/works", map[string]any{"key": "article-1",
		"item": map[string]any{"title": map[string]any{"title": map[string]any{"value": "Notes on the Analytical Engine"}},
			"type": "journal-article", "external-ids": map[string]any{"external-id": []any{map[string]any{
				"external-id-type": "doi", "external-id-value": "10.5555/ada.1843", "external-id-relationship": "self"}}}}})
	waitAfterReload(t, ctx, base+"/admin/", "the failed item on the dashboard", `document.querySelector("#failed-all-`+tenantID+`")`)
	if text := textOf(t, ctx, "#problem-tenant-"+tenantID); !strings.Contains(text, "ORCID found something in the item it does not accept") {
		t.Fatalf("the dashboard's failed items say:\n%s", text)
	}
	do(t, ctx, "the failed list", chromedp.Click(chromedp.CSS("#failed-all-"+tenantID)), chromedp.WaitVisible(chromedp.CSS("#failed-items")))
	rows := tableRows(t, ctx, "#failed-items tbody tr")
	if len(rows) != 1 || !strings.Contains(rows[0][0], "Ada") || !strings.Contains(rows[0][1], "Notes on the Analytical Engine") ||
		!strings.Contains(rows[0][2], "does not accept") || !strings.Contains(rows[0][3], "400") {
		t.Fatalf("the failed list: %q", rows)
	}
	controlJSON(t, http.MethodDelete, base+"/sandbox/_sandbox/faults", nil)
	do(t, ctx, "retry all", chromedp.Click(chromedp.CSS("#retry-all")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	if flash := textOf(t, ctx, ".flash"); !strings.Contains(flash, "1 item will be sent to ORCID again") {
		t.Fatalf("retry all says %q", flash)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		work := api.want(http.StatusOK, "GET", "/people/"+adaID+"/works/article-1", nil)
		if work["state"] == "synced" {
			if pc, _ := work["put_code"].(float64); pc == 0 {
				t.Fatalf("synced without a put-code: %v", work)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the item sent again did not reach ORCID: %v", work)
		}
		time.Sleep(200 * time.Millisecond)
	}
	waitAfterReload(t, ctx, base+"/admin/", "a dashboard with nothing to do", `document.querySelector("#all-clear")`)

	// 3. ORCID resets the client's secret; Bob meets the honest page.
	controlJSON(t, http.MethodPut, base+"/sandbox/_sandbox/clients/"+clientID, map[string]any{
		"name": "Journal of Repairs", "redirect_uris": []string{base + "/orcid/callback"}, "type": "member", "client_secret": secret + "-reset"})
	_, bobLink := invite("Bob", "bob@example.org")
	bob := sandboxtest.Incognito(t, ctx)
	connect(bob, bobLink, "difference-engine")
	if title := textOf(t, bob, "h1"); title != "The connection to ORCID is being repaired" {
		t.Fatalf("Bob, after authorizing with a broken credential, sees %q:\n%s", title, textOf(t, bob, "main"))
	}
	if next := textOf(t, bob, "#problem-next"); !strings.Contains(next, "we will email you") {
		t.Fatalf("the honest page says %q", next)
	}
	waitAfterReload(t, ctx, base+"/admin/", "the broken credential on the dashboard", `document.querySelector("#problem-credential-`+credID+`")`)
	do(t, ctx, "the credential page", chromedp.Navigate(credPage), chromedp.WaitVisible(chromedp.CSS("#credential-broken")))
	if text := textOf(t, ctx, "#credential-broken"); !strings.Contains(text, "Bad client credentials") || !strings.Contains(text, "to be invited again once it works: 1") {
		t.Fatalf("the credential page says:\n%s", text)
	}
	do(t, ctx, "outbox", chromedp.Navigate(base+"/admin/outbox"), chromedp.WaitVisible(chromedp.CSS("#outbox")))
	if out := textOf(t, ctx, "#outbox"); !strings.Contains(out, "cannot reach ORCID") || !strings.Contains(out, adminEmail) {
		t.Fatalf("no email to the administrators in the outbox:\n%s", out)
	}
	// The next one who tries is told before going to ORCID.
	do(t, bob, "Bob again", chromedp.Navigate(bobLink), chromedp.WaitVisible(chromedp.CSS("#connect-orcid")),
		chromedp.Click(chromedp.CSS("#connect-orcid")), chromedp.WaitVisible(chromedp.CSS("#problem-next")))
	if title := textOf(t, bob, "h1"); title != "The connection to ORCID is being repaired" {
		t.Fatalf("Bob, trying again while it is broken, sees %q", title)
	}

	// 4. The administrator enters the new secret: Bob is invited again.
	do(t, ctx, "repair",
		chromedp.Navigate(credPage+"/edit"),
		chromedp.WaitVisible(chromedp.CSS("#credential-form")),
		chromedp.SendKeys(chromedp.CSS("#credential-client-secret"), secret+"-reset"),
		chromedp.Click(chromedp.CSS("#save-credential")),
		chromedp.WaitVisible(chromedp.CSS("#credential-health")),
	)
	if h := textOf(t, ctx, "#credential-health"); !strings.Contains(h, "ORCID accepted this credential") {
		t.Fatalf("the repaired credential's health: %q", h)
	}
	do(t, ctx, "outbox after the repair", chromedp.Navigate(base+"/admin/outbox"), chromedp.WaitVisible(chromedp.CSS("#outbox")))
	if out := textOf(t, ctx, "#outbox"); !strings.Contains(out, "bob@example.org") {
		t.Fatalf("Bob was not emailed once it works again:\n%s", out)
	}
	waitAfterReload(t, ctx, base+"/admin/", "a dashboard with nothing to do", `document.querySelector("#all-clear")`)
}

// waitAfterReload loads url until a JavaScript condition holds on it.
func waitAfterReload(t *testing.T, ctx context.Context, url, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		do(t, ctx, "load "+url, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { try { return !!(`+cond+`); } catch (e) { return false; } })()`))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s (%v) at %s:\n%s", what, err, url, textOf(t, ctx, "body"))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// controlJSON calls the built-in registry's control API.
func controlJSON(t *testing.T, method, url string, body any) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("%s %s: %d\n%s", method, url, res.StatusCode, b)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}
