package api_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
	"github.com/orcidlink/orcidlink/internal/webhooks"
	"github.com/orcidlink/orcidlink/internal/webhooks/webhookstest"
)

// wantProblem fails unless a is a problem document of status and type.
func wantProblem(t *testing.T, what string, a answer, status int, typ string) map[string]any {
	t.Helper()
	if a.status != status || !strings.HasPrefix(a.header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("%s: %d %s, want a %d problem\n%s", what, a.status, a.header.Get("Content-Type"), status, a.body)
	}
	p := a.json(t)
	if p["type"] != "urn:orcidlink:problem:"+typ || p["status"] != float64(status) || p["title"] == "" {
		t.Fatalf("%s: problem %v, want type %s", what, p, typ)
	}
	return p
}

// TestAuthentication: no key, a malformed, unknown or revoked key are
// 401 alike; a key's use is recorded.
func TestAuthentication(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{})
	k, key, err := e.st.CreateAPIKey(e.ctx, store.NewAPIKey{TenantID: e.a.ID, Name: "to revoke"})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.client(t, key).do("GET", "/people", nil); got.status != 200 {
		t.Fatalf("fresh key: %d %s", got.status, got.body)
	}
	used, _ := e.st.APIKey(e.ctx, e.a.ID, k.ID)
	if used.LastUsedAt.IsZero() {
		t.Error("last use not recorded")
	}
	if err := e.st.RevokeAPIKey(e.ctx, e.a.ID, k.ID); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*client{
		"no key":                         e.client(t, ""),
		"revoked key":                    e.client(t, key),
		"unknown key":                    e.client(t, "olk_000000000000_"+strings.Repeat("A", 43)),
		"garbage":                        e.client(t, "hello"),
		"other's secret with a's prefix": e.client(t, key[:len("olk_")+13]+strings.Repeat("B", 43)),
	} {
		got := c.do("GET", "/people", nil)
		wantProblem(t, name, got, 401, "unauthorized")
		if !strings.HasPrefix(got.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: WWW-Authenticate %q", name, got.header.Get("WWW-Authenticate"))
		}
	}
	// Basic instead of Bearer is no key at all.
	c := e.client(t, "")
	c.headers = map[string]string{"Authorization": "Basic " + e.keyA}
	wantProblem(t, "basic auth", c.do("GET", "/people", nil), 401, "unauthorized")
	// The document needs no key.
	if got := e.client(t, "").do("GET", "/openapi.json", nil); got.status != 200 {
		t.Fatalf("openapi.json without a key: %d", got.status)
	}
}

// TestTenantIsolation: a key of tenant A reads and changes nothing of
// tenant B; B's things are 404 to it, exactly like missing ones.
func TestTenantIsolation(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		e := newEnv(t, driver, envOptions{rate: 1000, burst: 1000})
		a, b := e.client(t, e.keyA), e.client(t, e.keyB)
		pb := b.want(201, "POST", "/people", map[string]any{"family_names": "Bee", "email": "bee@example.org", "external_ref": "b-1"})
		bid := strconv.FormatInt(int64(pb["id"].(float64)), 10)
		b.want(201, "POST", "/people/"+bid+"/works", map[string]any{"key": "w1", "item": work("b1", "B's work")})
		b.want(201, "POST", "/articles", map[string]any{"key": "b-art", "title": "B's article",
			"contributors": []any{map[string]any{"person_id": pb["id"]}}})
		// B's webhook endpoint, with a delivery of an event about B's person.
		rcv := webhookstest.New(t)
		hb := b.want(201, "POST", "/webhooks", map[string]any{"url": hookURL(rcv), "event_types": []string{webhooks.ItemSynced}})
		rcv.SetSecret(hb["secret"].(string))
		hbid := strconv.FormatInt(int64(hb["id"].(float64)), 10)
		if _, err := e.st.RecordEvent(e.ctx, store.Event{TenantID: e.b.ID, PersonID: int64(pb["id"].(float64)),
			Type: webhooks.ItemSynced, Data: []byte(`{"key":"w1"}`)}); err != nil {
			t.Fatal(err)
		}
		bds := b.want(200, "GET", "/webhooks/"+hbid+"/deliveries", nil)["items"].([]any)
		if len(bds) != 1 {
			t.Fatalf("B's deliveries %v", bds)
		}
		bdid := strconv.FormatInt(int64(bds[0].(map[string]any)["id"].(float64)), 10)
		// A's own endpoint, to name B's delivery under it.
		ha := a.want(201, "POST", "/webhooks", map[string]any{"url": hookURL(rcv) + "/a", "event_types": []string{webhooks.ItemSynced}})
		haid := strconv.FormatInt(int64(ha["id"].(float64)), 10)
		// B's batch file.
		bb := b.as("text/csv").want(201, "POST", "/batches?kind=people", "email,family-names\nbee2@example.org,Bee\n")
		bbid := strconv.FormatInt(int64(bb["id"].(float64)), 10)

		for _, r := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/people/" + bid, nil},
			{"PATCH", "/people/" + bid, map[string]any{"family_names": "Stolen"}},
			{"DELETE", "/people/" + bid, nil},
			{"POST", "/people/" + bid + "/invitations", map[string]any{"send_email": false}},
			{"POST", "/people/" + bid + "/invitations/resend", nil},
			{"GET", "/people/" + bid + "/invitations", nil},
			{"GET", "/people/" + bid + "/orcid", nil},
			{"DELETE", "/people/" + bid + "/orcid", nil},
			{"GET", "/people/" + bid + "/record", nil},
			{"POST", "/people/" + bid + "/record", nil},
			{"GET", "/people/" + bid + "/works", nil},
			{"GET", "/people/" + bid + "/works/w1", nil},
			{"POST", "/people/" + bid + "/works", map[string]any{"key": "w2", "item": work("a1", "A's")}},
			{"PUT", "/people/" + bid + "/works/w1", map[string]any{"item": work("a1", "A's")}},
			{"DELETE", "/people/" + bid + "/works/w1", nil},
			{"GET", "/articles/b-art", nil},
			{"POST", "/articles/b-art/publish", nil},
			{"POST", "/articles/b-art/unpublish", nil},
			{"POST", "/articles/b-art/reviews", map[string]any{"person_id": pb["id"], "completed_on": "2026-01-01"}},
			{"GET", "/calls?person_id=" + bid, nil},
			{"GET", "/events?person_id=" + bid, nil},
			{"GET", "/webhooks/" + hbid, nil},
			{"PATCH", "/webhooks/" + hbid, map[string]any{"url": "https://thief.example/hook"}},
			{"DELETE", "/webhooks/" + hbid, nil},
			{"POST", "/webhooks/" + hbid + "/secret", nil},
			{"GET", "/webhooks/" + hbid + "/deliveries", nil},
			{"POST", "/webhooks/" + hbid + "/deliveries/" + bdid + "/redeliver", nil},
			{"POST", "/webhooks/" + haid + "/deliveries/" + bdid + "/redeliver", nil},
			{"GET", "/batches/" + bbid, nil},
			{"GET", "/batches/" + bbid + "/problems", nil},
			{"GET", "/batches/" + bbid + "/problems?format=csv", nil},
			{"POST", "/batches/" + bbid + "/import", nil},
			{"GET", "/batches/" + bbid + "/result", nil},
		} {
			wantProblem(t, "A's key: "+r.method+" "+r.path, a.do(r.method, r.path, r.body), 404, "not-found")
		}
		// Lists and lookups of A do not show B's.
		for _, q := range []string{"/people", "/people?email=bee@example.org", "/people?external_ref=b-1", "/people?q=bee", "/articles", "/calls",
			"/events", "/batches"} {
			if got := a.want(200, "GET", q, nil); len(got["items"].([]any)) != 0 {
				t.Errorf("A's %s shows %v", q, got["items"])
			}
		}
		// B's article cannot name A's... and A cannot name B's people.
		got := a.do("POST", "/articles", map[string]any{"key": "a-art", "title": "A's", "contributors": []any{map[string]any{"person_id": pb["id"]}}})
		p := wantProblem(t, "A's article with B's author", got, 422, "invalid-input")
		if errs := p["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["pointer"] != "/contributors/0/person_id" {
			t.Fatalf("errors %v", p["errors"])
		}
		// PUT names an article of the key's own tenant: A gets an article
		// of its own, B's is untouched.
		a.want(201, "PUT", "/articles/b-art", map[string]any{"title": "A's own"})
		// Nothing of B's changed.
		after := b.want(200, "GET", "/people/"+bid, nil)
		if after["family_names"] != "Bee" {
			t.Fatalf("B's person changed: %v", after)
		}
		if it := b.want(200, "GET", "/people/"+bid+"/works/w1", nil); it["state"] != "pending" {
			t.Fatalf("B's work changed: %v", it)
		}
		if art := b.want(200, "GET", "/articles/b-art", nil); art["title"] != "B's article" || art["state"] != "draft" {
			t.Fatalf("B's article changed: %v", art)
		}
		if invs := b.want(200, "GET", "/people/"+bid+"/invitations", nil); len(invs["items"].([]any)) != 0 {
			t.Fatalf("B's person was invited by A: %v", invs)
		}
		if got := a.want(200, "GET", "/webhooks", nil)["items"].([]any); len(got) != 1 || got[0].(map[string]any)["id"] != ha["id"] {
			t.Fatalf("A's webhooks show %v", got)
		}
		if hook := b.want(200, "GET", "/webhooks/"+hbid, nil); hook["url"] != hookURL(rcv) {
			t.Fatalf("B's endpoint changed: %v", hook)
		}
		if ds := b.want(200, "GET", "/webhooks/"+hbid+"/deliveries", nil)["items"].([]any); len(ds) != 1 {
			t.Fatalf("B's deliveries changed: %v", ds)
		}
		if got := b.want(200, "GET", "/batches/"+bbid, nil); got["state"] != "ready" {
			t.Fatalf("B's batch changed: %v", got)
		}
	})
}

// TestIdempotency: a replayed POST with the same Idempotency-Key returns
// the first answer and creates nothing; the same key with another body is
// a 422; the key is per API key.
func TestIdempotency(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		e := newEnv(t, driver, envOptions{})
		c := e.client(t, e.keyA)
		c.headers = map[string]string{"Idempotency-Key": "7f6c1d9e-create-ada"}
		body := map[string]any{"family_names": "Lovelace", "email": "ada@example.org"}
		first := c.do("POST", "/people", body)
		if first.status != 201 {
			t.Fatalf("first: %d %s", first.status, first.body)
		}
		again := c.do("POST", "/people", body)
		if again.status != 201 || string(again.body) != string(first.body) || again.header.Get("Location") != first.header.Get("Location") ||
			again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %s %v, want the first answer %s", again.status, again.body, again.header, first.body)
		}
		page, err := e.st.ListPeople(e.ctx, e.a.ID, store.PeopleQuery{})
		if err != nil || len(page.People) != 1 {
			t.Fatalf("people after the replay: %d %v", len(page.People), err)
		}
		wantProblem(t, "same key, another body", c.do("POST", "/people", map[string]any{"family_names": "Byron", "email": "byron@example.org"}),
			422, "idempotency-key-reused")

		// A work: the replay queues nothing new.
		pid := strconv.FormatInt(int64(first.json(t)["id"].(float64)), 10)
		c.headers["Idempotency-Key"] = "work-1"
		w1 := c.do("POST", "/people/"+pid+"/works", map[string]any{"item": work("i1", "Idempotent")})
		w2 := c.do("POST", "/people/"+pid+"/works", map[string]any{"item": work("i1", "Idempotent")})
		if w1.status != 201 || string(w1.body) != string(w2.body) {
			t.Fatalf("work replay: %d %s / %s", w1.status, w1.body, w2.body)
		}
		items, err := e.st.ListItems(e.ctx, e.a.ID, store.ItemQuery{})
		if err != nil || len(items) != 1 {
			t.Fatalf("items after the replay: %d %v", len(items), err)
		}

		// A failed first attempt (a problem < 500) is the answer too.
		c.headers["Idempotency-Key"] = "bad-email"
		bad := c.do("POST", "/people", map[string]any{"email": "nope"})
		if bad.status != 422 || string(c.do("POST", "/people", map[string]any{"email": "nope"}).body) != string(bad.body) {
			t.Fatalf("replayed problem differs")
		}

		// Another API key has its own Idempotency-Keys.
		b := e.client(t, e.keyB)
		b.headers = map[string]string{"Idempotency-Key": "7f6c1d9e-create-ada"}
		b.want(201, "POST", "/people", body)

		// Pruned after the time to live: then the key is new again.
		if n, err := e.api.PruneIdempotency(e.ctx); err != nil || n != 0 {
			t.Fatalf("pruned fresh records: %d %v", n, err)
		}
	})
}

// TestRateLimit: past its burst a key gets 429 with Retry-After; another
// key is not affected.
func TestRateLimit(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{rate: 0.001, burst: 3})
	a := e.client(t, e.keyA)
	for i := range 3 {
		if got := a.do("GET", "/people", nil); got.status != 200 {
			t.Fatalf("request %d: %d", i, got.status)
		}
	}
	got := a.do("GET", "/people", nil)
	wantProblem(t, "over the limit", got, 429, "rate-limited")
	if s, err := strconv.Atoi(got.header.Get("Retry-After")); err != nil || s < 1 {
		t.Fatalf("Retry-After %q", got.header.Get("Retry-After"))
	}
	if got := e.client(t, e.keyB).do("GET", "/people", nil); got.status != 200 {
		t.Fatalf("another key: %d", got.status)
	}
}

// TestBadRequests: field-level problems for unknown fields, wrong types
// and invalid ORCID items; size and media type limits; unknown routes and
// methods as problems.
func TestBadRequests(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{})
	c := e.client(t, e.keyA)
	p := c.want(201, "POST", "/people", map[string]any{"family_names": "Lovelace", "email": "ada@example.org"})
	pid := strconv.FormatInt(int64(p["id"].(float64)), 10)

	pointers := func(p map[string]any) []string {
		var out []string
		for _, x := range p["errors"].([]any) {
			out = append(out, x.(map[string]any)["pointer"].(string))
		}
		return out
	}
	for _, tc := range []struct {
		name, method, path string
		body               any
		want               []string
	}{
		{"unknown field", "POST", "/people", map[string]any{"family_names": "X", "email": "x@example.org", "nickname": "x"}, []string{"/nickname"}},
		{"wrong type", "POST", "/people", map[string]any{"family_names": 3, "email": "x@example.org"}, []string{"/family_names"}},
		{"several fields", "POST", "/people", map[string]any{"email": "no"}, []string{"/given_names", "/email"}},
		{"unknown item field", "POST", "/people/" + pid + "/works", map[string]any{"item": map[string]any{"titel": "x"}}, []string{"/item/titel"}},
		{"invalid work", "POST", "/people/" + pid + "/works", map[string]any{"item": map[string]any{"type": "novel",
			"external-ids": map[string]any{"external-id": []any{map[string]any{"external-id-type": "doi", "external-id-value": "nope", "external-id-relationship": "self"}}}}},
			[]string{"/item/title/title", "/item/type", "/item/external-ids/external-id/0/external-id-value"}},
		{"no item", "PUT", "/people/" + pid + "/works/k", map[string]any{}, []string{"/item"}},
		{"bad key", "POST", "/people/" + pid + "/keywords", map[string]any{"key": "a/b", "item": map[string]any{"content": "x"}}, []string{"/key"}},
	} {
		got := wantProblem(t, tc.name, c.do(tc.method, tc.path, tc.body), 422, "invalid-input")
		if ps := pointers(got); strings.Join(ps, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%s: pointers %v, want %v", tc.name, ps, tc.want)
		}
	}
	wantProblem(t, "bad query", c.do("GET", "/people?limit=0", nil), 422, "invalid-input")
	wantProblem(t, "not JSON", c.do("POST", "/people", "{"), 400, "malformed-request")
	wantProblem(t, "two values", c.do("POST", "/people", `{"email":"a@b.org","family_names":"A"} {}`), 400, "malformed-request")
	big := `{"family_names":"` + strings.Repeat("x", 2<<20) + `","email":"x@example.org"}`
	wantProblem(t, "too large", c.do("POST", "/people", big), 413, "body-too-large")
	c.headers = map[string]string{"Content-Type": "text/plain"}
	wantProblem(t, "not JSON media type", c.do("POST", "/people", `{}`), 415, "unsupported-media-type")
	c.headers = nil
	wantProblem(t, "unknown path", c.do("GET", "/nothing-here", nil), 404, "not-found")
	wantProblem(t, "wrong method", c.do("PUT", "/people", nil), 405, "method-not-allowed")
	if a := c.do("PUT", "/people", nil); a.header.Get("Allow") != "GET, POST" {
		t.Errorf("Allow %q", a.header.Get("Allow"))
	}
	// No answer is cached.
	if a := c.do("GET", "/people/"+pid, nil); a.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q", a.header.Get("Cache-Control"))
	}
}
