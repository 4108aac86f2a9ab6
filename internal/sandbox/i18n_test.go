package sandbox

import (
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// siteTranslationKeys collects every text the pages translate: the keys of
// .T, .Tf and .Around in the templates, the literal keys of .T(...) and the
// titles of the translated pages in site.go, what the consent and account
// pages list for each scope, and the registration form's field errors.
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
	}
	b, err := os.ReadFile("site.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range goKey {
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	for _, s := range permissionOrder {
		if d := Describe(s); d != s { // a scope without words is shown as is
			keys[d] = true
		}
	}
	// The field errors the registration page shows (CreateResearcher).
	b, err = os.ReadFile("accounts.go")
	if err != nil {
		t.Fatal(err)
	}
	fieldErr := regexp.MustCompile(`&FieldError\{"(?:given_names|email|password)", ` + str + `\}`)
	for _, m := range fieldErr.FindAllStringSubmatch(string(b), -1) {
		keys[m[1]] = true
	}
	return keys
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
