package sandbox

import (
	"slices"
	"strings"
)

// ORCID's scope strings (ScopeConstants in ORCID's model).
const (
	ScopeAuthenticate      = "/authenticate"
	ScopeOpenID            = "openid"
	ScopeReadPublic        = "/read-public"
	ScopeReadLimited       = "/read-limited"
	ScopeActivitiesUpdate  = "/activities/update"
	ScopePersonUpdate      = "/person/update"
	ScopeWebhook           = "/webhook"
	ScopeActivitiesLimited = "/activities/read-limited"
	ScopePersonLimited     = "/person/read-limited"
	// ScopePremiumNotification is the two-legged scope of premium members
	// for permission notifications (notifications.go).
	ScopePremiumNotification = "/premium-notification"
)

// implied lists what a granted scope also grants, after ORCID's
// ScopePathType (orcid-model, org/orcid/jaxb/model/message/ScopePathType.java):
// every read or write scope includes /read-public, and /read-limited is the
// union of the two section read-limited scopes. The update scopes grant no
// reading of limited items: a client with /activities/update alone sees the
// researcher's limited items of other sources neither singly (403 9038) nor
// in lists, only public ones and its own.
var implied = map[string][]string{
	ScopeOpenID:            {ScopeAuthenticate, ScopeReadPublic},
	ScopeAuthenticate:      {ScopeReadPublic},
	ScopeReadLimited:       {ScopeActivitiesLimited, ScopePersonLimited, ScopeReadPublic},
	ScopeActivitiesLimited: {ScopeReadPublic},
	ScopePersonLimited:     {ScopeReadPublic},
	ScopeActivitiesUpdate:  {ScopeReadPublic},
	ScopePersonUpdate:      {ScopeReadPublic},
	// The two-legged group scopes: update includes read and nothing else.
	ScopeGroupIDRecordUpdate: {ScopeGroupIDRecordRead},
}

// threeLegged are the scopes a researcher grants through /oauth/authorize.
var threeLegged = map[string]bool{
	ScopeAuthenticate: true, ScopeOpenID: true, ScopeReadLimited: true,
	ScopeActivitiesUpdate: true, ScopePersonUpdate: true,
	ScopeActivitiesLimited: true, ScopePersonLimited: true,
}

// memberOnly are the scopes a Public API client may not ask for.
var memberOnly = map[string]bool{
	ScopeReadLimited: true, ScopeActivitiesUpdate: true, ScopePersonUpdate: true,
	ScopeActivitiesLimited: true, ScopePersonLimited: true, ScopeWebhook: true,
	ScopeGroupIDRecordRead: true, ScopeGroupIDRecordUpdate: true, ScopePremiumNotification: true,
}

// Scopes is a set of scope strings; ORCID treats scope as a set, so order
// never matters.
type Scopes []string

// ParseScopes splits a space-separated scope parameter, dropping duplicates.
func ParseScopes(s string) Scopes {
	var out Scopes
	for _, f := range strings.Fields(s) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

func (s Scopes) String() string { return strings.Join(s, " ") }

// Has reports whether the set grants scope, directly or by inheritance.
func (s Scopes) Has(scope string) bool {
	for _, g := range s {
		if g == scope || grants(g, scope, 0) {
			return true
		}
	}
	return false
}

func grants(have, want string, depth int) bool {
	if depth > 4 {
		return false
	}
	for _, i := range implied[have] {
		if i == want || grants(i, want, depth+1) {
			return true
		}
	}
	return false
}

// Equal reports whether both sets hold exactly the same scopes.
func (s Scopes) Equal(o Scopes) bool {
	a, b := slices.Clone(s), slices.Clone(o)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// Covers reports whether every scope of o is granted by s.
func (s Scopes) Covers(o Scopes) bool {
	for _, w := range o {
		if !s.Has(w) {
			return false
		}
	}
	return true
}

// Describe says in plain words what a scope lets the organization do; the
// consent screen lists these.
func Describe(scope string) string {
	switch scope {
	case ScopeAuthenticate, ScopeOpenID:
		return "Get your ORCID iD"
	case ScopeReadLimited, ScopeActivitiesLimited, ScopePersonLimited:
		return "Read your information with visibility set to Trusted Parties"
	case ScopeActivitiesUpdate:
		return "Add or update your research activities (works, affiliations, funding, peer review and research resources)"
	case ScopePersonUpdate:
		return "Add or update other information about you (country, keywords, websites, other names and other identifiers)"
	case ScopeReadPublic:
		return "Read your public information"
	}
	return scope
}
