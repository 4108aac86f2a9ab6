package main

import (
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

// TestBrowserAdminAtPhoneWidth: at 390 px (a phone), the main admin pages
// never scroll sideways (wide tables scroll within themselves), so the
// navigation, the forms and the buttons stay reachable.
func TestBrowserAdminAtPhoneWidth(t *testing.T) {
	ctx := sandboxtest.Browser(t)
	banner, stop := startServe(t, nil, "--data", t.TempDir())
	defer stop()
	base := baseOf(t, banner)
	m := regexp.MustCompile(`administrator\s+(\S+) / (\S+)`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("no administrator in the banner:\n%s", banner)
	}
	do(t, ctx, "phone width, sign in",
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(base+"/admin/signin"),
		chromedp.SendKeys(chromedp.CSS("#signin-email"), m[1]),
		chromedp.SendKeys(chromedp.CSS("#signin-password"), m[2]),
		chromedp.Click(chromedp.CSS("#signin-submit")),
		chromedp.WaitVisible(chromedp.CSS("#nav-account")),
	)
	// A password printed at the first start must be changed first.
	if must, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector("#must-change")`)); must {
		do(t, ctx, "choose a password",
			chromedp.SendKeys(chromedp.CSS("#current-password"), m[2]),
			chromedp.SendKeys(chromedp.CSS("#new-password"), "narrow screens need wide thinking 390"),
			chromedp.SendKeys(chromedp.CSS("#again-password"), "narrow screens need wide thinking 390"),
			chromedp.Click(chromedp.CSS("#change-password")),
			chromedp.WaitNotPresent(chromedp.CSS("#must-change")),
		)
	}
	// The demo tenant has the built-in sandbox's credential: its pages,
	// its people (one added, so the list has a table) and the guides.
	do(t, ctx, "tenants", chromedp.Navigate(base+"/admin/tenants"), chromedp.WaitVisible(chromedp.CSS("main")))
	demo, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll("main a")].find(a => /^\/admin\/tenants\/\d+$/.test(a.getAttribute("href"))).href`))
	if err != nil {
		t.Fatalf("no tenant listed: %v", err)
	}
	do(t, ctx, "add a person",
		chromedp.Navigate(demo),
		chromedp.WaitVisible(chromedp.CSS("#add-person")),
		chromedp.Click(chromedp.CSS("#add-person")),
		chromedp.WaitVisible(chromedp.CSS("#person-form")),
		chromedp.SendKeys(chromedp.CSS("#person-given-names"), "Maximiliana Wilhelmina"),
		chromedp.SendKeys(chromedp.CSS("#person-family-names"), "Oberhauser-Wolkenstein"),
		chromedp.SendKeys(chromedp.CSS("#person-email"), "maximiliana.oberhauser-wolkenstein@a-long-domain.example.org"),
		chromedp.Click(chromedp.CSS("#save-person")),
		chromedp.WaitVisible(chromedp.CSS("#invite")),
	)
	person := location(t, ctx)
	tenant := regexp.MustCompile(`/admin/tenants/\d+`).FindString(person)
	for _, path := range []string{"/admin/", "/admin/tenants", tenant, tenant + "/people", person, tenant + "/edit",
		"/admin/credentials", "/admin/outbox", "/admin/account", "/admin/users", "/admin/help/",
		"/admin/help/operations", "/admin/help/batch"} {
		u := path
		if u[0] == '/' {
			u = base + u
		}
		do(t, ctx, "open "+path, chromedp.Navigate(u), chromedp.WaitVisible(chromedp.CSS("main")))
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if w > 390 {
			t.Errorf("%s is %d px wide at 390 px: it scrolls sideways", path, w)
		}
	}
}
