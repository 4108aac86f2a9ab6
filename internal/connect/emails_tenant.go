package connect

import (
	"context"
	"errors"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/store"
)

// TemplateData is what a tenant's invitation email template can use:
// {{.Name}}, {{.GivenNames}}, {{.FamilyNames}}, {{.Tenant}}, {{.Link}},
// {{.Expires}}, {{.SupportEmail}}, {{.SupportURL}}, {{.Lang}}, {{.Reason}},
// {{.PageLink}}.
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
	// PageLink leads to the researcher's own page (see PageLink).
	PageLink string
}

// ErrTemplate marks a tenant email template that cannot be used; the
// message says which part and why.
var ErrTemplate = errors.New("email template")

// TemplateError is one problem of a tenant's email template: the part it
// is in (subject, text or html) and what is wrong. It matches ErrTemplate
// and Err.
type TemplateError struct {
	Part string
	Err  error
}

func (e *TemplateError) Error() string { return ErrTemplate.Error() + ": " + e.Message() }

// Unwrap makes errors.Is(err, ErrTemplate) true, and keeps Err (a
// deadline, a budget) in the chain.
func (e *TemplateError) Unwrap() []error { return []error{ErrTemplate, e.Err} }

// Message is the problem for the person who wrote the template: "text:
// must contain the invitation link, {{.Link}}".
func (e *TemplateError) Message() string { return e.Part + ": " + e.Err.Error() }

// TemplateProblems lists the TemplateErrors in err (ValidateTemplate
// joins every one it finds), in order.
func TemplateProblems(err error) []*TemplateError {
	var out []*TemplateError
	var walk func(error)
	walk = func(err error) {
		if te, ok := err.(*TemplateError); ok {
			out = append(out, te)
			return
		}
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

// templateErr is a TemplateError of part.
func templateErr(part, problem string) error {
	return &TemplateError{Part: part, Err: errors.New(problem)}
}

// sampleData is used to check templates before they are saved.
func sampleData() TemplateData {
	return TemplateData{Name: "Ada Lovelace", GivenNames: "Ada", FamilyNames: "Lovelace", Tenant: "Journal",
		Link: "https://orcidlink.example.org/i/SAMPLE-LINK-TOKEN", Expires: "2030-01-31",
		SupportEmail: "help@example.org", SupportURL: "https://example.org/help", Lang: "en",
		Reason:   "Your article “On the Analytical Engine” has just been published by Journal.",
		PageLink: PageLink("https://orcidlink.example.org/i/SAMPLE-LINK-TOKEN")}
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
		errs = append(errs, templateErr("subject", "required"))
	}
	if strings.TrimSpace(t.Text) == "" {
		errs = append(errs, templateErr("text", "required"))
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
		errs = append(errs, templateErr("subject", "must be one line"))
	}
	if !strings.Contains(text, sample.Link) {
		errs = append(errs, templateErr("text", "must contain the invitation link, {{.Link}}"))
	}
	if t.HTML != "" && !strings.Contains(html, sample.Link) {
		errs = append(errs, templateErr("html", "must contain the invitation link, {{.Link}} (in a link, it must be an http or https one)"))
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
			err = &TemplateError{Part: part, Err: err}
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
	txt := emailTexts(lang, nil)
	text := strings.Join([]string{txt.Greeting, "", "{{with .Reason}}{{.}}", "", "{{end}}" + txt.Why, "", txt.WhatIs, "", txt.Button + ":", "{{.Link}}", "",
		txt.Validity + " " + txt.NoTyping, "", txt.Disconnect, "", txt.YourPage + ":", "{{.PageLink}}", "", txt.Support, txt.Ignore, ""}, "\n")
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
		SupportEmail: t.SupportEmail, SupportURL: t.SupportURL, Lang: lang, Reason: whyText(lang, t, inv),
		PageLink: PageLink(inv.Link)}
	ctx, cancel := context.WithTimeout(ctx, renderBudget)
	defer cancel()
	subject, text, html, err := renderTemplate(ctx, tmpl, d)
	if err != nil {
		return store.Email{}, true, err
	}
	text, html = withPageLink(lang, t, d.PageLink, text, html)
	return store.Email{TenantID: t.ID, Recipient: p.Email, Subject: subject, TextBody: text, HTMLBody: html}, true, nil
}

// withPageLink adds the link to the researcher's own page to a tenant's
// rendered email that does not carry it ({{.PageLink}}): every email to a
// researcher leads to their page, whatever the template says. The
// sentence is the catalog's, escaped for the HTML part.
func withPageLink(lang string, t store.Tenant, link, text, html string) (string, string) {
	line := i18n.T(lang, "email.your_page", map[string]string{"Tenant": t.Name})
	if !strings.Contains(text, link) {
		text = strings.TrimRight(text, "\n") + "\n\n" + line + ":\n" + link + "\n"
	}
	if html != "" && !strings.Contains(html, link) {
		p := `<p>` + htmltemplate.HTMLEscapeString(line) + `: <a href="` + htmltemplate.HTMLEscapeString(link) + `">` +
			htmltemplate.HTMLEscapeString(link) + `</a></p>`
		if i := strings.LastIndex(strings.ToLower(html), "</body>"); i >= 0 {
			html = html[:i] + p + "\n" + html[i:]
		} else {
			html += "\n" + p
		}
	}
	return text, html
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
