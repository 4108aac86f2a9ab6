package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

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
