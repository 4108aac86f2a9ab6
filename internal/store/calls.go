package store

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Call is one entry of the log of ORCID calls, which ORCID asks members to
// keep. Headers and bodies arrive redacted by the ORCID client.
type Call struct {
	ID             int64
	TenantID       int64 // 0 when the call was for no tenant (a credential's own token)
	PersonID       int64 // 0 when not about a person
	CredentialID   int64
	Method         string
	URL            string
	Status         int // 0 when no response arrived
	Duration       time.Duration
	RequestHeader  http.Header
	RequestBody    []byte
	ResponseHeader http.Header
	ResponseBody   []byte
	Error          string // transport error, if any
	Attempt        int    // 1 for the first try
	CreatedAt      time.Time
}

const callCols = `id, tenant_id, person_id, credential_id, method, url, status, duration_ms, request_headers,
	request_body, response_headers, response_body, error, attempt, created_at`

func scanCall(r scanner) (Call, error) {
	var c Call
	var ms int64
	var reqH, resH string
	err := r.Scan(&c.ID, nullable[int64]{&c.TenantID}, nullable[int64]{&c.PersonID}, &c.CredentialID, &c.Method, &c.URL,
		&c.Status, &ms, &reqH, &c.RequestBody, &resH, &c.ResponseBody, &c.Error, &c.Attempt, timeDest{&c.CreatedAt})
	if err != nil {
		return Call{}, err
	}
	c.Duration = time.Duration(ms) * time.Millisecond
	if err := json.Unmarshal([]byte(reqH), &c.RequestHeader); err != nil {
		return Call{}, fmt.Errorf("call %d: request headers: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(resH), &c.ResponseHeader); err != nil {
		return Call{}, fmt.Errorf("call %d: response headers: %w", c.ID, err)
	}
	return c, nil
}

// AppendCall adds a call to the log. CreatedAt defaults to now.
func (o *ops) AppendCall(ctx context.Context, c Call) (_ Call, err error) {
	defer wrap(&err, "log call %s %s", c.Method, c.URL)
	if err := o.personOfTenant(ctx, c.TenantID, c.PersonID); err != nil {
		return Call{}, err
	}
	reqH, err := json.Marshal(headerOrEmpty(c.RequestHeader))
	if err != nil {
		return Call{}, err
	}
	resH, err := json.Marshal(headerOrEmpty(c.ResponseHeader))
	if err != nil {
		return Call{}, err
	}
	at := c.CreatedAt
	if at.IsZero() {
		at = o.now()
	}
	out, err := scanCall(o.queryRow(ctx, `INSERT INTO orcid_calls (tenant_id, person_id, credential_id, method, url,
		status, duration_ms, request_headers, request_body, response_headers, response_body, error, attempt, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+callCols,
		nullID(c.TenantID), nullID(c.PersonID), c.CredentialID, c.Method, c.URL, c.Status, c.Duration.Milliseconds(),
		string(reqH), c.RequestBody, string(resH), c.ResponseBody, c.Error, c.Attempt, timeText(at)))
	return out, dbErr(err, ErrNotFound)
}

func headerOrEmpty(h http.Header) http.Header {
	if h == nil {
		return http.Header{}
	}
	return h
}

// ListCalls lists the calls made for a person of a tenant, newest first.
func (o *ops) ListCalls(ctx context.Context, tenantID, personID int64, limit int) (_ []Call, err error) {
	defer wrap(&err, "calls for person %d of tenant %d", personID, tenantID)
	rows, err := o.query(ctx, `SELECT `+callCols+` FROM orcid_calls WHERE tenant_id = ? AND person_id = ?
		ORDER BY id DESC LIMIT ?`, tenantID, personID, limitOr(limit, 100, 1000))
	return collect(rows, err, scanCall)
}

// PruneCalls deletes the calls logged before olderThan (the retention
// period) and reports how many.
func (o *ops) PruneCalls(ctx context.Context, olderThan time.Time) (_ int64, err error) {
	defer wrap(&err, "prune call log")
	res, err := o.exec(ctx, `DELETE FROM orcid_calls WHERE created_at < ?`, timeText(olderThan))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
