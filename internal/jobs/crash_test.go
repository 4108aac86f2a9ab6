package jobs_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// Environment of the worker process of TestKilledWorker.
const (
	envWorker       = "ORCIDLINK_JOBS_WORKER"
	envWorkerDriver = "ORCIDLINK_JOBS_WORKER_DRIVER"
	envWorkerDSN    = "ORCIDLINK_JOBS_WORKER_DSN"
	envWorkerKey    = "ORCIDLINK_JOBS_WORKER_KEY"
)

// TestWorkerProcess is not a test: it is the worker process that
// TestKilledWorker starts and kills. It works the queue until killed.
func TestWorkerProcess(t *testing.T) {
	if os.Getenv(envWorker) == "" {
		t.Skip("the worker process of TestKilledWorker")
	}
	ctx := context.Background()
	driver, dsn := os.Getenv(envWorkerDriver), os.Getenv(envWorkerDSN)
	st, err := jobstest.OpenStore(ctx, driver, dsn, os.Getenv(envWorkerKey))
	if err != nil {
		t.Fatal(err)
	}
	cfg := jobs.Config{Store: st, PollInterval: 50 * time.Millisecond, Workers: 16, RetryPolicy: jobstest.FastRetry{},
		// A killed process's running jobs are rescued this long after
		// they started (at River's next rescue round, every 30s).
		RescueAfter: 2 * time.Second, Rate: 1000, Burst: 100}
	if driver == "postgres" {
		cfg.PostgresDSN = dsn
	}
	q, err := jobs.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	select {} // until killed
}

// TestKilledWorker: the worker process is killed (-9) at random moments
// while items sync, three times; after a restart every item is on the
// registry's record exactly once, under the put-code the store holds. It
// takes a minute or two (River rescues a dead process's jobs every 30s),
// so it runs only when ORCIDLINK_CRASH_TEST is set.
func TestKilledWorker(t *testing.T) {
	if os.Getenv("ORCIDLINK_CRASH_TEST") == "" {
		t.Skip("set ORCIDLINK_CRASH_TEST=1 to run the kill -9 test (a minute or two per engine)")
	}
	n, _ := strconv.Atoi(os.Getenv("ORCIDLINK_CRASH_TEST"))
	if n < 10 {
		n = 300
	}
	storetest.Engines(t, func(t *testing.T, driver string) {
		ctx := context.Background()
		env := jobstest.New(t, driver, func(o *jobstest.Options) { o.RateLimit, o.Burst = 400, 100 })
		var rs []jobstest.Researcher
		for i := range 3 {
			r, err := env.Connect(ctx, i+1)
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
		}
		cfg := jobs.Config{Store: env.Store}
		if driver == "postgres" {
			cfg.PostgresDSN = env.DSN
		}
		q, err := jobs.New(ctx, cfg) // enqueues only; the worker process works
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Stop(ctx) })
		want := make([][]string, len(rs))
		for i := range n {
			r := rs[i%len(rs)]
			key := fmt.Sprintf("k%d", i)
			if _, err := q.Put(ctx, jobs.PutItem{TenantID: env.Tenant.ID, PersonID: r.Person.ID, Key: key,
				Item: jobstest.Work(key, "Crash "+key)}); err != nil {
				t.Fatal(err)
			}
			want[i%len(rs)] = append(want[i%len(rs)], "10.5555/"+key)
		}
		worker := func() *exec.Cmd {
			cmd := exec.Command(os.Args[0], "-test.run=^TestWorkerProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), envWorker+"=1", envWorkerDriver+"="+driver, envWorkerDSN+"="+env.DSN,
				envWorkerKey+"="+env.Key)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			return cmd
		}
		synced := func() int {
			c, err := env.Store.CountItems(ctx, env.Tenant.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			return c[store.ItemSynced]
		}
		for kill := range 3 {
			cmd := worker()
			time.Sleep(time.Duration(300+rand.IntN(1200)) * time.Millisecond)
			cmd.Process.Kill() // SIGKILL: no cleanup of any kind
			cmd.Wait()
			t.Logf("kill %d: %d of %d synced", kill+1, synced(), n)
		}
		cmd := worker()
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		deadline := time.Now().Add(4 * time.Minute)
		for synced() < n {
			if time.Now().After(deadline) {
				c, _ := env.Store.CountItems(ctx, env.Tenant.ID, 0)
				failed, _ := env.Store.ListItems(ctx, env.Tenant.ID, store.ItemQuery{States: []store.ItemState{store.ItemFailedPermanent, store.ItemFailedRetryable}})
				for _, it := range failed {
					t.Logf("item %d (%s) %s: %s", it.ID, it.Key, it.State, it.LastError)
				}
				t.Fatalf("after the restart, not everything synced: %v", c)
			}
			time.Sleep(200 * time.Millisecond)
		}
		reader, err := env.Reader()
		if err != nil {
			t.Fatal(err)
		}
		lookups := 0
		for _, r := range rs {
			calls, err := env.Store.ListCalls(ctx, env.Tenant.ID, r.Person.ID, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range calls {
				if c.Method == "GET" && strings.HasSuffix(c.URL, "/works") {
					lookups++
				}
			}
		}
		t.Logf("%d writes in doubt were looked up on the record before posting again", lookups)
		for i, r := range rs {
			tl, err := jobstest.ReadWorks(ctx, reader, r.Link)
			if err != nil {
				t.Fatal(err)
			}
			if dup, lost := tl.Check(want[i]); dup != 0 || lost != 0 {
				t.Fatalf("researcher %d: duplicates %d, lost %d", i+1, dup, lost)
			}
			items, err := env.Store.ListItems(ctx, env.Tenant.ID, store.ItemQuery{PersonID: r.Person.ID, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				doi := "10.5555/" + it.Key
				if pcs := tl.PutCodes[doi]; len(pcs) != 1 || pcs[0] != it.PutCode {
					t.Fatalf("%s: record put-codes %v, stored %d", it.Key, pcs, it.PutCode)
				}
			}
		}
	})
}
