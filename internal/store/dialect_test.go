package store

import (
	"io/fs"
	"strings"
	"testing"
)

func TestRebind(t *testing.T) {
	tests := []struct{ in, sqlite, postgres string }{
		{"SELECT 1", "SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = ? AND b = ?", "a = $1 AND b = $2"},
		{"a = '?' AND b = ?", "a = '?' AND b = ?", "a = '?' AND b = $1"},
		{`"odd?" = ? OR x LIKE ? ESCAPE '\'`, `"odd?" = ? OR x LIKE ? ESCAPE '\'`, `"odd?" = $1 OR x LIKE $2 ESCAPE '\'`},
	}
	for _, tc := range tests {
		if got := sqliteDialect.rebind(tc.in); got != tc.sqlite {
			t.Errorf("sqlite rebind(%q) = %q, want %q", tc.in, got, tc.sqlite)
		}
		if got := postgresDialect.rebind(tc.in); got != tc.postgres {
			t.Errorf("postgres rebind(%q) = %q, want %q", tc.in, got, tc.postgres)
		}
	}
}

// TestMigrationsRender checks that every migration renders for both
// dialects with no template action left, and that the words landed.
func TestMigrationsRender(t *testing.T) {
	for _, d := range []*dialect{sqliteDialect, postgresDialect} {
		fsys, err := d.migrations()
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		names, err := fs.Glob(fsys, "*.sql")
		if err != nil || len(names) == 0 {
			t.Fatalf("%s: no migrations (%v)", d.name, err)
		}
		for _, name := range names {
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				t.Fatalf("%s: %s: %v", d.name, name, err)
			}
			src := string(b)
			if strings.Contains(src, "{{") {
				t.Errorf("%s: %s: template action left over", d.name, name)
			}
			// Every migration that makes a table makes one with an id or a
			// time: its rendering shows the dialect's words went in
			// (left-over actions are caught above). One that only adds a
			// column has no words to check.
			if strings.Contains(src, "CREATE TABLE") && !strings.Contains(src, d.words.ID) && !strings.Contains(src, d.words.Time) {
				t.Errorf("%s: %s: schema words missing", d.name, name)
			}
		}
	}
}
