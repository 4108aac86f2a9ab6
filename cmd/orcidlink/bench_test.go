package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestBenchSync runs a short bench on each engine: the last line is what
// scripts read, and nothing may be duplicated or lost.
func TestBenchSync(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			args := []string{"sync", "--works", "40", "--people", "2", "--rate", "50", "--burst", "10", "--db", db}
			if db == "postgres" {
				args = append(args, "--dsn", storetest.Postgres(t))
			}
			var stdout, stderr bytes.Buffer
			if err := runBench(context.Background(), args, &stdout, &stderr); err != nil {
				t.Fatalf("bench: %v\n%s", err, stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			last := lines[len(lines)-1]
			m := regexp.MustCompile(`^ratio=(\d+\.\d\d) duplicates=(\d+) lost=(\d+)$`).FindStringSubmatch(last)
			if m == nil {
				t.Fatalf("last line %q does not read ratio=<r> duplicates=<n> lost=<n>:\n%s", last, stdout.String())
			}
			if m[2] != "0" || m[3] != "0" {
				t.Fatalf("duplicates %s, lost %s:\n%s", m[2], m[3], stdout.String())
			}
			t.Logf("\n%s", stdout.String())
		})
	}
}

func TestBenchUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := runBench(context.Background(), nil, &stdout, &stderr); err == nil {
		t.Fatal("bench without a subcommand did not fail")
	}
	if err := runBench(context.Background(), []string{"sync", "--db", "mysql"}, &stdout, &stderr); err == nil {
		t.Fatal("an unknown database was accepted")
	}
}

// TestBenchDefaults runs the bench with its default sizes on both engines
// when ORCIDLINK_BENCH is set (it takes about ten seconds per engine).
func TestBenchDefaults(t *testing.T) {
	if os.Getenv("ORCIDLINK_BENCH") == "" {
		t.Skip("set ORCIDLINK_BENCH=1 to run the full bench")
	}
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			args := []string{"sync", "--db", db}
			if db == "postgres" {
				args = append(args, "--dsn", storetest.Postgres(t))
			}
			var stdout, stderr bytes.Buffer
			if err := runBench(context.Background(), args, &stdout, &stderr); err != nil {
				t.Fatalf("bench: %v\n%s", err, stderr.String())
			}
			t.Logf("\n%s", stdout.String())
		})
	}
}
