package store_test

import (
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// testWebhookCircuit: a capped claim refuses (busy) a delivery whose
// endpoint has its deliveries in flight, and takes it once one settles; a
// timeout that opens the circuit parks the endpoint (no claim, nothing
// due) until then, after which one claim at a time goes (half-open); an
// answer closes it, and so does saving the endpoint.
func testWebhookCircuit(t *testing.T, e *env) {
	tn := e.tenant(t, "circuit", e.credential(t, "APP-CIRCUIT").ID)
	ep := e.endpoint(t, tn.ID, "https://c.example/hook", true, "item.synced")
	var ds []store.Delivery
	for i := range 3 {
		p := e.person(t, tn.ID, "P", string(rune('A'+i)))
		ev := e.event(t, tn.ID, p.ID, "item.synced")
		got, err := e.s.ListWebhookDeliveries(e.ctx, tn.ID, store.DeliveryQuery{EventID: ev.ID})
		if err != nil || len(got) != 1 {
			t.Fatalf("deliveries: %v, %v", got, err)
		}
		ds = append(ds, got[0])
	}
	claim := func(d store.Delivery, cap int, want store.ClaimResult) store.DeliveryWork {
		t.Helper()
		w, res, err := e.s.ClaimWebhookDeliveryCapped(e.ctx, d.ID, time.Minute, cap)
		if err != nil || res != want {
			t.Fatalf("claim %d (cap %d): %v, %v; want %v", d.ID, cap, res, err, want)
		}
		return w
	}
	due := func() int {
		t.Helper()
		ids, err := e.s.DueWebhookDeliveries(e.ctx, 0)
		want(t, "due", err, nil)
		return len(ids)
	}
	// Cap 2: two go, the third is busy until one settles.
	w0, w1 := claim(ds[0], 2, store.Claimed), claim(ds[1], 2, store.Claimed)
	claim(ds[2], 2, store.ClaimBusy)
	if _, err := e.s.FinishWebhookDelivery(e.ctx, ds[0].ID, store.DeliveryOutcome{Delivered: true, Status: 204,
		LeaseUntil: w0.LeaseUntil}); err != nil {
		t.Fatal(err)
	}
	w2 := claim(ds[2], 2, store.Claimed)
	// Two timeouts, the second opening the circuit for a minute.
	if _, err := e.s.FinishWebhookDelivery(e.ctx, ds[1].ID, store.DeliveryOutcome{TimedOut: true, Error: "timeout",
		NextAttemptAt: e.clock.Now(), LeaseUntil: w1.LeaseUntil}); err != nil {
		t.Fatal(err)
	}
	until := e.clock.Now().Add(time.Minute)
	if _, err := e.s.FinishWebhookDelivery(e.ctx, ds[2].ID, store.DeliveryOutcome{TimedOut: true, Error: "timeout",
		NextAttemptAt: e.clock.Now(), ParkUntil: until, LeaseUntil: w2.LeaseUntil}); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.WebhookEndpoint(e.ctx, tn.ID, ep.ID)
	if err != nil || got.Timeouts != 2 || !got.ParkedUntil.Equal(until.UTC().Truncate(time.Microsecond)) {
		t.Fatalf("endpoint after two timeouts: %d timeouts, parked until %v (%v)", got.Timeouts, got.ParkedUntil, err)
	}
	claim(ds[1], 2, store.ClaimParked)
	if _, ok, err := e.s.ClaimWebhookDelivery(e.ctx, ds[2].ID, time.Minute); ok || err != nil {
		t.Fatalf("uncapped claim while parked: %v, %v", ok, err)
	}
	if n := due(); n != 0 {
		t.Fatalf("%d due while parked", n)
	}
	// Past the park: due again, one at a time.
	e.clock.Add(time.Minute)
	if n := due(); n != 2 {
		t.Fatalf("%d due after the park, want 2", n)
	}
	w1 = claim(ds[1], 2, store.Claimed)
	claim(ds[2], 2, store.ClaimBusy)
	if _, err := e.s.FinishWebhookDelivery(e.ctx, ds[1].ID, store.DeliveryOutcome{Status: 500, Error: "endpoint answered 500",
		NextAttemptAt: e.clock.Now(), LeaseUntil: w1.LeaseUntil}); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.s.WebhookEndpoint(e.ctx, tn.ID, ep.ID); got.Timeouts != 0 || !got.ParkedUntil.IsZero() {
		t.Fatalf("an answer did not close the circuit: %+v", got)
	}
	claim(ds[2], 2, store.Claimed)
	claim(ds[1], 2, store.Claimed)

	// Saving the endpoint closes a circuit too.
	ep2 := e.endpoint(t, tn.ID, "https://c2.example/hook", true, "item.synced")
	p := e.person(t, tn.ID, "P", "Z")
	e.event(t, tn.ID, p.ID, "item.synced")
	d, err := e.s.ListWebhookDeliveries(e.ctx, tn.ID, store.DeliveryQuery{EndpointID: ep2.ID})
	if err != nil || len(d) != 1 {
		t.Fatalf("deliveries of the second endpoint: %v, %v", d, err)
	}
	w := claim(d[0], 0, store.Claimed)
	if _, err := e.s.FinishWebhookDelivery(e.ctx, d[0].ID, store.DeliveryOutcome{TimedOut: true, NextAttemptAt: e.clock.Now(),
		ParkUntil: e.clock.Now().Add(time.Hour), LeaseUntil: w.LeaseUntil}); err != nil {
		t.Fatal(err)
	}
	claim(d[0], 0, store.ClaimParked)
	if _, err := e.s.UpdateWebhookEndpoint(e.ctx, ep2); err != nil {
		t.Fatal(err)
	}
	claim(d[0], 0, store.Claimed)
}
