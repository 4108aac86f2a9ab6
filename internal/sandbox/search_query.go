package sandbox

import (
	"regexp"
	"strings"
	"time"
	"unicode"
)

// The search API's query language: the Lucene syntax of Solr's standard
// query parser, which is what ORCID hands its Solr index
// (OrcidSolrProfileClient.findByDocumentCriteria passes q untouched), with
// the field types of ORCID's profile schema (orcid-solr-web
// cores/profile/conf/managed-schema, the last copy ORCID published, 2019).
// The registry is small, so queries are evaluated by scanning documents
// rather than through an inverted index; doc/sandbox.md lists what differs
// from Solr.

// maxQueryLength bounds q: the scan is linear in the query, and a client
// gains nothing from longer ones. Solr's own limit is maxBooleanClauses
// (1024 clauses), which a query of this length cannot reach.
const maxQueryLength = 4096

// maxQueryDepth bounds nested parentheses, so that a hostile q cannot
// exhaust the stack of the recursive parser.
const maxQueryDepth = 32

// fieldType is how a field is analysed, after the schema's field types.
type fieldType int

const (
	ftText   fieldType = iota // text_general: StandardTokenizer + lower case
	ftString                  // string (StrField): the whole value, exact
	ftName                    // orcid_text_name: text that also ignores diacritics
	ftDate                    // date (DatePointField)
)

// staticFields are the fields ORCID's indexer fills
// (OrcidRecordToSolrDocument, OrcidSolrDocument's @Field names,
// SolrConstants) with the schema's type of each. The peer-review fields,
// added after the published schema, are identifiers and enum values and
// are taken as strings.
var staticFields = map[string]fieldType{
	"orcid": ftString, "primary-record": ftString, "email": ftString,
	"given-names": ftText, "family-name": ftText, "credit-name": ftText, "other-names": ftText,
	"given-and-family-names": ftName, "biography": ftText, "keyword": ftText,
	"external-id-reference": ftString, "external-id-type-and-value": ftString,
	"external-id-source": ftString, "external-id-orcid": ftString,
	"external-id-source-and-reference": ftString, "external-id-orcid-and-reference": ftString,
	"digital-object-ids": ftText, "work-titles": ftText, "grant-numbers": ftText, "funding-titles": ftText,
	"current-institution-affiliation-name": ftText, "past-institution-affiliation-name": ftText,
	"research-resource-proposal-title": ftText, "research-resource-item-name": ftText,
	"peer-review-type": ftString, "peer-review-role": ftString, "peer-review-group-id": ftString,
	"profile-submission-date": ftDate, "profile-last-modified-date": ftDate,
	"text": ftText,
}

// workIDFields are the per-type fields of work and research-resource
// identifiers ("the old way" of OrcidRecordToSolrDocument
// .addExternalIdentifiersToIndexDocument); doi goes to digital-object-ids
// and other-id to other-identifier-type.
var workIDFields = []string{"agr", "arxiv", "asin", "asin-tld", "bibcode", "cba", "cit", "ctx", "eid", "ethos",
	"handle", "hir", "isbn", "issn", "jfm", "jstor", "lccn", "mr", "oclc", "ol", "osti", "pat", "pmc", "pmid",
	"rfc", "source-work-id", "ssrn", "uri", "urn", "wosuid", "zbl", "other-identifier-type"}

// lookupField resolves a field name as Solr's schema does: declared
// fields, then the dynamic ones (*-self, *-part-of, *-version-of, *-org-id
// as strings, *-org-name as text). An unknown field is Solr's "undefined
// field" error.
func lookupField(name string) (fieldType, bool) {
	if t, ok := staticFields[name]; ok {
		return t, true
	}
	for _, f := range workIDFields {
		if f == name {
			return ftText, true
		}
	}
	for _, suf := range []string{"-self", "-part-of", "-version-of", "-org-id"} {
		if len(name) > len(suf) && strings.HasSuffix(name, suf) {
			return ftString, true
		}
	}
	if len(name) > len("-org-name") && strings.HasSuffix(name, "-org-name") {
		return ftText, true
	}
	return 0, false
}

// searchDoc is one record as the index holds it.
type searchDoc struct {
	orcid string
	seq   int                  // registration order, which breaks score ties as Solr's index order does
	vals  map[string][]string  // the stored values of each field
	toks  map[string][][]token // text fields analysed, one token list per value
	dates map[string]time.Time
}

type token struct {
	text string
	pos  int
}

func newSearchDoc(orcidID string, seq int) *searchDoc {
	return &searchDoc{orcid: orcidID, seq: seq, vals: map[string][]string{}, toks: map[string][][]token{}, dates: map[string]time.Time{}}
}

// add stores values of field, skipping blanks, and copies them into the
// catch-all text field (the schema's copyField source="*" dest="text").
func (d *searchDoc) add(field string, values ...string) {
	ft, _ := lookupField(field)
	for _, v := range values {
		if strings.TrimSpace(v) == "" {
			continue
		}
		d.vals[field] = append(d.vals[field], v)
		if ft == ftText || ft == ftName {
			d.toks[field] = append(d.toks[field], analyze(v, ft))
		}
		if field != "text" {
			d.vals["text"] = append(d.vals["text"], v)
			d.toks["text"] = append(d.toks["text"], analyze(v, ftText))
		}
	}
}

// analyze approximates StandardTokenizer (Unicode word boundaries: runs of
// letters and digits, joined across "." and "'" when both sides are
// letters or digits, and across "_") followed by LowerCaseFilter; ftName
// also folds diacritics away.
func analyze(s string, ft fieldType) []token {
	if ft == ftName {
		s = foldDiacritics(s)
	}
	var out []token
	rs := []rune(s)
	word := func(r rune) bool {
		return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || unicode.Is(unicode.Mn, r)
	}
	for i := 0; i < len(rs); {
		if !word(rs[i]) {
			i++
			continue
		}
		j := i
		for j < len(rs) {
			if word(rs[j]) {
				j++
				continue
			}
			if (rs[j] == '.' || rs[j] == '\'' || rs[j] == '\u2019') && j+1 < len(rs) && word(rs[j+1]) && j > i {
				j++
				continue
			}
			break
		}
		out = append(out, token{text: strings.ToLower(string(rs[i:j])), pos: len(out)})
		i = j
	}
	return out
}

// searchQuery is a parsed query: it decides whether a document matches
// and how well (the number of leaf queries that matched).
type searchQuery interface {
	match(d *searchDoc) (bool, int)
}

type occur int

const (
	occShould occur = iota
	occMust
	occMustNot
)

type boolClause struct {
	occ occur
	q   searchQuery
}

// boolQuery is Lucene's BooleanQuery: every MUST clause, no MUST_NOT
// clause, and, when there is no MUST clause, at least one SHOULD clause.
// A query of MUST_NOT clauses only matches everything else, as Solr makes
// pure negative queries queryable (QueryUtils.fixNegativeQueryIfNeeded).
type boolQuery struct{ clauses []boolClause }

func (b *boolQuery) match(d *searchDoc) (bool, int) {
	score, must, should, anyShould := 0, false, false, false
	for _, c := range b.clauses {
		ok, s := c.q.match(d)
		switch c.occ {
		case occMust:
			if !ok {
				return false, 0
			}
			must = true
			score += s
		case occMustNot:
			if ok {
				return false, 0
			}
		case occShould:
			anyShould = true
			if ok {
				should = true
				score += s
			}
		}
	}
	if !must && anyShould && !should {
		return false, 0
	}
	return true, score
}

type matchAllQuery struct{}

func (matchAllQuery) match(*searchDoc) (bool, int) { return true, 0 }

// leafKind is what a leaf query compares.
type leafKind int

const (
	leafTerm leafKind = iota
	leafPhrase
	leafPattern // wildcard or regular expression
	leafFuzzy
	leafRange
	leafExists
)

type leafQuery struct {
	field string
	ft    fieldType
	kind  leafKind
	text  string         // term (analysed for text fields)
	terms []string       // phrase tokens
	slop  int            // phrase slop
	re    *regexp.Regexp // pattern
	edits int            // fuzzy distance
	// ranges; nil bounds are open ("*")
	lo, hi       *string
	loT, hiT     *time.Time
	incLo, incHi bool
	when         time.Time // term on a date field
}

func (q *leafQuery) match(d *searchDoc) (bool, int) {
	if q.ft == ftDate {
		t, ok := d.dates[q.field]
		if !ok {
			return false, 0
		}
		switch q.kind {
		case leafExists:
			return true, 1
		case leafTerm:
			return t.Equal(q.when), 1
		case leafRange:
			if q.loT != nil && (t.Before(*q.loT) || (!q.incLo && t.Equal(*q.loT))) {
				return false, 0
			}
			if q.hiT != nil && (t.After(*q.hiT) || (!q.incHi && t.Equal(*q.hiT))) {
				return false, 0
			}
			return true, 1
		}
		return false, 0
	}
	n := 0
	if q.ft == ftString {
		for _, v := range d.vals[q.field] {
			if q.matchValue(v) {
				n++
			}
		}
		return n > 0, n
	}
	for _, toks := range d.toks[q.field] {
		if q.kind == leafPhrase {
			if phraseIn(toks, q.terms, q.slop) {
				n++
			}
			continue
		}
		for _, t := range toks {
			if q.matchValue(t.text) {
				n++
			}
		}
	}
	return n > 0, n
}

// matchValue compares one string value (string fields) or token (text
// fields) with a non-phrase leaf.
func (q *leafQuery) matchValue(v string) bool {
	switch q.kind {
	case leafExists:
		return true
	case leafTerm, leafPhrase:
		// A phrase on a string field is the whole value.
		return v == q.text
	case leafPattern:
		return q.re.MatchString(v)
	case leafFuzzy:
		return withinEdits(v, q.text, q.edits)
	case leafRange:
		if q.lo != nil && (v < *q.lo || (!q.incLo && v == *q.lo)) {
			return false
		}
		if q.hi != nil && (v > *q.hi || (!q.incHi && v == *q.hi)) {
			return false
		}
		return true
	}
	return false
}

// phraseIn reports whether terms occur in toks in order, each within slop
// positions of where an exact phrase would put it (Lucene's sloppy phrase
// also allows reordering; this does not).
func phraseIn(toks []token, terms []string, slop int) bool {
	for start := range toks {
		if toks[start].text != terms[0] {
			continue
		}
		pos, budget, ok := start, slop, true
		for _, term := range terms[1:] {
			found := false
			for p := pos + 1; p < len(toks) && p <= pos+1+budget; p++ {
				if toks[p].text == term {
					budget -= p - pos - 1
					pos, found = p, true
					break
				}
			}
			if !found {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// withinEdits is Damerau-Levenshtein distance <= max, which Lucene's
// FuzzyQuery uses (transpositions count as one edit).
func withinEdits(a, b string, max int) bool {
	ra, rb := []rune(a), []rune(b)
	if abs(len(ra)-len(rb)) > max {
		return false
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)] <= max
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// querySyntaxError is Solr's SyntaxError ("Cannot parse ..."), and also its
// "undefined field" error: both reach ORCID as a failed Solr request.
type querySyntaxError struct{ msg string }

func (e *querySyntaxError) Error() string { return e.msg }
