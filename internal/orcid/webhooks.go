package orcid

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ScopeWebhook is the two-legged scope of ORCID's premium webhooks,
// granted only to premium member clients (orcid-api.md §13; ORCID-Source
// orcid-api-web/WEBHOOKS.md).
const ScopeWebhook = "/webhook"

// WebhooksAllowed asks ORCID for a /webhook token: true when it issues one
// (a premium member client), false when it refuses the scope (400
// invalid_scope, as for every other client). Any other failure, our
// credential refused or ORCID unreachable, is returned: it says nothing
// about the capability.
func (c *Client) WebhooksAllowed(ctx context.Context) (bool, error) {
	if c.cred.API != MemberAPI {
		return false, nil
	}
	_, err := c.twoLeggedToken(ctx, ScopeWebhook)
	var apiErr *APIError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest && apiErr.OAuthError == "invalid_scope":
		return false, nil
	default:
		return false, err
	}
}

// webhookURL is PUT/DELETE {api}/{orcid}/webhook/{url-encoded callback}:
// on the Member API host without the version prefix (ORCID's
// DefaultApiVersionFilter lets webhook paths through unversioned), the
// callback one path segment, its slashes escaped.
func (c *Client) webhookURL(id ID, callback string) string {
	base := strings.TrimSuffix(c.cred.Env.MemberAPIURL, "/")
	if i := strings.LastIndexByte(base, '/'); i > len("https://") && strings.HasPrefix(base[i+1:], "v") {
		base = base[:i]
	}
	return base + "/" + string(id) + "/webhook/" + url.PathEscape(callback)
}

// callbackSecrets are the forms of a webhook's callback a call shows: ORCID
// does not sign its calls, so the callback carries the only proof that a
// call comes from ORCID, and is hidden like a token wherever calls are
// shown (the call log, errors, the debug log).
func callbackSecrets(callback string) []string {
	return []string{url.PathEscape(callback), callback}
}

// RegisterWebhook asks ORCID to POST to callback whenever the record of id
// changes (premium members only): created is false when it was registered
// already (204), which is success too.
func (c *Client) RegisterWebhook(ctx context.Context, id ID, callback string) (created bool, err error) {
	tok, err := c.twoLeggedToken(ctx, ScopeWebhook)
	if err != nil {
		return false, fmt.Errorf("orcid: register webhook: %w", err)
	}
	u, secrets := c.webhookURL(id, callback), callbackSecrets(callback)
	resp, err := c.do(ctx, request{method: http.MethodPut, url: u, token: tok, accept: mediaJSON, secrets: secrets})
	if err != nil {
		return false, fmt.Errorf("orcid: register webhook: %w", err)
	}
	switch resp.status {
	case http.StatusCreated:
		return true, nil
	case http.StatusNoContent:
		return false, nil
	default:
		return false, fmt.Errorf("orcid: register webhook: %w", c.fail(http.MethodPut, redact(u, secrets), tok, resp))
	}
}

// UnregisterWebhook removes the callback from the record of id; one ORCID
// no longer holds (404) is as good as removed.
func (c *Client) UnregisterWebhook(ctx context.Context, id ID, callback string) error {
	tok, err := c.twoLeggedToken(ctx, ScopeWebhook)
	if err != nil {
		return fmt.Errorf("orcid: unregister webhook: %w", err)
	}
	u, secrets := c.webhookURL(id, callback), callbackSecrets(callback)
	resp, err := c.do(ctx, request{method: http.MethodDelete, url: u, token: tok, accept: mediaJSON, secrets: secrets})
	if err != nil {
		return fmt.Errorf("orcid: unregister webhook: %w", err)
	}
	switch resp.status {
	case http.StatusNoContent, http.StatusOK, http.StatusNotFound:
		return nil
	default:
		return fmt.Errorf("orcid: unregister webhook: %w", c.fail(http.MethodDelete, redact(u, secrets), tok, resp))
	}
}
