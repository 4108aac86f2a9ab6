package store_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// testPutCodesOfOthers: the put-codes a write in doubt must not adopt are
// those other items of the same kind hold on the same record (the same
// credential and iD), never the item's own.
func testPutCodesOfOthers(t *testing.T, e *env) {
	tn, p := e.itemFixture(t, "others")
	link := e.connect(t, p, tn.CredentialID, orcidID(t, 7))
	written := func(key, doi string, pc int64) store.Item {
		t.Helper()
		it, _ := e.upsert(t, tn, p, key, work(key, doi), store.ItemQueued)
		if _, err := e.s.BeginItemWrite(e.ctx, it.ID); err != nil {
			t.Fatal(err)
		}
		if pc != 0 {
			if _, err := e.s.EndItemWrite(e.ctx, it.ID, link.ID, pc, true); err != nil {
				t.Fatal(err)
			}
		}
		return it
	}
	written("a", "10.1234/a", 11)
	written("b", "10.1234/b", 12)
	doubt := written("c", "10.1234/c", 0)
	own := written("d", "10.1234/d", 14)

	got, err := e.s.PutCodesOfOthers(e.ctx, link, orcid.KindWork, doubt.ID)
	want(t, "others of an item in doubt", err, nil)
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, []int64{11, 12, 14}) {
		t.Fatalf("others of the item in doubt: %v, want [11 12 14]", keys)
	}
	got, err = e.s.PutCodesOfOthers(e.ctx, link, orcid.KindWork, own.ID)
	want(t, "others of a synced item", err, nil)
	if got[14] || !got[11] {
		t.Fatalf("others of item d: %v; want 11 and 12, not its own 14", got)
	}
	if got, err := e.s.PutCodesOfOthers(e.ctx, link, orcid.KindEmployment, doubt.ID); err != nil || len(got) != 0 {
		t.Fatalf("employments: %v, %v; want none", got, err)
	}
}
