package connect

import (
	"context"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/orcidlink/orcidlink/internal/store"
)

// emailText is one language's invitation email. Fields are templates over
// emailData, kept short so that translators see whole sentences.
type emailText struct {
	Subject, Greeting, Why, WhatIs, Button, Validity, NoTyping, Disconnect, Support, Ignore string
}

// invitationTexts are the built-in invitation emails. A tenant's own
// template for a language (TenantSettings.InvitationEmails) replaces them.
var invitationTexts = map[string]emailText{
	"en": {
		Subject:    "{{.Tenant}} asks you to connect your ORCID iD",
		Greeting:   "Dear {{.Name}},",
		Why:        "{{.Tenant}} would like to connect your ORCID iD to your records, so that your work is correctly attributed to you and can be added to your ORCID record with your permission.",
		WhatIs:     "ORCID is a free, unique and persistent identifier for researchers. If you do not have an ORCID iD yet, you can create one in a minute on the way.",
		Button:     "Connect your ORCID iD",
		Validity:   "This link is personal. It is valid until {{.Expires}}.",
		NoTyping:   "You never need to type your iD: ORCID confirms it when you sign in.",
		Disconnect: "You can disconnect at any time from the same link, or by removing {{.Tenant}} from the trusted organizations in your ORCID account.",
		Support:    "Questions? Contact {{.Tenant}}{{with .SupportEmail}} at {{.}}{{end}}{{with .SupportURL}} ({{.}}){{end}}.",
		Ignore:     "If you did not expect this message, you can ignore it.",
	},
	"es": {
		Subject:    "{{.Tenant}} le pide que conecte su ORCID iD",
		Greeting:   "Estimado/a {{.Name}}:",
		Why:        "{{.Tenant}} desea conectar su ORCID iD con sus registros, para que su trabajo se le atribuya correctamente y pueda añadirse a su registro ORCID con su permiso.",
		WhatIs:     "ORCID es un identificador gratuito, único y persistente para investigadores. Si aún no tiene un ORCID iD, puede crearlo en un minuto durante el proceso.",
		Button:     "Conecte su ORCID iD",
		Validity:   "Este enlace es personal. Es válido hasta el {{.Expires}}.",
		NoTyping:   "Nunca tendrá que escribir su iD: ORCID lo confirma cuando inicia sesión.",
		Disconnect: "Puede desconectarse en cualquier momento desde el mismo enlace, o quitando a {{.Tenant}} de las organizaciones de confianza de su cuenta ORCID.",
		Support:    "¿Preguntas? Contacte con {{.Tenant}}{{with .SupportEmail}} en {{.}}{{end}}{{with .SupportURL}} ({{.}}){{end}}.",
		Ignore:     "Si no esperaba este mensaje, puede ignorarlo.",
	},
	"fr": {
		Subject:    "{{.Tenant}} vous invite à connecter votre identifiant ORCID",
		Greeting:   "Bonjour {{.Name}},",
		Why:        "{{.Tenant}} souhaite connecter votre identifiant ORCID à vos informations, afin que vos travaux vous soient correctement attribués et puissent être ajoutés à votre dossier ORCID avec votre autorisation.",
		WhatIs:     "ORCID est un identifiant gratuit, unique et pérenne pour les chercheurs. Si vous n’avez pas encore d’identifiant ORCID, vous pourrez en créer un en une minute en chemin.",
		Button:     "Connecter votre identifiant ORCID",
		Validity:   "Ce lien est personnel. Il est valable jusqu’au {{.Expires}}.",
		NoTyping:   "Vous n’avez jamais à saisir votre identifiant : ORCID le confirme lorsque vous vous connectez.",
		Disconnect: "Vous pouvez vous déconnecter à tout moment depuis ce même lien, ou en retirant {{.Tenant}} des organisations de confiance de votre compte ORCID.",
		Support:    "Des questions ? Contactez {{.Tenant}}{{with .SupportEmail}} à {{.}}{{end}}{{with .SupportURL}} ({{.}}){{end}}.",
		Ignore:     "Si vous n’attendiez pas ce message, vous pouvez l’ignorer.",
	},
}

type emailData struct {
	Tenant, Name, Link, Expires, SupportEmail, SupportURL string
}

const invitationTextBody = `{{.Greeting}}

{{with .Reason}}{{.}}

{{end}}{{.Why}}

{{.WhatIs}}

{{.Button}}:
{{.Link}}

{{.Validity}} {{.NoTyping}}

{{.Disconnect}}

{{.Support}}
{{.Ignore}}
`

var invitationTextTemplate = texttemplate.Must(texttemplate.New("invitation").Parse(invitationTextBody))

var invitationHTMLBody = htmltemplate.Must(htmltemplate.New("invitation").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #222; max-width: 40em;">
<p>{{.Greeting}}</p>
{{with .Reason}}<p id="reason">{{.}}</p>
{{end}}<p>{{.Why}}</p>
<p>{{.WhatIs}}</p>
<p><a href="{{.Link}}" style="display: inline-block; background: #A6CE39; color: #fff; font-weight: bold; padding: 0.6em 1.2em; border-radius: 4px; text-decoration: none;">{{.Button}}</a></p>
<p style="font-size: 0.9em;">{{.Link}}</p>
<p>{{.Validity}} {{.NoTyping}}</p>
<p>{{.Disconnect}}</p>
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
			msg.Subject = fillReason(reasonsIn(lang).ReminderSubject, reasonData{Subject: msg.Subject})
		}
		return msg, err
	}
	txt := invitationTexts[lang]
	name := strings.TrimSpace(p.GivenNames + " " + p.FamilyNames)
	d := emailData{Tenant: t.Name, Name: name, Link: inv.Link, Expires: inv.ExpiresAt.UTC().Format("2006-01-02"),
		SupportEmail: t.SupportEmail, SupportURL: t.SupportURL}
	var err error
	fill := func(tmpl string) string {
		if err != nil {
			return ""
		}
		var b strings.Builder
		var tt *texttemplate.Template
		if tt, err = texttemplate.New("").Parse(tmpl); err == nil {
			err = tt.Execute(&b, d)
		}
		return b.String()
	}
	f := struct {
		emailText
		Lang, Link, Reason string
	}{Lang: lang, Link: inv.Link, Reason: whyText(lang, t, inv)}
	f.Subject, f.Greeting, f.Why, f.WhatIs = fill(txt.Subject), fill(txt.Greeting), fill(txt.Why), fill(txt.WhatIs)
	f.Button, f.Validity, f.NoTyping = fill(txt.Button), fill(txt.Validity), fill(txt.NoTyping)
	f.Disconnect, f.Support, f.Ignore = fill(txt.Disconnect), fill(txt.Support), fill(txt.Ignore)
	if err != nil {
		return store.Email{}, err
	}
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
