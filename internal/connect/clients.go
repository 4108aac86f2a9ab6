package connect

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

type callContextKey struct{}

type callContext struct{ tenantID, personID int64 }

// WithCallContext says whom the ORCID calls made with ctx concern, so that
// the call log (which ORCID asks members to keep) files them under the
// tenant and person.
func WithCallContext(ctx context.Context, tenantID, personID int64) context.Context {
	return context.WithValue(ctx, callContextKey{}, callContext{tenantID, personID})
}

// Client is the ORCID client of a credential, built once and shared by
// every caller so that they share the credential's rate budget; a change
// of the credential (secret, client id, registry, API type) builds a new
// one. Every call it makes is appended to the store's call log under the
// tenant and person of WithCallContext.
func (s *Service) Client(ctx context.Context, cred store.Credential) (*orcid.Client, error) {
	key := clientKey(cred)
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
		RedirectURL: s.redirect,
		HTTPClient:  s.cfg.HTTPClient,
		Retry:       s.cfg.Retry,
		Limiter:     limiter,
		Hook:        s.callHook(cred.ID),
		Logger:      s.log,
	})
	if err != nil {
		return nil, fmt.Errorf("connect: ORCID client for credential %d (%s): %w", cred.ID, cred.Name, err)
	}
	s.clients[cred.ID] = cachedClient{key: key, client: c}
	return c, nil
}

// clientKey identifies what a client was built from. The secret enters as
// a hash so that the cache holds no second copy of it.
func clientKey(c store.Credential) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s", c.ClientID, c.ClientSecret, c.API,
		c.Env.Name, c.Env.SiteURL, c.Env.MemberAPIURL, c.Env.PublicAPIURL)
	return hex.EncodeToString(h.Sum(nil))
}

// callHook appends each call to the log. The orcid client has already
// redacted tokens, codes and secrets from URLs, headers and bodies.
func (s *Service) callHook(credentialID int64) orcid.Hook {
	return func(ctx context.Context, c orcid.Call) {
		if s.cfg.OnCall != nil {
			s.cfg.OnCall(c)
		}
		cc, _ := ctx.Value(callContextKey{}).(callContext)
		// The log must be written even when the request that caused the
		// call was cancelled meanwhile.
		_, err := s.store.AppendCall(context.WithoutCancel(ctx), store.Call{
			TenantID: cc.tenantID, PersonID: cc.personID, CredentialID: credentialID,
			Method: c.Method, URL: c.URL, Status: c.Status, Duration: c.Duration,
			RequestHeader: c.RequestHeader, RequestBody: c.RequestBody,
			ResponseHeader: c.ResponseHeader, ResponseBody: c.ResponseBody,
			Error: c.Err, Attempt: c.Attempt, CreatedAt: s.now(),
		})
		if err != nil {
			s.log.WarnContext(ctx, "could not log ORCID call", "tenant", cc.tenantID, "person", cc.personID,
				"credential", credentialID, "method", c.Method, "status", c.Status, "err", err)
		}
	}
}

// Scopes are the most researchers can be asked for under cred (what its
// registration at ORCID must allow): the Public API can only authenticate;
// a Member API credential may ask for everything orcidlink writes and
// reads. What one tenant asks is TenantScopes. openid comes with both, so
// that the iD is confirmed by a signed id_token.
func (s *Service) Scopes(cred store.Credential) []string {
	if cred.API == orcid.PublicAPI {
		return []string{orcid.ScopeOpenID, orcid.ScopeAuthenticate}
	}
	return ScopesFor(store.AllAsks())
}

// TenantScopes are what a tenant's researchers are asked for under cred:
// the fewest ORCID scopes that grant the tenant's asks
// (TenantSettings.AskList), so that nobody is asked for more than the
// tenant uses. A Public API credential asks for the iD alone, whatever the
// tenant chose.
func (s *Service) TenantScopes(t store.Tenant, cred store.Credential) []string {
	return TenantScopes(t, cred)
}

// TenantScopes is Service.TenantScopes, for those who hold no Service (the
// REST API shows a tenant's scopes).
func TenantScopes(t store.Tenant, cred store.Credential) []string {
	if cred.API == orcid.PublicAPI {
		return []string{orcid.ScopeOpenID, orcid.ScopeAuthenticate}
	}
	return ScopesFor(t.Settings.AskList())
}

// ScopesFor maps asks to Member API scopes. ORCID's scopes are coarse:
// /activities/update grants works, peer reviews and affiliations (and
// fundings) at once, so works and affiliations share it. With no ask at
// all, /authenticate asks for the iD alone.
func ScopesFor(asks []store.Ask) []string {
	out := []string{orcid.ScopeOpenID}
	if slices.Contains(asks, store.AskReadLimited) {
		out = append(out, orcid.ScopeReadLimited)
	}
	if slices.Contains(asks, store.AskWorks) || slices.Contains(asks, store.AskAffiliations) {
		out = append(out, orcid.ScopeActivitiesUpdate)
	}
	if slices.Contains(asks, store.AskPerson) {
		out = append(out, orcid.ScopePersonUpdate)
	}
	if len(out) == 1 {
		out = append(out, orcid.ScopeAuthenticate)
	}
	return out
}

// askScope is the scope that grants an ask.
func askScope(a store.Ask) string {
	switch a {
	case store.AskReadLimited:
		return orcid.ScopeReadLimited
	case store.AskPerson:
		return orcid.ScopePersonUpdate
	}
	return orcid.ScopeActivitiesUpdate
}

// requiredScopes are the scopes a link must hold for the person not to be
// asked again by tenant t. openid only serves the sign-in itself, and
// registries do not always list it among a token's scopes; /authenticate
// comes with any other scope, so a link connected with more (before the
// tenant narrowed its asks) still counts.
func (s *Service) requiredScopes(t store.Tenant, cred store.Credential) []string {
	return slices.DeleteFunc(s.TenantScopes(t, cred), func(sc string) bool {
		return sc == orcid.ScopeOpenID || sc == orcid.ScopeAuthenticate
	})
}

// missingAsks are the tenant's asks that a link's scopes do not grant: why
// a connected person is asked again.
func missingAsks(t store.Tenant, l store.Link) []store.Ask {
	var out []store.Ask
	for _, a := range t.Settings.AskList() {
		if !slices.Contains(l.Scopes, askScope(a)) {
			out = append(out, a)
		}
	}
	return out
}
