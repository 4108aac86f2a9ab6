package store_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

func testAudit(t *testing.T, e *env) {
	c := e.credential(t, "APP-A")
	tn := e.tenant(t, "audit", c.ID)
	p, q := e.person(t, tn.ID, "Au", "Dit"), e.person(t, tn.ID, "Other", "One")
	for i, ev := range []store.AuditEvent{
		{TenantID: tn.ID, PersonID: p.ID, Actor: store.ActorAdmin(1), Action: "invitation.sent",
			Detail: json.RawMessage(`{"invitation": 1}`)},
		{TenantID: tn.ID, PersonID: p.ID, Actor: store.ActorPerson, Action: "link.connected"},
		{TenantID: tn.ID, PersonID: q.ID, Actor: store.ActorSystem, Action: "link.revoked"},
		{TenantID: tn.ID, Actor: store.ActorAdmin(1), Action: "tenant.updated"},
		{Actor: store.ActorAdmin(1), Action: "admin.created"},
	} {
		got, err := e.s.AppendAudit(e.ctx, ev)
		want(t, "append "+ev.Action, err, nil)
		if got.ID == 0 || got.Action != ev.Action || (i == 1 && string(got.Detail) != "{}") {
			t.Fatalf("appended %+v", got)
		}
	}
	for _, tc := range []struct {
		tenant, person int64
		want           []string
	}{
		{tn.ID, p.ID, []string{"link.connected", "invitation.sent"}},
		{tn.ID, 0, []string{"tenant.updated", "link.revoked", "link.connected", "invitation.sent"}},
		{0, 0, []string{"admin.created"}},
	} {
		list, err := e.s.ListAudit(e.ctx, tc.tenant, tc.person, 0)
		want(t, "list", err, nil)
		var got []string
		for _, ev := range list {
			got = append(got, ev.Action)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("audit of tenant %d person %d = %v, want %v", tc.tenant, tc.person, got, tc.want)
		}
	}
	_, err := e.s.AppendAudit(e.ctx, store.AuditEvent{TenantID: tn.ID, Actor: "system", Action: "x", Detail: json.RawMessage("{")})
	want(t, "bad detail", err, store.ErrInvalid)
	_, err = e.s.AppendAudit(e.ctx, store.AuditEvent{PersonID: p.ID, Actor: "system", Action: "x"})
	want(t, "person without tenant", err, store.ErrInvalid)

	// The trail outlives the person.
	want(t, "delete person", e.s.DeletePerson(e.ctx, tn.ID, q.ID), nil)
	list, err := e.s.ListAudit(e.ctx, tn.ID, 0, 0)
	want(t, "list after delete", err, nil)
	if len(list) != 4 || list[1].Action != "link.revoked" || list[1].PersonID != 0 {
		t.Fatalf("after deleting the person: %+v", list)
	}
}

func testCallLog(t *testing.T, e *env) {
	c := e.credential(t, "APP-CALLS")
	tn := e.tenant(t, "calls", c.ID)
	p := e.person(t, tn.ID, "Cal", "Log")
	for i := range 5 {
		got, err := e.s.AppendCall(e.ctx, store.Call{TenantID: tn.ID, PersonID: p.ID, CredentialID: c.ID, Method: "POST",
			URL: "https://api.sandbox.orcid.org/v3.0/0000-0002-1825-0097/work", Status: 201, Duration: 1500 * time.Millisecond,
			RequestHeader: http.Header{"Authorization": {"Bearer [REDACTED]"}}, RequestBody: []byte(`{"title":"é"}`),
			ResponseHeader: http.Header{"Location": {"/work/" + strconv.Itoa(i)}}, ResponseBody: []byte{0xff, 0x00, 0x01},
			Attempt: i + 1})
		want(t, "append", err, nil)
		if got.Duration != 1500*time.Millisecond || got.ResponseHeader.Get("Location") == "" || got.CreatedAt.IsZero() {
			t.Fatalf("appended %+v", got)
		}
		e.clock.Add(24 * time.Hour)
	}
	_, err := e.s.AppendCall(e.ctx, store.Call{CredentialID: c.ID, Method: "POST", URL: "https://sandbox.orcid.org/oauth/token"})
	want(t, "a call for no tenant", err, nil)
	_, err = e.s.AppendCall(e.ctx, store.Call{TenantID: tn.ID, CredentialID: 9999, Method: "GET", URL: "u"})
	want(t, "unknown credential", err, store.ErrNotFound)

	list, err := e.s.ListCalls(e.ctx, tn.ID, p.ID, 3)
	want(t, "list", err, nil)
	if len(list) != 3 || list[0].Attempt != 5 || list[2].Attempt != 3 {
		t.Fatalf("newest three: %+v", list)
	}
	if !bytes.Equal(list[0].ResponseBody, []byte{0xff, 0x00, 0x01}) || string(list[0].RequestBody) != `{"title":"é"}` ||
		list[0].RequestHeader.Get("Authorization") != "Bearer [REDACTED]" || list[0].Status != 201 {
		t.Fatalf("round trip: %+v", list[0])
	}

	// Keep the last two days: calls 4 and 5 (days 3 and 4), and the token call.
	n, err := e.s.PruneCalls(e.ctx, e.clock.Now().Add(-2*24*time.Hour-time.Minute))
	want(t, "prune", err, nil)
	if n != 3 {
		t.Fatalf("pruned %d calls, want 3", n)
	}
	list, err = e.s.ListCalls(e.ctx, tn.ID, p.ID, 0)
	want(t, "list after prune", err, nil)
	if len(list) != 2 || list[0].Attempt != 5 || list[1].Attempt != 4 {
		t.Fatalf("after prune: %+v", list)
	}
}

func testOutbox(t *testing.T, e *env) {
	c := e.credential(t, "APP-MAIL")
	tn := e.tenant(t, "mail", c.ID)
	var ids []int64
	for i, tenant := range []int64{tn.ID, 0, tn.ID} {
		m, err := e.s.QueueEmail(e.ctx, store.Email{TenantID: tenant, Recipient: fmt.Sprintf("r%d@example.org", i),
			Subject: "Connect your ORCID iD", TextBody: "text", HTMLBody: "<p>html</p>"})
		want(t, "queue", err, nil)
		ids = append(ids, m.ID)
	}
	_, err := e.s.QueueEmail(e.ctx, store.Email{Recipient: "nobody"})
	want(t, "bad recipient", err, store.ErrInvalid)

	all, err := e.s.ListEmails(e.ctx, 0)
	want(t, "list", err, nil)
	if len(all) != 3 || all[0].ID != ids[2] || all[2].ID != ids[0] {
		t.Fatalf("outbox %+v", all)
	}
	mine, err := e.s.ListTenantEmails(e.ctx, tn.ID, 0)
	want(t, "tenant list", err, nil)
	if len(mine) != 2 || mine[0].ID != ids[2] {
		t.Fatalf("tenant outbox %+v", mine)
	}
	sentAt := e.clock.Now()
	want(t, "fail", e.s.MarkEmailFailed(e.ctx, ids[0], "connection refused"), nil)
	want(t, "sent", e.s.MarkEmailSent(e.ctx, ids[1], sentAt), nil)
	want(t, "sent missing", e.s.MarkEmailSent(e.ctx, 9999, sentAt), store.ErrNotFound)
	unsent, err := e.s.UnsentEmails(e.ctx, 0)
	want(t, "unsent", err, nil)
	if len(unsent) != 2 || unsent[0].ID != ids[0] || unsent[0].Error != "connection refused" || unsent[1].ID != ids[2] {
		t.Fatalf("unsent %+v", unsent)
	}
	m, err := e.s.Email(e.ctx, ids[1])
	want(t, "read", err, nil)
	if !m.SentAt.Equal(sentAt.Truncate(time.Microsecond)) || m.TenantID != 0 || m.HTMLBody != "<p>html</p>" {
		t.Fatalf("read %+v", m)
	}
}
