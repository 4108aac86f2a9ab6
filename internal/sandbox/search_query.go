package sandbox

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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

// ---- lexer ----

type qtokKind int

const (
	qtEOF qtokKind = iota
	qtAnd
	qtOr
	qtNot
	qtPlus
	qtMinus
	qtLParen
	qtRParen
	qtColon
	qtCaret  // ^boost
	qtTilde  // ~ with optional number
	qtQuoted // "phrase"
	qtTerm   // term, possibly with wildcards
	qtRange  // [a TO b] / {a TO b}
	qtRegexp // /regexp/
)

// patRune is a rune of a term with whether it was escaped, so that an
// escaped * or ? stays literal.
type patRune struct {
	r   rune
	esc bool
}

type qtok struct {
	kind         qtokKind
	runes        []patRune // qtTerm
	text         string    // qtQuoted, qtRegexp, qtCaret/qtTilde number; unescaped term text
	lo, hi       string    // qtRange
	incLo, incHi bool
	loQ, hiQ     bool // quoted bound (never "*")
}

func (t qtok) wild() bool {
	for _, r := range t.runes {
		if !r.esc && (r.r == '*' || r.r == '?') {
			return true
		}
	}
	return false
}

type qlexer struct {
	s   []rune
	i   int
	buf []qtok
}

func isQuerySpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u3000'
}

// isTermStart follows _TERM_START_CHAR of Lucene's QueryParser.jj (with *
// and ? allowed, as WILDTERM does); isTermChar adds "-" and "+".
func isTermStart(r rune) bool {
	return !isQuerySpace(r) && !strings.ContainsRune(`+-!():^[]"{}~\/`, r)
}

func isTermChar(r rune) bool { return isTermStart(r) || r == '-' || r == '+' }

func (l *qlexer) peek(n int) (qtok, error) {
	for len(l.buf) <= n {
		t, err := l.scan()
		if err != nil {
			return qtok{}, err
		}
		l.buf = append(l.buf, t)
	}
	return l.buf[n], nil
}

func (l *qlexer) next() (qtok, error) {
	t, err := l.peek(0)
	if err != nil {
		return t, err
	}
	l.buf = l.buf[1:]
	return t, nil
}

func (l *qlexer) errf(format string, args ...any) error {
	return &querySyntaxError{msg: fmt.Sprintf("org.apache.solr.search.SyntaxError: Cannot parse '%s': %s", string(l.s), fmt.Sprintf(format, args...))}
}

func (l *qlexer) scan() (qtok, error) {
	for l.i < len(l.s) && isQuerySpace(l.s[l.i]) {
		l.i++
	}
	if l.i >= len(l.s) {
		return qtok{kind: qtEOF}, nil
	}
	r := l.s[l.i]
	switch r {
	case '+':
		l.i++
		return qtok{kind: qtPlus}, nil
	case '-':
		l.i++
		return qtok{kind: qtMinus}, nil
	case '!':
		l.i++
		return qtok{kind: qtNot}, nil
	case '(':
		l.i++
		return qtok{kind: qtLParen}, nil
	case ')':
		l.i++
		return qtok{kind: qtRParen}, nil
	case ':':
		l.i++
		return qtok{kind: qtColon}, nil
	case '^', '~':
		l.i++
		start := l.i
		for l.i < len(l.s) && (unicode.IsDigit(l.s[l.i]) || l.s[l.i] == '.') {
			l.i++
		}
		kind := qtCaret
		if r == '~' {
			kind = qtTilde
		}
		num := string(l.s[start:l.i])
		if kind == qtCaret && num == "" {
			return qtok{}, l.errf("Encountered \"^\" without a boost value")
		}
		return qtok{kind: kind, text: num}, nil
	case '"':
		l.i++
		var b strings.Builder
		for {
			if l.i >= len(l.s) {
				return qtok{}, l.errf("Lexical error: unterminated quoted string")
			}
			c := l.s[l.i]
			if c == '\\' && l.i+1 < len(l.s) {
				b.WriteRune(l.s[l.i+1])
				l.i += 2
				continue
			}
			l.i++
			if c == '"' {
				return qtok{kind: qtQuoted, text: b.String()}, nil
			}
			b.WriteRune(c)
		}
	case '/':
		l.i++
		var b strings.Builder
		for {
			if l.i >= len(l.s) {
				return qtok{}, l.errf("Lexical error: unterminated regular expression")
			}
			c := l.s[l.i]
			if c == '\\' && l.i+1 < len(l.s) && l.s[l.i+1] == '/' {
				b.WriteRune('/')
				l.i += 2
				continue
			}
			l.i++
			if c == '/' {
				return qtok{kind: qtRegexp, text: b.String()}, nil
			}
			b.WriteRune(c)
		}
	case '[', '{':
		return l.scanRange()
	case ']', '}':
		return qtok{}, l.errf("Encountered \"%c\"", r)
	}
	// A term (or AND / OR / NOT / && / ||).
	var runes []patRune
	first := true
	for l.i < len(l.s) {
		c := l.s[l.i]
		if c == '\\' {
			if l.i+1 >= len(l.s) {
				return qtok{}, l.errf("Term can not end with escape character.")
			}
			runes = append(runes, patRune{l.s[l.i+1], true})
			l.i += 2
			first = false
			continue
		}
		if (first && !isTermStart(c)) || (!first && !isTermChar(c)) {
			break
		}
		runes = append(runes, patRune{c, false})
		l.i++
		first = false
	}
	t := qtok{kind: qtTerm, runes: runes}
	var b strings.Builder
	escaped := false
	for _, pr := range runes {
		b.WriteRune(pr.r)
		escaped = escaped || pr.esc
	}
	t.text = b.String()
	if !escaped {
		switch t.text {
		case "AND", "&&":
			return qtok{kind: qtAnd}, nil
		case "OR", "||":
			return qtok{kind: qtOr}, nil
		case "NOT":
			return qtok{kind: qtNot}, nil
		}
	}
	return t, nil
}

// scanRange reads [lo TO hi] or {lo TO hi} (either closing bracket).
func (l *qlexer) scanRange() (qtok, error) {
	t := qtok{kind: qtRange, incLo: l.s[l.i] == '['}
	l.i++
	bound := func() (string, bool, error) {
		for l.i < len(l.s) && isQuerySpace(l.s[l.i]) {
			l.i++
		}
		if l.i >= len(l.s) {
			return "", false, l.errf("Encountered \"<EOF>\" in a range")
		}
		if l.s[l.i] == '"' {
			l.i++
			var b strings.Builder
			for l.i < len(l.s) && l.s[l.i] != '"' {
				if l.s[l.i] == '\\' && l.i+1 < len(l.s) {
					l.i++
				}
				b.WriteRune(l.s[l.i])
				l.i++
			}
			if l.i >= len(l.s) {
				return "", false, l.errf("Lexical error: unterminated quoted string")
			}
			l.i++
			return b.String(), true, nil
		}
		start := l.i
		for l.i < len(l.s) && !isQuerySpace(l.s[l.i]) && l.s[l.i] != ']' && l.s[l.i] != '}' {
			l.i++
		}
		return string(l.s[start:l.i]), false, nil
	}
	var err error
	if t.lo, t.loQ, err = bound(); err != nil {
		return t, err
	}
	to, _, err := bound()
	if err != nil {
		return t, err
	}
	if to != "TO" {
		return t, l.errf("Encountered \"%s\" where \"TO\" was expected", to)
	}
	if t.hi, t.hiQ, err = bound(); err != nil {
		return t, err
	}
	for l.i < len(l.s) && isQuerySpace(l.s[l.i]) {
		l.i++
	}
	if l.i >= len(l.s) || (l.s[l.i] != ']' && l.s[l.i] != '}') {
		return t, l.errf("Encountered \"<EOF>\" where \"]\" or \"}\" was expected")
	}
	t.incHi = l.s[l.i] == ']'
	l.i++
	return t, nil
}

// ---- parser ----

// queryParser is Lucene's QueryParser with Solr's defaults: OR between
// clauses without an operator, and the default field(s) for bare terms:
// text, or the qf fields of a dismax or edismax request.
type queryParser struct {
	lex       *qlexer
	defFields []string
	now       time.Time
	depth     int
}

// parseSearchQuery parses q. An empty (or blank) q is Solr's null query,
// which matches nothing.
func parseSearchQuery(q string, defFields []string, now time.Time) (searchQuery, error) {
	if strings.TrimSpace(q) == "" {
		return nil, nil
	}
	if !utf8.ValidString(q) {
		return nil, &querySyntaxError{msg: "org.apache.solr.search.SyntaxError: invalid UTF-8 in query"}
	}
	if len(defFields) == 0 {
		defFields = []string{"text"}
	}
	p := &queryParser{lex: &qlexer{s: []rune(q)}, defFields: defFields, now: now}
	res, err := p.query("")
	if err != nil {
		return nil, err
	}
	t, err := p.lex.peek(0)
	if err != nil {
		return nil, err
	}
	if t.kind != qtEOF {
		return nil, p.lex.errf("Encountered \")\"")
	}
	if res == nil {
		return nil, nil
	}
	return res, nil
}

// query parses clauses up to ")" or the end, combining them as Lucene's
// QueryParserBase.addClause does with the OR default operator.
func (p *queryParser) query(field string) (searchQuery, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxQueryDepth {
		return nil, p.lex.errf("too many nested parentheses")
	}
	var clauses []boolClause
	var first searchQuery
	n := 0
	for {
		t, err := p.lex.peek(0)
		if err != nil {
			return nil, err
		}
		if t.kind == qtEOF || t.kind == qtRParen {
			break
		}
		conjAnd := false
		if t.kind == qtAnd || t.kind == qtOr {
			if n == 0 {
				return nil, p.lex.errf("Encountered \"%s\" at start of query", map[qtokKind]string{qtAnd: "AND", qtOr: "OR"}[t.kind])
			}
			conjAnd = t.kind == qtAnd
			_, _ = p.lex.next()
			if t, err = p.lex.peek(0); err != nil {
				return nil, err
			}
		}
		mods := occShould
		switch t.kind {
		case qtPlus:
			mods = occMust
			_, _ = p.lex.next()
		case qtMinus, qtNot:
			mods = occMustNot
			_, _ = p.lex.next()
		}
		q, err := p.clause(field)
		if err != nil {
			return nil, err
		}
		// An AND makes the previous clause required, unless prohibited.
		if conjAnd && len(clauses) > 0 && clauses[len(clauses)-1].occ != occMustNot {
			clauses[len(clauses)-1].occ = occMust
		}
		if n == 0 && mods == occShould {
			first = q
		}
		n++
		if q == nil {
			// Everything analysed away (punctuation only): Lucene drops it.
			continue
		}
		occ := mods
		if conjAnd && occ != occMustNot {
			occ = occMust
		}
		clauses = append(clauses, boolClause{occ: occ, q: q})
	}
	if n == 0 {
		if p.depth > 1 {
			return nil, p.lex.errf("Encountered \")\" in an empty group")
		}
		return nil, nil
	}
	if len(clauses) == 1 && first != nil && clauses[0].occ == occShould {
		return first, nil
	}
	if len(clauses) == 0 {
		return nil, nil
	}
	return fixNegative(&boolQuery{clauses: clauses}), nil
}

// fixNegative gives a query of prohibited clauses only something to
// subtract from (Solr's QueryUtils.fixNegativeQueryIfNeeded).
func fixNegative(b *boolQuery) searchQuery {
	for _, c := range b.clauses {
		if c.occ != occMustNot {
			return b
		}
	}
	b.clauses = append(b.clauses, boolClause{occ: occMust, q: matchAllQuery{}})
	return b
}

func (p *queryParser) clause(field string) (searchQuery, error) {
	t, err := p.lex.peek(0)
	if err != nil {
		return nil, err
	}
	if t.kind == qtTerm {
		t2, err := p.lex.peek(1)
		if err != nil {
			return nil, err
		}
		if t2.kind == qtColon && (!t.wild() || t.text == "*") {
			_, _ = p.lex.next()
			_, _ = p.lex.next()
			field = t.text
			if t, err = p.lex.peek(0); err != nil {
				return nil, err
			}
		}
	}
	if t.kind == qtLParen {
		_, _ = p.lex.next()
		q, err := p.query(field)
		if err != nil {
			return nil, err
		}
		end, err := p.lex.next()
		if err != nil {
			return nil, err
		}
		if end.kind != qtRParen {
			return nil, p.lex.errf("Encountered \"<EOF>\" where \")\" was expected")
		}
		if err := p.skipBoost(); err != nil {
			return nil, err
		}
		return q, nil
	}
	return p.term(field)
}

func (p *queryParser) skipBoost() error {
	t, err := p.lex.peek(0)
	if err != nil {
		return err
	}
	if t.kind == qtCaret {
		_, _ = p.lex.next()
		if _, err := strconv.ParseFloat(t.text, 64); err != nil {
			return p.lex.errf("bad boost %q", t.text)
		}
	}
	return nil
}

// term parses one term, phrase, range or regular expression (with its
// ~ and ^ suffixes) and builds the query for field ("" = default fields).
func (p *queryParser) term(field string) (searchQuery, error) {
	t, err := p.lex.next()
	if err != nil {
		return nil, err
	}
	fuzzy, slop := -1, 0
	switch t.kind {
	case qtTerm, qtQuoted:
		n, err := p.lex.peek(0)
		if err != nil {
			return nil, err
		}
		if n.kind == qtTilde {
			_, _ = p.lex.next()
			v := 2
			if n.text != "" {
				f, err := strconv.ParseFloat(n.text, 64)
				if err != nil {
					return nil, p.lex.errf("bad ~ value %q", n.text)
				}
				// Lucene: an integer is the edit distance (at most 2); a
				// fraction is the old similarity, which now means 2 edits.
				if f >= 1 {
					v = int(f)
				}
			}
			if t.kind == qtTerm {
				fuzzy = min(v, 2)
			} else {
				slop = v
				if n.text != "" {
					f, _ := strconv.ParseFloat(n.text, 64)
					slop = int(f)
				}
			}
		}
	case qtRange, qtRegexp:
	case qtEOF:
		return nil, p.lex.errf("Encountered \"<EOF>\"")
	default:
		return nil, p.lex.errf("Encountered an operator where a term was expected")
	}
	if err := p.skipBoost(); err != nil {
		return nil, err
	}
	fields := p.defFields
	if field != "" {
		fields = []string{field}
	}
	var qs []searchQuery
	for _, f := range fields {
		q, err := p.build(f, t, fuzzy, slop)
		if err != nil {
			return nil, err
		}
		if q != nil {
			qs = append(qs, q)
		}
	}
	switch len(qs) {
	case 0:
		return nil, nil
	case 1:
		return qs[0], nil
	}
	b := &boolQuery{}
	for _, q := range qs {
		b.clauses = append(b.clauses, boolClause{occ: occShould, q: q})
	}
	return b, nil
}

// build makes the query of token t on one field, analysing it by the
// field's type.
func (p *queryParser) build(field string, t qtok, fuzzy, slop int) (searchQuery, error) {
	if field == "*" {
		if t.kind == qtTerm && t.text == "*" {
			return matchAllQuery{}, nil
		}
		return nil, &querySyntaxError{msg: "undefined field *"}
	}
	ft, ok := lookupField(field)
	if !ok {
		return nil, &querySyntaxError{msg: "undefined field " + field}
	}
	leaf := &leafQuery{field: field, ft: ft}
	if ft == ftDate {
		return p.buildDate(leaf, t)
	}
	norm := func(s string) string {
		if ft == ftName {
			s = foldDiacritics(s)
		}
		if ft == ftString {
			return s
		}
		return strings.ToLower(s)
	}
	switch t.kind {
	case qtRange:
		leaf.kind, leaf.incLo, leaf.incHi = leafRange, t.incLo, t.incHi
		if t.loQ || t.lo != "*" {
			v := norm(t.lo)
			leaf.lo = &v
		}
		if t.hiQ || t.hi != "*" {
			v := norm(t.hi)
			leaf.hi = &v
		}
		return leaf, nil
	case qtRegexp:
		src := t.text
		if ft != ftString {
			src = strings.ToLower(src)
		}
		re, err := regexp.Compile(`^(?:` + src + `)$`)
		if err != nil {
			return nil, &querySyntaxError{msg: "org.apache.solr.search.SyntaxError: invalid regular expression: " + err.Error()}
		}
		leaf.kind, leaf.re = leafPattern, re
		return leaf, nil
	case qtQuoted:
		if ft == ftString {
			leaf.kind, leaf.text = leafPhrase, t.text
			return leaf, nil
		}
		toks := analyze(t.text, ft)
		switch len(toks) {
		case 0:
			return nil, nil
		case 1:
			leaf.kind, leaf.text = leafTerm, toks[0].text
			return leaf, nil
		}
		leaf.kind, leaf.slop = leafPhrase, slop
		for _, tk := range toks {
			leaf.terms = append(leaf.terms, tk.text)
		}
		return leaf, nil
	}
	// A bare term.
	if t.text == "*" && !t.runes[0].esc {
		leaf.kind = leafExists
		return leaf, nil
	}
	if t.wild() {
		var b strings.Builder
		b.WriteString(`^(?s:`)
		for _, pr := range t.runes {
			switch {
			case !pr.esc && pr.r == '*':
				b.WriteString(`.*`)
			case !pr.esc && pr.r == '?':
				b.WriteString(`.`)
			default:
				b.WriteString(regexp.QuoteMeta(norm(string(pr.r))))
			}
		}
		b.WriteString(`)$`)
		leaf.kind, leaf.re = leafPattern, regexp.MustCompile(b.String())
		return leaf, nil
	}
	if fuzzy >= 0 {
		leaf.kind, leaf.edits, leaf.text = leafFuzzy, fuzzy, norm(t.text)
		return leaf, nil
	}
	if ft == ftString {
		leaf.kind, leaf.text = leafTerm, t.text
		return leaf, nil
	}
	toks := analyze(t.text, ft)
	switch len(toks) {
	case 0:
		return nil, nil
	case 1:
		leaf.kind, leaf.text = leafTerm, toks[0].text
		return leaf, nil
	}
	// Several tokens from one term (a hyphenated name, a DOI): Solr
	// (sow=false, autoGeneratePhraseQueries=false) ORs them.
	b := &boolQuery{}
	for _, tk := range toks {
		b.clauses = append(b.clauses, boolClause{occ: occShould, q: &leafQuery{field: field, ft: ft, kind: leafTerm, text: tk.text}})
	}
	return b, nil
}

func (p *queryParser) buildDate(leaf *leafQuery, t qtok) (searchQuery, error) {
	switch t.kind {
	case qtRange:
		leaf.kind, leaf.incLo, leaf.incHi = leafRange, t.incLo, t.incHi
		if t.lo != "*" || t.loQ {
			v, err := parseSolrDate(t.lo, p.now)
			if err != nil {
				return nil, err
			}
			leaf.loT = &v
		}
		if t.hi != "*" || t.hiQ {
			v, err := parseSolrDate(t.hi, p.now)
			if err != nil {
				return nil, err
			}
			leaf.hiT = &v
		}
		return leaf, nil
	case qtTerm, qtQuoted:
		if t.text == "*" {
			leaf.kind = leafExists
			return leaf, nil
		}
		v, err := parseSolrDate(t.text, p.now)
		if err != nil {
			return nil, err
		}
		leaf.kind, leaf.when = leafTerm, v
		return leaf, nil
	}
	return nil, &querySyntaxError{msg: "Can't run a regular expression query on a date field"}
}

// parseSolrDate reads Solr's date syntax: an ISO-8601 instant in UTC
// ("2018-01-01T00:00:00Z") or NOW, followed by date math (+1DAY, -2YEARS,
// /DAY) as DateMathParser does.
func parseSolrDate(s string, now time.Time) (time.Time, error) {
	bad := &querySyntaxError{msg: "Invalid Date String:'" + s + "'"}
	var t time.Time
	rest := s
	if strings.HasPrefix(s, "NOW") {
		t, rest = now.UTC(), s[3:]
	} else {
		end := strings.IndexByte(s, 'Z')
		if end < 0 {
			return t, bad
		}
		v, err := time.Parse(time.RFC3339Nano, s[:end+1])
		if err != nil {
			return t, bad
		}
		t, rest = v.UTC(), s[end+1:]
	}
	for rest != "" {
		op := rest[0]
		rest = rest[1:]
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		n := 0
		if op != '/' {
			if i == 0 {
				return t, bad
			}
			n, _ = strconv.Atoi(rest[:i])
		}
		j := i
		for j < len(rest) && rest[j] >= 'A' && rest[j] <= 'Z' {
			j++
		}
		unit := strings.TrimSuffix(rest[i:j], "S")
		rest = rest[j:]
		switch op {
		case '+', '-':
			if op == '-' {
				n = -n
			}
			switch unit {
			case "YEAR":
				t = t.AddDate(n, 0, 0)
			case "MONTH":
				t = t.AddDate(0, n, 0)
			case "DAY", "DATE":
				t = t.AddDate(0, 0, n)
			case "HOUR":
				t = t.Add(time.Duration(n) * time.Hour)
			case "MINUTE":
				t = t.Add(time.Duration(n) * time.Minute)
			case "SECOND":
				t = t.Add(time.Duration(n) * time.Second)
			case "MILLI", "MILLISECOND":
				t = t.Add(time.Duration(n) * time.Millisecond)
			default:
				return t, bad
			}
		case '/':
			y, mo, d := t.Date()
			switch unit {
			case "YEAR":
				t = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
			case "MONTH":
				t = time.Date(y, mo, 1, 0, 0, 0, 0, time.UTC)
			case "DAY", "DATE":
				t = time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
			case "HOUR":
				t = t.Truncate(time.Hour)
			case "MINUTE":
				t = t.Truncate(time.Minute)
			case "SECOND":
				t = t.Truncate(time.Second)
			default:
				return t, bad
			}
		default:
			return t, bad
		}
	}
	return t, nil
}
