package orcid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// ReadRecord reads the whole record of id.
func (c *Client) ReadRecord(ctx context.Context, token string, id ID) (*Record, error) {
	var r Record
	if err := c.GetJSON(ctx, token, id, "record", &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ReadWorks reads the works section: summaries grouped by shared
// identifiers.
func (c *Client) ReadWorks(ctx context.Context, token string, id ID) (*Works, error) {
	var w Works
	if err := c.GetJSON(ctx, token, id, "works", &w); err != nil {
		return nil, err
	}
	return &w, nil
}

// ReadItem reads one full item by put-code.
func (c *Client) ReadItem(ctx context.Context, token string, id ID, kind ItemKind, putCode int64) (Item, error) {
	info, ok := kind.Info()
	if !ok {
		return nil, fmt.Errorf("orcid: read: unknown item kind %q", kind)
	}
	item := NewItem(kind)
	if err := c.GetJSON(ctx, token, id, info.Path+"/"+strconv.FormatInt(putCode, 10), item); err != nil {
		return nil, err
	}
	return item, nil
}

// ReadWorksBulk reads up to 100 full works at once; each position of the
// result holds the work or ORCID's error for that put-code.
func (c *Client) ReadWorksBulk(ctx context.Context, token string, id ID, putCodes []int64) (*Bulk, error) {
	if len(putCodes) == 0 || len(putCodes) > 100 {
		return nil, fmt.Errorf("orcid: bulk read: %d put-codes, ORCID accepts 1 to 100", len(putCodes))
	}
	codes := make([]string, len(putCodes))
	for i, pc := range putCodes {
		codes[i] = strconv.FormatInt(pc, 10)
	}
	var b Bulk
	if err := c.GetJSON(ctx, token, id, "works/"+strings.Join(codes, ","), &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// Add posts a new item. When ORCID already holds the same item from our
// source (409, error 9021), the result names that item's put-code with
// Existing set: never an error, and never a second item.
func (c *Client) Add(ctx context.Context, token string, id ID, item Item) (AddResult, error) {
	info, ok := item.ItemKind().Info()
	if !ok {
		return AddResult{}, fmt.Errorf("orcid: add: unknown item kind %q", item.ItemKind())
	}
	if item.GetPutCode() != 0 {
		return AddResult{}, fmt.Errorf("orcid: add %s: the item already has put-code %d; use Update", info.Kind, item.GetPutCode())
	}
	res, err := c.PostJSON(ctx, token, id, info.Path, item)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == 9021 {
		// ORCID's message did not name the put-code: find our item.
		pc, found, ferr := c.FindOwn(ctx, token, id, item)
		if ferr != nil {
			return AddResult{}, fmt.Errorf("orcid: add %s: duplicate, and looking for the existing item failed: %w", info.Kind, ferr)
		}
		if found {
			return AddResult{PutCode: pc, Existing: true}, nil
		}
	}
	return res, err
}

// Update replaces an item; item must carry its put-code. It returns the item
// as ORCID stored it.
func (c *Client) Update(ctx context.Context, token string, id ID, item Item) (Item, error) {
	info, ok := item.ItemKind().Info()
	if !ok {
		return nil, fmt.Errorf("orcid: update: unknown item kind %q", item.ItemKind())
	}
	if item.GetPutCode() == 0 {
		return nil, fmt.Errorf("orcid: update %s: the item has no put-code", info.Kind)
	}
	out := NewItem(item.ItemKind())
	if err := c.PutJSON(ctx, token, id, info.Path, item.GetPutCode(), item, out); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteItem removes an item by put-code.
func (c *Client) DeleteItem(ctx context.Context, token string, id ID, kind ItemKind, putCode int64) error {
	info, ok := kind.Info()
	if !ok {
		return fmt.Errorf("orcid: delete: unknown item kind %q", kind)
	}
	return c.Delete(ctx, token, id, info.Path, putCode)
}

// AddWorks posts up to 100 works in one request. Each position of the
// result holds the created work (with its put-code) or ORCID's error.
func (c *Client) AddWorks(ctx context.Context, token string, id ID, works []*Work) (*Bulk, error) {
	if err := c.writeCheck("add works"); err != nil {
		return nil, err
	}
	if len(works) == 0 || len(works) > 100 {
		return nil, fmt.Errorf("orcid: add works: %d works, ORCID accepts 1 to 100 per request", len(works))
	}
	in := Bulk{Items: make([]BulkItem, len(works))}
	for i, w := range works {
		in.Items[i].Work = w
	}
	body, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("orcid: add works: encode: %w", err)
	}
	u := c.itemURL(id, "works")
	resp, err := c.do(ctx, request{method: http.MethodPost, url: u, token: token, accept: mediaJSON, contentType: mediaJSON, body: body})
	if err != nil {
		return nil, err
	}
	if resp.status != http.StatusOK {
		return nil, c.fail(http.MethodPost, u, token, resp)
	}
	var out Bulk
	if err := json.Unmarshal(resp.body, &out); err != nil {
		return nil, fmt.Errorf("orcid: add works: decode: %w", err)
	}
	return &out, nil
}

// FindOwn looks on the record for an item of ours that is the same as item:
// same kind, our client as source, and a shared self identifier (for items
// without identifiers, the same title or value). It is how a write whose
// answer was lost is recognised instead of being made twice.
func (c *Client) FindOwn(ctx context.Context, token string, id ID, item Item) (putCode int64, found bool, err error) {
	return c.FindOwnExcept(ctx, token, id, item, nil)
}

// FindOwnExcept is FindOwn that passes over the put-codes in taken: those
// other items of ours already hold, which a match by title alone would
// otherwise adopt.
func (c *Client) FindOwnExcept(ctx context.Context, token string, id ID, item Item, taken map[int64]bool) (putCode int64, found bool, err error) {
	pcs, err := c.FindOwnEach(ctx, token, id, []Item{item}, taken)
	if err != nil {
		return 0, false, err
	}
	return pcs[0], pcs[0] != 0, nil
}

// FindOwnEach is FindOwnExcept for several items of one kind with one read
// of the section: how a bulk write whose answer was lost is settled. The
// result holds, for each item in order, the put-code of its copy on the
// record or 0; no put-code is given to two items, nor any in taken.
func (c *Client) FindOwnEach(ctx context.Context, token string, id ID, items []Item, taken map[int64]bool) ([]int64, error) {
	if len(items) == 0 {
		return nil, nil
	}
	kind := items[0].ItemKind()
	info, ok := kind.Info()
	if !ok {
		return nil, fmt.Errorf("orcid: find: unknown item kind %q", kind)
	}
	for _, it := range items {
		if it.ItemKind() != kind {
			return nil, fmt.Errorf("orcid: find: items of kinds %q and %q in one search", kind, it.ItemKind())
		}
	}
	var section any
	if err := c.GetJSON(ctx, token, id, info.SectionPath, &section); err != nil {
		return nil, err
	}
	// Our own items on the record, in the section's order.
	var own []Item
	walkJSON(section, func(obj map[string]any) bool {
		if _, ok := obj["put-code"]; !ok {
			return true
		}
		b, _ := json.Marshal(obj)
		cand := NewItem(kind)
		if json.Unmarshal(b, cand) != nil {
			return true
		}
		if src := cand.GetSource(); src != nil && src.SourceClientID != nil && src.SourceClientID.Path == c.cred.ClientID {
			own = append(own, cand)
		}
		return true
	})
	used := map[int64]bool{}
	for pc := range taken {
		used[pc] = true
	}
	out := make([]int64, len(items))
	for i, item := range items {
		want := selfKeys(item.GetExternalIDs())
		for _, cand := range own {
			pc := cand.GetPutCode()
			if used[pc] {
				continue
			}
			same := false
			if len(want) > 0 {
				for k := range selfKeys(cand.GetExternalIDs()) {
					if want[k] {
						same = true
					}
				}
			} else {
				same = cand.DisplayTitle() != "" && cand.DisplayTitle() == item.DisplayTitle()
			}
			if same {
				out[i], used[pc] = pc, true
				break
			}
		}
	}
	return out, nil
}

// selfKeys are the identifiers ORCID's duplicate check compares: those
// whose relationship is self (or unset).
func selfKeys(ids []ExternalID) map[string]bool {
	m := map[string]bool{}
	for _, x := range ids {
		if x.Relationship == "" || x.Relationship == RelationshipSelf {
			m[strings.ToLower(x.GroupKey())] = true
		}
	}
	return m
}

// walkJSON visits every object in v, depth first, until visit returns false.
func walkJSON(v any, visit func(map[string]any) bool) bool {
	switch t := v.(type) {
	case map[string]any:
		if !visit(t) {
			return false
		}
		for _, x := range t {
			if !walkJSON(x, visit) {
				return false
			}
		}
	case []any:
		for _, x := range t {
			if !walkJSON(x, visit) {
				return false
			}
		}
	}
	return true
}
