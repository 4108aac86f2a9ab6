package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// What cannot be undone or reaches many people is confirmed first
// (issue 14): a GET page says what will happen, to whom, and who is left
// out; its form POSTs with confirm=yes. A POST without it (a stale page, a
// stray request) does nothing but lead to that page. No JavaScript.

// adminConfirmed reports whether a POST comes from a confirmation page.
func adminConfirmed(r *http.Request) bool { return r.PostFormValue("confirm") == "yes" }

// adminToConfirm sends a POST that was not confirmed to its confirmation
// page, the same path by GET.
func (s *Server) adminToConfirm(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
}

// adminLeftOutText says in words why a person is not invited with
// everyone else.
func adminLeftOutText(why connect.LeftOut) string {
	switch why {
	case connect.LeftDisconnected:
		return "disconnected their iD themselves"
	case connect.LeftRevoked:
		return "revoked access at ORCID"
	case connect.LeftDenied:
		return "denied access at ORCID when last invited"
	}
	return string(why)
}

// adminPlanView is one tenant's share of a mass invitation.
type adminPlanView struct {
	Tenant    store.Tenant
	Invite    int
	Connected int
	LeftOut   []adminLeftOutView
}

type adminLeftOutView struct {
	Person store.Person
	Name   string
	Why    string
}

func adminViewPlan(pl connect.Plan) adminPlanView {
	v := adminPlanView{Tenant: pl.Tenant, Invite: len(pl.Invite), Connected: pl.Connected}
	for _, lo := range pl.LeftOut {
		v.LeftOut = append(v.LeftOut, adminLeftOutView{Person: lo.Person, Name: adminDisplayName(lo.Person),
			Why: adminLeftOutText(lo.Why)})
	}
	return v
}

type adminReinviteData struct {
	Credential store.Credential
	Plans      []adminPlanView
	Invite     int // in every tenant
	LeftOut    int
}

// adminReinviteConfirm is GET /admin/credentials/{cid}/reinvite: how many
// people of the credential's tenants would be invited again, and who is
// left out and why.
func (s *Server) adminReinviteConfirm(w http.ResponseWriter, r *http.Request, a *store.AdminUser, c store.Credential) {
	ctx := r.Context()
	ts, err := s.store.ListTenantsUsingCredential(ctx, c.ID)
	if err != nil {
		s.adminFail(w, r, a, "list tenants of credential", err)
		return
	}
	d := adminReinviteData{Credential: c}
	for _, t := range ts {
		pl, err := s.connect.PlanInviteAll(ctx, t.ID)
		if err != nil {
			s.adminFail(w, r, a, "count whom to invite", err)
			return
		}
		v := adminViewPlan(pl)
		d.Plans = append(d.Plans, v)
		d.Invite += v.Invite
		d.LeftOut += len(v.LeftOut)
	}
	s.render(w, r, http.StatusOK, "admin_confirm_reinvite", s.adminPage(r, a, "Invite everyone of "+c.Name+" again?", d))
}

// adminReinvite is POST /admin/credentials/{cid}/reinvite, confirmed:
// connect invites, by email with a fresh link, everyone of every tenant
// using the credential but the people already connected and those who
// said no (connect.PlanInviteAll). It runs within the request: a tenant of
// a few thousand people takes seconds, acceptable for a step this rare.
func (s *Server) adminReinvite(w http.ResponseWriter, r *http.Request, a *store.AdminUser, c store.Credential) {
	if !adminConfirmed(r) {
		s.adminToConfirm(w, r)
		return
	}
	ctx := r.Context()
	ts, err := s.store.ListTenantsUsingCredential(ctx, c.ID)
	if err != nil {
		s.adminFail(w, r, a, "list tenants of credential", err)
		return
	}
	var sum connect.MassResult
	for _, t := range ts {
		res, err := s.connect.InviteAll(ctx, t.ID, store.ActorAdmin(a.ID))
		if err != nil {
			s.adminFail(w, r, a, "invite everyone again", err)
			return
		}
		sum.Invited, sum.Connected, sum.LeftOut, sum.Failed = sum.Invited+res.Invited, sum.Connected+res.Connected,
			sum.LeftOut+res.LeftOut, sum.Failed+res.Failed
	}
	s.log.InfoContext(ctx, "re-invited everyone of a credential", "admin", a.ID, "credential", c.ID,
		"invited", sum.Invited, "connected", sum.Connected, "left_out", sum.LeftOut, "failed", sum.Failed)
	msg := adminPlural(sum.Invited, "person", "people") + " invited again by email; " +
		adminPlural(sum.Connected, "person was", "people were") + " already connected; " +
		adminPlural(sum.LeftOut, "person was", "people were") + " left out (they disconnected, revoked or denied)."
	if sum.Failed > 0 {
		msg += " " + adminPlural(sum.Failed, "invitation", "invitations") + " could not be created: the server log says why."
	}
	s.adminRedirect(w, r, adminCredentialPath(c.ID), msg)
}

type adminUpgradeData struct {
	Tenant store.Tenant
	Plan   adminPlanView
	// Scopes are what the tenant asks for now.
	Scopes []string
}

// adminUpgradeConfirm is GET /admin/tenants/{tid}/upgrade: after a
// tenant's asks were widened, how many connected people lack the new
// permission and would be asked for it.
func (s *Server) adminUpgradeConfirm(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	pl, err := s.connect.PlanUpgrades(r.Context(), t.ID)
	if err != nil {
		s.adminFail(w, r, a, "count whom to ask", err)
		return
	}
	cred, err := s.store.Credential(r.Context(), t.CredentialID)
	if err != nil {
		s.adminFail(w, r, a, "load the tenant's credential", err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_confirm_upgrade", s.adminPage(r, a, "Ask connected people for the wider permission?",
		adminUpgradeData{Tenant: t, Plan: adminViewPlan(pl), Scopes: s.connect.TenantScopes(t, cred)}))
}

// adminUpgrade is POST /admin/tenants/{tid}/upgrade, confirmed: every
// connected person whose link lacks a permission the tenant now asks for
// gets a scope-upgrade invitation saying which.
func (s *Server) adminUpgrade(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	if !adminConfirmed(r) {
		s.adminToConfirm(w, r)
		return
	}
	res, err := s.connect.InviteUpgrades(r.Context(), t.ID, store.ActorAdmin(a.ID))
	if err != nil {
		s.adminFail(w, r, a, "ask for the wider permission", err)
		return
	}
	msg := adminPlural(res.Invited, "person was", "people were") + " asked by email for the wider permission."
	if res.Failed > 0 {
		msg += " " + adminPlural(res.Failed, "invitation", "invitations") + " could not be created: the server log says why."
	}
	s.adminRedirect(w, r, adminTenantPath(t.ID), msg)
}

// adminAsksWidened reports whether after asks for a scope before did not.
func adminAsksWidened(before, after store.Tenant) bool {
	old := connect.ScopesFor(before.Settings.AskList())
	for _, sc := range connect.ScopesFor(after.Settings.AskList()) {
		if sc != orcid.ScopeAuthenticate && !slices.Contains(old, sc) {
			return true
		}
	}
	return false
}

type adminUnpublishData struct {
	Tenant  store.Tenant
	Article store.Article
	// OnORCID counts the authors whose record holds the work now;
	// Authors is how many the article has.
	OnORCID, Authors int
}

// adminArticleUnpublishConfirm is GET .../articles/{key}/unpublish: what
// unpublishing takes off whose ORCID record.
func (s *Server) adminArticleUnpublishConfirm(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	ctx := r.Context()
	art, err := s.store.Article(ctx, t.ID, r.PathValue("key"))
	if s.cfg.Journal == nil || err != nil {
		s.adminNotFound(w, r, a)
		return
	}
	articlePath := adminTenantPath(t.ID) + "/articles/" + url.PathEscape(art.Key)
	if art.State != store.ArticlePublished {
		s.adminRedirect(w, r, articlePath, "This article is not published.")
		return
	}
	d := adminUnpublishData{Tenant: t, Article: art, Authors: len(art.Authors)}
	for _, pid := range art.Authors {
		it, err := s.store.ItemByKey(ctx, t.ID, pid, orcid.KindWork, journal.WorkKey(art.Key))
		switch {
		case err == nil && it.PutCode != 0:
			d.OnORCID++
		case err != nil && !errors.Is(err, store.ErrNotFound):
			s.adminFail(w, r, a, "count the article's copies", err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "admin_confirm_unpublish", s.adminPage(r, a, "Unpublish "+art.Title+"?", d))
}

// adminArticleUnpublishConfirmed is POST .../unpublish: unpublishes only
// when confirmed.
func (s *Server) adminArticleUnpublishConfirmed(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	if !adminConfirmed(r) {
		s.adminToConfirm(w, r)
		return
	}
	s.adminArticleUnpublish(w, r, a, t)
}
