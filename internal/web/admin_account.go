package web

import (
	"net/http"

	"github.com/orcidlink/orcidlink/internal/password"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Every administrator changes their own password here: the first
// administrator's, and one set by `orcidlink admin reset-password`, are
// printed, so the account leads here until its owner chooses their own;
// tenant managers cannot open the administrators' pages.

type adminAccountData struct {
	Errors     adminFieldErrors
	MustChange bool
}

func (s *Server) adminAccount(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	s.render(w, r, http.StatusOK, "admin_account", s.adminPage(r, a, "Your account", adminAccountData{MustChange: a.MustChangePassword}))
}

func (s *Server) adminAccountPassword(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	_ = r.ParseForm()
	ctx := r.Context()
	current, next, again := r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("again")
	errs := adminFieldErrors{}
	// The current password is checked within the server's limit of hashes
	// at once, as a sign-in is: a signed-in session must not be a way
	// round it.
	var ok bool
	var err error
	if !s.signIn.hash(ctx, func() { ok, err = VerifyPassword(a.PasswordHash, current) }) {
		s.adminFail(w, r, a, "check the password", errHashBusy)
		return
	}
	if err != nil {
		s.adminFail(w, r, a, "check the password", err)
		return
	} else if !ok {
		errs.add("current", "This is not your current password.")
	}
	switch {
	case next == current:
		errs.add("password", "Choose a password other than the current one.")
	case next != again:
		errs.add("again", "The two new passwords differ.")
	}
	if err := password.Check(next, a.Email, a.Name); err != nil {
		errs.add("password", err.Error())
	}
	if errs.any() {
		s.render(w, r, http.StatusUnprocessableEntity, "admin_account", s.adminPage(r, a, "Your account",
			adminAccountData{Errors: errs, MustChange: a.MustChangePassword}))
		return
	}
	hash, err := s.hashPassword(ctx, next)
	if err != nil {
		s.adminFail(w, r, a, "hash the password", err)
		return
	}
	var changed store.AdminUser
	if err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if changed, err = tx.SetAdminPassword(ctx, a.ID, hash, false); err != nil {
			return err
		}
		return adminAuditIn(ctx, tx, a, 0, 0, "admin.password_changed", map[string]any{"admin": a.ID})
	}); err != nil {
		s.adminFail(w, r, a, "change the password", err)
		return
	}
	// A new session token at a change of credentials, as at sign-in; this
	// session carries the new generation, every other one of the account
	// is over (admin).
	if err := s.sessions.RenewToken(ctx); err != nil {
		s.adminFail(w, r, a, "renew session", err)
		return
	}
	s.sessions.Put(ctx, sessAdminGeneration, changed.SessionGeneration)
	to := "/admin/account"
	if a.MustChangePassword {
		to = "/admin/"
	}
	s.adminRedirect(w, r, to, "Your password is changed. Every other session of your account is signed out.")
}
