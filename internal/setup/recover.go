package setup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/orcidlink/orcidlink/internal/password"
	"github.com/orcidlink/orcidlink/internal/store"
)

// What `orcidlink admin` does, for whoever runs the server: they reach the
// database, not the admin UI, so these work while the server runs (on
// PostgreSQL as any client does; on SQLite through its file lock, as
// rotate-key does) and when nobody can sign in at all.

// ErrNoSuchAdmin is an email no administrator has.
var ErrNoSuchAdmin = errors.New("no administrator has this email")

// ErrNoSuchTenant is a slug no tenant has.
var ErrNoSuchTenant = errors.New("no tenant has this slug")

// ResetPassword gives the administrator with this email a new generated
// password and returns it, to be shown once. The account must choose its
// own at the next sign-in (the printed one is not theirs), every session
// it had is over, and its lock is lifted.
func ResetPassword(ctx context.Context, st *store.Store, email string, hash func(string) (string, error)) (string, error) {
	u, err := st.AdminUserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("%w: %q", ErrNoSuchAdmin, strings.TrimSpace(email))
	}
	if err != nil {
		return "", err
	}
	pw := password.Generate()
	h, err := hash(pw)
	if err != nil {
		return "", err
	}
	err = st.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.SetAdminPassword(ctx, u.ID, h, true); err != nil {
			return err
		}
		_, err := tx.AppendAudit(ctx, store.AuditEvent{Actor: store.ActorSystem, Action: "admin.password_reset",
			Detail: auditDetail(map[string]any{"admin": u.ID, "by": "orcidlink admin reset-password"})})
		return err
	})
	if err != nil {
		return "", err
	}
	return pw, nil
}

// DefaultAPIKeyName names a key made by CreateAPIKey without a name.
const DefaultAPIKeyName = "made with orcidlink admin create-api-key"

// CreateAPIKey makes a REST API key for the tenant with this slug and
// returns it with the key itself, which exists only here.
func CreateAPIKey(ctx context.Context, st *store.Store, slug, name string) (store.APIKey, string, error) {
	t, err := st.TenantBySlug(ctx, strings.TrimSpace(slug))
	if errors.Is(err, store.ErrNotFound) {
		return store.APIKey{}, "", fmt.Errorf("%w: %q", ErrNoSuchTenant, slug)
	}
	if err != nil {
		return store.APIKey{}, "", err
	}
	if strings.TrimSpace(name) == "" {
		name = DefaultAPIKeyName
	}
	var k store.APIKey
	var key string
	err = st.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if k, key, err = tx.CreateAPIKey(ctx, store.NewAPIKey{TenantID: t.ID, Name: name, CreatedBy: store.ActorSystem}); err != nil {
			return err
		}
		_, err = tx.AppendAudit(ctx, store.AuditEvent{TenantID: t.ID, Actor: store.ActorSystem, Action: "api_key.created",
			Detail: auditDetail(map[string]any{"key": k.ID, "prefix": k.Prefix, "name": k.Name, "by": "orcidlink admin create-api-key"})})
		return err
	})
	if err != nil {
		return store.APIKey{}, "", err
	}
	return k, key, nil
}

// auditDetail encodes an audit event's detail: plain values only, so
// encoding cannot fail.
func auditDetail(d map[string]any) json.RawMessage {
	b, _ := json.Marshal(d)
	return b
}
