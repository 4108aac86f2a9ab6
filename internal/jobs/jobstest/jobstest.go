// Package jobstest gives tests what pushing items to ORCID needs: an
// offline ORCID registry on a loopback port, a store on SQLite or
// PostgreSQL with a credential of that registry and a tenant, and
// researchers connected through the real OAuth flow (package testbed,
// which `orcidlink bench` uses too), plus a fast retry policy. Only tests
// import it.
package jobstest

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
	"github.com/orcidlink/orcidlink/internal/testbed"
)

// The testbed's types, under the names the tests have always used.
type (
	Options    = testbed.Options
	Env        = testbed.Env
	Researcher = testbed.Researcher
	Tally      = testbed.Tally
)

// Scopes are what researchers grant: read and write everything.
var Scopes = testbed.Scopes

// New is Start for a test on driver ("sqlite", or "postgres" on a
// database of its own, skipping or failing as testenv decides when there
// is no server): edit, if set, changes the options first. Everything is
// closed when the test ends.
func New(t testing.TB, driver string, edit func(*Options)) *Env {
	t.Helper()
	o := Options{Driver: driver}
	if driver == "postgres" {
		o.DSN = storetest.NewPostgresDB(t)
	}
	if edit != nil {
		edit(&o)
	}
	env, err := testbed.Start(context.Background(), o)
	if err != nil {
		t.Fatalf("jobstest: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Close(); err != nil {
			t.Errorf("jobstest: close: %v", err)
		}
	})
	return env
}

// OpenStore opens (and migrates) the store at dsn with sealing key key.
func OpenStore(ctx context.Context, driver, dsn, key string) (*store.Store, error) {
	return testbed.OpenStore(ctx, driver, dsn, key)
}

// Work is a journal article whose self identifier is the DOI 10.5555/<key>.
func Work(key, title string) *orcid.Work { return testbed.Work(key, title) }

// ReadWorks reads a researcher's works as the registry holds them (our
// client's only).
func ReadWorks(ctx context.Context, c *orcid.Client, link store.Link) (Tally, error) {
	return testbed.ReadWorks(ctx, c, link)
}

// FastRetry is a River retry policy for tests: a failed job runs again
// after 100ms instead of River's seconds.
type FastRetry struct{}

// NextRetry implements river.ClientRetryPolicy.
func (FastRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(100 * time.Millisecond)
}

// QueueConfig is the queue configuration tests start from: env's store
// and database, quick retries of ORCID calls and of jobs, and quick polls.
func QueueConfig(env *Env) jobs.Config {
	cfg := jobs.Config{Store: env.Store, Retry: orcid.RetryPolicy{MaxAttempts: 4, BaseDelay: 5 * time.Millisecond,
		MaxDelay: 50 * time.Millisecond}, RetryPolicy: FastRetry{}, PollInterval: 50 * time.Millisecond}
	if env.Driver == "postgres" {
		cfg.PostgresDSN = env.DSN
	}
	return cfg
}

// NewQueue is jobs.New for a test, which fails if it does.
func NewQueue(t testing.TB, cfg jobs.Config) *jobs.Queue {
	t.Helper()
	q, err := jobs.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("jobstest: %v", err)
	}
	return q
}

// StartQueue starts q and stops it when the test ends.
func StartQueue(t testing.TB, q *jobs.Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatalf("jobstest: start queue: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("stop queue: %v", err)
		}
	})
}
