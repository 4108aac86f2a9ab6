package sandbox

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
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

// authRequest is a validated /oauth/authorize request.
type authRequest struct {
	Client       Client
	ResponseType string
	// Implicit is the implicit flow (response_type token or id_token
	// token): the token goes back in the redirect URI's fragment. IDToken
	// says whether an id_token goes with it.
	Implicit bool
	IDToken  bool
	// Scopes are the scopes granted; Requested those asked for, which
	// differ only in the implicit flow, where ORCID narrows the token.
	Scopes      Scopes
	Requested   Scopes
	RedirectURI string
	State       string
	Nonce       string
	Prompt      []string
	MaxAge      int64 // seconds; -1 when absent
	// Query holds the recognised parameters as received, to carry the
	// request across the sign-in and registration pages.
	Query url.Values
}

func (a authRequest) openID() bool { return containsScope(a.Scopes, ScopeOpenID) }

// prompt reports whether the OpenID prompt parameter holds value. ORCID
// honours prompt only when openid is requested.
func (a authRequest) prompt(value string) bool {
	if !a.openID() {
		return false
	}
	for _, p := range a.Prompt {
		if p == value {
			return true
		}
	}
	return false
}

func containsScope(s Scopes, scope string) bool {
	for _, x := range s {
		if x == scope {
			return true
		}
	}
	return false
}

// authPageError is an error ORCID shows on its own page rather than sending to
// the client's redirect URI (the form fields error and errorDescription of
// ORCID's RequestInfoForm).
type authPageError struct {
	Code        string
	Description string
}

func (e *authPageError) Error() string { return e.Code + ": " + e.Description }

// filterOAuthQuery keeps the recognised authorize parameters, first value
// each.
func filterOAuthQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range oauthParams {
		if v, ok := q[k]; ok && len(v) > 0 {
			out.Set(k, v[0])
		}
	}
	return out
}

// parseAuthorize validates an authorize request in the order ORCID does
// (OauthHelper.generateRequestInfoForm, then the client, redirect-URI,
// response-type and scope checks of OauthController). Errors are for
// ORCID's error page; a nil error means the request is safe to act on, in
// particular its redirect URI is registered.
func (r *Registry) parseAuthorize(ctx context.Context, q url.Values) (authRequest, error) {
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	a := authRequest{Query: filterOAuthQuery(q), MaxAge: -1}
	clientID := get("client_id")
	if clientID == "" {
		return a, &authPageError{"oauth_error", "Please specify a client id"}
	}
	c, err := r.store.Client(ctx, clientID)
	if errors.Is(err, ErrNotFound) {
		return a, &authPageError{"invalid_client", "Client not found: " + clientID}
	}
	if err != nil {
		return a, fmt.Errorf("authorize: %w", err)
	}
	a.Client = c
	rawScope := get("scope")
	if rawScope == "" {
		return a, &authPageError{"oauth_error", "Please specify the desired scopes"}
	}
	if a.RedirectURI = get("redirect_uri"); a.RedirectURI == "" {
		return a, &authPageError{"oauth_error", "Please specify a redirect URL"}
	}
	if a.ResponseType = get("response_type"); a.ResponseType == "" {
		return a, &authPageError{"oauth_error", "Please specify a response type"}
	}
	if ma := get("max_age"); ma != "" {
		n, err := strconv.ParseInt(ma, 10, 64)
		if err != nil || n < 0 {
			return a, &authPageError{"oauth_error", "Invalid max_age param"}
		}
		a.MaxAge = n
	}
	// Checked before anything is sent to the redirect URI: the emulator
	// never redirects to an address the client did not register.
	if !redirectMatches(a.RedirectURI, c.RedirectURIs) {
		return a, &authPageError{"invalid_grant", "Redirect URI doesn't match your registered redirect URIs."}
	}
	// Response types as ORCID's OauthController and Spring's
	// AuthorizationEndpoint read them: with openid, "id_token" or "token"
	// becomes "id_token token" (OrcidAuthorizationEndpoint.isOpenIdWithTokenResponseType);
	// otherwise "token" is the implicit flow and "code" the code flow.
	types := strings.Fields(a.ResponseType)
	openIDAsked := slices.Contains(strings.Fields(rawScope), ScopeOpenID)
	switch {
	case openIDAsked && (slices.Contains(types, "id_token") || slices.Contains(types, "token")):
		a.Implicit, a.IDToken = true, true
	case slices.Contains(types, "token"):
		a.Implicit = true
	case !slices.Contains(types, "code"):
		return a, &authPageError{"unsupported_response_type", "Unsupported response type."}
	}
	var kept []string
	for _, s := range strings.Fields(rawScope) {
		if ignoredOIDCScopes[s] {
			continue
		}
		if !clientMayRequest(c, s) {
			return a, &authPageError{"invalid_scope", "Invalid scope: " + s}
		}
		kept = append(kept, s)
	}
	if a.Scopes = ParseScopes(strings.Join(kept, " ")); len(a.Scopes) == 0 {
		return a, &authPageError{"oauth_error", "Please specify the desired scopes"}
	}
	a.Requested = a.Scopes
	// OauthController: an id_token asked for in the browser must be bound
	// to a nonce. Only an absent nonce counts; ORCID tests for null.
	if _, hasNonce := q["nonce"]; openIDAsked && strings.Contains(a.ResponseType, "id_token") && !hasNonce {
		return a, &authPageError{"invalid_request", "Implicit id_token requests must have nonce"}
	}
	if a.Implicit {
		a.Scopes = slices.DeleteFunc(slices.Clone(a.Scopes), func(s string) bool { return !implicitScopes[s] })
		if len(a.Scopes) == 0 {
			// ORCID would mint a token with no scope at all; the
			// emulator says so instead of handing out a useless token.
			return a, &authPageError{"invalid_scope", "The implicit flow grants only /authenticate and openid; requested: " + a.Requested.String()}
		}
	}
	a.State = q.Get("state") // echoed exactly as received
	a.Nonce = get("nonce")
	a.Prompt = strings.Fields(get("prompt"))
	return a, nil
}

// clientMayRequest is OrcidOAuth2RequestValidator.validateParameters for
// one scope: a three-legged scope the client's credentials include.
// Two-legged scopes (/read-public, /webhook) are refused here for every
// client; member-only scopes need Member API credentials.
func clientMayRequest(c Client, scope string) bool {
	return threeLegged[scope] && !clientCredentialScopes[scope] && (c.Member() || !memberOnly[scope])
}

// redirectMatches is ORCID's OrcidOauthRedirectResolver: some registered URI
// has the same scheme, user info, host and port (an absent port differs
// from an explicit default one), and the requested path, cleaned, starts
// with the registered path, cleaned. Query and fragment are ignored.
func redirectMatches(requested string, registered []string) bool {
	req, err := url.Parse(requested)
	if err != nil || req.Scheme == "" || req.Host == "" {
		return false
	}
	for _, reg := range registered {
		u, err := url.Parse(strings.TrimSpace(reg))
		if err != nil || u.Scheme == "" {
			continue
		}
		if u.Scheme == req.Scheme && u.User.String() == req.User.String() &&
			u.Hostname() == req.Hostname() && u.Port() == req.Port() &&
			strings.HasPrefix(cleanPath(req.Path), cleanPath(u.Path)) {
			return true
		}
	}
	return false
}

// cleanPath resolves dot segments like Spring's StringUtils.cleanPath, so
// "/cb/../evil" cannot pass as a path under "/cb", but keeps a trailing
// slash, which matters for the prefix test.
func cleanPath(p string) string {
	if p == "" {
		return ""
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// handleAuthorize is GET /oauth/authorize: validate, then sign in or
// register if needed, then consent or (same scopes already granted) issue
// a code at once.
func (r *Registry) handleAuthorize(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	a, err := r.parseAuthorize(ctx, req.URL.Query())
	if err != nil {
		r.renderOAuthError(w, req, err)
		return
	}
	sess, user, signedIn := r.currentSession(req)
	if a.prompt("none") {
		// ORCID answers prompt=none with an error even when it could
		// have skipped the consent screen.
		code := "login_required"
		if signedIn {
			code = "interaction_required"
		}
		http.Redirect(w, req, appendQuery(a.RedirectURI, "error", code, "state", a.State), http.StatusFound)
		return
	}
	tooOld := a.openID() && a.MaxAge >= 0 && signedIn && r.now().Sub(sess.AuthTime) > time.Duration(a.MaxAge)*time.Second
	if !signedIn || a.prompt("login") || tooOld {
		http.Redirect(w, req, r.loginPageFor(ctx, a), http.StatusFound)
		return
	}
	if !a.prompt("confirm") {
		skip, err := r.hasLiveTokenWithScopes(ctx, a.Client.ID, user.ORCID, a.Scopes)
		if err != nil {
			r.serverError(w, req, err)
			return
		}
		if skip {
			r.approve(w, req, a, sess)
			return
		}
	}
	r.renderConsent(w, req, a, sess)
}

// loginPageFor chooses between the sign-in and registration pages as
// ORCID's Angular SignInGuard does: with an email or orcid parameter, or
// with show_login=false, people whose account cannot be found register
// first; everyone else signs in. The authorize parameters travel in the
// query, as on orcid.org (/signin?client_id=...).
func (r *Registry) loginPageFor(ctx context.Context, a authRequest) string {
	q := a.Query
	page := "/signin"
	if q.Get("email") != "" || q.Get("orcid") != "" || q.Get("show_login") == "false" {
		if r.prefillUsername(ctx, q) == "" {
			page = "/register"
		}
	}
	return r.BaseURL() + page + "?" + q.Encode()
}

// prefillUsername is the user id ORCID pre-fills on the sign-in page: the
// orcid parameter if it names an existing record, else the email parameter
// if it belongs to an account (OauthHelper).
func (r *Registry) prefillUsername(ctx context.Context, q url.Values) string {
	if id := strings.TrimSpace(q.Get("orcid")); id != "" {
		if _, err := r.store.Researcher(ctx, id); err == nil {
			return id
		}
	}
	if email := strings.TrimSpace(q.Get("email")); email != "" {
		if _, err := r.store.ResearcherByEmail(ctx, email); err == nil {
			return email
		}
	}
	return ""
}

// hasLiveTokenWithScopes is ORCID's longLifeTokenExist: the researcher
// already holds an unrevoked, unexpired token for the client whose scope
// set equals the requested one.
func (r *Registry) hasLiveTokenWithScopes(ctx context.Context, clientID, orcid string, scopes Scopes) (bool, error) {
	toks, err := r.store.TokensFor(ctx, orcid, clientID)
	if err != nil {
		return false, fmt.Errorf("tokens for %s: %w", orcid, err)
	}
	now := r.now()
	for _, t := range toks {
		if t.persistent() && t.RevokedAt == nil && t.ExpiresAt.After(now) && t.Scopes.Equal(scopes) {
			return true, nil
		}
	}
	return false, nil
}

// handleAuthorizeDecision is the consent form's POST: "Authorize access"
// issues a code, "Deny access" sends access_denied. The form is bound to
// the browser session and to the exact request it showed.
func (r *Registry) handleAuthorizeDecision(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	req.Body = http.MaxBytesReader(w, req.Body, 64<<10)
	if err := req.ParseForm(); err != nil {
		r.renderOAuthError(w, req, &authPageError{"oauth_error", "The form could not be read."})
		return
	}
	raw := req.PostForm.Get("oauth")
	q, err := url.ParseQuery(raw)
	if err != nil {
		r.renderOAuthError(w, req, &authPageError{"oauth_error", "Invalid request"})
		return
	}
	a, err := r.parseAuthorize(ctx, q)
	if err != nil {
		r.renderOAuthError(w, req, err)
		return
	}
	sess, _, signedIn := r.currentSession(req)
	if !signedIn {
		http.Redirect(w, req, r.loginPageFor(ctx, a), http.StatusSeeOther)
		return
	}
	if !r.checkFormToken(sess.ID, "consent", raw, req.PostForm.Get("form_token")) {
		r.renderOAuthError(w, req, &authPageError{"oauth_error",
			"This authorization form has expired or belongs to another sign-in. Please start again from the application."})
		return
	}
	if req.PostForm.Get("user_oauth_approval") != "true" {
		// OauthControllerBase.buildDenyRedirectUri; the literal space of
		// ORCID's string is sent percent-encoded, as a browser would.
		target := a.RedirectURI + querySep(a.RedirectURI) + "error=access_denied&error_description=User%20denied%20access"
		if a.State != "" {
			target += "&state=" + url.QueryEscape(a.State)
		}
		// ORCID shows its interstitials after a denial too
		// (interstitials.go).
		r.leaveForClient(w, req, a, sess, target)
		return
	}
	r.approve(w, req, a, sess)
}

// persistent reports whether a researcher's token counts for skipping the
// consent screen: ORCID's longLifeTokenExist looks at persistent tokens
// only, which come from the code flow (and refreshes of them, which keep
// the code); implicit-flow tokens are not persistent.
func (t Token) persistent() bool { return t.Code != "" }

// approve issues a single-use code, or in the implicit flow a token, and
// sends the browser back to the client.
func (r *Registry) approve(w http.ResponseWriter, req *http.Request, a authRequest, sess Session) {
	if a.Implicit {
		r.approveImplicit(w, req, a, sess)
		return
	}
	now := r.now()
	c := Code{
		ClientID: a.Client.ID, ORCID: sess.ORCID, Scopes: a.Scopes, RedirectURI: a.RedirectURI,
		Nonce: a.Nonce, AuthTime: sess.AuthTime, CreatedAt: now, ExpiresAt: now.Add(codeLifetime),
	}
	var err error
	for range 10 {
		c.Code = randomString(6, base62)
		if err = r.store.CreateCode(req.Context(), c); !errors.Is(err, ErrConflict) {
			break
		}
	}
	if err != nil {
		r.serverError(w, req, fmt.Errorf("create authorization code: %w", err))
		return
	}
	r.leaveForClient(w, req, a, sess, appendQuery(a.RedirectURI, "code", c.Code, "state", a.State))
}

// approveImplicit mints a short-lived token and puts it in the redirect
// URI's fragment, with the parameters of Spring's
// AuthorizationEndpoint.appendAccessToken in its order (access_token,
// token_type, state, expires_in, scope when it differs from the request)
// followed by the extra fields ORCID's token enhancers add: tokenVersion,
// persistent and, with openid, id_token (OrcidTokenEnhancer,
// OpenIDConnectTokenEnhancer; example in ORCID_AUTH_WITH_OPENID_CONNECT.md).
// orcid and name are left out for implicit tokens, as OrcidTokenEnhancer
// does.
func (r *Registry) approveImplicit(w http.ResponseWriter, req *http.Request, a authRequest, sess Session) {
	ctx := req.Context()
	now := r.now()
	t := Token{
		AccessToken: newUUID(), RefreshToken: newUUID(), ClientID: a.Client.ID, ORCID: sess.ORCID,
		Scopes: a.Scopes, CreatedAt: now, ExpiresAt: now.Add(implicitTokenLifetime),
	}
	if err := r.store.CreateToken(ctx, t); err != nil {
		r.serverError(w, req, fmt.Errorf("create implicit token: %w", err))
		return
	}
	kv := []string{"access_token", t.AccessToken, "token_type", "bearer", "state", a.State,
		"expires_in", strconv.FormatInt(expiresIn(t.ExpiresAt, r.now()), 10)}
	if !a.Scopes.Equal(a.Requested) {
		kv = append(kv, "scope", a.Scopes.String())
	}
	kv = append(kv, "tokenVersion", "1", "persistent", "false")
	if a.IDToken && containsScope(a.Scopes, ScopeOpenID) {
		res, err := r.store.Researcher(ctx, sess.ORCID)
		if err != nil {
			r.serverError(w, req, fmt.Errorf("implicit token owner: %w", err))
			return
		}
		idt, err := r.idToken(a.Client, res, t.AccessToken, sess.AuthTime, a.Nonce)
		if err != nil {
			r.serverError(w, req, err)
			return
		}
		kv = append(kv, "id_token", idt)
	}
	r.leaveForClient(w, req, a, sess, appendFragment(a.RedirectURI, kv...))
}

// appendFragment adds name/value pairs to a URL's fragment, after any
// fragment it already has (as Spring does), skipping empty values.
func appendFragment(u string, kv ...string) string {
	var b strings.Builder
	b.WriteString(u)
	sep := "#"
	if strings.Contains(u, "#") {
		sep = "&"
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		b.WriteString(sep)
		b.WriteString(url.QueryEscape(kv[i]) + "=" + url.QueryEscape(kv[i+1]))
		sep = "&"
	}
	return b.String()
}

func querySep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

// appendQuery adds name/value pairs to a URL's query, skipping empty
// values, keeping the query the client registered.
func appendQuery(u string, kv ...string) string {
	var b strings.Builder
	b.WriteString(u)
	sep := querySep(u)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		b.WriteString(sep)
		b.WriteString(url.QueryEscape(kv[i]) + "=" + url.QueryEscape(kv[i+1]))
		sep = "&"
	}
	return b.String()
}

// ---- /oauth/token ----

// tokenResponse is ORCID's token JSON, fields in ORCID's order. name and
// orcid are null rather than absent when there is no value.
type tokenResponse struct {
	AccessToken  string  `json:"access_token"`
	TokenType    string  `json:"token_type"`
	RefreshToken string  `json:"refresh_token"`
	ExpiresIn    int64   `json:"expires_in"`
	Scope        string  `json:"scope"`
	Name         *string `json:"name"`
	ORCID        *string `json:"orcid"`
	IDToken      string  `json:"id_token,omitempty"`
}

// tokenError is an OAuth error from the token or revocation endpoint.
type tokenError struct {
	Status      int    `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *tokenError) Error() string { return e.Code + ": " + e.Description }

func tokErr(status int, code, desc string) *tokenError {
	return &tokenError{Status: status, Code: code, Description: desc}
}

func writeNoStoreJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSONCompact(w, status, v)
}

func (r *Registry) writeTokenError(w http.ResponseWriter, req *http.Request, err error) {
	var te *tokenError
	if errors.As(err, &te) {
		writeNoStoreJSON(w, te.Status, te)
		return
	}
	r.log.ErrorContext(req.Context(), "sandbox token endpoint", "err", err)
	writeNoStoreJSON(w, http.StatusInternalServerError, tokErr(500, "server_error", "Internal error"))
}

// handleToken is POST /oauth/token.
func (r *Registry) handleToken(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeNoStoreJSON(w, http.StatusMethodNotAllowed, tokErr(405, "invalid_request", msgGetNotSupported))
		return
	}
	// The resource @Consumes form data only; JAX-RS refuses anything else
	// before ORCID's code runs.
	if mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusUnsupportedMediaType)
		fmt.Fprintln(w, "Unsupported Media Type: /oauth/token accepts application/x-www-form-urlencoded only")
		return
	}
	req.Body = http.MaxBytesReader(w, req.Body, 64<<10)
	if err := req.ParseForm(); err != nil {
		r.writeTokenError(w, req, tokErr(400, "invalid_request", "The form body could not be read"))
		return
	}
	// ORCID's registry host answers a request without grant_type before
	// looking at the client (OauthGenericCallsController). An empty
	// grant_type is not missing there: it goes on to be unsupported.
	if _, ok := req.PostForm["grant_type"]; !ok {
		r.writeTokenError(w, req, tokErr(400, "unsupported_grant_type", "grant_type is missing"))
		return
	}
	resp, err := r.grant(req.Context(), req.PostForm, req.Header.Get("Authorization"))
	if err != nil {
		r.writeTokenError(w, req, err)
		return
	}
	writeNoStoreJSON(w, http.StatusOK, resp)
}

// authenticateClient finds the calling client as ORCID's registry host
// does since 2026 (OauthGenericCallsController and RevokeController,
// ORCID-Source PRs #7485 and #7611): a non-blank Authorization header is
// forwarded to the authorization server as the client's credentials and
// the form's client_id and client_secret are then ignored, so a bad header
// is not rescued by good form fields, and a header that is not HTTP Basic
// (a Bearer token, say) authenticates nobody. Without a header the form
// fields are required; the forwarding code throws "client_id is required"
// (AuthorizationServerUtil.addToMapOrThrow), which the controller answers
// with 401 invalid_request.
func (r *Registry) authenticateClient(ctx context.Context, form url.Values, authz string) (Client, error) {
	var id, secret string
	if strings.TrimSpace(authz) != "" {
		var ok bool
		if id, secret, ok = parseBasic(authz); !ok {
			return Client{}, tokErr(401, "unauthorized_client", "Bad client credentials")
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
		if strings.TrimSpace(id) == "" {
			return Client{}, tokErr(401, "invalid_request", "client_id is required")
		}
		if strings.TrimSpace(secret) == "" {
			return Client{}, tokErr(401, "invalid_request", "client_secret is required")
		}
	}
	c, err := r.store.Client(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Client{}, tokErr(401, "unauthorized_client", "Bad client credentials")
	}
	if err != nil {
		return Client{}, err
	}
	if subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		return Client{}, tokErr(401, "unauthorized_client", "Bad client credentials")
	}
	return c, nil
}

// parseBasic reads HTTP Basic client credentials: the scheme in any case
// (RFC 7617), then base64 of id:secret, each part form-encoded first as
// RFC 6749 section 2.3.1 asks (so a secret may hold a colon).
func parseBasic(authz string) (id, secret string, ok bool) {
	scheme, b64, found := strings.Cut(strings.TrimSpace(authz), " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return "", "", false
	}
	u, p, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", false
	}
	if id, err = url.QueryUnescape(u); err != nil {
		return "", "", false
	}
	if secret, err = url.QueryUnescape(p); err != nil {
		return "", "", false
	}
	return id, secret, id != "" && secret != ""
}

// grant runs one token request after the media type was checked.
func (r *Registry) grant(ctx context.Context, form url.Values, authz string) (tokenResponse, error) {
	c, err := r.authenticateClient(ctx, form, authz)
	if err != nil {
		return tokenResponse{}, err
	}
	grantType := form.Get("grant_type")
	// Scope filtering of OrcidClientCredentialEndPointDelegatorImpl:
	// unknown or internal scopes are refused, and each grant silently
	// drops the scopes of the other kind.
	var scopes []string
	for _, s := range strings.FieldsFunc(form.Get("scope"), func(r rune) bool { return r == ' ' || r == ',' }) {
		if !threeLegged[s] && !clientCredentialScopes[s] {
			return tokenResponse{}, tokErr(401, "invalid_scope", msgScopeNotAllowed)
		}
		if clientCredentialScopes[s] == (grantType == "client_credentials") {
			scopes = append(scopes, s)
		}
	}
	requested := ParseScopes(strings.Join(scopes, " "))
	switch grantType {
	case "authorization_code":
		return r.grantAuthorizationCode(ctx, c, form, requested)
	case "client_credentials":
		return r.grantClientCredentials(ctx, c, requested)
	case "refresh_token":
		return r.grantRefresh(ctx, c, form, requested)
	}
	return tokenResponse{}, tokErr(400, "unsupported_grant_type", "Unsupported grant type: "+grantType)
}

func (r *Registry) grantAuthorizationCode(ctx context.Context, c Client, form url.Values, requested Scopes) (tokenResponse, error) {
	code := form.Get("code")
	if code == "" {
		return tokenResponse{}, tokErr(400, "invalid_request", "An authorization code must be supplied.")
	}
	now := r.now()
	// Consumed first, as Spring's granter does: a failed exchange still
	// uses the code up.
	ac, err := r.store.UseCode(ctx, code, now)
	if errors.Is(err, ErrNotFound) {
		return tokenResponse{}, tokErr(400, "invalid_grant", "Invalid authorization code: "+code)
	}
	if err != nil {
		return tokenResponse{}, fmt.Errorf("use authorization code: %w", err)
	}
	// Since 2026-04 a used or expired code, another client's code and a
	// redirect URI other than the authorize request's all get the one
	// message of api_errors.md (see msgCodeExchangeFailed).
	failed := tokErr(400, "invalid_grant", msgCodeExchangeFailed)
	if ac.UsedAt != nil {
		// A replayed code means it leaked: disable what it produced
		// (ORCID since 2017, reason AUTH_CODE_REUSED).
		if err := r.store.RevokeTokensFrom(ctx, code, RevokedCodeReused, now); err != nil {
			return tokenResponse{}, fmt.Errorf("revoke tokens of a reused code: %w", err)
		}
		return tokenResponse{}, failed
	}
	if !now.Before(ac.ExpiresAt) || form.Get("redirect_uri") != ac.RedirectURI || ac.ClientID != c.ID {
		return tokenResponse{}, failed
	}
	scopes := ac.Scopes
	if len(requested) > 0 {
		if !ac.Scopes.Covers(requested) {
			return tokenResponse{}, tokErr(400, "invalid_scope", fmt.Sprintf(
				"Invalid scopes: %s available scopes for this code are: %s", requested, ac.Scopes))
		}
		scopes = requested
	}
	t := Token{
		AccessToken: newUUID(), RefreshToken: newUUID(), ClientID: c.ID, ORCID: ac.ORCID,
		Scopes: scopes, Code: code, CreatedAt: now, ExpiresAt: now.Add(longLivedToken),
	}
	if err := r.store.CreateToken(ctx, t); err != nil {
		return tokenResponse{}, fmt.Errorf("create token: %w", err)
	}
	return r.tokenResponse(ctx, c, t, ac.AuthTime, ac.Nonce)
}

func (r *Registry) grantClientCredentials(ctx context.Context, c Client, requested Scopes) (tokenResponse, error) {
	if containsScope(requested, ScopeWebhook) && !c.Premium {
		return tokenResponse{}, tokErr(400, "invalid_scope", "Invalid scope: "+ScopeWebhook)
	}
	// ORCID gives /premium-notification to premium members only
	// (notifications_part2.xml: insert_scope_for_premium_members).
	if containsScope(requested, ScopePremiumNotification) && !c.Premium {
		return tokenResponse{}, tokErr(400, "invalid_scope", "Invalid scope: "+ScopePremiumNotification)
	}
	// Scopes outside the client's own are InvalidScopeException
	// (OrcidClientCredentialsChecker.validateScope): a public client has
	// none of the member-only ones, the group scopes included.
	for _, s := range requested {
		if memberOnly[s] && !c.Member() {
			return tokenResponse{}, tokErr(400, "invalid_scope", "Invalid scope: "+s)
		}
	}
	// The group-id-record scopes only once ORCID has mapped them to the
	// client (Client.GroupIDRecords).
	for _, s := range []string{ScopeGroupIDRecordRead, ScopeGroupIDRecordUpdate} {
		if containsScope(requested, s) && c.Member() && !c.GroupIDRecords {
			return tokenResponse{}, tokErr(400, "invalid_scope", "Invalid scope: "+s)
		}
	}
	if len(requested) == 0 {
		requested = Scopes{ScopeReadPublic}
	}
	now := r.now()
	t := Token{
		AccessToken: newUUID(), RefreshToken: newUUID(), ClientID: c.ID,
		Scopes: requested, CreatedAt: now, ExpiresAt: now.Add(longLivedToken),
	}
	if err := r.store.CreateToken(ctx, t); err != nil {
		return tokenResponse{}, fmt.Errorf("create token: %w", err)
	}
	return r.tokenResponse(ctx, c, t, time.Time{}, "")
}

// grantRefresh follows OrcidRefreshTokenChecker and refreshAccessToken: a
// new access token and a new refresh token, scopes within the parent's,
// expiry no later than the parent's.
func (r *Registry) grantRefresh(ctx context.Context, c Client, form url.Values, requested Scopes) (tokenResponse, error) {
	rt := form.Get("refresh_token")
	if strings.TrimSpace(rt) == "" {
		// AuthorizationServerUtil.addToMapOrThrow, answered 401 by
		// OauthGenericCallsController.
		return tokenResponse{}, tokErr(401, "invalid_request", "refresh_token is required")
	}
	var expiresIn int64
	if v, ok := form["expires_in"]; ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v[0]), 10, 64)
		if err != nil {
			return tokenResponse{}, tokErr(400, "invalid_request", v[0]+" is not a number")
		}
		expiresIn = n
	}
	now := r.now()
	parent, err := r.store.TokenByRefresh(ctx, rt)
	if errors.Is(err, ErrNotFound) {
		return tokenResponse{}, tokErr(400, "unauthorized_client", "Unable to find refresh token")
	}
	if err != nil {
		return tokenResponse{}, fmt.Errorf("find refresh token: %w", err)
	}
	switch {
	case parent.ClientID != c.ID:
		return tokenResponse{}, tokErr(400, "invalid_request", "This token does not belong to the given client")
	case !now.Before(parent.ExpiresAt):
		return tokenResponse{}, tokErr(400, "unauthorized_client", "Access token expired")
	case parent.RevokedAt != nil:
		return tokenResponse{}, tokErr(400, "unauthorized_client", "Parent token is disabled")
	}
	scopes := parent.Scopes
	if len(requested) > 0 {
		for _, s := range requested {
			if !parent.Scopes.Has(s) {
				return tokenResponse{}, tokErr(400, "invalid_scope", "The given scope '"+s+"' is not allowed for the parent token")
			}
		}
		scopes = requested
	}
	exp := parent.ExpiresAt
	if expiresIn > 0 {
		if exp = now.Add(time.Duration(expiresIn) * time.Second); exp.After(parent.ExpiresAt) {
			return tokenResponse{}, tokErr(400, "invalid_request", "Token expiration can't be after "+parent.ExpiresAt.Format(time.RFC1123))
		}
	}
	t := Token{
		AccessToken: newUUID(), RefreshToken: newUUID(), ClientID: c.ID, ORCID: parent.ORCID,
		// Keep the code so a later replay of it also disables this token.
		Scopes: scopes, Code: parent.Code, CreatedAt: now, ExpiresAt: exp,
	}
	if err := r.store.CreateToken(ctx, t); err != nil {
		return tokenResponse{}, fmt.Errorf("create token: %w", err)
	}
	// revoke_old is accepted and ignored: ORCID's proxies no longer
	// forward it to the authorization server (OauthGenericCallsController
	// reads no revoke_old; OrcidApiCommonEndpoints takes it and drops it),
	// and the old way of naming the token to revoke, an Authorization:
	// Bearer header, now stands for the client's credentials. The old token
	// stays live, as the parent of a refresh.
	// The user's last sign-in is not recorded per token; the parent's
	// creation is the closest known authentication time.
	return r.tokenResponse(ctx, c, t, parent.CreatedAt, "")
}

// tokenResponse builds the JSON for a stored token, with an id_token when
// openid was granted to a researcher's token.
func (r *Registry) tokenResponse(ctx context.Context, c Client, t Token, authTime time.Time, nonce string) (tokenResponse, error) {
	resp := tokenResponse{
		AccessToken: t.AccessToken, TokenType: "bearer", RefreshToken: t.RefreshToken,
		ExpiresIn: expiresIn(t.ExpiresAt, r.now()), Scope: t.Scopes.String(),
	}
	if t.ORCID == "" {
		return resp, nil
	}
	res, err := r.store.Researcher(ctx, t.ORCID)
	if err != nil {
		return resp, fmt.Errorf("token owner: %w", err)
	}
	resp.ORCID = &res.ORCID
	// OrcidTokenEnhancer puts retrivePublicDisplayName here, which turns
	// a name that is not public into "" (not null).
	name := ""
	if res.NamesVisibility == "public" {
		name = res.DisplayName()
	}
	resp.Name = &name
	if containsScope(t.Scopes, ScopeOpenID) {
		if resp.IDToken, err = r.idToken(c, res, t.AccessToken, authTime, nonce); err != nil {
			return resp, err
		}
	}
	return resp, nil
}

// expiresIn is the whole seconds left. Spring truncates, and some
// milliseconds always pass between minting and answering, which is why
// ORCID's fresh long-lived tokens show 631138518 rather than ...519.
func expiresIn(exp, now time.Time) int64 {
	d := exp.Sub(now) - time.Millisecond
	if d < 0 {
		return 0
	}
	return int64(d / time.Second)
}

// ---- /oauth/revoke ----

// handleRevoke is POST /oauth/revoke (RevokeController): 200 with an empty
// body whether or not the token was known, so clients learn nothing about
// other clients' tokens.
func (r *Registry) handleRevoke(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeNoStoreJSON(w, http.StatusMethodNotAllowed, tokErr(405, "invalid_request", "Use POST"))
		return
	}
	ctx := req.Context()
	req.Body = http.MaxBytesReader(w, req.Body, 64<<10)
	if err := req.ParseForm(); err != nil {
		r.writeTokenError(w, req, tokErr(400, "invalid_request", "The form body could not be read"))
		return
	}
	c, err := r.authenticateClient(ctx, req.Form, req.Header.Get("Authorization"))
	if err != nil {
		var te *tokenError
		if errors.As(err, &te) {
			// Spring Security's client filter answers before the
			// controller: every credential problem is a 401.
			te.Status, te.Code, te.Description = 401, "unauthorized_client", "Bad client credentials"
		}
		r.writeTokenError(w, req, err)
		return
	}
	token := strings.TrimSpace(req.Form.Get("token"))
	if token == "" {
		r.writeTokenError(w, req, tokErr(400, "invalid_request", "Please provide the token to be param"))
		return
	}
	t, err := r.store.Token(ctx, token)
	if errors.Is(err, ErrNotFound) {
		t, err = r.store.TokenByRefresh(ctx, token)
	}
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		r.writeTokenError(w, req, fmt.Errorf("revoke: %w", err))
		return
	case t.ClientID == c.ID:
		if _, err := r.store.RevokeToken(ctx, token, RevokedByClient, r.now()); err != nil {
			r.writeTokenError(w, req, fmt.Errorf("revoke: %w", err))
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}
