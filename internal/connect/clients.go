package connect

import (
	"context"
	"slices"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Client is the ORCID client of a credential, shared by every caller of
// the process (orcidclients.Set): a change of the credential builds a new
// one, and every call it makes is appended to the store's call log under
// the tenant and person of orcidclients.WithCallContext.
func (s *Service) Client(ctx context.Context, cred store.Credential) (*orcid.Client, error) {
	return s.clients.Client(ctx, cred)
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
