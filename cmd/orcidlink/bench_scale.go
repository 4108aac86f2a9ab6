package main

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/orcidlink/orcidlink/internal/bench"
)

const benchScaleUsage = `usage: orcidlink bench scale [flags]

Fills a scratch PostgreSQL database with synthetic tenants, people (connected,
invited, declined, lapsed, ...), their links, invitations, emails and items
(synced, failed, queued, ...) with COPY, starts the real server (orcidlink
serve) over it, and measures one request at a time the admin UI's heaviest
pages (dashboard, people list first and deep pages, filtered and searched,
failed items, outbox) and the REST API's lists. Prints p50, p95 and p99 per
route. Then, on scratch databases of the same server, 1, 2 and 4 orcidlink
processes (--processes) sharing the database and one credential push
--queue-works works through the offline registry at its rate limit: the
combined requests per second, their ratio to the limit, duplicates and lost
works. The full size is --people 1000000 --items-per-person 10 --tenants 20.

The scratch database is made on the server --dsn names (default
$ORCIDLINK_TEST_POSTGRES) and dropped at the end, unless --keep. With
--use-database, --dsn names a database to use as it is: loaded when it holds
no people, measured as it stands otherwise (a kept database, measured again).
`

// runBenchScale is "orcidlink bench scale".
func runBenchScale(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newBenchFlags("bench scale", benchScaleUsage, stderr)
	dsn := fs.String("dsn", "", "PostgreSQL server to create a scratch database on (default $ORCIDLINK_TEST_POSTGRES)")
	useDB := fs.Bool("use-database", false, "--dsn names the database to use as it is (never dropped)")
	keep := fs.Bool("keep", false, "keep the scratch database after the run")
	people := fs.Int("people", 10000, "people, over all tenants")
	items := fs.Int("items-per-person", 10, "items of each person")
	tenants := fs.Int("tenants", 4, "tenants (the first the largest)")
	requests := fs.Int("requests", 50, "requests per route")
	qWorks := fs.Int("queue-works", 400, "works the queue pushes at each number of processes (0: no queue measurement)")
	qPeople := fs.Int("queue-people", 40, "researchers the queue's works are spread over")
	qBulk := fs.Int("queue-bulk", 1, "works per request at most (1 measures the request rate against the limit; 100 is ORCID's bulk)")
	qRate := fs.Float64("queue-rate", 24, "the registry's rate limit, requests per second, shared by the processes")
	processes := fs.String("processes", "1,2,4", "numbers of orcidlink processes sharing the database and the credential")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dsn == "" {
		if *useDB {
			return errors.New("bench scale: --use-database needs --dsn naming the database")
		}
		if *dsn = os.Getenv("ORCIDLINK_TEST_POSTGRES"); *dsn == "" {
			return errors.New("bench scale: needs --dsn or ORCIDLINK_TEST_POSTGRES")
		}
	}
	if *people < 1 || *items < 0 || *tenants < 1 || *requests < 1 || *qWorks < 0 || *qPeople < 1 || *qBulk < 1 || *qRate <= 0 {
		return errors.New("bench scale: --people, --tenants, --requests, --queue-people, --queue-bulk and --queue-rate must be positive, " +
			"--items-per-person and --queue-works not negative")
	}
	procs, err := positiveInts("bench scale", "processes", *processes)
	if err != nil {
		return err
	}
	res, err := bench.Scale(ctx, bench.ScaleOptions{DSN: *dsn, UseDatabase: *useDB, Keep: *keep, People: *people,
		ItemsPerPerson: *items, Tenants: *tenants, Requests: *requests, Serve: benchServer(stderr), Progress: stderr,
		Queue: bench.QueueScaleOptions{Works: *qWorks, People: *qPeople, BulkSize: *qBulk, Rate: *qRate, Processes: procs}})
	bench.PrintScale(stdout, res)
	return err
}
