package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/testbed"
)

// BackfillOptions configures Backfill: the backfill of People researchers
// with WorksPerPerson works each, through the offline registry limited to
// Rate requests per second and Burst.
type BackfillOptions struct {
	People, WorksPerPerson int
	Rate                   float64
	Burst                  int
	// DB is "sqlite" or "postgres"; DSN, for PostgreSQL, the server on
	// which a scratch database is made for the run.
	DB, DSN string
	// Workers is the queue's concurrent jobs.
	Workers int
	// Kill runs the queue in a worker process (WorkerCommand) that is
	// killed (SIGKILL) once half the works are synced, then started again.
	Kill bool
	// WorkerCommand starts a worker process given its arguments (the
	// flags of BackfillWorker); needed with Kill.
	WorkerCommand func(args ...string) *exec.Cmd
	Progress      io.Writer
}

// BackfillResult is what Backfill measured.
type BackfillResult struct {
	BackfillOptions
	Works int
	// Posts, Reads and Others are the Member API requests the registry
	// served, and Refused those it answered 429 or 503 (over its limit).
	Posts, Reads, Others, Refused int
	Duration, KilledAfter         time.Duration
	Duplicates, Lost              int
}

// WorksPerRequest is the works carried by each POST.
func (r BackfillResult) WorksPerRequest() float64 {
	if r.Posts == 0 {
		return 0
	}
	return float64(r.Works) / float64(r.Posts)
}

// Speedup is the works written per second over the registry's request
// limit: how many times faster than one work per request at the limit.
func (r BackfillResult) Speedup() float64 {
	if secs := r.Duration.Seconds(); secs > 0 && r.Rate > 0 {
		return float64(r.Works) / secs / r.Rate
	}
	return 0
}

// Print writes the table, then the contract line
// "works_per_request=<x> speedup=<x> duplicates=<n> lost=<n>".
func (r BackfillResult) Print(w io.Writer) {
	kill := "no"
	if r.Kill {
		kill = fmt.Sprintf("after %.1fs", r.KilledAfter.Seconds())
	}
	fmt.Fprintf(w, "bench backfill on %s: registry limit %g/s, burst %d; %d workers\n", r.DB, r.Rate, r.Burst, r.Workers)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "people\tworks\tPOSTs\tGETs\tother\t429/503\tduration\tworks/s\tkill -9\t")
	fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%d\t%.2fs\t%.1f\t%s\t\n", r.People, r.Works, r.Posts, r.Reads, r.Others,
		r.Refused, r.Duration.Seconds(), float64(r.Works)/max(r.Duration.Seconds(), 1e-9), kill)
	tw.Flush()
	fmt.Fprintf(w, "works_per_request=%.1f speedup=%.1f duplicates=%d lost=%d\n", r.WorksPerRequest(), r.Speedup(),
		r.Duplicates, r.Lost)
}

// requestCounter counts the Member API requests the registry serves while
// counting is on, and its 429 and 503 answers.
type requestCounter struct {
	counting                     atomic.Bool
	posts, gets, others, refused atomic.Int64
}

func (c *requestCounter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.counting.Load() || !strings.Contains(r.URL.Path, "/v3.0/") || strings.Contains(r.URL.Path, "/pub/") {
			next.ServeHTTP(w, r)
			return
		}
		switch r.Method {
		case http.MethodPost:
			c.posts.Add(1)
		case http.MethodGet:
			c.gets.Add(1)
		default:
			c.others.Add(1)
		}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == http.StatusTooManyRequests || sw.status == http.StatusServiceUnavailable {
			c.refused.Add(1)
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// backfillConfig is the queue of a backfill run, in this process or a
// worker process.
func backfillConfig(st *store.Store, db, dsn string, rate float64, burst, workers int) jobs.Config {
	cfg := jobs.Config{Store: st, Rate: rate, Burst: burst, Workers: workers, PollInterval: 50 * time.Millisecond,
		RetryPolicy: fastRetry{}, RescueAfter: 30 * time.Second, BulkLease: 2 * time.Second}
	if db == "postgres" {
		cfg.PostgresDSN = dsn
	}
	return cfg
}

// BackfillWorker is the worker process of a run with Kill: it works the
// queue of the store at dsn (sealed with key) until ctx ends or it is
// killed.
func BackfillWorker(ctx context.Context, db, dsn, key string, rate float64, burst, workers int) error {
	st, err := testbed.OpenStore(ctx, db, dsn, key)
	if err != nil {
		return err
	}
	defer st.Close()
	q, err := jobs.New(ctx, backfillConfig(st, db, dsn, rate, burst, workers))
	if err != nil {
		return err
	}
	if err := q.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return q.Stop(stopCtx)
}

// Backfill queues every work first, then measures pushing them: from the
// start of the workers until the last work is synced, then reads every
// record back.
func Backfill(ctx context.Context, o BackfillOptions) (_ BackfillResult, err error) {
	res := BackfillResult{BackfillOptions: o, Works: o.People * o.WorksPerPerson}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Kill && o.WorkerCommand == nil {
		return res, errors.New("bench: a run with kill needs a worker command")
	}
	counter := &requestCounter{}
	env, researchers, err := startConnected(ctx, testbed.Options{Driver: o.DB, DSN: o.DSN, Scratch: true,
		RateLimit: o.Rate, Burst: o.Burst, Wrap: counter.wrap}, o.People)
	if err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	defer closeEnv(env, &err)
	fmt.Fprintf(o.Progress, "bench: %d researchers connected; queueing %d works\n", o.People, res.Works)
	q, err := jobs.New(ctx, backfillConfig(env.Store, o.DB, env.DSN, o.Rate, o.Burst, o.Workers))
	if err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	// A backfill queues person by person: a researcher's works, then the
	// next researcher's.
	run := time.Now().UnixNano()
	want := make([][]string, o.People)
	for p, r := range researchers {
		for i := range o.WorksPerPerson {
			key := fmt.Sprintf("backfill-%d-%d-%d", run, p, i)
			if _, err := q.Put(ctx, jobs.PutItem{TenantID: env.Tenant.ID, PersonID: r.Person.ID, Key: key, Backfill: true,
				Item: testbed.Work(key, fmt.Sprintf("Backfilled work %d of researcher %d", i, p+1))}); err != nil {
				return res, fmt.Errorf("bench: %w", err)
			}
			want[p] = append(want[p], "10.5555/"+key)
		}
	}
	fmt.Fprintf(o.Progress, "bench: %d works queued; pushing\n", res.Works)
	counter.counting.Store(true)
	start := time.Now()
	var werr error
	if o.Kill {
		werr = res.killHalfway(ctx, env, start)
		if err := q.Stop(ctx); err != nil { // never started: releases its connections
			werr = errors.Join(werr, err)
		}
	} else {
		if err := q.Start(ctx); err != nil {
			return res, fmt.Errorf("bench: %w", err)
		}
		werr = waitFor(ctx, env.Store, env.Tenant.ID, res.Works, limitFor(res), waitPoll)
		res.Duration = time.Since(start)
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		werr = errors.Join(werr, q.Stop(stopCtx))
	}
	if werr != nil {
		return res, fmt.Errorf("bench: %w", werr)
	}
	// What the registry served, from whichever process (a killed one's
	// request too).
	counter.counting.Store(false)
	res.Posts, res.Reads = int(counter.posts.Load()), int(counter.gets.Load())
	res.Others, res.Refused = int(counter.others.Load()), int(counter.refused.Load())
	// What counts is what the registry holds.
	if res.Duplicates, res.Lost, err = readBack(ctx, env, o.Rate, researchers, want); err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	return res, nil
}

// killHalfway runs the worker process, kills it (SIGKILL) once half the
// works are synced, starts another and waits for the rest.
func (r *BackfillResult) killHalfway(ctx context.Context, env *testbed.Env, start time.Time) error {
	args := []string{"--db", r.DB, "--dsn", env.DSN, "--key", env.Key, "--rate", fmt.Sprint(r.Rate),
		"--burst", fmt.Sprint(r.Burst), "--workers", fmt.Sprint(r.Workers)}
	run := func() (*exec.Cmd, error) {
		cmd := r.WorkerCommand(args...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("worker process: %w", err)
		}
		return cmd, nil
	}
	cmd, err := run()
	if err != nil {
		return err
	}
	half := r.Works / 2
	if err := waitFor(ctx, env.Store, env.Tenant.ID, half, limitFor(*r), waitPoll); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return err
	}
	cmd.Process.Kill() // SIGKILL: no cleanup of any kind
	cmd.Wait()
	r.KilledAfter = time.Since(start)
	fmt.Fprintf(r.Progress, "bench: worker killed (-9) after %.1fs, with half the works synced; starting another\n",
		r.KilledAfter.Seconds())
	if cmd, err = run(); err != nil {
		return err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	err = waitFor(ctx, env.Store, env.Tenant.ID, r.Works, limitFor(*r), waitPoll)
	r.Duration = time.Since(start)
	return err
}

// limitFor is how long a run may take before it is taken for stuck: as
// long as one work per request would, and a minute.
func limitFor(r BackfillResult) time.Duration {
	return time.Duration(float64(r.Works)/r.Rate*float64(time.Second)) + time.Minute
}

// waitPoll is how often backfill and sync runs look at the queue.
const waitPoll = 20 * time.Millisecond
