package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestBenchHTTP runs a tiny `bench http` on each engine: it starts the real
// server, every route of every group answers 200 (the bench checks each
// once before measuring, and counts anything else as an error), and the
// table has a row per group with requests and no errors.
func TestBenchHTTP(t *testing.T) {
	cases := []struct {
		engine string
		args   []string
	}{
		{engine: "sqlite"},
		{engine: "postgres", args: []string{"--no-sqlite", "--dsn"}},
	}
	for _, tc := range cases {
		t.Run(tc.engine, func(t *testing.T) {
			args := []string{"http", "--clients", "2", "--duration", "300ms", "--people", "8"}
			if tc.engine == "postgres" {
				args = append(append(args, tc.args...), storetest.Postgres(t))
			}
			var stdout, stderr bytes.Buffer
			if err := runBench(context.Background(), args, &stdout, &stderr); err != nil {
				t.Fatalf("bench http: %v\n%s\n%s", err, stdout.String(), stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if len(lines) != 4 {
				t.Fatalf("want a header and 3 rows:\n%s", stdout.String())
			}
			for i, group := range []string{"public pages", "admin pages", "API reads"} {
				f := strings.Fields(strings.ReplaceAll(lines[i+1], group, "group"))
				// engine clients group requests p50 ms p99 ms errors sessions
				if len(f) != 10 || f[0] != tc.engine || f[1] != "2" || f[3] == "0" || f[8] != "0" {
					t.Errorf("row %q: want %s, 2 clients, %s, some requests and no errors", lines[i+1], tc.engine, group)
				}
			}
			t.Logf("\n%s", stdout.String())
		})
	}
}
