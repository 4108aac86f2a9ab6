package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

const benchUsage = `usage: orcidlink bench sync [flags]

Pushes works for researchers through an in-process ORCID emulator whose rate
limit is set to --rate and --burst, with the real queue and worker on SQLite
or PostgreSQL, then reads every record back. The table's last line is
  ratio=<achieved ÷ limit> duplicates=<n> lost=<n>
where achieved is the API requests sent per second, from the start of the
workers until the last work was synced. ORCID (and the emulator) queue a
burst rather than serve it faster, so a client that keeps the registry busy
from start to end gets 1.00.
`

// runBench is "orcidlink bench": "sync", and "http" (bench_http.go).
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "http" {
		return runBenchHTTP(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "sync" {
		fmt.Fprint(stderr, benchUsage+"\n"+benchHTTPUsage)
		return errors.New("bench: expected the subcommand sync or http")
	}
	fs := flag.NewFlagSet("bench sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	works := fs.Int("works", 200, "works to push, in total")
	people := fs.Int("people", 5, "researchers the works are spread over")
	rate := fs.Float64("rate", 24, "the emulator's rate limit per client, requests per second")
	burst := fs.Int("burst", 40, "the emulator's burst per client")
	db := fs.String("db", "sqlite", "database: sqlite or postgres")
	dsn := fs.String("dsn", "", "PostgreSQL server to create a scratch database on (default $ORCIDLINK_TEST_POSTGRES)")
	workers := fs.Int("workers", 0, "concurrent jobs (default rate + burst)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch {
	case *works < 1 || *people < 1 || *people > *works:
		return errors.New("bench: need 1 <= people <= works")
	case *rate <= 0 || *burst < 1:
		return errors.New("bench: rate must be positive and burst at least 1")
	case *db != "sqlite" && *db != "postgres":
		return fmt.Errorf("bench: --db %q must be sqlite or postgres", *db)
	}
	if *db == "postgres" && *dsn == "" {
		if *dsn = os.Getenv("ORCIDLINK_TEST_POSTGRES"); *dsn == "" {
			return errors.New("bench: --db postgres needs --dsn or ORCIDLINK_TEST_POSTGRES")
		}
	}
	if *workers <= 0 {
		*workers = int(*rate) + *burst
	}
	res, err := benchSync(ctx, benchOptions{works: *works, people: *people, rate: *rate, burst: *burst, db: *db,
		dsn: *dsn, workers: *workers}, stderr)
	if err != nil {
		return err
	}
	res.print(stdout)
	return nil
}

type benchOptions struct {
	works, people int
	rate          float64
	burst         int
	db, dsn       string
	workers       int
}

type benchResult struct {
	benchOptions
	requests, tooMany, unavailable, retries int64
	duration                                time.Duration
	duplicates, lost                        int
}

// achieved is the request rate over the run. The registry queues a burst
// (answering 503 past it) instead of serving it at once, so the limit is
// reached by keeping it busy, not by sending the burst early.
func (r benchResult) achieved() float64 {
	if secs := r.duration.Seconds(); secs > 0 {
		return float64(r.requests) / secs
	}
	return 0
}

func (r benchResult) print(w io.Writer) {
	fmt.Fprintf(w, "bench sync on %s: emulator limit %g/s, burst %d; %d workers\n", r.db, r.rate, r.burst, r.workers)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "people\tworks\tlimit/s\trequests\tduration\tachieved/s\t429\t503\tretries\t")
	fmt.Fprintf(tw, "%d\t%d\t%g\t%d\t%.2fs\t%.2f\t%d\t%d\t%d\t\n", r.people, r.works, r.rate, r.requests,
		r.duration.Seconds(), r.achieved(), r.tooMany, r.unavailable, r.retries)
	tw.Flush()
	fmt.Fprintf(w, "ratio=%.2f duplicates=%d lost=%d\n", r.achieved()/r.rate, r.duplicates, r.lost)
}

// countingTransport counts the Member API requests the queue sends and
// the answers that make it retry.
type countingTransport struct {
	next                                    http.RoundTripper
	requests, tooMany, unavailable, retries atomic.Int64
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	api := strings.Contains(req.URL.Path, "/v3.0/") && !strings.Contains(req.URL.Path, "/pub/")
	if api {
		c.requests.Add(1)
	}
	resp, err := c.next.RoundTrip(req)
	if !api {
		return resp, err
	}
	switch {
	case err != nil:
		c.retries.Add(1)
	case resp.StatusCode == http.StatusTooManyRequests:
		c.tooMany.Add(1)
		c.retries.Add(1)
	case resp.StatusCode == http.StatusServiceUnavailable:
		c.unavailable.Add(1)
		c.retries.Add(1)
	case resp.StatusCode >= 500:
		c.retries.Add(1)
	}
	return resp, err
}

// benchRetry retries failed jobs soon: the ORCID client has already
// backed off, and the bench measures throughput.
type benchRetry struct{}

func (benchRetry) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(time.Duration(job.Attempt) * 200 * time.Millisecond)
}

func benchSync(ctx context.Context, o benchOptions, stderr io.Writer) (_ benchResult, err error) {
	res := benchResult{benchOptions: o}
	env, err := jobstest.Start(ctx, jobstest.Options{Driver: o.db, DSN: o.dsn, Scratch: true, RateLimit: o.rate, Burst: o.burst})
	if err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	defer func() {
		if cerr := env.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("bench: clean up: %w", cerr)
		}
	}()
	researchers := make([]jobstest.Researcher, o.people)
	for i := range researchers {
		if researchers[i], err = env.Connect(ctx, i+1); err != nil {
			return res, fmt.Errorf("bench: %w", err)
		}
	}
	counter := &countingTransport{next: http.DefaultTransport}
	cfg := jobs.Config{Store: env.Store, HTTPClient: &http.Client{Transport: counter, Timeout: 30 * time.Second},
		Rate: o.rate, Burst: o.burst, Workers: o.workers, PollInterval: 50 * time.Millisecond, RetryPolicy: benchRetry{}}
	if o.db == "postgres" {
		cfg.PostgresDSN = env.DSN
	}
	q, err := jobs.New(ctx, cfg)
	if err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	// Queue everything first, so that the run measures pushing only.
	run := time.Now().UnixNano()
	want := make([][]string, o.people)
	for i := range o.works {
		r := researchers[i%o.people]
		key := fmt.Sprintf("bench-%d-%d", run, i)
		if _, err := q.Put(ctx, jobs.PutItem{TenantID: env.Tenant.ID, PersonID: r.Person.ID, Key: key,
			Item: jobstest.Work(key, fmt.Sprintf("Benchmark work %d", i))}); err != nil {
			return res, fmt.Errorf("bench: %w", err)
		}
		want[i%o.people] = append(want[i%o.people], "10.5555/"+key)
	}
	fmt.Fprintf(stderr, "bench: %d works queued for %d people; pushing\n", o.works, o.people)
	start := time.Now()
	if err := q.Start(ctx); err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	werr := waitSynced(ctx, env.Store, env.Tenant.ID, o, stderr)
	res.duration = time.Since(start)
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := errors.Join(werr, q.Stop(stopCtx)); err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	res.requests, res.tooMany = counter.requests.Load(), counter.tooMany.Load()
	res.unavailable, res.retries = counter.unavailable.Load(), counter.retries.Load()

	// What counts is what the registry holds.
	reader, err := orcid.New(orcid.Config{Credential: env.Cred.ORCID(), Rate: o.rate, Burst: 1,
		Retry: orcid.RetryPolicy{MaxAttempts: 10}})
	if err != nil {
		return res, err
	}
	for i, r := range researchers {
		tl, err := jobstest.ReadWorks(ctx, reader, r.Link)
		if err != nil {
			return res, fmt.Errorf("bench: %w", err)
		}
		dup, lost := tl.Check(want[i])
		res.duplicates += dup
		res.lost += lost
	}
	return res, nil
}

// waitSynced waits until every work is synced, or one failed for good,
// or it is clear that the run is stuck.
func waitSynced(ctx context.Context, st *store.Store, tenantID int64, o benchOptions, stderr io.Writer) error {
	limit := time.Duration(float64(o.works)/o.rate*3*float64(time.Second)) + time.Minute
	deadline := time.Now().Add(limit)
	for {
		counts, err := st.CountItems(ctx, tenantID, 0)
		if err != nil {
			return err
		}
		if counts[store.ItemSynced] == o.works {
			return nil
		}
		if n := counts[store.ItemFailedPermanent] + counts[store.ItemPending]; n > 0 {
			return fmt.Errorf("%d works failed or are parked: %v", n, counts)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not all synced after %v: %v", limit, counts)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
