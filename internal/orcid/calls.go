package orcid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// The JSON media type the client speaks; ORCID's default is XML.
const mediaJSON = "application/vnd.orcid+json"

// AddResult is the outcome of adding an item.
type AddResult struct {
	PutCode int64
	// Existing is true when ORCID already held this item from our source
	// (a 409 for the same self external identifier): PutCode is that
	// item's, and nothing new was created.
	Existing bool
}

// writeCheck refuses writes that the credential's API type cannot make,
// before anything is sent.
func (c *Client) writeCheck(op string) error {
	if c.cred.API != MemberAPI {
		return fmt.Errorf("orcid: %s: %w: writing to ORCID records needs Member API credentials, these are %s API", op, ErrNotPermitted, c.cred.API)
	}
	return nil
}

func (c *Client) itemURL(id ID, segments ...string) string {
	return c.cred.apiBase() + "/" + string(id) + "/" + strings.Join(segments, "/")
}

// GetJSON reads path under the record of id (e.g. "works", "work/123",
// "" for the whole record) into out.
func (c *Client) GetJSON(ctx context.Context, token string, id ID, path string, out any) error {
	u := strings.TrimSuffix(c.itemURL(id, strings.TrimPrefix(path, "/")), "/")
	resp, err := c.do(ctx, request{method: http.MethodGet, url: u, token: token, accept: mediaJSON})
	if err != nil {
		return err
	}
	if resp.status != http.StatusOK {
		return c.fail(http.MethodGet, u, token, resp)
	}
	if err := json.Unmarshal(resp.body, out); err != nil {
		return fmt.Errorf("orcid: GET %s: decode: %w", u, err)
	}
	return nil
}

// putCodeInMessage finds the put-code ORCID names in its 409 9021 message
// ("... please see element with put-code 1234. ...").
var putCodeInMessage = regexp.MustCompile(`put-code (\d+)`)

// PostJSON adds item under section (the singular path: "work", "funding",
// "employment", "keywords", ...). A 409 for our own duplicate resolves to
// the existing item's put-code, reported as Existing.
func (c *Client) PostJSON(ctx context.Context, token string, id ID, section string, item any) (AddResult, error) {
	if err := c.writeCheck("add " + section); err != nil {
		return AddResult{}, err
	}
	body, err := json.Marshal(item)
	if err != nil {
		return AddResult{}, fmt.Errorf("orcid: add %s: encode: %w", section, err)
	}
	u := c.itemURL(id, section)
	resp, err := c.do(ctx, request{method: http.MethodPost, url: u, token: token, accept: mediaJSON, contentType: mediaJSON, body: body})
	if err != nil {
		return AddResult{}, err
	}
	switch resp.status {
	case http.StatusCreated:
		loc := resp.header.Get("Location")
		pc, err := strconv.ParseInt(loc[strings.LastIndexByte(loc, '/')+1:], 10, 64)
		if err != nil {
			return AddResult{}, fmt.Errorf("orcid: add %s: 201 without a put-code in Location %q", section, loc)
		}
		return AddResult{PutCode: pc}, nil
	case http.StatusConflict:
		apiErr := c.fail(http.MethodPost, u, token, resp)
		if apiErr.ErrorCode == 9021 {
			if m := putCodeInMessage.FindStringSubmatch(apiErr.Developer); m != nil {
				pc, _ := strconv.ParseInt(m[1], 10, 64)
				return AddResult{PutCode: pc, Existing: true}, nil
			}
		}
		return AddResult{}, apiErr
	default:
		return AddResult{}, c.fail(http.MethodPost, u, token, resp)
	}
}

// PutJSON replaces the item at section/putCode; the item must carry the
// same put-code, as ORCID requires.
func (c *Client) PutJSON(ctx context.Context, token string, id ID, section string, putCode int64, item, out any) error {
	if err := c.writeCheck("update " + section); err != nil {
		return err
	}
	body, err := json.Marshal(item)
	if err != nil {
		return fmt.Errorf("orcid: update %s: encode: %w", section, err)
	}
	u := c.itemURL(id, section, strconv.FormatInt(putCode, 10))
	resp, err := c.do(ctx, request{method: http.MethodPut, url: u, token: token, accept: mediaJSON, contentType: mediaJSON, body: body})
	if err != nil {
		return err
	}
	if resp.status != http.StatusOK {
		return c.fail(http.MethodPut, u, token, resp)
	}
	if out != nil {
		if err := json.Unmarshal(resp.body, out); err != nil {
			return fmt.Errorf("orcid: update %s: decode: %w", section, err)
		}
	}
	return nil
}

// Delete removes the item at section/putCode. An item already gone is
// reported as ErrNotFound, which retraction treats as done.
func (c *Client) Delete(ctx context.Context, token string, id ID, section string, putCode int64) error {
	if err := c.writeCheck("delete " + section); err != nil {
		return err
	}
	u := c.itemURL(id, section, strconv.FormatInt(putCode, 10))
	resp, err := c.do(ctx, request{method: http.MethodDelete, url: u, token: token, accept: mediaJSON})
	if err != nil {
		return err
	}
	if resp.status != http.StatusNoContent && resp.status != http.StatusOK {
		return c.fail(http.MethodDelete, u, token, resp)
	}
	return nil
}

// IsPermanent reports whether err will recur on retry: anything that is not
// a rate limit, a server failure or a network failure.
func IsPermanent(err error) bool {
	return err != nil && !errors.Is(err, ErrTemporary) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}
