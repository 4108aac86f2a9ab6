package store_test

import (
	"context"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestRecordWebhookRegistrations: a link's registration keeps its token
// while the link keeps its iD and credential, starts afresh when the link
// is connected again to another iD, and only a current, acknowledged one
// counts for the daily import; a removed link's is stale.
func TestRecordWebhookRegistrations(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		e := &env{driver: driver, dsn: storetest.NewDSN(t, driver), ctx: context.Background(), clock: newClock()}
		e.s = e.open(t, storetest.Ring(t))
		cred := e.credential(t, "APP-HOOKS")
		tn := e.tenant(t, "hooks", cred.ID)
		p := e.person(t, tn.ID, "Ada", "Lovelace")
		l := e.connect(t, p, cred.ID, orcidID(t, 1))

		if err := e.s.SetCredentialWebhooks(e.ctx, cred.ID, true); err != nil {
			t.Fatal(err)
		}
		todo, err := e.s.LinksWithoutWebhook(e.ctx)
		want(t, "links without webhook", err, nil)
		if len(todo) != 1 || todo[0] != [2]int64{tn.ID, p.ID} {
			t.Fatalf("links without webhook %v", todo)
		}
		h, err := e.s.EnsureRecordWebhook(e.ctx, l, "first-token")
		want(t, "ensure", err, nil)
		if h.Token != "first-token" || h.ORCID != string(orcidID(t, 1)) || !h.RegisteredAt.IsZero() {
			t.Fatalf("new registration %+v", h)
		}
		if again, err := e.s.EnsureRecordWebhook(e.ctx, l, "second-token"); err != nil || again.Token != "first-token" {
			t.Fatalf("ensure again: token %q, %v", again.Token, err)
		}
		want(t, "registered", e.s.RecordWebhookRegistered(e.ctx, l.ID), nil)
		want(t, "changed", e.s.MarkRecordChanged(e.ctx, l.ID), nil)
		recs, err := e.s.ConnectedRecords(e.ctx)
		want(t, "connected records", err, nil)
		if len(recs) != 1 || recs[0].RegisteredAt.IsZero() || recs[0].ChangedAt.IsZero() || recs[0].CredentialID != cred.ID {
			t.Fatalf("connected records %+v", recs)
		}
		if todo, _ := e.s.LinksWithoutWebhook(e.ctx); len(todo) != 0 {
			t.Fatalf("registered link still to register: %v", todo)
		}

		// Removed, then connected again to another iD before the old
		// registration was removed: it no longer counts, and starts afresh.
		want(t, "remove link", e.s.RemoveLink(e.ctx, tn.ID, l.ID, "test"), nil)
		stale, err := e.s.StaleRecordWebhooks(e.ctx)
		want(t, "stale", err, nil)
		if len(stale) != 1 || stale[0].LinkID != l.ID || stale[0].ORCID != string(orcidID(t, 1)) {
			t.Fatalf("stale %+v", stale)
		}
		l2 := e.connect(t, p, cred.ID, orcidID(t, 2))
		if l2.ID != l.ID {
			t.Skipf("a new connection made link %d, not %d again", l2.ID, l.ID)
		}
		recs, _ = e.s.ConnectedRecords(e.ctx)
		if len(recs) != 1 || !recs[0].RegisteredAt.IsZero() {
			t.Fatalf("the old iD's registration counts for the new one: %+v", recs)
		}
		fresh, err := e.s.EnsureRecordWebhook(e.ctx, l2, "third-token")
		want(t, "ensure for the new iD", err, nil)
		if fresh.Token != "third-token" || fresh.ORCID != string(orcidID(t, 2)) || !fresh.RegisteredAt.IsZero() || !fresh.ChangedAt.IsZero() {
			t.Fatalf("registration for the new iD %+v", fresh)
		}
		want(t, "delete", e.s.DeleteRecordWebhook(e.ctx, l.ID), nil)
		_, err = e.s.RecordWebhookOfLink(e.ctx, l.ID)
		want(t, "deleted", err, store.ErrNotFound)
	})
}
