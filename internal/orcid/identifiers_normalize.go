package orcid

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The normalisers of ORCID-Source orcid-core/src/main/java/org/orcid/core/
// utils/v3/identifiers/normalizers/*.java, one function each, reproducing
// what their java.util.regex patterns match. Go's RE2 picks the same match
// as Java's backtracking engine (leftmost, then the alternative a
// backtracker would take first), so a pattern carries over as is except
// where the two dialects differ:
//
//   - Java's \s is [ \t\n\x0B\f\r]; Go's lacks \x0B, so it is spelled out.
//   - Java's . stops at \n, \r, U+0085, U+2028 and U+2029; Go's only at \n.
//   - Java's CASE_INSENSITIVE folds ASCII only; Go's (?i) folds Unicode
//     (ſ matches s, K matches k), so letters are spelled [Pp][Mm]….
//   - Java 21's \b (ORCID builds with Java 21, pom.xml java.version) takes
//     ASCII [a-zA-Z0-9_] as word characters, like Go's, but also counts a
//     non-spacing mark after a letter or digit as part of the word; where a
//     \b follows a digit it is written out as (?:$|[^\w\p{Mn}]).
//   - Lookahead, which RE2 lacks, is done by hand (PMC).

// javaSpace is Java's \s.
const javaSpace = `[ \t\n\x0B\f\r]`

var (
	// ArxivNormalizer: `(?:(?i)arXiv:)?(\d{4}\.\d{4,5}(v\d)?|[\w-\.]+\/\d{7}(v\d)?)\b`.
	pidArxiv = regexp.MustCompile(`(?:(?i:arxiv:))?(\d{4}\.\d{4,5}(?:v\d)?|[\w\-.]+/\d{7}(?:v\d)?)(?:$|[^\w\p{Mn}])`)
	// BibcodeNormalizer; [Bc] is ORCID's (it makes "BIBCODE:" no prefix).
	pidBibcode = regexp.MustCompile(`(?:^|[Bb][Ii][Bb][Bc][Oo][Dd][Ee]:?` + javaSpace + `*|[^a-zA-Z0-9.])([0-9]{4}[.a-zA-Z0-9]{15})(?:$|[^a-zA-Z0-9.])`)
	// DOINormalizer: `(10(\.[0-9a-zA-Z]+)+\/(?:(?![\"&\'])\S)+)`.
	pidDOI = regexp.MustCompile(`10(?:\.[0-9a-zA-Z]+)+/[^"&' \t\n\x0B\f\r]+`)
	// ISBNNormalizer.
	pidISBN = regexp.MustCompile(`([0-9][-0-9 ]{8,15}[0-9xX])(?:$|[^0-9])`)
	// ISSNNormalizer (the dash may be an en dash).
	pidISSN = regexp.MustCompile(`(?:^|[^\d])(\d{4} ?[-–]? ?\d{3}[\dXx])(?:$|[^-\d])`)
	// PMIDNormalizer, CASE_INSENSITIVE:
	// `(?:^\s*|PMID:?\s*|pubmed\/|med\/|pubmed.ncbi.nlm.nih.gov\/)(\d+)(?:$|[^a-zA-Z0-9\.\-])`.
	pidPMID = regexp.MustCompile(`(?:^` + javaSpace + `*|[Pp][Mm][Ii][Dd]:?` + javaSpace + `*|[Pp][Uu][Bb][Mm][Ee][Dd]/|[Mm][Ee][Dd]/|` +
		`[Pp][Uu][Bb][Mm][Ee][Dd]` + javaDot + `[Nn][Cc][Bb][Ii]` + javaDot + `[Nn][Ll][Mm]` + javaDot + `[Nn][Ii][Hh]` + javaDot + `[Gg][Oo][Vv]/)` +
		`(\d+)(?:$|[^a-zA-Z0-9.\-])`)
	// CurieNormalizer (rrid).
	pidRRID = regexp.MustCompile(`(?:(?i:rrid:))?(AB_\d{6}|CVCL_[0-9A-Z]{4}|SCR_\d{6}|IMSR_JAX:\d{6}|Addgene_\d{5}|SAMN\d{8}|MMRRC_\d{6}-UCD)`)
)

// javaDot is Java's . without DOTALL.
const javaDot = `[^\n\r\x{85}\x{2028}\x{2029}]`

// firstGroup returns the first submatch of re's leftmost match, or "".
func firstGroup(re *regexp.Regexp, s string) string {
	m := re.FindStringSubmatch(s)
	if len(m) < 2 {
		return ""
	}
	return m[1]
}

// normalizeArxiv: "arXiv:" and the identifier (new or old style, with its
// version), wherever it is in the value.
func normalizeArxiv(s string) string {
	if n := firstGroup(pidArxiv, s); n != "" {
		return "arXiv:" + n
	}
	return ""
}

// normalizeBibcode: the 19-character bibcode.
func normalizeBibcode(s string) string {
	return firstGroup(pidBibcode, s)
}

// normalizeDOI: the first "10.x/…" in the value, after undoing XML escapes
// (repeatedly: ORCID saw doubly escaped DOIs). A prefix or resolver URL is
// dropped; case is untouched here (the case step lower-cases DOIs first).
func normalizeDOI(s string) string {
	if strings.Contains(s, "&") && strings.Contains(s, ";") {
		for {
			u := unescapeXML(s)
			if u == s {
				break
			}
			s = u
		}
	}
	return pidDOI.FindString(s)
}

// normalizeISBN: the first ISBN-like run with hyphens and spaces dropped and
// a final x upper-cased; "" unless it is then 10 or 13 characters long.
func normalizeISBN(s string) string {
	n := firstGroup(pidISBN, s)
	n = strings.NewReplacer("-", "", " ", "", "x", "X").Replace(n)
	if len(n) == 10 || len(n) == 13 {
		return n
	}
	return ""
}

// normalizeISSN: the first ISSN as 1234-567X.
func normalizeISSN(s string) string {
	n := firstGroup(pidISSN, s)
	if n == "" {
		return ""
	}
	n = strings.NewReplacer(" ", "", "-", "", "–", "", "x", "X").Replace(n)
	return n[:4] + "-" + n[4:8]
}

// normalizePMID: the digits of a bare PMID, or after "PMID:", "pubmed/",
// "med/" or "pubmed.ncbi.nlm.nih.gov/".
func normalizePMID(s string) string {
	return firstGroup(pidPMID, s)
}

// normalizeRRID: "RRID:" and the identifier of one of the known
// authorities.
func normalizeRRID(s string) string {
	if n := firstGroup(pidRRID, s); n != "" {
		return "RRID:" + n
	}
	return ""
}

// normalizeURI adds "http://" unless the value starts with http://,
// https://, ftp:// or ftps:// (in lower case: uri is case-sensitive). It
// never fails.
func normalizeURI(s string) string {
	for _, p := range []string{"http://", "https://", "ftp://", "ftps://"} {
		if strings.HasPrefix(s, p) {
			return s
		}
	}
	return "http://" + s
}

// normalizePMC is PMCNormalizer's
// `(?:^|[Pp][Mm][Cc]-?\/?)\s*(\d{5,9}(?!.+PMC))(?:$|\b)` by hand, RE2 having
// no lookahead: at each position, from the left, a start of input or "pmc"
// (any case) with an optional "-" and "/", spaces, then 5 to 9 digits that
// end a word and are not followed on their line by a later "PMC" (upper
// case: once the case step has lower-cased the value, never).
func normalizePMC(s string) string {
	for start := 0; start <= len(s); start++ {
		// The alternatives in Java's order: ^ first, then the prefix.
		if start == 0 {
			if d, ok := pmcDigitsAt(s, 0); ok {
				return d
			}
		}
		// Byte|0x20 lower-cases ASCII letters and maps nothing else onto
		// them, so this is [Pp][Mm][Cc].
		if start+3 <= len(s) && s[start]|0x20 == 'p' && s[start+1]|0x20 == 'm' && s[start+2]|0x20 == 'c' {
			p := start + 3
			if p < len(s) && s[p] == '-' {
				p++
			}
			if p < len(s) && s[p] == '/' {
				p++
			}
			if d, ok := pmcDigitsAt(s, p); ok {
				return d
			}
		}
	}
	return ""
}

// pmcDigitsAt matches `\s*(\d{5,9}(?!.+PMC))(?:$|\b)` at p. Backtracking
// cannot help: fewer digits leave a digit next, which is no word end.
func pmcDigitsAt(s string, p int) (string, bool) {
	for p < len(s) && strings.IndexByte(" \t\n\x0b\f\r", s[p]) >= 0 {
		p++
	}
	end := p
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if n := end - p; n < 5 || n > 9 {
		return "", false
	}
	// (?!.+PMC): a "PMC" starting at least one character later, with no
	// line terminator before it.
	line := s[end:]
	if i := strings.IndexFunc(line, isJavaLineTerminator); i >= 0 {
		line = line[:i]
	}
	if _, w := utf8.DecodeRuneInString(line); w > 0 && strings.Contains(line[w:], "PMC") {
		return "", false
	}
	if end < len(s) {
		r, _ := utf8.DecodeRuneInString(s[end:])
		if isASCIIWord(r) || unicode.Is(unicode.Mn, r) {
			return "", false
		}
	}
	return s[p:end], true
}

func isASCIIWord(r rune) bool {
	return r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
}

func isJavaLineTerminator(r rune) bool {
	return r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029
}

// unescapeXML is one pass of commons-lang3 StringEscapeUtils.unescapeXml:
// &quot; &amp; &lt; &gt; &apos; and numeric references (&#65; &#x41;),
// which need their semicolon. A reference that does not parse, or names no
// character, is left as it is.
func unescapeXML(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '&' {
			b.WriteByte(s[i])
			i++
			continue
		}
		rest := s[i:]
		replaced := false
		for _, e := range [...]struct{ from, to string }{
			{"&quot;", `"`}, {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&apos;", "'"},
		} {
			if strings.HasPrefix(rest, e.from) {
				b.WriteString(e.to)
				i += len(e.from)
				replaced = true
				break
			}
		}
		if replaced {
			continue
		}
		if r, n := numericReference(rest); n > 0 {
			b.WriteRune(r)
			i += n
			continue
		}
		b.WriteByte('&')
		i++
	}
	return b.String()
}

// numericReference parses "&#…;" at the start of s as NumericEntityUnescaper
// does and returns the character and the bytes it spans, or n == 0.
func numericReference(s string) (rune, int) {
	if len(s) < 4 || s[1] != '#' {
		return 0, 0
	}
	start, base := 2, 10
	if s[2] == 'x' || s[2] == 'X' {
		start, base = 3, 16
	}
	end := start
	// Like the Java, it scans hex digits even in decimal and lets the
	// parse reject them.
	for end < len(s) && strings.IndexByte("0123456789abcdefABCDEF", s[end]) >= 0 {
		end++
	}
	if end == len(s) || s[end] != ';' {
		return 0, 0
	}
	v, err := strconv.ParseInt(s[start:end], base, 32)
	// Java throws on a code point past U+10FFFF, and a lone surrogate has
	// no UTF-8 form; the reference is kept rather than guessed at.
	if err != nil || v > unicode.MaxRune || (v >= 0xD800 && v <= 0xDFFF) {
		return 0, 0
	}
	return rune(v), end + 1
}

// javaLowerCase is Java's String.toLowerCase() in an English locale: the
// simple Unicode lower-case mapping, as Go's, plus Java's two special
// cases: İ becomes "i̇" (two characters), and Σ becomes final ς at the end
// of a word. Java finds word ends with its BreakIterator; here a word is a
// run of letters, digits, marks and underscores, which agrees for every
// value an identifier plausibly holds.
func javaLowerCase(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		switch r {
		case 'İ':
			b.WriteString("i\u0307")
		case 'Σ':
			if finalSigma(rs, i) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma is ConditionalSpecialCasing.isFinalCased: a cased letter
// earlier in the word and none later.
func finalSigma(rs []rune, i int) bool {
	before := false
	for j := i - 1; j >= 0 && inWord(rs[j]); j-- {
		if isCased(rs[j]) {
			before = true
			break
		}
	}
	if !before {
		return false
	}
	for j := i + 1; j < len(rs) && inWord(rs[j]); j++ {
		if isCased(rs[j]) {
			return false
		}
	}
	return true
}

func inWord(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// isCased is Java's ConditionalSpecialCasing.isCased: upper, lower or title
// case letters, and the few others Unicode calls cased.
func isCased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}
