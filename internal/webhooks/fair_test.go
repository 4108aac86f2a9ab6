package webhooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
	"github.com/orcidlink/orcidlink/internal/webhooks"
	"github.com/orcidlink/orcidlink/internal/webhooks/webhookstest"
)

// hangingReceiver is a tenant's receiver that never answers until the test
// lets it (or answers at once when told to): it counts what it holds at
// once, in all and per endpoint path, and the requests that ended.
type hangingReceiver struct {
	srv     *httptest.Server
	release chan struct{}
	once    sync.Once

	mu          sync.Mutex
	answer      bool // answer 204 at once instead of hanging
	requests    int
	inFlight    int
	maxInFlight int
	perPath     map[string]int
	maxPerPath  int
	ended       int
}

func newHangingReceiver(t testing.TB) *hangingReceiver {
	h := &hangingReceiver{release: make(chan struct{}), perPath: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(func() {
		h.releaseAll()
		h.srv.Close()
	})
	return h
}

// releaseAll ends the requests hanging, and answers the next ones at once.
func (h *hangingReceiver) releaseAll() {
	h.setAnswer(true)
	h.once.Do(func() { close(h.release) })
}

func (h *hangingReceiver) serve(w http.ResponseWriter, r *http.Request) {
	// Read the body first: only then does the server watch the connection
	// and cancel r.Context() when the sender gives up.
	io.Copy(io.Discard, r.Body)
	h.mu.Lock()
	h.requests++
	if h.answer {
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.inFlight++
	h.perPath[r.URL.Path]++
	h.maxInFlight = max(h.maxInFlight, h.inFlight)
	h.maxPerPath = max(h.maxPerPath, h.perPath[r.URL.Path])
	h.mu.Unlock()
	select {
	case <-h.release:
	case <-r.Context().Done():
	}
	h.mu.Lock()
	h.inFlight--
	h.perPath[r.URL.Path]--
	h.ended++
	h.mu.Unlock()
}

type hangStats struct{ requests, inFlight, maxInFlight, maxPerPath, ended int }

func (h *hangingReceiver) stats() hangStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return hangStats{h.requests, h.inFlight, h.maxInFlight, h.maxPerPath, h.ended}
}

func (h *hangingReceiver) setAnswer(ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.answer = ok
}

// newTenant makes a tenant with people.
func newTenant(t testing.TB, st *store.Store, slug string, people int) (store.Tenant, []store.Person) {
	t.Helper()
	ctx := context.Background()
	cred, err := st.CreateCredential(ctx, store.Credential{Name: slug, API: orcid.MemberAPI, ClientID: "APP-" + strings.ToUpper(strings.ReplaceAll(slug, "-", "")),
		ClientSecret: "s", Env: orcid.Environment{Name: "custom", SiteURL: "http://127.0.0.1:9",
			MemberAPIURL: "http://127.0.0.1:9/v3.0", PublicAPIURL: "http://127.0.0.1:9/pub/v3.0"}})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := st.CreateTenant(ctx, store.Tenant{Slug: slug, Name: slug, CredentialID: cred.ID})
	if err != nil {
		t.Fatal(err)
	}
	var ps []store.Person
	for i := range people {
		p, err := st.CreatePerson(ctx, store.Person{TenantID: tn.ID, GivenNames: "P", FamilyNames: fmt.Sprint(i),
			Email: fmt.Sprintf("%s%d@example.org", slug, i)})
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return tn, ps
}

func recordEvent(t testing.TB, st *store.Store, tenantID, personID int64, n int) {
	t.Helper()
	if _, err := st.RecordEvent(context.Background(), store.Event{TenantID: tenantID, PersonID: personID,
		Type: webhooks.ItemSynced, Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n))}); err != nil {
		t.Fatal(err)
	}
}

// TestHangingTenantDoesNotDelayOthers: tenant A's endpoints never answer
// (their attempts would time out only after a minute); tenant B's healthy
// receiver still gets all its events, in order, while every one of A's
// requests is still hanging, i.e. B waited for none of them. Meanwhile A
// never held more than its share of the workers, nor one endpoint more
// than its cap. Before the share and the cap, A's deliveries took every
// worker for the whole timeout and B's waited behind them.
func TestHangingTenantDoesNotDelayOthers(t *testing.T) {
	cases := []struct {
		name                  string
		endpoints, people     int // tenant A's
		workers, share, perEP int
		// wantMax is what A should reach at once: its share, or its
		// endpoints' caps when those bind first.
		wantMax int
	}{
		{name: "many endpoints", endpoints: 6, people: 2, workers: 4, share: 2, perEP: 2, wantMax: 2},
		{name: "one endpoint, many people", endpoints: 1, people: 5, workers: 4, share: 3, perEP: 1, wantMax: 1},
	}
	storetest.Engines(t, func(t *testing.T, driver string) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				dsn := storetest.NewDSN(t, driver)
				st := storetest.OpenDSN(t, driver, dsn, nil)
				hang := newHangingReceiver(t)
				healthy := webhookstest.New(t)
				tenantA, peopleA := newTenant(t, st, "tenant-a", tc.people)
				tenantB, peopleB := newTenant(t, st, "tenant-b", 1)
				svc := newService(t, st, nil)
				for i := range tc.endpoints {
					if _, err := svc.CreateEndpoint(ctx, tenantA.ID, webhooks.EndpointInput{URL: fmt.Sprintf("%s/ep%d", hang.srv.URL, i),
						EventTypes: []string{webhooks.ItemSynced}, Active: true}); err != nil {
						t.Fatal(err)
					}
				}
				epB, err := svc.CreateEndpoint(ctx, tenantB.ID, webhooks.EndpointInput{URL: healthy.URL() + "/hook",
					EventTypes: []string{webhooks.ItemSynced}, Active: true})
				if err != nil {
					t.Fatal(err)
				}
				healthy.SetSecret(epB.Secret)

				d, err := webhooks.NewDeliverer(webhooks.DeliverConfig{Store: st, Timeout: time.Minute, MaxInFlight: tc.perEP})
				if err != nil {
					t.Fatal(err)
				}
				cfg := jobs.Config{Store: st, Webhooks: d, WebhookWorkers: tc.workers, WebhookTenantShare: tc.share,
					WebhookSweep: 100 * time.Millisecond, PollInterval: 50 * time.Millisecond}
				if driver == "postgres" {
					cfg.PostgresDSN = dsn
				}
				q, err := jobs.New(ctx, cfg)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range peopleA {
					for n := 1; n <= 2; n++ {
						recordEvent(t, st, tenantA.ID, p.ID, n)
					}
				}
				if err := q.Start(ctx); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					// Let A's requests end first, so that stopping waits for nothing.
					hang.releaseAll()
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					if err := q.Stop(ctx); err != nil {
						t.Errorf("stop queue: %v", err)
					}
				})
				// A has taken all it may: from here on, a worker for B
				// exists only if A is held to its share.
				waitFor(t, "A's deliveries hanging", func() bool { return hang.stats().inFlight >= tc.wantMax })

				const events = 5
				for n := 1; n <= events; n++ {
					recordEvent(t, st, tenantB.ID, peopleB[0].ID, n)
				}
				if err := q.KickWebhooks(ctx); err != nil {
					t.Fatal(err)
				}
				healthy.Wait(t, "B's events", func(rs []webhookstest.Request) bool { return len(rs) >= events })
				s := hang.stats()
				if s.ended != 0 {
					t.Errorf("B's events arrived only after %d of A's hanging requests ended", s.ended)
				}
				if got := received(healthy, peopleB[0].ID); !equal(got, seq(events)) {
					t.Errorf("B received %v, want %v in order", got, seq(events))
				}
				if s.maxInFlight != tc.wantMax {
					t.Errorf("A held %d workers at once, want its bound %d", s.maxInFlight, tc.wantMax)
				}
				if s.maxPerPath > tc.perEP {
					t.Errorf("an endpoint of A had %d deliveries at once, cap %d", s.maxPerPath, tc.perEP)
				}
				// A is still held to it a while later (its jobs come
				// back, snoozed, and find no room).
				time.Sleep(time.Second)
				if s := hang.stats(); s.maxInFlight != tc.wantMax || s.maxPerPath > tc.perEP {
					t.Errorf("later: A held %d at once (want %d), %d on one endpoint (cap %d)", s.maxInFlight, tc.wantMax,
						s.maxPerPath, tc.perEP)
				}
			})
		}
	})
}

// TestCircuitParksTimingOutEndpoint: an endpoint whose attempts keep
// timing out is parked after CircuitTimeouts of them: it gets no attempt,
// and its deliveries are not due, until the park has passed; then one
// probe at a time, a probe that times out parking it twice as long, and an
// answer closing the circuit. Parked time costs the deliveries no attempts.
func TestCircuitParksTimingOutEndpoint(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		ctx := context.Background()
		var mu sync.Mutex
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
		st := storetest.Open(t, driver, func(c *store.Config) { c.Now = clock })
		hang := newHangingReceiver(t)
		tn, people := newTenant(t, st, "tenant-a", 2)
		svc := newService(t, st, nil)
		ep, err := svc.CreateEndpoint(ctx, tn.ID, webhooks.EndpointInput{URL: hang.srv.URL + "/hook",
			EventTypes: []string{webhooks.ItemSynced}, Active: true})
		if err != nil {
			t.Fatal(err)
		}
		d, err := webhooks.NewDeliverer(webhooks.DeliverConfig{Store: st, Timeout: 100 * time.Millisecond, MaxAttempts: 100,
			Backoff: func(int) time.Duration { return 0 }, CircuitTimeouts: 3, Park: time.Minute, MaxPark: time.Hour, Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		recordEvent(t, st, tn.ID, people[0].ID, 1)
		recordEvent(t, st, tn.ID, people[1].ID, 1)
		all, err := st.ListWebhookDeliveries(ctx, tn.ID, store.DeliveryQuery{})
		if err != nil || len(all) != 2 {
			t.Fatalf("deliveries %v, %v", all, err)
		}
		first, second := all[1].ID, all[0].ID
		endpoint := func() store.WebhookEndpoint {
			t.Helper()
			e, err := st.WebhookEndpoint(ctx, tn.ID, ep.ID)
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		deliver := func(id int64) {
			t.Helper()
			if _, err := d.Deliver(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		due := func() int {
			t.Helper()
			ids, err := st.DueWebhookDeliveries(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			return len(ids)
		}

		steps := []struct {
			name      string
			advance   time.Duration
			answer    bool
			deliver   []int64
			requests  int           // the receiver's total after the step
			timeouts  int           // the endpoint's count after it
			parkedFor time.Duration // how long from now it is parked after it; 0 none
			due       int
		}{
			{name: "first timeout", deliver: []int64{first}, requests: 1, timeouts: 1, due: 2},
			{name: "second timeout", deliver: []int64{first}, requests: 2, timeouts: 2, due: 2},
			{name: "third timeout parks", deliver: []int64{first}, requests: 3, timeouts: 3, parkedFor: time.Minute},
			{name: "parked: no attempt", deliver: []int64{first, second, first}, requests: 3, timeouts: 3, parkedFor: time.Minute},
			{name: "still parked a second before", advance: time.Minute - time.Second, deliver: []int64{second},
				requests: 3, timeouts: 3, parkedFor: time.Second},
			{name: "probe times out, parked twice as long", advance: time.Second, deliver: []int64{second},
				requests: 4, timeouts: 4, parkedFor: 2 * time.Minute},
			{name: "parked again", advance: time.Minute, deliver: []int64{first, second}, requests: 4, timeouts: 4,
				parkedFor: time.Minute},
			{name: "answered probe closes the circuit", advance: time.Minute, answer: true, deliver: []int64{first, second},
				requests: 6, due: 0},
		}
		for _, s := range steps {
			advance(s.advance)
			hang.setAnswer(s.answer)
			for _, id := range s.deliver {
				deliver(id)
			}
			e := endpoint()
			var parkedFor time.Duration
			if !e.ParkedUntil.IsZero() {
				parkedFor = e.ParkedUntil.Sub(clock())
			}
			if got := hang.stats().requests; got != s.requests || e.Timeouts != s.timeouts || parkedFor != s.parkedFor {
				t.Fatalf("%s: %d requests, %d timeouts, parked for %v; want %d, %d, %v", s.name, got, e.Timeouts, parkedFor,
					s.requests, s.timeouts, s.parkedFor)
			}
			if got := due(); got != s.due {
				t.Fatalf("%s: %d deliveries due, want %d", s.name, got, s.due)
			}
		}
		// Four attempts timed out, each counted once on its delivery; the
		// parked calls counted none.
		ds, _ := st.ListWebhookDeliveries(ctx, tn.ID, store.DeliveryQuery{})
		for _, dl := range ds {
			if dl.State != store.DeliveryDelivered {
				t.Errorf("delivery %d: %s", dl.ID, dl.State)
			}
		}
		if ds[1].Attempts != 4 || ds[0].Attempts != 2 {
			t.Errorf("attempts %d and %d, want 4 and 2", ds[1].Attempts, ds[0].Attempts)
		}

	})
}
