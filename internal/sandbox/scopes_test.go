package sandbox

import "testing"

func TestScopesHas(t *testing.T) {
	tests := []struct {
		granted, want string
		ok            bool
	}{
		{"/read-limited", "/activities/read-limited", true},
		{"/read-limited", "/read-public", true},
		{"openid", "/authenticate", true},
		// The update scopes read nothing limited (ScopePathType; orcid-api.md §17).
		{"/activities/update", "/activities/read-limited", false},
		{"/activities/update", "/read-public", true},
		{"/person/update", "/person/read-limited", false},
		{"/activities/update", "/person/update", false},
		{"/authenticate", "/read-limited", false},
		{"/person/update /activities/update", "/person/read-limited", false},
		{"/read-limited /activities/update", "/person/read-limited", true},
	}
	for _, tc := range tests {
		if got := ParseScopes(tc.granted).Has(tc.want); got != tc.ok {
			t.Errorf("%q.Has(%q) = %v, want %v", tc.granted, tc.want, got, tc.ok)
		}
	}
}

func TestParseScopesIsASet(t *testing.T) {
	a := ParseScopes("/read-limited  /activities/update /read-limited")
	b := ParseScopes("/activities/update /read-limited")
	if !a.Equal(b) || a.String() != "/activities/update /read-limited" {
		t.Fatalf("got %q and %q", a, b)
	}
}
