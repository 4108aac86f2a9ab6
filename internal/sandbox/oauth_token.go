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
	"strconv"
	"strings"
	"time"
)

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
