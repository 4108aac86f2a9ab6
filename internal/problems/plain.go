// Package problems keeps an eye on what needs an administrator (issue 14,
// "problems first"): it checks the organisations' ORCID credentials and
// acts when one breaks or is repaired, counts what needs action per tenant
// for the dashboard, sends the daily digest, and says in plain words why
// ORCID refused an item.
package problems

import "strings"

// Reason is why an item failed, in words a journal editor understands. Key
// names it in links (the failed list's filter); ORCID's own message is kept
// beside it wherever it is shown.
type Reason struct {
	Key  string
	Text string
}

// reasonRule maps ORCID's messages (its developer messages, or what
// orcidlink wrote when ORCID sent none) to a Reason: the first rule one of
// whose fragments the message contains, ignoring case.
type reasonRule struct {
	fragments []string
	reason    Reason
}

// reasonRules are in order: specific refusals before the status words that
// every refusal of its kind carries.
func reasonRules() []reasonRule {
	return []reasonRule{
		{[]string{"credential", "unauthorized_client", "invalid_client", "bad client credentials"},
			Reason{"credential", "ORCID refused the organisation's API credential (its client id or secret); a site administrator must fix the credential."}},
		{[]string{"already added this activity", "error-code 9021"},
			Reason{"duplicate", "The researcher's ORCID record already has this item from this organisation: it was probably sent twice under different names."}},
		{[]string{"not the source", "error-code 9010"},
			Reason{"not-source", "ORCID lets only whoever added an item change it, and this one was added by someone else (another organisation, or the researcher)."}},
		{[]string{"insufficient or wrong scope", "required scope", "missing the orcid permission"},
			Reason{"permission", "The researcher has not given this organisation permission to add this kind of item; invite them again to ask for it."}},
		{[]string{"maximum number of works"},
			Reason{"too-many-works", "The researcher's ORCID record holds the most works ORCID allows (10,000); they must remove some first."}},
		{[]string{"title is required"},
			Reason{"title", "The item has no title, and ORCID requires one."}},
		{[]string{"external identifier is required"},
			Reason{"identifier", "The item has no identifier of its own (such as a DOI), and ORCID requires one."}},
		{[]string{"organization must be present", "disambiguated-organization", "organization id", "city and country are required"},
			Reason{"organisation", "ORCID does not accept the organisation named in the item: its name, city, country or identifier (such as its ROR iD) is missing or unknown."}},
		{[]string{"group you are trying to access does not exist", "group-id-record"},
			Reason{"review-group", "ORCID does not know the peer-review group (the journal's ISSN or group) this review belongs to."}},
		{[]string{"invalid date", "start-date", "end date must come after"},
			Reason{"date", "A date in the item is not one ORCID accepts (an end before the start, or an impossible date)."}},
		{[]string{"issn"},
			Reason{"issn", "The journal's ISSN is not a valid one."}},
		{[]string{"contributor role", "invalid value", "valid values are"},
			Reason{"vocabulary", "The item uses a type or role that ORCID does not know."}},
		{[]string{"locked"},
			Reason{"record-locked", "ORCID has locked the researcher's record; nothing can be added until ORCID unlocks it."}},
		{[]string{"deactivated"},
			Reason{"record-deactivated", "The researcher deactivated their ORCID record."}},
		{[]string{"deprecated", "merged"},
			Reason{"record-merged", "The researcher's ORCID record was merged into another; they connect again with their primary iD."}},
		{[]string{": 429", ": 500", ": 502", ": 503", ": 504", "rate limit", "temporarily", "timeout", "connection refused", "no such host", "eof"},
			Reason{"unavailable", "ORCID could not be reached, or was busy; orcidlink keeps trying."}},
		{[]string{": 401", "token invalid", "revoked"},
			Reason{"authorization", "ORCID no longer accepts the researcher's permission; they must connect again."}},
		{[]string{": 403", "forbidden"},
			Reason{"forbidden", "ORCID did not allow this change to the researcher's record."}},
		{[]string{": 400", "bad request", "invalid", "xml", "json"},
			Reason{"invalid", "ORCID found something in the item it does not accept."}},
	}
}

// otherReason is the reason of a message no rule knows.
func otherReason() Reason { return Reason{"other", "ORCID refused the item; its message says why."} }

// Explain says in plain words why ORCID refused an item, from ORCID's
// message (the item's LastError).
func Explain(orcidMessage string) Reason {
	m := strings.ToLower(orcidMessage)
	for _, r := range reasonRules() {
		for _, f := range r.fragments {
			if strings.Contains(m, f) {
				return r.reason
			}
		}
	}
	return otherReason()
}

// ReasonByKey finds a reason by its key (false for an unknown key).
func ReasonByKey(key string) (Reason, bool) {
	for _, r := range reasonRules() {
		if r.reason.Key == key {
			return r.reason, true
		}
	}
	if key == otherReason().Key {
		return otherReason(), true
	}
	return Reason{}, false
}
