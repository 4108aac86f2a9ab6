package webhooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
	"github.com/orcidlink/orcidlink/internal/webhooks"
	"github.com/orcidlink/orcidlink/internal/webhooks/webhookstest"
)

// received is what rcv accepted about person, as event sequence numbers
// (the data's "n").
func received(rcv *webhookstest.Receiver, person int64) []int {
	var ns []int
	for _, h := range rcv.Requests() {
		if h.Envelope.Person != nil && h.Envelope.Person.ID == person {
			var d struct{ N int }
			json.Unmarshal(h.Envelope.Data, &d)
			ns = append(ns, d.N)
		}
	}
	return ns
}

// waitFor polls until ok, failing after a generous while.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type fixture struct {
	ctx    context.Context
	st     *store.Store
	svc    *webhooks.Service
	q      *jobs.Queue
	tenant store.Tenant
	people []store.Person
	rcv    *webhookstest.Receiver
	ep     store.WebhookEndpoint
}

// newFixture: a store with a tenant, two people and an endpoint at a
// receiver, and a running queue that delivers with a fast backoff.
func newFixture(t *testing.T, driver string) *fixture {
	t.Helper()
	ctx := context.Background()
	dsn := storetest.NewDSN(t, driver)
	st := storetest.OpenDSN(t, driver, dsn, nil)
	f := &fixture{ctx: ctx, st: st, rcv: webhookstest.New(t)}
	cred, err := st.CreateCredential(ctx, store.Credential{Name: "c", API: orcid.MemberAPI, ClientID: "APP-HOOKS",
		ClientSecret: "s", Env: orcid.Environment{Name: "custom", SiteURL: "http://127.0.0.1:9",
			MemberAPIURL: "http://127.0.0.1:9/v3.0", PublicAPIURL: "http://127.0.0.1:9/pub/v3.0"}})
	if err != nil {
		t.Fatal(err)
	}
	if f.tenant, err = st.CreateTenant(ctx, store.Tenant{Slug: "hooks", Name: "Hooks", CredentialID: cred.ID}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		p, err := st.CreatePerson(ctx, store.Person{TenantID: f.tenant.ID, GivenNames: "P", FamilyNames: fmt.Sprint(i),
			Email: fmt.Sprintf("p%d@example.org", i)})
		if err != nil {
			t.Fatal(err)
		}
		f.people = append(f.people, p)
	}
	d, err := webhooks.NewDeliverer(webhooks.DeliverConfig{Store: st, Timeout: 5 * time.Second, MaxAttempts: 10000,
		Backoff: func(int) time.Duration { return 20 * time.Millisecond }})
	if err != nil {
		t.Fatal(err)
	}
	cfg := jobs.Config{Store: st, Webhooks: d, WebhookSweep: 100 * time.Millisecond, PollInterval: 50 * time.Millisecond}
	if driver == "postgres" {
		cfg.PostgresDSN = dsn
	}
	q, err := jobs.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("stop queue: %v", err)
		}
	})
	f.q = q
	f.svc = newService(t, st, q)
	if f.ep, err = f.svc.CreateEndpoint(ctx, f.tenant.ID, webhooks.EndpointInput{URL: f.rcv.URL() + "/hook",
		EventTypes: []string{webhooks.ItemSynced}, Active: true}); err != nil {
		t.Fatal(err)
	}
	f.rcv.SetSecret(f.ep.Secret)
	return f
}

// record records item.synced number n about person p, as the worker would,
// and nudges the queue.
func (f *fixture) record(t *testing.T, p store.Person, n int) store.Event {
	t.Helper()
	ev, err := f.st.RecordEvent(f.ctx, store.Event{TenantID: f.tenant.ID, PersonID: p.ID, Type: webhooks.ItemSynced,
		Data: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n))})
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Kick(f.ctx)
	return ev
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i + 1
	}
	return s
}

func equal(a, b []int) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// TestReceiverDown: a receiver that is down for a while receives every
// event once it is back, in order per person, signed.
func TestReceiverDown(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		f.rcv.SetDown(true)
		const perPerson = 6
		for n := 1; n <= perPerson; n++ {
			for _, p := range f.people {
				f.record(t, p, n)
			}
		}
		// It is being tried (and refusing), for both people, more than once.
		waitFor(t, "attempts while the receiver is down", func() bool {
			ds, err := f.svc.Deliveries(f.ctx, f.tenant.ID, store.DeliveryQuery{State: store.DeliveryPending})
			if err != nil {
				t.Fatal(err)
			}
			tried := map[int64]bool{}
			for _, d := range ds {
				if d.Attempts >= 2 && d.LastStatus == http.StatusServiceUnavailable && strings.Contains(d.LastResponse, "maintenance") {
					tried[d.PersonID] = true
				}
			}
			return len(tried) == 2
		})
		if accepted := len(f.rcv.Requests()); accepted != 0 {
			t.Fatalf("accepted %d while down", accepted)
		}
		f.rcv.SetDown(false)
		f.rcv.Wait(t, "every event", func(rs []webhookstest.Request) bool { return len(rs) >= 2*perPerson })
		for _, p := range f.people {
			if got := received(f.rcv, p.ID); !equal(got, seq(perPerson)) {
				t.Errorf("person %d received %v, want %v in order", p.ID, got, seq(perPerson))
			}
		}
		waitFor(t, "every delivery marked delivered", func() bool {
			ds, _ := f.svc.Deliveries(f.ctx, f.tenant.ID, store.DeliveryQuery{State: store.DeliveryDelivered, Limit: 100})
			return len(ds) == 2*perPerson
		})
	})
}

// TestPeopleIndependent: deliveries about a person the receiver refuses do
// not hold up those about someone else; and a redelivery sends the event
// again, under the same event id.
func TestPeopleIndependent(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		stuck, other := f.people[0], f.people[1]
		f.rcv.Refuse(stuck.ID)
		f.record(t, stuck, 1)
		f.record(t, stuck, 2)
		f.record(t, other, 1)
		f.record(t, other, 2)
		waitFor(t, "the other person's events", func() bool { return equal(received(f.rcv, other.ID), seq(2)) })
		if got := received(f.rcv, stuck.ID); len(got) != 0 {
			t.Fatalf("refused person received %v", got)
		}
		// The stuck person's second event waits, untried, behind the first.
		ds, err := f.svc.Deliveries(f.ctx, f.tenant.ID, store.DeliveryQuery{PersonID: stuck.ID})
		if err != nil || len(ds) != 2 {
			t.Fatalf("deliveries %v, %v", ds, err)
		}
		if second := ds[0]; second.State != store.DeliveryPending || second.Attempts != 0 {
			t.Fatalf("second delivery of the refused person: %+v", second)
		}

		// Redeliver one that was delivered. The receiver has each event
		// before its delivery can be recorded as delivered: wait for that.
		var done []store.Delivery
		waitFor(t, "the other person's deliveries recorded", func() bool {
			done, err = f.svc.Deliveries(f.ctx, f.tenant.ID, store.DeliveryQuery{PersonID: other.ID, State: store.DeliveryDelivered})
			return err == nil && len(done) == 2
		})
		again, err := f.svc.Redeliver(f.ctx, f.tenant.ID, done[1].ID)
		if err != nil || again.ID == done[1].ID {
			t.Fatalf("redeliver: %+v, %v", again, err)
		}
		waitFor(t, "the redelivery", func() bool { return len(received(f.rcv, other.ID)) == 3 })
		rs := f.rcv.Requests()
		last, lastDelivery := rs[len(rs)-1].Envelope, rs[len(rs)-1].DeliveryID
		if last.ID != done[1].EventUID || lastDelivery != fmt.Sprint(again.ID) {
			t.Fatalf("redelivered event %s as delivery %s, want %s as %d", last.ID, lastDelivery, done[1].EventUID, again.ID)
		}
		// Another tenant cannot redeliver it.
		if _, err := f.svc.Redeliver(f.ctx, f.tenant.ID+1, done[1].ID); err == nil {
			t.Fatal("redelivered another tenant's delivery")
		}

		// Let the stuck person through: both arrive, in order.
		f.rcv.Allow(stuck.ID)
		waitFor(t, "the refused person's events", func() bool { return len(received(f.rcv, stuck.ID)) == 2 })
		if got := received(f.rcv, stuck.ID); !equal(got, seq(2)) {
			t.Fatalf("received %v", got)
		}
	})
}

// newService is webhooks.NewService over st, told of due deliveries by
// kicker (nil: none).
func newService(tb testing.TB, st *store.Store, kicker webhooks.Kicker) *webhooks.Service {
	tb.Helper()
	svc, err := webhooks.NewService(webhooks.ServiceConfig{Store: st, Kicker: kicker})
	if err != nil {
		tb.Fatal(err)
	}
	return svc
}
