package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// runCLI runs one orcidlink command in-process, as a shell would.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

// lastLine is what a script takes from the commands' output.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// browserClient is a cookie-keeping HTTP client that does not follow
// redirects, so that each answer says where it leads.
func browserClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func postForm(t *testing.T, c *http.Client, u string, form url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func getWith(t *testing.T, c *http.Client, u string) *http.Response {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// TestAdminCommandsAgainstARunningServer is issue 14's "done when": with
// serve running on SQLite and on PostgreSQL, `orcidlink admin
// reset-password` prints a one-time password that signs in (after five
// wrong guesses had locked the address out), must be changed at once, and
// has signed out the session the account had; `orcidlink admin
// create-api-key` prints a key, alone on the last line, that opens the
// REST API of its tenant.
func TestAdminCommandsAgainstARunningServer(t *testing.T) {
	storetest.Engines(t, testAdminCommands)
}

func testAdminCommands(t *testing.T, driver string) {
	data := t.TempDir()
	env := map[string]string{}
	if driver == "postgres" {
		env["ORCIDLINK_DATABASE_URL"] = storetest.NewPostgresDB(t)
	}
	banner, stop := startServe(t, env, "--data", data)
	defer stop()
	base := baseOf(t, banner)
	m := regexp.MustCompile(`administrator\s+(\S+) / (\S+)`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("no administrator in the banner:\n%s", banner)
	}
	email, first := m[1], m[2]

	// The first administrator's printed password is one-time too.
	old := browserClient(t)
	if res := postForm(t, old, base+"/admin/signin", url.Values{"email": {email}, "password": {first}}); res.StatusCode != http.StatusSeeOther ||
		res.Header.Get("Location") != "/admin/account" {
		t.Fatalf("sign in with the printed password: %d to %q, want the account page", res.StatusCode, res.Header.Get("Location"))
	}
	if res := getWith(t, old, base+"/admin/account"); res.StatusCode != http.StatusOK {
		t.Fatalf("the signed-in session: %d", res.StatusCode)
	}
	// Someone guesses: the address is locked out for this account.
	guesser := browserClient(t)
	for range 5 {
		postForm(t, guesser, base+"/admin/signin", url.Values{"email": {email}, "password": {"a wrong guess of it"}})
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"no email", []string{"admin", "reset-password", "--data", data}, 2},
		{"two emails", []string{"admin", "reset-password", "--data", data, email, email}, 2},
		{"unknown email", []string{"admin", "reset-password", "--data", data, "nobody@example.org"}, 1},
		{"no tenant", []string{"admin", "create-api-key", "--data", data}, 2},
		{"unknown tenant", []string{"admin", "create-api-key", "--data", data, "--tenant", "no-such-tenant"}, 1},
		{"unknown subcommand", []string{"admin", "make-coffee"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, out, errOut := runCLI(t, env, tc.args...); code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errOut)
			}
		})
	}

	// The email may come after the flags or before them.
	code, out, errOut := runCLI(t, env, "admin", "reset-password", email, "--data", data)
	if code != 0 {
		t.Fatalf("reset-password: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	reset := lastLine(out)
	if reset == first || len(reset) < 12 || strings.Contains(reset, " ") {
		t.Fatalf("reset-password printed %q as its last line:\n%s", reset, out)
	}
	if res := getWith(t, old, base+"/admin/account"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/signin") {
		t.Errorf("the session signed in before the reset still works: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := postForm(t, guesser, base+"/admin/signin", url.Values{"email": {email}, "password": {first}}); res.StatusCode == http.StatusSeeOther {
		t.Error("the password before the reset still signs in")
	}
	// From the address that was locked out, the new password works, and
	// leads to choosing one's own, which then opens everything.
	c := guesser
	if res := postForm(t, c, base+"/admin/signin", url.Values{"email": {email}, "password": {reset}}); res.StatusCode != http.StatusSeeOther ||
		res.Header.Get("Location") != "/admin/account" {
		t.Fatalf("sign in with the reset password: %d to %q, want the account page", res.StatusCode, res.Header.Get("Location"))
	}
	if res := getWith(t, c, base+"/admin/tenants"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/account" {
		t.Errorf("before choosing a password, the tenants page: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	const own = "vivid marble anchor lantern"
	if res := postForm(t, c, base+"/admin/account/password", url.Values{"current": {reset}, "password": {own}, "again": {own}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("choose a password: %d", res.StatusCode)
	}
	if res := getWith(t, c, base+"/admin/tenants"); res.StatusCode != http.StatusOK {
		t.Errorf("after choosing a password, the tenants page: %d", res.StatusCode)
	}

	// An API key for the demo tenant, made while the server runs.
	code, out, errOut = runCLI(t, env, "admin", "create-api-key", "--data", data, "--tenant", "demo", "--name", "Manuscript system")
	if code != 0 {
		t.Fatalf("create-api-key: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	key := lastLine(out)
	if !strings.HasPrefix(key, "olk_") || strings.Contains(key, " ") {
		t.Fatalf("create-api-key printed %q as its last line:\n%s", key, out)
	}
	for _, tc := range []struct {
		key  string
		want int
	}{
		{key, http.StatusOK},
		{key + "x", http.StatusUnauthorized},
	} {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/people", nil)
		req.Header.Set("Authorization", "Bearer "+tc.key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.want {
			t.Errorf("GET /api/v1/people with %.12s…: %d, want %d", tc.key, res.StatusCode, tc.want)
		}
	}
	if res := getWith(t, c, base+"/admin/tenants"); res.StatusCode != http.StatusOK {
		t.Errorf("the admin UI after the commands: %d", res.StatusCode)
	}
}

// chooseOwnPassword is the first sign-in with a printed password: the
// account page asks for one's own before anything else opens.
func chooseOwnPassword(t *testing.T, ctx context.Context, printed, own string) {
	t.Helper()
	do(t, ctx, "choose one's own password",
		chromedp.WaitVisible(chromedp.CSS("#must-change")),
		chromedp.SendKeys(chromedp.CSS("#current-password"), printed),
		chromedp.SendKeys(chromedp.CSS("#new-password"), own),
		chromedp.SendKeys(chromedp.CSS("#again-password"), own),
		chromedp.Click(chromedp.CSS("#change-password")),
		chromedp.WaitNotPresent(chromedp.CSS("#must-change")),
	)
}

// TestBrowserAdminInvitation: a site administrator invites a tenant
// manager in the browser; the manager opens the link from the outbox,
// is refused a common password, chooses a good one, signs in and sees
// their tenant.
func TestBrowserAdminInvitation(t *testing.T) {
	ctx := sandboxtest.Browser(t)
	banner, stop := startServe(t, nil, "--data", t.TempDir())
	defer stop()
	base := baseOf(t, banner)
	m := regexp.MustCompile(`administrator\s+(\S+) / (\S+)`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("no administrator in the banner:\n%s", banner)
	}
	do(t, ctx, "admin sign-in",
		chromedp.Navigate(base+"/admin/signin"),
		chromedp.SendKeys(chromedp.CSS("#signin-email"), m[1]),
		chromedp.SendKeys(chromedp.CSS("#signin-password"), m[2]),
		chromedp.Click(chromedp.CSS("#signin-submit")),
	)
	chooseOwnPassword(t, ctx, m[2], "vivid marble anchor lantern")
	do(t, ctx, "invite a manager of the demo tenant",
		chromedp.Navigate(base+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS("#new-user")),
		chromedp.Click(chromedp.CSS("#new-user")),
		chromedp.WaitVisible(chromedp.CSS("#invite-form")),
		chromedp.SendKeys(chromedp.CSS("#invite-email"), "mia@example.org"),
		chromedp.SendKeys(chromedp.CSS("#invite-name"), "Mia Manager"),
		chromedp.Click(chromedp.CSS("#invite-role-manager")),
		chromedp.Click(chromedp.CSS(`input[name="tenants"]`)),
		chromedp.Click(chromedp.CSS("#send-invite")),
		chromedp.WaitVisible(chromedp.CSS("#invitations")),
	)
	if got := textOf(t, ctx, "#invitations"); !strings.Contains(got, "mia@example.org") {
		t.Fatalf("the invitation is not listed as pending:\n%s", got)
	}
	// The link, as the invited manager reads it in the email.
	do(t, ctx, "open the invitation in the outbox",
		chromedp.Navigate(base+"/admin/outbox"),
		chromedp.WaitVisible(chromedp.CSS("#outbox")),
	)
	email, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("#outbox a")].find(a => a.closest("tr").textContent.includes("mia@example.org")).href`))
	if err != nil || email == "" {
		t.Fatalf("no email to mia@example.org in the outbox: %v", err)
	}
	do(t, ctx, "read the email", chromedp.Navigate(email), chromedp.WaitVisible(chromedp.CSS("#email-text")))
	link := regexp.MustCompile(`https?://\S+/admin/welcome/[A-Z0-9]+`).FindString(textOf(t, ctx, "#email-text"))
	if link == "" {
		t.Fatalf("no invitation link in the email:\n%s", textOf(t, ctx, "#email-text"))
	}

	mia := sandboxtest.Incognito(t, ctx)
	do(t, mia, "open the link; a common password is refused",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#welcome-form")),
		chromedp.SendKeys(chromedp.CSS("#welcome-password"), "password1234"),
		chromedp.SendKeys(chromedp.CSS("#welcome-again"), "password1234"),
		chromedp.Click(chromedp.CSS("#welcome-submit")),
		chromedp.WaitVisible(chromedp.CSS("#welcome-password-error")),
	)
	const chosen = "quiet harbour violin maple"
	do(t, mia, "choose a good password and sign in",
		chromedp.SendKeys(chromedp.CSS("#welcome-password"), chosen),
		chromedp.SendKeys(chromedp.CSS("#welcome-again"), chosen),
		chromedp.Click(chromedp.CSS("#welcome-submit")),
		chromedp.WaitVisible(chromedp.CSS("#welcome-done")),
		chromedp.Click(chromedp.CSS("#welcome-signin")),
		chromedp.WaitVisible(chromedp.CSS("#signin-form")),
		chromedp.SendKeys(chromedp.CSS("#signin-email"), "mia@example.org"),
		chromedp.SendKeys(chromedp.CSS("#signin-password"), chosen),
		chromedp.Click(chromedp.CSS("#signin-submit")),
		chromedp.WaitNotPresent(chromedp.CSS("#signin-submit")),
		chromedp.Navigate(base+"/admin/tenants"),
		chromedp.WaitVisible(chromedp.CSS("#tenants")),
	)
	if got := textOf(t, mia, "#tenants"); !strings.Contains(got, "Demo Journal") {
		t.Fatalf("the new manager does not see the demo tenant:\n%s", got)
	}
	if got := textOf(t, mia, "header"); strings.Contains(got, "Administrators") || !strings.Contains(got, "mia@example.org") {
		t.Fatalf("the new manager's navigation: %s", got)
	}
	do(t, mia, "the link works once",
		chromedp.Navigate(link),
		chromedp.WaitVisible(chromedp.CSS("#welcome-unusable")),
	)
}
