// Package articlemeta writes who contributed to an article in the metadata
// formats journals publish and deposit: the contributor block of JATS
// (NISO Z39.96-2021, JATS 1.3: <contrib-group>) and of Crossref's deposit
// schema 5.3.1 (<contributors>). ORCID asks that an authenticated iD be
// shown as such "both in visual representation as well as in metadata";
// both formats say it with authenticated="true", and this package puts it
// exactly on the iDs a person authenticated through orcidlink, never on an
// iD anyone typed.
package articlemeta

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// ErrNoContributors means an article without contributors has no contributor
// block (both formats require at least one contributor in it).
var ErrNoContributors = errors.New("articlemeta: the article has no contributors")

// Contributor is one contributor of an article as the metadata names them,
// in the article's order.
type Contributor struct {
	// GivenNames and FamilyNames name a person of the tenant, as the
	// tenant recorded them (FamilyNames may be empty: a mononym).
	GivenNames, FamilyNames string
	// Name is a co-author named only: orcidlink does not know how it
	// splits into given and family names, so it is written as given.
	Name string
	// ORCID is the contributor's bare iD, "" for none; ORCIDURI its URI
	// on the registry that issued it.
	ORCID    orcid.ID
	ORCIDURI string
	// Authenticated: the person proved the iD is theirs through ORCID's
	// OAuth screens (see Load). An iD that is not authenticated (a hint
	// from an older system) is written without the mark.
	Authenticated bool
	// Roles are CRediT role URIs (orcid.CreditContributorRoles).
	Roles []string
}

// Person reports whether c is a person of the tenant (else named only).
func (c Contributor) Person() bool { return c.Name == "" }

// People is what Load reads people and their links from; *store.Store is
// one.
type People interface {
	Person(ctx context.Context, tenantID, personID int64) (store.Person, error)
	Link(ctx context.Context, tenantID, personID int64) (store.Link, error)
}

var _ People = (*store.Store)(nil)

// Load lists the contributors of a, in order, with the iD of each person
// of the tenant who authenticated one through orcidlink.
//
// An iD counts as authenticated when it comes from the person's link under
// the tenant's current credential, made by ORCID's OAuth round trip: the
// link is connected, or revoked (the researcher later withdrew orcidlink's
// access, which does not undo that they proved the iD theirs), and holds
// the iD with the time it was authenticated. A removed link holds no iD;
// any other state (such as an iD imported from an older system as a hint)
// is not taken as authenticated, and is left out.
func Load(ctx context.Context, st People, a store.Article) ([]Contributor, error) {
	out := make([]Contributor, 0, len(a.Contributors))
	for _, c := range a.Contributors {
		if c.PersonID == 0 {
			out = append(out, Contributor{Name: c.Name, Roles: c.Roles})
			continue
		}
		p, err := st.Person(ctx, a.TenantID, c.PersonID)
		if err != nil {
			return nil, fmt.Errorf("articlemeta: contributors of article %q: %w", a.Key, err)
		}
		oc := Contributor{GivenNames: p.GivenNames, FamilyNames: p.FamilyNames, Roles: c.Roles}
		l, err := st.Link(ctx, a.TenantID, c.PersonID)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return nil, fmt.Errorf("articlemeta: contributors of article %q: %w", a.Key, err)
		case authenticated(l):
			oc.ORCID, oc.ORCIDURI, oc.Authenticated = l.ORCID, l.ORCIDURI, true
		}
		out = append(out, oc)
	}
	return out, nil
}

// authenticated reports whether l holds an iD its person authenticated
// (see Load).
func authenticated(l store.Link) bool {
	return (l.State == store.LinkConnected || l.State == store.LinkRevoked) && l.ORCID != "" &&
		!l.AuthenticatedAt.IsZero()
}

// orcidURL is the https://orcid.org/ form of an iD, the one Crossref's
// schema admits (orcid_t: https?://orcid.org/NNNN-NNNN-NNNN-NNNX) and
// JATS4R recommends.
func orcidURL(id orcid.ID) string { return "https://orcid.org/" + string(id) }

// idURI is the URI written for an iD in JATS: the registry's own when it
// is an https one of ORCID's (orcid.org, or sandbox.orcid.org, where a
// sandbox iD resolves), else the orcid.org form (an offline registry's
// loopback address means nothing to a reader).
func idURI(c Contributor) string {
	u := c.ORCIDURI
	if rest, ok := strings.CutPrefix(u, "https://"); ok {
		host, path, _ := strings.Cut(rest, "/")
		if (host == "orcid.org" || host == "sandbox.orcid.org") && path == string(c.ORCID) {
			return u
		}
	}
	return orcidURL(c.ORCID)
}

// collapse is XML Schema's whiteSpace="collapse": runs of space, tab,
// newline and carriage return (XML's white space, and no other) become one
// space, with none at either end.
func collapse(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r'
	}), " ")
}
