package orcid

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

const redacted = "[REDACTED]"

// sensitiveKeys are form fields and JSON keys whose values are credentials.
var sensitiveKeys = []string{"access_token", "refresh_token", "id_token", "client_secret", "code", "token"}

// redact replaces every occurrence of every secret. Secrets shorter than 6
// characters are skipped, except authorization codes, which ORCID makes 6
// long; empty strings never match.
func redact(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 6 {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}

func redactHeader(h http.Header, secrets []string) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		for _, v := range vs {
			switch http.CanonicalHeaderKey(k) {
			case "Authorization", "Cookie", "Set-Cookie":
				scheme, _, _ := strings.Cut(v, " ")
				v = scheme + " " + redacted
			default:
				v = redact(v, secrets)
			}
			out.Add(k, v)
		}
	}
	return out
}

// redactBody hides secrets in any body, and sensitive fields of form and
// JSON bodies even when their values were not known in advance.
func redactBody(b []byte, secrets []string) []byte {
	if len(b) == 0 {
		return nil
	}
	s := redact(string(b), secrets)
	if form, err := url.ParseQuery(s); err == nil && strings.Contains(s, "=") && !strings.ContainsAny(s, "{<") {
		changed := false
		for _, k := range sensitiveKeys {
			if form.Has(k) {
				form.Set(k, redacted)
				changed = true
			}
		}
		if changed {
			return []byte(form.Encode())
		}
	}
	for _, v := range tokenValues([]byte(s)) {
		s = strings.ReplaceAll(s, v, redacted)
	}
	return []byte(s)
}

// tokenValues extracts the values of sensitive keys from a JSON object.
func tokenValues(b []byte) []string {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return nil
	}
	var out []string
	for _, k := range sensitiveKeys {
		if v, ok := m[k].(string); ok && v != "" && v != redacted {
			out = append(out, v)
		}
	}
	return out
}

// redactURL drops the query string, the only place a URL could carry a
// secret in ORCID's API, for error messages.
func redactURL(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}

// formSecrets extracts the values of sensitive fields of a form body.
func formSecrets(b []byte) []string {
	form, err := url.ParseQuery(string(b))
	if err != nil {
		return nil
	}
	var out []string
	for _, k := range sensitiveKeys {
		if v := form.Get(k); v != "" {
			out = append(out, v)
		}
	}
	return out
}
