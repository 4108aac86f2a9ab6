package store_test

import (
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// testOutboxSearch: the outbox is searched by recipient and subject, any
// case, filtered by state and tenant, and nothing of another tenant leaks
// into a tenant's search.
func testOutboxSearch(t *testing.T, e *env) {
	c := e.credential(t, "APP-OUTBOX-SEARCH")
	a, b := e.tenant(t, "outbox-a", c.ID), e.tenant(t, "outbox-b", c.ID)
	queue := func(tenant int64, to, subject string) store.Email {
		t.Helper()
		m, err := e.s.QueueEmail(e.ctx, store.Email{TenantID: tenant, Recipient: to, Subject: subject, TextBody: "body"})
		want(t, "queue", err, nil)
		return m
	}
	ana := queue(a.ID, "ana.garcia@example.org", "Connect your ORCID iD to Journal A")
	bob := queue(a.ID, "bob@example.org", "Reminder: connect your ORCID iD")
	queue(b.ID, "ana.garcia@example.org", "Connect your ORCID iD to Journal B")
	site := queue(0, "admin@example.org", "Set your password")
	want(t, "sent", e.s.MarkEmailSent(e.ctx, ana.ID, time.Now()), nil)
	want(t, "failed", e.s.MarkEmailFailed(e.ctx, bob.ID, "550 no such user"), nil)

	for _, tc := range []struct {
		name string
		q    store.EmailQuery
		want int
	}{
		{"everything", store.EmailQuery{}, 4},
		{"by recipient, any case", store.EmailQuery{Search: "ANA.Garcia"}, 2},
		{"every word", store.EmailQuery{Search: "ana journal b"}, 1},
		{"by subject", store.EmailQuery{Search: "reminder"}, 1},
		{"LIKE wildcards match themselves", store.EmailQuery{Search: "%"}, 0},
		{"sent", store.EmailQuery{State: store.EmailSent}, 1},
		{"failed", store.EmailQuery{State: store.EmailFailed}, 1},
		{"waiting", store.EmailQuery{State: store.EmailWaiting}, 2},
		{"one tenant", store.EmailQuery{TenantIDs: []int64{a.ID}}, 2},
		{"one tenant, searched", store.EmailQuery{TenantIDs: []int64{a.ID}, Search: "journal b"}, 0},
		{"two tenants", store.EmailQuery{TenantIDs: []int64{a.ID, b.ID}}, 3},
		{"no tenant at all", store.EmailQuery{TenantIDs: []int64{}}, 0},
		{"site-wide by subject", store.EmailQuery{Search: "password"}, 1},
	} {
		got, err := e.s.SearchEmails(e.ctx, tc.q)
		want(t, tc.name, err, nil)
		if len(got) != tc.want {
			t.Errorf("%s: %d messages, want %d", tc.name, len(got), tc.want)
		}
		for i := 1; i < len(got); i++ {
			if got[i-1].ID < got[i].ID {
				t.Errorf("%s: not newest first", tc.name)
			}
		}
	}
	got, _ := e.s.SearchEmails(e.ctx, store.EmailQuery{Search: "password"})
	if len(got) == 1 && got[0].ID != site.ID {
		t.Errorf("site-wide search found %+v", got[0])
	}
	_, err := e.s.SearchEmails(e.ctx, store.EmailQuery{State: "lost"})
	want(t, "bad state", err, store.ErrInvalid)
}
