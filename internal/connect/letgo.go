package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcidclients"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// Disconnect lets a person go: it revokes the link's access and refresh
// tokens at ORCID, forgets the iD and tokens here (the link row stays, in
// state removed, as history) and writes an audit entry. actor is
// store.ActorPerson for the researcher, store.ActorAdmin(id) for an
// administrator's removal.
//
// When ORCID cannot be reached or refuses the revocation, the link is
// removed here all the same and the error wraps ErrRevokeIncomplete:
// the person asked us to let go, and keeping tokens they wanted gone is
// worse than a token at ORCID that nobody holds any more (the researcher
// can remove us from their trusted organizations there, and the audit
// entry records that the revocation failed). A person with no link, or a
// removed one, is ErrNotConnected.
//
// An administrator's removal also cancels every invitation of the person,
// used ones included (issue 14): the iD may have been removed because the
// email went to the wrong person, and an old link must not connect it
// again. The researcher who disconnects keeps their link, to reconnect
// from the same email if they change their mind.
func (s *Service) Disconnect(ctx context.Context, tenantID, personID int64, actor string) error {
	link, err := s.store.Link(ctx, tenantID, personID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && link.State == store.LinkRemoved) {
		return fmt.Errorf("connect: disconnect person %d of tenant %d: %w", personID, tenantID, ErrNotConnected)
	}
	if err != nil {
		return fmt.Errorf("connect: disconnect person %d: %w", personID, err)
	}
	if actor == "" {
		actor = store.ActorSystem
	}

	// A revoked link's tokens are already dead and deleted; only a
	// connected one has something to revoke.
	var revokeErr error
	if link.State == store.LinkConnected {
		revokeErr = s.revoke(ctx, link)
	}
	reason := ReasonResearcherDisconnected
	action := "link.disconnected"
	if actor != store.ActorPerson {
		reason, action = "removed by "+actor, "link.removed"
	}
	detail := map[string]any{"orcid": link.ORCIDURI, "link": link.ID, "revoked_at_orcid": revokeErr == nil}
	if revokeErr != nil {
		detail["revoke_error"] = clip(revokeErr.Error(), 300)
	}
	raw, _ := json.Marshal(detail)
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.RemoveLink(ctx, tenantID, link.ID, reason); err != nil {
			return err
		}
		if actor != store.ActorPerson {
			if _, err := tx.CancelInvitations(ctx, tenantID, personID, 0); err != nil {
				return err
			}
		}
		if _, err := tx.AppendAudit(ctx, store.AuditEvent{TenantID: tenantID, PersonID: personID, Actor: actor,
			Action: action, Detail: raw}); err != nil {
			return err
		}
		_, err := tx.RecordEvent(ctx, webhooks.Disconnected(link, actor == store.ActorPerson, revokeErr == nil))
		return err
	})
	if err != nil {
		return fmt.Errorf("connect: remove link of person %d: %w", personID, err)
	}
	s.eventsRecorded(ctx)
	s.disconnected(ctx, link)
	s.log.InfoContext(ctx, "link removed", "tenant", tenantID, "person", personID, "link", link.ID, "actor", actor,
		"revoked_at_orcid", revokeErr == nil)
	if revokeErr != nil {
		return fmt.Errorf("connect: disconnect person %d: %w: %w", personID, ErrRevokeIncomplete, revokeErr)
	}
	return nil
}

// revokeTimeout bounds the revocation of one link's tokens at ORCID.
const revokeTimeout = 20 * time.Second

// revoke revokes both tokens of a link at ORCID, each attempted even if
// the other fails.
func (s *Service) revoke(ctx context.Context, link store.Link) error {
	cred, err := s.store.Credential(ctx, link.CredentialID)
	if err != nil {
		return fmt.Errorf("credential of link %d: %w", link.ID, err)
	}
	client, err := s.Client(ctx, cred)
	if err != nil {
		return err
	}
	// The person waits for this page: ORCID gets a bounded time, not the
	// client's full retry budget, before the link is removed anyway.
	cctx, cancel := context.WithTimeout(orcidclients.WithCallContext(ctx, link.TenantID, link.PersonID), revokeTimeout)
	defer cancel()
	var errs []error
	for _, tok := range []string{link.AccessToken, link.RefreshToken} {
		if tok == "" {
			continue
		}
		if err := client.Revoke(cctx, tok); err != nil {
			s.log.WarnContext(ctx, "could not revoke token at ORCID", "tenant", link.TenantID, "person", link.PersonID,
				"link", link.ID, "err", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// DisconnectByInvitation is Disconnect for the researcher who holds an
// invitation's link (from an email or the success page). A cancelled
// invitation cannot disconnect: it was replaced, perhaps because it went to
// the wrong address. An expired one still can: letting go must not
// depend on how old the email is.
func (s *Service) DisconnectByInvitation(ctx context.Context, rawInvitation string) (View, error) {
	v, err := s.view(ctx, rawInvitation)
	if err != nil {
		return View{}, err
	}
	if v.Invitation.State == store.InvitationCancelled {
		return v, &FlowError{Kind: ErrInvitationExpired, TenantID: v.Tenant.ID, PersonID: v.Person.ID, InvitationID: v.Invitation.ID}
	}
	if !v.CanDisconnect {
		return v, &FlowError{Kind: ErrNotConnected, TenantID: v.Tenant.ID, PersonID: v.Person.ID, InvitationID: v.Invitation.ID}
	}
	err = s.Disconnect(ctx, v.Tenant.ID, v.Person.ID, store.ActorPerson)
	if err != nil && !errors.Is(err, ErrRevokeIncomplete) {
		return v, err
	}
	nv, verr := s.viewOf(ctx, v.Invitation)
	if verr != nil {
		return v, errors.Join(err, verr)
	}
	return nv, err
}

// MarkRevoked records that ORCID refused a link's token (a 401
// invalid_token, or a 400 invalid_scope on a call that worked before:
// the researcher revoked us). The link becomes revoked, its dead tokens are
// deleted, the iD is kept so the person can be invited again, and the
// audit trail says why. Never keep retrying with a dead token.
//
// Several calls may meet the same dead token at once (one per item being
// pushed): the first revokes, and only it records the event and, when the
// tenant asks for it (ReinviteOnRevocation), emails a fresh invitation.
func (s *Service) MarkRevoked(ctx context.Context, link store.Link, reason string) error {
	raw, _ := json.Marshal(map[string]any{"orcid": link.ORCIDURI, "link": link.ID, "reason": clip(reason, 300)})
	revoked := false
	err := s.store.InTx(ctx, func(tx *store.Tx) (err error) {
		if revoked, err = tx.RevokeLink(ctx, link.ID, reason); err != nil || !revoked {
			return err
		}
		if _, err := tx.AppendAudit(ctx, store.AuditEvent{TenantID: link.TenantID, PersonID: link.PersonID,
			Actor: store.ActorSystem, Action: "link.revoked", Detail: raw}); err != nil {
			return err
		}
		_, err = tx.RecordEvent(ctx, webhooks.Revoked(link, clip(reason, 300)))
		return err
	})
	if err != nil {
		return fmt.Errorf("connect: mark link %d revoked: %w", link.ID, err)
	}
	if !revoked {
		return nil
	}
	s.eventsRecorded(ctx)
	s.disconnected(ctx, link)
	s.log.InfoContext(ctx, "link revoked by ORCID", "tenant", link.TenantID, "person", link.PersonID, "link", link.ID)
	s.reinvite(ctx, link)
	return nil
}
