package connect

import (
	"context"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/store"
)

// emailText is one language's invitation email, each sentence filled in
// from the message catalogs (internal/i18n/locales, IDs email.*), which
// hold it as a template over emailData.
type emailText struct {
	Subject, Greeting, Why, WhatIs, Button, Validity, NoTyping, Disconnect, Support, Ignore, YourPage string
}

// emailMessages are the message IDs of emailText's fields, in order.
var emailMessages = [...]string{"email.subject", "email.greeting", "email.why", "email.what_is_orcid", "email.button",
	"email.validity", "email.no_typing", "email.disconnect", "email.support", "email.ignore", "email.your_page"}

// emailTexts returns the built-in invitation email of lang, filled in with
// d; with a nil d, as the catalogs write it (a template a tenant can start
// its own from). A tenant's own template for a language
// (TenantSettings.InvitationEmails) replaces it.
func emailTexts(lang string, d *emailData) emailText {
	var f [len(emailMessages)]string
	for i, id := range emailMessages {
		if d == nil {
			f[i] = i18n.Messages().Source(lang, id)
		} else {
			f[i] = i18n.T(lang, id, d)
		}
	}
	return emailText{Subject: f[0], Greeting: f[1], Why: f[2], WhatIs: f[3], Button: f[4], Validity: f[5], NoTyping: f[6],
		Disconnect: f[7], Support: f[8], Ignore: f[9], YourPage: f[10]}
}

type emailData struct {
	Tenant, Name, Link, Expires, SupportEmail, SupportURL string
	// PageLink leads to the researcher's own page (PageLink).
	PageLink string
}

// PageLink is where an invitation's person reaches their own page: the
// invitation link followed by /me (GET /i/{token}/me signs them in to
// it; before they connected it leads back to the invitation, and once the
// invitation expired it offers to email a fresh link). Every email to a
// researcher carries it.
func PageLink(invitationLink string) string { return invitationLink + "/me" }

const invitationTextBody = `{{.Greeting}}

{{with .Reason}}{{.}}

{{end}}{{.Why}}

{{.WhatIs}}

{{.Button}}:
{{.Link}}

{{.Validity}} {{.NoTyping}}

{{.Disconnect}}

{{.YourPage}}:
{{.PageLink}}

{{.Support}}
{{.Ignore}}
`

var invitationTextTemplate = texttemplate.Must(texttemplate.New("invitation").Parse(invitationTextBody))

var invitationHTMLBody = htmltemplate.Must(htmltemplate.New("invitation").Parse(`<!doctype html>
<html lang="{{.Lang}}" dir="{{.Dir}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #222; max-width: 40em;">
<p>{{.Greeting}}</p>
{{with .Reason}}<p id="reason">{{.}}</p>
{{end}}<p>{{.Why}}</p>
<p>{{.WhatIs}}</p>
<p><a href="{{.Link}}" style="display: inline-block; background: #A6CE39; color: #fff; font-weight: bold; padding: 0.6em 1.2em; border-radius: 4px; text-decoration: none;">{{.Button}}</a></p>
<p style="font-size: 0.9em;">{{.Link}}</p>
<p>{{.Validity}} {{.NoTyping}}</p>
<p>{{.Disconnect}}</p>
<p id="your-page">{{.YourPage}}: <a href="{{.PageLink}}">{{.PageLink}}</a></p>
<p>{{.Support}}<br>{{.Ignore}}</p>
</body></html>
`))

// invitationEmail composes the invitation email in the person's language:
// why it is sent (inv.Reason; and, for a reminder, that it is one) comes
// first. The sentences are filled in as plain text first; the HTML
// template then escapes them, so a tenant or person name, or an article's
// title, cannot inject markup. A tenant's own template is rendered within
// its budgets (see renderTemplate), with the reason as {{.Reason}}; Invite
// calls this before its transaction opens.
func invitationEmail(ctx context.Context, t store.Tenant, p store.Person, inv Invitation) (store.Email, error) {
	lang := Language(t, p)
	if msg, ok, err := tenantInvitationEmail(ctx, t, p, inv, lang); ok {
		if err == nil && inv.reminder {
			msg.Subject = i18n.T(lang, "reason.reminder_subject", reasonData{Subject: msg.Subject})
		}
		return msg, err
	}
	name := strings.TrimSpace(p.GivenNames + " " + p.FamilyNames)
	d := emailData{Tenant: t.Name, Name: name, Link: inv.Link, Expires: inv.ExpiresAt.UTC().Format("2006-01-02"),
		SupportEmail: t.SupportEmail, SupportURL: t.SupportURL, PageLink: PageLink(inv.Link)}
	l, _ := i18n.Lookup(lang)
	f := struct {
		emailText
		Lang, Dir, Link, Reason, PageLink string
	}{emailText: emailTexts(lang, &d), Lang: l.HTML, Dir: string(l.Dir), Link: inv.Link, Reason: whyText(lang, t, inv),
		PageLink: d.PageLink}
	f.Subject = subjectFor(lang, t, inv, f.Subject)
	if t.SupportEmail == "" && t.SupportURL == "" {
		f.Support = ""
	}
	var text, html strings.Builder
	if err := invitationTextTemplate.Execute(&text, f); err != nil {
		return store.Email{}, err
	}
	if err := invitationHTMLBody.Execute(&html, f); err != nil {
		return store.Email{}, err
	}
	return store.Email{TenantID: t.ID, Recipient: p.Email, Subject: f.Subject,
		TextBody: text.String(), HTMLBody: html.String()}, nil
}
