package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/reviewpack"
	"github.com/orcidlink/orcidlink/internal/store"
)

// runReviewPack writes the evidence ORCID's integration review asks for
// (internal/reviewpack) for one tenant. It drives the orcidlink that serves
// this configuration: the one running at its public URL or --url, or, when
// none answers there, one it starts itself for the run with the same
// configuration (so that the redirect URI registered at ORCID is the one
// the run uses).
func runReviewPack(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newServeFlags("review-pack", "Writes one HTML file with a screenshot of every researcher step against the tenant's sandbox credential, and the documentation ORCID asks for before issuing production credentials.", stderr)
	tenant := f.fs.String("tenant", "", "`SLUG` of the tenant to demonstrate (required)")
	out := f.fs.String("out", "", "HTML `FILE` to write (default review-pack-SLUG-DATE.html)")
	serverURL := f.fs.String("url", "", "`URL` of the running orcidlink to drive (default: the public URL of the configuration)")
	cfg, err := f.load(args, getenv)
	if err != nil {
		return err
	}
	if *tenant == "" {
		fmt.Fprintln(stderr, "orcidlink review-pack: --tenant is required")
		f.fs.Usage()
		return errUsage
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
	base := strings.TrimSuffix(*serverURL, "/")
	if base == "" {
		base = strings.TrimSuffix(cfg.PublicURL, "/")
	}
	if base == "" {
		base = "http://" + cfg.Listen
	}
	if !answers(ctx, base) {
		if *serverURL != "" {
			return fmt.Errorf("no orcidlink answers at %s", base)
		}
		fmt.Fprintf(stderr, "no orcidlink answers at %s: starting one for the run\n", base)
		stop, err := startServerForRun(ctx, args, getenv, stderr, base)
		if err != nil {
			return err
		}
		defer stop()
	}
	// Read once the server is up: a first start creates the demo tenant.
	t, err := st.TenantBySlug(ctx, *tenant)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no tenant %q", *tenant)
	}
	if err != nil {
		return err
	}
	cred, err := st.Credential(ctx, t.CredentialID)
	if err != nil {
		return fmt.Errorf("the credential of tenant %q: %w", *tenant, err)
	}
	svc, err := connect.New(connect.Config{Store: st, PublicURL: base})
	if err != nil {
		return err
	}
	chromium := reviewpack.FindChromium()
	if chromium == "" {
		fmt.Fprintln(stderr, "no Chromium found (chromium, chromium-browser or google-chrome): the pack will say which screenshots it leaves out")
	}
	pack, err := reviewpack.Run(ctx, reviewpack.Config{BaseURL: base, Store: st, Tenant: t, Credential: cred,
		Scopes: svc.TenantScopes(t, cred), Chromium: chromium, Progress: stderr})
	if err != nil {
		return err
	}
	path := *out
	if path == "" {
		path = "review-pack-" + t.Slug + "-" + time.Now().Format("2006-01-02") + ".html"
	}
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pack.WriteHTML(file); err != nil {
		file.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(stdout, "wrote %s: %d of %d steps with a screenshot, %d calls to ORCID logged\n", path,
		len(pack.Steps), len(reviewpack.StepIDs()), len(pack.Calls))
	for _, l := range pack.LeftOut {
		fmt.Fprintln(stdout, "  left out:", l)
	}
	return nil
}

// answers reports whether an orcidlink answers /healthz at base.
func answers(ctx context.Context, base string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/healthz", nil)
	if err != nil {
		return false
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// startServerForRun runs serve in this process with the review pack's
// configuration flags (the others are review-pack's own), and waits until
// it answers. Its banner goes to stderr: on a first start it holds the
// administrator's one-time password.
func startServerForRun(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, base string) (stop func(), err error) {
	var serveArgs []string
	for i := 0; i < len(args); i++ {
		a := strings.TrimLeft(args[i], "-")
		name, _, hasValue := strings.Cut(a, "=")
		switch name {
		case "tenant", "out", "url":
			if !hasValue {
				i++ // its value
			}
			continue
		}
		serveArgs = append(serveArgs, args[i])
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runServe(sctx, serveArgs, getenv, stderr, stderr) }()
	deadline := time.Now().Add(60 * time.Second)
	for !answers(ctx, base) {
		select {
		case err := <-done:
			cancel()
			return nil, fmt.Errorf("start orcidlink for the run: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			<-done
			return nil, fmt.Errorf("orcidlink started for the run does not answer at %s", base)
		}
	}
	return func() {
		cancel()
		<-done
	}, nil
}
