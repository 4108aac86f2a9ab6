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
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/app"
	"github.com/orcidlink/orcidlink/internal/config"
	"github.com/orcidlink/orcidlink/internal/seal"
	"github.com/orcidlink/orcidlink/internal/setup"
	"github.com/orcidlink/orcidlink/internal/store"
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

func newLogger(cfg config.Config, w io.Writer) *slog.Logger { return app.NewLogger(cfg, w) }

func keyRing(cfg config.Config, log *slog.Logger) (*seal.Ring, error) { return app.KeyRing(cfg, log) }

func openStore(ctx context.Context, cfg config.Config, ring *seal.Ring) (*store.Store, error) {
	return app.OpenStore(ctx, cfg, ring)
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newServeFlags("serve", "Runs orcidlink: the researcher pages, the admin UI and, unless disabled, the built-in ORCID sandbox at /sandbox.", stderr)
	cfg, err := f.load(args, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	defer ln.Close()
	// The public URL defaults to the address actually bound (port 0).
	a, err := app.New(ctx, cfg, app.WithLogger(log), app.WithPublicURL("http://"+displayAddr(ln.Addr())))
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Start(ctx); err != nil {
		return err
	}
	first, err := a.Prepare(ctx)
	if err != nil {
		return err
	}
	public := a.PublicURL

	newServer := func(h http.Handler) *http.Server {
		return &http.Server{Handler: h, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
			ReadHeaderTimeout: time.Duration(cfg.ReadHeaderTimeout), ReadTimeout: time.Duration(cfg.ReadTimeout),
			WriteTimeout: time.Duration(cfg.WriteTimeout), IdleTimeout: time.Duration(cfg.IdleTimeout)}
	}
	srv := newServer(a.Handler)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if cfg.MetricsListen != "" {
		mln, err := net.Listen("tcp", cfg.MetricsListen)
		if err != nil {
			return fmt.Errorf("listen on %s (metrics_listen): %w", cfg.MetricsListen, err)
		}
		metricsMux := http.NewServeMux()
		metricsMux.Handle("GET /metrics", a.MetricsHandler)
		msrv := newServer(metricsMux)
		go func() { errc <- msrv.Serve(mln) }()
		defer msrv.Close()
		fmt.Fprintf(stdout, "  metrics            http://%s/metrics\n", displayAddr(mln.Addr()))
	}

	fmt.Fprintf(stdout, "orcidlink listening on %s\n  admin sign-in      %s/admin/signin\n", public, public)
	if first.AdminPassword != "" {
		fmt.Fprintf(stdout, "  administrator      %s / %s   (shown once: the first sign-in asks for your own)\n", orDefault(cfg.AdminEmail, setup.DefaultAdminEmail), first.AdminPassword)
	}
	if a.Registry != nil {
		fmt.Fprintf(stdout, "  ORCID sandbox      %s/sandbox/   (offline registry; demo tenant %q)\n", public, first.Demo.Slug)
	}
	if cfg.SMTP.Host == "" {
		fmt.Fprintf(stdout, "  emails             kept in the outbox: %s/admin/outbox\n", public)
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
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
