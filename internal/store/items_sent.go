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

// PutCodesOfOthers lists the put-codes that items other than itemID hold on
// the record behind link (same credential, same iD), of kind: a write in
// doubt must not adopt one of them. An affiliation or a keyword without
// identifiers is matched on the record by its title only, and another of
// our items may carry the same title (two appointments at one university).
func (o *ops) PutCodesOfOthers(ctx context.Context, link Link, kind orcid.ItemKind, itemID int64) (_ map[int64]bool, err error) {
	defer wrap(&err, "put-codes of items other than %d", itemID)
	rows, err := o.query(ctx, `SELECT i.put_code FROM orcid_items i JOIN orcid_links l ON l.id = i.link_id
		WHERE l.credential_id = ? AND l.orcid_uri = ? AND i.kind = ? AND i.id <> ? AND i.put_code IS NOT NULL`,
		link.CredentialID, link.ORCIDURI, string(kind), itemID)
	pcs, err := collect(rows, err, func(r scanner) (int64, error) {
		var pc int64
		return pc, r.Scan(&pc)
	})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(pcs))
	for _, pc := range pcs {
		out[pc] = true
	}
	return out, nil
}
