package store_test

import (
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// testCredentialChecks: a check's outcome is kept on the credential; the
// change from working to broken (and back) is reported once; the managers'
// notice is claimed once per breakage; waiting researchers are taken once;
// the items parked for the credential are resumed, and only those.
func testCredentialChecks(t *testing.T, e *env) {
	c := e.credential(t, "APP-CHECK")
	if c.Health != store.CredentialUnchecked || !c.CheckedAt.IsZero() {
		t.Fatalf("a new credential: %q checked %v", c.Health, c.CheckedAt)
	}
	steps := []struct {
		name            string
		problem         string
		health          store.CredentialHealth
		broke, repaired bool
	}{
		{"first check works", "", store.CredentialWorking, false, false},
		{"works again", "", store.CredentialWorking, false, false},
		{"refused", "Bad client credentials", store.CredentialBroken, true, false},
		{"still refused", "Bad client credentials", store.CredentialBroken, false, false},
		{"repaired", "", store.CredentialWorking, false, true},
		{"refused once more", "Client locked", store.CredentialBroken, true, false},
	}
	var since time.Time
	for _, s := range steps {
		e.clock.Add(time.Minute)
		chk, err := e.s.RecordCredentialCheck(e.ctx, c.ID, s.problem)
		want(t, s.name, err, nil)
		if chk.Health != s.health || chk.Problem != s.problem || chk.Broke != s.broke || chk.Repaired != s.repaired ||
			!chk.CheckedAt.Equal(e.clock.Now().UTC().Truncate(time.Microsecond)) {
			t.Fatalf("%s: %+v", s.name, chk)
		}
		switch {
		case s.broke:
			since = chk.BrokenSince
		case s.health == store.CredentialBroken && !chk.BrokenSince.Equal(since):
			t.Fatalf("%s: broken since %v, want the first refusal's %v", s.name, chk.BrokenSince, since)
		case s.health == store.CredentialWorking && !chk.BrokenSince.IsZero():
			t.Fatalf("%s: a working credential broken since %v", s.name, chk.BrokenSince)
		}
		if s.name == "still refused" {
			// The managers are told once per breakage, whoever asks.
			ok, err := e.s.ClaimBrokenNotice(e.ctx, c.ID)
			want(t, "claim the notice", err, nil)
			again, err := e.s.ClaimBrokenNotice(e.ctx, c.ID)
			want(t, "claim the notice again", err, nil)
			if !ok || again {
				t.Fatalf("notice claimed %v, then %v; want once", ok, again)
			}
		}
	}
	e.clock.Add(time.Minute)
	ok, err := e.s.ClaimBrokenNotice(e.ctx, c.ID)
	if err != nil || !ok {
		t.Fatalf("a new breakage's notice: %v %v", ok, err)
	}
	got, err := e.s.Credential(e.ctx, c.ID)
	want(t, "read", err, nil)
	if got.Health != store.CredentialBroken || got.Problem != "Client locked" {
		t.Fatalf("read back %+v", got)
	}
	_, err = e.s.RecordCredentialCheck(e.ctx, 999999, "")
	want(t, "unknown credential", err, store.ErrNotFound)

	// Researchers who met the broken credential, once each.
	tn := e.tenant(t, "waiting", c.ID)
	ada, bob := e.person(t, tn.ID, "Ada", "Waiting"), e.person(t, tn.ID, "Bob", "Waiting")
	for _, p := range []store.Person{ada, bob, ada} {
		want(t, "remember a waiter", e.s.AddCredentialWaiter(e.ctx, c.ID, tn.ID, p.ID), nil)
	}
	if n, err := e.s.CountCredentialWaiters(e.ctx, c.ID); err != nil || n != 2 {
		t.Fatalf("waiting: %d %v, want 2", n, err)
	}
	ws, err := e.s.TakeCredentialWaiters(e.ctx, c.ID)
	if err != nil || len(ws) != 2 {
		t.Fatalf("taken %+v %v", ws, err)
	}
	if ws, _ = e.s.TakeCredentialWaiters(e.ctx, c.ID); len(ws) != 0 {
		t.Fatalf("taken twice: %+v", ws)
	}
	other := e.tenant(t, "elsewhere", e.credential(t, "APP-OTHER").ID)
	stranger := e.person(t, other.ID, "Cy", "Elsewhere")
	want(t, "a person of another tenant", e.s.AddCredentialWaiter(e.ctx, c.ID, tn.ID, stranger.ID), store.ErrNotFound)

	// Items parked for the credential are resumed; others stay.
	const reason = "ORCID refused the organisation's API credential"
	parked, _ := e.upsert(t, tn, ada, "article:1", work("Parked", "10.1234/parked.1"), store.ItemPending)
	_, err = e.s.SetItemPending(e.ctx, parked.ID, reason)
	want(t, "park", err, nil)
	notConnected, _ := e.upsert(t, tn, bob, "article:2", work("Not connected", "10.1234/parked.2"), store.ItemPending)
	elsewhere, _ := e.upsert(t, other, stranger, "article:3", work("Elsewhere", "10.1234/parked.3"), store.ItemPending)
	_, err = e.s.SetItemPending(e.ctx, elsewhere.ID, reason)
	want(t, "park elsewhere", err, nil)
	ids, err := e.s.ResumeCredentialItems(e.ctx, c.ID, reason)
	if err != nil || len(ids) != 1 || ids[0] != parked.ID {
		t.Fatalf("resumed %v %v, want only item %d", ids, err, parked.ID)
	}
	for id, st := range map[int64]store.ItemState{parked.ID: store.ItemQueued, notConnected.ID: store.ItemPending, elsewhere.ID: store.ItemPending} {
		it, err := e.s.ItemByID(e.ctx, id)
		want(t, "read item", err, nil)
		wantState(t, "after resuming", it, st)
	}
}

// testProblems: what the dashboard counts, per tenant, and the digest
// choices.
func testProblems(t *testing.T, e *env) {
	tn, p := e.itemFixture(t, "problems")
	other, q := e.itemFixture(t, "calm")
	fail := func(tenant store.Tenant, person store.Person, key, msg string, state store.ItemState) {
		t.Helper()
		it, _ := e.upsert(t, tenant, person, key, work(key, "10.1234/"+key), store.ItemQueued)
		_, err := e.s.BeginItemWrite(e.ctx, it.ID)
		want(t, "begin", err, nil)
		_, err = e.s.ItemWriteFailed(e.ctx, it.ID, store.ItemOutcome{State: state, LastError: msg})
		want(t, "fail", err, nil)
	}
	fail(tn, p, "a", "Invalid activity, a title is required.", store.ItemFailedPermanent)
	fail(tn, p, "b", "Invalid activity, a title is required.", store.ItemFailedPermanent)
	fail(tn, p, "c", "503 Service Unavailable", store.ItemFailedRetryable)
	fail(other, q, "d", "elsewhere", store.ItemFailedPermanent)
	groups, err := e.s.FailedItemsByError(e.ctx, tn.ID)
	want(t, "failed by error", err, nil)
	if len(groups) != 2 || groups[0].Count != 2 || groups[0].LastError != "Invalid activity, a title is required." || groups[1].Count != 1 {
		t.Fatalf("failed by error: %+v", groups)
	}

	e.clock.Add(time.Hour)
	at := e.clock.Now()
	e.upsert(t, tn, p, "waiting", work("waiting", "10.1234/waiting"), store.ItemQueued)
	oldest, err := e.s.OldestWaitingItem(e.ctx, tn.ID)
	if err != nil || !oldest.Equal(at.UTC().Truncate(time.Microsecond)) {
		t.Fatalf("oldest waiting %v %v, want %v", oldest, err, at)
	}
	if none, err := e.s.OldestWaitingItem(e.ctx, other.ID); err != nil || !none.IsZero() {
		t.Fatalf("oldest waiting of a tenant with none: %v %v", none, err)
	}

	for _, m := range []store.Email{{TenantID: tn.ID, Recipient: "a@example.org", Subject: "x", TextBody: "x"},
		{TenantID: tn.ID, Recipient: "b@example.org", Subject: "y", TextBody: "y"},
		{TenantID: other.ID, Recipient: "c@example.org", Subject: "z", TextBody: "z"}} {
		em, err := e.s.QueueEmail(e.ctx, m)
		want(t, "queue", err, nil)
		if m.Recipient != "b@example.org" {
			want(t, "mark failed", e.s.MarkEmailFailed(e.ctx, em.ID, "550 no such user"), nil)
		}
	}
	if n, err := e.s.CountUndeliveredEmails(e.ctx, tn.ID); err != nil || n != 1 {
		t.Fatalf("undelivered %d %v, want 1", n, err)
	}
	if n, err := e.s.CountFailingWebhooks(e.ctx, tn.ID, e.clock.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("failing webhooks %d %v, want 0", n, err)
	}

	// The digest: off until chosen, then due once per period.
	admin, err := e.s.CreateAdminUser(e.ctx, store.AdminUser{Email: "digest@example.org", Name: "D", PasswordHash: "x",
		Role: store.RoleTenantManager})
	want(t, "admin", err, nil)
	d, err := e.s.AdminDigest(e.ctx, admin.ID)
	if err != nil || d.Enabled {
		t.Fatalf("digest before any choice: %+v %v", d, err)
	}
	due, err := e.s.DigestsDue(e.ctx, e.clock.Now())
	if err != nil || len(due) != 0 {
		t.Fatalf("due before any choice: %+v %v", due, err)
	}
	want(t, "choose", e.s.SetAdminDigest(e.ctx, admin.ID, true), nil)
	if due, _ = e.s.DigestsDue(e.ctx, e.clock.Now()); len(due) != 1 || due[0].ID != admin.ID {
		t.Fatalf("due once chosen: %+v", due)
	}
	before := e.clock.Now().Add(-23 * time.Hour)
	if ok, err := e.s.ClaimDigest(e.ctx, admin.ID, before); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if ok, _ := e.s.ClaimDigest(e.ctx, admin.ID, before); ok {
		t.Fatal("a digest claimed twice in a day")
	}
	if due, _ = e.s.DigestsDue(e.ctx, before); len(due) != 0 {
		t.Fatalf("due right after sending: %+v", due)
	}
	e.clock.Add(24 * time.Hour)
	if due, _ = e.s.DigestsDue(e.ctx, e.clock.Now().Add(-23*time.Hour)); len(due) != 1 {
		t.Fatalf("due a day later: %+v", due)
	}
	want(t, "turn off", e.s.SetAdminDigest(e.ctx, admin.ID, false), nil)
	if d, _ = e.s.AdminDigest(e.ctx, admin.ID); d.Enabled || d.LastSentAt.IsZero() {
		t.Fatalf("turned off: %+v", d)
	}
	if due, _ = e.s.DigestsDue(e.ctx, e.clock.Now()); len(due) != 0 {
		t.Fatalf("due once turned off: %+v", due)
	}

	// Managers of a tenant, not the site administrators.
	want(t, "assign", e.s.SetUserTenants(e.ctx, admin.ID, []int64{tn.ID}), nil)
	_, err = e.s.CreateAdminUser(e.ctx, store.AdminUser{Email: "site@example.org", PasswordHash: "x", Role: store.RoleSiteAdmin})
	want(t, "site admin", err, nil)
	if ms, err := e.s.TenantManagers(e.ctx, tn.ID); err != nil || len(ms) != 1 || ms[0].ID != admin.ID {
		t.Fatalf("managers %+v %v", ms, err)
	}
	if ms, _ := e.s.TenantManagers(e.ctx, other.ID); len(ms) != 0 {
		t.Fatalf("managers of an unmanaged tenant: %+v", ms)
	}
	if ss, err := e.s.SiteAdmins(e.ctx); err != nil || len(ss) != 1 || ss[0].Email != "site@example.org" {
		t.Fatalf("site admins %+v %v", ss, err)
	}
}
