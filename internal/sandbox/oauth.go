package sandbox

import (
	"net/http"
	"time"
)

// OAuth 2.0 as ORCID runs it. The behaviour follows the last in-repository
// implementation in ORCID-Source (OauthController, OrcidAuthorizationEndpoint,
// OrcidOAuth2RequestValidator, OrcidAuthorizationCodeTokenGranter,
// OrcidRefreshTokenChecker, OrcidClientCredentialEndPointDelegatorImpl and
// OAuthErrorUtils) and the Angular front end's guards; see
// shared/reference/orcid-api.md sections 3 to 5.

const (
	// codeLifetime is how long an authorization code may wait for its
	// exchange. ORCID announced "must be used within 10 minutes of being
	// generated" (members.orcid.org/api-news, 2017-11); the in-repository
	// default of 1440 minutes (org.orcid.core.oauth.auth_code.expiration_minutes,
	// still shipped in ORCID-Source properties/default.orcid_core.env) is a
	// development default that no code at ORCID-Source HEAD reads any more.
	// What the new authorization server is configured with is not public:
	// see doc/sandbox.md ("Authorization-code lifetime").
	codeLifetime = 10 * time.Minute
	// implicitTokenLifetime is implicit_validity_seconds: implicit-flow
	// tokens last ten minutes (ORCID_AUTH_WITH_OPENID_CONNECT.md).
	implicitTokenLifetime = 600 * time.Second
	// longLivedToken is read_validity_seconds: what ORCID gives client
	// credentials tokens and persistent three-legged tokens (~20 years).
	longLivedToken = 631138519 * time.Second
	// sessionLifetime bounds a browser sign-in.
	sessionLifetime = 24 * time.Hour
)

// clientCredentialScopes are ScopePathType.isClientCreditalScope: granted by
// the two-legged flow only, refused at /oauth/authorize.
var clientCredentialScopes = map[string]bool{ScopeReadPublic: true, ScopeWebhook: true,
	ScopeGroupIDRecordRead: true, ScopeGroupIDRecordUpdate: true, ScopePremiumNotification: true}

// ignoredOIDCScopes are standard OpenID Connect scopes ORCID silently drops
// (OrcidOAuth2RequestValidator.OpenIDConnectScopesToIgnore).
var ignoredOIDCScopes = map[string]bool{"profile": true, "email": true, "address": true, "phone": true, "offline_access": true}

// oauthParams are the /oauth/authorize query parameters the registry
// understands. Only these are carried through sign-in and registration, so a
// crafted query cannot smuggle anything else into the continuation URL.
var oauthParams = []string{
	"client_id", "response_type", "scope", "redirect_uri", "state", "nonce", "prompt", "max_age",
	"lang", "given_names", "family_names", "email", "orcid", "show_login",
}

// Messages of ORCID's api_en.properties used at the token endpoint.
const (
	msgScopeNotAllowed = "One of the provided scopes is not allowed. Please refer to the list of allowed scopes at: http://support.orcid.org/knowledgebase/articles/120162-orcid-scopes."
	msgGetNotSupported = "Method GET is not supported for token requests. POST IS supported, but BASIC authentication is the preferred method of authenticating clients."
	// msgCodeExchangeFailed is what ORCID's authorization server has
	// answered since 2026-04 when a code exchange names a wrong client,
	// secret or redirect URI, or an expired or used code (ORCID-Source
	// orcid-api-web/tutorial/api_errors.md, PR #7496). The tutorial gives
	// no error code; invalid_grant is RFC 6749's for these cases.
	msgCodeExchangeFailed = "One of the provided parameters is invalid, or, the provided token/code is invalid or expired"
)

// implicitScopes are the scopes an implicit-flow token may carry: ORCID
// narrows the token to these (OrcidRandomValueTokenServicesImpl.createAccessToken
// of the last in-repository server; "ORCID will not return access tokens
// with update permissions", info.orcid.org "How does implicit OAuth work?").
var implicitScopes = map[string]bool{ScopeAuthenticate: true, ScopeOpenID: true}

func (r *Registry) registerOAuthRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /oauth/authorize", r.handleAuthorize)
	mux.HandleFunc("POST /oauth/authorize", r.handleAuthorizeDecision)
	// No method in these patterns: the handlers answer other methods
	// themselves, with the bodies ORCID uses.
	mux.HandleFunc("/oauth/token", r.handleToken)
	mux.HandleFunc("/oauth/revoke", r.handleRevoke)
	r.registerOIDCRoutes(mux)
}
