package testenv_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/testenv"
)

func TestParseRequire(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"postgres", []string{"postgres"}},
		{"xmllint, postgres", []string{"xmllint", "postgres"}},
		{" Chromium ,XMLLINT,, postgres ,orcid-model,", []string{"chromium", "xmllint", "postgres", "orcid-model"}},
		{"postgres,postgres", []string{"postgres"}},
	} {
		if got := testenv.ParseRequire(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("ParseRequire(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// machine is what an injected environment offers.
type machine struct {
	env   map[string]string
	tools map[string]string // name on PATH -> path
	wd    string
	pgErr error // what pinging the server gives
}

func (m machine) config() testenv.Config {
	return testenv.Config{
		Getenv: func(k string) string { return m.env[k] },
		LookPath: func(n string) (string, error) {
			if p, ok := m.tools[n]; ok {
				return p, nil
			}
			return "", exec.ErrNotFound
		},
		Getwd:        func() (string, error) { return m.wd, nil },
		PingPostgres: func(context.Context, string) error { return m.pgErr },
	}
}

// TestVerdicts: a need found runs; missing, it skips with a reason saying
// how to get it, and fails instead when ORCIDLINK_REQUIRE names it,
// whatever the spaces and case of ORCIDLINK_REQUIRE.
func TestVerdicts(t *testing.T) {
	// A checkout with the reference material beside it, and one without.
	root := t.TempDir()
	checkout := filepath.Join(root, "main")
	model := filepath.Join(root, "shared", "reference", "orcid-model")
	for _, d := range []string{filepath.Join(checkout, "internal", "pkg"), filepath.Join(model, "common_3.0"), filepath.Join(model, "record_3.0")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(checkout, "go.mod"), []byte("module example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(t.TempDir(), "main")
	if err := os.MkdirAll(filepath.Join(fresh, "internal", "pkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fresh, "go.mod"), []byte("module example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const pg = "postgres://postgres@127.0.0.1:1/postgres"
	for _, tc := range []struct {
		name     string
		m        machine
		need     string
		verdict  testenv.Verdict
		value    string
		contains string // in the message
	}{
		{"postgres missing, required with spaces", machine{env: map[string]string{"ORCIDLINK_REQUIRE": "xmllint, postgres"}},
			testenv.Postgres, testenv.Fail, "", "ORCIDLINK_TEST_POSTGRES is not set"},
		{"postgres missing, required in capitals", machine{env: map[string]string{"ORCIDLINK_REQUIRE": " POSTGRES "}},
			testenv.Postgres, testenv.Fail, "", "ORCIDLINK_TEST_POSTGRES is not set"},
		{"postgres missing, not required", machine{env: map[string]string{"ORCIDLINK_REQUIRE": "xmllint"}},
			testenv.Postgres, testenv.Skip, "", "set ORCIDLINK_REQUIRE=postgres to make this a failure"},
		{"postgres not answering, required", machine{env: map[string]string{"ORCIDLINK_REQUIRE": "postgres", "ORCIDLINK_TEST_POSTGRES": pg},
			pgErr: errors.New("connection\nrefused")}, testenv.Postgres, testenv.Fail, "", "does not answer: connection refused"},
		{"postgres answering", machine{env: map[string]string{"ORCIDLINK_REQUIRE": "postgres", "ORCIDLINK_TEST_POSTGRES": pg}},
			testenv.Postgres, testenv.Run, pg, ""},
		{"xmllint missing", machine{}, testenv.XMLLint, testenv.Skip, "", "apt-get install libxml2-utils"},
		{"xmllint found", machine{tools: map[string]string{"xmllint": "/usr/bin/xmllint"}}, testenv.XMLLint, testenv.Run, "/usr/bin/xmllint", ""},
		{"chromium under another name", machine{tools: map[string]string{"google-chrome": "/opt/chrome"}}, testenv.Chromium, testenv.Run, "/opt/chrome", ""},
		{"chromium missing, required", machine{env: map[string]string{"ORCIDLINK_REQUIRE": "chromium"}}, testenv.Chromium, testenv.Fail, "", "apt-get install chromium"},
		{"model beside the checkout", machine{wd: filepath.Join(checkout, "internal", "pkg")}, testenv.ORCIDModel, testenv.Run, model, ""},
		{"model from the environment", machine{wd: fresh, env: map[string]string{"ORCIDLINK_ORCID_MODEL": model}}, testenv.ORCIDModel, testenv.Run, model, ""},
		{"fresh clone, nothing beside it", machine{wd: filepath.Join(fresh, "internal", "pkg")}, testenv.ORCIDModel, testenv.Skip, "",
			"github.com/ORCID/orcid-model"},
		{"fresh clone, model required", machine{wd: fresh, env: map[string]string{"ORCIDLINK_REQUIRE": "orcid-model"}},
			testenv.ORCIDModel, testenv.Fail, "", "ORCIDLINK_ORCID_MODEL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := testenv.Load(tc.m.config()).Find(context.Background(), tc.need)
			if err != nil {
				t.Fatal(err)
			}
			if f.Verdict != tc.verdict || f.Value != tc.value {
				t.Fatalf("Find(%s) = %v %q, want %v %q (%s)", tc.need, f.Verdict, f.Value, tc.verdict, tc.value, f.Missing)
			}
			msg := f.Message()
			if !strings.Contains(msg, tc.contains) || strings.Contains(msg, "\n") || (tc.verdict == testenv.Run) != (msg == "") {
				t.Errorf("message %q: want one line containing %q", msg, tc.contains)
			}
		})
	}
}

func TestUnknownNames(t *testing.T) {
	env := testenv.Load(machine{env: map[string]string{"ORCIDLINK_REQUIRE": "chrome, postgres"}}.config())
	if got := env.Unknown(); !slices.Equal(got, []string{"chrome"}) {
		t.Errorf("Unknown() = %q, want [chrome]", got)
	}
	if _, err := env.Find(context.Background(), "chrome"); !errors.Is(err, testenv.ErrUnknownNeed) {
		t.Errorf("Find(chrome): %v, want ErrUnknownNeed", err)
	}
}

// TestNeedInATestProcess runs this test binary again as a test needing
// something the machine lacks: PostgreSQL without ORCIDLINK_TEST_POSTGRES,
// and ORCID's model in a fresh clone with nothing beside it. Named in
// ORCIDLINK_REQUIRE (with spaces), the need fails the test; otherwise the
// test skips, and says why in one line.
func TestNeedInATestProcess(t *testing.T) {
	if need := os.Getenv("TESTENV_CHILD_NEED"); need != "" {
		testenv.Need(t, need)
		t.Log("found", need)
		return
	}
	// A clone with nothing beside it: the child runs there.
	fresh := filepath.Join(t.TempDir(), "clone")
	if err := os.MkdirAll(fresh, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fresh, "go.mod"), []byte("module example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		need, require string
		wantFail      bool
		reason        string
	}{
		{testenv.Postgres, "xmllint, postgres", true, "ORCIDLINK_TEST_POSTGRES is not set"},
		{testenv.Postgres, "xmllint", false, "ORCIDLINK_TEST_POSTGRES is not set"},
		{testenv.ORCIDModel, "chromium, orcid-model", true, "no common_3.0 in " + filepath.Join(filepath.Dir(fresh), "shared")},
		{testenv.ORCIDModel, "", false, "https://github.com/ORCID/orcid-model"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestNeedInATestProcess$", "-test.v")
		cmd.Dir = fresh
		cmd.Env = append(os.Environ(), "TESTENV_CHILD_NEED="+tc.need, "ORCIDLINK_REQUIRE="+tc.require,
			"ORCIDLINK_TEST_POSTGRES=", "ORCIDLINK_ORCID_MODEL=")
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if failed := errors.As(err, &exit); failed != tc.wantFail || (err != nil && exit == nil) {
			t.Errorf("%s, ORCIDLINK_REQUIRE=%q: err %v, want failure %v\n%s", tc.need, tc.require, err, tc.wantFail, out)
		}
		want := "--- SKIP: TestNeedInATestProcess"
		if tc.wantFail {
			want = "--- FAIL: TestNeedInATestProcess"
		}
		if !strings.Contains(string(out), want) || !strings.Contains(string(out), tc.reason) {
			t.Errorf("%s, ORCIDLINK_REQUIRE=%q: output lacks %q and the reason %q:\n%s", tc.need, tc.require, want, tc.reason, out)
		}
	}
}
