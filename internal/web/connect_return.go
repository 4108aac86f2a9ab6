package web

import (
	"errors"
	"net/http"

	"github.com/orcidlink/orcidlink/internal/connect"
)

// Connect links (issue 17): a researcher who came from a host's page goes
// back there with the signed result, whatever happened at ORCID, instead
// of staying on orcidlink's pages. Everything up to the callback (the
// invitation page, the state bound to this browser, ORCID's screens) is
// the invitation's as usual.

// callbackReturn sends the researcher of a connect link back to the host
// after ORCID's callback (Complete's answer), and reports whether it did.
// The invitation is the one the answer names or, when the state was
// refused (and names none), the one this browser started from (token).
func (s *Server) callbackReturn(w http.ResponseWriter, r *http.Request, res connect.Result, err error, token string) bool {
	var tenantID, invitationID int64
	var fe *connect.FlowError
	switch {
	case err == nil:
		tenantID, invitationID = res.Tenant.ID, res.Invitation.ID
	case errors.As(err, &fe) && fe.InvitationID != 0:
		tenantID, invitationID = fe.TenantID, fe.InvitationID
	case token != "":
		inv, ierr := s.store.InvitationByToken(r.Context(), token)
		if ierr != nil {
			return false
		}
		tenantID, invitationID = inv.TenantID, inv.ID
	}
	return s.hostReturn(w, r, tenantID, invitationID, connect.OutcomeOf(res, err))
}

// viewReturn sends the researcher of a connect link whose invitation can
// no longer lead to ORCID (err, on the invitation page or its button)
// back to the host, and reports whether it did.
func (s *Server) viewReturn(w http.ResponseWriter, r *http.Request, v connect.View, err error) bool {
	return s.hostReturn(w, r, v.Tenant.ID, v.Invitation.ID, connect.OutcomeOf(connect.Result{}, err))
}

// hostReturn redirects to the connect link's return URL with the signed
// result of o, and reports whether it did: false for an invitation that
// is no connect link (or whose origin the tenant no longer allows), which
// then gets orcidlink's own page.
func (s *Server) hostReturn(w http.ResponseWriter, r *http.Request, tenantID, invitationID int64, o connect.Outcome) bool {
	to, ok, err := s.connect.HostReturnURL(r.Context(), tenantID, invitationID, o)
	if err != nil {
		s.log.ErrorContext(r.Context(), "could not send the researcher back to the host", "tenant", tenantID,
			"invitation", invitationID, "err", err)
		return false
	}
	if !ok {
		return false
	}
	// The result is in the address: it must not leak to the host's
	// page's resources from this redirect.
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusSeeOther)
	return true
}
