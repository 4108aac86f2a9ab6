package orcid

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// AuthRequest is what goes into the authorize URL that sends a researcher
// to ORCID.
type AuthRequest struct {
	Scopes []string // e.g. ScopeOpenID, ScopeActivitiesUpdate
	State  string   // required: a one-time value the caller checks on return
	Lang   string   // the page language for ORCID's screens (en, es, fr, ...)
	// Pre-fill for ORCID's registration and sign-in forms.
	GivenNames, FamilyNames, Email string
	// ShowLogin chooses ORCID's sign-in screen (true) or registration
	// (false); nil lets ORCID decide.
	ShowLogin *bool
	Nonce     string // required with ScopeOpenID; echoed in the id_token
	Prompt    string // "login", "confirm" or "none" (OpenID only)
}

// Authorization is everything ORCID returns from the code exchange: what an
// integration must store.
type Authorization struct {
	ID           ID
	IDURI        string // full https URI of the iD in this environment
	Name         string // the researcher's public name; "" when not public
	AccessToken  string
	TokenType    string
	RefreshToken string
	Scopes       []string
	ExpiresAt    time.Time
	IDToken      string // only when ScopeOpenID was granted
}

func (c *Client) oauthConfig(scopes []string) *oauth2.Config {
	site := strings.TrimSuffix(c.cred.Env.SiteURL, "/")
	return &oauth2.Config{
		ClientID:     c.cred.ClientID,
		ClientSecret: c.cred.ClientSecret,
		Endpoint: oauth2.Endpoint{
			AuthURL:  site + "/oauth/authorize",
			TokenURL: site + "/oauth/token",
			// ORCID documents client_secret_post only.
			AuthStyle: oauth2.AuthStyleInParams,
		},
		RedirectURL: c.cfg.RedirectURL,
		Scopes:      scopes,
	}
}

// oauthCtx makes x/oauth2 use the observing HTTP client.
func (c *Client) oauthCtx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, c.http)
}

// AuthorizeURL builds the URL of ORCID's authorization screen. It refuses
// scopes the credential's API type cannot grant and an OpenID request with
// no nonce.
func (c *Client) AuthorizeURL(r AuthRequest) (string, error) {
	if r.State == "" {
		return "", errors.New("orcid: authorize URL: a state is required")
	}
	if c.cfg.RedirectURL == "" {
		return "", errors.New("orcid: authorize URL: no redirect URL configured")
	}
	if len(r.Scopes) == 0 {
		return "", errors.New("orcid: authorize URL: no scope requested")
	}
	valid := c.cred.API.ValidScopes()
	for _, s := range r.Scopes {
		if !slices.Contains(valid, s) {
			return "", fmt.Errorf("orcid: authorize URL: scope %q: %w: %s API credentials may request %s",
				s, ErrNotPermitted, c.cred.API, strings.Join(valid, ", "))
		}
	}
	openid := slices.Contains(r.Scopes, ScopeOpenID)
	if openid && r.Nonce == "" {
		return "", errors.New("orcid: authorize URL: the openid scope needs a nonce")
	}
	var opts []oauth2.AuthCodeOption
	add := func(k, v string) {
		if v != "" {
			opts = append(opts, oauth2.SetAuthURLParam(k, v))
		}
	}
	add("lang", r.Lang)
	add("given_names", r.GivenNames)
	add("family_names", r.FamilyNames)
	add("email", r.Email)
	if r.ShowLogin != nil {
		add("show_login", fmt.Sprint(*r.ShowLogin))
	}
	if openid {
		add("nonce", r.Nonce)
		add("prompt", r.Prompt)
	}
	return c.oauthConfig(r.Scopes).AuthCodeURL(r.State, opts...), nil
}

// Exchange trades an authorization code for the researcher's tokens. Call
// it as soon as the code arrives: codes are single use and short lived.
func (c *Client) Exchange(ctx context.Context, code string) (*Authorization, error) {
	tok, err := c.oauthConfig(nil).Exchange(c.oauthCtx(ctx), code)
	if err != nil {
		return nil, c.oauthError("exchange code", err, code)
	}
	return c.authorization(tok)
}

// Refresh obtains a new access and refresh token from a refresh token.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*Authorization, error) {
	src := c.oauthConfig(nil).TokenSource(c.oauthCtx(ctx), &oauth2.Token{RefreshToken: refreshToken, Expiry: time.Unix(1, 0)})
	tok, err := src.Token()
	if err != nil {
		return nil, c.oauthError("refresh token", err, refreshToken)
	}
	return c.authorization(tok)
}

func (c *Client) authorization(tok *oauth2.Token) (*Authorization, error) {
	a := &Authorization{
		AccessToken: tok.AccessToken, TokenType: tok.TokenType, RefreshToken: tok.RefreshToken, ExpiresAt: tok.Expiry,
	}
	if s, ok := tok.Extra("scope").(string); ok {
		a.Scopes = strings.Fields(s)
	}
	if s, ok := tok.Extra("name").(string); ok {
		a.Name = s
	}
	if s, ok := tok.Extra("id_token").(string); ok {
		a.IDToken = s
	}
	if s, ok := tok.Extra("orcid").(string); ok && s != "" {
		id, err := ParseID(s)
		if err != nil {
			return nil, fmt.Errorf("orcid: token response carries a bad iD: %w", err)
		}
		a.ID, a.IDURI = id, c.cred.Env.IDURI(id)
	}
	return a, nil
}

func (c *Client) oauthError(what string, err error, secrets ...string) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		e := parseAPIError(http.MethodPost, c.cred.Env.SiteURL+"/oauth/token", re.Response.StatusCode, re.Response.Header, re.Body)
		if e.OAuthError == "" {
			e.OAuthError = re.ErrorCode
		}
		// ORCID names the code it rejects ("Invalid authorization code: X").
		secrets = append(secrets, c.cred.ClientSecret)
		e.Developer, e.User = redact(e.Developer, secrets), redact(e.User, secrets)
		// An invalid_grant is a dead code or refresh token: the researcher
		// must authorize again, exactly as with a revoked token. ORCID
		// also says unauthorized_client, with a 400, of a refresh token it
		// no longer holds ("Unable to find refresh token", "Parent token is
		// disabled": OrcidRefreshTokenChecker); with a 401 it is about our
		// credential (ErrCredentialRefused, through the APIError), never
		// the researcher.
		if e.OAuthError == "invalid_grant" || (e.OAuthError == "unauthorized_client" && e.Status == http.StatusBadRequest) {
			return fmt.Errorf("orcid: %s: %w: %w", what, ErrTokenInvalid, e)
		}
		return fmt.Errorf("orcid: %s: %w", what, e)
	}
	// Transport failures can quote the request; keep secrets out of them.
	return fmt.Errorf("orcid: %s: %w: %s", what, ErrTemporary, redact(err.Error(), append(secrets, c.cred.ClientSecret)))
}

// Revoke revokes an access or refresh token at ORCID (the researcher then
// no longer lists us as a trusted organization once all are revoked).
func (c *Client) Revoke(ctx context.Context, token string) error {
	form := url.Values{"client_id": {c.cred.ClientID}, "client_secret": {c.cred.ClientSecret}, "token": {token}}
	resp, err := c.do(ctx, request{
		method: http.MethodPost, url: strings.TrimSuffix(c.cred.Env.SiteURL, "/") + "/oauth/revoke",
		contentType: "application/x-www-form-urlencoded", body: []byte(form.Encode()), noLimit: true,
	})
	if err != nil {
		return fmt.Errorf("orcid: revoke token: %w", err)
	}
	if resp.status != http.StatusOK {
		return fmt.Errorf("orcid: revoke token: %w", c.fail(http.MethodPost, c.cred.Env.SiteURL+"/oauth/revoke", token, resp))
	}
	return nil
}

// ReadPublicToken returns a two-legged /read-public token, fetched once and
// cached until shortly before it expires.
func (c *Client) ReadPublicToken(ctx context.Context) (string, error) {
	return c.twoLeggedToken(ctx, ScopeReadPublic)
}

type cachedToken struct {
	token   string
	expires time.Time
}

// twoLeggedToken returns a client-credentials token for scope, fetched once
// and cached until shortly before it expires.
func (c *Client) twoLeggedToken(ctx context.Context, scope string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.twoLegged[scope]; ok && time.Now().Add(time.Minute).Before(t.expires) {
		return t.token, nil
	}
	cc := clientcredentials.Config{
		ClientID: c.cred.ClientID, ClientSecret: c.cred.ClientSecret,
		TokenURL: strings.TrimSuffix(c.cred.Env.SiteURL, "/") + "/oauth/token", Scopes: []string{scope},
		AuthStyle: oauth2.AuthStyleInParams,
	}
	tok, err := cc.Token(c.oauthCtx(ctx))
	if err != nil {
		return "", c.oauthError(scope+" token", err)
	}
	t := cachedToken{token: tok.AccessToken, expires: tok.Expiry}
	if t.expires.IsZero() {
		t.expires = time.Now().Add(24 * time.Hour)
	}
	c.twoLegged[scope] = t
	return t.token, nil
}

// IDTokenClaims are the claims ORCID puts in an id_token.
type IDTokenClaims struct {
	Subject    ID
	Name       string `json:"name"`
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	AuthTime   int64  `json:"auth_time"`
	Nonce      string `json:"nonce"`
	AMR        string `json:"amr"`
}

type oidcVerifier struct {
	v *oidc.IDTokenVerifier
}

// VerifyIDToken checks the id_token's signature against the registry's
// published keys, its issuer, audience, expiry and nonce.
func (c *Client) VerifyIDToken(ctx context.Context, raw, nonce string) (*IDTokenClaims, error) {
	c.mu.Lock()
	v := c.oidc
	c.mu.Unlock()
	if v == nil {
		p, err := oidc.NewProvider(oidc.ClientContext(ctx, c.http), strings.TrimSuffix(c.cred.Env.SiteURL, "/"))
		if err != nil {
			return nil, fmt.Errorf("orcid: OpenID discovery: %w", err)
		}
		v = &oidcVerifier{v: p.VerifierContext(oidc.ClientContext(context.WithoutCancel(ctx), c.http), &oidc.Config{ClientID: c.cred.ClientID})}
		c.mu.Lock()
		c.oidc = v
		c.mu.Unlock()
	}
	tok, err := v.v.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("orcid: id_token: %w", err)
	}
	var cl IDTokenClaims
	if err := tok.Claims(&cl); err != nil {
		return nil, fmt.Errorf("orcid: id_token claims: %w", err)
	}
	if nonce != "" && cl.Nonce != nonce {
		return nil, errors.New("orcid: id_token: nonce does not match the one sent")
	}
	id, err := ParseID(tok.Subject)
	if err != nil {
		return nil, fmt.Errorf("orcid: id_token subject: %w", err)
	}
	cl.Subject = id
	return &cl, nil
}
