// Package app assembles orcidlink from its configuration: the store, the
// offline ORCID registry, mail, metrics, the problems watch, the connect
// service, webhooks, the job queue, the journal workflow, batch files, the
// REST API, the web site and the HTTP handler that serves them all.
//
// It is the one place that wiring lives: `orcidlink serve` builds its
// server with New and only adds flags, configuration and listeners, and the
// tests and bench commands that need orcidlink as it runs build it the same
// way, varying only what Options allow.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
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

// StopTimeout bounds how long Close waits for running jobs to finish.
const StopTimeout = 15 * time.Second

// App is orcidlink assembled: every service, and Handler serving them.
type App struct {
	Config config.Config
	// PublicURL is how browsers and ORCID reach the server, without a
	// trailing slash.
	PublicURL string
	Log       *slog.Logger
	Store     *store.Store
	// Registry is the offline ORCID registry mounted at /sandbox; nil
	// unless Config.Sandbox.
	Registry *sandbox.Registry
	Mail     *mail.Sender
	Metrics  *metrics.Metrics
	Problems *problems.Service
	Connect  *connect.Service
	Webhooks *webhooks.Service
	Queue    *jobs.Queue
	Journal  *journal.Service
	Batches  *batch.Service
	API      *api.Server
	Web      *web.Server
	// Handler serves the site, /sandbox, /api/v1, /healthz, /readyz and,
	// when Config allows it on the main listener, /metrics.
	Handler http.Handler
	// MetricsHandler serves /metrics, behind the bearer token when one is
	// configured, for a separate metrics_listen.
	MetricsHandler http.Handler

	started  bool
	stopMail context.CancelFunc
	mailDone chan struct{}
	closers  []func() error // in the order they were opened
}

type options struct {
	logger    *slog.Logger
	publicURL string
	retry     orcid.RetryPolicy
	queue     []func(*jobs.Config)
	deliver   []func(*webhooks.DeliverConfig)
	journal   []func(*journal.Config)
	api       []func(*api.Config)
	web       []func(*web.Config)
	now       func() time.Time
}

// Option varies what New builds. serve uses WithLogger and WithPublicURL;
// the others are for tests and benchmarks, which need a faster queue or a
// smaller upload limit than production.
type Option func(*options)

// WithLogger logs to l instead of a logger built from Config's log_level
// and log_format on standard error.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithPublicURL sets the public URL when Config has none: serve knows the
// address it listens on only once it listens (port 0).
func WithPublicURL(u string) Option { return func(o *options) { o.publicURL = u } }

// WithORCIDRetry bounds the retries of the connect service's ORCID clients.
func WithORCIDRetry(p orcid.RetryPolicy) Option { return func(o *options) { o.retry = p } }

// WithQueue changes the job queue's configuration after New has filled it
// in (poll interval, workers, retry policy, ...).
func WithQueue(f func(*jobs.Config)) Option { return func(o *options) { o.queue = append(o.queue, f) } }

// WithWebhookDelivery changes how webhook deliveries are made (timeout,
// backoff, transport).
func WithWebhookDelivery(f func(*webhooks.DeliverConfig)) Option {
	return func(o *options) { o.deliver = append(o.deliver, f) }
}

// WithJournal changes the journal workflow's configuration.
func WithJournal(f func(*journal.Config)) Option {
	return func(o *options) { o.journal = append(o.journal, f) }
}

// WithAPI changes the REST API's configuration (rate, burst, upload size,
// idempotency lifetime, ...). The idempotency clean-up follows whatever
// lifetime the API ends up with.
func WithAPI(f func(*api.Config)) Option { return func(o *options) { o.api = append(o.api, f) } }

// WithClock sets the clock of the store and the REST API, for tests that
// age what they keep (Idempotency-Keys, for one) without waiting.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// NewLogger is the logger the configuration asks for, writing to w.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// KeyRing builds the sealing keys from the configuration. With none
// configured (development), a key is kept in the data directory.
func KeyRing(cfg config.Config, log *slog.Logger) (*seal.Ring, error) {
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

// OpenStore opens (and migrates) the configured database.
func OpenStore(ctx context.Context, cfg config.Config, ring *seal.Ring) (*store.Store, error) {
	return openStore(ctx, cfg, ring, nil)
}

func openStore(ctx context.Context, cfg config.Config, ring *seal.Ring, now func() time.Time) (*store.Store, error) {
	if cfg.DatabaseDriver() == "sqlite" {
		if err := os.MkdirAll(filepath.Dir(cfg.DatabaseDSN()), 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	return store.Open(ctx, store.Config{Driver: cfg.DatabaseDriver(), DSN: cfg.DatabaseDSN(), Sealer: ring,
		MaxConns: cfg.DatabaseMaxConns, ConnMaxIdleTime: time.Duration(cfg.DatabaseConnMaxIdleTime), Now: now})
}

// New builds orcidlink from a validated configuration: it opens the store
// (and the registry when Config.Sandbox), and wires every service. Nothing
// runs in the background until Start; Close releases everything, also
// after an error from Start.
func New(ctx context.Context, cfg config.Config, opts ...Option) (_ *App, err error) {
	var o options
	for _, f := range opts {
		f(&o)
	}
	a := &App{Config: cfg, Log: o.logger}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if a.Log == nil {
		a.Log = NewLogger(cfg, os.Stderr)
	}
	log := a.Log
	switch {
	case cfg.PublicURL != "":
		a.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	case o.publicURL != "":
		a.PublicURL = strings.TrimSuffix(o.publicURL, "/")
	default:
		a.PublicURL = "http://" + cfg.Listen
	}
	public := a.PublicURL

	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory %s: %w", cfg.DataDir, err)
	}
	ring, err := KeyRing(cfg, log)
	if err != nil {
		return nil, err
	}
	st, err := openStore(ctx, cfg, ring, o.now)
	if err != nil {
		return nil, err
	}
	a.Store = st
	a.closers = append(a.closers, st.Close)

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
			return nil, err
		}
		a.Registry = reg
		a.closers = append(a.closers, reg.Close)
	}

	sender, err := mail.New(mail.Config{Store: st, SMTP: cfg.SMTP, Logger: log})
	if err != nil {
		return nil, err
	}
	a.Mail = sender
	// The queue and the connect service need each other: the service's
	// clients share the credential's rate budget with the worker, and a
	// completed connection resumes the person's waiting items.
	var queue *jobs.Queue
	var hooks *webhooks.Service // set once the queue exists, before anything is served
	met, err := metrics.New(metrics.Config{Store: st, Logger: log})
	if err != nil {
		return nil, err
	}
	a.Metrics = met
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
		return nil, err
	}
	a.Problems = watch
	svc, err := connect.New(connect.Config{
		Store: st, PublicURL: public, Logger: log, EmailQueued: sender.Kick, OnCall: met.ObserveCall, Retry: o.retry,
		Limiter: func(c store.Credential) orcid.Limiter { return jobs.NewSharedLimiter(st, jobs.BudgetKey(c.ID), 0, 0) },
		Connected: func(ctx context.Context, tenantID, personID int64) {
			if _, err := queue.Resume(ctx, tenantID, personID); err != nil {
				log.Warn("resume items after connection", "tenant", tenantID, "person", personID, "err", err)
			}
			// ORCID's webhook for the record, when the credential may
			// use them (jobs/record_webhooks.go).
			if err := queue.RegisterWebhook(ctx, tenantID, personID); err != nil {
				log.Warn("queue the ORCID webhook after connection", "tenant", tenantID, "person", personID, "err", err)
			}
		},
		Disconnected: func(ctx context.Context, link store.Link) {
			if err := queue.UnregisterWebhook(ctx, link.ID); err != nil {
				log.Warn("queue the removal of the ORCID webhook", "link", link.ID, "err", err)
			}
		},
		EventsRecorded:    func(ctx context.Context) { hooks.Kick(ctx) },
		CredentialRefused: watch.Refused,
	})
	if err != nil {
		return nil, err
	}
	inviter = svc
	a.Connect = svc
	pgDSN := ""
	if cfg.DatabaseDriver() == "postgres" {
		pgDSN = cfg.DatabaseDSN()
	}
	hookCfg := webhooks.DeliverConfig{Store: st, Logger: log}
	if !cfg.WebhooksAllowPrivateNetworks {
		hookCfg.Transport = webhooks.PublicTransport()
	}
	for _, f := range o.deliver {
		f(&hookCfg)
	}
	deliverer, err := webhooks.NewDeliverer(hookCfg)
	if err != nil {
		return nil, err
	}
	queueCfg := jobs.Config{Store: st, PostgresDSN: pgDSN, PostgresMaxConns: max(4, cfg.DatabaseMaxConns/2),
		Clients: svc,
		Revoker: svc, Logger: log, CallLogRetention: time.Duration(cfg.CallLogRetention), Webhooks: deliverer, Watcher: watch,
		Reminders: svc, RecordWebhookURL: public, ImportRun: met.ObserveImportRun}
	for _, f := range o.queue {
		f(&queueCfg)
	}
	queue, err = jobs.New(ctx, queueCfg)
	if err != nil {
		return nil, err
	}
	a.Queue = queue
	hooks, err = webhooks.NewService(webhooks.ServiceConfig{Store: st, Kicker: queue, Logger: log})
	if err != nil {
		return nil, err
	}
	a.Webhooks = hooks
	journalCfg := journal.Config{Store: st, Queue: queue, Inviter: svc, Clients: svc, Logger: log}
	for _, f := range o.journal {
		f(&journalCfg)
	}
	papers, err := journal.New(journalCfg)
	if err != nil {
		return nil, err
	}
	a.Journal = papers
	// Batch files' import jobs run through the queue: registered before it
	// starts. Articles files go through the journal workflow.
	files, err := batch.New(batch.Config{Store: st, Queue: queue, Inviter: svc, Journal: papers, Logger: log})
	if err != nil {
		return nil, err
	}
	a.Batches = files
	// The REST API for the tenants' own systems (doc/api.md).
	apiCfg := api.Config{Store: st, Connect: svc, Queue: queue, Journal: papers, Webhooks: hooks, Batches: files,
		Logger: log, Rate: cfg.APIRate, Burst: cfg.APIBurst, Now: o.now}
	for _, f := range o.api {
		f(&apiCfg)
	}
	rest, err := api.New(apiCfg)
	if err != nil {
		return nil, err
	}
	a.API = rest
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
	// The REST API's Idempotency-Keys are remembered as long as the API
	// was configured to remember them (a day by default).
	queue.Housekeep("API idempotency records", rest.PruneIdempotency)

	webCfg := web.Config{Store: st, Connect: svc, PublicURL: public, Logger: log, Items: queue, Journal: papers, Webhooks: hooks, Batches: files,
		EmailQueued: sender.Kick, Problems: watch,
		TrustedProxies: cfg.TrustedProxyPrefixes(), HashConcurrency: cfg.SignInHashConcurrency}
	for _, f := range o.web {
		f(&webCfg)
	}
	site, err := web.New(webCfg)
	if err != nil {
		return nil, err
	}
	a.Web = site

	mux := http.NewServeMux()
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
	mux.Handle(api.Prefix+"/", rest.Handler())
	// Prometheus metrics: ORCID calls by status and latency, items by state.
	// (Not on the public listener in production without a token: the
	// metrics name every tenant and tell its traffic.)
	a.MetricsHandler = met.Handler()
	if cfg.MetricsToken != "" {
		a.MetricsHandler = metrics.RequireToken(cfg.MetricsToken, a.MetricsHandler)
	}
	if served, _ := cfg.MetricsOnListen(); served {
		mux.Handle("GET /metrics", a.MetricsHandler)
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
	a.Handler = mux
	return a, nil
}

// FirstStart is what the first start of a server creates, once.
type FirstStart struct {
	// AdminPassword is the generated password of the first administrator,
	// to show once; "" when one was configured or already existed.
	AdminPassword string
	// Demo is the demo tenant of the registry at /sandbox; zero without
	// one.
	Demo store.Tenant
}

// Prepare creates, when missing, the first administrator and, with the
// registry at /sandbox, its registered client and the demo tenant.
func (a *App) Prepare(ctx context.Context) (FirstStart, error) {
	var fs FirstStart
	var err error
	fs.AdminPassword, err = setup.FirstAdmin(ctx, a.Store, a.Config.AdminEmail, a.Config.AdminPassword, web.HashPassword, a.Log)
	if err != nil {
		return fs, err
	}
	if a.Registry != nil {
		if fs.Demo, err = setup.SandboxDemo(ctx, a.Store, a.Registry, a.Connect.RedirectURI(), a.PublicURL); err != nil {
			return fs, err
		}
	}
	return fs, nil
}

// Start starts the background work: the job queue and the mail sender.
func (a *App) Start(ctx context.Context) error {
	if a.started {
		return errors.New("app: already started")
	}
	if err := a.Queue.Start(ctx); err != nil {
		return fmt.Errorf("start the job queue: %w", err)
	}
	a.started = true
	// The outbox keeps going while the server shuts down: Close stops it.
	mailCtx, stopMail := context.WithCancel(context.WithoutCancel(ctx))
	a.stopMail, a.mailDone = stopMail, make(chan struct{})
	go func() {
		defer close(a.mailDone)
		if err := a.Mail.Run(mailCtx); err != nil {
			a.Log.Warn("mail sender stopped", "err", err)
		}
	}()
	return nil
}

// Close stops the mail sender and the job queue (waiting up to
// StopTimeout for running jobs) and closes the registry and the store. It
// may be called more than once.
func (a *App) Close() error {
	var errs []error
	if a.stopMail != nil {
		a.stopMail()
		<-a.mailDone
		a.stopMail = nil
	}
	if a.started {
		a.started = false
		stopCtx, cancel := context.WithTimeout(context.Background(), StopTimeout)
		defer cancel()
		if err := a.Queue.Stop(stopCtx); err != nil {
			a.Log.Warn("stop the job queue", "err", err)
			errs = append(errs, fmt.Errorf("stop the job queue: %w", err))
		}
	}
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}
