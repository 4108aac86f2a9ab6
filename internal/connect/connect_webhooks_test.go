package connect_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// TestWebhookEvents: denial, connection, revocation and disconnection each
// record their event, with a delivery for a subscribed endpoint, and
// person.connected carries the authenticated iD, scopes and expiry (and
// no token).
func TestWebhookEvents(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, fixtureOpts{driver: driver})
		ep, err := f.st.CreateWebhookEndpoint(f.ctx, store.WebhookEndpoint{TenantID: f.tenant.ID, URL: "https://hr.example/hook",
			EventTypes: []string{webhooks.PersonConnected, webhooks.PersonDenied, webhooks.PersonDisconnected, webhooks.PersonRevoked},
			Secret:     "whsec_x", Active: true})
		if err != nil {
			t.Fatal(err)
		}
		_, raw := f.invite(t, f.alice)
		authURL, err := f.svc.Start(f.ctx, raw, "b", "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Complete(f.ctx, url.Values{"error": {"access_denied"}, "state": {stateOf(t, authURL)}}, "b"); !errors.Is(err, connect.ErrDenied) {
			t.Fatalf("denial: %v", err)
		}
		res := f.connect(t, f.alice, "b")
		if err := f.svc.MarkRevoked(f.ctx, res.Link, "ORCID refused our token (401)"); err != nil {
			t.Fatal(err)
		}
		f.connect(t, f.alice, "b2")
		if err := f.svc.Disconnect(f.ctx, f.tenant.ID, f.alice.ID, store.ActorAdmin(3)); err != nil {
			t.Fatal(err)
		}

		evs, err := f.st.ListWebhookEvents(f.ctx, f.tenant.ID, store.EventQuery{PersonID: f.alice.ID})
		if err != nil {
			t.Fatal(err)
		}
		slices.Reverse(evs)
		var types []string
		for _, ev := range evs {
			types = append(types, ev.Type)
			if strings.Contains(string(ev.Data), res.Link.AccessToken) || strings.Contains(string(ev.Data), res.Link.RefreshToken) {
				t.Fatalf("a token in %s: %s", ev.Type, ev.Data)
			}
		}
		want := []string{webhooks.PersonDenied, webhooks.PersonConnected, webhooks.PersonRevoked, webhooks.PersonConnected,
			webhooks.PersonDisconnected}
		if !slices.Equal(types, want) {
			t.Fatalf("events %v, want %v", types, want)
		}
		var conn webhooks.PersonConnectedData
		if err := json.Unmarshal(evs[1].Data, &conn); err != nil {
			t.Fatal(err)
		}
		if conn.ORCID != res.Link.ORCIDURI || !strings.HasPrefix(conn.ORCID, "http") || !slices.Equal(conn.Scopes, res.Link.Scopes) ||
			!conn.ExpiresAt.Equal(res.Link.ExpiresAt) {
			t.Fatalf("person.connected data %+v, link %+v", conn, res.Link)
		}
		var disc webhooks.PersonDisconnectedData
		if err := json.Unmarshal(evs[4].Data, &disc); err != nil || disc.By != "admin" || !disc.RevokedAtORCID || disc.ORCID == "" {
			t.Fatalf("person.disconnected data %+v, %v", disc, err)
		}
		body := string(webhooks.Body(evs[1]))
		if !strings.Contains(body, `"external_ref":"a-1"`) || !strings.Contains(body, `"slug":"jot"`) {
			t.Fatalf("envelope %s", body)
		}
		ds, err := f.st.ListWebhookDeliveries(f.ctx, f.tenant.ID, store.DeliveryQuery{EndpointID: ep.ID})
		if err != nil || len(ds) != len(want) {
			t.Fatalf("deliveries %d, %v; want %d", len(ds), err, len(want))
		}
	})
}
