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
	// sessAdminGeneration is the account's session generation at sign-in
	// (store.AdminUser.SessionGeneration): once a password change moves
	// it on, the session is over.
	sessAdminGeneration = "admin.generation"
	sessFlash           = "admin.flash"
)

// Sign-in throttling: after adminMaxLoginFailures wrong passwords in a row
// from one address, that address may not try the account for
// adminLockDuration (signInGuard). The count only resets on a success, so
// once past the limit every further wrong password locks it again.
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
		if s.sessions.GetInt64(ctx, sessAdminGeneration) != u.SessionGeneration {
			// The password changed since this session signed in (on
			// another session, or by reset-password): it is over.
			s.log.InfoContext(ctx, "admin session ended by a password change", "admin", u.ID)
			if err := s.sessions.Destroy(ctx); err != nil {
				s.adminFail(w, r, nil, "sign out", err)
				return
			}
			s.adminToSignIn(w, r)
			return
		}
		if u.MustChangePassword && !adminChangingPassword(r) {
			// A password someone else has seen (printed at first start or
			// by reset-password) opens nothing but the account page.
			s.adminRedirect(w, r, "/admin/account", "") // the page says why
			return
		}
		h(w, r, &u)
	}
}

// adminChangingPassword reports whether the request is one an administrator
// whose password must change may still make.
func adminChangingPassword(r *http.Request) bool {
	return r.URL.Path == "/admin/account" || r.URL.Path == "/admin/account/password"
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
	ip := ClientIP(r, s.cfg.TrustedProxies)
	from := clientKey(ip)
	// The address's budget is spent before anything costs: a flood is
	// answered at once, without a hash or a database read.
	if ok, wait := s.signIn.allow(from); !ok {
		s.log.InfoContext(ctx, "admin sign-in throttled", "remote", ip)
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		s.render(w, r, http.StatusTooManyRequests, "admin_signin", page{Title: "Sign in",
			Data: adminSignInData{Email: email, Next: next, Error: "Too many sign-in attempts from your network. Wait a minute and try again."}})
		return
	}
	u, err := s.store.AdminUserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.adminFail(w, r, nil, "sign in", err)
		return
	}
	known := err == nil
	// Failures count against the account's current password: once it is
	// reset (orcidlink admin reset-password), the address that was locked
	// out guessing the old one may sign in with the new one at once.
	lockName := email
	if known {
		lockName = email + "#" + strconv.FormatInt(u.SessionGeneration, 10)
	}
	if s.signIn.locked(from, lockName) {
		// Locked for this address only; it knows it failed five times, so
		// skipping the hash tells it nothing new, and saves the work.
		s.log.InfoContext(ctx, "admin sign-in refused: locked for this address", "remote", ip)
		refuse(adminSignInFailed)
		return
	}
	now := s.now()
	// An unknown email, or an account an administrator locked, is checked
	// against dummyHash: the time spent is the same as for a wrong
	// password, so timing does not tell which addresses have accounts.
	genuine := known && !u.LockedUntil.After(now)
	hash := dummyHash()
	if genuine {
		hash = u.PasswordHash
	}
	var ok bool
	if !s.signIn.hash(ctx, func() {
		ok, err = VerifyPassword(hash, password)
	}) {
		s.log.WarnContext(ctx, "admin sign-in refused: password hashing busy", "remote", ip)
		w.Header().Set("Retry-After", "5")
		s.render(w, r, http.StatusServiceUnavailable, "admin_signin", page{Title: "Sign in",
			Data: adminSignInData{Email: email, Next: next, Error: "Signing in is busy. Try again in a few seconds."}})
		return
	}
	if err != nil && genuine {
		s.log.ErrorContext(ctx, "admin password hash unreadable", "admin", u.ID, "err", err)
	}
	if !genuine || !ok {
		lockedNow := s.signIn.failed(from, lockName)
		switch {
		case !known:
			s.log.InfoContext(ctx, "admin sign-in refused: unknown email", "remote", ip)
		case !genuine:
			s.log.InfoContext(ctx, "admin sign-in refused: account locked", "admin", u.ID, "remote", ip)
		default:
			// The count is kept for the record; it locks nobody out, as
			// the lock is per address (see signInGuard).
			n, err := s.store.RecordLoginFailure(ctx, u.ID)
			if err != nil {
				s.log.WarnContext(ctx, "record failed sign-in", "admin", u.ID, "err", err)
			}
			if lockedNow {
				s.log.WarnContext(ctx, "admin sign-in locked for an address after failed attempts", "admin", u.ID, "failures", n, "remote", ip)
			} else {
				s.log.InfoContext(ctx, "admin sign-in refused: wrong password", "admin", u.ID, "failures", n, "remote", ip)
			}
		}
		refuse(adminSignInFailed)
		return
	}
	s.signIn.succeeded(from, lockName)
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
	s.sessions.Put(ctx, sessAdminGeneration, u.SessionGeneration)
	s.log.InfoContext(ctx, "admin signed in", "admin", u.ID, "remote", ip)
	if u.MustChangePassword {
		s.adminRedirect(w, r, "/admin/account", "") // the page says why
		return
	}
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
