package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestBenchBackfill runs a short backfill on each engine: the last line is
// what scripts read, each person's works go in one request, and nothing
// may be duplicated or lost. (The kill -9 run needs the built binary:
// `orcidlink bench backfill --kill`, doc/sync.md.)
func TestBenchBackfill(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			args := []string{"backfill", "--people", "4", "--works-per-person", "30", "--rate", "24", "--burst", "40",
				"--workers", "8", "--db", db}
			if db == "postgres" {
				args = append(args, "--dsn", storetest.Postgres(t))
			}
			var stdout, stderr bytes.Buffer
			if err := runBench(context.Background(), args, &stdout, &stderr); err != nil {
				t.Fatalf("bench: %v\n%s", err, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			last := lines[len(lines)-1]
			m := regexp.MustCompile(`^works_per_request=(\d+\.\d) speedup=(\d+\.\d) duplicates=(\d+) lost=(\d+)$`).FindStringSubmatch(last)
			if m == nil {
				t.Fatalf("last line %q does not read works_per_request=<x> speedup=<x> duplicates=<n> lost=<n>:\n%s", last, stdout.String())
			}
			if m[3] != "0" || m[4] != "0" {
				t.Fatalf("duplicates %s, lost %s:\n%s", m[3], m[4], stdout.String())
			}
			if wpr, _ := strconv.ParseFloat(m[1], 64); wpr != 30 {
				t.Fatalf("works per request %s, want 30 (each person's works in one request):\n%s", m[1], stdout.String())
			}
			t.Logf("\n%s", stdout.String())
		})
	}
	var stdout, stderr bytes.Buffer
	if err := runBench(context.Background(), []string{"backfill", "--db", "mysql"}, &stdout, &stderr); err == nil {
		t.Fatal("an unknown database was accepted")
	}
}
