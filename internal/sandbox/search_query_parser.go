package sandbox

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

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
		q, toks, done := analyzeLeaf(leaf, t.text, leafPhrase)
		if done {
			return q, nil
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
	q, toks, done := analyzeLeaf(leaf, t.text, leafTerm)
	if done {
		return q, nil
	}
	// Several tokens from one term (a hyphenated name, a DOI): Solr
	// (sow=false, autoGeneratePhraseQueries=false) ORs them.
	b := &boolQuery{}
	for _, tk := range toks {
		b.clauses = append(b.clauses, boolClause{occ: occShould, q: &leafQuery{field: field, ft: ft, kind: leafTerm, text: tk.text}})
	}
	return b, nil
}

// analyzeLeaf analyzes text for leaf's field. A string field's text stays
// whole (a leaf of kind whole) and text of one token is a term: both done,
// with q the leaf; text of no tokens is done with q nil (it matches
// nothing). Text of several tokens is not done: the caller combines toks.
func analyzeLeaf(leaf *leafQuery, text string, whole leafKind) (q searchQuery, toks []token, done bool) {
	if leaf.ft == ftString {
		leaf.kind, leaf.text = whole, text
		return leaf, nil, true
	}
	toks = analyze(text, leaf.ft)
	switch len(toks) {
	case 0:
		return nil, nil, true
	case 1:
		leaf.kind, leaf.text = leafTerm, toks[0].text
		return leaf, nil, true
	}
	return nil, toks, false
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
