package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

var secretOnPage = regexp.MustCompile(`<code id="secret">(whsec_[A-Za-z0-9_-]+)</code>`)

func TestAdminWebhooks(t *testing.T) {
	env := newAdminEnv(t, adminEnvOptions{})
	ctx := t.Context()
	cred := env.addCredential(t, "Journals", "APP-0000000000000001", "journals-secret")
	mine := env.addTenant(t, "journal", cred.ID)
	other := env.addTenant(t, "other", cred.ID)
	p := env.addPerson(t, mine.ID, "Ada", "Lovelace", "ada@example.org")
	env.addAdmin(t, "manager@example.org", store.RoleTenantManager, mine.ID)
	c := env.client(t)
	c.signIn("manager@example.org", adminTestPassword)
	base := "/admin/tenants/" + adminItoa(mine.ID) + "/webhooks"

	if a := c.get("/admin/tenants/" + adminItoa(mine.ID)); !strings.Contains(a.body, `href="`+base+`"`) {
		t.Fatal("the tenant page does not link to its webhooks")
	}
	if a := c.get(base); a.status != http.StatusOK || !strings.Contains(a.body, `id="no-webhooks"`) {
		t.Fatalf("empty list: %d\n%s", a.status, a.body)
	}

	// Mistakes are shown next to their fields; nothing is stored.
	a := c.post(base, url.Values{"url": {"not a url"}, "active": {"on"}})
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, `id="url-error"`) || !strings.Contains(a.body, `id="event-types-error"`) {
		t.Fatalf("bad form: %d\n%s", a.status, a.body)
	}

	// Created: the secret is on the page once, and is the stored one.
	a = c.post(base, url.Values{"url": {"https://hr.example.org/orcid-events"}, "description": {"HR system"},
		"event_types": {webhooks.PersonConnected, webhooks.ItemSynced, "no.such-type"}, "active": {"on"}})
	m := secretOnPage.FindStringSubmatch(a.body)
	if a.status != http.StatusCreated || m == nil {
		t.Fatalf("create: %d\n%s", a.status, a.body)
	}
	eps, err := env.st.ListWebhookEndpoints(ctx, mine.ID)
	if err != nil || len(eps) != 1 {
		t.Fatalf("stored %v, %v", eps, err)
	}
	ep := eps[0]
	if ep.Secret != m[1] || !ep.Active || strings.Join(ep.EventTypes, " ") != "item.synced person.connected" || ep.Description != "HR system" {
		t.Fatalf("stored %+v, page showed %s", ep, m[1])
	}
	epPath := base + "/" + adminItoa(ep.ID)
	if a := c.get(epPath); a.status != http.StatusOK || strings.Contains(a.body, ep.Secret) || !strings.Contains(a.body, "orcid-events") {
		t.Fatalf("endpoint page: %d (secret shown again: %v)", a.status, strings.Contains(a.body, ep.Secret))
	}
	if a := c.get(base); !strings.Contains(a.body, "https://hr.example.org/orcid-events") || strings.Contains(a.body, ep.Secret) {
		t.Fatalf("list:\n%s", a.body)
	}

	// Rotate: a new secret, shown once, stored.
	a = c.post(epPath+"/rotate", nil)
	m = secretOnPage.FindStringSubmatch(a.body)
	if a.status != http.StatusOK || m == nil || m[1] == ep.Secret {
		t.Fatalf("rotate: %d %v", a.status, m)
	}
	if got, _ := env.st.WebhookEndpoint(ctx, mine.ID, ep.ID); got.Secret != m[1] {
		t.Fatal("the rotated secret is not the stored one")
	}

	// Deliveries: state, attempts, last status and response, and a
	// redeliver button.
	ev, err := env.st.RecordEvent(ctx, store.Event{TenantID: mine.ID, PersonID: p.ID, Type: webhooks.ItemSynced,
		Data: json.RawMessage(`{"item_id":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := env.st.ListWebhookDeliveries(ctx, mine.ID, store.DeliveryQuery{EventID: ev.ID})
	if len(ds) != 1 {
		t.Fatalf("deliveries %v", ds)
	}
	d := ds[0]
	claim, ok, err := env.st.ClaimWebhookDelivery(ctx, d.ID, time.Minute)
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, err := env.st.FinishWebhookDelivery(ctx, d.ID, store.DeliveryOutcome{GiveUp: true, Status: 500,
		Response: "<b>boom</b>", Error: "endpoint answered 500 Internal Server Error", LeaseUntil: claim.LeaseUntil}); err != nil {
		t.Fatal(err)
	}
	a = c.get(epPath)
	for _, want := range []string{`id="delivery-` + adminItoa(d.ID) + `"`, ev.UID, `<td class="state">failed</td>`,
		`<td class="attempts">1</td>`, `<td class="status">500</td>`, "&lt;b&gt;boom&lt;/b&gt;", `id="redeliver-` + adminItoa(d.ID) + `"`} {
		if !strings.Contains(a.body, want) {
			t.Fatalf("endpoint page lacks %s:\n%s", want, a.body)
		}
	}
	a = c.post(epPath+"/deliveries/"+adminItoa(d.ID)+"/redeliver", nil)
	if a.status != http.StatusSeeOther || a.location != epPath {
		t.Fatalf("redeliver: %d %s\n%s", a.status, a.location, a.body)
	}
	ds, _ = env.st.ListWebhookDeliveries(ctx, mine.ID, store.DeliveryQuery{EventID: ev.ID})
	if len(ds) != 2 || ds[0].State != store.DeliveryPending || ds[1].State != store.DeliveryFailed {
		t.Fatalf("after redelivery: %+v", ds)
	}

	// Disable: unchecking "active".
	a = c.post(epPath, url.Values{"url": {ep.URL}, "description": {"HR"}, "event_types": {webhooks.ItemSynced}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("update: %d\n%s", a.status, a.body)
	}
	if got, _ := env.st.WebhookEndpoint(ctx, mine.ID, ep.ID); got.Active || got.Description != "HR" || got.Secret != m[1] {
		t.Fatalf("after update %+v", got)
	}

	// Another tenant's endpoint and deliveries are 404, for every route.
	theirs, err := env.st.CreateWebhookEndpoint(ctx, store.WebhookEndpoint{TenantID: other.ID, URL: "https://other.example/",
		EventTypes: []string{webhooks.ItemSynced}, Secret: "whsec_theirs", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	otherBase := "/admin/tenants/" + adminItoa(other.ID) + "/webhooks"
	for _, probe := range []struct{ method, path string }{
		{"GET", otherBase},
		{"GET", otherBase + "/" + adminItoa(theirs.ID)},
		{"GET", base + "/" + adminItoa(theirs.ID)},
		{"POST", base + "/" + adminItoa(theirs.ID) + "/rotate"},
		{"POST", base + "/" + adminItoa(theirs.ID) + "/delete"},
		{"POST", base + "/" + adminItoa(theirs.ID)},
	} {
		var a adminAnswer
		if probe.method == "GET" {
			a = c.get(probe.path)
		} else {
			a = c.post(probe.path, url.Values{"url": {"https://x.example/"}, "event_types": {webhooks.ItemSynced}})
		}
		if a.status != http.StatusNotFound {
			t.Fatalf("%s %s: %d, want 404", probe.method, probe.path, a.status)
		}
	}
	if got, _ := env.st.WebhookEndpoint(ctx, other.ID, theirs.ID); got.Secret != "whsec_theirs" {
		t.Fatal("another tenant's secret was rotated")
	}

	// Delete.
	a = c.post(epPath+"/delete", nil)
	if a.status != http.StatusSeeOther || a.location != base {
		t.Fatalf("delete: %d %s", a.status, a.location)
	}
	if _, err := env.st.WebhookEndpoint(ctx, mine.ID, ep.ID); err == nil {
		t.Fatal("endpoint still there")
	}
}
