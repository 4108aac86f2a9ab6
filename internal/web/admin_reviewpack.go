package web

import (
	"net/http"

	"github.com/orcidlink/orcidlink/internal/store"
)

// adminReviewPack explains ORCID's integration review and how to produce
// the review pack for the tenants of a sandbox credential: the exact
// `orcidlink review-pack` command for each.
//
// The button does not run the pack itself, on purpose: a run drives a
// headless Chromium through the researcher's pages for a minute or more,
// creating a test researcher and a test ORCID record. In the web server
// that would mean Chromium installed on every server (production ones
// included), a long job tied to one process while several may share the
// database, and a file of several megabytes to keep until it is fetched.
// The command runs where the operator has a browser and the configuration,
// writes the file where they want it, and prints what it left out.
func (s *Server) adminReviewPack(w http.ResponseWriter, r *http.Request, a *store.AdminUser, c store.Credential) {
	ts, err := s.store.ListTenantsUsingCredential(r.Context(), c.ID)
	if err != nil {
		s.adminFail(w, r, a, "list tenants of credential", err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_review_pack", s.adminPage(r, a, "Evidence for ORCID's integration review",
		adminReviewPackData{Credential: c, Tenants: ts, Production: c.Env.Name == "production"}))
}

type adminReviewPackData struct {
	Credential store.Credential
	Tenants    []store.Tenant
	Production bool
}
