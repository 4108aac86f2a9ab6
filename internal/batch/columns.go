package batch

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/orcid/xsdrules"
	"github.com/orcidlink/orcidlink/internal/safecsv"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Kind is what the rows of a file are.
type Kind string

// The kinds of file.
const (
	People       Kind = "people"
	Affiliations Kind = "affiliations" // the seven kinds, by the affiliation-section column
	Works        Kind = "works"
	Fundings     Kind = "fundings"
	PeerReviews  Kind = "peer-reviews"
	// Articles are the journal workflow's: a row is an article, not an
	// item of one person, and goes through journal.Service as the admin
	// UI's and the REST API's articles do.
	Articles Kind = "articles"
)

// Kinds lists the kinds of file, in the order the UI offers them.
func Kinds() []Kind {
	return []Kind{People, Affiliations, Works, Fundings, PeerReviews, Articles, Connections}
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, x := range Kinds() {
		if x == k {
			return true
		}
	}
	return false
}

// Format is how a file is written.
type Format string

// The formats.
const (
	CSV  Format = "csv"  // RFC 4180, UTF-8 (a BOM is fine), a header row
	JSON Format = "json" // an array of objects, or one object per line (NDJSON)
)

// FormatOf guesses a file's format from its name (".json", ".ndjson",
// ".jsonl" are JSON; anything else CSV).
func FormatOf(filename string) Format {
	n := strings.ToLower(filename)
	for _, ext := range []string{".json", ".ndjson", ".jsonl"} {
		if strings.HasSuffix(n, ext) {
			return JSON
		}
	}
	return CSV
}

// check is what a column's value must be.
type check int

const (
	checkText check = iota
	checkEmail
	checkDate
	checkURL
	checkCountry
	checkAffiliationKind
	checkWorkType
	checkFundingType
	checkExternalIDType
	checkRelationship
	checkDisambiguationSource
	checkReviewerRole
	checkReviewType
	checkSubjectType
	checkLanguage
	checkContributors
	checkCurrency
	checkArticleKey
	checkDateSyntax
	checkYesNo
)

// Column is one column of a kind of file. The parser, the documentation
// and the templates all read this table.
type Column struct {
	Name string
	// Aliases are other names accepted in a header (those of the ORCID
	// Member Portal's affiliation files, for one).
	Aliases []string
	// Required: the column must be in the header and have a value in
	// every row.
	Required bool
	// Max is the longest value accepted, in characters.
	Max     int
	Help    string
	Example string
	check   check
	// list: in a JSON file the value may be an array, kept as its JSON
	// text for the column's own parser (an article's contributors and
	// other ISSNs); exampleJSON is then the JSON template's example.
	list        bool
	exampleJSON string
}

func col(name string, max int, c check, help, example string) Column {
	return Column{Name: name, Max: max, check: c, Help: help, Example: example}
}

func req(c Column) Column { c.Required = true; return c }

// xsdMax is the maxLength ORCID's XSD gives the element at path (a rule
// path of package xsdrules), for columns that map to one: the limit then
// cannot drift from what ORCID refuses. Columns with a longer XSD limit (or
// none) keep a tighter one of their own.
func xsdMax(path string) int { return xsdrules.MaxLength(path) }

func alias(c Column, names ...string) Column { c.Aliases = names; return c }

func listColumn(c Column, exampleJSON string) Column {
	c.list, c.exampleJSON = true, exampleJSON
	return c
}

// personColumns identify the person a row is about: by email or by the
// tenant's reference (at least one), with names to create them if new.
func personColumns(example string) []Column {
	return []Column{
		col("email", store.MaxEmailChars, checkEmail, "The person's email address. With person-ref, at least one is needed.", example),
		alias(col("person-ref", store.MaxExternalRefChars, checkText, "The tenant's own reference for the person (staff or member number).", "E1234"),
			"external-ref", "reference"),
		col("given-names", store.MaxNameChars, checkText, "Given names; with family-names, creates the person if they are new.", "Josiah"),
		col("family-names", store.MaxNameChars, checkText, "Family names.", "Carberry"),
	}
}

func keyColumn() Column {
	return alias(req(col("key", 200, checkText,
		"The tenant's own key for the item, unique per person: uploading a row with the same key again updates the item instead of adding another.",
		"emp-2024-1")), "id")
}

func orgColumns(prefix, help string) []Column {
	return []Column{
		col(prefix+"name", 1000, checkText, help+" name (required).", "Brown University"),
		col(prefix+"city", 1000, checkText, help+" city (required).", "Providence"),
		col(prefix+"region", 1000, checkText, help+" region or state.", "RI"),
		col(prefix+"country", 0, checkCountry, help+" country, an ISO 3166-1 code such as US or NZ (required).", "US"),
		col(prefix+"disambiguated-organization-identifier",
			xsdMax("funding:funding/common:organization/common:disambiguated-organization/common:disambiguated-organization-identifier"), checkText,
			help+" identifier in the registry named by the next column (a ROR iD, say).", "https://ror.org/05gq02987"),
		col(prefix+"disambiguation-source", 20, checkDisambiguationSource, "ROR, GRID, RINGGOLD, FUNDREF or LEI.", "ROR"),
	}
}

func externalIDColumns(prefix, help, exType, exValue string) []Column {
	return []Column{
		col(prefix+"type", 50, checkExternalIDType, help+" type, one of ORCID's identifier types (doi, issn, grant_number, ...).", exType),
		col(prefix+"value", 1000, checkText, help+" value.", exValue),
		col(prefix+"url", 2000, checkURL, help+" URL.", ""),
		col(prefix+"relationship", 20, checkRelationship, "self (default), part-of, version-of or funded-by.", "self"),
	}
}

var columnTable = map[Kind][]Column{
	Connections: connectionColumns(), // connections.go
	People: append(personColumns("josiah@example.org"),
		col("language", 10, checkLanguage, "The language to write to the person in, one of "+strings.Join(i18n.Codes(), ", ")+
			" (default: the tenant's).", "en")),
	Affiliations: concat(personColumns("josiah@example.org"), []Column{keyColumn(),
		alias(req(col("affiliation-section", 30, checkAffiliationKind,
			"employment, education, qualification, invited-position, distinction, membership or service.", "employment")), "kind"),
		col("department-name", 1000, checkText, "Department.", "Computer Science"),
		col("role-title", 1000, checkText, "Role or degree.", "Professor"),
		col("start-date", 10, checkDate, "YYYY, YYYY-MM or YYYY-MM-DD.", "2020-09"),
		col("end-date", 10, checkDate, "YYYY, YYYY-MM or YYYY-MM-DD; not before start-date.", ""),
	}, renamed(orgColumns("org-", "The organisation's"), map[string][]string{"org-disambiguated-organization-identifier": {"disambiguated-organization-identifier"}, "org-disambiguation-source": {"disambiguation-source"}}),
		externalIDColumns("external-id-", "An identifier of the affiliation:", "", ""),
		[]Column{col("url", 2000, checkURL, "A web page about the affiliation.", "")}),
	Works: concat(personColumns("josiah@example.org"), []Column{keyColumn(),
		req(col("title", xsdMax("work:work/work:title/common:title"), checkText, "The work's title.", "On the Nature of Examples")),
		col("subtitle", xsdMax("work:work/work:title/common:subtitle"), checkText, "Subtitle.", ""),
		col("journal-title", xsdMax("work:work/work:journal-title"), checkText, "Journal (or book, conference) it appeared in.", "Journal of Examples"),
		col("short-description", xsdMax("work:work/work:short-description"), checkText, "Abstract.", ""),
		alias(req(col("work-type", 50, checkWorkType, "ORCID's work type: journal-article, book, data-set, preprint, ...", "journal-article")), "type"),
		col("publication-date", 10, checkDate, "YYYY, YYYY-MM or YYYY-MM-DD.", "2024-05-17"),
		col("url", 2000, checkURL, "The work's web page.", "https://journal.example.org/articles/42"),
		col("language-code", 10, checkText, "The work's language (en, fr, ...).", "en"),
		col("country", 0, checkCountry, "Country of publication (ISO 3166-1).", ""),
	}, externalIDColumns("external-id-", "The work's own identifier (ORCID requires one with relationship self):", "doi", "10.5555/12345678"),
		[]Column{col("contributors", 10000, checkContributors,
			`Contributors separated by ";", each a name optionally followed by an ORCID iD in angle brackets: "Josiah Carberry <0000-0002-1825-0097>; Ana Lima".`,
			"Josiah Carberry <0000-0002-1825-0097>; Ana Lima")}),
	Fundings: concat(personColumns("josiah@example.org"), []Column{keyColumn(),
		alias(req(col("funding-type", 20, checkFundingType, "grant, award, contract or salary-award.", "grant")), "type"),
		req(col("title", xsdMax("funding:funding/funding:title/common:title"), checkText, "The funding's title.", "Examples at Scale")),
		col("short-description", xsdMax("funding:funding/funding:short-description"), checkText, "Description.", ""),
		col("amount", 50, checkText, "Amount, digits only.", "250000"),
		col("currency", 3, checkCurrency, "ISO 4217 currency of the amount (USD, EUR, ...).", "USD"),
		col("start-date", 10, checkDate, "YYYY, YYYY-MM or YYYY-MM-DD.", "2024-01"),
		col("end-date", 10, checkDate, "Not before start-date.", "2026-12"),
		col("url", 2000, checkURL, "A web page about the funding.", ""),
	}, orgColumns("org-", "The funder's"),
		externalIDColumns("external-id-", "The funding's identifier:", "grant_number", "NSF-1234567")),
	PeerReviews: concat(personColumns("josiah@example.org"), []Column{keyColumn(),
		req(col("reviewer-role", 20, checkReviewerRole, "reviewer, editor, member, chair or organizer.", "reviewer")),
		req(col("review-type", 20, checkReviewType, "review or evaluation.", "review")),
		req(col("review-completion-date", 10, checkDate, "YYYY, YYYY-MM or YYYY-MM-DD.", "2024-03-02")),
		req(col("review-group-id", xsdMax("peer-review:peer-review/peer-review:review-group-id"), checkText, "The group the review belongs to, e.g. issn:1234-5678 for a journal.", "issn:0000-0019")),
		col("review-url", 2000, checkURL, "A web page of the review.", ""),
	}, []Column{
		req(col("review-identifier-type", 50, checkExternalIDType, "The review's own identifier type (source-work-id, doi, ...).", "source-work-id")),
		req(col("review-identifier-value", 1000, checkText, "The review's own identifier.", "review-42")),
		col("review-identifier-url", 2000, checkURL, "Its URL.", ""),
		col("subject-type", 50, checkSubjectType, "What was reviewed: journal-article, grant, ...", "journal-article"),
		col("subject-name", xsdMax("peer-review:peer-review/peer-review:subject-name/common:title"), checkText, "Title of what was reviewed.", ""),
		col("subject-container-name", xsdMax("peer-review:peer-review/peer-review:subject-container-name"), checkText, "Journal or book of what was reviewed.", "Journal of Examples"),
		col("subject-url", 2000, checkURL, "Its URL.", ""),
	}, externalIDColumns("subject-external-id-", "An identifier of what was reviewed:", "doi", "10.5555/87654321"),
		orgColumns("convening-org-", "The convening organisation's")),
	// An article's fields are judged by journal.CheckArticle alone, as in
	// the admin UI and the REST API: the columns check only what is the
	// file's own (the text of a date, yes or no, the contributors' list)
	// and no length, so that no limit here can drift from the journal's.
	Articles: {
		alias(req(col("key", 200, checkArticleKey,
			"The tenant's own key for the article, as the REST API and the admin UI name it (no spaces or slashes): uploading a row with the same key again updates the article.",
			"vol12-article-3")), "id"),
		req(col("title", 0, checkText, "The article's title.", "On the Nature of Examples")),
		col("subtitle", 0, checkText, "Subtitle.", ""),
		col("translated-title", 0, checkText, "The title in another language; needs translated-title-language.", ""),
		col("translated-title-language", 0, checkText, "The language of translated-title, one of ORCID's language codes (en, fr, zh_CN, ...).", ""),
		col("abstract", 0, checkText, "Abstract.", ""),
		col("language", 0, checkText, "The language the article is written in, one of ORCID's language codes.", "en"),
		col("type", 0, checkText, "ORCID's work type (default journal-article).", "journal-article"),
		col("journal-title", 0, checkText, "The journal.", "Journal of Examples"),
		col("issn", 0, checkText, "The journal's ISSN, with a correct check digit; it names the review group of the article's peer reviews.", "0317-8471"),
		listColumn(col("other-issns", 0, checkText, `The journal's other ISSNs (print, electronic), separated by ";" (in JSON, also an array).`, ""), ""),
		col("doi", 0, checkText, "The DOI: 10.1234/..., doi:10.1234/... or https://doi.org/10.1234/... (kept bare).", "10.5555/12345678"),
		col("url", 0, checkText, "The article's web page.", "https://journal.example.org/articles/42"),
		col("publication-date", 10, checkDateSyntax, "YYYY, YYYY-MM or YYYY-MM-DD.", "2024-05-17"),
		col("review-mode", 0, checkText, "open, anonymous or double-anonymous (default: the tenant's).", ""),
		listColumn(col("contributors", 0, checkText,
			`Everyone who wrote it, in order, separated by ";": a person of the tenant by email (ada@example.org) or reference (ref:E1234), anyone else by name; CRediT role URIs may follow, each after "|" (ada@example.org|http://credit.niso.org/contributor-roles/software/). In JSON, also an array of objects with one of person_id, email, person_ref or name, and roles.`,
			"Josiah Carberry|http://credit.niso.org/contributor-roles/writing-original-draft/; Ana Lima"),
			`[{"name": "Josiah Carberry", "roles": ["http://credit.niso.org/contributor-roles/writing-original-draft/"]}, {"name": "Ana Lima"}]`),
		col("publish", 5, checkYesNo,
			"yes publishes the article once saved (its work goes to every author's ORCID record); no or empty leaves its state as it is (a new article is a draft).",
			"no"),
	},
}

func concat(parts ...[]Column) []Column {
	var out []Column
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func renamed(cols []Column, aliases map[string][]string) []Column {
	for i := range cols {
		if a, ok := aliases[cols[i].Name]; ok {
			cols[i].Aliases = append(cols[i].Aliases, a...)
		}
	}
	return cols
}

// Columns returns the columns of a kind of file, in template order (nil for
// an unknown kind). The slice is shared: do not modify it.
func Columns(k Kind) []Column { return columnTable[k] }

// WriteTemplate writes a template for a kind of file: the header and one
// example row (CSV), or an array holding one example object (JSON).
func WriteTemplate(w io.Writer, k Kind, f Format) error {
	cols := Columns(k)
	if cols == nil {
		return fmt.Errorf("batch: template: unknown kind %q", k)
	}
	switch f {
	case CSV:
		cw := safecsv.NewWriter(w)
		head, ex := make([]string, len(cols)), make([]string, len(cols))
		for i, c := range cols {
			head[i], ex[i] = c.Name, c.Example
		}
		cw.Write(head)
		cw.Write(ex)
		cw.Flush()
		return cw.Error()
	case JSON:
		// An ordered object, so the template reads in column order.
		var b strings.Builder
		b.WriteString("[\n  {")
		first := true
		for _, c := range cols {
			if c.Example == "" {
				continue
			}
			if !first {
				b.WriteString(",")
			}
			first = false
			k, _ := json.Marshal(c.Name)
			v, _ := json.Marshal(c.Example)
			if c.exampleJSON != "" {
				v = []byte(c.exampleJSON)
			}
			fmt.Fprintf(&b, "\n    %s: %s", k, v)
		}
		b.WriteString("\n  }\n]\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	return fmt.Errorf("batch: template: unknown format %q", f)
}

// affiliationKind reads an affiliation-section value, accepting the Member
// Portal's spelling (EMPLOYMENT, INVITED_POSITION).
func affiliationKind(v string) (orcid.ItemKind, bool) {
	k := orcid.ItemKind(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(v)), "_", "-"))
	return k, k.IsAffiliation()
}

// WriteDoc writes the columns of every kind and the problem codes as
// Markdown, for doc/batch.md (a test keeps the two the same).
func WriteDoc(w io.Writer) error {
	var b strings.Builder
	for _, k := range Kinds() {
		fmt.Fprintf(&b, "### %s\n\n| column | required | max | meaning | example |\n|---|---|---|---|---|\n", k)
		for _, c := range Columns(k) {
			name := "`" + c.Name + "`"
			for _, a := range c.Aliases {
				name += " (or `" + a + "`)"
			}
			req, max := "", ""
			if c.Required {
				req = "yes"
			}
			if c.Max > 0 {
				max = fmt.Sprint(c.Max)
			}
			ex := ""
			if c.Example != "" {
				// A pipe splits a table's cell even in a code span.
				ex = "`" + strings.ReplaceAll(c.Example, "|", `\|`) + "`"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", name, req, max, strings.ReplaceAll(c.Help, "|", `\|`), ex)
		}
		b.WriteString("\n")
	}
	b.WriteString("### Problem codes\n\n| code | meaning |\n|---|---|\n")
	for _, c := range codeTable {
		fmt.Fprintf(&b, "| `%s` | %s |\n", c.Code, c.Meaning)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
