package jobs_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// TestItemWebhookEvents: the worker records item.synced with the put-code
// when a work reaches ORCID, item.failed with ORCID's message when it is
// refused, item.retracted when it is gone; an import records
// import.finished.
func TestItemWebhookEvents(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{})
		st, tid, pid := f.env.Store, f.env.Tenant.ID, f.r.Person.ID
		if _, err := st.CreateWebhookEndpoint(f.ctx, store.WebhookEndpoint{TenantID: tid, URL: "https://hr.example/hook",
			EventTypes: []string{webhooks.ItemSynced, webhooks.ItemFailed, webhooks.ItemRetracted, webhooks.ImportFinished},
			Secret:     "whsec_x", Active: true}); err != nil {
			t.Fatal(err)
		}
		f.put(t, "w1", jobstest.Work("w1", "A Work"))
		f.wait(t, "synced", allIn(store.ItemSynced, "w1"))
		bad := jobstest.Work("w2", "Refused")
		bad.Type = "no-such-type"
		f.putUnchecked(t, "w2", bad)
		items := f.wait(t, "refused", allIn(store.ItemFailedPermanent, "w2"))
		if _, err := f.q.Retract(f.ctx, tid, pid, orcid.KindWork, "w1"); err != nil {
			t.Fatal(err)
		}
		f.wait(t, "retracted", allIn(store.ItemRetracted, "w1"))
		if err := f.q.Import(f.ctx, tid, pid); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "import.finished", func() bool {
			evs, _ := st.ListWebhookEvents(f.ctx, tid, store.EventQuery{Type: webhooks.ImportFinished})
			return len(evs) == 1
		})

		evs, err := st.ListWebhookEvents(f.ctx, tid, store.EventQuery{PersonID: pid})
		if err != nil {
			t.Fatal(err)
		}
		slices.Reverse(evs)
		byType := map[string][]webhooks.ItemData{}
		for _, ev := range evs {
			var d webhooks.ItemData
			json.Unmarshal(ev.Data, &d)
			byType[ev.Type] = append(byType[ev.Type], d)
		}
		synced, failed, retracted := byType[webhooks.ItemSynced], byType[webhooks.ItemFailed], byType[webhooks.ItemRetracted]
		w1 := items["w1"]
		if len(synced) != 1 || synced[0].Key != "w1" || synced[0].Kind != "work" || synced[0].PutCode == 0 {
			t.Fatalf("item.synced: %+v (events %d)", synced, len(evs))
		}
		if len(failed) != 1 || failed[0].Key != "w2" || failed[0].Error == "" || failed[0].Error != items["w2"].LastError {
			t.Fatalf("item.failed: %+v", failed)
		}
		if len(retracted) != 1 || retracted[0].Key != "w1" || retracted[0].PutCode != synced[0].PutCode || w1.ID != retracted[0].ItemID {
			t.Fatalf("item.retracted: %+v, synced %+v", retracted, synced)
		}
		ds, _ := st.ListWebhookDeliveries(f.ctx, tid, store.DeliveryQuery{Limit: 100})
		if len(ds) != len(evs) {
			t.Fatalf("%d deliveries for %d events", len(ds), len(evs))
		}
	})
}
