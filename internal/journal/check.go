package journal

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/orcid/xsdrules"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Problem is one invalid field of an article. Field is the field's name in
// the REST API's article (title, doi, issn, url, type, publication_date,
// review_mode); the admin UI names its form fields the same way.
type Problem struct {
	Field   string
	Message string
}

// Problems are every invalid field of an article, found at once. It
// matches store.ErrInvalid, so that a caller that does not look at the
// fields still answers "invalid".
type Problems []Problem

func (p Problems) Error() string {
	var b strings.Builder
	b.WriteString("invalid article:")
	for _, x := range p {
		b.WriteString(" " + x.Field + " " + x.Message + ";")
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Is makes errors.Is(err, store.ErrInvalid) true.
func (p Problems) Is(target error) bool { return target == store.ErrInvalid }

// Of returns the message for field, "" when it is fine.
func (p Problems) Of(field string) string {
	for _, x := range p {
		if x.Field == field {
			return x.Message
		}
	}
	return ""
}

// Limits of an article's fields: what ORCID's XSDs accept for the work they
// become (package xsdrules), since a field over the limit would have ORCID
// refuse every author's copy. maxTitle also bounds the texts that become
// names and roles elsewhere (contributors, editors).
const maxTitle = 1000

// maxURL bounds an article's URL; the XSD's anyURI has no length, so this
// is ours, as for every other URL orcidlink keeps.
const maxURL = 2000

func workMax(path string) int { return xsdrules.MaxLength("work:work/" + path) }

// tooLong reports whether s has more characters than the XSD allows at the
// work path.
func tooLong(s, path string) bool { return len([]rune(s)) > workMax(path) }

// CheckArticle is the one home of an article's rules, used by the admin
// UI, the REST API and SaveArticle alike: it puts a's fields in the form
// they are stored and sent in (a DOI typed as https://doi.org/… becomes its
// bare name, an ISSN gets its hyphen) and reports every problem at once,
// nil when there is none.
func CheckArticle(a *store.Article) Problems {
	var ps Problems
	add := func(field, msg string) { ps = append(ps, Problem{field, msg}) }
	a.Title, a.JournalTitle = strings.TrimSpace(a.Title), strings.TrimSpace(a.JournalTitle)
	a.DOI, a.ISSN, a.URL, a.Type = strings.TrimSpace(a.DOI), strings.TrimSpace(a.ISSN), strings.TrimSpace(a.URL), strings.TrimSpace(a.Type)
	a.Subtitle, a.Abstract, a.Language = strings.TrimSpace(a.Subtitle), strings.TrimSpace(a.Abstract), strings.TrimSpace(a.Language)
	a.TranslatedTitle, a.TranslatedTitleLanguage = strings.TrimSpace(a.TranslatedTitle), strings.TrimSpace(a.TranslatedTitleLanguage)
	limit := func(field, value, path string) {
		if tooLong(value, path) {
			add(field, "is longer than ORCID's "+strconv.Itoa(workMax(path))+" characters")
		}
	}
	if a.Title == "" {
		add("title", "is required")
	}
	limit("title", a.Title, "work:title/common:title")
	limit("subtitle", a.Subtitle, "work:title/common:subtitle")
	limit("translated_title", a.TranslatedTitle, "work:title/common:translated-title")
	limit("journal_title", a.JournalTitle, "work:journal-title")
	limit("abstract", a.Abstract, "work:short-description")
	switch {
	case a.TranslatedTitle != "" && a.TranslatedTitleLanguage == "":
		add("translated_title_language", "is required with a translated title")
	case a.TranslatedTitleLanguage != "" && !orcid.ValidLanguage(a.TranslatedTitleLanguage):
		add("translated_title_language", "is not one of ORCID's language codes (en, es, fr, zh_CN …)")
	}
	if a.Language != "" && !orcid.ValidLanguage(a.Language) {
		add("language", "is not one of ORCID's language codes (en, es, fr, zh_CN …)")
	}
	if a.DOI != "" {
		if doi, err := orcid.ParseDOI(a.DOI); err != nil {
			add("doi", "is not a DOI (10.1234/…, doi:10.1234/… or https://doi.org/10.1234/…)")
		} else {
			a.DOI = doi
		}
	}
	if a.ISSN != "" {
		if issn, err := orcid.ParseISSN(a.ISSN); err != nil {
			add("issn", "is not an ISSN with a correct check digit (1234-567X)")
		} else {
			a.ISSN = issn
		}
	}
	var others []string
	for i, x := range a.OtherISSNs {
		issn, err := orcid.ParseISSN(x)
		switch {
		case err != nil:
			add("other_issns/"+strconv.Itoa(i), "is not an ISSN with a correct check digit (1234-567X)")
		case issn != a.ISSN && !slices.Contains(others, issn):
			others = append(others, issn)
		}
	}
	if len(others) > 10 {
		add("other_issns", "lists more than 10 ISSNs")
	}
	a.OtherISSNs = others
	if a.ISSN == "" && len(others) > 0 {
		add("issn", "is required when other ISSNs are given: it names the journal's review group")
	}
	if a.URL != "" {
		if u, err := url.Parse(a.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("url", "must be an http(s) URL")
		} else if len(a.URL) > maxURL {
			add("url", "is longer than ORCID's 2,000 characters")
		}
	}
	if a.Type != "" && !orcid.IsOneOf(orcid.WorkTypes, a.Type) {
		add("type", "is not an ORCID work type")
	}
	y, m, d := a.PubYear, a.PubMonth, a.PubDay
	switch {
	case y == 0 && (m != 0 || d != 0), m == 0 && d != 0:
		add("publication_date", "needs a year, and a month before a day")
	case y != 0 && (y < 1900 || y > 2100):
		add("publication_date", "year must be between 1900 and 2100, as ORCID requires")
	case m < 0 || m > 12 || d < 0 || d > daysIn(y, m):
		add("publication_date", "is not a date")
	}
	if !a.ReviewMode.Valid() {
		add("review_mode", "must be open, anonymous or double-anonymous")
	}
	if len(a.Contributors) > store.MaxContributors {
		add("contributors", "has more than "+strconv.Itoa(store.MaxContributors)+" contributors")
	}
	seen := map[int64]bool{}
	for i, c := range a.Contributors {
		f := "contributors/" + strconv.Itoa(i)
		switch {
		case c.PersonID != 0 && c.Name != "":
			add(f, "is either a person of the tenant or a name, not both")
		case c.PersonID != 0 && seen[c.PersonID]:
			add(f+"/person_id", "is named twice")
		case c.PersonID == 0 && strings.TrimSpace(c.Name) == "":
			add(f, "needs a person_id or a name")
		case len([]rune(c.Name)) > maxTitle:
			add(f+"/name", "is longer than ORCID's 1,000 characters")
		}
		seen[c.PersonID] = c.PersonID != 0
		for j, r := range c.Roles {
			if !orcid.IsOneOf(orcid.CreditContributorRoles, r) {
				add(f+"/roles/"+strconv.Itoa(j), "is not a CRediT role (http://credit.niso.org/contributor-roles/…/)")
			}
		}
	}
	return ps
}

// daysIn is the number of days of month m of year y (31 when m is 0).
func daysIn(y, m int) int {
	switch m {
	case 4, 6, 9, 11:
		return 30
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	}
	return 31
}
