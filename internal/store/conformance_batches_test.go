package store_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// testBatches: a batch goes validating -> ready or invalid -> importing
// -> done; an invalid one is imported only with only_valid (its invalid
// rows skipped); row outcomes count once; the result reads the current
// state of people and items.
func testBatches(t *testing.T, e *env) {
	tn, p := e.itemFixture(t, "batches")
	b, err := e.s.CreateBatch(e.ctx, store.Batch{TenantID: tn.ID, Kind: "works", Format: "csv", Filename: "w.csv", UploadedBy: "admin:1"})
	want(t, "create batch", err, nil)
	if b.State != store.BatchValidating || string(b.FileProblems) != "[]" {
		t.Fatalf("new batch %+v", b)
	}
	var rows []store.BatchRow
	for i := 1; i <= 450; i++ { // more than one INSERT's worth
		valid := i%100 != 0
		probs := json.RawMessage(`[]`)
		if !valid {
			probs = json.RawMessage(`[{"row":` + fmt.Sprint(i) + `,"code":"bad-date","message":"no"}]`)
		}
		rows = append(rows, store.BatchRow{Row: i, Line: i + 1, Data: json.RawMessage(`{"key":"k` + fmt.Sprint(i) + `"}`),
			Problems: probs, Valid: valid})
	}
	want(t, "add rows", e.s.AddBatchRows(e.ctx, b.ID, rows), nil)
	b, err = e.s.FinishBatchValidation(e.ctx, tn.ID, b.ID, 450, 446, 4, nil)
	want(t, "finish validation", err, nil)
	if b.State != store.BatchInvalid || b.Total != 450 || b.Invalid != 4 {
		t.Fatalf("validated batch %+v", b)
	}
	_, err = e.s.StartBatchImport(e.ctx, tn.ID, b.ID, false, true)
	want(t, "import an invalid batch", err, store.ErrConflict)
	bad, err := e.s.BatchRows(e.ctx, tn.ID, b.ID, 0, true, 10)
	want(t, "invalid rows", err, nil)
	if len(bad) != 4 || bad[0].Row != 100 || bad[0].Valid {
		t.Fatalf("invalid rows %+v", bad)
	}
	b, err = e.s.StartBatchImport(e.ctx, tn.ID, b.ID, true, true)
	want(t, "import the valid rows", err, nil)
	if b.State != store.BatchImporting || !b.OnlyValid || !b.Invite || b.Done != 4 || b.StartedAt.IsZero() {
		t.Fatalf("importing batch %+v", b)
	}
	_, err = e.s.StartBatchImport(e.ctx, tn.ID, b.ID, true, true)
	want(t, "import twice", err, store.ErrConflict)

	todo, err := e.s.BatchRowsToImport(e.ctx, b.ID, 1000)
	want(t, "rows to import", err, nil)
	if len(todo) != 446 || todo[0].Row != 1 || string(todo[0].Data) != `{"key":"k1"}` {
		t.Fatalf("%d rows to import, first %+v", len(todo), todo[0])
	}
	it, _ := e.upsert(t, tn, p, "k1", &orcid.Keyword{Content: "batch"}, store.ItemPending)
	want(t, "outcome", e.s.SetBatchRowOutcome(e.ctx, b.ID, 1, p.ID, it.ID, store.RowDone, "invited"), nil)
	want(t, "outcome again", e.s.SetBatchRowOutcome(e.ctx, b.ID, 1, p.ID, it.ID, store.RowFailed, "twice"), nil)
	want(t, "failed outcome", e.s.SetBatchRowOutcome(e.ctx, b.ID, 2, 0, 0, store.RowFailed, "no such person"), nil)
	want(t, "bad outcome", e.s.SetBatchRowOutcome(e.ctx, b.ID, 3, 0, 0, "maybe", ""), store.ErrInvalid)
	b, err = e.s.Batch(e.ctx, tn.ID, b.ID)
	want(t, "batch", err, nil)
	if b.Done != 6 {
		t.Fatalf("done %d, want 4 skipped + 2", b.Done)
	}
	res, err := e.s.BatchResults(e.ctx, tn.ID, b.ID, 0, 3)
	want(t, "results", err, nil)
	if len(res) != 3 || res[0].Outcome != store.RowDone || res[0].PersonEmail != p.Email ||
		res[0].PersonStatus != store.StatusNone || res[0].ItemState != store.ItemPending || res[0].ItemKey != "k1" ||
		res[1].Outcome != store.RowFailed || res[1].PersonStatus != "" || res[2].Outcome != store.RowPending {
		t.Fatalf("results %+v", res)
	}
	skipped, err := e.s.BatchResults(e.ctx, tn.ID, b.ID, 99, 1)
	want(t, "results after 99", err, nil)
	if skipped[0].Row != 100 || skipped[0].Outcome != store.RowSkipped {
		t.Fatalf("row 100 %+v", skipped[0])
	}
	b, err = e.s.FinishBatchImport(e.ctx, b.ID, store.BatchDone, "")
	want(t, "finish import", err, nil)
	if b.State != store.BatchDone || b.FinishedAt.IsZero() {
		t.Fatalf("finished %+v", b)
	}
	_, err = e.s.FinishBatchImport(e.ctx, b.ID, store.BatchDone, "")
	want(t, "finish twice", err, store.ErrNotFound)

	// People resolve by email (any case) and reference.
	p2, err := e.s.CreatePerson(e.ctx, store.Person{TenantID: tn.ID, GivenNames: "Bo", Email: "Bo@Example.org", ExternalRef: "R-2"})
	want(t, "person", err, nil)
	refs, err := e.s.ResolvePeople(e.ctx, tn.ID, []string{"bo@example.org", "nobody@example.org"}, []string{"R-2", "R-9"})
	want(t, "resolve", err, nil)
	if len(refs.ByEmail) != 1 || refs.ByEmail["bo@example.org"] != p2.ID || len(refs.ByRef) != 1 || refs.ByRef["R-2"] != p2.ID {
		t.Fatalf("resolved %+v", refs)
	}

	ids, err := e.s.KnownPersonIDs(e.ctx, tn.ID, []int64{p2.ID, p2.ID + 1000})
	want(t, "known ids", err, nil)
	if len(ids) != 1 || !ids[p2.ID] {
		t.Fatalf("known ids %v", ids)
	}
	// Another tenant sees none of it.
	other, _ := e.itemFixture(t, "batches-other")
	_, err = e.s.Batch(e.ctx, other.ID, b.ID)
	want(t, "another tenant's batch", err, store.ErrNotFound)
	_, err = e.s.StartBatchImport(e.ctx, other.ID, b.ID, true, true)
	want(t, "another tenant imports", err, store.ErrNotFound)
	if rs, err := e.s.BatchResults(e.ctx, other.ID, b.ID, 0, 10); err != nil || len(rs) != 0 {
		t.Fatalf("another tenant's results: %d, %v", len(rs), err)
	}
	if rs, err := e.s.BatchRows(e.ctx, other.ID, b.ID, 0, false, 10); err != nil || len(rs) != 0 {
		t.Fatalf("another tenant's rows: %d, %v", len(rs), err)
	}
	if refs, err := e.s.ResolvePeople(e.ctx, other.ID, []string{"bo@example.org"}, []string{"R-2"}); err != nil || len(refs.ByEmail)+len(refs.ByRef) != 0 {
		t.Fatalf("another tenant resolves %+v, %v", refs, err)
	}
	if ids, err := e.s.KnownPersonIDs(e.ctx, other.ID, []int64{p2.ID}); err != nil || len(ids) != 0 {
		t.Fatalf("another tenant knows ids %v, %v", ids, err)
	}
	list, err := e.s.ListBatches(e.ctx, tn.ID, 10)
	want(t, "list", err, nil)
	if len(list) != 1 || list[0].ID != b.ID {
		t.Fatalf("list %+v", list)
	}
	if l, _ := e.s.ListBatches(e.ctx, other.ID, 10); len(l) != 0 {
		t.Fatalf("another tenant lists %+v", l)
	}
}

// testBatchAbandon: an upload that broke off leaves nothing, a validated
// batch cannot be abandoned, and housekeeping removes uploads whose
// process died.
func testBatchAbandon(t *testing.T, e *env) {
	tn, _ := e.itemFixture(t, "abandon")
	other, _ := e.itemFixture(t, "abandon-other")
	newBatch := func() store.Batch {
		t.Helper()
		b, err := e.s.CreateBatch(e.ctx, store.Batch{TenantID: tn.ID, Kind: "works", Format: "csv", Filename: "w.csv", UploadedBy: "api-key:1"})
		want(t, "create batch", err, nil)
		want(t, "add rows", e.s.AddBatchRows(e.ctx, b.ID, []store.BatchRow{{Row: 1, Line: 2,
			Data: json.RawMessage(`{"key":"k1"}`), Problems: json.RawMessage(`[]`), Valid: true}}), nil)
		return b
	}
	broken := newBatch()
	want(t, "abandon as another tenant", e.s.AbandonBatch(e.ctx, other.ID, broken.ID), store.ErrNotFound)
	want(t, "abandon", e.s.AbandonBatch(e.ctx, tn.ID, broken.ID), nil)
	_, err := e.s.Batch(e.ctx, tn.ID, broken.ID)
	want(t, "abandoned batch", err, store.ErrNotFound)

	validated := newBatch()
	_, err = e.s.FinishBatchValidation(e.ctx, tn.ID, validated.ID, 1, 1, 0, nil)
	want(t, "finish validation", err, nil)
	want(t, "abandon a validated batch", e.s.AbandonBatch(e.ctx, tn.ID, validated.ID), store.ErrNotFound)

	dead := newBatch()
	e.clock.Add(48 * time.Hour)
	live := newBatch()
	n, err := e.s.PruneAbandonedBatches(e.ctx, e.clock.Now().Add(-24*time.Hour))
	want(t, "prune", err, nil)
	if n != 1 {
		t.Fatalf("pruned %d batches, want 1", n)
	}
	_, err = e.s.Batch(e.ctx, tn.ID, dead.ID)
	want(t, "dead upload", err, store.ErrNotFound)
	for _, b := range []store.Batch{validated, live} {
		_, err = e.s.Batch(e.ctx, tn.ID, b.ID)
		want(t, "kept batch", err, nil)
	}
}
