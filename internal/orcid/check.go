package orcid

import (
	"context"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// CheckCredential asks ORCID for a new two-legged /read-public token with
// the client's id and secret, whatever the cache holds: ORCID issues one to
// every registered client, Member or Public API, and refuses a wrong id or
// secret with 401 (ErrCredentialRefused). nil means the credential works
// now. A network failure is ErrTemporary, and says nothing about the
// credential.
func (c *Client) CheckCredential(ctx context.Context) error {
	cc := clientcredentials.Config{
		ClientID: c.cred.ClientID, ClientSecret: c.cred.ClientSecret,
		TokenURL: strings.TrimSuffix(c.cred.Env.SiteURL, "/") + "/oauth/token", Scopes: []string{ScopeReadPublic},
		AuthStyle: oauth2.AuthStyleInParams,
	}
	tok, err := cc.Token(c.oauthCtx(ctx))
	if err != nil {
		return c.oauthError("check the credential", err)
	}
	// The token is as good as a cached one: keep it.
	t := cachedToken{token: tok.AccessToken, expires: tok.Expiry}
	if t.expires.IsZero() {
		t.expires = time.Now().Add(24 * time.Hour)
	}
	c.mu.Lock()
	c.twoLegged[ScopeReadPublic] = t
	c.mu.Unlock()
	return nil
}
