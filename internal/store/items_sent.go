package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// ItemSent returns the content the item's last write sent (BeginItemWrite
// remembers it), which is what may be on the record when that write's
// outcome is unknown (CallOpen): an edit since may have changed the very
// identifiers the record would be searched by. An item never written, or
// last written before orcidlink kept this, gives its desired content.
func (o *ops) ItemSent(ctx context.Context, id int64) (_ orcid.Item, err error) {
	defer wrap(&err, "content sent for item %d", id)
	var kind string
	var content, sent *string
	if err := o.queryRow(ctx, `SELECT kind, content, pushing_content FROM orcid_items WHERE id = ?`, id).
		Scan(&kind, &content, &sent); err != nil {
		return nil, notFound(err)
	}
	raw := content
	if sent != nil {
		raw = sent
	}
	x := orcid.NewItem(orcid.ItemKind(kind))
	if x == nil || raw == nil {
		return nil, fmt.Errorf("unknown kind %q or no content", kind)
	}
	if err := json.Unmarshal([]byte(*raw), x); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return x, nil
}
