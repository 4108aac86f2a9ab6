package webhooks_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// TestEndpointDeletedMidDelivery: an endpoint deleted while one of its
// deliveries is being sent takes the delivery with it; the attempt's
// outcome has nowhere to go, which is not an error of the job (else the
// queue retries it for nothing).
func TestEndpointDeletedMidDelivery(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		ctx := context.Background()
		st := storetest.Open(t, driver, nil)
		cred, err := st.CreateCredential(ctx, store.Credential{Name: "c", API: orcid.MemberAPI, ClientID: "APP-DELETED",
			ClientSecret: "s", Env: orcid.Sandbox})
		if err != nil {
			t.Fatal(err)
		}
		tn, err := st.CreateTenant(ctx, store.Tenant{Slug: "deleted", Name: "Deleted", CredentialID: cred.ID})
		if err != nil {
			t.Fatal(err)
		}
		p, err := st.CreatePerson(ctx, store.Person{TenantID: tn.ID, GivenNames: "P", FamilyNames: "Q", Email: "p@example.org"})
		if err != nil {
			t.Fatal(err)
		}
		svc := newService(t, st, nil)
		var ep store.WebhookEndpoint
		hit := 0
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hit++
			// The administrator deletes the endpoint while we send.
			if err := svc.DeleteEndpoint(r.Context(), tn.ID, ep.ID); err != nil {
				t.Errorf("delete endpoint: %v", err)
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(srv.Close)
		if ep, err = svc.CreateEndpoint(ctx, tn.ID, webhooks.EndpointInput{URL: srv.URL, EventTypes: []string{webhooks.ItemSynced},
			Active: true}); err != nil {
			t.Fatal(err)
		}
		ev, err := st.RecordEvent(ctx, store.Event{TenantID: tn.ID, PersonID: p.ID, Type: webhooks.ItemSynced, Data: json.RawMessage(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := st.ListWebhookDeliveries(ctx, tn.ID, store.DeliveryQuery{EventID: ev.ID})
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries %v %v", ds, err)
		}
		d, err := webhooks.NewDeliverer(webhooks.DeliverConfig{Store: st, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		next, err := d.Deliver(ctx, ds[0].ID)
		if err != nil || next != 0 || hit != 1 {
			t.Fatalf("Deliver = %d, %v after %d requests; want 0, nil after 1", next, err, hit)
		}
		if _, err := st.WebhookDelivery(ctx, tn.ID, ds[0].ID); err == nil {
			t.Fatal("the delivery outlived its endpoint")
		}
	})
}
