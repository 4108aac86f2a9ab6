package connect

import (
	"strings"

	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/store"
)

// reasonData fills the reason messages (internal/i18n/locales, IDs
// reason.*): what an invitation says about why it is sent
// (store.InvitationReason) and about being a reminder.
type reasonData struct {
	Tenant, Title, Asks, Sent, Subject string
}

// askMessages say what each ask lets the tenant do, for an upgrade's list.
var askMessages = map[store.Ask]string{
	store.AskWorks:        "reason.ask.works",
	store.AskAffiliations: "reason.ask.affiliations",
	store.AskPerson:       "reason.ask.person",
	store.AskReadLimited:  "reason.ask.read_limited",
}

// ReasonText says, in lang, why an invitation of tenant t was sent, or ""
// when it gives no reason beyond connecting the iD. The invitation page
// shows it; emails carry it too (and tenant templates as {{.Reason}}).
func ReasonText(lang string, t store.Tenant, why store.InvitationReason) string {
	d := reasonData{Tenant: t.Name, Title: why.Detail}
	switch why.Kind {
	case store.ReasonArticle:
		if why.Detail == "" {
			return ""
		}
		return i18n.T(lang, "reason.article", d)
	case store.ReasonReview:
		if why.Detail == "" {
			return i18n.T(lang, "reason.review_untitled", d)
		}
		return i18n.T(lang, "reason.review", d)
	case store.ReasonUpgrade:
		var asks []string
		for _, a := range strings.Fields(why.Detail) {
			if id, ok := askMessages[store.Ask(a)]; ok {
				asks = append(asks, i18n.T(lang, id, nil))
			}
		}
		if len(asks) == 0 {
			return ""
		}
		d.Asks = joinList(lang, asks)
		return i18n.T(lang, "reason.upgrade", d)
	}
	return ""
}

// whyText is what an invitation's email says of why it is sent: for a
// reminder, that it is one (and when the first went), then the reason.
func whyText(lang string, t store.Tenant, inv Invitation) string {
	why := ReasonText(lang, t, inv.Reason)
	if inv.hint != "" {
		why = strings.TrimSpace(why + " " + i18n.T(lang, "reason.orcid_on_file", map[string]string{"ORCID": string(inv.hint)}))
	}
	if !inv.reminder {
		return why
	}
	first := inv.SentAt
	if first.IsZero() {
		first = inv.CreatedAt
	}
	rem := i18n.T(lang, "reason.reminder", reasonData{Tenant: t.Name, Sent: first.UTC().Format("2006-01-02")})
	return strings.TrimSpace(rem + " " + why)
}

// subjectFor adjusts an invitation's subject to its reason and to being a
// reminder.
func subjectFor(lang string, t store.Tenant, inv Invitation, subject string) string {
	if inv.Reason.Kind == store.ReasonUpgrade && ReasonText(lang, t, inv.Reason) != "" {
		subject = i18n.T(lang, "reason.upgrade_subject", reasonData{Tenant: t.Name})
	}
	if inv.reminder {
		subject = i18n.T(lang, "reason.reminder_subject", reasonData{Subject: subject})
	}
	return subject
}

// joinList joins "a", "b", "c" as "a, b and c" in lang: languages
// differ in the comma ("、", "، ") and in where "and" goes.
func joinList(lang string, items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	rest := strings.Join(items[:len(items)-1], i18n.T(lang, "reason.list_separator", nil))
	return i18n.T(lang, "reason.list_and", map[string]string{"Rest": rest, "Last": items[len(items)-1]})
}
