package sandbox

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite" // registers the pure-Go "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Errors the store returns for callers to branch on.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
)

// store is the registry's SQLite database. The emulator is a single-process
// program, so one connection serialises every statement: no SQLITE_BUSY, and
// ":memory:" databases stay one database.
type store struct {
	db *sql.DB
}

func openStore(ctx context.Context, path string) (*store, error) {
	dsn := path
	if path == ":memory:" || path == "" {
		dsn = ":memory:"
	} else {
		dsn = "file:" + path + "?_pragma=journal_mode(WAL)"
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	dsn += sep + "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open registry database %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open registry database %s: %w", path, err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("registry migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate registry database %s: %w", path, err)
	}
	return &store{db: db}, nil
}

func (s *store) Close() error { return s.db.Close() }

func unix(t time.Time) int64 { return t.UnixMilli() }

func fromUnix(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// Email is a message the registry "sent": kept in the outbox, never delivered.
type Email struct {
	ID        int64
	To        string
	Subject   string
	Body      string
	CreatedAt time.Time
}

func (s *store) AddEmail(ctx context.Context, e Email) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO emails (recipient, subject, body, created_at) VALUES (?, ?, ?, ?)`,
		e.To, e.Subject, e.Body, unix(e.CreatedAt))
	return err
}

func (s *store) Emails(ctx context.Context) ([]Email, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, recipient, subject, body, created_at FROM emails ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Email
	for rows.Next() {
		var e Email
		var created int64
		if err := rows.Scan(&e.ID, &e.To, &e.Subject, &e.Body, &created); err != nil {
			return nil, err
		}
		e.CreatedAt = fromUnix(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// signingKeyPEM returns the stored OpenID Connect signing key, or ErrNotFound.
func (s *store) signingKeyPEM(ctx context.Context) (kid, pem string, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT kid, private_pem FROM signing_keys ORDER BY created_at DESC LIMIT 1`).Scan(&kid, &pem)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", ErrNotFound
	}
	return kid, pem, err
}

func (s *store) saveSigningKey(ctx context.Context, kid, pem string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO signing_keys (kid, private_pem, created_at) VALUES (?, ?, ?)`, kid, pem, unix(now))
	return err
}

// isUniqueViolation tells a broken unique rule by SQLite's extended result
// code (modernc turns extended codes on), not by its message.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}
