package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/api"
	"github.com/orcidlink/orcidlink/internal/batch"
	"github.com/orcidlink/orcidlink/internal/config"
	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/mail"
	"github.com/orcidlink/orcidlink/internal/metrics"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/problems"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/seal"
	"github.com/orcidlink/orcidlink/internal/setup"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/web"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// serveFlags are the flags shared by serve, check-config and rotate-key:
// the configuration file and the two settings people change most.
type serveFlags struct {
	fs      *flag.FlagSet
	config  *string
	listen  *string
	data    *string
	verbose *bool
}

func newServeFlags(name, summary string, stderr io.Writer) serveFlags {
	fs := flag.NewFlagSet("orcidlink "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := serveFlags{
		fs:      fs,
		config:  fs.String("config", "", "JSON configuration `FILE` (ORCIDLINK_* environment variables override it)"),
		listen:  fs.String("listen", "", "`ADDR` to listen on (default 127.0.0.1:8080; ORCIDLINK_LISTEN)"),
		data:    fs.String("data", "", "data `DIR` for the SQLite database and development keys (default ./data; ORCIDLINK_DATA)"),
		verbose: fs.Bool("verbose", false, "log at debug level"),
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: orcidlink %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		printFlags(stderr, fs)
		fmt.Fprintf(stderr, "\nEnvironment: %s\n", strings.Join(config.Env, " "))
	}
	return f
}

// load parses the flags and reads and validates the configuration,
// reporting every problem at once.
func (f serveFlags) load(args []string, getenv func(string) string) (config.Config, error) {
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config.Config{}, errHelp
		}
		return config.Config{}, errUsage
	}
	if f.fs.NArg() > 0 {
		fmt.Fprintf(f.fs.Output(), "%s: unexpected argument %q\n", f.fs.Name(), f.fs.Arg(0))
		return config.Config{}, errUsage
	}
	cfg, loadErr := config.Load(*f.config, getenv)
	if errors.Is(loadErr, config.ErrFile) {
		return cfg, loadErr
	}
	if *f.listen != "" {
		cfg.Listen = *f.listen
	}
	if *f.data != "" {
		cfg.DataDir = *f.data
	}
	if *f.verbose {
		cfg.LogLevel = "debug"
	}
	// Environment mistakes and invalid settings are reported together, so
	// that one run of check-config lists everything to fix.
	if err := errors.Join(loadErr, cfg.Validate()); err != nil {
		return cfg, fmt.Errorf("configuration has problems:\n%w", indent(err))
	}
	return cfg, nil
}

var errHelp = errors.New("help")

func indent(err error) error {
	return errors.New("  - " + strings.ReplaceAll(err.Error(), "\n", "\n  - "))
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// keyRing builds the sealing keys from the configuration. With none
// configured (development), a key is kept in the data directory.
func keyRing(cfg config.Config, log *slog.Logger) (*seal.Ring, error) {
	if len(cfg.EncryptionKeys) == 0 {
		path := filepath.Join(cfg.DataDir, "encryption.key")
		k, created, err := seal.DevelopmentKey(path)
		if err != nil {
			return nil, err
		}
		if created {
			log.Warn("no encryption_keys configured: generated a development key; configure ORCIDLINK_ENCRYPTION_KEYS in production", "file", path)
		}
		return seal.NewRing(k)
	}
	keys := make([]seal.Key, 0, len(cfg.EncryptionKeys))
	for _, s := range cfg.EncryptionKeys {
		k, err := seal.ParseKey(s)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return seal.NewRing(keys...)
}

func openStore(ctx context.Context, cfg config.Config, ring *seal.Ring) (*store.Store, error) {
	if cfg.DatabaseDriver() == "sqlite" {
		if err := os.MkdirAll(filepath.Dir(cfg.DatabaseDSN()), 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	return store.Open(ctx, store.Config{Driver: cfg.DatabaseDriver(), DSN: cfg.DatabaseDSN(), Sealer: ring,
		MaxConns: cfg.DatabaseMaxConns, ConnMaxIdleTime: time.Duration(cfg.DatabaseConnMaxIdleTime)})
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newServeFlags("serve", "Runs orcidlink: the researcher pages, the admin UI and, unless disabled, the built-in ORCID sandbox at /sandbox.", stderr)
	cfg, err := f.load(args, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory %s: %w", cfg.DataDir, err)
	}
	ring, err := keyRing(cfg, log)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, ring)
	if err != nil {
		return err
	}
	defer st.Close()

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	defer ln.Close()
	public := strings.TrimSuffix(cfg.PublicURL, "/")
	if public == "" {
		public = "http://" + displayAddr(ln.Addr())
	}

	mux := http.NewServeMux()
	var reg *sandbox.Registry
	if cfg.Sandbox {
		sbCfg := sandbox.Config{BaseURL: public + "/sandbox", DB: filepath.Join(cfg.DataDir, "sandbox.db"), Logger: log}
		// Anyone who reaches /sandbox may create a premium client and
		// register a callback: its webhook calls keep to the public
		// internet, as orcidlink's own deliveries do.
		if !cfg.WebhooksAllowPrivateNetworks {
			sbCfg.WebhookClient = sandbox.WebhookClient(webhooks.PublicTransport())
		}
		reg, err = sandbox.Open(ctx, sbCfg)
		if err != nil {
			return err
		}
		defer reg.Close()
	}

	sender := mail.New(mail.Config{SMTP: cfg.SMTP, Logger: log}, st)
	// The queue and the connect service need each other: the service's
	// clients share the credential's rate budget with the worker, and a
	// completed connection resumes the person's waiting items.
	var queue *jobs.Queue
	var hooks *webhooks.Service // set once the queue exists, before anything is served
	met := metrics.New(st, log)
	// Credentials are checked, and administrators told, by the problems
	// service; a repaired credential sends its waiting items through the
	// queue and invites its waiting researchers through connect.
	var inviter *connect.Service
	watch, err := problems.New(problems.Config{Store: st, PublicURL: public, Logger: log, EmailQueued: sender.Kick,
		Resume: func(ctx context.Context, credentialID int64) (int, error) {
			return queue.ResumeCredential(ctx, credentialID)
		},
		Reinvite: func(ctx context.Context, tenantID, personID int64) error {
			_, err := inviter.Invite(ctx, tenantID, personID, store.ActorSystem, true)
			if errors.Is(err, connect.ErrAlreadyConnected) {
				return nil
			}
			return err
		}})
	if err != nil {
		return err
	}
	svc, err := connect.New(connect.Config{
		PublicURL: public, Logger: log, EmailQueued: sender.Kick, OnCall: met.ObserveCall,
		Limiter: func(c store.Credential) orcid.Limiter { return jobs.NewSharedLimiter(st, jobs.BudgetKey(c.ID), 0, 0) },
		Connected: func(ctx context.Context, tenantID, personID int64) {
			if _, err := queue.Resume(ctx, tenantID, personID); err != nil {
				log.Warn("resume items after connection", "tenant", tenantID, "person", personID, "err", err)
			}
		},
		EventsRecorded:    func(ctx context.Context) { hooks.Kick(ctx) },
		CredentialRefused: watch.Refused,
	}, st)
	if err != nil {
		return err
	}
	inviter = svc
	pgDSN := ""
	if cfg.DatabaseDriver() == "postgres" {
		pgDSN = cfg.DatabaseDSN()
	}
	hookCfg := webhooks.DeliverConfig{Store: st, Logger: log}
	if !cfg.WebhooksAllowPrivateNetworks {
		hookCfg.Transport = webhooks.PublicTransport()
	}
	deliverer, err := webhooks.NewDeliverer(hookCfg)
	if err != nil {
		return err
	}
	queue, err = jobs.New(ctx, jobs.Config{Store: st, PostgresDSN: pgDSN, PostgresMaxConns: max(4, cfg.DatabaseMaxConns/2),
		Clients: svc, CallContext: connect.WithCallContext,
		Revoker: svc, Logger: log, CallLogRetention: time.Duration(cfg.CallLogRetention), Webhooks: deliverer, Watcher: watch,
		Reminders: svc})
	if err != nil {
		return err
	}
	hooks = webhooks.NewService(st, queue, log)
	papers, err := journal.New(journal.Config{Store: st, Queue: queue, Inviter: svc, Clients: svc, Logger: log})
	if err != nil {
		return err
	}
	// Batch files' import jobs run through the queue: registered before it
	// starts. Articles files go through the journal workflow.
	files, err := batch.New(batch.Config{Store: st, Queue: queue, Inviter: svc, Journal: papers, Logger: log})
	if err != nil {
		return err
	}
	// Webhook events are history like the call log, and kept as long.
	if keep := time.Duration(cfg.CallLogRetention); keep > 0 {
		queue.Housekeep("webhook events", func(ctx context.Context) (int64, error) {
			return st.PruneWebhookEvents(ctx, time.Now().Add(-keep))
		})
	}
	// An upload still being checked a day later died with its process.
	queue.Housekeep("abandoned batch uploads", func(ctx context.Context) (int64, error) {
		return st.PruneAbandonedBatches(ctx, time.Now().Add(-24*time.Hour))
	})
	// The REST API's Idempotency-Keys are remembered for a day.
	queue.Housekeep("API idempotency records", func(ctx context.Context) (int64, error) {
		return st.PruneIdempotency(ctx, time.Now().Add(-api.DefaultIdempotencyTTL))
	})
	if err := queue.Start(ctx); err != nil {
		return fmt.Errorf("start the job queue: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := queue.Stop(stopCtx); err != nil {
			log.Warn("stop the job queue", "err", err)
		}
	}()
	site, err := web.New(web.Config{PublicURL: public, Logger: log, Items: queue, Journal: papers, Webhooks: hooks, Batches: files,
		EmailQueued: sender.Kick, Problems: watch,
		TrustedProxies: cfg.TrustedProxyPrefixes(), HashConcurrency: cfg.SignInHashConcurrency}, st, svc)
	if err != nil {
		return err
	}
	mux.Handle("/", site.Handler())
	if reg != nil {
		sb := reg.Handler()
		if cfg.Production() {
			// The control API lists client secrets and injects faults:
			// in production only a signed-in site administrator reaches it.
			sb = site.SiteAdminOnlyUnder("/_sandbox", sb)
		}
		mux.Handle("/sandbox/", http.StripPrefix("/sandbox", sb))
	}
	// The REST API for the tenants' own systems (doc/api.md).
	rest, err := api.New(api.Config{Store: st, Connect: svc, Queue: queue, Journal: papers, Webhooks: hooks, Batches: files,
		Logger: log, Rate: cfg.APIRate, Burst: cfg.APIBurst})
	if err != nil {
		return err
	}
	mux.Handle(api.Prefix+"/", rest.Handler())
	// Prometheus metrics: ORCID calls by status and latency, items by state.
	// (Not on the public listener in production without a token: the
	// metrics name every tenant and tell its traffic.)
	metricsHandler := met.Handler()
	if cfg.MetricsToken != "" {
		metricsHandler = metrics.RequireToken(cfg.MetricsToken, metricsHandler)
	}
	if served, _ := cfg.MetricsOnListen(); served {
		mux.Handle("GET /metrics", metricsHandler)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := st.DB().PingContext(ctx); err != nil {
			log.Warn("not ready: database", "err", err)
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})

	shownPassword, err := setup.FirstAdmin(ctx, st, cfg.AdminEmail, cfg.AdminPassword, web.HashPassword, log)
	if err != nil {
		return err
	}
	var demo store.Tenant
	if reg != nil {
		if demo, err = setup.SandboxDemo(ctx, st, reg, svc.RedirectURI(), public); err != nil {
			return err
		}
	}

	newServer := func(h http.Handler) *http.Server {
		return &http.Server{Handler: h, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
			ReadHeaderTimeout: time.Duration(cfg.ReadHeaderTimeout), ReadTimeout: time.Duration(cfg.ReadTimeout),
			WriteTimeout: time.Duration(cfg.WriteTimeout), IdleTimeout: time.Duration(cfg.IdleTimeout)}
	}
	srv := newServer(mux)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if cfg.MetricsListen != "" {
		mln, err := net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			return fmt.Errorf("listen on %s (metrics_listen): %w", cfg.MetricsListen, err)
		}
		metricsMux := http.NewServeMux()
		metricsMux.Handle("GET /metrics", metricsHandler)
		msrv := newServer(metricsMux)
		go func() { errc <- msrv.Serve(mln) }()
		defer msrv.Close()
		fmt.Fprintf(stdout, "  metrics            http://%s/metrics\n", displayAddr(mln.Addr()))
	}
	mailCtx, stopMail := context.WithCancel(context.WithoutCancel(ctx))
	mailDone := make(chan struct{})
	go func() { sender.Run(mailCtx); close(mailDone) }()

	fmt.Fprintf(stdout, "orcidlink listening on %s\n  admin sign-in      %s/admin/signin\n", public, public)
	if shownPassword != "" {
		fmt.Fprintf(stdout, "  administrator      %s / %s   (shown once: the first sign-in asks for your own)\n", orDefault(cfg.AdminEmail, setup.DefaultAdminEmail), shownPassword)
	}
	if reg != nil {
		fmt.Fprintf(stdout, "  ORCID sandbox      %s/sandbox/   (offline registry; demo tenant %q)\n", public, demo.Slug)
	}
	if cfg.SMTP.Host == "" {
		fmt.Fprintf(stdout, "  emails             kept in the outbox: %s/admin/outbox\n", public)
	}

	select {
	case err := <-errc:
		stopMail()
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	stopMail()
	<-mailDone
	return err
}

func runCheckConfig(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newServeFlags("check-config", "Checks the configuration (file, environment and flags) and reports every problem at once.", stderr)
	cfg, err := f.load(args, getenv)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "configuration OK\n  listen        %s\n  public URL    %s\n  database      %s\n  sandbox       %v\n  email         %s\n",
		cfg.Listen, orDefault(cfg.PublicURL, "http://"+cfg.Listen), cfg.DatabaseDriver(), cfg.Sandbox, orDefault(cfg.SMTP.Host, "outbox only"))
	fmt.Fprintf(stdout, "  metrics       %s\n  proxies       %s\n  sign-in       %s password hashes at once\n  timeouts      header %v, request %v, response %v, idle %v\n",
		metricsSummary(cfg), orDefault(strings.Join(cfg.TrustedProxies, ", "), "none trusted"),
		hashesAtOnce(cfg.SignInHashConcurrency), time.Duration(cfg.ReadHeaderTimeout), time.Duration(cfg.ReadTimeout),
		time.Duration(cfg.WriteTimeout), time.Duration(cfg.IdleTimeout))
	if cfg.Sandbox && cfg.Production() {
		fmt.Fprintln(stdout, "  sandbox control API only for signed-in site administrators (public_url is https)")
	}
	return nil
}

func hashesAtOnce(n int) string {
	if n == 0 {
		return "half the CPUs"
	}
	return strconv.Itoa(n)
}

// metricsSummary says where /metrics is served, for check-config.
func metricsSummary(cfg config.Config) string {
	served, token := cfg.MetricsOnListen()
	switch {
	case cfg.MetricsListen != "" && cfg.MetricsToken != "":
		return "on " + cfg.MetricsListen + " only, with the bearer token"
	case cfg.MetricsListen != "":
		return "on " + cfg.MetricsListen + " only"
	case token:
		return "on listen, with the bearer token"
	case served:
		return "on listen, open (development)"
	default:
		return "off (public_url is https: set metrics_token or metrics_listen)"
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// runRotateKey re-seals every secret under the first configured key. Roll
// out a configuration whose encryption_keys list the new key first and the
// old one after it, then run this while the servers keep running; once it
// reports done, the old key can be removed.
func runRotateKey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newServeFlags("rotate-key", "Re-encrypts every stored token and secret under the first of encryption_keys, in batches, while the server runs.", stderr)
	cfg, err := f.load(args, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	ring, err := keyRing(cfg, log)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, ring)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := st.ResealAll(ctx, 200, func(done, total int) {
		fmt.Fprintf(stdout, "re-sealed %d of %d\n", done, total)
	})
	if err != nil {
		return fmt.Errorf("rotate key: %w (re-run to continue: finished batches are kept)", err)
	}
	fmt.Fprintf(stdout, "done: %d values now sealed with key %q\n", n, ring.PrimaryID())
	return nil
}
