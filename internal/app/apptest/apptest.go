// Package apptest runs orcidlink as serve assembles it (package app) for a
// test: on a loopback httptest server, over a fresh SQLite or PostgreSQL
// database, with the job queue started, and everything closed by
// t.Cleanup. Only tests import it.
package apptest

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/app"
	"github.com/orcidlink/orcidlink/internal/config"
	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// Config is the configuration Start uses for driver: nothing configured
// but a data directory of the test's own, the database (a fresh SQLite
// file or PostgreSQL database), the test sealing key storetest.Key1,
// no registry at /sandbox (tests start their own with sandboxtest), and
// webhooks allowed to reach loopback receivers.
func Config(t testing.TB, driver string) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.Sandbox = false
	cfg.EncryptionKeys = []string{storetest.Key1}
	cfg.WebhooksAllowPrivateNetworks = true
	dsn := storetest.NewDSN(t, driver)
	if driver == "sqlite" {
		cfg.DatabaseURL = "sqlite:" + dsn
	} else {
		cfg.DatabaseURL = dsn
	}
	return cfg
}

// Fast are the options Start applies before the test's own: work is
// picked up within 50ms, failed jobs and webhook deliveries are retried
// within a fraction of a second, and an ORCID call is tried twice, so that
// tests wait for behaviour rather than for production's backoffs.
func Fast() []app.Option {
	return []app.Option{
		app.WithORCIDRetry(orcid.RetryPolicy{MaxAttempts: 2}),
		app.WithQueue(func(c *jobs.Config) {
			c.RetryPolicy = jobstest.FastRetry{}
			c.PollInterval = 50 * time.Millisecond
			c.Workers = 4
			c.WebhookSweep = 200 * time.Millisecond
		}),
		app.WithWebhookDelivery(func(c *webhooks.DeliverConfig) {
			c.Timeout = 5 * time.Second
			c.Backoff = func(int) time.Duration { return 20 * time.Millisecond }
		}),
	}
}

// Start builds orcidlink from cfg (see Config) with the Fast options and
// then opts, serves it on a loopback port, starts its queue, and returns
// it with the base URL it is served at. It fails the test if anything
// cannot be set up.
func Start(t testing.TB, cfg config.Config, opts ...app.Option) (*app.App, string) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	all := append([]app.Option{app.WithLogger(slog.New(slog.DiscardHandler)), app.WithPublicURL(base)}, Fast()...)
	ctx := context.Background()
	a, err := app.New(ctx, cfg, append(all, opts...)...)
	if err != nil {
		srv.Close()
		t.Fatalf("apptest: build orcidlink: %v", err)
	}
	// Cleanups run last first: the server stops before the app closes.
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("apptest: close orcidlink: %v", err)
		}
	})
	if err := a.Start(ctx); err != nil {
		srv.Close()
		t.Fatalf("apptest: start orcidlink: %v", err)
	}
	srv.Config.Handler = a.Handler
	srv.Start()
	t.Cleanup(srv.Close)
	return a, base
}
