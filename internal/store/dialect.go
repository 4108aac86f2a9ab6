package store

import (
	"bytes"
	"database/sql/driver"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/pressly/goose/v3"
)

// dialect is the whole difference between the two engines. The queries and
// the migrations are written once; the migrations use the schema words
// below as {{.ID}}, {{.Bytes}}, ... and the queries use "?" placeholders.
//
// Never change a schema word once a release has shipped: a migration that
// has already run must render the same on a new installation. Add a new
// word instead.
type dialect struct {
	name     string
	goose    goose.Dialect
	numbered bool // placeholders are $1, $2, ... instead of ?
	words    schemaWords
}

// schemaWords are the type names the migrations may use.
type schemaWords struct {
	ID    string // an auto-assigned 64-bit primary key
	Bytes string // binary data (sealed secrets, hashes, bodies)
	// Time holds a timestamp. SQLite has no timestamp type: there it is
	// fixed-width RFC 3339 text in UTC with microseconds (see timeText),
	// which sorts and compares correctly as text.
	Time string
	// ByteText is text that sorts byte by byte. PostgreSQL would otherwise
	// sort by the database's locale and disagree with SQLite about the
	// order of the people list.
	ByteText string
	// SessionExpiry is what the scs session stores write: a Julian day
	// number on SQLite (scs/sqlite3store), a timestamp on PostgreSQL
	// (scs/postgresstore).
	SessionExpiry string
	// Postgres is true on PostgreSQL, for the few statements only one
	// engine has ({{if .Postgres}}...{{else}}...{{end}}): trigram
	// indexes, trigger functions.
	Postgres bool
}

var (
	sqliteDialect = &dialect{
		name:  "sqlite",
		goose: goose.DialectSQLite3,
		words: schemaWords{
			// AUTOINCREMENT: ids are never reused, so a sealed value that
			// names a deleted row cannot come back to life in a new one.
			ID:            "INTEGER PRIMARY KEY AUTOINCREMENT",
			Bytes:         "BLOB",
			Time:          "TEXT",
			ByteText:      "TEXT", // SQLite's default collation is BINARY
			SessionExpiry: "REAL",
		},
	}
	postgresDialect = &dialect{
		name:     "postgres",
		goose:    goose.DialectPostgres,
		numbered: true,
		words: schemaWords{
			ID:            "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
			Bytes:         "BYTEA",
			Time:          "TIMESTAMPTZ",
			ByteText:      `TEXT COLLATE "C"`,
			SessionExpiry: "TIMESTAMPTZ",
			Postgres:      true,
		},
	}
)

// rebind rewrites the ? placeholders of a query for the dialect. A ? inside
// a quoted literal or identifier is left alone; the store's queries have
// none, but a future one might.
func (d *dialect) rebind(query string) string {
	if !d.numbered || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// timeLayout is how a timestamp crosses the driver boundary on both
// engines: UTC, fixed width, microseconds (PostgreSQL's precision, so both
// engines give back exactly what was stored). PostgreSQL parses it into
// TIMESTAMPTZ; SQLite keeps it as text that sorts chronologically.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// timeText is a time.Time as a query argument: NULL for the zero time.
type timeText time.Time

// Value implements driver.Valuer.
func (t timeText) Value() (driver.Value, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return nil, nil
	}
	return tt.UTC().Format(timeLayout), nil
}

// timeDest scans a timestamp from either engine into *t, in UTC: SQLite
// gives back our text, pgx a time.Time. NULL scans as the zero time.
type timeDest struct{ t *time.Time }

// Scan implements sql.Scanner.
func (d timeDest) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*d.t = time.Time{}
	case time.Time:
		*d.t = v.UTC()
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	default:
		return fmt.Errorf("store: cannot scan %T into a time", v)
	}
	return nil
}

func (d timeDest) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("store: bad timestamp %q: %w", s, err)
	}
	*d.t = t.UTC()
	return nil
}

// normTime is what a time becomes after a round trip through the database,
// for values the store returns without reading them back.
func normTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations renders the embedded migrations for the dialect into an
// in-memory file system that goose reads like any other.
func (d *dialect) migrations() (fs.FS, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	out := memFS{}
	for _, name := range names {
		src, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		tmpl, err := template.New(name).Option("missingkey=error").Parse(string(src))
		if err != nil {
			return nil, fmt.Errorf("store: migration %s: %w", name, err)
		}
		var b bytes.Buffer
		if err := tmpl.Execute(&b, d.words); err != nil {
			return nil, fmt.Errorf("store: migration %s: %w", name, err)
		}
		out[path.Base(name)] = b.Bytes()
	}
	return out, nil
}

// memFS is a flat, read-only, in-memory fs.FS: just what goose needs (Glob
// and Open) to read rendered migrations.
type memFS map[string][]byte

func (m memFS) Open(name string) (fs.File, error) {
	b, ok := m[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{name: name, Reader: bytes.NewReader(b), size: int64(len(b))}, nil
}

// Glob implements fs.GlobFS, so fs.Glob needs no directory listing.
func (m memFS) Glob(pattern string) ([]string, error) {
	var names []string
	for name := range m {
		ok, err := path.Match(pattern, name)
		if err != nil {
			return nil, err
		}
		if ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

type memFile struct {
	name string
	*bytes.Reader
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{f.name, f.size}, nil }
func (f *memFile) Close() error               { return nil }

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
