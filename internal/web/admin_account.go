package web

import (
	"net/http"
	"unicode/utf8"

	"github.com/orcidlink/orcidlink/internal/store"
)

// Every administrator changes their own password here: the first
// administrator's is printed once at start-up, and tenant managers cannot
// open the administrators' pages.

type adminAccountData struct {
	Errors adminFieldErrors
}

func (s *Server) adminAccount(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	s.render(w, r, http.StatusOK, "admin_account", s.adminPage(r, a, "Your account", adminAccountData{}))
}

func (s *Server) adminAccountPassword(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	_ = r.ParseForm()
	current, next, again := r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("again")
	errs := adminFieldErrors{}
	if ok, err := VerifyPassword(a.PasswordHash, current); err != nil {
		s.adminFail(w, r, a, "check the password", err)
		return
	} else if !ok {
		errs.add("current", "This is not your current password.")
	}
	switch {
	case utf8.RuneCountInString(next) < minPasswordLen:
		errs.add("password", "Use at least 12 characters: a few words make a good password.")
	case len(next) > 1024:
		errs.add("password", "Use at most 1024 bytes.")
	case next == current:
		errs.add("password", "Choose a password other than the current one.")
	case next != again:
		errs.add("again", "The two new passwords differ.")
	}
	if errs.any() {
		s.render(w, r, http.StatusUnprocessableEntity, "admin_account", s.adminPage(r, a, "Your account", adminAccountData{Errors: errs}))
		return
	}
	hash, err := s.hashPassword(r.Context(), next)
	if err != nil {
		s.adminFail(w, r, a, "hash the password", err)
		return
	}
	u := *a
	u.PasswordHash = hash
	ctx := r.Context()
	if err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.UpdateAdminUser(ctx, u); err != nil {
			return err
		}
		return adminAuditIn(ctx, tx, a, 0, 0, "admin.password_changed", map[string]any{"admin": a.ID})
	}); err != nil {
		s.adminFail(w, r, a, "change the password", err)
		return
	}
	// A new session token at a change of credentials, as at sign-in.
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.adminFail(w, r, a, "renew session", err)
		return
	}
	s.adminRedirect(w, r, "/admin/account", "Your password is changed.")
}
