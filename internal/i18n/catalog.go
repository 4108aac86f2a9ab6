package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// The message catalogs: one JSON file per language, named by its Code,
// mapping stable message IDs ("invitation.heading") to texts. A text is a
// Go text/template over named values ("{{.Tenant}} invites you…"), so a
// translation can put the tenant's name wherever its grammar wants it;
// TestCatalogsComplete checks that every catalog has exactly English's
// IDs, with the same placeholders.
//
//go:embed locales/*.json
var locales embed.FS

// Catalog holds every language's messages. It is read-only once loaded
// and safe for concurrent use.
type Catalog struct {
	bundle     *goi18n.Bundle
	localizers map[string]*goi18n.Localizer // by Code; each falls back to English
	sources    map[string]map[string]string // Code -> ID -> text as written (a plural message's "other")
	plurals    map[string]map[string]bool   // Code -> IDs of the messages written in plural forms
}

// LoadCatalog parses the embedded catalogs. It fails on a file that is
// not valid JSON, a language with no catalog, or a catalog of a language
// orcidlink does not speak.
func LoadCatalog() (*Catalog, error) { return loadCatalog(locales, "locales") }

// pluralForms are the CLDR plural categories a message may be written in.
var pluralForms = []string{"zero", "one", "two", "few", "many", "other"}

// loadCatalog parses dir/<code>.json of fsys for every language. A message
// is a text, or, when it counts something, an object of its language's
// CLDR plural forms ({"one": "…", "other": "…"}; Arabic has six, Czech
// and Russian four, Japanese, Korean and Chinese one), "other" always.
func loadCatalog(fsys fs.FS, dir string) (*Catalog, error) {
	c := &Catalog{bundle: goi18n.NewBundle(language.English), localizers: map[string]*goi18n.Localizer{},
		sources: map[string]map[string]string{}, plurals: map[string]map[string]bool{}}
	files, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("i18n: read catalogs: %w", err)
	}
	for _, f := range files {
		code, ok := strings.CutSuffix(f.Name(), ".json")
		lang, known := byCode(code)
		if !ok || !known {
			return nil, fmt.Errorf("i18n: catalog %s is not one of %v", f.Name(), Codes())
		}
		buf, err := fs.ReadFile(fsys, dir+"/"+f.Name())
		if err != nil {
			return nil, fmt.Errorf("i18n: read catalog %s: %w", f.Name(), err)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(buf, &raw); err != nil {
			return nil, fmt.Errorf("i18n: catalog %s: %w", f.Name(), err)
		}
		c.sources[code], c.plurals[code] = map[string]string{}, map[string]bool{}
		msgs := make([]*goi18n.Message, 0, len(raw))
		for _, id := range slices.Sorted(maps.Keys(raw)) {
			m := &goi18n.Message{ID: id}
			if err := json.Unmarshal(raw[id], &m.Other); err != nil {
				var forms map[string]string
				if err := json.Unmarshal(raw[id], &forms); err != nil {
					return nil, fmt.Errorf("i18n: catalog %s: %q is neither a text nor plural forms", f.Name(), id)
				}
				for form := range forms {
					if !slices.Contains(pluralForms, form) {
						return nil, fmt.Errorf("i18n: catalog %s: %q has %q, not a plural form (%v)", f.Name(), id, form, pluralForms)
					}
				}
				if forms["other"] == "" {
					return nil, fmt.Errorf("i18n: catalog %s: %q has no \"other\" form", f.Name(), id)
				}
				m.Zero, m.One, m.Two, m.Few, m.Many, m.Other = forms["zero"], forms["one"], forms["two"], forms["few"], forms["many"], forms["other"]
				c.plurals[code][id] = true
			}
			c.sources[code][id] = m.Other
			msgs = append(msgs, m)
		}
		if err := c.bundle.AddMessages(language.MustParse(lang.HTML), msgs...); err != nil {
			return nil, fmt.Errorf("i18n: catalog %s: %w", f.Name(), err)
		}
	}
	for _, l := range languages {
		if _, ok := c.sources[l.Code]; !ok {
			return nil, fmt.Errorf("i18n: no catalog for %s (%s/%s.json)", l.English, dir, l.Code)
		}
		c.localizers[l.Code] = goi18n.NewLocalizer(c.bundle, l.HTML, Default)
	}
	return c, nil
}

// messages is the embedded catalog, parsed on first use: it is part of
// the binary, so it cannot differ between calls, and
// TestCatalogsComplete parses it before any release does.
var messages = sync.OnceValue(func() *Catalog {
	c, err := LoadCatalog()
	if err != nil {
		panic(err)
	}
	return c
})

// Messages returns the embedded catalog.
func Messages() *Catalog { return messages() }

// Text returns message id in lang (a Code; anything else means English),
// filled in with data (a map or struct whose fields the message names,
// such as Tenant). A message missing from lang's catalog comes from
// English's; an ID that no catalog has comes back as itself, so that the
// page shows what is missing rather than nothing.
func (c *Catalog) Text(lang, id string, data any) string {
	loc, ok := c.localizers[lang]
	if !ok {
		loc = c.localizers[Default]
	}
	s, err := loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// Plural returns message id in lang for count (the form lang's plural
// rules choose: "1 day", "2 days"; in Arabic, six forms), filled in with
// data and with count as Count.
func (c *Catalog) Plural(lang, id string, count int, data map[string]any) string {
	loc, ok := c.localizers[lang]
	if !ok {
		loc = c.localizers[Default]
	}
	d := map[string]any{"Count": count}
	for k, v := range data {
		d[k] = v
	}
	s, err := loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: d, PluralCount: count})
	if err != nil {
		return id
	}
	return s
}

// Source returns message id in lang as written in its catalog, before
// filling in: the built-in email a tenant starts its own from. It is
// English's when lang has none, and "" when no catalog has id.
func (c *Catalog) Source(lang, id string) string {
	if s, ok := c.sources[lang][id]; ok {
		return s
	}
	return c.sources[Default][id]
}

// IsPlural reports whether lang writes message id in plural forms.
func (c *Catalog) IsPlural(lang, id string) bool { return c.plurals[lang][id] }

// IDs returns the message IDs of lang's catalog, sorted.
func (c *Catalog) IDs(lang string) []string { return slices.Sorted(maps.Keys(c.sources[lang])) }

// T is Messages().Text: message id in lang, filled in with data.
func T(lang, id string, data any) string { return messages().Text(lang, id, data) }
