package api

import (
	"errors"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/store"
)

// orcidLink is a person's link to ORCID as the API shows it: never a
// token.
type orcidLink struct {
	ORCID           string     `json:"orcid"` // full iD URI; "" once removed
	Name            string     `json:"name"`
	Scopes          []string   `json:"scopes"`
	State           string     `json:"state"`
	StateReason     string     `json:"state_reason"`
	ExpiresAt       *time.Time `json:"expires_at"`
	AuthenticatedAt *time.Time `json:"authenticated_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	// RevokedAtORCID is set by DELETE: whether ORCID confirmed that our
	// tokens are revoked (false: removed here all the same).
	RevokedAtORCID *bool `json:"revoked_at_orcid,omitempty"`
}

func linkOf(l store.Link) orcidLink {
	scopes := l.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	return orcidLink{ORCID: l.ORCIDURI, Name: l.Name, Scopes: scopes, State: string(l.State), StateReason: l.StateReason,
		ExpiresAt: timeOrNil(l.ExpiresAt), AuthenticatedAt: timeOrNil(l.AuthenticatedAt), UpdatedAt: l.UpdatedAt}
}

func (s *Server) getLink(c *call) (reply, error) {
	p, err := s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	l, err := s.st.Link(c.ctx, c.tenant, p.ID)
	if err != nil {
		return reply{}, withDetail(err, "The person never connected to ORCID under the tenant's credential.")
	}
	return ok(linkOf(l))
}

// deleteLink disconnects the person: the tokens are revoked at ORCID and
// the iD forgotten. When ORCID cannot confirm the revocation the link is
// removed here all the same, and revoked_at_orcid says so.
func (s *Server) deleteLink(c *call) (reply, error) {
	p, err := s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	err = s.cfg.Connect.Disconnect(c.ctx, c.tenant, p.ID, c.actor())
	if err != nil && !errors.Is(err, connect.ErrRevokeIncomplete) {
		return reply{}, err
	}
	revoked := err == nil
	l, err := s.st.Link(c.ctx, c.tenant, p.ID)
	if err != nil {
		return reply{}, err
	}
	out := linkOf(l)
	out.RevokedAtORCID = &revoked
	return ok(out)
}
