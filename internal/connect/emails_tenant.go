package connect

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// TemplateData is what a tenant's invitation email template can use:
// {{.Name}}, {{.GivenNames}}, {{.FamilyNames}}, {{.Tenant}}, {{.Link}},
// {{.Expires}}, {{.SupportEmail}}, {{.SupportURL}}, {{.Lang}}.
type TemplateData struct {
	Name, GivenNames, FamilyNames string
	Tenant                        string
	Link                          string
	Expires                       string
	SupportEmail, SupportURL      string
	Lang                          string
}

// ErrTemplate marks a tenant email template that cannot be used; the
// message says which part and why.
var ErrTemplate = errors.New("email template")

// sampleData is used to check templates before they are saved.
var sampleData = TemplateData{Name: "Ada Lovelace", GivenNames: "Ada", FamilyNames: "Lovelace", Tenant: "Journal",
	Link: "https://orcidlink.example.org/i/SAMPLE-LINK-TOKEN", Expires: "2030-01-31",
	SupportEmail: "help@example.org", SupportURL: "https://example.org/help", Lang: "en"}

// ValidateTemplate parses the template and renders it with sample data.
// The subject and text are required, and the text (and the HTML, if any)
// must contain the invitation link: an invitation without it is useless.
func ValidateTemplate(t store.EmailTemplate) error {
	var errs []error
	if strings.TrimSpace(t.Subject) == "" {
		errs = append(errs, fmt.Errorf("%w: subject: required", ErrTemplate))
	}
	if strings.TrimSpace(t.Text) == "" {
		errs = append(errs, fmt.Errorf("%w: text: required", ErrTemplate))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	subject, text, html, err := renderTemplate(t, sampleData)
	if err != nil {
		return err
	}
	if strings.ContainsAny(subject, "\r\n") {
		errs = append(errs, fmt.Errorf("%w: subject: must be one line", ErrTemplate))
	}
	if !strings.Contains(text, sampleData.Link) {
		errs = append(errs, fmt.Errorf("%w: text: must contain the invitation link, {{.Link}}", ErrTemplate))
	}
	if t.HTML != "" && !strings.Contains(html, sampleData.Link) {
		errs = append(errs, fmt.Errorf("%w: html: must contain the invitation link, {{.Link}}", ErrTemplate))
	}
	return errors.Join(errs...)
}

// renderTemplate fills a tenant's template. The HTML part goes through
// html/template, so names cannot inject markup; without one, the text is
// sent alone.
func renderTemplate(t store.EmailTemplate, d TemplateData) (subject, text, html string, err error) {
	render := func(part, src string) string {
		if err != nil || src == "" {
			return ""
		}
		var b strings.Builder
		if part == "html" {
			var tt *htmltemplate.Template
			if tt, err = htmltemplate.New(part).Option("missingkey=error").Parse(src); err == nil {
				err = tt.Execute(&b, d)
			}
		} else {
			var tt *texttemplate.Template
			if tt, err = texttemplate.New(part).Option("missingkey=error").Parse(src); err == nil {
				err = tt.Execute(&b, d)
			}
		}
		if err != nil {
			err = fmt.Errorf("%w: %s: %v", ErrTemplate, part, err)
		}
		return b.String()
	}
	subject = strings.TrimSpace(render("subject", t.Subject))
	text = render("text", t.Text)
	html = render("html", t.HTML)
	return subject, text, html, err
}

// DefaultTemplate is the built-in invitation email of a language as a
// template a tenant can start from.
func DefaultTemplate(lang string) store.EmailTemplate {
	txt, ok := invitationTexts[lang]
	if !ok {
		txt = invitationTexts["en"]
	}
	text := strings.Join([]string{txt.Greeting, "", txt.Why, "", txt.WhatIs, "", txt.Button + ":", "{{.Link}}", "",
		txt.Validity + " " + txt.NoTyping, "", txt.Disconnect, "", txt.Support, txt.Ignore, ""}, "\n")
	return store.EmailTemplate{Subject: txt.Subject, Text: text}
}

// tenantInvitationEmail is the invitation from the tenant's own template
// for lang, if it has one.
func tenantInvitationEmail(t store.Tenant, p store.Person, inv Invitation, lang string) (store.Email, bool, error) {
	tmpl, ok := t.Settings.InvitationEmails[lang]
	if !ok {
		return store.Email{}, false, nil
	}
	d := TemplateData{Name: strings.TrimSpace(p.GivenNames + " " + p.FamilyNames), GivenNames: p.GivenNames,
		FamilyNames: p.FamilyNames, Tenant: t.Name, Link: inv.Link, Expires: inv.ExpiresAt.UTC().Format(time.DateOnly),
		SupportEmail: t.SupportEmail, SupportURL: t.SupportURL, Lang: lang}
	subject, text, html, err := renderTemplate(tmpl, d)
	if err != nil {
		return store.Email{}, true, err
	}
	return store.Email{TenantID: t.ID, Recipient: p.Email, Subject: subject, TextBody: text, HTMLBody: html}, true, nil
}
