package sandbox

import (
	"context"
	"time"
)

// Test-only access to the store for the external tests of this package
// (oauth_test.go, oidc_test.go, site_test.go, browser_test.go are package
// sandbox_test because they use sandboxtest, which imports this package).

// StoredToken returns the stored row of an access token.
func (r *Registry) StoredToken(ctx context.Context, access string) (Token, error) {
	return r.store.Token(ctx, access)
}

// AddItemForTest stores an item on a record as the researcher would (no
// source client, display-index 0).
func (r *Registry) AddItemForTest(ctx context.Context, orcid, kind, visibility, body string) error {
	now := time.Now()
	_, err := r.store.CreateItem(ctx, StoredItem{ORCID: orcid, Kind: kind, Visibility: visibility, Body: []byte(body), CreatedAt: now, ModifiedAt: now})
	return err
}
