package web

import (
	"net/http"

	"github.com/orcidlink/orcidlink/internal/problems"
	"github.com/orcidlink/orcidlink/internal/store"
)

// A credential is checked with ORCID (a two-legged token, which ORCID issues
// to any client, Member or Public API, with the right id and secret) before
// it is saved, so that a mistyped secret is refused here, to the one who
// typed it, rather than at every researcher's connection. Without a
// problems service (tests of other things) nothing is checked.

// adminTryCredential asks ORCID whether c works and, if it does not, says
// why on the secret's field.
func (s *Server) adminTryCredential(r *http.Request, c store.Credential, errs adminFieldErrors) {
	if s.cfg.Problems == nil {
		return
	}
	if err := s.cfg.Problems.Try(r.Context(), c); err != nil {
		s.log.InfoContext(r.Context(), "credential refused at save", "client_id", c.ClientID, "err", err)
		errs.add("client_secret", problems.TryMessage(err))
	}
}

// adminCredentialChecked records that a saved credential was just accepted
// by ORCID: a broken one is repaired (its waiting items are sent and its
// waiting researchers invited again).
func (s *Server) adminCredentialChecked(r *http.Request, id int64) {
	if s.cfg.Problems == nil {
		return
	}
	if _, err := s.cfg.Problems.Record(r.Context(), id, ""); err != nil {
		s.log.ErrorContext(r.Context(), "record a credential check", "credential", id, "err", err)
	}
}

// adminCredentialCheck is POST /admin/credentials/{cid}/check: check now.
func (s *Server) adminCredentialCheck(w http.ResponseWriter, r *http.Request, a *store.AdminUser, c store.Credential) {
	if s.cfg.Problems == nil {
		s.adminNotFound(w, r, a)
		return
	}
	full, err := s.store.Credential(r.Context(), c.ID)
	if err != nil {
		s.adminFail(w, r, a, "load credential", err)
		return
	}
	chk, err := s.cfg.Problems.Check(r.Context(), full)
	msg := "ORCID accepts the credential."
	switch {
	case err != nil:
		msg = problems.TryMessage(err)
	case chk.Health == store.CredentialBroken:
		msg = "ORCID refuses the credential: " + chk.Problem
	}
	s.adminRedirect(w, r, adminCredentialPath(c.ID), msg)
}
