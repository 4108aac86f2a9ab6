package web

import (
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// researcherTemplates are the pages a researcher sees; the admin UI is in
// English only.
var researcherTemplates = []string{"layout", "error", "invitation", "connected", "denied", "disconnect", "disconnected"}

// TestTranslationsComplete: every text a researcher can see has a Spanish
// and a French version. It reads the keys from the templates (.T "...")
// and from the Go code of the researcher's side (t("..."), titles, scope
// texts), so a new sentence without translations fails here.
func TestTranslationsComplete(t *testing.T) {
	keys := map[string]bool{}
	tmplKey := regexp.MustCompile(`\.T "((?:[^"\\]|\\.)*)"`)
	for _, name := range researcherTemplates {
		b, err := assets.ReadFile("templates/" + name + ".html")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
	}
	goKey := []*regexp.Regexp{
		regexp.MustCompile(`\bt\("((?:[^"\\]|\\.)*)"`),
		regexp.MustCompile(`translator\(lang\)\("((?:[^"\\]|\\.)*)"`),
		regexp.MustCompile(`connectPage\(w, r, [^,]+, "[a-z]+", "((?:[^"\\]|\\.)*)"`),
		regexp.MustCompile(`title = http\.Status\w+, "((?:[^"\\]|\\.)*)"`),
		regexp.MustCompile(`errorPage\(w, r, [^,]+, "((?:[^"\\]|\\.)*)", "((?:[^"\\]|\\.)*)"`),
	}
	for _, file := range []string{"connect_routes.go", "server.go"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range goKey {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				for _, k := range m[1:] {
					keys[k] = true
				}
			}
		}
	}
	for _, text := range scopeTexts {
		keys[text] = true
	}
	for _, text := range askTexts {
		keys[text] = true
	}
	if len(keys) < 50 {
		t.Fatalf("found only %d keys: the patterns no longer match the code", len(keys))
	}
	for _, lang := range []string{"es", "fr"} {
		var missing []string
		for k := range keys {
			tr, ok := messages[lang][k]
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
}

func TestAcceptLanguages(t *testing.T) {
	tests := []struct {
		header string
		want   []string
	}{
		{"", nil},
		{"fr-CA,fr;q=0.9,en;q=0.8", []string{"fr-CA", "fr", "en"}},
		{"en;q=0.2, es", []string{"es", "en"}},
		{"de;q=0, *;q=0.5, es;q=0.4", []string{"es"}},
		{"en;q=bad, fr", []string{"fr"}},
		{";;,,", nil},
	}
	for _, tt := range tests {
		if got := acceptLanguages(tt.header); !slices.Equal(got, tt.want) {
			t.Errorf("acceptLanguages(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
	// requestLang with nothing known falls back to English.
	s := &Server{}
	if got := s.requestLang(httptest.NewRequest("GET", "/", nil), nil, nil); got != "en" {
		t.Errorf("requestLang with nothing = %q", got)
	}
}
