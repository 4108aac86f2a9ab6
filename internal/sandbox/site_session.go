package sandbox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
)

const sessionCookie = "orcid_sandbox_session"

func (r *Registry) cookiePath() string {
	if r.base.Path == "" {
		return "/"
	}
	return r.base.Path
}

// currentSession returns the signed-in researcher of the request, if any.
func (r *Registry) currentSession(req *http.Request) (Session, Researcher, bool) {
	c, err := req.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return Session{}, Researcher{}, false
	}
	sess, err := r.store.Session(req.Context(), c.Value, r.now())
	if err != nil {
		return Session{}, Researcher{}, false
	}
	res, err := r.store.Researcher(req.Context(), sess.ORCID)
	if err != nil {
		return Session{}, Researcher{}, false
	}
	return sess, res, true
}

// startSession signs a researcher in: a new server-side session row (any
// previous one of this browser is deleted, against session fixation) and
// a cookie naming it.
func (r *Registry) startSession(w http.ResponseWriter, req *http.Request, orcid string) error {
	if c, err := req.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := r.store.DeleteSession(req.Context(), c.Value); err != nil {
			return fmt.Errorf("end previous session: %w", err)
		}
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("session id: %w", err)
	}
	now := r.now()
	sess := Session{ID: base64.RawURLEncoding.EncodeToString(b[:]), ORCID: orcid, AuthTime: now, ExpiresAt: now.Add(sessionLifetime)}
	if err := r.store.CreateSession(req.Context(), sess); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: sess.ID, Path: r.cookiePath(),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.base.Scheme == "https",
	})
	return nil
}

func (r *Registry) endSession(w http.ResponseWriter, req *http.Request) error {
	if c, err := req.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := r.store.DeleteSession(req.Context(), c.Value); err != nil {
			return fmt.Errorf("delete session: %w", err)
		}
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: r.cookiePath(), MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.base.Scheme == "https",
	})
	return nil
}

// formToken binds a form to one browser session, one purpose and (for the
// consent form) the exact request shown, so a form from another sign-in or
// for another request is refused. CrossOriginProtection already stops
// cross-site posts; this stops stale and swapped forms.
func (r *Registry) formToken(sessionID, purpose, payload string) string {
	mac := hmac.New(sha256.New, r.formKey())
	for _, s := range []string{sessionID, purpose, payload} {
		mac.Write([]byte(s))
		mac.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (r *Registry) checkFormToken(sessionID, purpose, payload, got string) bool {
	return got != "" && hmac.Equal([]byte(got), []byte(r.formToken(sessionID, purpose, payload)))
}

// formKey derives the form-token key from the registry's persistent
// signing key, so forms survive a restart and no second secret is stored.
func (r *Registry) formKey() []byte {
	h := sha256.New()
	h.Write([]byte("orcidlink sandbox form tokens\x00"))
	h.Write(r.keys.priv.D.Bytes())
	return h.Sum(nil)
}
