package api

import (
	"bytes"
	"strconv"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/store"
)

// invitation is an invitation as the API shows it. URL, the link the
// person opens, is there only in the answer that created it: orcidlink
// keeps a hash of its token, never the token.
type invitation struct {
	ID        int64      `json:"id"`
	URL       string     `json:"url,omitempty"`
	State     string     `json:"state"`
	Scopes    []string   `json:"scopes"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	SentAt    *time.Time `json:"sent_at"`
	OpenedAt  *time.Time `json:"opened_at"`
}

func invitationOf(in store.Invitation, url string) invitation {
	scopes := in.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	return invitation{ID: in.ID, URL: url, State: string(in.State), Scopes: scopes, CreatedAt: in.CreatedAt,
		ExpiresAt: in.ExpiresAt, SentAt: timeOrNil(in.SentAt), OpenedAt: timeOrNil(in.OpenedAt)}
}

// timeOrNil shows a zero time as null.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

type invitationInput struct {
	// SendEmail: orcidlink emails the link (default); false only makes
	// the link, for the caller to pass on.
	SendEmail *bool `json:"send_email"`
}

type invitationList struct {
	Items []invitation `json:"items"`
}

func (s *Server) createInvitation(c *call) (reply, error) {
	p, err := s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	in := invitationInput{}
	if len(bytes.TrimSpace(c.body)) > 0 { // the body is optional
		if err := decode(c.body, "", &in); err != nil {
			return reply{}, err
		}
	}
	send := in.SendEmail == nil || *in.SendEmail
	inv, err := s.cfg.Connect.Invite(c.ctx, c.tenant, p.ID, c.actor(), send)
	return s.invitationCreated(p, inv, err)
}

func (s *Server) resendInvitation(c *call) (reply, error) {
	p, err := s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	inv, err := s.cfg.Connect.Resend(c.ctx, c.tenant, p.ID, c.actor())
	return s.invitationCreated(p, inv, err)
}

func (s *Server) invitationCreated(p store.Person, inv connect.Invitation, err error) (reply, error) {
	if err != nil {
		return reply{}, err
	}
	return created("/people/"+strconv.FormatInt(p.ID, 10)+"/invitations", invitationOf(inv.Invitation, inv.Link))
}

func (s *Server) listInvitations(c *call) (reply, error) {
	p, err := s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	invs, err := s.st.ListInvitations(c.ctx, c.tenant, p.ID)
	if err != nil {
		return reply{}, err
	}
	out := invitationList{Items: []invitation{}}
	for _, in := range invs { // newest first
		out.Items = append(out.Items, invitationOf(in, ""))
	}
	return ok(out)
}
