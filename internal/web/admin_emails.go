package web

import (
	"net/http"
	"strings"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/store"
)

// adminEmailForm is one language's invitation email on the form.
type adminEmailForm struct {
	Lang   string
	Custom bool // false: the built-in email is sent
	store.EmailTemplate
	Error string
}

type adminEmailsData struct {
	Tenant store.Tenant
	Forms  []adminEmailForm
	Fields string // the placeholders a template may use
}

const adminTemplateFields = "{{.Name}} {{.GivenNames}} {{.FamilyNames}} {{.Tenant}} {{.Link}} {{.Expires}} {{.SupportEmail}} {{.SupportURL}} {{.PageLink}}"

// adminTenantEmails shows the tenant's invitation email per language: its
// own template where it has one, else the built-in text as a starting point.
func (s *Server) adminTenantEmails(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	var forms []adminEmailForm
	for _, lang := range t.Languages {
		f := adminEmailForm{Lang: lang, EmailTemplate: connect.DefaultTemplate(lang)}
		if own, ok := t.Settings.InvitationEmails[lang]; ok {
			f.Custom, f.EmailTemplate = true, own
		}
		forms = append(forms, f)
	}
	s.render(w, r, http.StatusOK, "admin_tenant_emails", s.adminPage(r, a, "Invitation emails of "+t.Name,
		adminEmailsData{Tenant: t, Forms: forms, Fields: adminTemplateFields}))
}

// adminTenantEmailsSave checks every custom template before saving any:
// a template that cannot render, or that lacks the link, is refused with
// the reason next to it.
func (s *Server) adminTenantEmailsSave(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	if err := r.ParseForm(); err != nil {
		s.adminBadRequest(w, r, a, "The form could not be read.")
		return
	}
	emails := map[string]store.EmailTemplate{}
	var forms []adminEmailForm
	bad := false
	for _, lang := range t.Languages {
		f := adminEmailForm{Lang: lang, Custom: r.PostFormValue("custom_"+lang) == "on", EmailTemplate: store.EmailTemplate{
			Subject: strings.TrimSpace(r.PostFormValue("subject_" + lang)),
			Text:    strings.ReplaceAll(r.PostFormValue("text_"+lang), "\r\n", "\n"),
			HTML:    strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("html_"+lang), "\r\n", "\n")),
		}}
		if f.Custom {
			if err := connect.ValidateTemplate(f.EmailTemplate); err != nil {
				var msgs []string
				for _, te := range connect.TemplateProblems(err) {
					msgs = append(msgs, te.Message())
				}
				if len(msgs) == 0 {
					msgs = []string{"the template cannot be used"}
				}
				f.Error, bad = strings.Join(msgs, "\n"), true
			} else {
				emails[lang] = f.EmailTemplate
			}
		}
		forms = append(forms, f)
	}
	if bad {
		s.render(w, r, http.StatusBadRequest, "admin_tenant_emails", s.adminPage(r, a, "Invitation emails of "+t.Name,
			adminEmailsData{Tenant: t, Forms: forms, Fields: adminTemplateFields}))
		return
	}
	if len(emails) == 0 {
		emails = nil
	}
	t.Settings.InvitationEmails = emails
	langs := make([]string, 0, len(emails))
	for l := range emails {
		langs = append(langs, l)
	}
	ctx := r.Context()
	if err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.UpdateTenant(ctx, t); err != nil {
			return err
		}
		return adminAuditIn(ctx, tx, a, t.ID, 0, "tenant.emails_updated", map[string]any{"custom_languages": langs})
	}); err != nil {
		s.adminFail(w, r, a, "save the invitation emails", err)
		return
	}
	s.adminRedirect(w, r, adminTenantPath(t.ID), "Invitation emails saved.")
}
