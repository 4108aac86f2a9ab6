package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
)

// testAuditWithContext: an event attached to a context (WithAudit) is
// written in the first transaction that commits with it, once; a
// transaction that rolls back leaves it for the next; and an event that
// cannot be written takes the change down with it.
func testAuditWithContext(t *testing.T, e *env) {
	c := e.credential(t, "APP-A")
	tn := e.tenant(t, "auditctx", c.ID)
	other := e.tenant(t, "auditctx-other", c.ID)
	p := e.person(t, tn.ID, "Au", "Dit")
	stranger := e.person(t, other.ID, "Not", "Here")
	actions := func(tenantID int64) map[string]int {
		t.Helper()
		list, err := e.s.ListAudit(e.ctx, tenantID, 0, 0)
		want(t, "list", err, nil)
		n := map[string]int{}
		for _, ev := range list {
			n[ev.Action]++
		}
		return n
	}
	change := func(action string) store.AuditEvent {
		return store.AuditEvent{TenantID: tn.ID, Actor: store.ActorSystem, Action: action}
	}

	ctx := store.WithAudit(e.ctx, store.AuditEvent{TenantID: tn.ID, PersonID: p.ID, Actor: store.ActorAdmin(7),
		Action: "thing.done", Detail: json.RawMessage(`{"a":1}`)})
	errRefused := errors.New("refused")
	err := e.s.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.AppendAudit(ctx, change("change.rolled_back")); err != nil {
			return err
		}
		return errRefused
	})
	want(t, "a transaction that rolls back", err, errRefused)
	// A method's own transaction that rolls back (nothing to delete).
	want(t, "delete a missing endpoint", e.s.DeleteWebhookEndpoint(ctx, tn.ID, 1<<40), store.ErrNotFound)
	if n := actions(tn.ID); len(n) != 0 {
		t.Fatalf("after rolled-back transactions the trail has %v, want nothing", n)
	}
	for i := range 2 {
		err = e.s.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.AppendAudit(ctx, change(fmt.Sprintf("change.%d", i)))
			return err
		})
		want(t, "a transaction that commits", err, nil)
	}
	if n := actions(tn.ID); n["thing.done"] != 1 || n["change.0"] != 1 || n["change.1"] != 1 || len(n) != 3 {
		t.Fatalf("after two committed transactions the trail has %v, want thing.done once with change.0 and change.1", n)
	}
	got, err := e.s.FlushAudit(ctx, json.RawMessage(`{"b":2}`))
	want(t, "flush", err, nil)
	if got.Action != "thing.done" || got.PersonID != p.ID || got.Actor != store.ActorAdmin(7) || string(got.Detail) != `{"a":1,"b":2}` {
		t.Fatalf("flushed %+v (detail %s), want thing.done of person %d with both details", got, got.Detail, p.ID)
	}
	if n := actions(tn.ID); n["thing.done"] != 1 {
		t.Fatalf("after flush the trail has %v, want thing.done once", n)
	}

	// Nothing carried the event: FlushAudit writes it, once.
	ctx = store.WithAudit(e.ctx, store.AuditEvent{TenantID: tn.ID, Actor: store.ActorSystem, Action: "job.queued"})
	for range 2 {
		_, err = e.s.FlushAudit(ctx, nil)
		want(t, "flush an event no transaction carried", err, nil)
	}
	if n := actions(tn.ID); n["job.queued"] != 1 {
		t.Fatalf("the trail has %v, want job.queued once", n)
	}

	// An event that cannot be written (its person is another tenant's)
	// fails the transaction: the change is not made.
	ctx = store.WithAudit(e.ctx, store.AuditEvent{TenantID: tn.ID, PersonID: stranger.ID, Actor: store.ActorSystem, Action: "bad.event"})
	err = e.s.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.AppendAudit(ctx, change("change.unrecorded"))
		return err
	})
	want(t, "a transaction whose event fails", err, store.ErrNotFound)
	if n := actions(tn.ID); n["change.unrecorded"] != 0 || n["bad.event"] != 0 {
		t.Fatalf("the trail has %v: the change was kept without its event", n)
	}

	// Goroutines with contexts of their own: each event once, in its own
	// transaction, none in another's.
	const workers = 8
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			ctx := store.WithAudit(e.ctx, store.AuditEvent{TenantID: other.ID, Actor: store.ActorSystem, Action: fmt.Sprintf("worker.%d", i)})
			for range 3 {
				if err := e.s.InTx(ctx, func(tx *store.Tx) error {
					_, err := tx.AppendAudit(ctx, store.AuditEvent{TenantID: other.ID, Actor: store.ActorSystem, Action: "work"})
					return err
				}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	n := actions(other.ID)
	for i := range workers {
		if got := n[fmt.Sprintf("worker.%d", i)]; got != 1 {
			t.Errorf("worker.%d written %d times, want once", i, got)
		}
	}
	if n["work"] != 3*workers || len(n) != workers+1 {
		t.Errorf("the other tenant's trail has %v", n)
	}
}
