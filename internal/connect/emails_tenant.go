package connect

import (
	"context"
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
// {{.Expires}}, {{.SupportEmail}}, {{.SupportURL}}, {{.Lang}}, {{.Reason}}.
type TemplateData struct {
	Name, GivenNames, FamilyNames string
	Tenant                        string
	Link                          string
	Expires                       string
	SupportEmail, SupportURL      string
	Lang                          string
	// Reason is why this email is sent, in the person's language (an
	// article just published, a review to credit, a wider permission;
	// for a reminder, that it is one), or "" (see ReasonText).
	Reason string
}

// ErrTemplate marks a tenant email template that cannot be used; the
// message says which part and why.
var ErrTemplate = errors.New("email template")

// sampleData is used to check templates before they are saved.
func sampleData() TemplateData {
	return TemplateData{Name: "Ada Lovelace", GivenNames: "Ada", FamilyNames: "Lovelace", Tenant: "Journal",
		Link: "https://orcidlink.example.org/i/SAMPLE-LINK-TOKEN", Expires: "2030-01-31",
		SupportEmail: "help@example.org", SupportURL: "https://example.org/help", Lang: "en",
		Reason: "Your article “On the Analytical Engine” has just been published by Journal."}
}

// ValidateTemplate checks a tenant's template before it is saved: each
// part within its size, made only of what an invitation needs (see
// checkTemplate: no loops, no sub-templates, a few functions), and
// rendered with sample data within a time and output budget. The subject
// and text are required, and the text (and the HTML, if any, once
// sanitised) must contain the invitation link: an invitation without it
// is useless.
//
// A template that could run away is refused by its structure, before it
// ever runs: text/template has no loop or output budget of its own.
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
	ctx, cancel := context.WithTimeout(context.Background(), renderBudget)
	defer cancel()
	sample := sampleData()
	subject, text, html, err := renderTemplate(ctx, t, sample)
	if err != nil {
		return err
	}
	if strings.ContainsAny(subject, "\r\n") {
		errs = append(errs, fmt.Errorf("%w: subject: must be one line", ErrTemplate))
	}
	if !strings.Contains(text, sample.Link) {
		errs = append(errs, fmt.Errorf("%w: text: must contain the invitation link, {{.Link}}", ErrTemplate))
	}
	if t.HTML != "" && !strings.Contains(html, sample.Link) {
		errs = append(errs, fmt.Errorf("%w: html: must contain the invitation link, {{.Link}} (in a link, it must be an http or https one)", ErrTemplate))
	}
	return errors.Join(errs...)
}

// renderTemplate fills a tenant's template, each part checked first (a
// template saved before these checks existed is held to them too), and
// rendered within the output limits and ctx's deadline. The HTML part
// goes through html/template, so names cannot inject markup, and then
// through the sanitiser, so that the tenant's own markup is reduced to
// what an email may safely hold; without one, the text is sent alone.
func renderTemplate(ctx context.Context, t store.EmailTemplate, d TemplateData) (subject, text, html string, err error) {
	render := func(part, src string) string {
		if err != nil || src == "" {
			return ""
		}
		var out string
		if out, err = renderPart(ctx, part, src, d); err != nil {
			err = fmt.Errorf("%w: %s: %w", ErrTemplate, part, err)
		}
		return out
	}
	subject = strings.TrimSpace(render("subject", t.Subject))
	text = render("text", t.Text)
	html = render("html", t.HTML)
	if err == nil && html != "" {
		html = sanitiseEmailHTML(html, d.Lang)
	}
	return subject, text, html, err
}

// DefaultTemplate is the built-in invitation email of a language as a
// template a tenant can start from.
func DefaultTemplate(lang string) store.EmailTemplate {
	txt, ok := invitationTexts[lang]
	if !ok {
		txt = invitationTexts["en"]
	}
	text := strings.Join([]string{txt.Greeting, "", "{{with .Reason}}{{.}}", "", "{{end}}" + txt.Why, "", txt.WhatIs, "", txt.Button + ":", "{{.Link}}", "",
		txt.Validity + " " + txt.NoTyping, "", txt.Disconnect, "", txt.Support, txt.Ignore, ""}, "\n")
	return store.EmailTemplate{Subject: txt.Subject, Text: text}
}

// tenantInvitationEmail is the invitation from the tenant's own template
// for lang, if it has one.
func tenantInvitationEmail(ctx context.Context, t store.Tenant, p store.Person, inv Invitation, lang string) (store.Email, bool, error) {
	tmpl, ok := t.Settings.InvitationEmails[lang]
	if !ok {
		return store.Email{}, false, nil
	}
	d := TemplateData{Name: strings.TrimSpace(p.GivenNames + " " + p.FamilyNames), GivenNames: p.GivenNames,
		FamilyNames: p.FamilyNames, Tenant: t.Name, Link: inv.Link, Expires: inv.ExpiresAt.UTC().Format(time.DateOnly),
		SupportEmail: t.SupportEmail, SupportURL: t.SupportURL, Lang: lang, Reason: whyText(lang, t, inv)}
	ctx, cancel := context.WithTimeout(ctx, renderBudget)
	defer cancel()
	subject, text, html, err := renderTemplate(ctx, tmpl, d)
	if err != nil {
		return store.Email{}, true, err
	}
	return store.Email{TenantID: t.ID, Recipient: p.Email, Subject: subject, TextBody: text, HTMLBody: html}, true, nil
}

// renderPart checks one part of a template and executes it with d.
func renderPart(ctx context.Context, part, src string, d TemplateData) (string, error) {
	if err := checkTemplate(part, src); err != nil {
		return "", err
	}
	var exec func(w *budgetWriter) error
	if part == "html" {
		tt, err := htmltemplate.New(part).Option("missingkey=error").Parse(src)
		if err != nil {
			return "", err
		}
		exec = func(w *budgetWriter) error { return tt.Execute(w, d) }
	} else {
		tt, err := texttemplate.New(part).Option("missingkey=error").Parse(src)
		if err != nil {
			return "", err
		}
		exec = func(w *budgetWriter) error { return tt.Execute(w, d) }
	}
	return runBudgeted(ctx, maxRendered(part), exec)
}
