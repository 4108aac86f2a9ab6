package connect

import (
	"context"
	"errors"

	"github.com/orcidlink/orcidlink/internal/store"
)

// reinvite emails a fresh invitation to a person whose token ORCID just
// refused, when their tenant asks for it (ReinviteOnRevocation) and no
// invitation of theirs is still waiting for an answer (Invite would cancel
// it and send a second email). MarkRevoked calls it once per revocation.
//
// A failure is logged, not returned: the revocation itself is done, and
// the person page offers the administrator to invite by hand.
func (s *Service) reinvite(ctx context.Context, link store.Link) {
	ctx = context.WithoutCancel(ctx)
	sent, err := s.reinviteOnce(ctx, link)
	if err != nil {
		s.log.WarnContext(ctx, "could not re-invite a person whose link ORCID revoked", "tenant", link.TenantID,
			"person", link.PersonID, "err", err)
		return
	}
	if sent {
		s.log.InfoContext(ctx, "person re-invited after ORCID revoked their link", "tenant", link.TenantID,
			"person", link.PersonID)
	}
}

func (s *Service) reinviteOnce(ctx context.Context, link store.Link) (bool, error) {
	t, err := s.store.Tenant(ctx, link.TenantID)
	if err != nil || !t.Settings.ReinviteOnRevocation {
		return false, err
	}
	invs, err := s.store.ListInvitations(ctx, link.TenantID, link.PersonID)
	if err != nil {
		return false, err
	}
	now := s.now()
	for _, in := range invs {
		if in.State == store.InvitationPending && in.Usable(now) {
			return false, nil
		}
	}
	if _, err := s.Invite(ctx, link.TenantID, link.PersonID, store.ActorSystem, true); err != nil {
		if errors.Is(err, ErrAlreadyConnected) {
			return false, nil // connected again meanwhile
		}
		return false, err
	}
	return true, nil
}
