package sandbox

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
)

// ScopeEmailReadPrivate lets a token read every email of the record,
// whatever its visibility.
const ScopeEmailReadPrivate = "/email/read-private"

// caller is who makes an API request: the token and its client, or nobody
// (an anonymous Public API request).
type caller struct {
	public bool   // request on the Public API
	token  *Token // nil when anonymous
	client Client
}

// clientID is the client the request acts as ("" when anonymous).
func (c *caller) clientID() string {
	if c.token == nil {
		return ""
	}
	return c.token.ClientID
}

// has reports whether the token grants scope. The Public API ignores
// scopes: it only ever shows public data.
func (c *caller) has(scope string) bool {
	return c.token != nil && c.token.Scopes.Has(scope)
}

// bearerToken extracts the token the way ORCID's OrcidBearerTokenFilter
// does: an Authorization header starting with "bearer" in any case (up to a
// comma), else the access_token query parameter.
func bearerToken(req *http.Request) string {
	for _, v := range req.Header.Values("Authorization") {
		if len(v) >= 6 && strings.EqualFold(v[:6], "bearer") {
			tok := strings.TrimSpace(v[6:])
			if i := strings.IndexByte(tok, ','); i > 0 {
				tok = tok[:i]
			}
			return tok
		}
	}
	return req.URL.Query().Get("access_token")
}

// authenticate is the Spring Security layer in front of both APIs. The
// Member API requires a client token; the Public API also accepts none.
// A token revoked by the researcher stays usable for DELETE so that the
// client can clean up what it wrote.
func (r *Registry) authenticate(req *http.Request, public bool) (*caller, error) {
	raw := bearerToken(req)
	if raw == "" {
		if public {
			return &caller{public: true}, nil
		}
		return nil, errMissingToken
	}
	tok, err := r.store.Token(req.Context(), raw)
	if errors.Is(err, ErrNotFound) {
		return nil, errInvalidToken(raw)
	}
	if err != nil {
		return nil, err
	}
	live := tok.RevokedAt == nil && r.now().Before(tok.ExpiresAt)
	if !live && !(req.Method == http.MethodDelete && tok.RevokedAt != nil && tok.RevokeReason == RevokedByUser) {
		return nil, errInvalidToken(raw)
	}
	client, err := r.store.Client(req.Context(), tok.ClientID)
	if errors.Is(err, ErrNotFound) {
		return nil, errInvalidToken(raw)
	}
	if err != nil {
		return nil, err
	}
	if !public && !client.Member() {
		return nil, errAccessDenied(raw)
	}
	return &caller{public: public, token: &tok, client: client}, nil
}

var orcidInPath = regexp.MustCompile(`(\d{4}-){3}\d{3}[\dX]`)

// checkTarget is ORCID's TokenTargetFilter: a token issued for one
// researcher may not touch any other record. Client-only tokens pass.
func (c *caller) checkTarget(path string) error {
	if c.token == nil || c.token.ORCID == "" {
		return nil
	}
	if id := orcidInPath.FindString(path); id != "" && id != c.token.ORCID {
		return errWrongRecord()
	}
	return nil
}
