package main

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// translatePattern turns an XML Schema regular expression (XSD part 2,
// appendix F) into an equivalent Go regexp. The two dialects differ in ways
// that matter for ORCID's patterns:
//
//   - an XSD pattern matches the whole value: it is implicitly anchored;
//   - ^ and $ are ordinary characters in XSD, anchors in Go;
//   - \d is any Unicode decimal digit in XSD, ASCII only in Go;
//   - \s is exactly space, tab, newline and carriage return in XSD (Go adds
//     form feed), and . excludes carriage return as well as newline.
//
// Constructs without a faithful translation (\i, \c, \w, block escapes,
// character-class subtraction) make generation fail rather than yield a
// rule that accepts or refuses the wrong values.
func translatePattern(p string) (string, error) {
	var b strings.Builder
	b.WriteString(`^(?:`)
	inClass := false
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		switch {
		case r == '\\':
			if i+1 >= len(p) {
				return "", fmt.Errorf("pattern %q: trailing backslash", p)
			}
			e := p[i+1]
			n := 2
			switch e {
			case 'd':
				b.WriteString(classOr(inClass, `\p{Nd}`))
			case 's':
				b.WriteString(classOr(inClass, `\t\n\r `))
			case 'S':
				if inClass {
					// Every character but the four XSD whitespace ones.
					b.WriteString(`\x00-\x08\x0B\x0C\x0E-\x1F\x21-\x{10FFFF}`)
				} else {
					b.WriteString(`[^\t\n\r ]`)
				}
			case 'D':
				if inClass {
					return "", fmt.Errorf("pattern %q: \\D inside a class is not translated", p)
				}
				b.WriteString(`[^\p{Nd}]`)
			case 'n', 'r', 't', '\\', '|', '.', '-', '^', '?', '*', '+', '{', '}', '(', ')', '[', ']', '$':
				b.WriteString(`\` + string(e))
			case 'p', 'P':
				end := strings.IndexByte(p[i:], '}')
				if i+2 >= len(p) || p[i+2] != '{' || end < 0 {
					return "", fmt.Errorf("pattern %q: malformed \\%c", p, e)
				}
				name := p[i+3 : i+end]
				if !knownCategory(name) {
					return "", fmt.Errorf("pattern %q: \\%c{%s} has no Go equivalent", p, e, name)
				}
				b.WriteString(p[i : i+end+1])
				n = end + 1
			default:
				// \i \c \I \C \w \W and anything unknown.
				return "", fmt.Errorf("pattern %q: escape \\%c is not translated", p, e)
			}
			i += n
			continue
		case inClass && r == '-' && i+1 < len(p) && p[i+1] == '[':
			return "", fmt.Errorf("pattern %q: character-class subtraction is not translated", p)
		case inClass && r == '[':
			return "", fmt.Errorf("pattern %q: unescaped [ inside a class", p)
		case inClass && r == ']':
			inClass = false
			b.WriteByte(']')
		case inClass:
			b.WriteRune(r)
		case r == '[':
			inClass = true
			b.WriteByte('[')
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
		case r == '.':
			b.WriteString(`[^\n\r]`)
		case r == '^' || r == '$':
			b.WriteString(`\` + string(r))
		default:
			b.WriteRune(r)
		}
		i += size
	}
	if inClass {
		return "", fmt.Errorf("pattern %q: unterminated character class", p)
	}
	b.WriteString(`)$`)
	out := b.String()
	if _, err := regexp.Compile(out); err != nil {
		return "", fmt.Errorf("pattern %q translated to %q: %w", p, out, err)
	}
	return out, nil
}

// classOr writes the characters of a class escape, bracketed unless already
// inside a class.
func classOr(inClass bool, chars string) string {
	if inClass {
		return chars
	}
	return "[" + chars + "]"
}

// knownCategory reports whether name is a Unicode general category that
// both XSD and Go's regexp know.
func knownCategory(name string) bool {
	switch name {
	case "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No",
		"P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Z", "Zs", "Zl", "Zp",
		"S", "Sm", "Sc", "Sk", "So", "C", "Cc", "Cf", "Co", "Cn":
		return true
	}
	return false
}
