package store_test

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

func work(title, doi string) *orcid.Work {
	return &orcid.Work{Title: orcid.NewTitle(title), Type: "journal-article",
		ExternalIDs: orcid.NewExternalIDs(orcid.ExternalID{Type: "doi", Value: doi, Relationship: orcid.RelationshipSelf})}
}

// itemFixture is a tenant with a person.
func (e *env) itemFixture(t *testing.T, slug string) (store.Tenant, store.Person) {
	t.Helper()
	c := e.credential(t, "APP-"+slug)
	tn := e.tenant(t, slug, c.ID)
	return tn, e.person(t, tn.ID, "Ada", "Item "+slug)
}

func (e *env) upsert(t *testing.T, tn store.Tenant, p store.Person, key string, item orcid.Item, state store.ItemState) (store.Item, bool) {
	t.Helper()
	it, changed, err := e.s.UpsertItem(e.ctx, store.DesiredItem{TenantID: tn.ID, PersonID: p.ID, Key: key, Item: item, State: state,
		Reason: map[store.ItemState]string{store.ItemPending: "not connected"}[state]})
	want(t, "upsert "+key, err, nil)
	return it, changed
}

func wantState(t *testing.T, what string, it store.Item, state store.ItemState) {
	t.Helper()
	if it.State != state {
		t.Fatalf("%s: state %q, want %q (%+v)", what, it.State, state, it)
	}
}

func testItems(t *testing.T, e *env) {
	tn, p := e.itemFixture(t, "items")
	w := work("On Items", "10.1234/items.1")

	it, changed := e.upsert(t, tn, p, "article:1", w, store.ItemPending)
	wantState(t, "new, not connected", it, store.ItemPending)
	if !changed || it.ID == 0 || it.StateReason != "not connected" || it.Kind != orcid.KindWork || it.PutCode != 0 ||
		len(it.ContentHash) != 32 || !it.NeedsPush() || it.CreatedAt.IsZero() {
		t.Fatalf("created %+v (changed %v)", it, changed)
	}
	got, err := it.Decode()
	want(t, "decode", err, nil)
	if got.DisplayTitle() != "On Items" {
		t.Fatalf("decoded %+v", got)
	}

	// The same content, even with what ORCID assigns set, changes nothing.
	w2 := work("On Items", "10.1234/items.1")
	w2.SetPutCode(99)
	w2.SetSource(orcid.NewClientSource("orcid.org", "APP-X", "Someone"))
	again, changed := e.upsert(t, tn, p, "article:1", w2, store.ItemPending)
	if changed || again.ID != it.ID || !bytes.Equal(again.ContentHash, it.ContentHash) {
		t.Fatalf("same content: changed %v, %+v", changed, again)
	}
	// The person connects: the same content is now queued.
	queued, changed := e.upsert(t, tn, p, "article:1", w, store.ItemQueued)
	wantState(t, "connected", queued, store.ItemQueued)
	if !changed || queued.StateReason != "" {
		t.Fatalf("queued: changed %v, %+v", changed, queued)
	}
	// An edit changes the hash.
	edited, changed := e.upsert(t, tn, p, "article:1", work("On Items, revised", "10.1234/items.1"), store.ItemQueued)
	if !changed || bytes.Equal(edited.ContentHash, it.ContentHash) {
		t.Fatalf("edit: changed %v, %+v", changed, edited)
	}
	_, _, err = e.s.UpsertItem(e.ctx, store.DesiredItem{TenantID: tn.ID, PersonID: p.ID, Key: "x", Item: w, State: store.ItemSynced})
	want(t, "upsert as synced", err, store.ErrInvalid)
	_, _, err = e.s.UpsertItem(e.ctx, store.DesiredItem{TenantID: tn.ID, PersonID: p.ID, Key: "", Item: w, State: store.ItemQueued})
	want(t, "no key", err, store.ErrInvalid)

	// Listing, counting, pausing and resuming.
	e.upsert(t, tn, p, "keyword:1", &orcid.Keyword{Content: "items"}, store.ItemQueued)
	e.upsert(t, tn, p, "article:2", work("Second", "10.1234/items.2"), store.ItemPending)
	list, err := e.s.ListItems(e.ctx, tn.ID, store.ItemQuery{PersonID: p.ID, States: []store.ItemState{store.ItemQueued}})
	want(t, "list queued", err, nil)
	if len(list) != 2 || list[0].Key != "article:1" || list[1].Kind != orcid.KindKeyword {
		t.Fatalf("queued items: %+v", list)
	}
	counts, err := e.s.CountItems(e.ctx, tn.ID, 0)
	want(t, "count", err, nil)
	if counts[store.ItemQueued] != 2 || counts[store.ItemPending] != 1 {
		t.Fatalf("counts %v", counts)
	}
	toWork, err := e.s.ItemsToWork(e.ctx, 0, 0)
	want(t, "to work", err, nil)
	if len(toWork) != 2 {
		t.Fatalf("items to work on: %v", toWork)
	}
	n, err := e.s.PauseItems(e.ctx, tn.ID, p.ID, "revoked")
	want(t, "pause", err, nil)
	if n != 2 {
		t.Fatalf("paused %d", n)
	}
	ids, err := e.s.ResumeItems(e.ctx, tn.ID, p.ID)
	want(t, "resume", err, nil)
	if len(ids) != 3 {
		t.Fatalf("resumed %v", ids)
	}
	page, err := e.s.ListItems(e.ctx, tn.ID, store.ItemQuery{AfterID: ids[0], Limit: 1})
	want(t, "page", err, nil)
	if len(page) != 1 || page[0].ID <= ids[0] {
		t.Fatalf("page after %d: %+v", ids[0], page)
	}
}

func testItemWrites(t *testing.T, e *env) {
	tn, p := e.itemFixture(t, "writes")
	link := e.connect(t, p, tn.CredentialID, orcidID(t, 7))
	it, _ := e.upsert(t, tn, p, "article:1", work("Version 1", "10.1234/w.1"), store.ItemQueued)

	// A push starts: in flight, the outcome unknown.
	begun, err := e.s.BeginItemWrite(e.ctx, it.ID)
	want(t, "begin", err, nil)
	wantState(t, "begun", begun, store.ItemInFlight)
	if !begun.CallOpen || begun.Attempts != 1 || !bytes.Equal(begun.PushingHash, it.ContentHash) {
		t.Fatalf("begun %+v", begun)
	}
	// An edit while in flight keeps the item in flight with the new content
	// (and counts attempts afresh)...
	edited, changed := e.upsert(t, tn, p, "article:1", work("Version 2", "10.1234/w.1"), store.ItemQueued)
	wantState(t, "edited in flight", edited, store.ItemInFlight)
	if !changed || !edited.CallOpen {
		t.Fatalf("edited in flight: %+v", edited)
	}
	// ...and the outcome of the old push leaves it queued, not synced.
	done, err := e.s.EndItemWrite(e.ctx, it.ID, link.ID, 1001, true)
	want(t, "end", err, nil)
	wantState(t, "pushed old content", done, store.ItemQueued)
	if done.PutCode != 1001 || done.LinkID != link.ID || done.CallOpen || !done.NeedsPush() || !done.SyncedAt.IsZero() {
		t.Fatalf("after the old push: %+v", done)
	}
	// The next push is of the new content and ends synced.
	if _, err := e.s.BeginItemWrite(e.ctx, it.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Minute)
	synced, err := e.s.EndItemWrite(e.ctx, it.ID, link.ID, 1001, true)
	want(t, "end again", err, nil)
	wantState(t, "pushed", synced, store.ItemSynced)
	if synced.NeedsPush() || synced.SyncedAt.IsZero() || synced.Attempts != 1 {
		t.Fatalf("synced %+v", synced)
	}

	// A 409 adopted an item whose content is not known: queued for a PUT.
	other, _ := e.upsert(t, tn, p, "article:2", work("Other", "10.1234/w.2"), store.ItemQueued)
	e.s.BeginItemWrite(e.ctx, other.ID)
	adopted, err := e.s.EndItemWrite(e.ctx, other.ID, link.ID, 2002, false)
	want(t, "adopt", err, nil)
	wantState(t, "adopted", adopted, store.ItemQueued)
	if adopted.PutCode != 2002 || !adopted.NeedsPush() {
		t.Fatalf("adopted %+v", adopted)
	}

	// Failures.
	bad, _ := e.upsert(t, tn, p, "article:3", work("Bad", "10.1234/w.3"), store.ItemQueued)
	e.s.BeginItemWrite(e.ctx, bad.ID)
	failed, err := e.s.ItemWriteFailed(e.ctx, bad.ID, store.ItemOutcome{State: store.ItemFailedPermanent, LastError: "Invalid work type"})
	want(t, "fail", err, nil)
	wantState(t, "failed", failed, store.ItemFailedPermanent)
	if failed.LastError != "Invalid work type" || failed.CallOpen {
		t.Fatalf("failed %+v", failed)
	}
	// Fixing the content queues it again and clears the error.
	fixed, changed := e.upsert(t, tn, p, "article:3", work("Good", "10.1234/w.3"), store.ItemQueued)
	wantState(t, "fixed", fixed, store.ItemQueued)
	if !changed || fixed.LastError != "" || fixed.Attempts != 0 {
		t.Fatalf("fixed %+v", fixed)
	}
	// A failure about content that changed meanwhile is not the new
	// content's failure.
	e.s.BeginItemWrite(e.ctx, fixed.ID)
	e.upsert(t, tn, p, "article:3", work("Better", "10.1234/w.3"), store.ItemQueued)
	requeued, err := e.s.ItemWriteFailed(e.ctx, fixed.ID, store.ItemOutcome{State: store.ItemFailedPermanent, LastError: "x"})
	want(t, "fail old content", err, nil)
	wantState(t, "failed old content", requeued, store.ItemQueued)
	// A network failure after a POST leaves the outcome open.
	e.s.BeginItemWrite(e.ctx, fixed.ID)
	open, err := e.s.ItemWriteFailed(e.ctx, fixed.ID, store.ItemOutcome{State: store.ItemFailedRetryable, LastError: "timeout", CallOpen: true})
	want(t, "retryable", err, nil)
	wantState(t, "retryable", open, store.ItemFailedRetryable)
	if !open.CallOpen {
		t.Fatalf("retryable %+v", open)
	}
	_, err = e.s.ItemWriteFailed(e.ctx, fixed.ID, store.ItemOutcome{State: store.ItemSynced})
	want(t, "not a failure", err, store.ErrInvalid)

	// The researcher deleted it; an administrator posts it again.
	gone, err := e.s.ItemWriteFailed(e.ctx, synced.ID, store.ItemOutcome{State: store.ItemDeletedByResearcher})
	want(t, "deleted by researcher", err, nil)
	wantState(t, "deleted by researcher", gone, store.ItemDeletedByResearcher)
	again, err := e.s.RequeueItem(e.ctx, tn.ID, synced.ID)
	want(t, "requeue", err, nil)
	wantState(t, "requeued", again, store.ItemQueued)
	if again.PutCode != 0 || again.LinkID != 0 || !again.NeedsPush() {
		t.Fatalf("requeued %+v", again)
	}
	_, err = e.s.RequeueItem(e.ctx, tn.ID, synced.ID)
	want(t, "requeue a queued item", err, store.ErrNotFound)

	// Parking and forgetting.
	parked, err := e.s.SetItemPending(e.ctx, again.ID, "missing scope /activities/update")
	want(t, "park", err, nil)
	wantState(t, "parked", parked, store.ItemPending)
	forgot, err := e.s.ForgetPutCode(e.ctx, adopted.ID)
	want(t, "forget", err, nil)
	if forgot.PutCode != 0 || forgot.LinkID != 0 {
		t.Fatalf("forgot %+v", forgot)
	}
}

func testItemRetraction(t *testing.T, e *env) {
	tn, p := e.itemFixture(t, "retract")
	link := e.connect(t, p, tn.CredentialID, orcidID(t, 8))

	// Never sent: retracted at once.
	never, _ := e.upsert(t, tn, p, "article:0", work("Never", "10.1234/r.0"), store.ItemQueued)
	gone, changed, err := e.s.RetractItem(e.ctx, tn.ID, p.ID, orcid.KindWork, never.Key)
	want(t, "retract unsent", err, nil)
	wantState(t, "retract unsent", gone, store.ItemRetracted)
	if !changed {
		t.Fatal("retracting an unsent item changed nothing")
	}

	it, _ := e.upsert(t, tn, p, "article:1", work("Published", "10.1234/r.1"), store.ItemQueued)
	e.s.BeginItemWrite(e.ctx, it.ID)
	e.s.EndItemWrite(e.ctx, it.ID, link.ID, 3003, true)
	r, changed, err := e.s.RetractItem(e.ctx, tn.ID, p.ID, orcid.KindWork, it.Key)
	want(t, "retract", err, nil)
	wantState(t, "retracting", r, store.ItemRetracting)
	if !changed {
		t.Fatal("retract changed nothing")
	}
	if _, changed, _ := e.s.RetractItem(e.ctx, tn.ID, p.ID, orcid.KindWork, it.Key); changed {
		t.Fatal("retracting twice changed something")
	}
	// A DELETE that may pass keeps it retracting.
	b, _ := e.s.BeginItemWrite(e.ctx, it.ID)
	wantState(t, "deleting", b, store.ItemRetracting)
	f, err := e.s.ItemWriteFailed(e.ctx, it.ID, store.ItemOutcome{State: store.ItemFailedRetryable, LastError: "503"})
	want(t, "delete failed", err, nil)
	wantState(t, "delete failed", f, store.ItemRetracting)
	e.s.BeginItemWrite(e.ctx, it.ID)
	done, err := e.s.EndItemRetraction(e.ctx, it.ID)
	want(t, "retracted", err, nil)
	wantState(t, "retracted", done, store.ItemRetracted)
	if done.PutCode != 0 || done.ConfirmedHash != nil {
		t.Fatalf("retracted %+v", done)
	}
	// Published again: queued, to be posted anew.
	back, changed := e.upsert(t, tn, p, "article:1", work("Published", "10.1234/r.1"), store.ItemQueued)
	wantState(t, "republished", back, store.ItemQueued)
	if !changed {
		t.Fatal("republishing changed nothing")
	}

	// A retraction during a push wins over the push's outcome.
	x, _ := e.upsert(t, tn, p, "article:2", work("Racing", "10.1234/r.2"), store.ItemQueued)
	e.s.BeginItemWrite(e.ctx, x.ID)
	rx, _, err := e.s.RetractItem(e.ctx, tn.ID, p.ID, orcid.KindWork, x.Key)
	want(t, "retract in flight", err, nil)
	wantState(t, "retract in flight", rx, store.ItemRetracting)
	after, err := e.s.EndItemWrite(e.ctx, x.ID, link.ID, 4004, true)
	want(t, "end push", err, nil)
	wantState(t, "pushed while retracting", after, store.ItemRetracting)
	if after.PutCode != 4004 {
		t.Fatalf("the put-code to delete was not kept: %+v", after)
	}
}

func testItemIsolation(t *testing.T, e *env) {
	tn, p := e.itemFixture(t, "iso-a")
	other, q := e.itemFixture(t, "iso-b")
	it, _ := e.upsert(t, tn, p, "article:1", work("Mine", "10.1234/i.1"), store.ItemQueued)
	_, err := e.s.ItemByKey(e.ctx, other.ID, p.ID, orcid.KindWork, it.Key)
	want(t, "other tenant's item", err, store.ErrNotFound)
	_, _, err = e.s.UpsertItem(e.ctx, store.DesiredItem{TenantID: other.ID, PersonID: p.ID, Key: "k", Item: work("x", "10.1/x"), State: store.ItemQueued})
	want(t, "person of another tenant", err, store.ErrNotFound)
	list, err := e.s.ListItems(e.ctx, other.ID, store.ItemQuery{})
	want(t, "list other", err, nil)
	if len(list) != 0 {
		t.Fatalf("another tenant lists %+v", list)
	}
	_, err = e.s.RequeueItem(e.ctx, other.ID, it.ID)
	want(t, "requeue another tenant's", err, store.ErrNotFound)
	// Same key, other person: another item.
	e.upsert(t, other, q, "article:1", work("Theirs", "10.1234/i.1"), store.ItemQueued)
	got, err := e.s.ItemByKey(e.ctx, tn.ID, p.ID, orcid.KindWork, "article:1")
	want(t, "mine", err, nil)
	if got.ID != it.ID {
		t.Fatalf("got %+v", got)
	}
	// Deleting the person deletes their items.
	want(t, "delete person", e.s.DeletePerson(e.ctx, tn.ID, p.ID), nil)
	_, err = e.s.ItemByID(e.ctx, it.ID)
	want(t, "item of deleted person", err, store.ErrNotFound)
}

// testRateBudget takes permits from two stores on one database (two
// processes) at once, at fixed times: exactly burst permits at the start,
// then exactly one per interval, however the takers interleave.
func testRateBudget(t *testing.T, e *env) {
	second := e.open(t, storetest.Ring(t))
	stores := []*store.Store{e.s, second}
	const interval, burst = 100 * time.Millisecond, 5
	t0 := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	take := func(at time.Time, tries int) int {
		t.Helper()
		var granted atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, tries)
		for i := range tries {
			wg.Go(func() {
				p, err := stores[i%2].TakeRatePermit(e.ctx, "credential:1", at, interval, burst)
				if err != nil {
					errs <- err
					return
				}
				if p.Granted {
					granted.Add(1)
				} else if p.RetryAt.Before(at) {
					errs <- errBefore
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		return int(granted.Load())
	}
	if n := take(t0, 20); n != burst {
		t.Fatalf("at start: %d permits, want the burst %d", n, burst)
	}
	p, err := e.s.TakeRatePermit(e.ctx, "credential:1", t0, interval, burst)
	want(t, "one more", err, nil)
	if p.Granted || !p.RetryAt.Equal(t0.Add(interval)) {
		t.Fatalf("after the burst: %+v, want a refusal until %v", p, t0.Add(interval))
	}
	// Three intervals later, three more permits and no more: burst + 3
	// over the window.
	if n := take(t0.Add(3*interval), 20); n != 3 {
		t.Fatalf("three intervals on: %d permits, want 3", n)
	}
	// Idle for long, the budget refills to the burst, not beyond.
	if n := take(t0.Add(time.Hour), 20); n != burst {
		t.Fatalf("after an hour: %d permits, want the burst %d", n, burst)
	}
	// Another budget is another row.
	if n := func() int {
		p, err := second.TakeRatePermit(e.ctx, "credential:2", t0, interval, burst)
		want(t, "other key", err, nil)
		if p.Granted {
			return 1
		}
		return 0
	}(); n != 1 {
		t.Fatal("another key shares the budget")
	}
	_, err = e.s.TakeRatePermit(e.ctx, "credential:1", t0, 0, burst)
	want(t, "no interval", err, store.ErrInvalid)
}

var errBefore = errorString("a refusal asks to retry in the past")

type errorString string

func (e errorString) Error() string { return string(e) }
