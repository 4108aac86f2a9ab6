package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestBenchScale runs a tiny `bench scale` twice on one database: the first
// run loads it (through the store's bulk loader) and measures, the second
// finds it loaded and measures it as it stands. Each prints what it ran on
// and a row per route, every route answering 200 (the bench checks each
// once before measuring and counts anything else as an error).
func TestBenchScale(t *testing.T) {
	dsn := storetest.NewPostgresDB(t)
	routes := []string{"dashboard", "people, first page", "people, deep page", "people, connected", "people, denied",
		"people search, name", "people search, email", "people search, iD", "tenant page", "failed items",
		"waiting items", "outbox", "outbox search, email", "API people, first page", "API people, deep page",
		"API people search", "API person's works"}
	for i, want := range []string{"loaded in", "measuring it as it stands"} {
		var stdout, stderr bytes.Buffer
		args := []string{"scale", "--use-database", "--dsn", dsn, "--people", "400", "--items-per-person", "3",
			"--tenants", "3", "--requests", "3", "--queue-works", "0"}
		if i == 1 { // the queue too, once, small
			args = append(args[:len(args)-2], "--queue-works", "30", "--queue-people", "3", "--processes", "1,2")
		}
		if err := runBench(context.Background(), args, &stdout, &stderr); err != nil {
			t.Fatalf("run %d: bench scale: %v\n%s\n%s", i+1, err, stdout.String(), stderr.String())
		}
		out := stdout.String()
		if !strings.Contains(out+stderr.String(), want) {
			t.Errorf("run %d: want %q in the output:\n%s\n%s", i+1, want, out, stderr.String())
		}
		if !strings.Contains(out, "3 tenants, 400 people, 1200 items") {
			t.Errorf("run %d: want the sizes in the first line:\n%s", i+1, out)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if i == 1 {
			// The queue's table last: a header and a row per number of
			// processes, every work on the record once.
			q := lines[len(lines)-2:]
			for j, n := range []string{"1", "2"} {
				f := strings.Fields(q[j])
				// processes works requests duration requests/s ratio works/s refused duplicates lost
				if len(f) != 10 || f[0] != n || f[1] != "30" || f[8] != "0" || f[9] != "0" {
					t.Errorf("queue row %q: want %s processes, 30 works, no duplicate, none lost", q[j], n)
				}
			}
			if !strings.Contains(lines[len(lines)-3], "processes") {
				t.Fatalf("want the queue's header before its rows:\n%s", out)
			}
			lines = lines[:len(lines)-4]
		}
		rows := lines[len(lines)-len(routes):]
		if h := lines[len(lines)-len(routes)-1]; !strings.Contains(h, "route") || !strings.Contains(h, "p99") {
			t.Fatalf("run %d: want a header before the rows, got %q:\n%s", i+1, h, out)
		}
		for j, route := range routes {
			f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(rows[j]), route))
			// requests p50 ms p95 ms p99 ms errors
			if !strings.HasPrefix(strings.TrimSpace(rows[j]), route) || len(f) != 8 || f[0] != "3" || f[7] != "0" {
				t.Errorf("run %d: row %q: want %s, 3 requests, no errors", i+1, rows[j], route)
			}
		}
		t.Logf("\n%s", out)
	}
}
