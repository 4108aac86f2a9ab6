package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/testbed"
)

// SyncOptions configures Sync: Works works spread over People researchers,
// pushed through the offline registry limited to Rate requests per second
// and Burst.
type SyncOptions struct {
	Works, People int
	Rate          float64
	Burst         int
	// DB is "sqlite" or "postgres"; DSN, for PostgreSQL, the server on
	// which a scratch database is made for the run.
	DB, DSN string
	// Workers is the queue's concurrent jobs.
	Workers  int
	Progress io.Writer
}

// SyncResult is what Sync measured: the Member API requests the queue
// sent, and the answers that made it retry.
type SyncResult struct {
	SyncOptions
	Requests, TooMany, Unavailable, Retries int64
	Duration                                time.Duration
	Duplicates, Lost                        int
}

// Achieved is the request rate over the run. The registry queues a burst
// (answering 503 past it) instead of serving it at once, so the limit is
// reached by keeping it busy, not by sending the burst early.
func (r SyncResult) Achieved() float64 {
	if secs := r.Duration.Seconds(); secs > 0 {
		return float64(r.Requests) / secs
	}
	return 0
}

// Print writes the table, then the contract line
// "ratio=<achieved ÷ limit> duplicates=<n> lost=<n>".
func (r SyncResult) Print(w io.Writer) {
	fmt.Fprintf(w, "bench sync on %s: emulator limit %g/s, burst %d; %d workers\n", r.DB, r.Rate, r.Burst, r.Workers)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "people\tworks\tlimit/s\trequests\tduration\tachieved/s\t429\t503\tretries\t")
	fmt.Fprintf(tw, "%d\t%d\t%g\t%d\t%.2fs\t%.2f\t%d\t%d\t%d\t\n", r.People, r.Works, r.Rate, r.Requests,
		r.Duration.Seconds(), r.Achieved(), r.TooMany, r.Unavailable, r.Retries)
	tw.Flush()
	fmt.Fprintf(w, "ratio=%.2f duplicates=%d lost=%d\n", r.Achieved()/r.Rate, r.Duplicates, r.Lost)
}

// countingTransport counts the Member API requests the queue sends and
// the answers that make it retry: the client's view, where a failed
// connection is a retry too.
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

// Sync queues every work first, then measures pushing them: from the start
// of the workers until the last work is synced, then reads every record
// back.
func Sync(ctx context.Context, o SyncOptions) (_ SyncResult, err error) {
	res := SyncResult{SyncOptions: o}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	env, researchers, err := startConnected(ctx, testbed.Options{Driver: o.DB, DSN: o.DSN, Scratch: true,
		RateLimit: o.Rate, Burst: o.Burst}, o.People)
	if err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	defer closeEnv(env, &err)
	counter := &countingTransport{next: http.DefaultTransport}
	cfg := jobs.Config{Store: env.Store, HTTPClient: &http.Client{Transport: counter, Timeout: 30 * time.Second},
		Rate: o.Rate, Burst: o.Burst, Workers: o.Workers, PollInterval: 50 * time.Millisecond, RetryPolicy: fastRetry{}}
	if o.DB == "postgres" {
		cfg.PostgresDSN = env.DSN
	}
	q, err := jobs.New(ctx, cfg)
	if err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	// Queue everything first, so that the run measures pushing only.
	run := time.Now().UnixNano()
	want := make([][]string, o.People)
	for i := range o.Works {
		r := researchers[i%o.People]
		key := fmt.Sprintf("bench-%d-%d", run, i)
		if _, err := q.Put(ctx, jobs.PutItem{TenantID: env.Tenant.ID, PersonID: r.Person.ID, Key: key,
			Item: testbed.Work(key, fmt.Sprintf("Benchmark work %d", i))}); err != nil {
			return res, fmt.Errorf("bench: %w", err)
		}
		want[i%o.People] = append(want[i%o.People], "10.5555/"+key)
	}
	fmt.Fprintf(o.Progress, "bench: %d works queued for %d people; pushing\n", o.Works, o.People)
	start := time.Now()
	if err := q.Start(ctx); err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	// Stuck after three times as long as one request per work would take,
	// and a minute.
	limit := time.Duration(float64(o.Works)/o.Rate*3*float64(time.Second)) + time.Minute
	werr := waitFor(ctx, env.Store, env.Tenant.ID, o.Works, limit, waitPoll)
	res.Duration = time.Since(start)
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := errors.Join(werr, q.Stop(stopCtx)); err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	res.Requests, res.TooMany = counter.requests.Load(), counter.tooMany.Load()
	res.Unavailable, res.Retries = counter.unavailable.Load(), counter.retries.Load()
	if res.Duplicates, res.Lost, err = readBack(ctx, env, o.Rate, researchers, want); err != nil {
		return res, fmt.Errorf("bench: %w", err)
	}
	return res, nil
}
