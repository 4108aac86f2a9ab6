// Package storetest gives tests real databases, never mocks: a migrated
// store on a fresh SQLite file or a fresh PostgreSQL database, and the
// rule for tests that need something the machine may lack: they skip with
// a message, unless ORCIDLINK_REQUIRE (comma-separated) names it, and then
// they fail. CI sets ORCIDLINK_REQUIRE so that nothing is silently skipped.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/orcidlink/orcidlink/internal/seal"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Environment variables the helpers read.
const (
	// EnvPostgres holds the DSN of a PostgreSQL server the tests may create
	// databases on, e.g. postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable.
	EnvPostgres = "ORCIDLINK_TEST_POSTGRES"
	// EnvRequire lists tools whose absence fails tests instead of skipping
	// them, e.g. "postgres,chromium".
	EnvRequire = "ORCIDLINK_REQUIRE"
)

// Require reports whether ORCIDLINK_REQUIRE names tool.
func Require(t testing.TB, tool string) bool {
	t.Helper()
	return slices.Contains(strings.Split(os.Getenv(EnvRequire), ","), tool)
}

// Unavailable ends the test because tool is missing: a skip, or a failure
// when ORCIDLINK_REQUIRE names the tool.
func Unavailable(t testing.TB, tool, why string) {
	t.Helper()
	if Require(t, tool) {
		t.Fatalf("%s is required (%s names it) but unavailable: %s", tool, EnvRequire, why)
	}
	t.Skipf("skipping: %s unavailable: %s (set %s=%s to make this a failure)", tool, why, EnvRequire, tool)
}

// Postgres returns the DSN of the test PostgreSQL server after checking
// that it answers, or ends the test through Unavailable.
func Postgres(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvPostgres)
	if dsn == "" {
		Unavailable(t, "postgres", EnvPostgres+" is not set")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		Unavailable(t, "postgres", err.Error())
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		Unavailable(t, "postgres", "cannot reach the server in "+EnvPostgres+": "+err.Error())
	}
	return dsn
}

// NewPostgresDB creates an empty database with a random name on the test
// server, drops it when the test ends, and returns its DSN. Tests that
// each use their own database never see each other, even when run at the
// same time.
func NewPostgresDB(t testing.TB) string {
	t.Helper()
	server := Postgres(t)
	name := "orcidlink_test_" + hex.EncodeToString(randomBytes(6))
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		// FORCE: a connection the test leaked must not leave the database behind.
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return withDatabase(t, server, name)
}

// withDatabase points a DSN, URL or key=value, at another database.
func withDatabase(t testing.TB, dsn, name string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("%s: %v", EnvPostgres, err)
		}
		u.Path = "/" + name
		return u.String()
	}
	return dsn + " dbname=" + name // in key=value form the last one wins
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// Test keys, fixed so that failures reproduce. Never use them for real data.
const (
	Key1 = "test1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	Key2 = "test2:202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
)

// Ring builds a key ring from "ID:HEX" keys, the first primary; none
// means Key1 alone.
func Ring(t testing.TB, keys ...string) *seal.Ring {
	t.Helper()
	if len(keys) == 0 {
		keys = []string{Key1}
	}
	var ks []seal.Key
	for _, k := range keys {
		key, err := seal.ParseKey(k)
		if err != nil {
			t.Fatal(err)
		}
		ks = append(ks, key)
	}
	r, err := seal.NewRing(ks...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// NewDSN returns a fresh, empty database for driver ("sqlite": a file in
// t.TempDir(); "postgres": see NewPostgresDB).
func NewDSN(t testing.TB, driver string) string {
	t.Helper()
	switch driver {
	case "sqlite":
		return filepath.Join(t.TempDir(), "orcidlink.db")
	case "postgres":
		return NewPostgresDB(t)
	}
	t.Fatalf("storetest: unknown driver %q", driver)
	return ""
}

// Open opens a migrated store on a fresh database of driver, with the Key1
// ring and the real clock unless edit changes them, and closes it when
// the test ends. Most tests want Open(t, "sqlite", nil).
func Open(t testing.TB, driver string, edit func(*store.Config)) *store.Store {
	t.Helper()
	return OpenDSN(t, driver, NewDSN(t, driver), edit)
}

// OpenDSN is Open on a given database, for tests that reopen one.
func OpenDSN(t testing.TB, driver, dsn string, edit func(*store.Config)) *store.Store {
	t.Helper()
	cfg := store.Config{Driver: driver, DSN: dsn, Sealer: Ring(t)}
	if edit != nil {
		edit(&cfg)
	}
	s, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open %s store: %v", driver, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}

// Engines runs a test once per database engine, as subtests "sqlite" and
// "postgres"; the PostgreSQL run skips without a server unless
// ORCIDLINK_REQUIRE names postgres.
func Engines(t *testing.T, run func(t *testing.T, driver string)) {
	t.Run("sqlite", func(t *testing.T) { run(t, "sqlite") })
	t.Run("postgres", func(t *testing.T) {
		Postgres(t)
		run(t, "postgres")
	})
}
