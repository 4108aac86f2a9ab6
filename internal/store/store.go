// Package store is orcidlink's database: tenants and their ORCID
// credentials, people and their links to ORCID, invitations, OAuth states,
// the audit trail, the log of ORCID calls, administrators, the email outbox
// and web sessions.
//
// It runs on SQLite (the embedded default, pure Go, one process) and on
// PostgreSQL (production, several processes). The SQL is written once; the
// few places where the engines differ are the dialect table in dialect.go.
// Migrations are embedded and run by goose when the store opens. One
// conformance suite (conformance*_test.go) runs against both engines.
//
// Secrets (client secrets, ORCID tokens) are sealed with a seal.Ring before
// they reach the database and opened on the way out. Times go in and come
// out in UTC, with microsecond precision.
//
// Every method that reads or changes a tenant's people, links or
// invitations takes the tenant's id, and a row of another tenant is
// ErrNotFound: isolation is part of the signatures, not left to callers.
//
// Methods are available on *Store, each in its own transaction where it
// needs one, and on *Tx, inside a transaction opened by (*Store).InTx.
//
// To change the schema, add a numbered file to migrations/ (never edit one
// that has shipped), using the dialect's schema words where the engines'
// types differ. Tests of other packages get a real store from storetest.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/orcidlink/orcidlink/internal/seal"
)

// Config says which database to open.
type Config struct {
	// Driver is "sqlite" or "postgres".
	Driver string
	// DSN is, for SQLite, a file path (or a "file:" URI; the store adds
	// the pragmas it relies on), and for PostgreSQL a connection URL or
	// key=value string as libpq accepts.
	DSN string
	// Sealer seals secrets. It may be nil for commands that only migrate;
	// methods that touch a secret then fail.
	Sealer *seal.Ring
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// NoMigrate opens without running migrations, for commands that report
	// the schema version without changing it.
	NoMigrate bool
	// MaxConns is the size of the PostgreSQL pool (default
	// DefaultMaxConns), every connection of which is kept while idle;
	// ConnMaxIdleTime closes one unused that long (default
	// DefaultConnMaxIdleTime). SQLite has one connection whatever they say.
	MaxConns        int
	ConnMaxIdleTime time.Duration
}

// Defaults of the PostgreSQL pool (Config.MaxConns, ConnMaxIdleTime).
const (
	DefaultMaxConns        = 16
	DefaultConnMaxIdleTime = 5 * time.Minute
)

// Store is the database. It is safe for concurrent use.
type Store struct {
	ops
	db    *sql.DB
	goose *goose.Provider
}

// Open connects, configures the connection pool for the engine and, unless
// cfg.NoMigrate, brings the schema up to date.
func Open(ctx context.Context, cfg Config) (_ *Store, err error) {
	defer wrap(&err, "open %s", cfg.Driver)
	var d *dialect
	var db *sql.DB
	switch cfg.Driver {
	case "sqlite":
		d = sqliteDialect
		dsn, err := sqliteDSN(cfg.DSN)
		if err != nil {
			return nil, err
		}
		if db, err = sql.Open("sqlite", dsn); err != nil {
			return nil, err
		}
		// One connection. SQLite allows one writer at a time; with a pool,
		// two writers in this process would fight over the file lock and
		// one would get SQLITE_BUSY mid-transaction. Serialising them here
		// costs nothing at our scale and is what River's SQLite driver asks
		// for too. Consequence: inside InTx, use only the *Tx.
		db.SetMaxOpenConns(1)
		// Keep that connection for the life of the store (the defaults,
		// said out loud): a ":memory:" database lives only as long as it.
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	case "postgres":
		d = postgresDialect
		cc, err := pgx.ParseConfig(cfg.DSN)
		if err != nil {
			return nil, fmt.Errorf("%w: database URL: %w", ErrInvalid, err)
		}
		// Unless the URL says otherwise: no JIT compilation, which
		// PostgreSQL starts for any query it estimates costly and which
		// costs a third of a second before the first row (a people count
		// at a million people); and a plan made for each query's own
		// arguments, since a plan made once for any argument reads the
		// whole outbox or list for a search that an index answers
		// (doc/performance.md, "bench scale").
		for k, v := range map[string]string{"jit": "off", "plan_cache_mode": "force_custom_plan"} {
			if _, set := cc.RuntimeParams[k]; !set {
				cc.RuntimeParams[k] = v
			}
		}
		db = stdlib.OpenDB(*cc)
		// A bounded pool: several orcidlink processes share the server's
		// max_connections. Every connection it may open it may also keep
		// idle: with fewer idle than open, a burst of requests closes each
		// connection it cannot keep as soon as it is returned, and the next
		// request opens a new session (a new PostgreSQL backend, tens of
		// milliseconds under load): at 16 concurrent clients, 16 open and 4
		// idle made 173 sessions in 10 s and a p99 of a second. Idle ones
		// still go after ConnMaxIdleTime, so a quiet process gives its
		// sessions back. (doc/performance.md has the measurements.)
		n := cmp.Or(max(cfg.MaxConns, 0), DefaultMaxConns)
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
		db.SetConnMaxIdleTime(cmp.Or(max(cfg.ConnMaxIdleTime, 0), DefaultConnMaxIdleTime))
	default:
		return nil, fmt.Errorf("%w: driver %q must be \"sqlite\" or \"postgres\"", ErrInvalid, cfg.Driver)
	}
	s := &Store{db: db}
	defer func() {
		if err != nil {
			db.Close()
		}
	}()
	if err := db.PingContext(ctx); err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s.ops = ops{q: db, d: d, ring: cfg.Sealer, clock: now, db: db, people: newPeopleCounts()}

	fsys, err := d.migrations()
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if d == postgresDialect {
		// Several processes may start at once against one database: a
		// session-level advisory lock lets one of them migrate.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	if s.goose, err = goose.NewProvider(d.goose, db, fsys, opts...); err != nil {
		return nil, err
	}
	if !cfg.NoMigrate {
		if err := s.Migrate(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// sqliteDSN adds what the store relies on to a SQLite path or URI:
//   - WAL journal: readers do not block the writer, and a crash cannot
//     leave a half-written transaction.
//   - foreign_keys: SQLite ignores REFERENCES unless told otherwise, per
//     connection; tenant isolation leans on the foreign keys.
//   - busy_timeout: another process (orcidlink migrate, rotate-key) may
//     hold the write lock for a moment; wait instead of failing.
//   - _txlock=immediate: a transaction takes the write lock when it
//     begins, not at its first write, so two transactions cannot both
//     read and then deadlock upgrading (SQLITE_BUSY that no timeout cures).
//   - _time_format=sqlite: times that other code (scs, River) passes as
//     time.Time are written in a form SQLite's date functions read. The
//     store itself passes text (see timeText).
func sqliteDSN(dsn string) (string, error) {
	if dsn == "" {
		return "", fmt.Errorf("%w: SQLite needs a database file", ErrInvalid)
	}
	if !strings.HasPrefix(dsn, "file:") {
		dsn = "file:" + dsn
	}
	params := url.Values{}
	params.Set("_journal_mode", "WAL")
	params.Set("_foreign_keys", "1")
	params.Set("_busy_timeout", "10000")
	params.Set("_txlock", "immediate")
	params.Set("_time_format", "sqlite")
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + params.Encode(), nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// DB is the underlying pool, for code that needs a *sql.DB of its own: the
// web sessions (scs/sqlite3store or scs/postgresstore over the sessions
// table) and the SQLite job queue (riversqlite).
func (s *Store) DB() *sql.DB { return s.db }

// Driver is "sqlite" or "postgres".
func (s *Store) Driver() string { return s.d.name }

// Migrate applies every pending migration. Open does this already; it is
// here for an explicit `orcidlink migrate`.
func (s *Store) Migrate(ctx context.Context) (err error) {
	defer wrap(&err, "migrate")
	_, err = s.goose.Up(ctx)
	return err
}

// Version is the schema version the database is at (0 before the first
// migration).
func (s *Store) Version(ctx context.Context) (_ int64, err error) {
	defer wrap(&err, "schema version")
	return s.goose.GetDBVersion(ctx)
}

// LatestVersion is the schema version this build migrates to.
func (s *Store) LatestVersion() int64 {
	srcs := s.goose.ListSources()
	if len(srcs) == 0 {
		return 0
	}
	return srcs[len(srcs)-1].Version
}

// Tx is a database transaction: every store method, plus access to the
// transaction itself for code that must write in the same transaction
// (the job queue).
type Tx struct {
	ops
	tx   *sql.Tx
	conn *sql.Conn
}

// InTx runs fn in one transaction, committed if fn returns nil and rolled
// back otherwise (or if it panics).
//
// Inside fn, use only tx: on SQLite the store has a single connection,
// which the transaction holds, so a call on the *Store would wait forever.
// On PostgreSQL, a statement that fails (a unique violation, say) aborts
// the transaction: after such an error, return it. The store checks the
// expected failures (a missing row, an iD connected to someone else)
// before writing, so those leave the transaction usable on both engines.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	// The transaction runs on a connection of its own so that Tx.WithPgx
	// can reach the same server session as the transaction.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	tx := &Tx{ops: s.ops, tx: sqlTx, conn: conn}
	tx.ops.q, tx.ops.db = sqlTx, nil
	done := false
	defer func() {
		if !done {
			sqlTx.Rollback() // fn panicked; the panic goes on
		}
	}()
	err = fn(tx)
	var endAudit func(committed bool)
	if err == nil {
		// The event WithAudit attached, if no transaction wrote it yet.
		endAudit, err = tx.carryAudit(ctx)
	}
	done = true
	if err != nil {
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("store: rollback: %w", rbErr))
		}
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		endAudit(false)
		return fmt.Errorf("store: commit: %w", err)
	}
	endAudit(true)
	return nil
}

// SQL is the transaction itself. On SQLite this is what River's
// riversqlite driver takes for a transactional insert
// (client.InsertTx(ctx, tx.SQL(), args)).
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// WithPgx runs fn with the pgx connection the transaction runs on
// (PostgreSQL only). Anything fn executes on conn is part of the
// transaction: database/sql sent BEGIN on that same server session.
//
// This is how the job queue joins a store transaction on PostgreSQL,
// where River's riverpgxv5 driver wants a pgx.Tx: wrap conn in a pgx.Tx
// whose Exec/Query/QueryRow/Begin go to conn (Begin as a SAVEPOINT) and
// whose Commit and Rollback do nothing, and call client.InsertTx with it
// inside fn. The mechanics are database/sql's: (*sql.Conn).Raw hands over
// the driver connection (a *stdlib.Conn, whose Conn method is the
// *pgx.Conn) for the duration of fn. Do not keep conn after fn returns,
// and do not use the Tx's other methods inside fn: Raw holds the
// connection's lock.
func (tx *Tx) WithPgx(fn func(conn *pgx.Conn) error) error {
	if tx.d != postgresDialect {
		return errors.New("store: WithPgx needs PostgreSQL")
	}
	return tx.conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: driver connection is %T, not *stdlib.Conn", driverConn)
		}
		return fn(c.Conn())
	})
}

// querier is what every store method runs its SQL through. *sql.DB and
// *sql.Tx (and *sql.Conn) satisfy it, so one method body serves both a
// call on the Store and a call inside InTx.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ops carries the store's methods; Store and Tx embed it, bound to the pool
// and to a transaction respectively.
type ops struct {
	q     querier
	d     *dialect
	ring  *seal.Ring
	clock func() time.Time
	db    *sql.DB // nil inside a transaction
	// people keeps large tenants' people counts between views (counts.go).
	people *peopleCounts
}

func (o *ops) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return o.q.ExecContext(ctx, o.d.rebind(query), args...)
}

func (o *ops) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return o.q.QueryContext(ctx, o.d.rebind(query), args...)
}

func (o *ops) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return o.q.QueryRowContext(ctx, o.d.rebind(query), args...)
}

// atomic runs fn in a transaction: a new one when called on the Store, the
// caller's when already inside InTx. A new one also carries the audit event
// attached to ctx (WithAudit), as InTx does.
func (o *ops) atomic(ctx context.Context, fn func(o *ops) error) error {
	if o.db == nil {
		return fn(o)
	}
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit
	inner := *o
	inner.q, inner.db = tx, nil
	if err := fn(&inner); err != nil {
		return err
	}
	// The event WithAudit attached, if no transaction wrote it yet: this
	// transaction is the change it records.
	endAudit, err := inner.carryAudit(ctx)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		endAudit(false)
		return fmt.Errorf("commit: %w", err)
	}
	endAudit(true)
	return nil
}

// now is the clock, rounded as the database will store it.
func (o *ops) now() time.Time { return normTime(o.clock()) }

func (o *ops) sealer() (*seal.Ring, error) {
	if o.ring == nil {
		return nil, errors.New("no encryption key configured")
	}
	return o.ring, nil
}

// exists reports whether a query returns a row.
func (o *ops) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := o.queryRow(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// affected turns "no row changed" into ErrNotFound.
func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// notFound turns sql.ErrNoRows into ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect reads every row of a query with scan.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Helpers for nullable columns: the store's types use zero values for
// "none" (0 for an id, "" for a string), the database uses NULL.

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullable scans a NULL as the zero value.
type nullable[T any] struct{ v *T }

func (n nullable[T]) Scan(src any) error {
	if src == nil {
		var zero T
		*n.v = zero
		return nil
	}
	var ns sql.Null[T]
	if err := ns.Scan(src); err != nil {
		return err
	}
	*n.v = ns.V
	return nil
}

func limitOr(limit, def, max int) int {
	if limit <= 0 {
		return def
	}
	return min(limit, max)
}

// qualify prefixes each column of a column list with a table alias, for
// queries that join.
func qualify(alias, cols string) string {
	fields := strings.Split(cols, ",")
	for i, f := range fields {
		fields[i] = alias + "." + strings.TrimSpace(f)
	}
	return strings.Join(fields, ", ")
}
