package orcid

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
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

	// The states of a record that refuse every write, whoever asks
	// (OrcidSecurityManagerImpl.checkProfile; codes from
	// OrcidCoreExceptionMapper). None is about the researcher's
	// authorization: the token is still good.
	//
	// ErrRecordDeprecated: the record was merged into another (its primary
	// record): a GET answers 301 to it, anything else 409 9007.
	ErrRecordDeprecated = errors.New("ORCID record deprecated (merged into another record)")
	// ErrRecordLocked: ORCID locked the record (409 9018).
	ErrRecordLocked = errors.New("ORCID record locked by ORCID")
	// ErrRecordDeactivated: the researcher deactivated the record (409 9044).
	ErrRecordDeactivated = errors.New("ORCID record deactivated")
	// ErrRecordUnclaimed: the record was never claimed (409 9036).
	ErrRecordUnclaimed = errors.New("ORCID record not claimed")
	// ErrCredentialRefused: ORCID refused the organisation's credential
	// itself (unauthorized_client, invalid_client, a client locked or
	// deactivated: 9057): a problem for the administrator, never a sign
	// that the researcher revoked access.
	ErrCredentialRefused = errors.New("ORCID refused the organisation's API credential")
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
	// Location is where a redirect pointed: a deprecated record's GET is
	// a 301 to its primary record (see PrimaryID).
	Location string
}

// PrimaryID is the record a deprecated record was merged into, when ORCID
// said (the 301's Location ends in the primary iD); "" otherwise.
func (e *APIError) PrimaryID() ID {
	if e.Location == "" {
		return ""
	}
	loc := strings.TrimSuffix(e.Location, "/")
	for _, seg := range strings.Split(loc, "/") {
		if id, err := ParseID(seg); err == nil {
			return id
		}
	}
	return ""
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
	case ErrRecordDeprecated:
		return e.ErrorCode == 9007 || e.Status == http.StatusMovedPermanently
	case ErrRecordLocked:
		return e.ErrorCode == 9018
	case ErrRecordDeactivated:
		return e.ErrorCode == 9044
	case ErrRecordUnclaimed:
		return e.ErrorCode == 9036
	case ErrCredentialRefused:
		// A 400 unauthorized_client is ORCID's word for a dead refresh
		// token (see oauthError); a 401 one, for bad client credentials.
		return (e.OAuthError == "unauthorized_client" && e.Status == http.StatusUnauthorized) ||
			e.OAuthError == "invalid_client" || e.ErrorCode == 9057
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
	e := &APIError{Method: method, URL: url, Status: status, RetryAfter: header.Get("Retry-After"),
		Location: header.Get("Location")}
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
