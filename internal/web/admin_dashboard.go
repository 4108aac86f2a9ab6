package web

import (
	"net/http"

	"github.com/orcidlink/orcidlink/internal/problems"
	"github.com/orcidlink/orcidlink/internal/store"
)

// The dashboard leads with what needs action (issue 14, "problems first"):
// broken credentials, failed items by reason, emails that could not be
// delivered, failing webhooks and a queue that does not move, each count a
// link to the list behind it; then the people of each tenant.

type adminTenantRow struct {
	store.Tenant
	Counts adminStatusCounts
}

type adminDashboardData struct {
	Tenants  []adminTenantRow
	Statuses []store.PersonStatus
	Site     bool
	// Problems are the tenants where something needs action; Broken the
	// broken credentials of the tenants shown, each once.
	Problems []problems.Summary
	Broken   []adminBrokenCredential
	Digest   store.AdminDigest
}

// adminBrokenCredential is a broken credential with the tenants it leaves
// unable to reach ORCID.
type adminBrokenCredential struct {
	store.Credential
	Tenants []store.Tenant
}

func (s *Server) adminDashboard(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	ctx := r.Context()
	ts, err := s.store.TenantsOfUser(ctx, a.ID)
	if err != nil {
		s.adminFail(w, r, a, "list tenants", err)
		return
	}
	d := adminDashboardData{Statuses: adminStatuses, Site: a.Role == store.RoleSiteAdmin}
	broken := map[int64]int{}
	now := s.now()
	for _, t := range ts {
		c, err := s.adminCountPeople(ctx, t.ID)
		if err != nil {
			s.adminFail(w, r, a, "count people", err)
			return
		}
		d.Tenants = append(d.Tenants, adminTenantRow{Tenant: t, Counts: c})
		sum, err := problems.Summarize(ctx, s.store, t, now)
		if err != nil {
			s.adminFail(w, r, a, "count problems", err)
			return
		}
		if sum.Broken() {
			i, ok := broken[sum.Credential.ID]
			if !ok {
				i = len(d.Broken)
				broken[sum.Credential.ID] = i
				d.Broken = append(d.Broken, adminBrokenCredential{Credential: sum.Credential})
			}
			d.Broken[i].Tenants = append(d.Broken[i].Tenants, t)
		}
		if sum.NeedsAction() {
			d.Problems = append(d.Problems, sum)
		}
	}
	if d.Digest, err = s.store.AdminDigest(ctx, a.ID); err != nil {
		s.adminFail(w, r, a, "read the digest choice", err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_dashboard", s.adminPage(r, a, "Dashboard", d))
}
