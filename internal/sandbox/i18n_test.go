package sandbox

import (
	"io/fs"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// translatedGoFiles are the files whose texts the translated pages show:
// page titles (r.localized), .T(...) calls, form errors and notices.
var translatedGoFiles = []string{"site.go", "myorcid.go", "settings.go", "accounts.go", "security.go", "twofactor.go", "interstitials.go"}

// siteTranslationKeys collects every text the pages translate: the keys of
// .T, .Tf and .Around in the templates, the literal keys of .T(...), the
// titles of the translated pages, the form errors and notices of
// translatedGoFiles, what the consent and account pages list for each
// scope, and the visibility names the settings and record pages show.
func siteTranslationKeys(t *testing.T) map[string]bool {
	t.Helper()
	keys := map[string]bool{}
	str := `"((?:[^"\\]|\\.)*)"`
	tmplKey := regexp.MustCompile(`\.(?:T|Tf|Around) ` + str)
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		b, err := templateFS.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	goKey := []*regexp.Regexp{
		regexp.MustCompile(`\.T\(` + str + `\)`),
		regexp.MustCompile(`r\.localized\(req, ` + str),
		// Field errors the forms show: registration (CreateResearcher),
		// settings, the interstitials.
		regexp.MustCompile(`&FieldError\{"(?:given_names|email|password|biography|organization)", ` + str + `\}`),
		// Form failures of /my-orcid, the 2FA forms and the interstitials.
		regexp.MustCompile(`\bfail\((?:"[a-z_]+", )?` + str + `\)`),
		regexp.MustCompile(`renderTwoFactor\([^)]*, ` + str + `\)`),
		regexp.MustCompile(`return ` + str + `, nil`),
		// The notices of /my-orcid.
		regexp.MustCompile(`"(?:visibility|deleted|added)": ` + str),
	}
	for _, f := range translatedGoFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range goKey {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				keys[m[1]] = true
			}
		}
	}
	delete(keys, "")
	for _, s := range permissionOrder {
		if d := Describe(s); d != s { // a scope without words is shown as is
			keys[d] = true
		}
	}
	for _, v := range orcid.Visibilities {
		keys[v] = true
	}
	for _, it := range interstitialOrder() {
		keys[interstitialTitle(it.Switch)] = true
	}
	return keys
}

// translatedPages are the templates shown in the researcher's language:
// every text on them goes through .T (or .Tf, .Around).
var translatedPages = []string{"account", "authorize", "error", "interstitial", "layout", "myorcid",
	"register", "signin", "signin2fa", "signout", "twofactor"}

// TestTranslatedPagesHaveNoBareText: with template actions, tags and
// comments taken out, a translated page has no words left, so no English
// text escapes translation; a text added without .T fails here.
func TestTranslatedPagesHaveNoBareText(t *testing.T) {
	strip := regexp.MustCompile(`(?s)\{\{.*?\}\}|<!--.*?-->|<[^>]*>|&[a-z]+;`)
	letters := regexp.MustCompile(`\pL{2,}`)
	for _, name := range translatedPages {
		b, err := templateFS.ReadFile("templates/" + name + ".html")
		if err != nil {
			t.Fatal(err)
		}
		rest := strip.ReplaceAllString(string(b), " ")
		for _, w := range letters.FindAllString(rest, -1) {
			if w == "ORCID" || w == "iD" { // the brand, in every language
				continue
			}
			t.Errorf("%s.html: %q is not translated (wrap it in .T)", name, w)
		}
	}
}

// TestSiteTranslationsComplete: every text the registry's own pages
// translate has a Spanish and a French version with the same %s, and the
// two catalogues hold the same keys.
func TestSiteTranslationsComplete(t *testing.T) {
	c := newCatalog()
	keys := siteTranslationKeys(t)
	if len(keys) < 60 {
		t.Fatalf("found only %d keys: the patterns no longer match the code", len(keys))
	}
	for _, must := range []string{"Authorize access", "Deny access", "Sign in", "Register", "Trusted organizations", "Get your ORCID iD"} {
		if !keys[must] {
			t.Errorf("%q is not among the translated keys", must)
		}
	}
	for _, lang := range []string{"es", "fr"} {
		var missing []string
		for k := range keys {
			tr, ok := c.messages[lang][k]
			if !ok || tr == "" {
				missing = append(missing, k)
				continue
			}
			if strings.Count(tr, "%s") != strings.Count(k, "%s") {
				t.Errorf("%s: %q has %d %%s, its translation %q %d", lang, k, strings.Count(k, "%s"), tr, strings.Count(tr, "%s"))
			}
		}
		slices.Sort(missing)
		for _, k := range missing {
			t.Errorf("no %s translation for %q", lang, k)
		}
	}
	for k := range c.messages["es"] {
		if _, ok := c.messages["fr"][k]; !ok {
			t.Errorf("%q is translated into Spanish but not French", k)
		}
	}
	for k := range c.messages["fr"] {
		if _, ok := c.messages["es"][k]; !ok {
			t.Errorf("%q is translated into French but not Spanish", k)
		}
	}
}

func TestCatalogMatch(t *testing.T) {
	c := newCatalog()
	for in, want := range map[string]string{
		"en": "en", "EN": "en", "es": "es", "es_ES": "es", "es-419": "es", "fr": "fr", "fr_CA": "fr",
		"zh_CN": "", "de": "", "": "", "x": "", `"><script>`: "", "en-GB": "en",
	} {
		if got := c.match(in); got != want {
			t.Errorf("match(%q) = %q, want %q", in, got, want)
		}
	}
	if got := c.translate("es", "Authorize access"); got != "Autorizar acceso" {
		t.Errorf("translate es: %q", got)
	}
	if got := c.translate("en", "Authorize access"); got != "Authorize access" {
		t.Errorf("translate en: %q", got)
	}
	if got := (pageCommon{i18n: c, Lang: "fr"}).Tf("Revoke access for %s", "ACME"); got != "Révoquer l’accès de ACME" {
		t.Errorf("Tf: %q", got)
	}
}
