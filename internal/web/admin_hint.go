package web

import (
	"errors"
	"net/http"

	"github.com/orcidlink/orcidlink/internal/store"
)

// adminForgetHint is POST /admin/tenants/{tid}/people/{pid}/hint/forget:
// the administrator forgets a person's iD on file (an old system's, never
// authenticated), typically after the person connected another iD and the
// dashboard flagged it. The person's connection, if any, is untouched.
func (s *Server) adminForgetHint(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, p store.Person) {
	ctx := r.Context()
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		h, err := tx.ORCIDHintOf(ctx, t.ID, p.ID)
		if err != nil {
			return err
		}
		if err := tx.DeleteORCIDHint(ctx, t.ID, p.ID); err != nil {
			return err
		}
		return adminAuditIn(ctx, tx, a, t.ID, p.ID, "person.orcid_hint_deleted",
			map[string]any{"orcid": h.ORCID, "source": h.Source, "mismatch_orcid": h.MismatchORCID})
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.adminRedirect(w, r, adminPersonPath(t.ID, p.ID), adminDisplayName(p)+" has no iD on file.")
	case err != nil:
		s.adminFail(w, r, a, "forget the iD on file", err)
	default:
		s.adminRedirect(w, r, adminPersonPath(t.ID, p.ID), "The iD on file for "+adminDisplayName(p)+" was forgotten.")
	}
}
