package orcid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Two-legged scopes of the group-id-record API (ORCID's ScopePathType:
// GROUP_ID_RECORD_READ and GROUP_ID_RECORD_UPDATE; update includes read).
const (
	ScopeGroupIDRecordRead   = "/group-id-record/read"
	ScopeGroupIDRecordUpdate = "/group-id-record/update"
)

// groupsURL is the group-id-record endpoint, outside any record.
func (c *Client) groupsURL(segments ...string) string {
	return strings.Join(append([]string{c.cred.apiBase(), "group-id-record"}, segments...), "/")
}

// Peer-review groups (GroupIDRecord): every peer-review item names one in
// review-group-id, and ORCID refuses a review whose group it does not hold
// (400 9020), except issn: groups, which it creates on first use
// (PeerReviewManagerImpl.validateGroupId). A group-id is prefix:value with
// the prefix one of ringgold:, issn:, orcid-generated:, fundref:, publons:
// (ActivityValidator.validateGroupIdRecord).

// FindGroup looks a group up by its group-id (GET /group-id-record?group-id=),
// with a two-legged /group-id-record/read token. A group ORCID does not hold
// is reported as ErrNotFound.
func (c *Client) FindGroup(ctx context.Context, groupID string) (*GroupIDRecord, error) {
	if err := c.writeCheck("read group-id-records"); err != nil {
		return nil, err
	}
	token, err := c.twoLeggedToken(ctx, ScopeGroupIDRecordUpdate)
	if err != nil {
		return nil, err
	}
	u := c.groupsURL() + "?group-id=" + url.QueryEscape(groupID)
	resp, err := c.do(ctx, request{method: http.MethodGet, url: u, token: token, accept: mediaJSON})
	if err != nil {
		return nil, err
	}
	if resp.status != http.StatusOK {
		apiErr := c.fail(http.MethodGet, u, token, resp)
		if apiErr.ErrorCode == 9026 { // "group-id-record does not exist"
			apiErr.Status = http.StatusNotFound
		}
		return nil, fmt.Errorf("orcid: find group %q: %w", groupID, apiErr)
	}
	// One record; a page of records is accepted as well, in case the
	// filter is answered as a search.
	var body struct {
		GroupIDRecord
		Records []GroupIDRecord `json:"group-id-record"`
	}
	if err := json.Unmarshal(resp.body, &body); err != nil {
		return nil, fmt.Errorf("orcid: find group %q: decode: %w", groupID, err)
	}
	for _, g := range append([]GroupIDRecord{body.GroupIDRecord}, body.Records...) {
		if g.PutCode != 0 && strings.EqualFold(g.GroupID, groupID) {
			return &g, nil
		}
	}
	return nil, fmt.Errorf("orcid: find group %q: %w", groupID, &APIError{Method: http.MethodGet, URL: redactURL(u),
		Status: http.StatusNotFound, Developer: "no group-id-record with this group-id"})
}

// CreateGroup registers a group (POST /group-id-record) and returns its
// put-code. A group-id ORCID already holds is a 409 (9025): see EnsureGroup.
func (c *Client) CreateGroup(ctx context.Context, g GroupIDRecord) (int64, error) {
	if err := c.writeCheck("create group-id-record"); err != nil {
		return 0, err
	}
	token, err := c.twoLeggedToken(ctx, ScopeGroupIDRecordUpdate)
	if err != nil {
		return 0, err
	}
	g.PutCode = 0
	body, err := json.Marshal(g)
	if err != nil {
		return 0, fmt.Errorf("orcid: create group: encode: %w", err)
	}
	u := c.groupsURL()
	resp, err := c.do(ctx, request{method: http.MethodPost, url: u, token: token, accept: mediaJSON, contentType: mediaJSON, body: body})
	if err != nil {
		return 0, err
	}
	if resp.status != http.StatusCreated && resp.status != http.StatusOK {
		return 0, fmt.Errorf("orcid: create group %q: %w", g.GroupID, c.fail(http.MethodPost, u, token, resp))
	}
	loc := resp.header.Get("Location")
	pc, err := strconv.ParseInt(loc[strings.LastIndexByte(loc, '/')+1:], 10, 64)
	if err != nil {
		var created GroupIDRecord
		if json.Unmarshal(resp.body, &created) == nil && created.PutCode != 0 {
			return created.PutCode, nil
		}
		return 0, fmt.Errorf("orcid: create group %q: %d without a put-code in Location %q", g.GroupID, resp.status, loc)
	}
	return pc, nil
}

// EnsureGroup returns the group ORCID holds under g.GroupID, registering g
// first when there is none. Safe to call concurrently and again after a
// crash: a group created meanwhile (409 9025) is looked up, not duplicated.
func (c *Client) EnsureGroup(ctx context.Context, g GroupIDRecord) (*GroupIDRecord, error) {
	found, err := c.FindGroup(ctx, g.GroupID)
	if err == nil {
		return found, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	pc, err := c.CreateGroup(ctx, g)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusConflict {
		return c.FindGroup(ctx, g.GroupID)
	}
	if err != nil {
		return nil, err
	}
	g.PutCode = pc
	return &g, nil
}
