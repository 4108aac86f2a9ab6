package batch_test

import (
	"testing"

	"github.com/orcidlink/orcidlink/internal/batch"
	"github.com/orcidlink/orcidlink/internal/store"
)

// TestPeopleRowsFollowStoreRules: a people file is held to the store's
// validation of a person (store.CheckPerson), the REST API's and the admin
// UI's too: "de" is refused in the language column with the store's own
// message, other spellings of orcidlink's languages pass, and a row
// without names is refused at given-names as the other doors refuse it.
func TestPeopleRowsFollowStoreRules(t *testing.T) {
	st, tid := tenantStore(t)
	_, german := store.CheckLanguage("language", "de")
	if german == nil {
		t.Fatal(`store.CheckLanguage accepts "de"`)
	}
	noName := store.CheckPerson(&store.Person{Email: "x@example.org"})
	fes, _ := store.AsFieldErrors(noName)
	if len(fes) != 1 {
		t.Fatalf("a person without names: %v, want one field error", noName)
	}
	for _, tc := range []struct {
		name, body string
		want       []batch.Problem // Row, Column, Code and Message
	}{
		{"German", "email,given-names,language\nana@example.org,Ana,de\n",
			[]batch.Problem{{Row: 1, Column: "language", Code: batch.CodeBadValue, Message: german.Message()}}},
		{"other spellings", "email,given-names,language\nana@example.org,Ana,zh-CN\nben@example.org,Ben,PT\ncid@example.org,Cid,\n", nil},
		{"no names", "email,given-names,family-names\nana@example.org,,\n",
			[]batch.Problem{{Row: 1, Column: "given-names", Code: batch.CodeRequired, Message: fes[0].Message()}}},
	} {
		_, probs := validate(t, st, tid, batch.People, batch.CSV, []byte(tc.body))
		if len(probs) != len(tc.want) {
			t.Errorf("%s: problems %+v, want %+v", tc.name, probs, tc.want)
			continue
		}
		for i, p := range probs {
			w := tc.want[i]
			if p.Row != w.Row || p.Column != w.Column || p.Code != w.Code || p.Message != w.Message {
				t.Errorf("%s: problem %+v, want %+v", tc.name, p, w)
			}
		}
	}
}
