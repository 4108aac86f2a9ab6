// Package storetest gives tests real databases, never mocks: a migrated
// store on a fresh SQLite file or a fresh PostgreSQL database (made and
// dropped by package testenv, which also decides whether a test without
// a PostgreSQL server skips or fails).
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/orcidlink/orcidlink/internal/seal"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/testenv"
)

// Postgres returns the DSN of the test PostgreSQL server after checking
// that it answers, or ends the test (testenv.PostgresServer).
func Postgres(t testing.TB) string {
	t.Helper()
	return testenv.PostgresServer(t)
}

// NewPostgresDB creates an empty database with a random name on the test
// server, drops it when the test ends, and returns its DSN
// (testenv.NewPostgresDB).
func NewPostgresDB(t testing.TB) string {
	t.Helper()
	return testenv.NewPostgresDB(t)
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
