package xsdrules

import (
	"net"
	"strings"
)

// validAnyURI reports whether Xerces (the validator in ORCID's JVM) accepts
// s as an xs:anyURI. Xerces is lenient: it first escapes the characters
// XLink says to escape (controls, space, <>"{}|\^` and every non-ASCII
// character), then parses the result as an RFC 2396 reference relative to
// a dummy base. So "not a url" and "www.example.org" pass, while these fail:
//
//   - a scheme that is not a letter followed by letters, digits, + - .
//     ("1http://x", "ht tp://x", ":x");
//   - a scheme with nothing after it ("http:", "http:#top") or "//" with no
//     authority and nothing after it ("http://");
//   - a % not followed by two hex digits;
//   - [ or ] outside an IPv6 host, query or fragment, and a second #.
func validAnyURI(s string) bool {
	if s == "" {
		return true
	}
	rest := s
	if colon := strings.IndexByte(s, ':'); colon >= 0 {
		before := s[:colon]
		if colon == 0 {
			return false
		}
		// A colon after a / ? or # is part of a relative reference.
		if !strings.ContainsAny(before, "/?#") {
			if !validScheme(before) {
				return false
			}
			rest = s[colon+1:]
			if rest == "" || rest[0] == '#' {
				return false
			}
		}
	}
	// Whether anything (a query or fragment) follows the part parsed last.
	more := false
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		if !allChars(rest[i+1:], isURIC) {
			return false
		}
		rest, more = rest[:i], true
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		if !allChars(rest[i+1:], isURIC) {
			return false
		}
		rest, more = rest[:i], true
	}
	if after, ok := strings.CutPrefix(rest, "//"); ok {
		end := strings.IndexByte(after, '/')
		if end < 0 {
			end = len(after)
		}
		auth := after[:end]
		switch {
		case auth == "" && end == len(after) && !more:
			return false // "Expected authority."
		case auth != "" && !validAuthority(auth):
			return false
		}
		rest = after[end:]
	}
	return allChars(rest, isPathChar)
}

func validScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// validAuthority: a registry-based authority (the lenient form, which
// accepts any host name, port or user information made of allowed
// characters), or a server-based one with an IPv6 literal.
func validAuthority(a string) bool {
	if allChars(a, func(c byte) bool { return isUnreserved(c) || strings.IndexByte("$,;:@&=+", c) >= 0 }) {
		return true
	}
	host := a
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		if !allChars(host[:i], func(c byte) bool { return isUnreserved(c) || strings.IndexByte(";:&=+$,", c) >= 0 }) {
			return false
		}
		host = host[i+1:]
	}
	end := strings.IndexByte(host, ']')
	if !strings.HasPrefix(host, "[") || end < 0 {
		return false
	}
	if ip := net.ParseIP(host[1:end]); ip == nil || !strings.Contains(host[1:end], ":") {
		return false
	}
	port := host[end+1:]
	if port == "" {
		return true
	}
	if port[0] != ':' {
		return false
	}
	for i := 1; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return false
		}
	}
	return true
}

// allChars checks every character of s with ok, after Xerces' escaping
// (an escaped character is a valid %XX) and requiring every % to start an
// escape.
func allChars(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		case escaped(c), ok(c):
		default:
			return false
		}
	}
	return true
}

// escaped: the bytes Xerces escapes before parsing (every byte of a
// non-ASCII character included).
func escaped(c byte) bool {
	return c <= 0x20 || c >= 0x7f || strings.IndexByte("<>\"{}|\\^`", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.!~*'()", c) >= 0
}

// isURIC: reserved (with RFC 2732's brackets) or unreserved, for queries
// and fragments.
func isURIC(c byte) bool { return isUnreserved(c) || strings.IndexByte(";/?:@&=+$,[]", c) >= 0 }

func isPathChar(c byte) bool { return isUnreserved(c) || strings.IndexByte(";/:@&=+$,", c) >= 0 }
