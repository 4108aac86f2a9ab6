// Package sandbox is an offline ORCID registry: the site with its OAuth 2.0
// and OpenID Connect endpoints, the Member API v3.0 and the Public API v3.0,
// served by one http.Handler with the same paths ORCID uses on its three
// hosts (site at "/", Member API at "/v3.0/", Public API at "/pub/v3.0/").
//
// It exists so that orcidlink, its tests and its users can develop, demo and
// test against something that behaves like sandbox.orcid.org with no network.
// Behaviour follows ORCID's own sources (see doc/sandbox.md); where ORCID's
// behaviour is a quirk, the emulator reproduces the quirk.
package sandbox

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Config configures a Registry. Only BaseURL is required.
type Config struct {
	// BaseURL is the absolute URL at which the handler is reachable, for
	// example "http://127.0.0.1:8081" or "https://host/sandbox" when mounted
	// under a prefix. It is the OpenID issuer and the host of every iD URI.
	BaseURL string
	// DB is the SQLite database path; "" or ":memory:" keeps nothing.
	DB string
	// RateLimit is the sustained Member/Public API rate per client in
	// requests per second and Burst the queue past which ORCID answers 503.
	// Zero means ORCID's documented 24/s and 40.
	RateLimit float64
	Burst     int
	// Logger receives one line per request at debug level; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now. Tests move it to expire codes.
	Now func() time.Time
	// Strict makes the registry know only the organisations and peer-review
	// groups it was given (seed file, control API, group-id-record API).
	// Otherwise, since no offline registry can hold all of ROR or the ISSN
	// portal, a ROR iD in ORCID's form with a valid checksum counts as a
	// known organisation and an ISSN with a valid check digit as a known
	// journal, from which an issn: group is made on first use as ORCID does.
	Strict bool
	// WebhookInterval is how often pending premium webhooks are delivered,
	// ORCID's scheduler period (minutes there): 0 means
	// DefaultWebhookInterval, negative only on demand (DeliverWebhooks,
	// POST /_sandbox/webhooks/flush). WebhookRetryDelay is ORCID's
	// webhookRetryDelayMinutes: a failed callback waits failures × delay;
	// 0 means DefaultWebhookRetryDelay.
	WebhookInterval   time.Duration
	WebhookRetryDelay time.Duration
	// WebhookClient makes the deliveries; nil means WebhookClient(nil):
	// ORCID's 20-second timeout, no redirects followed, any address.
	// A program exposing the registry to others passes one whose dialer
	// refuses the addresses it must protect (webhooks.go).
	WebhookClient *http.Client
}

// Defaults documented by ORCID for API v2.0 and later.
const (
	DefaultRateLimit = 24
	DefaultBurst     = 40
)

// Registry is a running offline ORCID registry.
type Registry struct {
	cfg     Config
	base    *url.URL
	store   *store
	log     *slog.Logger
	now     func() time.Time
	keys    *signingKey
	limits  *limiters
	faults  *faultState
	i18n    *catalog  // the site pages' translations (i18n.go)
	hooks   *webhooks // premium webhook deliveries (webhooks.go)
	handler http.Handler

	mu sync.Mutex // serialises iD minting
}

// Open opens (creating and migrating if needed) the registry's database and
// prepares its handler.
func Open(ctx context.Context, cfg Config) (*Registry, error) {
	base, err := url.Parse(strings.TrimSuffix(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("sandbox: base URL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.RateLimit < 0 || cfg.Burst < 0 {
		return nil, errors.New("sandbox: rate limit and burst must not be negative")
	}
	if cfg.RateLimit == 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.Burst == 0 {
		cfg.Burst = DefaultBurst
	}
	r := &Registry{
		cfg:    cfg,
		base:   base,
		log:    cfg.Logger,
		now:    cfg.Now,
		faults: &faultState{},
		i18n:   newCatalog(),
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.now == nil {
		r.now = time.Now
	}
	r.limits = newLimiters(cfg.RateLimit, cfg.Burst)
	if r.store, err = openStore(ctx, cfg.DB); err != nil {
		return nil, err
	}
	if r.keys, err = loadSigningKey(ctx, r.store, r.now()); err != nil {
		r.store.Close()
		return nil, err
	}
	r.handler = r.routes()
	r.startWebhooks(cfg)
	return r, nil
}

// Close closes the database.
func (r *Registry) Close() error {
	r.stopWebhooks()
	return r.store.Close()
}

// Handler serves the whole registry. Mount it at the path of BaseURL
// (stripping that prefix).
func (r *Registry) Handler() http.Handler { return r.handler }

// BaseURL is the registry's site URL without a trailing slash; the Member
// API is at BaseURL+"/v3.0" and the Public API at BaseURL+"/pub/v3.0".
func (r *Registry) BaseURL() string { return r.base.String() }

// MemberAPIURL and PublicAPIURL are the API bases a client is configured with.
func (r *Registry) MemberAPIURL() string { return r.BaseURL() + "/v3.0" }
func (r *Registry) PublicAPIURL() string { return r.BaseURL() + "/pub/v3.0" }

// Host is what ORCID puts in "host" fields of iD and client identifiers.
func (r *Registry) Host() string { return r.base.Host }

// IDURI is the full URI of an iD issued by this registry.
func (r *Registry) IDURI(orcid string) string { return r.BaseURL() + "/" + orcid }

// routes is the whole route table. Each file registers its own group so
// that the table stays readable: the site and OAuth (site.go, oauth.go,
// oidc.go; their handlers are in site_*.go and oauth_*.go, a file per
// page), the APIs (api.go), and the emulator's own controls (control.go).
func (r *Registry) routes() http.Handler {
	mux := http.NewServeMux()
	r.registerSiteRoutes(mux)
	r.registerOAuthRoutes(mux)
	r.registerAPIRoutes(mux)
	r.registerControlRoutes(mux)
	r.registerInboxRoutes(mux)
	r.registerWebhookControlRoutes(mux)
	// Browsers post the site's forms; refuse cross-origin ones (CSRF).
	// OAuth and API endpoints are called by servers, which send no
	// Sec-Fetch-Site or Origin headers, so the check lets them through.
	cop := http.NewCrossOriginProtection()
	// API paths without /v3.0/ (webhooks, other versions) fit no pattern
	// of mux; unversioned answers them as ORCID's API hosts do (versions.go).
	return r.logRequests(cop.Handler(r.unversioned(mux)))
}

func (r *Registry) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, req)
		r.log.LogAttrs(req.Context(), slog.LevelDebug, "sandbox request",
			slog.String("method", req.Method), slog.String("path", req.URL.Path),
			slog.Int("status", sw.status), slog.Duration("took", time.Since(start)))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// randomString returns n characters drawn uniformly from alphabet.
func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[randIntn(len(alphabet))]
	}
	return string(b)
}

func randIntn(n int) int {
	var b [8]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			panic("crypto/rand failed: " + err.Error()) // cannot happen on supported platforms
		}
		v := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		// Reject the top sliver so every value is equally likely.
		if limit := ^uint64(0) - (^uint64(0) % uint64(n)); v < limit {
			return int(v % uint64(n))
		}
	}
}

const (
	digits   = "0123456789"
	base62   = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	upperNum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
