package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/orcidlink/orcidlink/internal/store"
)

// adminAPIKeysData is the API keys page of a tenant. Key is the new key,
// shown this once: the store keeps only its hash.
type adminAPIKeysData struct {
	Tenant store.Tenant
	Keys   []store.APIKey
	Key    string
	New    store.APIKey
	Name   string
	Error  string
}

func (s *Server) adminAPIKeysPage(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, status int, d adminAPIKeysData) {
	keys, err := s.store.ListAPIKeys(r.Context(), t.ID)
	if err != nil {
		s.adminFail(w, r, a, "list API keys", err)
		return
	}
	d.Tenant, d.Keys = t, keys
	if d.Key != "" {
		// The page holds a secret: no cache may keep it.
		w.Header().Set("Cache-Control", "no-store")
	}
	s.render(w, r, status, "admin_apikeys", s.adminPage(r, a, "API keys of "+t.Name, d))
}

func (s *Server) adminAPIKeys(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	s.adminAPIKeysPage(w, r, a, t, http.StatusOK, adminAPIKeysData{})
}

// adminAPIKeyCreate makes a key and shows it once, on the answer to the
// POST itself rather than after a redirect, so that it never sits in the
// session.
func (s *Server) adminAPIKeyCreate(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	// The key's rules are the store's (store.CheckAPIKey), the command
	// line's too.
	name := strings.TrimSpace(r.PostFormValue("name"))
	ctx := r.Context()
	var k store.APIKey
	var key string
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if k, key, err = tx.CreateAPIKey(ctx, store.NewAPIKey{TenantID: t.ID, Name: name, CreatedBy: store.ActorAdmin(a.ID)}); err != nil {
			return err
		}
		return adminAuditIn(ctx, tx, a, t.ID, 0, "api_key.created", map[string]any{"key": k.ID, "prefix": k.Prefix, "name": k.Name})
	})
	if fes, ok := store.AsFieldErrors(err); ok {
		s.adminAPIKeysPage(w, r, a, t, http.StatusBadRequest, adminAPIKeysData{Name: name,
			Error: adminSentence(fes[0].Message())})
		return
	}
	if err != nil {
		s.adminFail(w, r, a, "create the API key", err)
		return
	}
	s.adminAPIKeysPage(w, r, a, t, http.StatusCreated, adminAPIKeysData{Key: key, New: k})
}

func (s *Server) adminAPIKeyRevoke(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	id, ok := adminPathID(r, "kid")
	if !ok {
		s.adminNotFound(w, r, a)
		return
	}
	k, err := s.store.APIKey(r.Context(), t.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		s.adminNotFound(w, r, a)
		return
	}
	if err == nil {
		ctx := r.Context()
		err = s.store.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.RevokeAPIKey(ctx, t.ID, id); err != nil {
				return err
			}
			return adminAuditIn(ctx, tx, a, t.ID, 0, "api_key.revoked", map[string]any{"key": k.ID, "prefix": k.Prefix, "name": k.Name})
		})
	}
	if err != nil {
		s.adminFail(w, r, a, "revoke the API key", err)
		return
	}
	s.adminRedirect(w, r, adminTenantPath(t.ID)+"/api-keys", "API key “"+k.Name+"” revoked: it no longer opens the API.")
}
