package web

import (
	"net/http"

	"github.com/orcidlink/orcidlink/internal/store"
)

// The daily digest: an email, at most once a day, of what needs the
// administrator in their tenants, sent only when something does. Off
// unless the administrator turns it on (package problems sends it).

type adminDigestData struct {
	Digest store.AdminDigest
}

func (s *Server) adminDigest(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	d, err := s.store.AdminDigest(r.Context(), a.ID)
	if err != nil {
		s.adminFail(w, r, a, "read the digest choice", err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_digest", s.adminPage(r, a, "Daily digest", adminDigestData{Digest: d}))
}

func (s *Server) adminDigestSave(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	on := r.PostFormValue("digest") == "on"
	if err := s.store.SetAdminDigest(r.Context(), a.ID, on); err != nil {
		s.adminFail(w, r, a, "save the digest choice", err)
		return
	}
	msg := "You will not get the daily digest."
	if on {
		msg = "You will get a daily email when something needs you."
	}
	s.adminRedirect(w, r, "/admin/account/digest", msg)
}
