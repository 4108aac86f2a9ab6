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
			// Each schema word the migration names is in its rendering
			// (left-over actions are caught above). A table of integers and
			// text alone names none.
			raw, err := fs.ReadFile(migrationFiles, "migrations/"+name)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for word, rendered := range map[string]string{"{{.ID}}": d.words.ID, "{{.Time}}": d.words.Time,
				"{{.Bytes}}": d.words.Bytes, "{{.ByteText}}": d.words.ByteText} {
				if strings.Contains(string(raw), word) && !strings.Contains(src, rendered) {
					t.Errorf("%s: %s: schema word %s missing", d.name, name, word)
				}
			}
		}
	}
}
