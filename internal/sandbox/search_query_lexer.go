package sandbox

import (
	"fmt"
	"strings"
	"unicode"
)

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
