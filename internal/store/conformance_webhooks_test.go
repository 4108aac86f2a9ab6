package store_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

func (e *env) endpoint(t *testing.T, tenantID int64, url string, active bool, types ...string) store.WebhookEndpoint {
	t.Helper()
	ep, err := e.s.CreateWebhookEndpoint(e.ctx, store.WebhookEndpoint{TenantID: tenantID, URL: url, Description: "test",
		EventTypes: types, Secret: "whsec_secret-of-" + url, Active: active})
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

func (e *env) event(t *testing.T, tenantID, personID int64, typ string) store.Event {
	t.Helper()
	ev, err := e.s.RecordEvent(e.ctx, store.Event{TenantID: tenantID, PersonID: personID, Type: typ,
		Data: json.RawMessage(`{"n": 1}`)})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func deliveryEndpoints(ds []store.Delivery) []int64 {
	var ids []int64
	for _, d := range ds {
		ids = append(ids, d.EndpointID)
	}
	slices.Sort(ids)
	return ids
}

// testWebhookEndpoints: endpoints round-trip, validate, and keep their
// secret sealed at rest; a tenant sees only its own.
func testWebhookEndpoints(t *testing.T, e *env) {
	c := e.credential(t, "APP-HOOKS")
	a, b := e.tenant(t, "hooks-a", c.ID), e.tenant(t, "hooks-b", c.ID)
	ep := e.endpoint(t, a.ID, "https://a.example/hook", true, "person.connected", "item.synced", "person.connected")
	if !slices.Equal(ep.EventTypes, []string{"item.synced", "person.connected"}) || !ep.Active || ep.Secret == "" {
		t.Fatalf("created %+v", ep)
	}
	raw := e.rawBytes(t, `SELECT secret FROM webhook_endpoints WHERE id = ?`, ep.ID)
	if bytes.Contains(raw, []byte(ep.Secret)) || len(raw) == 0 {
		t.Fatalf("secret stored in the clear: %q", raw)
	}
	got, err := e.s.WebhookEndpoint(e.ctx, a.ID, ep.ID)
	want(t, "read", err, nil)
	if got.Secret != ep.Secret || got.URL != ep.URL {
		t.Fatalf("read back %+v", got)
	}
	// Another tenant's endpoint does not exist for b.
	_, err = e.s.WebhookEndpoint(e.ctx, b.ID, ep.ID)
	want(t, "read as b", err, store.ErrNotFound)
	_, err = e.s.UpdateWebhookEndpoint(e.ctx, store.WebhookEndpoint{ID: ep.ID, TenantID: b.ID, URL: "https://b.example",
		EventTypes: []string{"item.synced"}})
	want(t, "update as b", err, store.ErrNotFound)
	want(t, "delete as b", e.s.DeleteWebhookEndpoint(e.ctx, b.ID, ep.ID), store.ErrNotFound)
	if list, err := e.s.ListWebhookEndpoints(e.ctx, b.ID); err != nil || len(list) != 0 {
		t.Fatalf("b lists %v, %v", list, err)
	}

	// Update keeps the secret unless given one.
	ep.Description, ep.Active, ep.Secret = "changed", false, ""
	upd, err := e.s.UpdateWebhookEndpoint(e.ctx, ep)
	want(t, "update", err, nil)
	if upd.Secret != got.Secret || upd.Active || upd.Description != "changed" {
		t.Fatalf("updated %+v", upd)
	}
	upd.Secret = "whsec_rotated"
	if rot, err := e.s.UpdateWebhookEndpoint(e.ctx, upd); err != nil || rot.Secret != "whsec_rotated" {
		t.Fatalf("rotated %+v, %v", rot, err)
	}

	for name, bad := range map[string]store.WebhookEndpoint{
		"no scheme":   {TenantID: a.ID, URL: "a.example/hook", EventTypes: []string{"item.synced"}, Secret: "s"},
		"ftp":         {TenantID: a.ID, URL: "ftp://a.example/hook", EventTypes: []string{"item.synced"}, Secret: "s"},
		"credentials": {TenantID: a.ID, URL: "https://u:p@a.example/", EventTypes: []string{"item.synced"}, Secret: "s"},
		"no types":    {TenantID: a.ID, URL: "https://a.example/", Secret: "s"},
		"bad type":    {TenantID: a.ID, URL: "https://a.example/", EventTypes: []string{"Item Synced"}, Secret: "s"},
		"no secret":   {TenantID: a.ID, URL: "https://a.example/", EventTypes: []string{"item.synced"}},
	} {
		_, err := e.s.CreateWebhookEndpoint(e.ctx, bad)
		want(t, name, err, store.ErrInvalid)
	}
	_, err = e.s.CreateWebhookEndpoint(e.ctx, store.WebhookEndpoint{TenantID: 9999, URL: "https://a.example/",
		EventTypes: []string{"item.synced"}, Secret: "s"})
	want(t, "unknown tenant", err, store.ErrNotFound)

	want(t, "delete", e.s.DeleteWebhookEndpoint(e.ctx, a.ID, ep.ID), nil)
	_, err = e.s.WebhookEndpoint(e.ctx, a.ID, ep.ID)
	want(t, "read deleted", err, store.ErrNotFound)
}

// testWebhookFanOut: an event becomes one pending delivery per active
// endpoint of its tenant subscribed to its type, nothing else, and carries
// a snapshot of the person.
func testWebhookFanOut(t *testing.T, e *env) {
	c := e.credential(t, "APP-FAN")
	a, b := e.tenant(t, "fan-a", c.ID), e.tenant(t, "fan-b", c.ID)
	p := e.person(t, a.ID, "Ada", "Lovelace")
	all := e.endpoint(t, a.ID, "https://a.example/all", true, "person.connected", "item.synced")
	items := e.endpoint(t, a.ID, "https://a.example/items", true, "item.synced")
	e.endpoint(t, a.ID, "https://a.example/off", false, "person.connected", "item.synced")
	e.endpoint(t, b.ID, "https://b.example/all", true, "person.connected", "item.synced")

	ev := e.event(t, a.ID, p.ID, "person.connected")
	if ev.UID == "" || ev.TenantSlug != "fan-a" || ev.PersonEmail != p.Email || string(ev.Data) != `{"n": 1}` {
		t.Fatalf("event %+v", ev)
	}
	ds, err := e.s.ListWebhookDeliveries(e.ctx, a.ID, store.DeliveryQuery{EventID: ev.ID})
	want(t, "list", err, nil)
	if got := deliveryEndpoints(ds); !slices.Equal(got, []int64{all.ID}) {
		t.Fatalf("person.connected went to %v, want only %d", got, all.ID)
	}
	d := ds[0]
	if d.State != store.DeliveryPending || d.Attempts != 0 || d.PersonID != p.ID || d.EventUID != ev.UID || d.EventType != "person.connected" {
		t.Fatalf("delivery %+v", d)
	}
	ev2 := e.event(t, a.ID, p.ID, "item.synced")
	ds, _ = e.s.ListWebhookDeliveries(e.ctx, a.ID, store.DeliveryQuery{EventID: ev2.ID})
	if got := deliveryEndpoints(ds); !slices.Equal(got, []int64{all.ID, items.ID}) {
		t.Fatalf("item.synced went to %v", got)
	}
	// Nobody subscribes: the event is kept, with no delivery.
	ev3 := e.event(t, a.ID, 0, "import.finished")
	ds, _ = e.s.ListWebhookDeliveries(e.ctx, a.ID, store.DeliveryQuery{EventID: ev3.ID})
	if len(ds) != 0 || ev3.PersonID != 0 || ev3.PersonEmail != "" {
		t.Fatalf("import.finished: %v, %+v", ds, ev3)
	}
	// Tenant b sees none of a's events and deliveries.
	if ds, _ := e.s.ListWebhookDeliveries(e.ctx, b.ID, store.DeliveryQuery{}); len(ds) != 0 {
		t.Fatalf("b sees %d deliveries", len(ds))
	}
	if evs, _ := e.s.ListWebhookEvents(e.ctx, b.ID, store.EventQuery{}); len(evs) != 0 {
		t.Fatalf("b sees %d events", len(evs))
	}
	if _, err := e.s.WebhookDelivery(e.ctx, b.ID, d.ID); err == nil {
		t.Fatal("b reads a's delivery")
	}
	_, err = e.s.RedeliverWebhook(e.ctx, b.ID, d.ID)
	want(t, "redeliver as b", err, store.ErrNotFound)
	// A person of another tenant cannot be named.
	_, err = e.s.RecordEvent(e.ctx, store.Event{TenantID: b.ID, PersonID: p.ID, Type: "person.connected"})
	want(t, "person of another tenant", err, store.ErrNotFound)
	_, err = e.s.RecordEvent(e.ctx, store.Event{TenantID: a.ID, Type: "person.connected", Data: json.RawMessage(`[1]`)})
	want(t, "data not an object", err, store.ErrInvalid)
	evs, err := e.s.ListWebhookEvents(e.ctx, a.ID, store.EventQuery{PersonID: p.ID})
	if err != nil || len(evs) != 2 || evs[0].ID != ev2.ID {
		t.Fatalf("events of the person, newest first: %v, %v", evs, err)
	}

	// Recorded in a transaction that rolls back, nothing is left.
	before, _ := e.s.ListWebhookDeliveries(e.ctx, a.ID, store.DeliveryQuery{})
	_ = e.s.InTx(e.ctx, func(tx *store.Tx) error {
		if _, err := tx.RecordEvent(e.ctx, store.Event{TenantID: a.ID, PersonID: p.ID, Type: "item.synced"}); err != nil {
			t.Fatal(err)
		}
		return store.ErrConflict
	})
	after, _ := e.s.ListWebhookDeliveries(e.ctx, a.ID, store.DeliveryQuery{})
	if len(after) != len(before) {
		t.Fatalf("rolled back event left deliveries: %d, then %d", len(before), len(after))
	}
}

// testWebhookOrdering: only the oldest pending delivery of each (endpoint,
// person) is due; people do not wait for each other; a claim is exclusive;
// a failure waits for its next attempt; redelivery.
func testWebhookOrdering(t *testing.T, e *env) {
	c := e.credential(t, "APP-ORDER")
	tn := e.tenant(t, "order", c.ID)
	p1, p2 := e.person(t, tn.ID, "Ada", "One"), e.person(t, tn.ID, "Bea", "Two")
	ep := e.endpoint(t, tn.ID, "https://o.example/hook", true, "item.synced")
	first := e.event(t, tn.ID, p1.ID, "item.synced")
	second := e.event(t, tn.ID, p1.ID, "item.synced")
	other := e.event(t, tn.ID, p2.ID, "item.synced")
	deliveryOf := func(ev store.Event) store.Delivery {
		t.Helper()
		ds, err := e.s.ListWebhookDeliveries(e.ctx, tn.ID, store.DeliveryQuery{EventID: ev.ID})
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries of event %d: %v, %v", ev.ID, ds, err)
		}
		return ds[0]
	}
	d1, d2, d3 := deliveryOf(first), deliveryOf(second), deliveryOf(other)
	due := func() []int64 {
		t.Helper()
		ids, err := e.s.DueWebhookDeliveries(e.ctx, 0)
		want(t, "due", err, nil)
		slices.Sort(ids)
		return ids
	}
	if got := due(); !slices.Equal(got, []int64{d1.ID, d3.ID}) {
		t.Fatalf("due = %v, want heads %d and %d", got, d1.ID, d3.ID)
	}
	// The second of a lane cannot be claimed before the first is settled.
	if _, ok, err := e.s.ClaimWebhookDelivery(e.ctx, d2.ID, time.Minute); ok || err != nil {
		t.Fatalf("claimed the second: %v, %v", ok, err)
	}
	w, ok, err := e.s.ClaimWebhookDelivery(e.ctx, d1.ID, time.Minute)
	if !ok || err != nil || w.Endpoint.Secret != ep.Secret || w.Event.UID != first.UID || w.Delivery.ID != d1.ID {
		t.Fatalf("claim: %v, %v, %+v", ok, err, w)
	}
	if _, ok, _ := e.s.ClaimWebhookDelivery(e.ctx, d1.ID, time.Minute); ok {
		t.Fatal("claimed twice")
	}
	if got := due(); !slices.Equal(got, []int64{d3.ID}) {
		t.Fatalf("due while the first is claimed = %v", got)
	}
	// It fails: due again in 10 minutes, still blocking the second.
	_, err = e.s.FinishWebhookDelivery(e.ctx, d1.ID, store.DeliveryOutcome{Status: 503})
	want(t, "finish without the lease", err, store.ErrInvalid)
	f, err := e.s.FinishWebhookDelivery(e.ctx, d1.ID, store.DeliveryOutcome{Status: 503, Response: "down",
		Error: "endpoint answered 503", NextAttemptAt: e.clock.Now().Add(10 * time.Minute), LeaseUntil: w.LeaseUntil})
	want(t, "finish", err, nil)
	if f.State != store.DeliveryPending || f.Attempts != 1 || f.LastStatus != 503 || f.LastResponse != "down" || f.LastAttemptAt.IsZero() {
		t.Fatalf("after a failure %+v", f)
	}
	if got := due(); !slices.Equal(got, []int64{d3.ID}) {
		t.Fatalf("due after the failure = %v", got)
	}
	// A lease that ran out (a process died) frees the delivery.
	e.clock.Add(11 * time.Minute)
	slow, ok, _ := e.s.ClaimWebhookDelivery(e.ctx, d1.ID, time.Minute)
	if !ok {
		t.Fatal("not claimable when due")
	}
	e.clock.Add(2 * time.Minute)
	w, ok, _ = e.s.ClaimWebhookDelivery(e.ctx, d1.ID, time.Minute)
	if !ok {
		t.Fatal("not claimable after its lease ran out")
	}
	f, err = e.s.FinishWebhookDelivery(e.ctx, d1.ID, store.DeliveryOutcome{Delivered: true, Status: 200, LeaseUntil: w.LeaseUntil})
	if err != nil || f.State != store.DeliveryDelivered || f.DeliveredAt.IsZero() || f.Attempts != 2 {
		t.Fatalf("delivered %+v, %v", f, err)
	}
	// The attempt whose lease ran out ends after all, in failure: its
	// outcome must neither put the delivered delivery back to pending (to
	// be sent yet again) nor count as an attempt.
	_, err = e.s.FinishWebhookDelivery(e.ctx, d1.ID, store.DeliveryOutcome{Status: 0, Error: "timeout",
		NextAttemptAt: e.clock.Now().Add(time.Minute), LeaseUntil: slow.LeaseUntil})
	want(t, "finish with a lost lease", err, store.ErrLeaseLost)
	if g, _ := e.s.WebhookDelivery(e.ctx, tn.ID, d1.ID); g.State != store.DeliveryDelivered || g.Attempts != 2 || g.LastStatus != 200 {
		t.Fatalf("a stale outcome overwrote the delivery: %+v", g)
	}
	next, err := e.s.NextWebhookDelivery(e.ctx, ep.ID, p1.ID)
	if err != nil || next.ID != d2.ID {
		t.Fatalf("next = %+v, %v", next, err)
	}
	if got := due(); !slices.Equal(got, []int64{d2.ID, d3.ID}) {
		t.Fatalf("due after delivery = %v", got)
	}
	// A given-up delivery does not block the lane either.
	w, ok, _ = e.s.ClaimWebhookDelivery(e.ctx, d2.ID, time.Minute)
	if g, err := e.s.FinishWebhookDelivery(e.ctx, d2.ID, store.DeliveryOutcome{GiveUp: true, Error: "refused", LeaseUntil: w.LeaseUntil}); !ok || err != nil ||
		g.State != store.DeliveryFailed {
		t.Fatalf("gave up: %v %+v %v", ok, g, err)
	}
	if _, err := e.s.NextWebhookDelivery(e.ctx, ep.ID, p1.ID); err == nil {
		t.Fatal("a next delivery after the last")
	}
	// Redelivering a settled one makes a new pending delivery, last in its
	// lane; the old keeps its history.
	r, err := e.s.RedeliverWebhook(e.ctx, tn.ID, d1.ID)
	if err != nil || r.ID == d1.ID || r.State != store.DeliveryPending || r.EventID != first.ID || r.Attempts != 0 {
		t.Fatalf("redelivered %+v, %v", r, err)
	}
	if old, _ := e.s.WebhookDelivery(e.ctx, tn.ID, d1.ID); old.State != store.DeliveryDelivered || old.Attempts != 2 {
		t.Fatalf("old delivery changed: %+v", old)
	}
	// Redelivering a pending one makes it due now.
	w, ok, _ = e.s.ClaimWebhookDelivery(e.ctx, d3.ID, time.Minute)
	if _, err := e.s.FinishWebhookDelivery(e.ctx, d3.ID, store.DeliveryOutcome{NextAttemptAt: e.clock.Now().Add(time.Hour),
		LeaseUntil: w.LeaseUntil}); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if got := due(); !slices.Equal(got, []int64{r.ID}) {
		t.Fatalf("due = %v", got)
	}
	if r3, err := e.s.RedeliverWebhook(e.ctx, tn.ID, d3.ID); err != nil || r3.ID != d3.ID {
		t.Fatalf("redeliver pending: %+v, %v", r3, err)
	}
	if got := due(); !slices.Equal(got, []int64{d3.ID, r.ID}) {
		t.Fatalf("due after redelivering the pending one = %v", got)
	}
	// An inactive endpoint's deliveries wait.
	ep.Active, ep.Secret = false, ""
	if _, err := e.s.UpdateWebhookEndpoint(e.ctx, ep); err != nil {
		t.Fatal(err)
	}
	if got := due(); len(got) != 0 {
		t.Fatalf("due with the endpoint off = %v", got)
	}
}

// testWebhookPrune: old events whose deliveries settled go, with their
// deliveries; an old event still to be delivered, and recent ones, stay.
func testWebhookPrune(t *testing.T, e *env) {
	c := e.credential(t, "APP-PRUNE")
	a := e.tenant(t, "prune-a", c.ID)
	p := e.person(t, a.ID, "Ada", "Lovelace")
	e.endpoint(t, a.ID, "https://a.example/hook", true, "person.connected", "item.synced")

	delivered := e.event(t, a.ID, p.ID, "person.connected")
	ds, err := e.s.ListWebhookDeliveries(e.ctx, a.ID, store.DeliveryQuery{EventID: delivered.ID})
	want(t, "list", err, nil)
	w, ok, err := e.s.ClaimWebhookDelivery(e.ctx, ds[0].ID, time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	_, err = e.s.FinishWebhookDelivery(e.ctx, ds[0].ID, store.DeliveryOutcome{Delivered: true, Status: 204, LeaseUntil: w.LeaseUntil})
	want(t, "finish", err, nil)
	pending := e.event(t, a.ID, p.ID, "item.synced")
	unheard := e.event(t, a.ID, 0, "import.finished") // nobody subscribes

	e.clock.Add(48 * time.Hour)
	recent := e.event(t, a.ID, p.ID, "person.connected")
	n, err := e.s.PruneWebhookEvents(e.ctx, e.clock.Now().Add(-24*time.Hour))
	want(t, "prune", err, nil)
	if n != 2 {
		t.Fatalf("pruned %d events, want 2 (the delivered one and the unheard one)", n)
	}
	for _, ev := range []store.Event{delivered, unheard} {
		_, err := e.s.WebhookEvent(e.ctx, a.ID, ev.ID)
		want(t, "pruned event "+ev.Type, err, store.ErrNotFound)
	}
	for _, ev := range []store.Event{pending, recent} {
		_, err := e.s.WebhookEvent(e.ctx, a.ID, ev.ID)
		want(t, "kept event "+ev.Type, err, nil)
	}
	if ds, _ := e.s.ListWebhookDeliveries(e.ctx, a.ID, store.DeliveryQuery{EventID: delivered.ID}); len(ds) != 0 {
		t.Fatalf("the pruned event's deliveries stayed: %v", ds)
	}
}
