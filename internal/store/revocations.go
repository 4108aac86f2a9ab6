package store

import (
	"context"
	"errors"
)

// RevokeLink is MarkLinkRevoked that says whether this call did it:
// revoked is false when the link was no longer connected (another caller,
// seeing the same dead token, got there first). Whatever follows a
// revocation once (re-inviting the person) keys on it; the one UPDATE
// decides, so two concurrent callers cannot both see true.
func (o *ops) RevokeLink(ctx context.Context, linkID int64, reason string) (revoked bool, err error) {
	defer wrap(&err, "revoke link %d", linkID)
	res, err := o.exec(ctx, `UPDATE orcid_links SET state = 'revoked', state_reason = ?, access_token = NULL,
		refresh_token = NULL, id_token = NULL, updated_at = ? WHERE id = ? AND state = 'connected'`,
		reason, timeText(o.now()), linkID)
	if err := affected(res, err); !errors.Is(err, ErrNotFound) {
		return err == nil, err
	}
	return false, o.mustExist(ctx, "link", linkID, `SELECT 1 FROM orcid_links WHERE id = ?`, linkID)
}
