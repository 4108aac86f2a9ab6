package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/orcidlink/orcidlink/internal/bench"
)

const benchBackfillUsage = `usage: orcidlink bench backfill [flags]

Backfills --people researchers with --works-per-person works each through an
in-process ORCID registry limited to --rate requests per second (burst
--burst), with the real queue and worker on SQLite or PostgreSQL: works
queued person by person, pushed in bulk (up to 100 per request), then every
record read back. With --kill the worker runs in a process of its own that
is killed (SIGKILL) once half the works are synced, and started again. The
last line is
  works_per_request=<x> speedup=<works per second ÷ the request limit> duplicates=<n> lost=<n>
`

// runBenchBackfill is "orcidlink bench backfill" (internal/bench/backfill.go).
func runBenchBackfill(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newBenchFlags("bench backfill", benchBackfillUsage, stderr)
	people := fs.Int("people", 50, "researchers to backfill")
	perPerson := fs.Int("works-per-person", 100, "works of each researcher")
	rate := fs.Float64("rate", 24, "the registry's rate limit per client, requests per second")
	burst := fs.Int("burst", 40, "the registry's burst per client")
	dbf := addDBFlags(fs)
	workers := fs.Int("workers", 32, "concurrent jobs")
	kill := fs.Bool("kill", false, "run the worker in a process of its own, killed with SIGKILL halfway and started again")
	// The worker process of --kill: this same command, given the store.
	worker := fs.Bool("worker", false, "(internal) be the worker process of a run with --kill")
	key := fs.String("key", "", "(internal) the worker process's store sealing key")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *people < 1 || *perPerson < 1:
		return errors.New("bench: --people and --works-per-person must be at least 1")
	case *rate <= 0 || *burst < 1 || *workers < 1:
		return errors.New("bench: rate must be positive, burst and workers at least 1")
	}
	if err := dbf.check(); err != nil {
		return err
	}
	if *worker {
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		return bench.BackfillWorker(ctx, *dbf.db, *dbf.dsn, *key, *rate, *burst, *workers)
	}
	if err := dbf.defaultServer(); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	res, err := bench.Backfill(ctx, bench.BackfillOptions{People: *people, WorksPerPerson: *perPerson, Rate: *rate,
		Burst: *burst, DB: *dbf.db, DSN: *dbf.dsn, Workers: *workers, Kill: *kill, Progress: stderr,
		WorkerCommand: func(args ...string) *exec.Cmd {
			return exec.CommandContext(ctx, exe, append([]string{"bench", "backfill", "--worker"}, args...)...)
		}})
	if err != nil {
		return err
	}
	res.Print(stdout)
	return nil
}
