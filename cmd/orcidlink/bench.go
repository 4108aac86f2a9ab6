package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/bench"
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

// runBench is "orcidlink bench": "sync" (internal/bench/sync.go), "backfill" (bench_backfill.go),
// "http" (bench_http.go) and "scale" (bench_scale.go).
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "http" {
		return runBenchHTTP(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "backfill" {
		return runBenchBackfill(ctx, args[1:], stdout, stderr) // bench_backfill.go
	}
	if len(args) > 0 && args[0] == "scale" {
		return runBenchScale(ctx, args[1:], stdout, stderr) // bench_scale.go
	}
	if len(args) == 0 || args[0] != "sync" {
		fmt.Fprint(stderr, benchUsage+"\n"+benchBackfillUsage+"\n"+benchHTTPUsage+"\n"+benchScaleUsage)
		return errors.New("bench: expected the subcommand sync, backfill, http or scale")
	}
	fs := newBenchFlags("bench sync", benchUsage, stderr)
	works := fs.Int("works", 200, "works to push, in total")
	people := fs.Int("people", 5, "researchers the works are spread over")
	rate := fs.Float64("rate", 24, "the emulator's rate limit per client, requests per second")
	burst := fs.Int("burst", 40, "the emulator's burst per client")
	dbf := addDBFlags(fs)
	workers := fs.Int("workers", 0, "concurrent jobs (default rate + burst)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch {
	case *works < 1 || *people < 1 || *people > *works:
		return errors.New("bench: need 1 <= people <= works")
	case *rate <= 0 || *burst < 1:
		return errors.New("bench: rate must be positive and burst at least 1")
	}
	if err := dbf.check(); err != nil {
		return err
	}
	if err := dbf.defaultServer(); err != nil {
		return err
	}
	if *workers <= 0 {
		*workers = int(*rate) + *burst
	}
	res, err := bench.Sync(ctx, bench.SyncOptions{Works: *works, People: *people, Rate: *rate, Burst: *burst,
		DB: *dbf.db, DSN: *dbf.dsn, Workers: *workers, Progress: stderr})
	if err != nil {
		return err
	}
	res.Print(stdout)
	return nil
}

// newBenchFlags is the flag set of a bench subcommand, which prints the
// subcommand's usage and its flags when they are wrong.
func newBenchFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	return fs
}

// dbFlags are --db and --dsn of bench sync and bench backfill.
type dbFlags struct{ db, dsn *string }

func addDBFlags(fs *flag.FlagSet) dbFlags {
	return dbFlags{
		db:  fs.String("db", "sqlite", "database: sqlite or postgres"),
		dsn: fs.String("dsn", "", "PostgreSQL server to create a scratch database on (default $ORCIDLINK_TEST_POSTGRES)"),
	}
}

func (f dbFlags) check() error {
	if *f.db != "sqlite" && *f.db != "postgres" {
		return fmt.Errorf("bench: --db %q must be sqlite or postgres", *f.db)
	}
	return nil
}

// defaultServer makes $ORCIDLINK_TEST_POSTGRES the server of --db postgres
// without --dsn.
func (f dbFlags) defaultServer() error {
	if *f.db == "postgres" && *f.dsn == "" {
		if *f.dsn = os.Getenv("ORCIDLINK_TEST_POSTGRES"); *f.dsn == "" {
			return errors.New("bench: --db postgres needs --dsn or ORCIDLINK_TEST_POSTGRES")
		}
	}
	return nil
}

// positiveInts reads a comma-separated list of positive numbers, the value
// of flag name of cmd.
func positiveInts(cmd, name, value string) ([]int, error) {
	var ns []int
	for f := range strings.SplitSeq(value, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s: --%s %q: want positive numbers", cmd, name, value)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// benchServer is the server bench http and bench scale start: this
// binary's own serve, logging to stderr.
func benchServer(stderr io.Writer) bench.Server {
	return func(ctx context.Context, getenv func(string) string, out io.Writer) error {
		return runServe(ctx, nil, getenv, out, stderr)
	}
}
