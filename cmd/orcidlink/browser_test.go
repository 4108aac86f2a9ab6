package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
	"github.com/orcidlink/orcidlink/internal/seal"
	"github.com/orcidlink/orcidlink/internal/store"
)

// do runs the steps with a deadline of their own, and on failure shows
// where the browser was and what the page said.
func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		url, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("%s: %v\nat %s:\n%s", what, err, url, body)
	}
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func valueOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("value of %s: %v", sel, err)
	}
	return s
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var personPath = regexp.MustCompile(`/admin/tenants/(\d+)/people/(\d+)`)

// TestBrowserProductJourney is issue 5's journey in a real browser against
// the real program: an administrator creates a tenant, adds people and
// invites them; one connects through the built-in ORCID sandbox and later
// disconnects, one denies, tries again, connects and is removed by the
// administrator. Both tokens then get 401 from the registry.
func TestBrowserProductJourney(t *testing.T) {
	ctx := sandboxtest.Browser(t)
	data := t.TempDir()
	banner, stop := startServe(t, nil, "--data", data)
	defer stop()
	base := baseOf(t, banner)
	m := regexp.MustCompile(`administrator\s+(\S+) / (\S+)`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("no administrator in the banner:\n%s", banner)
	}
	adminEmail, adminPassword := m[1], m[2]

	// The administrator signs in and creates a tenant on the sandbox credential.
	do(t, ctx, "admin sign-in",
		chromedp.Navigate(base+"/admin/signin"),
		chromedp.SendKeys(chromedp.CSS("#signin-email"), adminEmail),
		chromedp.SendKeys(chromedp.CSS("#signin-password"), adminPassword),
		chromedp.Click(chromedp.CSS("#signin-submit")),
	)
	// The printed password is one-time: the first sign-in chooses one.
	chooseOwnPassword(t, ctx, adminPassword, "vivid marble anchor lantern")
	do(t, ctx, "new tenant",
		chromedp.WaitVisible(chromedp.CSS("#new-tenant")),
		chromedp.Click(chromedp.CSS("#new-tenant")),
		chromedp.WaitVisible(chromedp.CSS("#tenant-form")),
		chromedp.SendKeys(chromedp.CSS("#tenant-name"), "Journal of Browser Tests"),
		chromedp.SendKeys(chromedp.CSS("#tenant-slug"), "jbt"),
		chromedp.SendKeys(chromedp.CSS("#tenant-support-email"), "help@jbt.example.org"),
	)
	// The built-in sandbox's credential, the only one there is.
	cred, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#tenant-credential").options[1].value`))
	if err != nil || cred == "" {
		t.Fatalf("no credential to choose: %q %v", cred, err)
	}
	do(t, ctx, "save tenant",
		chromedp.SetValue(chromedp.CSS("#tenant-credential"), cred),
		chromedp.Click(chromedp.CSS("#save-tenant")),
		chromedp.WaitVisible(chromedp.CSS("#add-person")),
	)
	tenantPage := location(t, ctx)

	invite := func(given, family, email string) (link string, tenantID, personID int64) {
		t.Helper()
		do(t, ctx, "add "+given,
			chromedp.Navigate(tenantPage),
			chromedp.WaitVisible(chromedp.CSS("#add-person")),
			chromedp.Click(chromedp.CSS("#add-person")),
			chromedp.WaitVisible(chromedp.CSS("#person-form")),
			chromedp.SendKeys(chromedp.CSS("#person-given-names"), given),
			chromedp.SendKeys(chromedp.CSS("#person-family-names"), family),
			chromedp.SendKeys(chromedp.CSS("#person-email"), email),
			chromedp.Click(chromedp.CSS("#save-person")),
			chromedp.WaitVisible(chromedp.CSS("#invite")),
		)
		ids := personPath.FindStringSubmatch(location(t, ctx))
		if ids == nil {
			t.Fatalf("not on a person page: %s", location(t, ctx))
		}
		tenantID, _ = strconv.ParseInt(ids[1], 10, 64)
		personID, _ = strconv.ParseInt(ids[2], 10, 64)
		do(t, ctx, "invite "+given, chromedp.Click(chromedp.CSS("#invite")), chromedp.WaitVisible(chromedp.CSS("#invitation-link")))
		link = strings.TrimSpace(valueOf(t, ctx, "#invitation-link"))
		if !strings.HasPrefix(link, base+"/i/") {
			t.Fatalf("invitation link %q", link)
		}
		do(t, ctx, "outbox", chromedp.Navigate(base+"/admin/outbox"), chromedp.WaitVisible(chromedp.CSS("#outbox")))
		if out := textOf(t, ctx, "#outbox"); !strings.Contains(out, email) {
			t.Fatalf("no email to %s in the outbox:\n%s", email, out)
		}
		return link, tenantID, personID
	}

	// Ada: reads the explanation, registers a new ORCID record pre-filled
	// with her name at the sandbox, authorizes, and sees her iD.
	adaLink, tenantID, adaID := invite("Ada", "Lovelace", "ada@example.org")
	ada := sandboxtest.Incognito(t, ctx)
	do(t, ada, "open invitation", chromedp.Navigate(adaLink), chromedp.WaitVisible(chromedp.CSS("#connect-orcid")))
	if perms := textOf(t, ada, "#permissions"); perms == "" {
		t.Fatal("the invitation does not explain the permissions")
	}
	if n, err := chromedp.Run(ada, chromedp.Evaluate[int](`document.querySelectorAll("main input:not([type=hidden]), main textarea").length`)); err != nil || n != 0 {
		t.Fatalf("the invitation page has %d fields to type into (%v): nobody may type an iD", n, err)
	}
	do(t, ada, "connect", chromedp.Click(chromedp.CSS("#connect-orcid")), chromedp.WaitVisible(chromedp.CSS("#register-form")))
	if got := valueOf(t, ada, "#given_names"); got != "Ada" {
		t.Fatalf("registration pre-filled with %q", got)
	}
	do(t, ada, "register and authorize",
		chromedp.SendKeys(chromedp.CSS("#password"), "analytical-engine"),
		chromedp.Click(chromedp.CSS("#register-button")),
		chromedp.WaitVisible(chromedp.CSS("#authorize-button")),
		chromedp.Click(chromedp.CSS("#authorize-button")),
		chromedp.WaitVisible(chromedp.CSS("#authenticated-id")),
	)
	adaURI := strings.TrimSpace(textOf(t, ada, "#authenticated-id"))
	if !strings.HasPrefix(adaURI, base+"/sandbox/0009-") {
		t.Fatalf("success page shows %q", adaURI)
	}

	// The administrator sees iD, scopes, expiry and the call log.
	do(t, ctx, "admin person page",
		chromedp.Navigate(base+"/admin/tenants/"+strconv.FormatInt(tenantID, 10)+"/people/"+strconv.FormatInt(adaID, 10)),
		chromedp.WaitVisible(chromedp.CSS("#person-orcid")))
	if got := textOf(t, ctx, "#person-orcid"); !strings.Contains(got, adaURI) {
		t.Errorf("person page iD %q, want %q", got, adaURI)
	}
	if got := textOf(t, ctx, "#person-scopes"); !strings.Contains(got, "/activities/update") {
		t.Errorf("person page scopes %q", got)
	}
	if got := textOf(t, ctx, "#person-expires"); !strings.Contains(got, "20") {
		t.Errorf("person page expiry %q", got)
	}
	if got := textOf(t, ctx, "#calls"); !strings.Contains(got, "/oauth/token") {
		t.Errorf("call log lacks the token exchange:\n%s", got)
	}
	adaToken := accessToken(t, data, tenantID, adaID)
	var clients []struct {
		Secret string `json:"client_secret"`
	}
	getJSON(t, base+"/sandbox/_sandbox/clients", &clients)
	if len(clients) != 1 || clients[0].Secret == "" {
		t.Fatalf("registry clients: %+v", clients)
	}
	assertNotInFiles(t, filepath.Join(data, "orcidlink.db*"), adaToken, clients[0].Secret)

	// Bob denies, reads why it matters, tries again and connects.
	bobLink, _, bobID := invite("Bob", "Babbage", "bob@example.org")
	bob := sandboxtest.Incognito(t, ctx)
	do(t, bob, "deny",
		chromedp.Navigate(bobLink), chromedp.WaitVisible(chromedp.CSS("#connect-orcid")),
		chromedp.Click(chromedp.CSS("#connect-orcid")), chromedp.WaitVisible(chromedp.CSS("#register-form")),
		chromedp.SendKeys(chromedp.CSS("#password"), "difference-engine"),
		chromedp.Click(chromedp.CSS("#register-button")),
		chromedp.WaitVisible(chromedp.CSS("#deny-button")),
		chromedp.Click(chromedp.CSS("#deny-button")),
		chromedp.WaitVisible(chromedp.CSS("#try-again")),
	)
	do(t, bob, "try again",
		chromedp.Click(chromedp.CSS("#try-again")),
		chromedp.WaitVisible(chromedp.CSS("#authorize-button")),
		chromedp.Click(chromedp.CSS("#authorize-button")),
		chromedp.WaitVisible(chromedp.CSS("#authenticated-id")),
	)
	bobToken := accessToken(t, data, tenantID, bobID)

	// Ada disconnects herself, confirming on the page that says what it
	// does; the administrator removes Bob's iD.
	do(t, ada, "disconnect", chromedp.Click(chromedp.CSS("#disconnect")), chromedp.WaitVisible(chromedp.CSS("#confirm-disconnect")))
	if got := textOf(t, ada, "#disconnect-explained"); !strings.Contains(got, "revokes the access of Journal of Browser Tests") {
		t.Errorf("the disconnect confirmation says %q", got)
	}
	do(t, ada, "confirm disconnect", chromedp.Click(chromedp.CSS("#confirm-disconnect")), chromedp.WaitVisible(chromedp.CSS("#disconnected-message")))
	do(t, ctx, "remove Bob's iD",
		chromedp.Navigate(base+"/admin/tenants/"+strconv.FormatInt(tenantID, 10)+"/people/"+strconv.FormatInt(bobID, 10)),
		chromedp.WaitVisible(chromedp.CSS("#remove-id")),
		chromedp.Click(chromedp.CSS("#remove-id")),
		chromedp.WaitVisible(chromedp.CSS("#confirm-remove-id")),
		chromedp.Click(chromedp.CSS("#confirm-remove-id")),
		chromedp.WaitVisible(chromedp.CSS("#person-removed")),
	)
	// Bob's old link, used to connect, no longer leads anywhere.
	do(t, bob, "Bob's old link", chromedp.Navigate(bobLink), chromedp.WaitVisible(chromedp.CSS("#problem-what")))
	if got := textOf(t, bob, "#page-title"); !strings.Contains(got, "no longer valid") {
		t.Errorf("Bob's old link after removal shows %q", got)
	}

	// Inviting everyone again asks first, with the count, and leaves out
	// Ada, who disconnected on purpose; Bob, whose iD was removed, is
	// invited.
	outboxTo := func(email string) int {
		t.Helper()
		do(t, ctx, "outbox", chromedp.Navigate(base+"/admin/outbox"), chromedp.WaitVisible(chromedp.CSS("#outbox")))
		return strings.Count(textOf(t, ctx, "#outbox"), email)
	}
	adaEmails, bobEmails := outboxTo("ada@example.org"), outboxTo("bob@example.org")
	do(t, ctx, "invite everyone again",
		chromedp.Navigate(base+"/admin/credentials/"+cred),
		chromedp.WaitVisible(chromedp.CSS("#reinvite")),
		chromedp.Click(chromedp.CSS("#reinvite")),
		chromedp.WaitVisible(chromedp.CSS("#confirm-reinvite")),
	)
	if got := textOf(t, ctx, "#reinvite-count"); !strings.HasPrefix(got, "1 person will get an email") {
		t.Errorf("the confirmation counts %q", got)
	}
	if got := textOf(t, ctx, "#left-out-"+strconv.FormatInt(tenantID, 10)); !strings.Contains(got, "Ada Lovelace: disconnected their iD themselves") ||
		strings.Contains(got, "Bob") {
		t.Errorf("left out: %q", got)
	}
	if adaEmails != outboxTo("ada@example.org") || bobEmails != outboxTo("bob@example.org") {
		t.Fatal("emails went out before the confirmation")
	}
	do(t, ctx, "confirm invite everyone again",
		chromedp.Navigate(base+"/admin/credentials/"+cred+"/reinvite"),
		chromedp.WaitVisible(chromedp.CSS("#confirm-reinvite")),
		chromedp.Click(chromedp.CSS("#confirm-reinvite")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	if got := textOf(t, ctx, ".flash"); !strings.Contains(got, "1 person invited again") || !strings.Contains(got, "1 person was left out") {
		t.Errorf("after re-inviting: %q", got)
	}
	if got := outboxTo("ada@example.org"); got != adaEmails {
		t.Errorf("Ada, who disconnected, got %d more emails", got-adaEmails)
	}
	if got := outboxTo("bob@example.org"); got != bobEmails+1 {
		t.Errorf("Bob got %d more emails, want 1", got-bobEmails)
	}

	for who, tok := range map[string]string{"Ada": adaToken, "Bob": bobToken} {
		req, _ := http.NewRequest("GET", base+"/sandbox/oauth/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s's token after disconnection: userinfo answered %d, want 403", who, res.StatusCode)
		}
		api, _ := http.NewRequest("GET", base+"/sandbox/v3.0/"+strings.TrimPrefix(adaURI, base+"/sandbox/")+"/record", nil)
		api.Header.Set("Authorization", "Bearer "+tok)
		api.Header.Set("Accept", "application/json")
		res, err = http.DefaultClient.Do(api)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s's token after disconnection: Member API answered %d, want 401", who, res.StatusCode)
		}
	}
}

// accessToken reads a person's access token from the running server's
// database with its development key, as only the server itself could.
func accessToken(t *testing.T, data string, tenantID, personID int64) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, "encryption.key"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := seal.ParseKey(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	ring, _ := seal.NewRing(k)
	st, err := store.Open(t.Context(), store.Config{Driver: "sqlite", DSN: filepath.Join(data, "orcidlink.db"), Sealer: ring, NoMigrate: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l, err := st.Link(t.Context(), tenantID, personID)
	if err != nil || l.AccessToken == "" {
		t.Fatalf("link of person %d: %+v, %v", personID, l, err)
	}
	return l.AccessToken
}

// assertNotInFiles fails if any secret appears in clear in the files (the
// database and its WAL): tokens must be sealed at rest.
func assertNotInFiles(t *testing.T, glob string, secrets ...string) {
	t.Helper()
	files, _ := filepath.Glob(glob)
	if len(files) == 0 {
		t.Fatalf("no file matches %s", glob)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("%s holds a token in clear", f)
			}
		}
	}
}
