package testenv_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/testenv"
)

// TestMetadataSchemas: the published Crossref and JATS schemas are found
// where ORCIDLINK_METADATA_SCHEMAS says, else in the user's cache
// directory (where .ci/run unpacks them); a directory lacking any of them
// skips, or fails when required, saying how to get them.
func TestMetadataSchemas(t *testing.T) {
	full := t.TempDir()
	for _, f := range testenv.MetadataSchemaFiles {
		p := filepath.Join(full, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("<xsd:schema/>"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	partial := t.TempDir()
	cache := t.TempDir()
	inCache := filepath.Join(cache, "orcidlink", "metadata-schemas")
	home := t.TempDir()
	inHome := filepath.Join(home, ".cache", "orcidlink", "metadata-schemas")
	for _, dst := range []string{inCache, inHome} {
		if err := os.CopyFS(dst, os.DirFS(full)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		verdict testenv.Verdict
		value   string
	}{
		{"named by the environment", map[string]string{"ORCIDLINK_METADATA_SCHEMAS": full}, testenv.Run, full},
		{"in XDG_CACHE_HOME", map[string]string{"XDG_CACHE_HOME": cache}, testenv.Run, inCache},
		{"in ~/.cache", map[string]string{"HOME": home}, testenv.Run, inHome},
		{"nowhere", map[string]string{"HOME": t.TempDir()}, testenv.Skip, ""},
		{"incomplete", map[string]string{"ORCIDLINK_METADATA_SCHEMAS": partial}, testenv.Skip, ""},
		{"incomplete and required", map[string]string{"ORCIDLINK_METADATA_SCHEMAS": partial,
			"ORCIDLINK_REQUIRE": "Metadata-Schemas"}, testenv.Fail, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := testenv.Load(machine{env: tc.env}.config()).Find(context.Background(), testenv.MetadataSchemas)
			if err != nil {
				t.Fatal(err)
			}
			if f.Verdict != tc.verdict || f.Value != tc.value {
				t.Fatalf("Find = %+v, want %v %q", f, tc.verdict, tc.value)
			}
			if tc.verdict != testenv.Run && (!strings.Contains(f.Message(), "ORCIDLINK_METADATA_SCHEMAS") ||
				!strings.Contains(f.Message(), "@pubpub/deposit-utils@0.1.10")) {
				t.Errorf("the message does not say how to get them: %s", f.Message())
			}
		})
	}
}
