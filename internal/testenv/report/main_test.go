package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/testenv"
)

// TestReport: on a fresh clone with nothing installed, the report lists
// every need with the reason its tests skip, and passes; with
// ORCIDLINK_REQUIRE naming a missing need it says FAIL and does not pass.
func TestReport(t *testing.T) {
	fresh := filepath.Join(t.TempDir(), "clone")
	if err := os.MkdirAll(fresh, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fresh, "go.mod"), []byte("module example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		require string
		ok      bool
		want    []string
	}{
		{"", true, []string{"postgres          tests needing it skip: ORCIDLINK_TEST_POSTGRES is not set",
			"orcid-model       tests needing it skip: no common_3.0", "chromium          tests needing it skip:", "xmllint           tests needing it skip:"}},
		{"xmllint, Postgres", false, []string{"postgres          tests needing it FAIL", "xmllint           tests needing it FAIL"}},
		{"chrome", true, []string{"note: ORCIDLINK_REQUIRE also names chrome"}},
	} {
		env := testenv.Load(testenv.Config{
			Getenv: func(k string) string {
				if k == testenv.EnvRequire {
					return tc.require
				}
				return ""
			},
			LookPath: func(string) (string, error) { return "", exec.ErrNotFound },
			Getwd:    func() (string, error) { return fresh, nil },
		})
		var out bytes.Buffer
		if ok := report(context.Background(), &out, env); ok != tc.ok {
			t.Errorf("ORCIDLINK_REQUIRE=%q: report ok = %v, want %v\n%s", tc.require, ok, tc.ok, out.String())
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("ORCIDLINK_REQUIRE=%q: report lacks %q:\n%s", tc.require, w, out.String())
			}
		}
	}
}
