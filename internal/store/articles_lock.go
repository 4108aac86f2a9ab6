package store

import (
	"context"
	"strings"
)

// LockArticle reads a tenant's article inside a transaction so that no
// other transaction changes it (its state, its authors, its metadata)
// until this one ends: on PostgreSQL through the row lock of an UPDATE
// that changes nothing, on SQLite because writers are serialized. The
// journal workflow decides under it whether an author's copy should still
// be put or retracted, so that a save racing an unpublish cannot put a
// work back after its retraction.
func (o *ops) LockArticle(ctx context.Context, tenantID int64, key string) (_ Article, err error) {
	defer wrap(&err, "lock article %q of tenant %d", key, tenantID)
	key = strings.TrimSpace(key)
	if err := affected(o.exec(ctx, `UPDATE articles SET state = state WHERE tenant_id = ? AND article_key = ?`,
		tenantID, key)); err != nil {
		return Article{}, err
	}
	return o.articleByKey(ctx, tenantID, key)
}
