package xsdrules

import "testing"

// TestRegistryURIKeepsShape: only the host of an iD or client URI is left
// to the registry; a value that is no iD URI on any host stays refused.
func TestRegistryURIKeepsShape(t *testing.T) {
	for _, c := range []struct {
		typ, value string
		want       bool
	}{
		{"orcid-uri", "http://127.0.0.1:8080/0000-0002-1825-0097", true},
		{"orcid-uri", "https://sandbox.example/prefix/0000-0002-1825-0097", true},
		{"orcid-uri", "not a uri at all", false},
		{"orcid-uri", "http://evil.example/whatever", false},
		{"client-uri", "http://127.0.0.1:8080/client/APP-0123456789ABCDEF", true},
		{"client-uri", "http://127.0.0.1:8080/APP-0123456789ABCDEF", false},
		{"string", "http://127.0.0.1:8080/0000-0002-1825-0097", false},
	} {
		if got := (Violation{Type: c.typ, Value: c.value}).RegistryURI(); got != c.want {
			t.Errorf("RegistryURI(%s %q) = %v, want %v", c.typ, c.value, got, c.want)
		}
	}
}
