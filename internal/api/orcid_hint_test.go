package api_test

import (
	"fmt"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestORCIDHintRefusals: PUT /people/{id}/orcid-hint refuses a bad iD and
// a source PostgreSQL would refuse (a NUL) with a 422 on the field, and
// stores nothing; a good hint is read back and forgotten.
func TestORCIDHintRefusals(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		e := newEnv(t, driver, envOptions{rate: 1000, burst: 1000})
		c := e.client(t, e.keyA)
		p := c.want(201, "POST", "/people", map[string]any{"family_names": "Hint", "email": "hint@example.org"})
		path := fmt.Sprintf("/people/%v/orcid-hint", p["id"])
		for _, bad := range []struct {
			what, pointer string
			body          map[string]any
		}{
			{"wrong check digit", "/orcid", map[string]any{"orcid": "0000-0002-1825-0098"}},
			{"not an iD", "/orcid", map[string]any{"orcid": "garbage"}},
			{"NUL in the source", "/source", map[string]any{"orcid": "0000-0002-1825-0097", "source": "old\x00CRIS"}},
			{"line break in the source", "/source", map[string]any{"orcid": "0000-0002-1825-0097", "source": "old\nCRIS"}},
		} {
			pr := wantProblem(t, bad.what, c.do("PUT", path, bad.body), 422, "invalid-input")
			errs, _ := pr["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["pointer"] != bad.pointer {
				t.Fatalf("%s: errors %v, want one at %s", bad.what, pr["errors"], bad.pointer)
			}
		}
		wantProblem(t, "nothing stored", c.do("GET", path, nil), 404, "not-found")
		h := c.want(200, "PUT", path, map[string]any{"orcid": "0000-0002-1825-0097", "source": "old CRIS"})
		if h["orcid"] != "0000-0002-1825-0097" || h["authenticated"] != false || h["source"] != "old CRIS" {
			t.Fatalf("hint %v", h)
		}
		c.want(200, "GET", path, nil)
		c.want(204, "DELETE", path, nil)
		wantProblem(t, "forgotten", c.do("GET", path, nil), 404, "not-found")
	})
}
