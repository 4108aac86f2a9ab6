package store_test

import (
	"context"
	"sync"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestPostgresPoolKeepsConnections: under as many concurrent queries as the
// pool may open, round after round, every connection opened is kept and
// reused: none is closed for want of idle room (which is what made a new
// PostgreSQL session for most requests, issue 13), and the pool never
// grows past its size.
func TestPostgresPoolKeepsConnections(t *testing.T) {
	dsn := storetest.NewPostgresDB(t)
	cases := []struct {
		name     string
		maxConns int
		want     int
	}{
		{name: "default", maxConns: 0, want: store.DefaultMaxConns},
		{name: "configured", maxConns: 6, want: 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := storetest.OpenDSN(t, "postgres", dsn, func(c *store.Config) { c.MaxConns = tc.maxConns })
			db := st.DB()
			for range 3 {
				// Twice as many queries as connections, each holding one
				// for a moment: the pool is full, and hands them back.
				var wg sync.WaitGroup
				for range 2 * tc.want {
					wg.Go(func() {
						if _, err := db.ExecContext(context.Background(), "SELECT pg_sleep(0.02)"); err != nil {
							t.Error(err)
						}
					})
				}
				wg.Wait()
			}
			s := db.Stats()
			if s.MaxOpenConnections != tc.want || s.OpenConnections > tc.want || s.MaxIdleClosed != 0 || s.Idle != s.OpenConnections {
				t.Fatalf("pool of %d: %d open, %d idle, %d closed for want of idle room",
					s.MaxOpenConnections, s.OpenConnections, s.Idle, s.MaxIdleClosed)
			}
		})
	}
}
