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
	"time"

	"github.com/orcidlink/orcidlink/internal/sandbox"
)

// errUsage reports bad flags; the flag package has already said why.
var errUsage = errors.New("usage")

func runSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("orcidlink sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8081", "`ADDR` to listen on (host:port; port 0 picks a free one)")
	db := fs.String("db", "orcidlink-sandbox.db", "SQLite database `PATH`; \":memory:\" keeps nothing")
	seed := fs.String("seed", "", "JSON `FILE` of clients, researchers, organizations and groups to create at start (see README)")
	baseURL := fs.String("base-url", "", "public `URL` of the registry when behind a proxy (default http://ADDR)")
	rateLimit := fs.Float64("rate-limit", sandbox.DefaultRateLimit, "API requests per second per client")
	burst := fs.Int("burst", sandbox.DefaultBurst, "API requests queued per client before the registry answers 503")
	hookEvery := fs.Duration("webhook-interval", sandbox.DefaultWebhookInterval, "how often premium webhooks whose record changed are called (ORCID: every few minutes); 0 only on POST /_sandbox/webhooks/flush")
	strict := fs.Bool("strict", false, "know only the organisations and issn: groups given by the seed or the control API (no ROR or ISSN leniency)")
	verbose := fs.Bool("verbose", false, "log every request")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: orcidlink sandbox [flags]\n\nRuns an offline ORCID registry: the site and OAuth at /, the Member API at /v3.0/, the Public API at /pub/v3.0/.\n\nFlags:")
		printFlags(stderr, fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "orcidlink sandbox: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *listen, err)
	}
	defer ln.Close()
	base := *baseURL
	if base == "" {
		base = "http://" + displayAddr(ln.Addr())
	}
	if *hookEvery <= 0 {
		*hookEvery = -1 // Config: negative is on demand only, 0 the default
	}
	reg, err := sandbox.Open(ctx, sandbox.Config{BaseURL: base, DB: *db, RateLimit: *rateLimit, Burst: *burst, Strict: *strict,
		WebhookInterval: *hookEvery, Logger: logger})
	if err != nil {
		return err
	}
	defer reg.Close()
	if *seed != "" {
		s, err := sandbox.LoadSeed(*seed)
		if err != nil {
			return err
		}
		if err := reg.ApplySeed(ctx, s); err != nil {
			return err
		}
	}
	srv := &http.Server{Handler: reg.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, `ORCID sandbox listening on %[1]s
  site and sign-in   %[1]s/signin
  developer tools    %[1]s/developer-tools   (register API clients, create test researchers)
  outbox             %[1]s/outbox
  OpenID discovery   %[1]s/.well-known/openid-configuration
  Member API         %[2]s
  Public API         %[3]s
`, reg.BaseURL(), reg.MemberAPIURL(), reg.PublicAPIURL())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fmt.Fprintln(stdout, "shutting down")
	return srv.Shutdown(shutdownCtx)
}

// displayAddr turns a listener address into something a browser can open:
// an unspecified host becomes 127.0.0.1.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
