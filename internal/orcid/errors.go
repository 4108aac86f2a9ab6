package orcid

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Kinds of failure callers branch on, with errors.Is.
var (
	// ErrTokenInvalid: 401, the access token is revoked, expired or unknown.
	// The researcher has to authorize again; retrying will not help.
	ErrTokenInvalid = errors.New("ORCID token invalid or revoked")
	// ErrForbidden: 403, the token lacks the scope or we are not the source.
	ErrForbidden = errors.New("ORCID refused the call (scope or source)")
	ErrNotFound  = errors.New("not found on ORCID")
	// ErrConflict: 409 that is not our own duplicate (which Add resolves).
	ErrConflict    = errors.New("ORCID reported a conflict")
	ErrRateLimited = errors.New("ORCID rate limit exceeded")
	// ErrValidation: 400, ORCID rejected the content; fix it, don't retry.
	ErrValidation = errors.New("ORCID rejected the request as invalid")
	// ErrTemporary: 5xx or a network failure that outlasted the retries.
	ErrTemporary = errors.New("ORCID temporarily unavailable")
	// ErrNotPermitted: the credential's API type cannot make this call; no
	// request was sent.
	ErrNotPermitted = errors.New("not permitted with this credential")
)

// APIError is an unsuccessful answer from ORCID, with ORCID's own codes and
// messages when the body carried them.
type APIError struct {
	Method     string
	URL        string // without query string
	Status     int
	ErrorCode  int    // ORCID's error-code (9xxx), 0 when absent
	Developer  string // developer-message or OAuth error_description
	User       string // user-message
	OAuthError string // OAuth "error" field (invalid_token, invalid_grant, ...)
	RetryAfter string
}

func (e *APIError) Error() string {
	msg := e.Developer
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	code := ""
	if e.ErrorCode != 0 {
		code = fmt.Sprintf(" (error-code %d)", e.ErrorCode)
	} else if e.OAuthError != "" {
		code = " (" + e.OAuthError + ")"
	}
	return fmt.Sprintf("ORCID %s %s: %d%s: %s", e.Method, e.URL, e.Status, code, msg)
}

// Is maps the status to the kinds above.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrTokenInvalid:
		return e.Status == http.StatusUnauthorized
	case ErrForbidden:
		return e.Status == http.StatusForbidden
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrConflict:
		return e.Status == http.StatusConflict
	case ErrRateLimited:
		return e.Status == http.StatusTooManyRequests
	case ErrValidation:
		return e.Status == http.StatusBadRequest || e.Status == http.StatusUnsupportedMediaType || e.Status == http.StatusNotAcceptable
	case ErrTemporary:
		return e.Status >= 500 || e.Status == http.StatusTooManyRequests
	}
	return false
}

// parseAPIError builds an APIError from any body ORCID might send: its
// error document, an OAuth error, HTML from a proxy, or nothing.
func parseAPIError(method, url string, status int, header http.Header, body []byte) *APIError {
	e := &APIError{Method: method, URL: url, Status: status, RetryAfter: header.Get("Retry-After")}
	var doc struct {
		ResponseCode     json.Number `json:"response-code"`
		DeveloperMessage string      `json:"developer-message"`
		UserMessage      string      `json:"user-message"`
		ErrorCode        json.Number `json:"error-code"`
		OAuthError       string      `json:"error"`
		OAuthDescription string      `json:"error_description"`
		OIDCDescription  string      `json:"error-description"`
	}
	if json.Unmarshal(body, &doc) == nil {
		if n, err := doc.ErrorCode.Int64(); err == nil {
			e.ErrorCode = int(n)
		}
		e.Developer, e.User, e.OAuthError = doc.DeveloperMessage, doc.UserMessage, doc.OAuthError
		if e.Developer == "" {
			e.Developer = doc.OAuthDescription
		}
		if e.Developer == "" {
			e.Developer = doc.OIDCDescription
		}
	}
	return e
}
