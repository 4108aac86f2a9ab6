package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/testbed"
)

// The queue's side of `bench scale`: several orcidlink processes (each a
// queue with its own store, pools and River client, as a process has)
// sharing one PostgreSQL database and one credential push works through
// the offline registry at its rate limit. Their combined rate must reach
// the limit and never pass it, with nothing written twice or lost.

// QueueScaleOptions says what to push.
type QueueScaleOptions struct {
	DSN       string // a PostgreSQL server; a scratch database per row
	Processes []int  // default 1, 2, 4
	// People and Works (default 40 and 400): the works are spread over the
	// people. One work per person per request would measure requests; a
	// person's several works go in bulk requests (up to BulkSize).
	People, Works int
	// Rate and Burst are the registry's limit per client (default 24 and
	// 40, ORCID's), which the processes share.
	Rate     float64
	Burst    int
	BulkSize int // 0: the queue's default
	Progress io.Writer
}

// QueueRow is one number of processes.
type QueueRow struct {
	Processes  int
	Works      int
	Requests   int64 // Member API requests the registry served
	Refused    int64 // of which answered 429 or 503 (over the limit)
	Duration   time.Duration
	Duplicates int
	Lost       int
}

// RequestsPerSecond is the combined request rate.
func (r QueueRow) RequestsPerSecond() float64 {
	if s := r.Duration.Seconds(); s > 0 {
		return float64(r.Requests) / s
	}
	return 0
}

// WorksPerSecond is the combined rate of works synced.
func (r QueueRow) WorksPerSecond() float64 {
	if s := r.Duration.Seconds(); s > 0 {
		return float64(r.Works) / s
	}
	return 0
}

// QueueScale measures each number of processes in turn, each on a
// database of its own.
func QueueScale(ctx context.Context, o QueueScaleOptions) ([]QueueRow, error) {
	if len(o.Processes) == 0 {
		o.Processes = []int{1, 2, 4}
	}
	o.People, o.Works = cmpOr(o.People, 40), cmpOr(o.Works, 400)
	o.People = min(o.People, o.Works)
	if o.Rate <= 0 {
		o.Rate = 24
	}
	o.Burst = cmpOr(o.Burst, 40)
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	var rows []QueueRow
	for _, n := range o.Processes {
		row, err := queueRun(ctx, o, n)
		if err != nil {
			return rows, fmt.Errorf("bench scale: queue with %d processes: %w", n, err)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func queueRun(ctx context.Context, o QueueScaleOptions, n int) (row QueueRow, err error) {
	row = QueueRow{Processes: n, Works: o.Works}
	counter := &requestCounter{} // backfill.go
	env, researchers, err := startConnected(ctx, testbed.Options{Driver: "postgres", DSN: o.DSN, Scratch: true,
		RateLimit: o.Rate, Burst: o.Burst, Wrap: counter.wrap}, o.People)
	if err != nil {
		return row, err
	}
	defer func() { err = errors.Join(err, env.Close()) }()
	queues := make([]*jobs.Queue, n)
	for i := range n {
		st := env.Store
		if i > 0 { // a process of its own: its own store and pools
			if st, err = testbed.OpenStore(ctx, "postgres", env.DSN, env.Key); err != nil {
				return row, err
			}
			defer st.Close()
		}
		if queues[i], err = jobs.New(ctx, jobs.Config{Store: st, PostgresDSN: env.DSN, Rate: o.Rate, Burst: o.Burst,
			Workers: int(o.Rate) + o.Burst, PollInterval: 50 * time.Millisecond, RetryPolicy: fastRetry{},
			BulkSize: o.BulkSize}); err != nil {
			return row, err
		}
	}
	// Everything queued first, so that the run measures pushing only.
	want := make([][]string, o.People)
	for i := range o.Works {
		r := researchers[i%o.People]
		key := fmt.Sprintf("scale-%d", i)
		if _, err := queues[0].Put(ctx, jobs.PutItem{TenantID: env.Tenant.ID, PersonID: r.Person.ID, Key: key,
			Item: testbed.Work(key, fmt.Sprintf("Consortium work %d", i))}); err != nil {
			return row, err
		}
		want[i%o.People] = append(want[i%o.People], "10.5555/"+key)
	}
	counter.counting.Store(true)
	fmt.Fprintf(o.Progress, "bench scale: %d works of %d people queued; pushing with %d processes\n", o.Works, o.People, n)
	start := time.Now()
	for _, q := range queues {
		if err := q.Start(ctx); err != nil {
			return row, err
		}
	}
	// The run is taken for stuck after three times as long as one work per
	// request would take, and a minute.
	limit := time.Duration(float64(o.Works)/o.Rate*3*float64(time.Second)) + time.Minute
	werr := waitFor(ctx, env.Store, env.Tenant.ID, o.Works, limit, 50*time.Millisecond)
	row.Duration = time.Since(start)
	counter.counting.Store(false)
	row.Requests = counter.posts.Load() + counter.gets.Load() + counter.others.Load()
	row.Refused = counter.refused.Load()
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	for _, q := range queues {
		werr = errors.Join(werr, q.Stop(stopCtx))
	}
	if werr != nil {
		return row, werr
	}
	// What counts is what the registry holds.
	reader, err := env.Reader()
	if err != nil {
		return row, err
	}
	row.Duplicates, row.Lost, err = checkRecords(ctx, reader, researchers, want)
	return row, err
}

// PrintQueueScale writes the queue's table.
func PrintQueueScale(w io.Writer, rows []QueueRow, rate float64) {
	if len(rows) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "processes\tworks\trequests\tduration\trequests/s\tratio\tworks/s\trefused\tduplicates\tlost\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.2fs\t%.2f\t%.2f\t%.1f\t%d\t%d\t%d\t\n", r.Processes, r.Works, r.Requests,
			r.Duration.Seconds(), r.RequestsPerSecond(), r.RequestsPerSecond()/rate, r.WorksPerSecond(), r.Refused,
			r.Duplicates, r.Lost)
	}
	tw.Flush()
}
