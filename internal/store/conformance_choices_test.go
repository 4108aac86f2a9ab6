package store_test

import (
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// testResearcherChoices: the researcher's choices hold items back in the
// one place every queued item passes (UpsertItem, ResumeItems, changing a
// choice), approvals and refusals stick, and emailed page links are
// one-time, bounded and short-lived.
func testResearcherChoices(t *testing.T, e *env) {
	tn, p := e.itemFixture(t, "choices")
	_, other := e.itemFixture(t, "choices-other")

	ids, err := e.s.SetResearcherChoice(e.ctx, tn.ID, p.ID, store.GroupWorks, store.ChoiceAsk)
	want(t, "ask for works", err, nil)
	if len(ids) != 0 {
		t.Fatalf("nothing was held, yet %v queued", ids)
	}
	_, err = e.s.SetResearcherChoice(e.ctx, tn.ID, other.ID, store.GroupWorks, store.ChoiceNever)
	want(t, "another tenant's person", err, store.ErrNotFound)
	_, err = e.s.SetResearcherChoice(e.ctx, tn.ID, p.ID, store.GroupWorks, "sometimes")
	want(t, "unknown choice", err, store.ErrInvalid)
	c, err := e.s.ResearcherChoices(e.ctx, tn.ID, p.ID)
	want(t, "read choices", err, nil)
	if c.Of(store.GroupWorks) != store.ChoiceAsk || c.Of(store.GroupAffiliations) != store.ChoiceAuto {
		t.Fatalf("choices %v", c)
	}

	asked, _ := e.upsert(t, tn, p, "a:1", work("Asked", "10.1234/ch.1"), store.ItemQueued)
	if asked.State != store.ItemPending || asked.StateReason != store.HeldAwaitingResearcher {
		t.Fatalf("new work under ask: %+v", asked)
	}
	// Resuming (the person connected again) keeps it held.
	resumed, err := e.s.ResumeItems(e.ctx, tn.ID, p.ID)
	want(t, "resume", err, nil)
	if len(resumed) != 0 {
		if it, _ := e.s.ItemByID(e.ctx, asked.ID); it.State != store.ItemPending {
			t.Fatalf("resume sent a held item: %+v", it)
		}
	}
	queued, err := e.s.DecideItem(e.ctx, tn.ID, p.ID, asked.ID, true)
	want(t, "approve", err, nil)
	if it, _ := e.s.ItemByID(e.ctx, asked.ID); !queued || it.State != store.ItemQueued {
		t.Fatalf("approved: queued %v, %+v", queued, it)
	}
	_, err = e.s.DecideItem(e.ctx, tn.ID, p.ID, asked.ID, true)
	want(t, "approve twice", err, store.ErrNotAwaiting)
	_, err = e.s.DecideItem(e.ctx, tn.ID, other.ID, asked.ID, true)
	want(t, "someone else's item", err, store.ErrNotFound)

	// Never: new and queued items are withheld; refused ones stay refused
	// when the choice goes back to auto.
	refused, _ := e.upsert(t, tn, p, "a:2", work("Refused", "10.1234/ch.2"), store.ItemQueued)
	_, err = e.s.DecideItem(e.ctx, tn.ID, p.ID, refused.ID, false)
	want(t, "refuse", err, nil)
	_, err = e.s.SetResearcherChoice(e.ctx, tn.ID, p.ID, store.GroupWorks, store.ChoiceNever)
	want(t, "never", err, nil)
	never, _ := e.upsert(t, tn, p, "a:3", work("Never", "10.1234/ch.3"), store.ItemQueued)
	if never.State != store.ItemPending || never.StateReason != store.HeldWithheld {
		t.Fatalf("new work under never: %+v", never)
	}
	if it, _ := e.s.ItemByID(e.ctx, asked.ID); it.State != store.ItemQueued {
		t.Fatalf("an approved item is not held by never: %+v", it)
	}
	ids, err = e.s.SetResearcherChoice(e.ctx, tn.ID, p.ID, store.GroupWorks, store.ChoiceAuto)
	want(t, "auto", err, nil)
	if len(ids) != 1 || ids[0] != never.ID {
		t.Fatalf("auto queued %v, want [%d]", ids, never.ID)
	}
	if it, _ := e.s.ItemByID(e.ctx, refused.ID); it.State != store.ItemPending || it.StateReason != store.HeldRefused {
		t.Fatalf("refused item after auto: %+v", it)
	}
	held, err := e.s.HeldItems(e.ctx, tn.ID, p.ID)
	want(t, "held", err, nil)
	if len(held) != 1 || held[0].ID != refused.ID {
		t.Fatalf("held %+v", held)
	}

	// Page links: one-time, at most max per window, expiring.
	raw, err := e.s.NewResearcherSignIn(e.ctx, tn.ID, p.ID, 2, time.Hour)
	want(t, "link", err, nil)
	gotT, gotP, err := e.s.UseResearcherSignIn(e.ctx, raw)
	want(t, "use link", err, nil)
	if gotT != tn.ID || gotP != p.ID {
		t.Fatalf("link opens %d/%d", gotT, gotP)
	}
	_, _, err = e.s.UseResearcherSignIn(e.ctx, raw)
	want(t, "use link again", err, store.ErrNotFound)
	_, _, err = e.s.UseResearcherSignIn(e.ctx, raw+"x")
	want(t, "forged link", err, store.ErrNotFound)
	_, err = e.s.NewResearcherSignIn(e.ctx, tn.ID, p.ID, 2, time.Hour)
	want(t, "second link", err, nil)
	_, err = e.s.NewResearcherSignIn(e.ctx, tn.ID, p.ID, 2, time.Hour)
	want(t, "third link", err, store.ErrTooManySignIns)
}
