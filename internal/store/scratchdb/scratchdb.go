// Package scratchdb creates throwaway PostgreSQL databases on a server and
// drops them: one per test (testenv) or per benchmark run (testbed), so
// that runs never see each other's data, even at the same time. It
// imports no testing package.
package scratchdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Ping checks that the PostgreSQL server of dsn answers within timeout.
func Ping(ctx context.Context, dsn string, timeout time.Duration) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return db.PingContext(ctx)
}

// Create makes a database named prefix plus random hex digits on the
// server of dsn and returns its DSN and a function that drops it, closing
// any connection still open to it.
func Create(ctx context.Context, dsn, prefix string) (_ string, drop func() error, err error) {
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, fmt.Errorf("scratchdb: %w", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("scratchdb: create database %s: %w", name, err)
	}
	drop = func() error {
		defer admin.Close()
		// FORCE: a connection left open must not leave the database behind.
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("scratchdb: drop database %s: %w", name, err)
		}
		return nil
	}
	u, err := WithDatabase(dsn, name)
	if err != nil {
		return "", nil, errors.Join(err, drop())
	}
	return u, drop, nil
}

// WithDatabase points a PostgreSQL DSN, URL or key=value, at the database
// name.
func WithDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("scratchdb: PostgreSQL URL: %w", err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return dsn + " dbname=" + name, nil // in key=value form the last one wins
}
