package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestSQLite runs the conformance suite on SQLite, a new file per case.
func TestSQLite(t *testing.T) {
	runConformance(t, func(t *testing.T) (string, string) {
		return "sqlite", filepath.Join(t.TempDir(), "orcidlink.db")
	})
}

// TestPostgres runs the conformance suite on PostgreSQL, a new database per
// case. It skips when ORCIDLINK_TEST_POSTGRES is unset or the server does
// not answer, and fails instead when ORCIDLINK_REQUIRE names postgres.
func TestPostgres(t *testing.T) {
	storetest.Postgres(t)
	runConformance(t, func(t *testing.T) (string, string) {
		return "postgres", storetest.NewPostgresDB(t)
	})
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	_, err := store.Open(ctx, store.Config{Driver: "mysql", DSN: "x"})
	if !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("unknown driver: %v", err)
	}
	_, err = store.Open(ctx, store.Config{Driver: "sqlite"})
	if !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("no file: %v", err)
	}

	// A migrate command opens without migrating or keys, reports, then
	// migrates.
	dsn := filepath.Join(t.TempDir(), "orcidlink.db")
	s := storetest.OpenDSN(t, "sqlite", dsn, func(c *store.Config) { c.NoMigrate, c.Sealer = true, nil })
	if v, err := s.Version(ctx); err != nil || v != 0 {
		t.Fatalf("version before migrating: %d, %v", v, err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Version(ctx); err != nil || v != s.LatestVersion() {
		t.Fatalf("version after migrating: %d, %v", v, err)
	}
	// Without keys, secrets are refused, not mishandled.
	_, err = s.CreateCredential(ctx, store.Credential{Name: "n", Env: orcid.Sandbox, API: orcid.MemberAPI,
		ClientID: "APP-1", ClientSecret: "s"})
	if err == nil || !strings.Contains(err.Error(), "no encryption key") {
		t.Fatalf("secret without a key: %v", err)
	}
}
