package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/seal"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// runConformance is the store's contract, run against each engine by
// TestSQLite and TestPostgres. newDB returns a fresh, empty database (a
// driver name and DSN) for one case; cases open it themselves because
// some reopen it with another key ring. The cases live in the
// conformance_*_test.go files, by area.
func runConformance(t *testing.T, newDB func(t *testing.T) (driver, dsn string)) {
	cases := []struct {
		name string
		run  func(t *testing.T, e *env)
	}{
		{"Migrations", testMigrations},
		{"Times", testTimes},
		{"Credentials", testCredentials},
		{"Tenants", testTenants},
		{"TenantLanguages", testTenantLanguages},
		{"TenantRules", testTenantRules},
		{"People", testPeople},
		{"PersonRules", testPersonRules},
		{"PersonLanguagesMigration", testPersonLanguagesMigration},
		{"EntityRules", testEntityRules},
		{"TenantIsolation", testTenantIsolation},
		{"Links", testLinks},
		{"LinkConflicts", testLinkConflicts},
		{"LinksImport", testLinksImport},
		{"SealedAtRest", testSealedAtRest},
		{"SealedBoundToRow", testSealedBoundToRow},
		{"Reseal", testReseal},
		{"Invitations", testInvitations},
		{"InvitationReminders", testInvitationReminders},
		{"OAuthStates", testOAuthStates},
		{"PeopleList", testPeopleList},
		{"PersonStatus", testPersonStatus},
		{"Audit", testAudit},
		{"AuditWithContext", testAuditWithContext},
		{"CallLog", testCallLog},
		{"AdminUsers", testAdminUsers},
		{"AdminAccounts", testAdminAccounts},
		{"Outbox", testOutbox},
		{"OutboxSealed", testOutboxSealed},
		{"OutboxSearch", testOutboxSearch},
		{"ControlCharacters", testControlCharacters},
		{"Transactions", testTransactions},
		{"Sessions", testSessions},
		{"Items", testItems},
		{"ItemWrites", testItemWrites},
		{"PutCodesOfOthers", testPutCodesOfOthers},
		{"ItemRetraction", testItemRetraction},
		{"ItemIsolation", testItemIsolation},
		{"RateBudget", testRateBudget},
		{"RateBudgetPause", testRateBudgetPause},
		{"BulkWorks", testBulkWorks},
		{"RateShares", testRateShares},
		{"RevokeLink", testRevokeLink},
		{"LockArticle", testLockArticle},
		{"Articles", testArticles},
		{"ArticleIsolation", testArticleIsolation},
		{"ReviewGroups", testReviewGroups},
		{"ResearcherChoices", testResearcherChoices},
		{"ArticleContributors", testArticleContributors},
		{"Editors", testEditors},
		{"Records", testRecords},
		{"Batches", testBatches},
		{"BatchAbandon", testBatchAbandon},
		{"WebhookEndpoints", testWebhookEndpoints},
		{"WebhookFanOut", testWebhookFanOut},
		{"WebhookOrdering", testWebhookOrdering},
		{"WebhookCircuit", testWebhookCircuit},
		{"WebhookPrune", testWebhookPrune},
		{"APIKeys", testAPIKeys},
		{"Idempotency", testIdempotency},
		{"IdempotencyAtRest", testIdempotencyAtRest},
		{"TenantCalls", testTenantCalls},
		{"CredentialChecks", testCredentialChecks},
		{"Problems", testProblems},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			driver, dsn := newDB(t)
			e := &env{driver: driver, dsn: dsn, ctx: context.Background(), clock: newClock()}
			e.s = e.open(t, storetest.Ring(t))
			c.run(t, e)
		})
	}
}

// env is one case's database and the helpers that fill it.
type env struct {
	driver, dsn string
	ctx         context.Context
	clock       *clock
	s           *store.Store
}

// open opens (again) the case's database with a key ring.
func (e *env) open(t *testing.T, ring *seal.Ring) *store.Store {
	t.Helper()
	return storetest.OpenDSN(t, e.driver, e.dsn, func(c *store.Config) {
		c.Sealer = ring
		c.Now = e.clock.Now
	})
}

// clock is a settable clock. It starts off UTC and with nanoseconds, to
// show that the store returns UTC at the database's precision.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 11, 23, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// raw runs SQL straight on the database, for looking under the store.
// Placeholders are written ? and rewritten for PostgreSQL.
func (e *env) raw(query string) string {
	if e.driver != "postgres" {
		return query
	}
	n := 0
	var b strings.Builder
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (e *env) rawBytes(t *testing.T, query string, args ...any) []byte {
	t.Helper()
	var b []byte
	if err := e.s.DB().QueryRowContext(e.ctx, e.raw(query), args...).Scan(&b); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return b
}

func (e *env) rawExec(t *testing.T, query string, args ...any) {
	t.Helper()
	if _, err := e.s.DB().ExecContext(e.ctx, e.raw(query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// Fixtures. Each returns what it stored, failing the test on error.

var testEnv = orcid.Environment{Name: "custom", SiteURL: "http://127.0.0.1:8080",
	MemberAPIURL: "http://127.0.0.1:8080/v3.0", PublicAPIURL: "http://127.0.0.1:8080/pub/v3.0"}

func (e *env) credential(t *testing.T, clientID string) store.Credential {
	t.Helper()
	c, err := e.s.CreateCredential(e.ctx, store.Credential{Name: "Cred " + clientID, Env: testEnv, API: orcid.MemberAPI,
		ClientID: clientID, ClientSecret: "secret-of-" + clientID, ClientName: "Test Journals"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) tenant(t *testing.T, slug string, credentialID int64) store.Tenant {
	t.Helper()
	tn, err := e.s.CreateTenant(e.ctx, store.Tenant{Slug: slug, Name: "Tenant " + slug, SupportEmail: "help@" + slug + ".example",
		CredentialID: credentialID, Languages: []string{"en", "es", "fr"}})
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

func (e *env) person(t *testing.T, tenantID int64, given, family string) store.Person {
	t.Helper()
	p, err := e.s.CreatePerson(e.ctx, store.Person{TenantID: tenantID, GivenNames: given, FamilyNames: family,
		Email: strings.ToLower(strings.ReplaceAll(given+"."+family, " ", "")) + "@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// orcidID makes a valid iD from a small number.
func orcidID(t *testing.T, n int) orcid.ID {
	t.Helper()
	id, err := orcid.ComputeID(fmt.Sprintf("000000021825%03d", n))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (e *env) authorization(t *testing.T, p store.Person, credentialID int64, id orcid.ID) store.Authorization {
	t.Helper()
	return store.Authorization{TenantID: p.TenantID, PersonID: p.ID, CredentialID: credentialID,
		Authorization: orcid.Authorization{ID: id, IDURI: testEnv.IDURI(id), Name: p.GivenNames + " " + p.FamilyNames,
			AccessToken: "access-" + string(id) + "-" + strconv.FormatInt(p.ID, 10), RefreshToken: "refresh-" + string(id),
			IDToken: "eyJ.idtoken." + string(id), Scopes: []string{"/read-limited", "/activities/update", "openid"},
			ExpiresAt: e.clock.Now().Add(20 * 365 * 24 * time.Hour)}}
}

func (e *env) connect(t *testing.T, p store.Person, credentialID int64, id orcid.ID) store.Link {
	t.Helper()
	l, err := e.s.SaveAuthorization(e.ctx, e.authorization(t, p, credentialID, id))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// want fails unless err matches target (nil for no error).
func want(t *testing.T, what string, err, target error) {
	t.Helper()
	switch {
	case target == nil && err != nil:
		t.Fatalf("%s: unexpected error: %v", what, err)
	case target != nil && !errors.Is(err, target):
		t.Fatalf("%s: error = %v, want %v", what, err, target)
	}
}

func testMigrations(t *testing.T, e *env) {
	v, err := e.s.Version(e.ctx)
	want(t, "version", err, nil)
	if v == 0 || v != e.s.LatestVersion() {
		t.Fatalf("version = %d, latest = %d", v, e.s.LatestVersion())
	}
	want(t, "migrate again", e.s.Migrate(e.ctx), nil)
	// A second store on the same database (another process, a restart)
	// finds it migrated.
	again := e.open(t, storetest.Ring(t))
	if v2, err := again.Version(e.ctx); err != nil || v2 != v {
		t.Fatalf("reopened version = %d, %v", v2, err)
	}
	if again.Driver() != e.driver {
		t.Fatalf("driver = %q", again.Driver())
	}
}

func testTimes(t *testing.T, e *env) {
	c := e.credential(t, "APP-TIMES")
	wantAt := e.clock.Now().UTC().Truncate(time.Microsecond)
	if !c.CreatedAt.Equal(wantAt) || c.CreatedAt.Location() != time.UTC {
		t.Fatalf("created at %v (%v), want %v in UTC", c.CreatedAt, c.CreatedAt.Location(), wantAt)
	}
	got, err := e.s.Credential(e.ctx, c.ID)
	want(t, "read", err, nil)
	if got.CreatedAt != c.CreatedAt || got.UpdatedAt != c.UpdatedAt {
		t.Fatalf("read back %v/%v, stored %v/%v", got.CreatedAt, got.UpdatedAt, c.CreatedAt, c.UpdatedAt)
	}
}

func testTransactions(t *testing.T, e *env) {
	c := e.credential(t, "APP-TX")
	tn := e.tenant(t, "tx", c.ID)
	count := func() int {
		t.Helper()
		pg, err := e.s.ListPeople(e.ctx, tn.ID, store.PeopleQuery{})
		want(t, "list", err, nil)
		return len(pg.People)
	}

	err := e.s.InTx(e.ctx, func(tx *store.Tx) error {
		p, err := tx.CreatePerson(e.ctx, store.Person{TenantID: tn.ID, GivenNames: "Committed", Email: "c@example.org"})
		if err != nil {
			return err
		}
		_, err = tx.SaveAuthorization(e.ctx, e.authorization(t, p, c.ID, orcidID(t, 1)))
		return err
	})
	want(t, "commit", err, nil)
	if count() != 1 {
		t.Fatal("committed person missing")
	}

	boom := errors.New("boom")
	err = e.s.InTx(e.ctx, func(tx *store.Tx) error {
		if _, err := tx.CreatePerson(e.ctx, store.Person{TenantID: tn.ID, GivenNames: "Rolled", Email: "r@example.org"}); err != nil {
			return err
		}
		// The transaction itself, as River's SQLite driver would use it.
		if _, err := tx.SQL().ExecContext(e.ctx, `DELETE FROM people WHERE email = 'c@example.org'`); err != nil {
			return err
		}
		return boom
	})
	want(t, "rollback", err, boom)
	if count() != 1 {
		t.Fatal("rolled back changes stayed")
	}

	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("panic swallowed")
			}
		}()
		e.s.InTx(e.ctx, func(tx *store.Tx) error {
			tx.CreatePerson(e.ctx, store.Person{TenantID: tn.ID, GivenNames: "Panic", Email: "p@example.org"})
			panic("oops")
		})
	}()
	if count() != 1 {
		t.Fatal("changes of a panicking transaction stayed")
	}

	// On PostgreSQL, the job queue joins the transaction through the pgx
	// connection: what it writes there commits or rolls back with the rest.
	if e.driver != "postgres" {
		err := e.s.InTx(e.ctx, func(tx *store.Tx) error { return tx.WithPgx(nil) })
		if err == nil {
			t.Fatal("WithPgx on SQLite did not fail")
		}
		return
	}
	for _, commit := range []bool{false, true} {
		err := e.s.InTx(e.ctx, func(tx *store.Tx) error {
			if _, err := tx.AppendAudit(e.ctx, store.AuditEvent{TenantID: tn.ID, Actor: "system", Action: "by-store"}); err != nil {
				return err
			}
			if err := tx.WithPgx(func(conn *pgx.Conn) error {
				_, err := conn.Exec(e.ctx, `INSERT INTO audit_events (tenant_id, actor, action, detail, created_at)
					VALUES ($1, 'system', 'by-pgx', '{}', now())`, tn.ID)
				return err
			}); err != nil {
				return err
			}
			// And the store sees the pgx write: one session, one transaction.
			list, err := tx.ListAudit(e.ctx, tn.ID, 0, 0)
			if err != nil || len(list) != 2 {
				return fmt.Errorf("inside the transaction: %d events, %v", len(list), err)
			}
			if !commit {
				return boom
			}
			return nil
		})
		list, lerr := e.s.ListAudit(e.ctx, tn.ID, 0, 0)
		want(t, "list", lerr, nil)
		if commit && (err != nil || len(list) != 2) {
			t.Fatalf("commit: %v, %d events", err, len(list))
		}
		if !commit && (!errors.Is(err, boom) || len(list) != 0) {
			t.Fatalf("rollback: %v, %d events", err, len(list))
		}
	}
}

// testSessions runs the statements of scs's own stores (sqlite3store on
// SQLite, postgresstore on PostgreSQL) against the sessions table, so the
// web layer can plug either in.
func testSessions(t *testing.T, e *env) {
	stmts := map[string][3]string{
		"sqlite": {
			"REPLACE INTO sessions (token, data, expiry) VALUES ($1, $2, julianday($3))",
			"SELECT data FROM sessions WHERE token = $1 AND julianday('now') < expiry",
			"DELETE FROM sessions WHERE token = $1",
		},
		"postgres": {
			"INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3) ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry",
			"SELECT data FROM sessions WHERE token = $1 AND current_timestamp < expiry",
			"DELETE FROM sessions WHERE token = $1",
		},
	}[e.driver]
	db := e.s.DB()
	commit := func(token string, data []byte, expiry time.Time) {
		t.Helper()
		if _, err := db.ExecContext(e.ctx, stmts[0], token, data, expiry); err != nil {
			t.Fatalf("commit: %v", err)
		}
	}
	find := func(token string) []byte {
		t.Helper()
		var b []byte
		err := db.QueryRowContext(e.ctx, stmts[1], token).Scan(&b)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("find: %v", err)
		}
		return b
	}
	commit("live", []byte("data-1"), time.Now().Add(time.Hour))
	commit("live", []byte("data-2"), time.Now().Add(time.Hour))
	commit("dead", []byte("gone"), time.Now().Add(-time.Hour))
	if got := find("live"); string(got) != "data-2" {
		t.Fatalf("live session = %q", got)
	}
	if got := find("dead"); got != nil {
		t.Fatalf("expired session found: %q", got)
	}
	if _, err := db.ExecContext(e.ctx, stmts[2], "live"); err != nil {
		t.Fatal(err)
	}
	if got := find("live"); got != nil {
		t.Fatalf("deleted session found: %q", got)
	}
}
