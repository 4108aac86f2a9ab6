package web

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/store"
)

// The researcher's pages speak the languages of package i18n, whose
// catalogs (internal/i18n/locales) hold their texts by message ID.
// Templates call {{.T "invitation.heading" "Tenant" $t.Name}}: an ID,
// then the message's placeholders as name/value pairs, so that each
// language puts the tenant's name where its grammar wants it.
// internal/i18n's TestMessagesUsedExist checks that every ID used here
// and in the templates is in every catalog.

// translator returns the lookup function handlers use, and templates as
// .T: message id in lang, with kv as name/value pairs for its
// placeholders.
func translator(lang string) func(id string, kv ...any) string {
	return func(id string, kv ...any) string {
		var data map[string]any
		if len(kv) > 0 {
			data = make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				data[fmt.Sprint(kv[i])] = kv[i+1]
			}
		}
		return i18n.T(lang, id, data)
	}
}

// HTMLLang is the page's language as <html lang> wants it ("zh-CN").
func (p page) HTMLLang() string {
	if l, ok := i18n.Lookup(p.Lang); ok {
		return l.HTML
	}
	return i18n.Default
}

// Dir is the page's text direction, for <html dir>: rtl for Arabic.
func (p page) Dir() i18n.Direction {
	if l, ok := i18n.Lookup(p.Lang); ok {
		return l.Dir
	}
	return i18n.LTR
}

// tenantLanguages are the languages a tenant offers researchers, in
// i18n's order: those it chose that orcidlink speaks, or all of them when
// it chose none.
func tenantLanguages(t store.Tenant) []i18n.Language {
	var out []i18n.Language
	for _, l := range i18n.Languages() {
		if slices.ContainsFunc(t.Languages, func(c string) bool { return i18n.Normalize(c) == l.Code }) {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return i18n.Languages()
	}
	return out
}

// requestLang picks the language of a researcher's page among those the
// tenant offers: the one asked for with ?lang=, else the person's own,
// else the browser's first preference, else the tenant's default (a
// person or browser asking for a language the tenant does not offer sees
// the default), else the tenant's first, else English. The tenant and
// person may be nil when unknown; without a tenant every language counts.
func (s *Server) requestLang(r *http.Request, t *store.Tenant, p *store.Person) string {
	allowed := i18n.Codes()
	if t != nil {
		allowed = allowed[:0]
		for _, l := range tenantLanguages(*t) {
			allowed = append(allowed, l.Code)
		}
	}
	ok := func(l string) bool { return l != "" && slices.Contains(allowed, l) }
	if l := i18n.Normalize(r.URL.Query().Get("lang")); ok(l) {
		return l
	}
	if p != nil {
		if l := i18n.Normalize(p.Language); ok(l) {
			return l
		}
	}
	for _, l := range acceptLanguages(r.Header.Get("Accept-Language")) {
		if l = i18n.Normalize(l); ok(l) {
			return l
		}
	}
	if t != nil {
		if l := i18n.Normalize(t.DefaultLanguage); ok(l) {
			return l
		}
		return allowed[0]
	}
	return i18n.Default
}

// offeredLang is lang (a form's or the session's) when the tenant offers
// it, else "" (the caller then asks requestLang).
func offeredLang(lang string, t store.Tenant) string {
	lang = i18n.Normalize(lang)
	for _, l := range tenantLanguages(t) {
		if l.Code == lang {
			return lang
		}
	}
	return ""
}

// acceptLanguages lists the tags of an Accept-Language header, most
// preferred first (by q, then by order), without those refused (q=0).
func acceptLanguages(h string) []string {
	type tag struct {
		name string
		q    float64
	}
	var tags []tag
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		if name = strings.TrimSpace(name); name != "" && name != "*" && q > 0 {
			tags = append(tags, tag{name, q})
		}
	}
	sort.SliceStable(tags, func(i, j int) bool { return tags[i].q > tags[j].q })
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.name
	}
	return out
}
