package sandbox

import (
	"net/http"
	"slices"
)

type consentPage struct {
	pageCommon
	Client      Client
	Permissions []string
	OAuth       string
	FormToken   string
	SignoutURL  string
}

// permissionOrder lists the scopes as ORCID's consent screen does: the iD
// first, then reading, then writing.
var permissionOrder = []string{
	ScopeOpenID, ScopeAuthenticate, ScopeReadLimited, ScopeActivitiesLimited, ScopePersonLimited,
	ScopeReadPublic, ScopeActivitiesUpdate, ScopePersonUpdate, ScopeWebhook,
}

// permissions lists what the scopes allow in plain words, once each
// (openid and /authenticate read the same).
func permissions(s Scopes) []string {
	sorted := slices.Clone(s)
	rank := func(x string) int {
		if i := slices.Index(permissionOrder, x); i >= 0 {
			return i
		}
		return len(permissionOrder)
	}
	slices.SortStableFunc(sorted, func(a, b string) int { return rank(a) - rank(b) })
	var out []string
	for _, sc := range sorted {
		if d := Describe(sc); !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

func (r *Registry) renderConsent(w http.ResponseWriter, req *http.Request, a authRequest, sess Session) {
	raw := a.Query.Encode()
	r.render(w, req, http.StatusOK, "authorize", consentPage{
		pageCommon:  r.localized(req, "Authorize access", a.Query.Get("lang")),
		Client:      a.Client,
		Permissions: permissions(a.Scopes),
		OAuth:       raw,
		FormToken:   r.formToken(sess.ID, "consent", raw),
	})
}
