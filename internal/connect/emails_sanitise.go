package connect

import (
	htmltemplate "html/template"
	"strings"

	"github.com/microcosm-cc/bluemonday"

	"github.com/orcidlink/orcidlink/internal/i18n"
)

// emailPolicy is what a tenant's HTML email may hold once sanitised: text
// formatting, tables, images and links (http, https and mailto only), and
// inline styles limited to presentation properties whose values the
// sanitiser checks. The email goes out from the server's own address, so
// nothing that acts is kept: no forms or buttons, no scripts, event
// handlers or javascript: links, no frames or objects, no <meta> (a
// refresh) or <base>, no <style> blocks or url() in styles.
//
// bluemonday is an allowlist sanitiser built on golang.org/x/net/html's
// parser (see doc/design.md): html/template only escapes what fills the
// template, and the tenant writes the template itself.
func emailPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "hr", "div", "span", "center", "h1", "h2", "h3", "h4", "h5", "h6",
		"b", "strong", "i", "em", "u", "s", "small", "big", "sub", "sup", "code", "pre", "blockquote",
		"ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("src", "alt", "width", "height").OnElements("img")
	p.AllowAttrs("align", "valign", "width", "height", "colspan", "rowspan", "cellpadding", "cellspacing", "border",
		"bgcolor").OnElements("table", "tr", "td", "th", "div", "p", "img")
	p.AllowAttrs("lang", "dir", "title").Globally()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false) // an email has no base to resolve them against
	p.RequireNoReferrerOnFullyQualifiedLinks(true)
	p.AllowStyles("color", "background-color", "font-family", "font-size", "font-weight", "font-style",
		"text-align", "text-decoration", "text-transform", "line-height", "letter-spacing", "vertical-align",
		"padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
		"margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
		"border", "border-top", "border-right", "border-bottom", "border-left", "border-color", "border-style",
		"border-width", "border-radius", "border-collapse", "display", "width", "max-width", "height").Globally()
	return p
}

// sanitiseEmailHTML reduces a rendered tenant email to emailPolicy and
// gives it a document of our own (the sanitiser keeps no <html>, <head>
// or <title>, and drops the doctype), in lang (a code of package i18n):
// its HTML tag and its direction, so that an Arabic email reads right to
// left.
func sanitiseEmailHTML(rendered, lang string) string {
	body := emailPolicy().Sanitize(rendered)
	tag, dir := lang, i18n.LTR
	if l, ok := i18n.Lookup(lang); ok {
		tag, dir = l.HTML, l.Dir
	}
	var b strings.Builder
	b.WriteString(`<!doctype html>` + "\n" + `<html lang="`)
	b.WriteString(htmltemplate.HTMLEscapeString(tag))
	b.WriteString(`" dir="` + string(dir) + `"><head><meta charset="utf-8"></head><body>` + "\n")
	b.WriteString(strings.TrimSpace(body))
	b.WriteString("\n</body></html>\n")
	return b.String()
}
