package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"text/template"
)

// sampleData fills every placeholder a message may name.
var sampleData = map[string]any{"Tenant": "Journal of Tests", "Name": "Ada Lovelace", "Title": "On Engines",
	"Asks": "a, b", "Sent": "2026-01-02", "Subject": "Subject", "Expires": "2026-02-03",
	"SupportEmail": "help@example.org", "SupportURL": "https://example.org/help", "Link": "https://example.org/i/x",
	"Rest": "a, b", "Last": "c"}

// placeholderPattern finds the fields a message's template names.
var placeholderPattern = regexp.MustCompile(`\{\{[^}]*?\.([A-Z][A-Za-z]*)[^}]*\}\}`)

func placeholders(msg string) []string {
	var out []string
	for _, m := range placeholderPattern.FindAllStringSubmatch(msg, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// TestCatalogsComplete compares every catalog with English's key by key:
// no ID missing, none extra, none empty, each a template that parses and
// names exactly the placeholders English's names, and each language's
// text is what Text returns for it (the localizer picks that language,
// not a neighbour).
func TestCatalogsComplete(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	en := c.IDs("en")
	if len(en) == 0 {
		t.Fatal("English catalog is empty")
	}
	for _, l := range Languages() {
		ids := c.IDs(l.Code)
		for _, id := range en {
			if !slices.Contains(ids, id) {
				t.Errorf("%s: missing %q", l.Code, id)
			}
		}
		for _, id := range ids {
			if !slices.Contains(en, id) {
				t.Errorf("%s: %q is not in the English catalog", l.Code, id)
				continue
			}
			msg := c.Source(l.Code, id)
			if strings.TrimSpace(msg) == "" {
				t.Errorf("%s: %q is empty", l.Code, id)
				continue
			}
			if _, err := template.New(id).Parse(msg); err != nil {
				t.Errorf("%s: %q: %v", l.Code, id, err)
				continue
			}
			if got, want := placeholders(msg), placeholders(c.Source("en", id)); !slices.Equal(got, want) {
				t.Errorf("%s: %q names %v, English names %v", l.Code, id, got, want)
			}
			// Filled in with every placeholder English names, it leaves
			// nothing unfilled.
			data := map[string]any{}
			for _, name := range placeholders(c.Source("en", id)) {
				data[name] = "«" + name + "»"
				if v, ok := sampleData[name]; ok {
					data[name] = v
				}
			}
			if got := c.Text(l.Code, id, data); strings.Contains(got, "<no value>") || strings.Contains(got, "{{") {
				t.Errorf("%s: %q renders as %q", l.Code, id, got)
			}
		}
		// A message English counts with must read for every count in
		// each language, whose plural rules may need forms English
		// does not (Arabic's two, few and many).
		for _, id := range en {
			if c.IsPlural("en", id) {
				if gaps := pluralGaps(c, l.Code, id); len(gaps) > 0 {
					t.Errorf("%s: %q lacks the plural forms for %v", l.Code, id, gaps)
				}
			}
		}
		// The localizer answers in the language itself.
		for _, id := range []string{"layout.language", "invitation.heading"} {
			if got, want := c.Text(l.Code, id, sampleData), execute(t, c.Source(l.Code, id)); got != want {
				t.Errorf("%s: Text(%q) = %q, want %q", l.Code, id, got, want)
			}
		}
	}
}

// pluralGaps lists the counts (0 to 120) for which lang has no form of
// message id.
func pluralGaps(c *Catalog, lang, id string) []int {
	var gaps []int
	for n := 0; n <= 120; n++ {
		if c.Plural(lang, id, n, sampleData) == id {
			gaps = append(gaps, n)
		}
	}
	return gaps
}

// TestPluralForms: a message that counts reads in each language's plural
// forms (CLDR's, through go-i18n), and a language missing a form its
// rules need is caught.
func TestPluralForms(t *testing.T) {
	fsys := fstest.MapFS{}
	for _, l := range Languages() {
		fsys["l/"+l.Code+".json"] = &fstest.MapFile{Data: []byte(`{"days": {"other": "{{.Count}} d"}, "plain": "x"}`)}
	}
	fsys["l/en.json"].Data = []byte(`{"days": {"one": "{{.Count}} day for {{.Tenant}}", "other": "{{.Count}} days for {{.Tenant}}"}, "plain": "x"}`)
	fsys["l/ar.json"].Data = []byte(`{"days": {"zero": "لا أيام", "one": "يوم واحد", "two": "يومان", "few": "{{.Count}} أيام",
		"many": "{{.Count}} يومًا", "other": "{{.Count}} يوم"}, "plain": "x"}`)
	fsys["l/ru.json"].Data = []byte(`{"days": {"one": "{{.Count}} день", "few": "{{.Count}} дня", "many": "{{.Count}} дней",
		"other": "{{.Count}} дня"}, "plain": "x"}`)
	fsys["l/ja.json"].Data = []byte(`{"days": {"other": "{{.Count}}日"}, "plain": "x"}`)
	c, err := loadCatalog(fsys, "l")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang  string
		count int
		want  string
	}{
		{"en", 1, "1 day for T"}, {"en", 2, "2 days for T"}, {"en", 0, "0 days for T"},
		{"ar", 0, "لا أيام"}, {"ar", 1, "يوم واحد"}, {"ar", 2, "يومان"}, {"ar", 3, "3 أيام"}, {"ar", 11, "11 يومًا"}, {"ar", 100, "100 يوم"},
		{"ru", 1, "1 день"}, {"ru", 3, "3 дня"}, {"ru", 5, "5 дней"}, {"ru", 21, "21 день"},
		{"ja", 1, "1日"}, {"ja", 7, "7日"},
	}
	for _, tt := range tests {
		if got := c.Plural(tt.lang, "days", tt.count, map[string]any{"Tenant": "T"}); got != tt.want {
			t.Errorf("%s, %d: %q, want %q", tt.lang, tt.count, got, tt.want)
		}
	}
	if !c.IsPlural("en", "days") || c.IsPlural("en", "plain") {
		t.Error("IsPlural does not tell a counting message from a text")
	}
	// Czech needs one, few and many: "other" alone leaves gaps.
	if gaps := pluralGaps(c, "cs", "days"); !slices.Contains(gaps, 1) || !slices.Contains(gaps, 3) {
		t.Errorf("Czech with only \"other\": gaps %v, want 1 and 3 among them", gaps)
	}
	if gaps := pluralGaps(c, "ar", "days"); len(gaps) > 0 {
		t.Errorf("Arabic with six forms: gaps %v", gaps)
	}
	// What is not a message is refused.
	fsys["l/fr.json"].Data = []byte(`{"days": {"several": "x", "other": "y"}}`)
	if _, err := loadCatalog(fsys, "l"); err == nil {
		t.Error("a form CLDR does not have was accepted")
	}
	fsys["l/fr.json"].Data = []byte(`{"days": {"one": "x"}}`)
	if _, err := loadCatalog(fsys, "l"); err == nil {
		t.Error("plural forms without other were accepted")
	}
	delete(fsys, "l/fr.json")
	if _, err := loadCatalog(fsys, "l"); err == nil {
		t.Error("a language without a catalog was accepted")
	}
}

func execute(t *testing.T, msg string) string {
	t.Helper()
	var b strings.Builder
	if err := template.Must(template.New("").Parse(msg)).Execute(&b, sampleData); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// idPatterns find message IDs where code and templates use them: in
// templates as {{.T "id" ...}}; in Go as the argument of a translating
// call, or as any string literal of a group that nothing else names (the
// groups "invitation" and "layout" share their names with webhook events
// and template files, so only the calls count for them).
var idPatterns = []*regexp.Regexp{
	regexp.MustCompile(`\.T "([a-z_.]+)"`),
	regexp.MustCompile(`"((?:connected|disconnect|disconnected|denied|reviews|scope|ask|error|email|reason|me)\.[a-z_.]+[a-z])"`),
	regexp.MustCompile(`\bt\("([a-z_.]+)"`),
	regexp.MustCompile(`i18n\.T\([^,]+, "([a-z_.]+)"`),
	regexp.MustCompile(`translator\([^)]*\)\("([a-z_.]+)"`),
	regexp.MustCompile(`connectPage\(w, r, [^,]+, "[a-z]+", "([a-z_.]+)"`),
	regexp.MustCompile(`errorPage\(w, r, [^,]+, "([a-z_.]+)", "[a-z_.]+"`),
	regexp.MustCompile(`errorPage\(w, r, [^,]+, "[a-z_.]+", "([a-z_.]+)"`),
}

// TestMessagesUsedExist scans the researcher's templates and the Go code
// of packages web and connect for message IDs: every one must be in the
// English catalog (and so, by TestCatalogsComplete, in every catalog), and
// every English message must be used somewhere.
func TestMessagesUsedExist(t *testing.T) {
	c, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, pattern := range []string{"../web/templates/*.html", "../web/*.go", "../connect/*.go"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 10 {
		t.Fatalf("found only %v to scan", files)
	}
	en := c.IDs("en")
	used := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		buf, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range idPatterns {
			for _, m := range re.FindAllStringSubmatch(string(buf), -1) {
				if used[m[1]] = true; !slices.Contains(en, m[1]) {
					t.Errorf("%s uses %q, which the catalogs lack", f, m[1])
				}
			}
		}
	}
	for _, id := range en {
		if !used[id] {
			t.Errorf("%q is in the catalogs but nothing uses it", id)
		}
	}
}
