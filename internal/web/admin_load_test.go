package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
)

// failWrites makes every write to the named tables (all tables when none
// are named) fail, as a full disk would, while reads go on working.
func failWrites(t *testing.T, st *store.Store, tables ...string) {
	t.Helper()
	ctx := context.Background()
	if len(tables) == 0 {
		rows, err := st.DB().QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			tables = append(tables, n)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, tb := range tables {
		for _, op := range []string{"INSERT", "UPDATE", "DELETE"} {
			q := fmt.Sprintf(`CREATE TRIGGER full_%s_%s BEFORE %s ON "%s" BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
				strings.ToLower(op), tb, op, tb)
			if _, err := st.DB().ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
}

// With the disk full, a signed-in administrator still reads every page:
// reading a page must not depend on a write (the session's idle timeout
// moving on) succeeding. A form, which must write, fails visibly.
func TestAdminReadOnlyPagesWithDiskFull(t *testing.T) {
	env := newAdminEnv(t, adminEnvOptions{})
	env.addAdmin(t, "site@example.org", store.RoleSiteAdmin)
	cred := env.addCredential(t, "Shared", "APP-0000000000000001", "s3cret-value")
	tn := env.addTenant(t, "journal", cred.ID)
	p := env.addPerson(t, tn.ID, "Ana", "Lima", "ana@example.org")
	c := env.client(t)
	c.signIn("site@example.org", adminTestPassword)
	failWrites(t, env.st)

	tenant := "/admin/tenants/" + adminItoa(tn.ID)
	for _, path := range []string{
		"/admin/",
		"/admin/tenants",
		tenant,
		tenant + "/edit",
		tenant + "/people",
		tenant + "/people/" + adminItoa(p.ID),
		tenant + "/api-keys",
		tenant + "/webhooks",
		"/admin/credentials",
		"/admin/credentials/" + adminItoa(cred.ID),
		"/admin/outbox",
		"/admin/users",
		"/admin/account",
	} {
		// Twice: a session whose save failed once is still the same session.
		for range 2 {
			if a := c.get(path); a.status != http.StatusOK {
				t.Errorf("GET %s with the disk full: %d, want 200\n%.300s", path, a.status, a.body)
			}
		}
	}
	a := c.post(tenant+"/people/new", url.Values{"given_names": {"Bo"}, "family_names": {"Ek"}, "email": {"bo@example.org"}})
	if a.status < 500 {
		t.Errorf("adding a person with the disk full: %d, want a server error", a.status)
	}
}

// Every audit event is written in the transaction of the change it
// records: when the event cannot be written, the change is not made
// either, so the trail never misses a change that happened.
func TestAdminAuditInSameTransaction(t *testing.T) {
	env := newAdminEnv(t, adminEnvOptions{})
	env.addAdmin(t, "site@example.org", store.RoleSiteAdmin)
	cred := env.addCredential(t, "Shared", "APP-0000000000000001", "s3cret-value")
	tn := env.addTenant(t, "journal", cred.ID)
	p := env.addPerson(t, tn.ID, "Ana", "Lima", "ana@example.org")
	c := env.client(t)
	c.signIn("site@example.org", adminTestPassword)
	failWrites(t, env.st, "audit_events")
	ctx := context.Background()
	tenant := "/admin/tenants/" + adminItoa(tn.ID)

	for _, tc := range []struct {
		name      string
		path      string
		form      url.Values
		unchanged func() error // nil when the change did not happen
	}{
		{"person.created", tenant + "/people/new", url.Values{"given_names": {"Bo"}, "family_names": {"Ek"}, "email": {"bo@example.org"}},
			func() error {
				if _, err := env.st.PersonByEmail(ctx, tn.ID, "bo@example.org"); err == nil {
					return fmt.Errorf("the person was created without an audit event")
				}
				return nil
			}},
		{"person.updated", tenant + "/people/" + adminItoa(p.ID) + "/edit", url.Values{"given_names": {"Anabel"}, "family_names": {"Lima"}, "email": {"ana@example.org"}},
			func() error {
				if got, _ := env.st.Person(ctx, tn.ID, p.ID); got.GivenNames != "Ana" {
					return fmt.Errorf("the person was changed to %q without an audit event", got.GivenNames)
				}
				return nil
			}},
		{"person.deleted", tenant + "/people/" + adminItoa(p.ID) + "/delete", url.Values{"confirm": {"yes"}},
			func() error {
				if _, err := env.st.Person(ctx, tn.ID, p.ID); err != nil {
					return fmt.Errorf("the person was deleted without an audit event: %v", err)
				}
				return nil
			}},
		{"tenant.created", "/admin/tenants/new", url.Values{"name": {"Other"}, "slug": {"other"}, "support_email": {"help@other.example"},
			"languages": {"en"}, "default_language": {"en"}, "credential_id": {adminItoa(cred.ID)}},
			func() error {
				if list, _ := env.st.ListTenants(ctx); len(list) != 1 {
					return fmt.Errorf("%d tenants after a refused create, want 1", len(list))
				}
				return nil
			}},
		{"api_key.created", tenant + "/api-keys", url.Values{"name": {"Journal platform"}},
			func() error {
				if keys, _ := env.st.ListAPIKeys(ctx, tn.ID); len(keys) != 0 {
					return fmt.Errorf("%d API keys created without an audit event", len(keys))
				}
				return nil
			}},
		// A change made by a service in a transaction of its own: the event
		// attached to the context goes in it.
		{"webhook.created", tenant + "/webhooks", url.Values{"url": {"https://hr.example.org/orcid-events"},
			"event_types": {"item.synced"}, "active": {"on"}},
			func() error {
				if eps, _ := env.st.ListWebhookEndpoints(ctx, tn.ID); len(eps) != 0 {
					return fmt.Errorf("%d webhook endpoints created without an audit event", len(eps))
				}
				return nil
			}},
	} {
		a := c.post(tc.path, tc.form)
		if a.status < 500 {
			t.Errorf("%s with the audit trail unwritable: %d, want a server error", tc.name, a.status)
		}
		if err := tc.unchanged(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
