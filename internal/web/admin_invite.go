package web

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/password"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Administrators are invited by email: the message carries a link that
// works once, for adminInvitationTTL, to a page where the new administrator
// chooses their own password (under the password policy). Nobody types or
// sees another's password: the old form where a site administrator typed
// one for a colleague is gone, since whoever typed it could sign in as that
// colleague for as long as it was not changed, and nothing made them change
// it. A lost password is recovered with `orcidlink admin reset-password`.
//
// Who may invite follows the roles: a site administrator invites anyone
// with any role; a tenant manager invites tenant managers of their own
// tenants only (what they could do themselves, and no more).

// adminInvitationTTL is how long an invitation's link works.
const adminInvitationTTL = 7 * 24 * time.Hour

type adminInviteForm struct {
	Email, Name string
	Role        string
	TenantIDs   []int64
}

type adminInviteRow struct {
	store.AdminInvitation
	TenantNames []string
	Expired     bool
}

type adminInviteData struct {
	Form    adminInviteForm
	Errors  adminFieldErrors
	Tenants []store.Tenant // those the inviter may give
	Site    bool           // the inviter may invite site administrators
	Pending []adminInviteRow
}

func (d adminInviteData) HasTenant(id int64) bool { return slices.Contains(d.Form.TenantIDs, id) }

func (s *Server) adminInvitePage(w http.ResponseWriter, r *http.Request, a *store.AdminUser, status int, d adminInviteData) {
	ctx := r.Context()
	ts, err := s.store.TenantsOfUser(ctx, a.ID)
	if err != nil {
		s.adminFail(w, r, a, "list tenants", err)
		return
	}
	names := map[int64]string{}
	for _, t := range ts {
		names[t.ID] = t.Name
	}
	// A site administrator sees every pending invitation, a manager those
	// they sent.
	by := a.ID
	if a.Role == store.RoleSiteAdmin {
		by = 0
	}
	invs, err := s.store.ListAdminInvitations(ctx, by)
	if err != nil {
		s.adminFail(w, r, a, "list invitations", err)
		return
	}
	now := s.now()
	d.Pending = nil
	for _, inv := range invs {
		row := adminInviteRow{AdminInvitation: inv, Expired: !inv.Usable(now)}
		for _, t := range inv.TenantIDs {
			row.TenantNames = append(row.TenantNames, names[t])
		}
		d.Pending = append(d.Pending, row)
	}
	d.Tenants, d.Site = ts, a.Role == store.RoleSiteAdmin
	if d.Errors == nil {
		d.Errors = adminFieldErrors{}
	}
	s.render(w, r, status, "admin_invite", s.adminPage(r, a, "Invite an administrator", d))
}

func (s *Server) adminInviteNew(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	s.adminInvitePage(w, r, a, http.StatusOK, adminInviteData{Form: adminInviteForm{Role: string(store.RoleTenantManager)}})
}

func (s *Server) adminInviteCreate(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	ctx := r.Context()
	_ = r.ParseForm()
	f := adminInviteForm{Email: postValue(r, "email"), Name: postValue(r, "name"), Role: postValue(r, "role")}
	errs := adminFieldErrors{}
	if msg := adminCheckEmail(f.Email, true); msg != "" {
		errs.add("email", msg)
	}
	if err := store.CheckText("name", f.Name, false); err != nil {
		adminStoreInvalid(errs, err, "name", nil)
	}
	switch {
	case store.Role(f.Role) == store.RoleTenantManager:
	case store.Role(f.Role) == store.RoleSiteAdmin && a.Role == store.RoleSiteAdmin:
	default:
		errs.add("role", "Choose a role.")
	}
	for _, v := range r.PostForm["tenants"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		// A manager gives only tenants they manage; one they do not is
		// refused as if it did not exist.
		ok, err := s.store.UserCanSeeTenant(ctx, a.ID, id)
		if err != nil {
			s.adminFail(w, r, a, "check the tenants", err)
			return
		}
		if !ok {
			errs.add("tenants", "One of these tenants no longer exists. Reload and choose again.")
			continue
		}
		f.TenantIDs = append(f.TenantIDs, id)
	}
	if store.Role(f.Role) == store.RoleSiteAdmin {
		f.TenantIDs = nil
	} else if len(f.TenantIDs) == 0 {
		errs.add("tenants", "A tenant manager needs at least one tenant to manage.")
	}
	if errs.any() {
		s.adminInvitePage(w, r, a, http.StatusUnprocessableEntity, adminInviteData{Form: f, Errors: errs})
		return
	}
	token := store.NewInvitationToken()
	expires := s.now().Add(adminInvitationTTL)
	msg := s.adminInvitationEmail(a, f, token, expires)
	var inv store.AdminInvitation
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		inv, err = tx.CreateAdminInvitation(ctx, store.NewAdminInvitation{Email: f.Email, Name: f.Name, Role: store.Role(f.Role),
			TenantIDs: f.TenantIDs, InvitedBy: a.ID, ExpiresAt: expires, Token: token})
		if err != nil {
			return err
		}
		if _, err := tx.QueueEmail(ctx, msg); err != nil {
			return err
		}
		return adminAuditIn(ctx, tx, a, msg.TenantID, 0, "admin.invited", map[string]any{"invitation": inv.ID,
			"role": inv.Role, "tenants": inv.TenantIDs})
	})
	switch {
	case err == nil:
	case errors.Is(err, store.ErrConflict):
		errs.add("email", "An administrator already has this email address.")
	case errors.Is(err, store.ErrNotFound):
		errs.add("tenants", "One of these tenants no longer exists. Reload and choose again.")
	default:
		s.adminFail(w, r, a, "invite the administrator", err)
		return
	}
	if errs.any() {
		s.adminInvitePage(w, r, a, http.StatusUnprocessableEntity, adminInviteData{Form: f, Errors: errs})
		return
	}
	if s.cfg.EmailQueued != nil {
		s.cfg.EmailQueued()
	}
	s.adminRedirect(w, r, "/admin/invite", "An invitation is on its way to "+inv.Email+" (see the outbox). Its link works once, for 7 days.")
}

// adminInvitationEmail composes the invitation. It is a site-wide message
// (seen in the outbox by site administrators only) unless everything the
// link grants is one tenant's: then that tenant's managers see it too, so
// that a manager can deliver it by hand when no SMTP server is configured,
// and learn nothing they could not invite for themselves.
func (s *Server) adminInvitationEmail(a *store.AdminUser, f adminInviteForm, token string, expires time.Time) store.Email {
	link := s.public.String() + "/admin/welcome/" + token
	who := a.Email
	if a.Name != "" {
		who = a.Name + " (" + a.Email + ")"
	}
	what := "a site administrator: you will see and change everything on it"
	if store.Role(f.Role) == store.RoleTenantManager {
		what = "a manager of " + adminPlural(len(f.TenantIDs), "tenant", "tenants") + " on it"
	}
	host := s.public.Host
	subject := "You are invited to administer orcidlink at " + host
	text := fmt.Sprintf("Hello%s,\n\n%s invites you to be %s.\n\nChoose your password here (the link works once, until %s):\n\n%s\n\n"+
		"Then sign in at %s/admin/signin with this email address.\n\nIf you did not expect this, ignore this email: nothing happens without the link.\n",
		adminGreeting(f.Name), who, what, expires.UTC().Format("2006-01-02 15:04 UTC"), link, s.public.String())
	htmlBody := fmt.Sprintf("<p>Hello%s,</p><p>%s invites you to be %s.</p><p><a href=\"%s\">Choose your password</a> "+
		"(the link works once, until %s).</p><p>Then sign in at <a href=\"%s/admin/signin\">%s/admin/signin</a> with this email address.</p>"+
		"<p>If you did not expect this, ignore this email: nothing happens without the link.</p>",
		html.EscapeString(adminGreeting(f.Name)), html.EscapeString(who), html.EscapeString(what), html.EscapeString(link),
		expires.UTC().Format("2006-01-02 15:04 UTC"), html.EscapeString(s.public.String()), html.EscapeString(s.public.String()))
	e := store.Email{Recipient: f.Email, Subject: subject, TextBody: text, HTMLBody: htmlBody, Secrets: []string{token}}
	if store.Role(f.Role) == store.RoleTenantManager && len(f.TenantIDs) == 1 {
		e.TenantID = f.TenantIDs[0]
	}
	return e
}

func adminGreeting(name string) string {
	if name == "" {
		return ""
	}
	return " " + name
}

func (s *Server) adminInviteCancel(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	id, ok := adminPathID(r, "iid")
	if !ok {
		s.adminNotFound(w, r, a)
		return
	}
	by := a.ID
	if a.Role == store.RoleSiteAdmin {
		by = 0
	}
	ctx := r.Context()
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteAdminInvitation(ctx, id, by); err != nil {
			return err
		}
		return adminAuditIn(ctx, tx, a, 0, 0, "admin.invitation_cancelled", map[string]any{"invitation": id})
	})
	if errors.Is(err, store.ErrNotFound) {
		s.adminNotFound(w, r, a)
		return
	}
	if err != nil {
		s.adminFail(w, r, a, "cancel the invitation", err)
		return
	}
	s.adminRedirect(w, r, "/admin/invite", "Invitation cancelled: its link no longer works.")
}

// The invitation's page, reached by anyone with the link (no session).

type adminWelcomeData struct {
	Email, Name string
	Errors      adminFieldErrors
	Unusable    bool // used, expired or unknown: all said alike
	Done        bool
}

func (s *Server) adminWelcomeLoad(w http.ResponseWriter, r *http.Request) (store.AdminInvitation, bool) {
	inv, err := s.store.AdminInvitationByToken(r.Context(), r.PathValue("token"))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.adminFail(w, r, nil, "read the invitation", err)
		return inv, false
	}
	if err != nil || !inv.Usable(s.now()) {
		// Unknown, used or expired read the same: the page tells nobody
		// which links once existed.
		s.render(w, r, http.StatusNotFound, "admin_welcome", page{Title: "Invitation", Data: adminWelcomeData{Unusable: true}})
		return inv, false
	}
	return inv, true
}

func (s *Server) adminWelcome(w http.ResponseWriter, r *http.Request) {
	inv, ok := s.adminWelcomeLoad(w, r)
	if !ok {
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "admin_welcome", page{Title: "Choose your password",
		Data: adminWelcomeData{Email: inv.Email, Name: inv.Name, Errors: adminFieldErrors{}}})
}

func (s *Server) adminWelcomeAccept(w http.ResponseWriter, r *http.Request) {
	inv, ok := s.adminWelcomeLoad(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	pw, again := r.PostFormValue("password"), r.PostFormValue("again")
	errs := adminFieldErrors{}
	if err := password.Check(pw, inv.Email, inv.Name); err != nil {
		errs.add("password", err.Error())
	} else if pw != again {
		errs.add("again", "The two passwords differ.")
	}
	if errs.any() {
		w.Header().Set("Cache-Control", "no-store")
		s.render(w, r, http.StatusUnprocessableEntity, "admin_welcome", page{Title: "Choose your password",
			Data: adminWelcomeData{Email: inv.Email, Name: inv.Name, Errors: errs}})
		return
	}
	hash, err := s.hashPassword(ctx, pw)
	if err != nil {
		s.adminFail(w, r, nil, "hash the password", err)
		return
	}
	var u store.AdminUser
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.AcceptAdminInvitation(ctx, r.PathValue("token"), hash); err != nil {
			return err
		}
		return adminAuditIn(ctx, tx, &u, 0, 0, "admin.created", map[string]any{"admin": u.ID, "role": u.Role,
			"invitation": inv.ID, "invited_by": inv.InvitedBy})
	})
	switch {
	case errors.Is(err, store.ErrInvitationUnusable), errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
		s.render(w, r, http.StatusConflict, "admin_welcome", page{Title: "Invitation", Data: adminWelcomeData{Unusable: true}})
		return
	case err != nil:
		s.adminFail(w, r, nil, "create your account", err)
		return
	}
	s.log.InfoContext(ctx, "administrator joined by invitation", "admin", u.ID, "invitation", inv.ID, "invited_by", inv.InvitedBy)
	s.render(w, r, http.StatusOK, "admin_welcome", page{Title: "Welcome", Data: adminWelcomeData{Email: u.Email, Done: true}})
}

// Tenants names what the invitation grants, for the pending list.
func (r adminInviteRow) Tenants() string {
	if r.Role == store.RoleSiteAdmin {
		return "all"
	}
	return strings.Join(r.TenantNames, ", ")
}
