package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

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
	sep := "#"
	if strings.Contains(u, "#") {
		sep = "&"
	}
	return appendPairs(u, sep, kv)
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
	return appendPairs(u, querySep(u), kv)
}

// appendPairs writes the name/value pairs with a value after u, the first
// after sep and the others after "&".
func appendPairs(u, sep string, kv []string) string {
	var b strings.Builder
	b.WriteString(u)
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
