package connect

import (
	"strings"
	texttemplate "text/template"
	"unicode/utf8"

	"github.com/orcidlink/orcidlink/internal/store"
)

// reasonText is, in one language, what an invitation says about why it is
// sent (store.InvitationReason) and about being a reminder. Fields are
// templates over reasonData.
type reasonText struct {
	Article, Review, ReviewUntitled, Upgrade string
	// UpgradeSubject replaces the invitation's subject for a scope upgrade:
	// the person is connected already.
	UpgradeSubject string
	// Reminder opens a reminder; ReminderSubject wraps the subject.
	Reminder, ReminderSubject string
	// Asks say what each ask lets the tenant do, for an upgrade's list;
	// And joins its last two items.
	Asks map[store.Ask]string
	And  string
}

type reasonData struct {
	Tenant, Title, Asks, Sent, Subject string
}

// reasonTexts are the reasons in every language orcidlink speaks
// (TestReasonTextsComplete).
var reasonTexts = map[string]reasonText{
	"en": {
		Article:         "Your article “{{.Title}}” has just been published by {{.Tenant}}. Once your iD is connected, {{.Tenant}} can add it to your ORCID record for you.",
		Review:          "Thank you for your peer review of “{{.Title}}” for {{.Tenant}}. Once your iD is connected, {{.Tenant}} can credit this review on your ORCID record.",
		ReviewUntitled:  "Thank you for your peer review for {{.Tenant}}. Once your iD is connected, {{.Tenant}} can credit this review on your ORCID record.",
		Upgrade:         "Your ORCID iD is already connected to {{.Tenant}}, which now also asks for your permission to: {{.Asks}}. Nothing changes until you agree at ORCID.",
		UpgradeSubject:  "{{.Tenant}} asks for a further permission on your ORCID record",
		Reminder:        "This is a reminder: {{.Tenant}} wrote to you on {{.Sent}} and has not heard back from you yet.",
		ReminderSubject: "Reminder: {{.Subject}}",
		Asks: map[store.Ask]string{
			store.AskWorks:        "add your works and peer reviews to your ORCID record",
			store.AskAffiliations: "add your affiliations (employment, education, memberships) to your ORCID record",
			store.AskPerson:       "update biographical information in your ORCID record (other identifiers, websites, keywords)",
			store.AskReadLimited:  "read the information you share with trusted organizations",
		},
		And: "and",
	},
	"es": {
		Article:         "{{.Tenant}} acaba de publicar su artículo «{{.Title}}». Cuando su iD esté conectado, {{.Tenant}} podrá añadirlo a su registro ORCID por usted.",
		Review:          "Gracias por su revisión por pares de «{{.Title}}» para {{.Tenant}}. Cuando su iD esté conectado, {{.Tenant}} podrá reconocer esta revisión en su registro ORCID.",
		ReviewUntitled:  "Gracias por su revisión por pares para {{.Tenant}}. Cuando su iD esté conectado, {{.Tenant}} podrá reconocer esta revisión en su registro ORCID.",
		Upgrade:         "Su ORCID iD ya está conectado con {{.Tenant}}, que ahora le pide también permiso para: {{.Asks}}. Nada cambia hasta que lo acepte en ORCID.",
		UpgradeSubject:  "{{.Tenant}} le pide un permiso más sobre su registro ORCID",
		Reminder:        "Este es un recordatorio: {{.Tenant}} le escribió el {{.Sent}} y aún no ha recibido su respuesta.",
		ReminderSubject: "Recordatorio: {{.Subject}}",
		Asks: map[store.Ask]string{
			store.AskWorks:        "añadir sus trabajos y revisiones por pares a su registro ORCID",
			store.AskAffiliations: "añadir sus afiliaciones (empleo, formación, membresías) a su registro ORCID",
			store.AskPerson:       "actualizar la información biográfica de su registro ORCID (otros identificadores, sitios web, palabras clave)",
			store.AskReadLimited:  "leer la información que usted comparte con organizaciones de confianza",
		},
		And: "y",
	},
	"fr": {
		Article:         "{{.Tenant}} vient de publier votre article « {{.Title}} ». Une fois votre identifiant connecté, {{.Tenant}} pourra l’ajouter pour vous à votre dossier ORCID.",
		Review:          "Merci pour votre évaluation par les pairs de « {{.Title}} » pour {{.Tenant}}. Une fois votre identifiant connecté, {{.Tenant}} pourra faire figurer cette évaluation dans votre dossier ORCID.",
		ReviewUntitled:  "Merci pour votre évaluation par les pairs pour {{.Tenant}}. Une fois votre identifiant connecté, {{.Tenant}} pourra faire figurer cette évaluation dans votre dossier ORCID.",
		Upgrade:         "Votre identifiant ORCID est déjà connecté à {{.Tenant}}, qui demande maintenant aussi votre autorisation pour : {{.Asks}}. Rien ne change tant que vous ne l’avez pas accepté sur ORCID.",
		UpgradeSubject:  "{{.Tenant}} vous demande une autorisation supplémentaire sur votre dossier ORCID",
		Reminder:        "Ceci est un rappel : {{.Tenant}} vous a écrit le {{.Sent}} et n’a pas encore reçu votre réponse.",
		ReminderSubject: "Rappel : {{.Subject}}",
		Asks: map[store.Ask]string{
			store.AskWorks:        "ajouter vos travaux et évaluations par les pairs à votre dossier ORCID",
			store.AskAffiliations: "ajouter vos affiliations (emploi, formation, adhésions) à votre dossier ORCID",
			store.AskPerson:       "mettre à jour les informations biographiques de votre dossier ORCID (autres identifiants, sites web, mots-clés)",
			store.AskReadLimited:  "lire les informations que vous partagez avec les organisations de confiance",
		},
		And: "et",
	},
}

// fillReason fills one reason template; the texts are ours, so a failure
// is a bug that a test meets first, and gives "".
func fillReason(tmpl string, d reasonData) string {
	tt, err := texttemplate.New("").Parse(tmpl)
	if err != nil {
		return ""
	}
	var b strings.Builder
	if err := tt.Execute(&b, d); err != nil {
		return ""
	}
	return b.String()
}

func reasonsIn(lang string) reasonText {
	if r, ok := reasonTexts[lang]; ok {
		return r
	}
	return reasonTexts["en"]
}

// ReasonText says, in lang, why an invitation of tenant t was sent, or ""
// when it gives no reason beyond connecting the iD. The invitation page
// shows it; emails carry it too (and tenant templates as {{.Reason}}).
func ReasonText(lang string, t store.Tenant, why store.InvitationReason) string {
	r := reasonsIn(lang)
	d := reasonData{Tenant: t.Name, Title: why.Detail}
	switch why.Kind {
	case store.ReasonArticle:
		if why.Detail == "" {
			return ""
		}
		return fillReason(r.Article, d)
	case store.ReasonReview:
		if why.Detail == "" {
			return fillReason(r.ReviewUntitled, d)
		}
		return fillReason(r.Review, d)
	case store.ReasonUpgrade:
		var asks []string
		for _, a := range strings.Fields(why.Detail) {
			if text, ok := r.Asks[store.Ask(a)]; ok {
				asks = append(asks, text)
			}
		}
		if len(asks) == 0 {
			return ""
		}
		d.Asks = joinList(asks, r.And)
		return fillReason(r.Upgrade, d)
	}
	return ""
}

// whyText is what an invitation's email says of why it is sent: for a
// reminder, that it is one (and when the first went), then the reason.
func whyText(lang string, t store.Tenant, inv Invitation) string {
	why := ReasonText(lang, t, inv.Reason)
	if !inv.reminder {
		return why
	}
	first := inv.SentAt
	if first.IsZero() {
		first = inv.CreatedAt
	}
	rem := fillReason(reasonsIn(lang).Reminder, reasonData{Tenant: t.Name, Sent: first.UTC().Format("2006-01-02")})
	return strings.TrimSpace(rem + " " + why)
}

// subjectFor adjusts an invitation's subject to its reason and to being a
// reminder.
func subjectFor(lang string, t store.Tenant, inv Invitation, subject string) string {
	r := reasonsIn(lang)
	if inv.Reason.Kind == store.ReasonUpgrade && ReasonText(lang, t, inv.Reason) != "" {
		subject = fillReason(r.UpgradeSubject, reasonData{Tenant: t.Name})
	}
	if inv.reminder {
		subject = fillReason(r.ReminderSubject, reasonData{Subject: subject})
	}
	return subject
}

// joinList joins "a", "b", "c" as "a, b and c".
func joinList(items []string, and string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + and + " " + items[len(items)-1]
}

// clipRunes shortens s to at most n bytes without splitting a character.
func clipRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
