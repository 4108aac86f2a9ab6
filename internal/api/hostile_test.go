package api_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestControlCharactersRefused: names, references, titles and the
// organisation refuse control characters with a 422 naming the field, on
// both engines (PostgreSQL used to answer NUL with a 500), and store
// nothing.
func TestControlCharactersRefused(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		e := newEnv(t, driver, envOptions{rate: 1000, burst: 1000})
		c := e.client(t, e.keyA)
		for _, tc := range []struct {
			name, method, path string
			body               map[string]any
			pointer            string
		}{
			{"NUL in given names", "POST", "/people", map[string]any{"given_names": "A\x00B", "email": "nul@example.org"}, "/given_names"},
			{"escape in family names", "POST", "/people", map[string]any{"family_names": "X\x1b[2J", "email": "esc@example.org"}, "/family_names"},
			{"newline in a reference", "POST", "/people", map[string]any{"family_names": "X", "email": "ref@example.org", "external_ref": "r\n1"}, "/external_ref"},
			{"NUL in an article title", "POST", "/articles", map[string]any{"key": "nul-1", "title": "On\x00Things"}, "/title"},
			{"NUL in the organisation", "PATCH", "/tenant", map[string]any{"organization": map[string]any{"name": "Pub\x00lisher",
				"city": "Town", "country": "NZ"}}, "/organization/name"},
		} {
			p := wantProblem(t, tc.name, c.do(tc.method, tc.path, tc.body), 422, "invalid-input")
			if ps := pointers(p); !slices.Contains(ps, tc.pointer) {
				t.Errorf("%s: pointers %v, want %s", tc.name, ps, tc.pointer)
			}
			if !strings.Contains(p["errors"].([]any)[0].(map[string]any)["detail"].(string), "control character") &&
				!strings.Contains(p["errors"].([]any)[0].(map[string]any)["detail"].(string), "line break") {
				t.Errorf("%s: the error does not say what is wrong: %v", tc.name, p)
			}
		}
		if got := c.want(200, "GET", "/people", nil); len(got["items"].([]any)) != 0 {
			t.Errorf("refused people were stored: %v", got)
		}
	})
}
