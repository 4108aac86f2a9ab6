package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// An API key's changes are written with their audit event in one
// transaction: when the event cannot be written (here a trigger refuses
// it, as a full disk or a cancelled request would), the change is not made
// either, so the trail never misses a change that happened.
func TestAuditInSameTransaction(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{})
	c := e.client(t, e.keyA)
	p := c.want(http.StatusCreated, "POST", "/people", map[string]any{"given_names": "Ana", "family_names": "Lima", "email": "ana@example.org"})
	id := strconv.FormatInt(int64(p["id"].(float64)), 10)
	ctx := context.Background()
	if _, err := e.st.DB().ExecContext(ctx, `CREATE TRIGGER no_audit BEFORE INSERT ON audit_events
		BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		action, method, path string
		body                 any
		unchanged            func() error
	}{
		{"person.created", "POST", "/people", map[string]any{"given_names": "Bo", "email": "bo@example.org"}, func() error {
			if _, err := e.st.PersonByEmail(ctx, e.a.ID, "bo@example.org"); err == nil {
				return fmt.Errorf("the person was created without an audit event")
			}
			return nil
		}},
		{"person.updated", "PATCH", "/people/" + id, map[string]any{"given_names": "Anabel"}, func() error {
			if got, _ := e.st.PersonByEmail(ctx, e.a.ID, "ana@example.org"); got.GivenNames != "Ana" {
				return fmt.Errorf("the person was changed to %q without an audit event", got.GivenNames)
			}
			return nil
		}},
		{"person.deleted", "DELETE", "/people/" + id, nil, func() error {
			if _, err := e.st.PersonByEmail(ctx, e.a.ID, "ana@example.org"); err != nil {
				return fmt.Errorf("the person was deleted without an audit event: %v", err)
			}
			return nil
		}},
		{"tenant.updated", "PATCH", "/tenant", map[string]any{"review_mode": "anonymous"}, func() error {
			if got, _ := e.st.Tenant(ctx, e.a.ID); got.Settings.ReviewMode == "anonymous" {
				return fmt.Errorf("the tenant was changed without an audit event")
			}
			return nil
		}},
		// Changes made through services with transactions of their own:
		// the event attached to the context goes in the change's.
		{"article.saved", "POST", "/articles", map[string]any{"key": "trail-art", "title": "Unrecorded",
			"contributors": []any{map[string]any{"person_id": p["id"]}}}, func() error {
			if _, err := e.st.Article(ctx, e.a.ID, "trail-art"); err == nil {
				return fmt.Errorf("the article was saved without an audit event")
			}
			return nil
		}},
		{"api.webhook_created", "POST", "/webhooks", map[string]any{"url": "https://hooks.example.org/orcidlink",
			"event_types": []string{webhooks.ItemSynced}}, func() error {
			if list, _ := e.st.ListWebhookEndpoints(ctx, e.a.ID); len(list) != 0 {
				return fmt.Errorf("%d webhook endpoints created without an audit event", len(list))
			}
			return nil
		}},
	} {
		a := c.do(tc.method, tc.path, tc.body)
		if a.status < 500 {
			t.Errorf("%s with the audit trail unwritable: %d, want a server error\n%s", tc.action, a.status, a.body)
		}
		if err := tc.unchanged(); err != nil {
			t.Errorf("%s: %v", tc.action, err)
		}
	}
}
