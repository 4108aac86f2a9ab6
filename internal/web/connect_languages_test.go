package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
	"github.com/orcidlink/orcidlink/internal/store"
)

// offer makes the test tenant offer langs (nil: every language), with def
// as its default.
func (e *researcherEnv) offer(t *testing.T, def string, langs ...string) {
	t.Helper()
	e.tenant.Languages, e.tenant.DefaultLanguage = langs, def
	var err error
	if e.tenant, err = e.st.UpdateTenant(e.ctx, e.tenant); err != nil {
		t.Fatal(err)
	}
}

// leakedID finds a message ID shown instead of its text.
var leakedID = regexp.MustCompile(`\b(?:layout|invitation|connected|disconnect|disconnected|denied|reviews|scope|ask|error)\.[a-z_]+\b`)

// TestResearcherPagesInEveryLanguage: the invitation page and an error
// page speak each of ORCID's twelve site languages, with <html lang> and
// dir set for it, the tenant's name in the heading, no message ID left
// untranslated, and the language menu naming every offered language in
// itself.
func TestResearcherPagesInEveryLanguage(t *testing.T) {
	e := newResearcherEnv(t)
	e.offer(t, "en") // every language
	inv := e.invite(t, e.alice)
	for _, l := range i18n.Languages() {
		t.Run(l.Code, func(t *testing.T) {
			r := e.browser(t).get(inv + "?lang=" + l.Code)
			if r.status != http.StatusOK {
				t.Fatalf("%d\n%s", r.status, r.body)
			}
			for _, want := range []string{
				`<html lang="` + l.HTML + `" dir="` + string(l.Dir) + `">`,
				i18n.T(l.Code, "invitation.heading", map[string]string{"Tenant": "Journal of Tests"}),
				i18n.T(l.Code, "scope.read_limited", nil),
				`aria-label="` + i18n.T(l.Code, "layout.language", nil) + `"`,
			} {
				if !strings.Contains(r.body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			for _, other := range i18n.Languages() {
				if !strings.Contains(r.body, `hreflang="`+other.HTML+`" lang="`+other.HTML+`" dir="`+string(other.Dir)+`"`) ||
					!strings.Contains(r.body, ">"+other.Name+"</a>") {
					t.Errorf("the menu lacks %s (%s)", other.English, other.Name)
				}
			}
			if m := leakedID.FindString(r.body); m != "" {
				t.Errorf("the page shows the message ID %q", m)
			}
			// An error page, in the language the browser asks for.
			b := e.browser(t)
			b.lang = l.HTML
			g := b.get("/i/no-such-invitation")
			if g.status != http.StatusNotFound || !strings.Contains(g.body, i18n.T(l.Code, "error.not_found_title", nil)) ||
				!strings.Contains(g.body, `dir="`+string(l.Dir)+`"`) {
				t.Errorf("error page: %d\n%s", g.status, g.body)
			}
		})
	}
}

// TestTenantChoosesLanguages: a tenant offers some languages; a browser,
// a person or a ?lang= asking for another sees the tenant's default, and
// the menu lists the offered languages only.
func TestTenantChoosesLanguages(t *testing.T) {
	e := newResearcherEnv(t)
	e.offer(t, "ja", "en", "ja", "ar")
	ko := e.person(t, "Kim", "Ko", "kim@example.org", "k-1", "ko")
	ar := e.person(t, "Amal", "Amin", "amal@example.org", "a-2", "ar")
	heading := func(lang string) string {
		return i18n.T(lang, "invitation.heading", map[string]string{"Tenant": "Journal of Tests"})
	}
	tests := []struct {
		name, acceptLanguage, query string
		person                      store.Person
		want                        string
	}{
		{"browser asks for an offered language", "ar-EG,ar;q=0.9", "", e.alice, "ar"},
		{"browser asks for one not offered", "ko-KR", "", e.alice, "ja"},
		{"person's language not offered", "", "", ko, "ja"},
		{"person's language offered", "ko", "", ar, "ar"},
		{"lang not offered", "", "?lang=fr", e.alice, "ja"},
		{"lang offered, in another case", "", "?lang=EN-gb", ko, "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := e.invite(t, tt.person)
			b := e.browser(t)
			b.lang = tt.acceptLanguage
			r := b.get(inv + tt.query)
			if r.status != http.StatusOK || !strings.Contains(r.body, heading(tt.want)) {
				t.Fatalf("%d, want the page in %s:\n%s", r.status, tt.want, r.body)
			}
			for _, l := range i18n.Languages() {
				offered := slices.Contains([]string{"en", "ja", "ar"}, l.Code)
				if got := strings.Contains(r.body, ">"+l.Name+"</a>"); got != offered {
					t.Errorf("menu lists %s: %v, want %v", l.English, got, offered)
				}
			}
		})
	}
}

// TestAuthorizeLangPerLanguage: the connect button sends ORCID's code for
// the page's language as lang on the authorize URL, and the registry
// accepts each: the researcher signs in and authorizes in every one.
func TestAuthorizeLangPerLanguage(t *testing.T) {
	e := newResearcherEnv(t)
	e.offer(t, "en")
	for _, l := range i18n.Languages() {
		t.Run(l.Code, func(t *testing.T) {
			p := e.person(t, "Lang", l.Code, l.Code+"@example.org", "lang-"+l.Code, "")
			inv := e.invite(t, p)
			b := e.browser(t)
			r := b.post(inv+"/connect", url.Values{"lang": {l.Code}})
			u, err := url.Parse(r.location)
			if r.status != http.StatusSeeOther || err != nil || !strings.HasPrefix(r.location, e.reg.BaseURL+"/oauth/authorize?") {
				t.Fatalf("connect: %d to %q", r.status, r.location)
			}
			if got := u.Query().Get("lang"); got != l.ORCID {
				t.Errorf("authorize URL lang = %q, want %q", got, l.ORCID)
			}
			if _, err := sandboxtest.SignInAndAuthorize(r.location, e.svc.RedirectURI(), e.reg.Researcher.Email,
				e.reg.Researcher.Password); err != nil {
				t.Errorf("the registry refused lang=%s: %v", l.ORCID, err)
			}
		})
	}
}

// TestArabicPageRightToLeft renders an Arabic invitation page in
// Chromium: the document and its text run right to left, the notice's
// accent bar is on the right (logical CSS), the iD stays left to right,
// and the menu lists the tenant's languages in their own names.
func TestArabicPageRightToLeft(t *testing.T) {
	e := newResearcherEnv(t)
	e.offer(t, "ar", "ar", "en", "fr")
	inv := e.invite(t, e.alice)
	ctx := sandboxtest.Browser(t)
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	eval := func(t *testing.T, js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.base+inv+"?lang=ar"), chromedp.WaitVisible(chromedp.CSS("#page-title"))); err != nil {
		t.Fatal(err)
	}
	if dir, headingDir := eval(t, `getComputedStyle(document.documentElement).direction`),
		eval(t, `getComputedStyle(document.getElementById("page-title")).direction`); dir != "rtl" || headingDir != "rtl" {
		t.Errorf("direction: document %q, heading %q; want rtl", dir, headingDir)
	}
	if heading, want := eval(t, `document.getElementById("page-title").textContent`),
		i18n.T("ar", "invitation.heading", map[string]string{"Tenant": "Journal of Tests"}); heading != want {
		t.Errorf("heading %q, want %q", heading, want)
	}
	if menu, want := eval(t, `[...document.querySelectorAll("nav.languages a")].map(a => a.textContent).join("|")`),
		"العربية|English|Français"; menu != want {
		t.Errorf("menu %q, want %q", menu, want)
	}
	// The skip link hides off the start side, which is the right in RTL,
	// and the language menu starts from the right.
	if right := eval(t, `getComputedStyle(document.querySelector(".skip")).right`); right != "-999px" {
		t.Errorf("the skip link's right is %q, want -999px (inset-inline-start in RTL)", right)
	}
	if order := eval(t, `(() => { const a = [...document.querySelectorAll("nav.languages a")].map(x => x.getBoundingClientRect().left);
		return a[0] > a[1] && a[1] > a[2] ? "right to left" : "left to right: " + a.join(","); })()`); order != "right to left" {
		t.Errorf("the menu runs %s", order)
	}
	// English, from the menu, runs left to right again.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`nav.languages a[hreflang="en"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #page-title`))); err != nil {
		t.Fatal(err)
	}
	if dir := eval(t, `getComputedStyle(document.documentElement).direction`); dir != "ltr" {
		t.Errorf("English page direction %q", dir)
	}
}
