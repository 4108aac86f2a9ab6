// Package testenv is the one place tests learn what the machine offers
// them: Chromium, xmllint, a PostgreSQL server and ORCID's orcid-model
// files. A test that needs one of them and does not find it skips with a
// one-line reason saying how to get it, unless ORCIDLINK_REQUIRE names it:
// then it fails, so that CI (which sets ORCIDLINK_REQUIRE) never passes
// by skipping. ORCIDLINK_REQUIRE is read once per test process.
//
// Only tests import this package (it imports testing); `go run
// ./internal/testenv/report` says, with the same code, what would skip and
// why.
package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store/scratchdb"
)

// Environment variables tests read.
const (
	// EnvRequire lists, comma-separated, what must fail tests rather than
	// skip them when missing, e.g. "chromium, xmllint, postgres,
	// orcid-model". Spaces and case do not matter.
	EnvRequire = "ORCIDLINK_REQUIRE"
	// EnvPostgres is the DSN of a PostgreSQL server on which tests may
	// create (and drop) databases, e.g.
	// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
	EnvPostgres = "ORCIDLINK_TEST_POSTGRES"
	// EnvORCIDModel is the directory of ORCID's orcid-model files
	// (common_3.0 and record_3.0); unset, ../shared/reference/orcid-model
	// beside the checkout.
	EnvORCIDModel = "ORCIDLINK_ORCID_MODEL"
	// EnvMetadataSchemas is the directory of the published schemas the
	// journal metadata is validated against (Crossref's deposit schema
	// 5.3.1 and JATS 1.3 in XSD form); unset, orcidlink/metadata-schemas
	// in the user's cache directory, where .ci/run installs them.
	EnvMetadataSchemas = "ORCIDLINK_METADATA_SCHEMAS"
)

// What tests may need, as ORCIDLINK_REQUIRE names them.
const (
	Chromium   = "chromium"
	XMLLint    = "xmllint"
	Postgres   = "postgres"
	ORCIDModel = "orcid-model"
	// MetadataSchemas: Crossref's and JATS's schemas (EnvMetadataSchemas).
	MetadataSchemas = "metadata-schemas"
)

// Needs lists every name Find knows, in the order the report shows them.
func Needs() []string { return []string{Chromium, XMLLint, Postgres, ORCIDModel, MetadataSchemas} }

// ParseRequire splits an ORCIDLINK_REQUIRE value: comma-separated names,
// surrounding spaces and case ignored, empty entries dropped.
func ParseRequire(s string) []string {
	var names []string
	for f := range strings.SplitSeq(s, ",") {
		if n := strings.ToLower(strings.TrimSpace(f)); n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// Config is where an Env looks; zero fields mean the process's own
// environment, PATH and working directory. Tests of this package inject
// them.
type Config struct {
	Getenv   func(string) string
	LookPath func(string) (string, error)
	Getwd    func() (string, error)
	// PingPostgres checks that a server answers; nil dials it.
	PingPostgres func(ctx context.Context, dsn string) error
}

// Env answers what the machine offers, from one reading of the
// environment; answers are remembered, so that a server that does not
// answer costs its timeout once, not once per test.
type Env struct {
	cfg      Config
	required []string

	mu    sync.Mutex
	found map[string]Finding
}

// Load reads the environment of cfg.
func Load(cfg Config) *Env {
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	if cfg.LookPath == nil {
		cfg.LookPath = exec.LookPath
	}
	if cfg.Getwd == nil {
		cfg.Getwd = os.Getwd
	}
	if cfg.PingPostgres == nil {
		cfg.PingPostgres = func(ctx context.Context, dsn string) error {
			return scratchdb.Ping(ctx, dsn, 5*time.Second)
		}
	}
	return &Env{cfg: cfg, required: ParseRequire(cfg.Getenv(EnvRequire)), found: map[string]Finding{}}
}

// process is the test process's Env. It is package state on purpose:
// ORCIDLINK_REQUIRE is parsed, and each need looked for, once per process
// rather than once per test.
var process = sync.OnceValue(func() *Env { return Load(Config{}) })

// Process is the Env of the running process.
func Process() *Env { return process() }

// Required reports whether ORCIDLINK_REQUIRE names name.
func (e *Env) Required(name string) bool { return slices.Contains(e.required, strings.ToLower(name)) }

// Unknown are the names ORCIDLINK_REQUIRE lists that no test needs
// (a typo, most likely).
func (e *Env) Unknown() []string {
	var out []string
	for _, n := range e.required {
		if !slices.Contains(Needs(), n) {
			out = append(out, n)
		}
	}
	return out
}

// Verdict is what a test needing something does.
type Verdict int

// Verdicts.
const (
	Run  Verdict = iota // found: the test runs
	Skip                // missing, not required: the test skips
	Fail                // missing and required: the test fails
)

func (v Verdict) String() string {
	switch v {
	case Run:
		return "run"
	case Skip:
		return "skip"
	default:
		return "fail"
	}
}

// Finding is what Find learned about one need.
type Finding struct {
	Name string
	// Value is the path of the tool or directory, or the PostgreSQL DSN;
	// "" when missing.
	Value string
	// Missing says in one line why it is missing and how to provide it;
	// "" when found.
	Missing string
	Verdict Verdict
}

// Message is the one line a test prints when it skips or fails for want
// of the need; "" when it runs.
func (f Finding) Message() string {
	switch f.Verdict {
	case Skip:
		return fmt.Sprintf("skipped: needs %s: %s (set %s=%s to make this a failure)", f.Name, f.Missing, EnvRequire, f.Name)
	case Fail:
		return fmt.Sprintf("%s names %s, which is missing: %s", EnvRequire, f.Name, f.Missing)
	}
	return ""
}

// ErrUnknownNeed is returned by Find for a name no test needs.
var ErrUnknownNeed = errors.New("testenv: unknown need")

// Find looks for name (one of Needs) and decides what a test needing it
// does.
func (e *Env) Find(ctx context.Context, name string) (Finding, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if f, ok := e.found[name]; ok {
		return f, nil
	}
	f := Finding{Name: name}
	switch name {
	case Chromium:
		f.Value, f.Missing = e.lookFor([]string{"chromium", "chromium-browser", "google-chrome"},
			"Debian: apt-get install chromium")
	case XMLLint:
		f.Value, f.Missing = e.lookFor([]string{"xmllint"}, "Debian: apt-get install libxml2-utils")
	case Postgres:
		f.Value, f.Missing = e.postgres(ctx)
	case ORCIDModel:
		f.Value, f.Missing = e.orcidModel()
	case MetadataSchemas:
		f.Value, f.Missing = e.metadataSchemas()
	default:
		return f, fmt.Errorf("%w %q (known: %s)", ErrUnknownNeed, name, strings.Join(Needs(), ", "))
	}
	switch {
	case f.Missing == "":
		f.Verdict = Run
	case e.Required(name):
		f.Verdict = Fail
	default:
		f.Verdict = Skip
	}
	e.found[name] = f
	return f, nil
}

func (e *Env) lookFor(names []string, install string) (path, missing string) {
	for _, n := range names {
		if p, err := e.cfg.LookPath(n); err == nil {
			return p, ""
		}
	}
	return "", fmt.Sprintf("%s not found on PATH (%s)", strings.Join(names, ", "), install)
}

func (e *Env) postgres(ctx context.Context) (dsn, missing string) {
	dsn = e.cfg.Getenv(EnvPostgres)
	if dsn == "" {
		return "", EnvPostgres + " is not set (the DSN of a PostgreSQL server tests may create databases on, " +
			"e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)"
	}
	if err := e.cfg.PingPostgres(ctx, dsn); err != nil {
		return "", fmt.Sprintf("the PostgreSQL server in %s does not answer: %s", EnvPostgres, oneLine(err.Error()))
	}
	return dsn, ""
}

// orcidModel finds ORCID's orcid-model directory: EnvORCIDModel, else
// ../shared/reference/orcid-model from the module root (the directory
// holding go.mod, above the working directory).
func (e *Env) orcidModel() (dir, missing string) {
	how := "copy common_3.0 and record_3.0 from https://github.com/ORCID/orcid-model (src/main/resources) there, or set " +
		EnvORCIDModel + " to their parent directory"
	dir = e.cfg.Getenv(EnvORCIDModel)
	if dir == "" {
		root, err := e.moduleRoot()
		if err != nil {
			return "", err.Error() + "; set " + EnvORCIDModel +
				" to the parent of common_3.0 and record_3.0 from https://github.com/ORCID/orcid-model (src/main/resources)"
		}
		dir = filepath.Join(root, "..", "shared", "reference", "orcid-model")
	}
	dir = filepath.Clean(dir)
	for _, sub := range []string{"common_3.0", "record_3.0"} {
		if st, err := os.Stat(filepath.Join(dir, sub)); err != nil || !st.IsDir() {
			return "", fmt.Sprintf("no %s in %s; %s", sub, dir, how)
		}
	}
	return dir, ""
}

// MetadataSchemaFiles are the schemas, relative to the MetadataSchemas
// directory, that tests validate against: the tree npm's
// @pubpub/deposit-utils@0.1.10 ships under dist/esm/crossref/cache/xsd
// (as Crossref and W3C publish them).
var MetadataSchemaFiles = []string{
	"data.crossref.org/schemas/crossref5.3.1.xsd",
	"data.crossref.org/schemas/JATS-journalpublishing1-3d2-mathml3-elements.xsd",
	"www.w3.org/Math/XMLSchema/mathml3/mathml3.xsd",
}

// metadataSchemas finds the MetadataSchemas directory: EnvMetadataSchemas,
// else orcidlink/metadata-schemas in the user's cache directory
// ($XDG_CACHE_HOME, or ~/.cache).
func (e *Env) metadataSchemas() (dir, missing string) {
	const how = "the schema tree of npm's @pubpub/deposit-utils@0.1.10 (package/dist/esm/crossref/cache/xsd), " +
		"which .ci/run unpacks there; or set " + EnvMetadataSchemas + " to such a directory"
	dir = e.cfg.Getenv(EnvMetadataSchemas)
	if dir == "" {
		cache := e.cfg.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home := e.cfg.Getenv("HOME")
			if home == "" {
				return "", "neither " + EnvMetadataSchemas + " nor HOME is set (" + how + ")"
			}
			cache = filepath.Join(home, ".cache")
		}
		dir = filepath.Join(cache, "orcidlink", "metadata-schemas")
	}
	dir = filepath.Clean(dir)
	for _, f := range MetadataSchemaFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return "", fmt.Sprintf("no %s in %s (%s)", f, dir, how)
		}
	}
	return dir, ""
}

// moduleRoot is the nearest directory holding go.mod at or above the
// working directory.
func (e *Env) moduleRoot() (string, error) {
	dir, err := e.cfg.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Need returns what the test needs (a path, a directory or a DSN, see
// Finding.Value), or ends the test: a skip with the reason, or a failure
// when ORCIDLINK_REQUIRE names the need.
func Need(t testing.TB, name string) string {
	t.Helper()
	f, err := Process().Find(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	switch f.Verdict {
	case Skip:
		t.Skip(f.Message())
	case Fail:
		t.Fatal(f.Message())
	}
	return f.Value
}

// Required reports whether ORCIDLINK_REQUIRE names name, for tests that
// decide themselves what to do without it.
func Required(name string) bool { return Process().Required(name) }

// Unavailable ends the test for want of name, which it found unusable
// for reason: a skip, or a failure when ORCIDLINK_REQUIRE names it.
func Unavailable(t testing.TB, name, reason string) {
	t.Helper()
	f := Finding{Name: name, Missing: reason, Verdict: Skip}
	if Required(name) {
		f.Verdict = Fail
		t.Fatal(f.Message())
	}
	t.Skip(f.Message())
}

// XMLLintPath is the xmllint binary (see Need).
func XMLLintPath(t testing.TB) string { t.Helper(); return Need(t, XMLLint) }

// ORCIDModelDir is ORCID's orcid-model directory, holding common_3.0 and
// record_3.0 (see Need).
func ORCIDModelDir(t testing.TB) string { t.Helper(); return Need(t, ORCIDModel) }

// MetadataSchemasDir is the directory of Crossref's and JATS's published
// schemas (see Need and MetadataSchemaFiles).
func MetadataSchemasDir(t testing.TB) string { t.Helper(); return Need(t, MetadataSchemas) }

// PostgresServer is the DSN of the test PostgreSQL server, which answers
// (see Need). Tests make their own databases on it with NewPostgresDB.
func PostgresServer(t testing.TB) string { t.Helper(); return Need(t, Postgres) }

// NewPostgresDB creates an empty database with a random name on the test
// server, drops it when the test ends, and returns its DSN. Tests that
// each use their own database never see each other, even when run at the
// same time.
func NewPostgresDB(t testing.TB) string {
	t.Helper()
	dsn, drop, err := scratchdb.Create(context.Background(), PostgresServer(t), "orcidlink_test_")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("testenv: %v", err)
		}
	})
	return dsn
}
