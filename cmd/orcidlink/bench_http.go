package main

import (
	"context"
	"errors"
	"io"

	"github.com/orcidlink/orcidlink/internal/bench"
)

const benchHTTPUsage = `usage: orcidlink bench http [flags]

Starts the real server (orcidlink serve) on a loopback port over a throwaway
database, with a tenant, people, an API key and a signed-in administrator,
then drives the public pages (invitation page, public iD JSON), the admin
pages (dashboard, people list, person page) and the REST API reads
(GET /api/v1/people, /api/v1/people/{id}) with each number of concurrent
clients for --duration, on SQLite and, given --dsn, on PostgreSQL. Prints
one line per engine, clients and group of routes: requests, p50, p99, and
errors (failures and answers other than 200).
`

// runBenchHTTP is "orcidlink bench http": the flags, and the server the
// load generator (internal/bench) starts: this binary's own serve.
func runBenchHTTP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newBenchFlags("bench http", benchHTTPUsage, stderr)
	dsn := fs.String("dsn", "", "PostgreSQL server to create a scratch database on; without it, SQLite only")
	noSQLite := fs.Bool("no-sqlite", false, "measure PostgreSQL only")
	clients := fs.String("clients", "16,64", "numbers of concurrent clients, comma-separated")
	duration := fs.Duration("duration", bench.DefaultDuration, "how long each group of routes is driven at each number of clients")
	people := fs.Int("people", 200, "people of the tenant")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ns, err := positiveInts("bench http", "clients", *clients)
	if err != nil {
		return err
	}
	var engines []bench.Engine
	if !*noSQLite {
		engines = append(engines, bench.Engine{Name: "sqlite"})
	}
	if *dsn != "" {
		engines = append(engines, bench.Engine{Name: "postgres", DSN: *dsn})
	}
	if len(engines) == 0 {
		return errors.New("bench http: --no-sqlite needs --dsn")
	}
	rows, err := bench.HTTP(ctx, bench.HTTPOptions{Engines: engines, Clients: ns, Duration: *duration, People: *people,
		Serve: benchServer(stderr), Progress: stderr})
	bench.PrintHTTP(stdout, rows)
	return err
}
