// Package reviewpack produces the evidence ORCID asks for before it issues
// production Member API credentials: a demonstration of the integration on
// ORCID's sandbox, as screenshots "with descriptions clearly explaining and
// demonstrating how your integration works at each step, including what
// happens if a user denies access or disconnects their iD", and
// "documentation to verify anything we would not be able to see from the
// user end, such as API version used and how data is stored" (ORCID's
// integration FAQ; seeds 000 and 001 of this repository).
//
// Run drives a local Chromium through every researcher step against a
// running orcidlink, as one test researcher of one tenant: the invitation
// (email and page), ORCID's sign-in, the consent screen, a denial and the
// retry, the success page, a work written to the record and read back, and
// the disconnection. The tenant's own systems' part (creating the person,
// inviting, writing the work, reading the call log) goes through orcidlink's
// REST API with a key made for the run and revoked after it, so the pack
// shows exactly what a real integration does. Pack.WriteHTML writes one
// self-contained HTML file: screenshots as base64 PNG, the documentation,
// and a plain list of what was left out and why.
package reviewpack

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Config is what a run needs.
type Config struct {
	// BaseURL is orcidlink's public URL: the researcher pages, the REST
	// API and, for the built-in registry, /sandbox.
	BaseURL string
	Store   *store.Store
	Tenant  store.Tenant
	// Credential is the tenant's, which must not be a production one: the
	// review happens on the sandbox.
	Credential store.Credential
	// Scopes are what the tenant's researchers are asked for (connect's
	// TenantScopes).
	Scopes []string
	// Chromium is the browser's path; "" when none is installed, and the
	// pack then says which steps it could not show.
	Chromium string
	// Progress gets a line per step; nil discards them.
	Progress io.Writer
	// HTTP is the client for the REST API; nil means a default one.
	HTTP *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Step is one researcher step, shown by its screenshot.
type Step struct {
	ID      string // stable, for links and tests: "invitation", "consent", ...
	Title   string
	Explain string // what the researcher sees and what orcidlink does
	URL     string // where the browser was
	PNG     []byte
}

// Call is one call orcidlink made to ORCID during the run.
type Call struct {
	At       time.Time
	Method   string
	URL      string
	Status   int
	Duration string
}

// Pack is the result of a run: what WriteHTML writes.
type Pack struct {
	Tenant      store.Tenant
	Credential  store.Credential
	Scopes      []string
	Created     time.Time
	BaseURL     string
	PersonID    int64
	ORCIDURI    string
	Steps       []Step
	Calls       []Call
	WorkTitle   string
	ItemPutCode string
	ReadBack    string // what orcidlink read back of the record, abridged
	// LeftOut says, step by step, what the pack does not show and why.
	LeftOut []string
}

// StepIDs are the researcher steps a complete pack shows, in order.
func StepIDs() []string {
	return []string{"invitation-email", "invitation", "orcid-signin", "consent", "denial", "retry", "success",
		"item", "disconnect"}
}

// FindChromium returns the path of an installed Chromium (Debian's
// chromium, or chromium-browser, or Google Chrome), or "".
func FindChromium() string {
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// ErrProduction is returned for a tenant on a production credential: the
// review is of the sandbox integration, and a run would write a test work
// to a real researcher's record.
var ErrProduction = errors.New("reviewpack: the tenant uses a production credential; ORCID reviews the sandbox integration, so run the review pack while the tenant is on its sandbox credential")

// Run produces the pack. An error is returned only when nothing useful
// could be made (the server does not answer, the API key cannot be
// made); a step that fails is recorded in LeftOut and the run goes on to
// the documentation.
func Run(ctx context.Context, cfg Config) (*Pack, error) {
	if cfg.Credential.Env.Name == orcid.Production.Name {
		return nil, ErrProduction
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	p := &Pack{Tenant: cfg.Tenant, Credential: cfg.Credential, Scopes: cfg.Scopes, Created: cfg.Now().UTC(),
		BaseURL: cfg.BaseURL}

	// The tenant's systems' key for the run, revoked when it ends (even on
	// failure): a pack leaves no working credential behind.
	key, apiKey, err := cfg.Store.CreateAPIKey(ctx, store.NewAPIKey{TenantID: cfg.Tenant.ID,
		Name: "review pack " + p.Created.Format(time.RFC3339), CreatedBy: store.ActorSystem})
	if err != nil {
		return nil, fmt.Errorf("reviewpack: make an API key for the run: %w", err)
	}
	defer func() {
		if err := cfg.Store.RevokeAPIKey(context.WithoutCancel(ctx), cfg.Tenant.ID, key.ID); err != nil {
			fmt.Fprintf(cfg.Progress, "could not revoke the run's API key %s: %v\n", key.Prefix, err)
		}
	}()
	api := &apiClient{base: cfg.BaseURL + "/api/v1", key: apiKey, http: cfg.HTTP}

	stamp := p.Created.Format("20060102T150405")
	person, err := api.createPerson(ctx, "Review", "Pack "+p.Created.Format("2006-01-02 15:04"),
		"review-pack+"+stamp+"@example.org", "review-pack-"+stamp)
	if err != nil {
		return nil, fmt.Errorf("reviewpack: create the test researcher through the REST API at %s: %w", cfg.BaseURL, err)
	}
	p.PersonID = person
	fmt.Fprintf(cfg.Progress, "test researcher %d created in tenant %s\n", person, cfg.Tenant.Slug)
	link, err := api.invite(ctx, person)
	if err != nil {
		return nil, fmt.Errorf("reviewpack: invite the test researcher: %w", err)
	}

	builtIn := strings.HasPrefix(cfg.Credential.Env.SiteURL, cfg.BaseURL+"/")
	switch {
	case cfg.Chromium == "":
		p.LeftOut = append(p.LeftOut, "Every screenshot: no Chromium was found on this machine (install Debian's "+
			"chromium package, or chromium-browser or google-chrome, and run again). The invitation was made, "+
			"but no researcher went through ORCID, so no work was written and the call log is short.")
	default:
		b := &browserRun{cfg: cfg, pack: p, api: api, person: person, link: link, builtIn: builtIn}
		if err := b.run(ctx); err != nil {
			p.LeftOut = append(p.LeftOut, "The browser run stopped: "+err.Error())
		}
	}
	for _, id := range StepIDs() {
		if !p.hasStep(id) && cfg.Chromium != "" {
			p.LeftOut = append(p.LeftOut, "Step "+strconv.Quote(id)+" has no screenshot (see above).")
		}
	}

	calls, err := cfg.Store.ListCalls(ctx, cfg.Tenant.ID, person, 500)
	if err != nil {
		p.LeftOut = append(p.LeftOut, "The call log: it could not be read ("+err.Error()+").")
	}
	for i := len(calls) - 1; i >= 0; i-- { // oldest first: the order of the steps
		c := calls[i]
		p.Calls = append(p.Calls, Call{At: c.CreatedAt, Method: c.Method, URL: c.URL, Status: c.Status,
			Duration: c.Duration.Round(time.Millisecond).String()})
	}
	return p, nil
}

func (p *Pack) hasStep(id string) bool {
	for _, s := range p.Steps {
		if s.ID == id && len(s.PNG) > 0 {
			return true
		}
	}
	return false
}

// dataURL is a PNG as the img src of a self-contained file.
func dataURL(png []byte) string {
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
}

// NoSandboxNeeded reports whether Chromium must run without its sandbox:
// it refuses to start as root with it (containers, CI).
func NoSandboxNeeded() bool { return os.Geteuid() == 0 }
