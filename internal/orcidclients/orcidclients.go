// Package orcidclients builds the ORCID client of each credential, once per
// process, for every caller: the researchers' connections (connect), the
// queue's writes and imports (jobs), the journal's groups. One client per
// credential means one rate budget per credential, and one call log: every
// call is appended to the store's log under the tenant and person that
// WithCallContext put on its context.
package orcidclients

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Config configures a Set. Store is required.
type Config struct {
	// Store keeps the call log.
	Store *store.Store
	// RedirectURL is the redirect URI registered for every credential
	// (connect's callback), for the OAuth code exchange; "" for a process
	// that exchanges no codes.
	RedirectURL string
	// HTTPClient and Retry configure the clients; zero values are the
	// client's defaults.
	HTTPClient *http.Client
	Retry      orcid.RetryPolicy
	// Limiter, if set, gives a credential's rate limiter (jobs'
	// NewSharedLimiter: one budget per credential shared by every process
	// on the database); nil means an in-process limiter at ORCID's
	// documented rate.
	Limiter func(cred store.Credential) orcid.Limiter
	// OnCall, if set, sees every call as it is logged (already
	// redacted), e.g. for metrics.
	OnCall func(orcid.Call)
	// Now is the clock of the call log; nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Set holds the ORCID client of each credential. It is safe for
// concurrent use.
type Set struct {
	cfg Config

	mu      sync.Mutex
	clients map[int64]cached
}

type cached struct {
	key    string // what the client was built from; a change rebuilds it
	client *orcid.Client
}

// New returns an empty Set.
func New(cfg Config) (*Set, error) {
	if cfg.Store == nil {
		return nil, errors.New("orcidclients: no store")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Set{cfg: cfg, clients: map[int64]cached{}}, nil
}

// Client is the ORCID client of cred, built at the first call and shared by
// every later one so that its callers share the credential's rate budget. A
// change of the credential (secret, client id, registry, API type) builds a
// new one.
func (s *Set) Client(_ context.Context, cred store.Credential) (*orcid.Client, error) {
	key := Key(cred)
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[cred.ID]; ok && c.key == key {
		return c.client, nil
	}
	var limiter orcid.Limiter
	if s.cfg.Limiter != nil {
		limiter = s.cfg.Limiter(cred)
	}
	c, err := orcid.New(orcid.Config{
		Credential:  cred.ORCID(),
		RedirectURL: s.cfg.RedirectURL,
		HTTPClient:  s.cfg.HTTPClient,
		Retry:       s.cfg.Retry,
		Limiter:     limiter,
		Hook:        s.hook(cred.ID),
		Logger:      s.cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("orcidclients: ORCID client for credential %d (%s): %w", cred.ID, cred.Name, err)
	}
	s.clients[cred.ID] = cached{key: key, client: c}
	return c, nil
}

// Key identifies what a credential's client is built from: two credentials
// with the same Key get the same client. The secret enters as a hash so
// that the cache holds no second copy of it.
func Key(c store.Credential) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s", c.ClientID, c.ClientSecret, c.API,
		c.Env.Name, c.Env.SiteURL, c.Env.MemberAPIURL, c.Env.PublicAPIURL)
	return hex.EncodeToString(h.Sum(nil))
}

type callContextKey struct{}

type callContext struct{ tenantID, personID int64 }

// WithCallContext says whom the ORCID calls made with ctx concern, so that
// the call log (which ORCID asks members to keep) files them under the
// tenant and person; 0 for none (a tenant's own call, a credential check).
func WithCallContext(ctx context.Context, tenantID, personID int64) context.Context {
	return context.WithValue(ctx, callContextKey{}, callContext{tenantID, personID})
}

// CallContext is what WithCallContext put on ctx: zeros when nothing.
func CallContext(ctx context.Context) (tenantID, personID int64) {
	cc, _ := ctx.Value(callContextKey{}).(callContext)
	return cc.tenantID, cc.personID
}

// hook appends each call to the log. The ORCID client has already
// redacted tokens, codes and secrets from URLs, headers and bodies.
func (s *Set) hook(credentialID int64) orcid.Hook {
	return func(ctx context.Context, c orcid.Call) {
		if s.cfg.OnCall != nil {
			s.cfg.OnCall(c)
		}
		tenantID, personID := CallContext(ctx)
		// The log must be written even when the request that caused the
		// call was cancelled meanwhile.
		_, err := s.cfg.Store.AppendCall(context.WithoutCancel(ctx), store.Call{
			TenantID: tenantID, PersonID: personID, CredentialID: credentialID,
			Method: c.Method, URL: c.URL, Status: c.Status, Duration: c.Duration,
			RequestHeader: c.RequestHeader, RequestBody: c.RequestBody,
			ResponseHeader: c.ResponseHeader, ResponseBody: c.ResponseBody,
			Error: c.Err, Attempt: c.Attempt, CreatedAt: s.cfg.Now(),
		})
		if err != nil {
			s.cfg.Logger.WarnContext(ctx, "could not log ORCID call", "tenant", tenantID, "person", personID,
				"credential", credentialID, "method", c.Method, "status", c.Status, "err", err)
		}
	}
}
