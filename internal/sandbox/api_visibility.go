package sandbox

import (
	"github.com/orcidlink/orcidlink/internal/orcid"
)

// readScope is the scope that lets a token see the limited items of kind:
// ORCID checks /activities/read-limited (its per-section variants are all
// implied by it) for activities and /person/read-limited for person data.
func readScope(k orcid.ItemKind) string {
	if k.IsPerson() {
		return ScopePersonLimited
	}
	return ScopeActivitiesLimited
}

// canSee applies ORCID's visibility rules to one element, in ORCID's order
// (OrcidSecurityManagerImpl.checkAndFilter on the Member API,
// PublicAPISecurityManagerV3.checkIsPublic on the Public API):
//
//   - Public API: public only, else 403 9039;
//   - public, and the token may read public data: visible;
//   - the calling client is the source: visible whatever the visibility;
//   - the token lacks the section's read-limited scope: 403 9038;
//   - private: 403 9013; limited: visible.
//
// source is the client id of the element's source ("" for the researcher).
func (c *caller) canSee(vis orcid.Visibility, source, scope string) error {
	if c.public {
		if vis == orcid.VisibilityPublic {
			return nil
		}
		return newAPIError(9039, nil, "")
	}
	if vis == orcid.VisibilityPublic && c.has(ScopeReadPublic) {
		return nil
	}
	if source != "" && source == c.clientID() {
		return nil
	}
	if !c.has(scope) {
		return errNoScope()
	}
	if vis == orcid.VisibilityPrivate {
		return newAPIError(9013, nil, "")
	}
	return nil
}

// visible is canSee for lists, where ORCID drops what may not be seen
// without saying so.
func (c *caller) visible(vis orcid.Visibility, source, scope string) bool {
	return c.canSee(vis, source, scope) == nil
}

// canSeeEmail: a token with /email/read-private sees every email; others
// follow the person rules.
func (c *caller) canSeeEmail(vis orcid.Visibility) bool {
	if !c.public && c.has(ScopeEmailReadPrivate) {
		return true
	}
	return c.visible(vis, "", ScopePersonLimited)
}
