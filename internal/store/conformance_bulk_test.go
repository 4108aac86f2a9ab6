package store_test

import (
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// testBulkWorks: a person's bulk lease is one holder's at a time until it
// lapses; the due works are those with no put-code still to POST; a claim
// takes only works still due, in the order asked; and the end of a bulk
// write stores each put-code as EndItemWrite would (synced, or queued when
// the content moved on meanwhile).
func testBulkWorks(t *testing.T, e *env) {
	tn, p := e.itemFixture(t, "bulk")
	link := e.connect(t, p, tn.CredentialID, orcidID(t, 8))
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	lease := func(what, holder string, at time.Time, ok bool) {
		t.Helper()
		got, err := e.s.TakeBulkLease(e.ctx, link.ID, holder, at, at.Add(10*time.Second))
		want(t, what, err, nil)
		if got != ok {
			t.Fatalf("%s: lease taken %v, want %v", what, got, ok)
		}
	}
	lease("first holder", "a", t0, true)
	lease("another, while it runs", "b", t0.Add(time.Second), false)
	lease("renewed by its holder", "a", t0.Add(9*time.Second), true)
	lease("another, before the renewal lapses", "b", t0.Add(15*time.Second), false)
	lease("another, after it lapsed", "b", t0.Add(20*time.Second), true)
	want(t, "release by a former holder", e.s.ReleaseBulkLease(e.ctx, link.ID, "a"), nil)
	lease("still b's", "c", t0.Add(21*time.Second), false)
	want(t, "release", e.s.ReleaseBulkLease(e.ctx, link.ID, "b"), nil)
	lease("free once released", "c", t0.Add(21*time.Second), true)

	w1, _ := e.upsert(t, tn, p, "w1", work("w1", "10.1234/w1"), store.ItemQueued)
	w2, _ := e.upsert(t, tn, p, "w2", work("w2", "10.1234/w2"), store.ItemQueued)
	w3, _ := e.upsert(t, tn, p, "w3", work("w3", "10.1234/w3"), store.ItemQueued)
	pending, _ := e.upsert(t, tn, p, "w4", work("w4", "10.1234/w4"), store.ItemPending)
	due, err := e.s.DueWorks(e.ctx, tn.ID, p.ID, 10)
	want(t, "due works", err, nil)
	if len(due) != 3 || due[0].ID != w1.ID || due[2].ID != w3.ID {
		t.Fatalf("due works: %d, want w1, w2, w3 in order", len(due))
	}
	claimed, err := e.s.ClaimWorks(e.ctx, []int64{w3.ID, pending.ID, w1.ID})
	want(t, "claim", err, nil)
	if len(claimed) != 2 || claimed[0].ID != w3.ID || claimed[1].ID != w1.ID || !claimed[0].CallOpen ||
		claimed[0].State != store.ItemInFlight {
		t.Fatalf("claimed %+v; want w3 then w1, in flight and in doubt (a pending work is not due)", claimed)
	}
	// w1 is edited while its write is under way.
	e.upsert(t, tn, p, "w1", work("w1", "10.1234/w1-fixed"), store.ItemQueued)
	ended, err := e.s.EndWorkWrites(e.ctx, link.ID, []store.WorkWritten{{ID: w3.ID, PutCode: 33}, {ID: w1.ID, PutCode: 31}})
	want(t, "end writes", err, nil)
	got := map[int64]store.Item{}
	for _, it := range ended {
		got[it.ID] = it
	}
	if it := got[w3.ID]; it.State != store.ItemSynced || it.PutCode != 33 || it.CallOpen || it.LinkID != link.ID || it.NeedsPush() {
		t.Fatalf("w3 after its write: %+v, want synced under 33", it)
	}
	if it := got[w1.ID]; it.State != store.ItemQueued || it.PutCode != 31 || !it.NeedsPush() {
		t.Fatalf("w1, edited meanwhile: %+v, want queued under 31 for a PUT", it)
	}
	due, err = e.s.DueWorks(e.ctx, tn.ID, p.ID, 10)
	want(t, "due works after", err, nil)
	if len(due) != 1 || due[0].ID != w2.ID {
		t.Fatalf("due works after the bulk: %d, want only w2", len(due))
	}
	if claimed, err := e.s.ClaimWorks(e.ctx, []int64{w3.ID}); err != nil || len(claimed) != 0 {
		t.Fatalf("claiming a synced work: %v, %v; want nothing", claimed, err)
	}
}

// testRateShares: a share's place among the budget's active shares; one
// idle comes back level with the least advanced, without credit.
func testRateShares(t *testing.T, e *env) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	touch := func(share string, at time.Time) store.RateShare {
		t.Helper()
		rs, err := e.s.TouchRateShare(e.ctx, "credential:9", share, at, at.Add(3*time.Second))
		want(t, "touch "+share, err, nil)
		return rs
	}
	if rs := touch("a", t0); rs.Others != 0 || rs.Taken != 0 {
		t.Fatalf("alone: %+v", rs)
	}
	want(t, "charge", e.s.ChargeRateShare(e.ctx, "credential:9", "a", 5), nil)
	if rs := touch("b", t0.Add(time.Second)); rs.Others != 1 || rs.Taken != 5 || rs.Least != 5 {
		t.Fatalf("b joining a at 5: %+v; want level with a", rs)
	}
	want(t, "charge", e.s.ChargeRateShare(e.ctx, "credential:9", "a", 3), nil)
	if rs := touch("a", t0.Add(2*time.Second)); rs.Taken != 8 || rs.Least != 5 || rs.Others != 1 {
		t.Fatalf("a ahead of b: %+v", rs)
	}
	// b goes idle; a alone goes on; b comes back level, not behind.
	want(t, "charge", e.s.ChargeRateShare(e.ctx, "credential:9", "a", 10), nil)
	if rs := touch("a", t0.Add(10*time.Second)); rs.Others != 0 {
		t.Fatalf("a after b went idle: %+v", rs)
	}
	if rs := touch("b", t0.Add(11*time.Second)); rs.Taken != 18 || rs.Least != 18 {
		t.Fatalf("b back after idling: %+v; want level with a at 18", rs)
	}
	if rs := touch("c", t0.Add(11*time.Second)); rs.Others != 2 {
		t.Fatalf("c among a and b: %+v", rs)
	}
	if rs, err := e.s.TouchRateShare(e.ctx, "credential:10", "a", t0, t0.Add(time.Second)); err != nil || rs.Others != 0 || rs.Taken != 0 {
		t.Fatalf("another budget: %+v, %v", rs, err)
	}
}
