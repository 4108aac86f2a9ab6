package journal

import (
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/store"
)

// BibTeX is the citation of an article that its works carry (citation-type
// bibtex, as OJS's PKPOrcidWork sends): ORCID shows it and offers it for
// export, and other systems import works from it. Values are written in
// braces with BibTeX's special characters escaped.
func BibTeX(a store.Article, people map[int64]Person) string {
	entry := "misc"
	switch a.Type {
	case "journal-article", "":
		entry = "article"
	case "book":
		entry = "book"
	case "book-chapter":
		entry = "incollection"
	case "conference-paper":
		entry = "inproceedings"
	case "dissertation-thesis":
		entry = "phdthesis"
	case "report":
		entry = "techreport"
	}
	var authors []string
	for _, c := range a.Contributors {
		name := c.Name
		if c.PersonID != 0 {
			name = people[c.PersonID].Name
		}
		if name != "" {
			authors = append(authors, name)
		}
	}
	var b strings.Builder
	b.WriteString("@" + entry + "{" + bibKey(a) + ",\n")
	field := func(name, value string) {
		if value != "" {
			b.WriteString("  " + name + " = {" + bibEscape(value) + "},\n")
		}
	}
	field("author", strings.Join(authors, " and "))
	title := a.Title
	if a.Subtitle != "" {
		title += ": " + a.Subtitle
	}
	field("title", title)
	container := "journal"
	if entry == "incollection" || entry == "inproceedings" {
		container = "booktitle"
	}
	field(container, a.JournalTitle)
	if a.PubYear > 0 {
		field("year", strconv.Itoa(a.PubYear))
		if a.PubMonth > 0 {
			field("month", strconv.Itoa(a.PubMonth))
		}
	}
	field("issn", a.ISSN)
	field("doi", a.DOI)
	field("url", a.URL)
	field("language", a.Language)
	return strings.TrimSuffix(b.String(), ",\n") + "\n}"
}

// bibKey is the entry's key: the article's key, with what BibTeX does not
// allow in a key replaced.
func bibKey(a store.Article) string {
	return strings.Map(func(r rune) rune {
		if r == ',' || r == '{' || r == '}' || r == '%' || r == '#' || r == '"' || r == '\\' || r <= ' ' {
			return '-'
		}
		return r
	}, a.Key)
}

func bibEscape(s string) string {
	return strings.NewReplacer(`\`, `\textbackslash{}`, "{", `\{`, "}", `\}`, "%", `\%`, "&", `\&`, "$", `\$`,
		"#", `\#`, "_", `\_`).Replace(s)
}
