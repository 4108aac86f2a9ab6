package api_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
	"github.com/orcidlink/orcidlink/internal/webhooks"
	"github.com/orcidlink/orcidlink/internal/webhooks/webhookstest"
)

// TestJourney is the organisation's side by API alone, against the
// registry: subscribe a receiver to webhooks, create a person, get their
// invitation link, (the person connects in their browser), learn the iD
// from the signed person.connected, write a work, see it synced with a
// put-code (and item.synced carries it), update it, retract it
// (item.retracted); the registry's copy of the record proves each step.
func TestJourney(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		e := newEnv(t, driver, envOptions{})
		c := e.client(t, e.keyA)
		var bodies []string // every answer, to prove no token ever leaves
		c.check = func(_, _ string, a answer) { bodies = append(bodies, string(a.body)) }

		// The organisation's system subscribes; the secret is shown once.
		rcv := webhookstest.New(t)
		hook := c.want(201, "POST", "/webhooks", map[string]any{"url": hookURL(rcv), "description": "HR system",
			"event_types": []string{webhooks.PersonConnected, webhooks.ItemSynced, webhooks.ItemRetracted}})
		secret, _ := hook["secret"].(string)
		if !strings.HasPrefix(secret, "whsec_") || hook["active"] != true {
			t.Fatalf("new endpoint %v", hook)
		}
		rcv.SetSecret(secret)
		hid := strconv.FormatInt(int64(hook["id"].(float64)), 10)
		if got := c.want(200, "GET", "/webhooks/"+hid, nil); got["secret"] != nil || got["url"] != hookURL(rcv) {
			t.Fatalf("endpoint read back %v", got)
		}
		p := c.want(201, "POST", "/people", map[string]any{"given_names": "Josiah", "family_names": "Carberry",
			"email": "josiah@example.org", "external_ref": "ojs-author-7"})
		pid := strconv.FormatInt(int64(p["id"].(float64)), 10)
		if p["status"] != "none" || p["orcid"] != "" {
			t.Fatalf("new person %v", p)
		}
		inv := c.want(201, "POST", "/people/"+pid+"/invitations", map[string]any{"send_email": false})
		link, _ := inv["url"].(string)
		if !strings.HasPrefix(link, e.base+"/i/") || inv["state"] != "pending" || inv["sent_at"] != nil {
			t.Fatalf("invitation %v", inv)
		}
		if got := c.want(200, "GET", "/people/"+pid, nil); got["status"] != "invited" {
			t.Fatalf("status after inviting: %v", got["status"])
		}

		e.connect(t, link)

		l := c.want(200, "GET", "/people/"+pid+"/orcid", nil)
		idURI := e.reg.BaseURL + "/" + e.reg.Researcher.ORCID
		if l["orcid"] != idURI || l["state"] != "connected" || !strings.Contains(strings.Join(toStrings(l["scopes"]), " "), "/activities/update") {
			t.Fatalf("link %v", l)
		}
		for _, secret := range []string{"access_token", "refresh_token", "id_token", "token"} {
			if _, ok := l[secret]; ok {
				t.Fatalf("the link shows %s: %v", secret, l)
			}
		}
		if got := c.want(200, "GET", "/people/"+pid, nil); got["status"] != "connected" || got["orcid"] != idURI {
			t.Fatalf("person after connecting: %v", got)
		}
		// The receiver learns the iD, signed, with the person's reference.
		var conn webhooks.PersonConnectedData
		ev := waitEvent(t, rcv, webhooks.PersonConnected, 1, &conn)
		if conn.ORCID != idURI || ev.Person == nil || ev.Person.ID != int64(p["id"].(float64)) ||
			ev.Person.ExternalRef != "ojs-author-7" || ev.Tenant.ID != e.a.ID || !slices.Contains(conn.Scopes, "/activities/update") {
			t.Fatalf("person.connected %+v %+v", ev, conn)
		}

		// A work: queued, then synced with a put-code.
		c.want(201, "POST", "/people/"+pid+"/works", map[string]any{"key": "article-1", "item": work("j1", "First title")})
		synced := func(want string) map[string]any {
			var it map[string]any
			eventually(t, "work "+want, func() bool {
				it = c.want(200, "GET", "/people/"+pid+"/works/article-1", nil)
				return it["state"] == want
			})
			return it
		}
		it := synced("synced")
		putCode, _ := it["put_code"].(float64)
		if putCode == 0 || it["orcid_path"] != "/"+e.reg.Researcher.ORCID+"/work/"+strconv.FormatInt(int64(putCode), 10) || it["record_url"] != idURI {
			t.Fatalf("synced work %v", it)
		}
		reader, err := orcid.New(orcid.Config{Credential: e.cred.ORCID()})
		if err != nil {
			t.Fatal(err)
		}
		onRecord := func() jobstest.Tally {
			lk, err := e.st.LinkByORCID(e.ctx, e.a.ID, orcid.ID(e.reg.Researcher.ORCID))
			if err != nil {
				t.Fatal(err)
			}
			tally, err := jobstest.ReadWorks(e.ctx, reader, lk)
			if err != nil {
				t.Fatal(err)
			}
			return tally
		}
		if tl := onRecord(); tl.ByDOI["10.5555/j1"] != 1 || tl.PutCodes["10.5555/j1"][0] != int64(putCode) || tl.Titles["10.5555/j1"] != "First title" {
			t.Fatalf("record after create: %+v", tl)
		}
		var syncedData webhooks.ItemData
		waitEvent(t, rcv, webhooks.ItemSynced, 1, &syncedData)
		if syncedData.PutCode != int64(putCode) || syncedData.Key != "article-1" || syncedData.Kind != "work" || syncedData.State != "synced" {
			t.Fatalf("item.synced %+v, put-code %v", syncedData, putCode)
		}

		// Update: the same put-code, the new title.
		c.want(200, "PUT", "/people/"+pid+"/works/article-1", map[string]any{"item": work("j1", "Second title")})
		eventually(t, "updated title on the record", func() bool { return onRecord().Titles["10.5555/j1"] == "Second title" })
		it = synced("synced")
		if it["put_code"].(float64) != putCode {
			t.Fatalf("put-code changed on update: %v", it)
		}
		if tl := onRecord(); tl.ByDOI["10.5555/j1"] != 1 {
			t.Fatalf("record after update: %+v", tl)
		}
		waitEvent(t, rcv, webhooks.ItemSynced, 2, &syncedData)
		if syncedData.PutCode != int64(putCode) {
			t.Fatalf("item.synced after update %+v", syncedData)
		}

		// Retract: gone from the record.
		c.want(200, "DELETE", "/people/"+pid+"/works/article-1", nil)
		synced("retracted")
		if tl := onRecord(); tl.ByDOI["10.5555/j1"] != 0 {
			t.Fatalf("record after retraction: %+v", tl)
		}
		var retracted webhooks.ItemData
		waitEvent(t, rcv, webhooks.ItemRetracted, 1, &retracted)
		if retracted.PutCode != int64(putCode) || retracted.Key != "article-1" {
			t.Fatalf("item.retracted %+v", retracted)
		}

		// The endpoint's deliveries, newest first, all delivered. The
		// receiver has the last event before its delivery is recorded as
		// delivered (its answer comes first, then the deliverer writes it
		// down), so that is waited for, not assumed.
		// (Polled in the store: polling the API would spend the key's rate.)
		eventually(t, "every delivery recorded as delivered", func() bool {
			pending, err := e.st.ListWebhookDeliveries(e.ctx, e.a.ID, store.DeliveryQuery{State: store.DeliveryPending})
			return err == nil && len(pending) == 0
		})
		ds := c.want(200, "GET", "/webhooks/"+hid+"/deliveries", nil)["items"].([]any)
		var types []string
		for _, d := range ds {
			d := d.(map[string]any)
			if d["state"] != "delivered" || d["last_status"] != float64(204) {
				t.Errorf("delivery %v", d)
			}
			types = append(types, d["event_type"].(string))
		}
		if want := []string{webhooks.ItemRetracted, webhooks.ItemSynced, webhooks.ItemSynced, webhooks.PersonConnected}; !slices.Equal(types, want) {
			t.Fatalf("deliveries %v, want %v", types, want)
		}

		// The call log, the record and the link show no token.
		c.want(200, "GET", "/calls?person_id="+pid, nil)
		c.want(202, "POST", "/people/"+pid+"/record", nil)
		eventually(t, "record imported", func() bool { return c.do("GET", "/people/"+pid+"/record", nil).status == 200 })
		lk, err := e.st.Link(e.ctx, e.a.ID, int64(p["id"].(float64)))
		if err != nil || lk.AccessToken == "" {
			t.Fatalf("link %v", err)
		}
		for _, b := range bodies {
			for _, tok := range []string{lk.AccessToken, lk.RefreshToken, lk.IDToken} {
				if strings.Contains(b, tok) {
					t.Fatalf("an answer shows a token:\n%s", b)
				}
			}
		}
	})
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
