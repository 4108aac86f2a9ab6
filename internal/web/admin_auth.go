package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// Session keys of the admin UI.
const (
	sessAdminID = "admin.user_id"
	sessFlash   = "admin.flash"
)

// Sign-in throttling: after maxLoginFailures wrong passwords in a row the
// account is locked for lockDuration. The count only resets on a success,
// so once past the limit every further wrong password locks it again.
const (
	adminMaxLoginFailures = 5
	adminLockDuration     = 15 * time.Minute
)

// adminSignInFailed is the one message for every refused sign-in: unknown email,
// wrong password or locked account all read the same, so the form does not
// tell anyone which addresses have accounts.
const adminSignInFailed = "The email or password is not right, or the account is locked for 15 minutes after 5 failed attempts."

type adminHandler func(w http.ResponseWriter, r *http.Request, a *store.AdminUser)

type adminTenantHandler func(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant)

type adminPersonHandler func(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, p store.Person)

// admin requires a signed-in administrator. The user is read from the
// store on every request rather than kept in the session, so that a
// deleted administrator or a changed role takes effect at once.
func (s *Server) admin(h adminHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id := s.sessions.GetInt64(ctx, sessAdminID)
		if id == 0 {
			s.adminToSignIn(w, r)
			return
		}
		u, err := s.store.AdminUser(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			s.sessions.Remove(ctx, sessAdminID)
			s.adminToSignIn(w, r)
			return
		}
		if err != nil {
			s.adminFail(w, r, nil, "load administrator", err)
			return
		}
		h(w, r, &u)
	}
}

// siteOnly requires a site administrator; anyone else gets the page that
// does not exist.
func (s *Server) siteOnly(h adminHandler) http.HandlerFunc {
	return s.admin(func(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
		if a.Role != store.RoleSiteAdmin {
			s.adminNotFound(w, r, a)
			return
		}
		h(w, r, a)
	})
}

// adminTenantRoute loads the tenant named by {tid} if the administrator may see
// it, and answers 404 otherwise: whether the tenant exists is as secret as
// what is in it.
func (s *Server) adminTenantRoute(h adminTenantHandler) http.HandlerFunc {
	return s.admin(func(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
		t, err := s.adminVisibleTenant(r, a, r.PathValue("tid"))
		if errors.Is(err, errNotAllowed) || errors.Is(err, store.ErrNotFound) {
			s.adminNotFound(w, r, a)
			return
		}
		if err != nil {
			s.adminFail(w, r, a, "load tenant", err)
			return
		}
		h(w, r, a, t)
	})
}

// adminPersonRoute is adminTenantRoute plus the person {pid}, who must be of that
// tenant (the store refuses anyone else's with ErrNotFound).
func (s *Server) adminPersonRoute(h adminPersonHandler) http.HandlerFunc {
	return s.adminTenantRoute(func(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
		id, ok := adminPathID(r, "pid")
		if !ok {
			s.adminNotFound(w, r, a)
			return
		}
		p, err := s.store.Person(r.Context(), t.ID, id)
		if errors.Is(err, store.ErrNotFound) {
			s.adminNotFound(w, r, a)
			return
		}
		if err != nil {
			s.adminFail(w, r, a, "load person", err)
			return
		}
		h(w, r, a, t, p)
	})
}

// adminVisibleTenant reads a tenant by its id as text, or errNotAllowed when
// the administrator may not see it (or it does not exist: the two are
// deliberately the same answer).
func (s *Server) adminVisibleTenant(r *http.Request, a *store.AdminUser, rawID string) (store.Tenant, error) {
	id, err := strconv.ParseInt(rawID, 10, 64)
	if err != nil || id <= 0 {
		return store.Tenant{}, errNotAllowed
	}
	ok, err := s.store.UserCanSeeTenant(r.Context(), a.ID, id)
	if err != nil {
		return store.Tenant{}, err
	}
	if !ok {
		return store.Tenant{}, errNotAllowed
	}
	return s.store.Tenant(r.Context(), id)
}

func adminPathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

// adminToSignIn sends an anonymous visitor to the sign-in form, remembering
// where they were going when it was a page they could simply reload.
func (s *Server) adminToSignIn(w http.ResponseWriter, r *http.Request) {
	target := "/admin/signin"
	if r.Method == http.MethodGet && r.URL.Path != "/admin/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// adminSafeNext keeps only a path inside the admin UI, so that the sign-in form
// cannot be used to send someone to another site ("//evil.example",
// "/\evil.example" and absolute URLs are refused).
func adminSafeNext(next string) string {
	if !strings.HasPrefix(next, "/admin/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/admin/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/admin/"
	}
	return next
}

type adminSignInData struct {
	Email, Next string
	Error       string
}

func (s *Server) adminSignInForm(w http.ResponseWriter, r *http.Request) {
	if s.sessions.GetInt64(r.Context(), sessAdminID) != 0 {
		http.Redirect(w, r, adminSafeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "admin_signin", page{Title: "Sign in", Data: adminSignInData{Next: r.URL.Query().Get("next")}})
}

func (s *Server) adminSignIn(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	next := r.PostFormValue("next")
	refuse := func(msg string) {
		s.render(w, r, http.StatusUnauthorized, "admin_signin", page{Title: "Sign in",
			Data: adminSignInData{Email: email, Next: next, Error: msg}})
	}
	if email == "" || password == "" {
		refuse("Enter your email and password.")
		return
	}
	u, err := s.store.AdminUserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		// Spend the time a real check costs (see dummyHash).
		_, _ = VerifyPassword(dummyHash(), password)
		s.log.InfoContext(ctx, "admin sign-in refused: unknown email", "remote", r.RemoteAddr)
		refuse(adminSignInFailed)
		return
	}
	if err != nil {
		s.adminFail(w, r, nil, "sign in", err)
		return
	}
	now := s.now()
	if u.LockedUntil.After(now) {
		// Locked: the password is not even compared, but the time is spent
		// all the same, and the answer is the usual one.
		_, _ = VerifyPassword(dummyHash(), password)
		s.log.InfoContext(ctx, "admin sign-in refused: account locked", "admin", u.ID, "remote", r.RemoteAddr)
		refuse(adminSignInFailed)
		return
	}
	ok, err := VerifyPassword(u.PasswordHash, password)
	if err != nil {
		s.log.ErrorContext(ctx, "admin password hash unreadable", "admin", u.ID, "err", err)
	}
	if !ok {
		n, err := s.store.RecordLoginFailure(ctx, u.ID)
		if err != nil {
			s.adminFail(w, r, nil, "record failed sign-in", err)
			return
		}
		if n >= adminMaxLoginFailures {
			if err := s.store.LockAdminUser(ctx, u.ID, now.Add(adminLockDuration)); err != nil {
				s.adminFail(w, r, nil, "lock administrator", err)
				return
			}
			s.log.WarnContext(ctx, "admin account locked after failed sign-ins", "admin", u.ID, "failures", n, "remote", r.RemoteAddr)
		} else {
			s.log.InfoContext(ctx, "admin sign-in refused: wrong password", "admin", u.ID, "failures", n, "remote", r.RemoteAddr)
		}
		refuse(adminSignInFailed)
		return
	}
	if err := s.store.RecordLoginSuccess(ctx, u.ID); err != nil {
		s.adminFail(w, r, nil, "record sign-in", err)
		return
	}
	// A new session token at the change of privilege: a token planted in
	// the browser before sign-in (session fixation) is worth nothing after.
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.adminFail(w, r, nil, "renew session", err)
		return
	}
	s.sessions.Put(ctx, sessAdminID, u.ID)
	s.log.InfoContext(ctx, "admin signed in", "admin", u.ID)
	http.Redirect(w, r, adminSafeNext(next), http.StatusSeeOther)
}

func (s *Server) adminSignOut(w http.ResponseWriter, r *http.Request) {
	// Destroy, not just forget the user: nothing of the session survives,
	// including whatever a researcher page may have put in it.
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.adminFail(w, r, nil, "sign out", err)
		return
	}
	http.Redirect(w, r, "/admin/signin", http.StatusSeeOther)
}
