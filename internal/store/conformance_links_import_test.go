package store_test

import (
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
)

// testLinksImport: works adopted from the record, iDs on file and the
// sealed secrets of batch rows (links_import.go).
func testLinksImport(t *testing.T, e *env) {
	testAdoptHonoursChoices(t, e)
	tn, p := e.itemFixture(t, "import")
	pending, _ := e.upsert(t, tn, p, "w1", work("One", "10.5555/1"), store.ItemPending)
	queued, _ := e.upsert(t, tn, p, "w2", work("Two", "10.5555/2"), store.ItemQueued)
	settled, _ := e.upsert(t, tn, p, "w3", work("Three", "10.5555/3"), store.ItemQueued)
	_, err := e.s.BeginItemWrite(e.ctx, settled.ID)
	want(t, "begin", err, nil)
	todo, err := e.s.WorksToAdopt(e.ctx, tn.ID, p.ID, 0)
	want(t, "works to adopt", err, nil)
	if len(todo) != 2 || todo[0].ID != pending.ID || todo[1].ID != queued.ID {
		t.Fatalf("works to adopt: %+v", todo)
	}
	l := e.connect(t, p, tn.CredentialID, orcidID(t, 1))
	got, err := e.s.AdoptWorks(e.ctx, l.ID, []store.AdoptedWork{{ItemID: pending.ID, PutCode: 11}, {ItemID: queued.ID, PutCode: 12},
		{ItemID: settled.ID, PutCode: 13}})
	want(t, "adopt", err, nil)
	if len(got) != 2 || got[0].PutCode != 11 || got[0].State != store.ItemPending || got[1].PutCode != 12 ||
		got[1].State != store.ItemQueued || got[1].LinkID != l.ID || got[1].ConfirmedHash != nil || !got[1].NeedsPush() {
		t.Fatalf("adopted %+v", got)
	}
	if it, err := e.s.ItemByID(e.ctx, settled.ID); err != nil || it.PutCode != 0 {
		t.Fatalf("a work in flight was adopted: %+v, %v", it, err)
	}
	_, err = e.s.AdoptWorks(e.ctx, l.ID, []store.AdoptedWork{{ItemID: queued.ID}})
	want(t, "no put-code", err, store.ErrInvalid)

	// iDs on file.
	_, err = e.s.ORCIDHintOf(e.ctx, tn.ID, p.ID)
	want(t, "no hint", err, store.ErrNotFound)
	_, err = e.s.SetORCIDHint(e.ctx, store.ORCIDHint{TenantID: tn.ID, PersonID: p.ID, ORCID: "0000-0002-1825-0098", Source: "x"})
	want(t, "bad iD", err, store.ErrInvalid)
	// A NUL would be PostgreSQL's 500: a field error on the source instead.
	_, err = e.s.SetORCIDHint(e.ctx, store.ORCIDHint{TenantID: tn.ID, PersonID: p.ID, ORCID: orcidID(t, 2), Source: "old\x00CRIS"})
	if fe, isField := store.AsFieldError(err); !isField || fe.Field != "source" {
		t.Fatalf("source with a NUL: %v", err)
	}
	other := e.tenant(t, "other-import", tn.CredentialID)
	_, err = e.s.SetORCIDHint(e.ctx, store.ORCIDHint{TenantID: other.ID, PersonID: p.ID, ORCID: orcidID(t, 2), Source: "x"})
	want(t, "person of another tenant", err, store.ErrNotFound)
	h, err := e.s.SetORCIDHint(e.ctx, store.ORCIDHint{TenantID: tn.ID, PersonID: p.ID, ORCID: orcidID(t, 2), Source: "old CRIS"})
	want(t, "set hint", err, nil)
	if h.ORCID != orcidID(t, 2) || h.Source != "old CRIS" || h.MismatchORCID != "" || !h.MismatchAt.IsZero() {
		t.Fatalf("hint %+v", h)
	}
	outcome, h, err := e.s.SettleORCIDHint(e.ctx, tn.ID, p.ID, orcidID(t, 3))
	want(t, "settle with another iD", err, nil)
	if outcome != store.HintMismatch || h.MismatchORCID != orcidID(t, 3) || h.MismatchAt.IsZero() {
		t.Fatalf("mismatch: %v %+v", outcome, h)
	}
	flagged, err := e.s.HintMismatches(e.ctx, tn.ID, 0)
	want(t, "mismatches", err, nil)
	if len(flagged) != 1 || flagged[0].PersonID != p.ID {
		t.Fatalf("flagged %+v", flagged)
	}
	if flagged, _ := e.s.HintMismatches(e.ctx, other.ID, 0); len(flagged) != 0 {
		t.Fatalf("another tenant sees %+v", flagged)
	}
	// The same iD again keeps the flag; another clears it.
	h, err = e.s.SetORCIDHint(e.ctx, store.ORCIDHint{TenantID: tn.ID, PersonID: p.ID, ORCID: orcidID(t, 2), Source: "old CRIS"})
	if err != nil || h.MismatchORCID != orcidID(t, 3) {
		t.Fatalf("re-set hint: %+v, %v", h, err)
	}
	h, err = e.s.SetORCIDHint(e.ctx, store.ORCIDHint{TenantID: tn.ID, PersonID: p.ID, ORCID: orcidID(t, 3), Source: "api"})
	if err != nil || h.MismatchORCID != "" || !h.MismatchAt.IsZero() {
		t.Fatalf("replaced hint: %+v, %v", h, err)
	}
	outcome, _, err = e.s.SettleORCIDHint(e.ctx, tn.ID, p.ID, orcidID(t, 3))
	if err != nil || outcome != store.HintConfirmed {
		t.Fatalf("confirm: %v, %v", outcome, err)
	}
	_, err = e.s.ORCIDHintOf(e.ctx, tn.ID, p.ID)
	want(t, "confirmed hint forgotten", err, store.ErrNotFound)
	if outcome, _, err := e.s.SettleORCIDHint(e.ctx, tn.ID, p.ID, orcidID(t, 3)); err != nil || outcome != store.HintNone {
		t.Fatalf("no hint: %v, %v", outcome, err)
	}
	_, err = e.s.SetORCIDHint(e.ctx, store.ORCIDHint{TenantID: tn.ID, PersonID: p.ID, ORCID: orcidID(t, 4), Source: "x"})
	want(t, "set again", err, nil)
	want(t, "delete person", e.s.DeletePerson(e.ctx, tn.ID, p.ID), nil)
	_, err = e.s.ORCIDHintOf(e.ctx, tn.ID, p.ID)
	want(t, "hint gone with its person", err, store.ErrNotFound)

	// Batch secrets are bound to their batch, row and column.
	sealed, err := e.s.SealBatchSecret(7, 3, "access-token", "tok-123")
	want(t, "seal", err, nil)
	if plain, err := e.s.OpenBatchSecret(7, 3, "access-token", sealed); err != nil || plain != "tok-123" {
		t.Fatalf("open: %q, %v", plain, err)
	}
	for _, bad := range []struct {
		batch  int64
		row    int
		column string
		value  string
	}{{8, 3, "access-token", sealed}, {7, 4, "access-token", sealed}, {7, 3, "refresh-token", sealed}, {7, 3, "access-token", "tok-123"}} {
		if _, err := e.s.OpenBatchSecret(bad.batch, bad.row, bad.column, bad.value); err == nil {
			t.Fatalf("opened %+v", bad)
		}
	}
}

// testAdoptHonoursChoices: works adopted on import are held by the
// researcher's choices like any other write: "never" keeps them off the
// record, "ask" waits for approval, and only "auto" lets the PUT over the
// twin go.
func testAdoptHonoursChoices(t *testing.T, e *env) {
	for i, tc := range []struct {
		choice store.Choice
		state  store.ItemState
		reason string
	}{
		{store.ChoiceNever, store.ItemPending, store.HeldWithheld},
		{store.ChoiceAsk, store.ItemPending, store.HeldAwaitingResearcher},
		{store.ChoiceAuto, store.ItemQueued, ""},
	} {
		tn, p := e.itemFixture(t, "adopt-"+string(tc.choice))
		// One work waits for the connection, one is queued; then the
		// researcher makes their choice, and the import adopts both.
		pending, _ := e.upsert(t, tn, p, "w1", work("One", "10.5555/a1"), store.ItemPending)
		queued, _ := e.upsert(t, tn, p, "w2", work("Two", "10.5555/a2"), store.ItemQueued)
		_, err := e.s.SetResearcherChoice(e.ctx, tn.ID, p.ID, store.GroupWorks, tc.choice)
		want(t, "choice", err, nil)
		l := e.connect(t, p, tn.CredentialID, orcidID(t, 10+i))
		got, err := e.s.AdoptWorks(e.ctx, l.ID, []store.AdoptedWork{{ItemID: pending.ID, PutCode: 21}, {ItemID: queued.ID, PutCode: 22}})
		want(t, "adopt", err, nil)
		if len(got) != 2 {
			t.Fatalf("%s: adopted %+v", tc.choice, got)
		}
		_, err = e.s.ResumeItems(e.ctx, tn.ID, p.ID) // the import's connection resumes the person
		want(t, "resume", err, nil)
		for _, id := range []int64{pending.ID, queued.ID} {
			it, err := e.s.ItemByID(e.ctx, id)
			want(t, "read", err, nil)
			if it.State != tc.state || (tc.reason != "" && it.StateReason != tc.reason) || it.PutCode == 0 {
				t.Fatalf("%s: adopted work %d is %s (%q, put-code %d), want %s (%q)", tc.choice, id, it.State, it.StateReason,
					it.PutCode, tc.state, tc.reason)
			}
		}
		if tc.choice != store.ChoiceAsk {
			continue
		}
		// Approved, the work goes: a PUT over its twin.
		ok, err := e.s.DecideItem(e.ctx, tn.ID, p.ID, pending.ID, true)
		want(t, "approve", err, nil)
		if it, _ := e.s.ItemByID(e.ctx, pending.ID); !ok || it.State != store.ItemQueued || it.PutCode != 21 {
			t.Fatalf("approved adopted work: %v %+v", ok, it)
		}
	}
}
