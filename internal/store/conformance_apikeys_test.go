package store_test

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// testAPIKeys: a key is shown once, kept as a hash, found by the key a
// client presents and by nothing else; revoked keys are not found; last
// use is recorded at most once per interval; keys stay in their tenant.
func testAPIKeys(t *testing.T, e *env) {
	tn, _ := e.itemFixture(t, "keys")
	other, _ := e.itemFixture(t, "keys-other")

	_, _, err := e.s.CreateAPIKey(e.ctx, store.NewAPIKey{TenantID: tn.ID, Name: "  "})
	want(t, "key without a name", err, store.ErrInvalid)
	_, _, err = e.s.CreateAPIKey(e.ctx, store.NewAPIKey{TenantID: 99999, Name: "x"})
	want(t, "key of a missing tenant", err, store.ErrNotFound)

	k, key, err := e.s.CreateAPIKey(e.ctx, store.NewAPIKey{TenantID: tn.ID, Name: "OJS", CreatedBy: "admin:1"})
	want(t, "create key", err, nil)
	if !strings.HasPrefix(key, store.APIKeyPrefix+k.Prefix+"_") || k.Name != "OJS" || k.CreatedBy != "admin:1" ||
		!k.CreatedAt.Equal(e.clock.Now().UTC().Truncate(time.Microsecond)) || !k.LastUsedAt.IsZero() || k.Revoked() {
		t.Fatalf("created %+v with key %q", k, key)
	}
	// Only the hash of the secret is at rest.
	secret := key[len(store.APIKeyPrefix)+len(k.Prefix)+1:]
	stored := e.rawBytes(t, `SELECT secret_hash FROM api_keys WHERE id = ?`, k.ID)
	sum := sha256.Sum256([]byte(secret))
	if !bytes.Equal(stored, sum[:]) || bytes.Contains(stored, []byte(secret)) {
		t.Fatalf("stored %x, want the SHA-256 of the secret", stored)
	}

	got, err := e.s.APIKeyByKey(e.ctx, key)
	want(t, "look up key", err, nil)
	if got.ID != k.ID || got.TenantID != tn.ID {
		t.Fatalf("looked up %+v, want %+v", got, k)
	}
	for _, bad := range []string{"", key + "x", key[:len(key)-1], strings.Replace(key, k.Prefix, "000000000000", 1),
		"Bearer " + key, strings.TrimPrefix(key, store.APIKeyPrefix), store.APIKeyPrefix + k.Prefix + "_"} {
		_, err := e.s.APIKeyByKey(e.ctx, bad)
		want(t, "look up "+bad, err, store.ErrNotFound)
	}

	// Last use: recorded, then not again within the interval.
	t0 := e.clock.Now()
	want(t, "touch", e.s.TouchAPIKey(e.ctx, k.ID, t0, time.Minute), nil)
	want(t, "touch again soon", e.s.TouchAPIKey(e.ctx, k.ID, t0.Add(30*time.Second), time.Minute), nil)
	got, _ = e.s.APIKey(e.ctx, tn.ID, k.ID)
	if !got.LastUsedAt.Equal(t0.UTC().Truncate(time.Microsecond)) {
		t.Fatalf("last used %v, want %v", got.LastUsedAt, t0)
	}
	want(t, "touch a minute later", e.s.TouchAPIKey(e.ctx, k.ID, t0.Add(time.Minute), time.Minute), nil)
	got, _ = e.s.APIKey(e.ctx, tn.ID, k.ID)
	if !got.LastUsedAt.Equal(t0.Add(time.Minute).UTC().Truncate(time.Microsecond)) {
		t.Fatalf("last used %v, want a minute after %v", got.LastUsedAt, t0)
	}

	// Tenant isolation: another tenant neither sees nor revokes it.
	_, err = e.s.APIKey(e.ctx, other.ID, k.ID)
	want(t, "another tenant's key", err, store.ErrNotFound)
	want(t, "revoke another tenant's key", e.s.RevokeAPIKey(e.ctx, other.ID, k.ID), store.ErrNotFound)
	if list, err := e.s.ListAPIKeys(e.ctx, other.ID); err != nil || len(list) != 0 {
		t.Fatalf("other tenant's keys: %v, %v", list, err)
	}
	k2, _, err := e.s.CreateAPIKey(e.ctx, store.NewAPIKey{TenantID: tn.ID, Name: "HR"})
	want(t, "second key", err, nil)
	list, err := e.s.ListAPIKeys(e.ctx, tn.ID)
	want(t, "list keys", err, nil)
	if len(list) != 2 || list[0].ID != k2.ID || list[1].ID != k.ID || list[0].CreatedBy != store.ActorSystem {
		t.Fatalf("keys %+v", list)
	}

	// Revoked: not found any more, listed as revoked; revoking again is fine.
	e.clock.Add(time.Hour)
	want(t, "revoke", e.s.RevokeAPIKey(e.ctx, tn.ID, k.ID), nil)
	_, err = e.s.APIKeyByKey(e.ctx, key)
	want(t, "look up a revoked key", err, store.ErrNotFound)
	want(t, "revoke again", e.s.RevokeAPIKey(e.ctx, tn.ID, k.ID), nil)
	got, _ = e.s.APIKey(e.ctx, tn.ID, k.ID)
	if !got.Revoked() || !got.RevokedAt.Equal(e.clock.Now().UTC().Truncate(time.Microsecond)) {
		t.Fatalf("revoked key %+v", got)
	}

	// Keys go with their tenant.
	want(t, "delete tenant", e.s.DeleteTenant(e.ctx, other.ID), nil)
}

// testIdempotency: the first request with a key claims it; later ones see
// its answer and whether they are the same request; abandoned claims and
// old records go.
func testIdempotency(t *testing.T, e *env) {
	tn, _ := e.itemFixture(t, "idem")
	k, _, err := e.s.CreateAPIKey(e.ctx, store.NewAPIKey{TenantID: tn.ID, Name: "k"})
	want(t, "key", err, nil)
	k2, _, err := e.s.CreateAPIKey(e.ctx, store.NewAPIKey{TenantID: tn.ID, Name: "k2"})
	want(t, "key 2", err, nil)
	hash := sha256.Sum256([]byte("POST /people {}"))
	req := store.IdempotentRequest{APIKeyID: k.ID, Key: "abc", RequestHash: hash[:]}

	_, _, err = e.s.BeginIdempotent(e.ctx, store.IdempotentRequest{APIKeyID: k.ID, RequestHash: hash[:]})
	want(t, "no key", err, store.ErrInvalid)
	_, first, err := e.s.BeginIdempotent(e.ctx, req)
	want(t, "begin", err, nil)
	if !first {
		t.Fatal("the first request is not first")
	}
	prev, first, err := e.s.BeginIdempotent(e.ctx, req)
	want(t, "begin while running", err, nil)
	if first || prev.Done() || !prev.SameRequest(hash[:]) {
		t.Fatalf("second begin while the first runs: first=%v %+v", first, prev)
	}
	// Another API key has its own keys.
	if _, first, err := e.s.BeginIdempotent(e.ctx, store.IdempotentRequest{APIKeyID: k2.ID, Key: "abc", RequestHash: hash[:]}); err != nil || !first {
		t.Fatalf("same key under another API key: first=%v %v", first, err)
	}

	done := req
	done.Status, done.ContentType, done.Location, done.Body = 201, "application/json", "/api/v1/people/1", []byte(`{"id":1}`)
	want(t, "finish", e.s.FinishIdempotent(e.ctx, done), nil)
	want(t, "finish twice", e.s.FinishIdempotent(e.ctx, done), store.ErrNotFound)
	prev, first, err = e.s.BeginIdempotent(e.ctx, req)
	want(t, "begin after", err, nil)
	other := sha256.Sum256([]byte("POST /people {\"x\":1}"))
	if first || !prev.Done() || prev.Status != 201 || string(prev.Body) != `{"id":1}` || prev.Location != "/api/v1/people/1" ||
		prev.ContentType != "application/json" || !prev.SameRequest(hash[:]) || prev.SameRequest(other[:]) {
		t.Fatalf("replay: first=%v %+v", first, prev)
	}

	// An abandoned claim (a 5xx) lets the retry run.
	req2 := store.IdempotentRequest{APIKeyID: k.ID, Key: "def", RequestHash: hash[:]}
	_, _, err = e.s.BeginIdempotent(e.ctx, req2)
	want(t, "begin def", err, nil)
	want(t, "abandon", e.s.AbandonIdempotent(e.ctx, k.ID, "def"), nil)
	if _, first, err := e.s.BeginIdempotent(e.ctx, req2); err != nil || !first {
		t.Fatalf("retry after abandon: first=%v %v", first, err)
	}

	// Pruning forgets old records: the key may then be used anew.
	e.clock.Add(25 * time.Hour)
	n, err := e.s.PruneIdempotency(e.ctx, e.clock.Now().Add(-24*time.Hour))
	want(t, "prune", err, nil)
	if n != 3 {
		t.Fatalf("pruned %d, want 3", n)
	}
	if _, first, err := e.s.BeginIdempotent(e.ctx, req); err != nil || !first {
		t.Fatalf("after pruning: first=%v %v", first, err)
	}
	if n, err := e.s.PruneIdempotency(e.ctx, e.clock.Now().Add(-24*time.Hour)); err != nil || n != 0 {
		t.Fatalf("pruned a fresh record: %d, %v", n, err)
	}
}

// testTenantCalls: the API's call log pages newest first, by person, and
// only within the tenant.
func testTenantCalls(t *testing.T, e *env) {
	tn, p := e.itemFixture(t, "calls")
	other, q := e.itemFixture(t, "calls-other")
	var ids []int64
	for i, who := range []store.Person{p, {}, p, q} {
		tenant := tn.ID
		if who.ID == q.ID {
			tenant = other.ID
		}
		c, err := e.s.AppendCall(e.ctx, store.Call{TenantID: tenant, PersonID: who.ID, CredentialID: e.credential(t, "APP-c"+string(rune('a'+i))).ID,
			Method: "GET", URL: "https://api.example/v3.0/x", Status: 200, Attempt: 1})
		want(t, "append call", err, nil)
		ids = append(ids, c.ID)
	}
	all, err := e.s.ListTenantCalls(e.ctx, tn.ID, store.TenantCallQuery{})
	want(t, "list", err, nil)
	if len(all) != 3 || all[0].ID != ids[2] || all[2].ID != ids[0] {
		t.Fatalf("calls %+v", all)
	}
	page, err := e.s.ListTenantCalls(e.ctx, tn.ID, store.TenantCallQuery{PersonID: p.ID, Limit: 1})
	want(t, "page 1", err, nil)
	if len(page) != 1 || page[0].ID != ids[2] {
		t.Fatalf("page 1 %+v", page)
	}
	page, err = e.s.ListTenantCalls(e.ctx, tn.ID, store.TenantCallQuery{PersonID: p.ID, BeforeID: page[0].ID})
	want(t, "page 2", err, nil)
	if len(page) != 1 || page[0].ID != ids[0] {
		t.Fatalf("page 2 %+v", page)
	}
	if none, err := e.s.ListTenantCalls(e.ctx, tn.ID, store.TenantCallQuery{PersonID: q.ID}); err != nil || len(none) != 0 {
		t.Fatalf("another tenant's person's calls: %+v %v", none, err)
	}
}

// testIdempotencyAtRest: a stored answer is sealed (it may hold a secret
// shown once, like a webhook's signing secret) and comes back intact on a
// replay; a claim whose request never finished (its process was killed)
// holds the key only for the in-flight lease, and then only the same
// request may take it over.
func testIdempotencyAtRest(t *testing.T, e *env) {
	tn, _ := e.itemFixture(t, "idem-rest")
	k, _, err := e.s.CreateAPIKey(e.ctx, store.NewAPIKey{TenantID: tn.ID, Name: "k"})
	want(t, "key", err, nil)
	hash := sha256.Sum256([]byte("POST /webhooks {}"))
	const secret = "whsec_0123456789abcdefghijklmnopqrstuvwxyzABCDE"
	req := store.IdempotentRequest{APIKeyID: k.ID, Key: "hook-1", RequestHash: hash[:], InFlightLease: 10 * time.Minute}
	if _, first, err := e.s.BeginIdempotent(e.ctx, req); err != nil || !first {
		t.Fatalf("begin: first=%v %v", first, err)
	}
	done := req
	done.Status, done.ContentType, done.Body = 201, "application/json", []byte(`{"id":7,"secret":"`+secret+`"}`)
	want(t, "finish", e.s.FinishIdempotent(e.ctx, done), nil)
	stored := e.rawBytes(t, `SELECT body FROM api_idempotency WHERE api_key_id = ? AND idempotency_key = ?`, k.ID, "hook-1")
	if len(stored) == 0 || bytes.Contains(stored, []byte(secret)) || bytes.Contains(stored, []byte(`"id":7`)) {
		t.Fatalf("stored answer is readable at rest: %q", stored)
	}
	prev, first, err := e.s.BeginIdempotent(e.ctx, req)
	want(t, "replay", err, nil)
	if first || prev.Status != 201 || !bytes.Equal(prev.Body, done.Body) {
		t.Fatalf("replay: first=%v %+v", first, prev)
	}
	// Long after, a finished answer is still replayed, not run again.
	e.clock.Add(time.Hour)
	if prev, first, err := e.s.BeginIdempotent(e.ctx, req); err != nil || first || !bytes.Equal(prev.Body, done.Body) {
		t.Fatalf("replay after the lease: first=%v %+v %v", first, prev, err)
	}

	// A claim that never got its answer.
	stuck := store.IdempotentRequest{APIKeyID: k.ID, Key: "stuck", RequestHash: hash[:], InFlightLease: 10 * time.Minute}
	if _, first, err := e.s.BeginIdempotent(e.ctx, stuck); err != nil || !first {
		t.Fatalf("begin stuck: first=%v %v", first, err)
	}
	e.clock.Add(9 * time.Minute)
	if prev, first, err := e.s.BeginIdempotent(e.ctx, stuck); err != nil || first || prev.Done() {
		t.Fatalf("within the lease: first=%v %+v %v", first, prev, err)
	}
	e.clock.Add(2 * time.Minute)
	otherHash := sha256.Sum256([]byte("POST /webhooks {\"x\":1}"))
	other := stuck
	other.RequestHash = otherHash[:]
	if prev, first, err := e.s.BeginIdempotent(e.ctx, other); err != nil || first || prev.SameRequest(otherHash[:]) {
		t.Fatalf("another request took over the stale claim: first=%v %+v %v", first, prev, err)
	}
	if _, first, err := e.s.BeginIdempotent(e.ctx, stuck); err != nil || !first {
		t.Fatalf("the same request after the lease: first=%v %v", first, err)
	}
	// Taken over: the lease starts again.
	if prev, first, err := e.s.BeginIdempotent(e.ctx, stuck); err != nil || first || prev.Done() {
		t.Fatalf("just taken over: first=%v %+v %v", first, prev, err)
	}
	done = stuck
	done.Status, done.ContentType, done.Body = 201, "application/json", []byte(`{"id":8}`)
	want(t, "finish the taken-over request", e.s.FinishIdempotent(e.ctx, done), nil)
	// Without a lease, a claim is held until pruned.
	forever := store.IdempotentRequest{APIKeyID: k.ID, Key: "forever", RequestHash: hash[:]}
	if _, first, err := e.s.BeginIdempotent(e.ctx, forever); err != nil || !first {
		t.Fatalf("begin forever: first=%v %v", first, err)
	}
	e.clock.Add(23 * time.Hour)
	if _, first, err := e.s.BeginIdempotent(e.ctx, forever); err != nil || first {
		t.Fatalf("no lease: first=%v %v", first, err)
	}
}
