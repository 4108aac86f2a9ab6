package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// apiCall is an entry of the log of ORCID calls. Tokens, secrets and codes
// were redacted from headers and bodies before the call was logged.
type apiCall struct {
	ID              int64       `json:"id"`
	PersonID        *int64      `json:"person_id"`
	Method          string      `json:"method"`
	URL             string      `json:"url"`
	Status          int         `json:"status"`
	DurationMS      int64       `json:"duration_ms"`
	Attempt         int         `json:"attempt"`
	Error           string      `json:"error"`
	RequestHeaders  http.Header `json:"request_headers"`
	RequestBody     string      `json:"request_body"`
	ResponseHeaders http.Header `json:"response_headers"`
	ResponseBody    string      `json:"response_body"`
	CreatedAt       time.Time   `json:"created_at"`
}

type callList struct {
	Items      []apiCall `json:"items"`
	NextCursor string    `json:"next_cursor"`
}

func (s *Server) listCalls(c *call) (reply, error) {
	q := c.r.URL.Query()
	var errs fieldErrors
	cq := store.TenantCallQuery{Limit: intParam(q.Get("limit"), "limit", 1000, &errs)}
	if v := q.Get("person_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			errs.param("person_id", "must be a person's id")
		}
		cq.PersonID = id
	}
	if v := q.Get("cursor"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			errs.param("cursor", "is not a cursor of this list")
		}
		cq.BeforeID = id
	}
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	if cq.PersonID != 0 {
		// Another tenant's person is as unknown as a missing one.
		if _, err := s.st.Person(c.ctx, c.tenant, cq.PersonID); errors.Is(err, store.ErrNotFound) {
			return reply{}, withDetail(err, "There is no such person.")
		} else if err != nil {
			return reply{}, err
		}
	}
	limit := cq.Limit
	if limit == 0 {
		limit = 100
	}
	calls, err := s.st.ListTenantCalls(c.ctx, c.tenant, cq)
	if err != nil {
		return reply{}, err
	}
	out := callList{Items: []apiCall{}}
	for _, x := range calls {
		a := apiCall{ID: x.ID, Method: x.Method, URL: x.URL, Status: x.Status, DurationMS: x.Duration.Milliseconds(),
			Attempt: x.Attempt, Error: x.Error, RequestHeaders: x.RequestHeader, RequestBody: string(x.RequestBody),
			ResponseHeaders: x.ResponseHeader, ResponseBody: string(x.ResponseBody), CreatedAt: x.CreatedAt}
		if x.PersonID != 0 {
			id := x.PersonID
			a.PersonID = &id
		}
		out.Items = append(out.Items, a)
	}
	if len(calls) == limit {
		out.NextCursor = strconv.FormatInt(calls[len(calls)-1].ID, 10)
	}
	return ok(out)
}
