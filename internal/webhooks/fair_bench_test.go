package webhooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// BenchmarkHangingTenant measures what issue 13 saw: tenant A's 40 webhook
// endpoints never answer, and tenant B's healthy receiver waits for its
// events. It reports B's delay (from recording an event to its arrival)
// and the most workers A held at once, with the defaults ("fair") and with
// the share, the cap and the circuit turned off ("unfair", as before).
// Attempts time out after 2 s instead of 10 to keep the run short. Run:
//
//	go test ./internal/webhooks/ -run '^$' -bench HangingTenant -benchtime 1x
func BenchmarkHangingTenant(b *testing.B) {
	cases := []struct {
		name  string
		share int
		perEP int
		trips int
	}{
		{name: "fair"},
		{name: "unfair", share: jobs.DefaultWebhookWorkers, perEP: 1000, trips: 1000},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				p50, worst, held := hangingTenant(b, tc.share, tc.perEP, tc.trips)
				b.ReportMetric(float64(p50.Milliseconds()), "B-p50-ms")
				b.ReportMetric(float64(worst.Milliseconds()), "B-max-ms")
				b.ReportMetric(float64(held), "A-max-workers")
			}
		})
	}
}

func hangingTenant(b *testing.B, share, perEP, trips int) (p50, worst time.Duration, held int) {
	ctx := context.Background()
	dsn := storetest.NewDSN(b, "sqlite")
	st := storetest.OpenDSN(b, "sqlite", dsn, nil)
	hang := newHangingReceiver(b)
	var mu sync.Mutex
	arrived := map[int]time.Time{}
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var env webhooks.Envelope
		json.NewDecoder(r.Body).Decode(&env)
		var d struct{ N int }
		json.Unmarshal(env.Data, &d)
		mu.Lock()
		if _, ok := arrived[d.N]; !ok {
			arrived[d.N] = time.Now()
		}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	b.Cleanup(healthy.Close)
	tenantA, peopleA := newTenant(b, st, "tenant-a", 1)
	tenantB, peopleB := newTenant(b, st, "tenant-b", 1)
	svc := newService(b, st, nil)
	for i := range 40 {
		if _, err := svc.CreateEndpoint(ctx, tenantA.ID, webhooks.EndpointInput{URL: fmt.Sprintf("%s/ep%d", hang.srv.URL, i),
			EventTypes: []string{webhooks.ItemSynced}, Active: true}); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := svc.CreateEndpoint(ctx, tenantB.ID, webhooks.EndpointInput{URL: healthy.URL + "/hook",
		EventTypes: []string{webhooks.ItemSynced}, Active: true}); err != nil {
		b.Fatal(err)
	}
	d, err := webhooks.NewDeliverer(webhooks.DeliverConfig{Store: st, Timeout: 2 * time.Second, MaxInFlight: perEP,
		CircuitTimeouts: trips})
	if err != nil {
		b.Fatal(err)
	}
	q, err := jobs.New(ctx, jobs.Config{Store: st, Webhooks: d, WebhookTenantShare: share, WebhookSweep: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		hang.releaseAll()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
	for n := 1; n <= 3; n++ {
		recordEvent(b, st, tenantA.ID, peopleA[0].ID, n)
	}
	if err := q.KickWebhooks(ctx); err != nil {
		b.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // A's deliveries take the workers
	const events = 10
	recorded := map[int]time.Time{}
	for n := 1; n <= events; n++ {
		recorded[n] = time.Now()
		recordEvent(b, st, tenantB.ID, peopleB[0].ID, n)
		if err := q.KickWebhooks(ctx); err != nil {
			b.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		mu.Lock()
		n := len(arrived)
		mu.Unlock()
		if n == events {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("B received %d of %d events", n, events)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var delays []time.Duration
	for n := 1; n <= events; n++ {
		delays = append(delays, arrived[n].Sub(recorded[n]))
	}
	slices.Sort(delays)
	return delays[len(delays)/2], delays[len(delays)-1], hang.stats().maxInFlight
}
