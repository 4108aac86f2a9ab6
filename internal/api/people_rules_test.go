package api_test

import (
	"strconv"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
)

// TestPersonLanguage: the REST API holds a person to the store's rules
// (store.CheckPerson), as the admin UI and batch files do: "de" is refused
// on create and on PATCH with the store's message, at /language; another
// spelling of a language orcidlink speaks is stored as its code.
func TestPersonLanguage(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{})
	c := e.client(t, e.keyA)
	_, fe := store.CheckLanguage("language", "de")
	if fe == nil {
		t.Fatal(`store.CheckLanguage accepts "de"`)
	}
	refused := func(what string, a answer) {
		t.Helper()
		p := wantProblem(t, what, a, 422, "invalid-input")
		errs, _ := p["errors"].([]any)
		if len(errs) != 1 {
			t.Fatalf("%s: errors %v, want one about /language", what, p["errors"])
		}
		got := errs[0].(map[string]any)
		if got["pointer"] != "/language" || got["detail"] != fe.Message() {
			t.Errorf("%s: error %v, want pointer /language and detail %q", what, got, fe.Message())
		}
	}
	refused("create in German", c.do("POST", "/people", map[string]any{"family_names": "Lovelace",
		"email": "ada@example.org", "language": "de"}))

	for _, tc := range []struct{ sent, stored string }{{"zh-CN", "zh_CN"}, {"PT", "pt"}, {"", ""}, {"ar", "ar"}} {
		p := c.want(201, "POST", "/people", map[string]any{"family_names": "Lovelace",
			"email": "ada-" + tc.stored + "@example.org", "language": tc.sent})
		if p["language"] != tc.stored {
			t.Errorf("language %q: stored %q, want %q", tc.sent, p["language"], tc.stored)
		}
	}
	p := c.want(201, "POST", "/people", map[string]any{"family_names": "Byron", "email": "byron@example.org"})
	path := "/people/" + strconv.FormatInt(int64(p["id"].(float64)), 10)
	refused("PATCH to German", c.do("PATCH", path, map[string]any{"language": "de"}))
	if got := c.want(200, "GET", path, nil); got["language"] != "" {
		t.Errorf("after a refused PATCH: language %q, want none", got["language"])
	}
}
