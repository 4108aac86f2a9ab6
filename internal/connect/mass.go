package connect

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/orcidlink/orcidlink/internal/store"
)

// ReasonResearcherDisconnected is the state reason of a link its
// researcher disconnected (Disconnect by store.ActorPerson): they let go
// on purpose, and are not invited again with everyone else.
const ReasonResearcherDisconnected = "disconnected by the researcher"

// LeftOut is why inviting everyone of a tenant passes a person by.
type LeftOut string

// Who is left out. People who said no, one way or another, are not asked
// again in bulk (issue 14); an administrator can still invite one of them
// from their page.
const (
	LeftDisconnected LeftOut = "disconnected" // they disconnected their iD themselves
	LeftRevoked      LeftOut = "revoked"      // they revoked our access at ORCID
	LeftDenied       LeftOut = "denied"       // they denied access at ORCID when last invited
)

// LeftOutPerson is a person InviteAll passes by, and why.
type LeftOutPerson struct {
	Person store.Person
	Why    LeftOut
}

// Plan is whom inviting everyone of a tenant (or asking the connected for
// a wider permission) would reach, for the administrator to confirm before
// anything is sent.
type Plan struct {
	Tenant store.Tenant
	// Invite are the people who would get an email.
	Invite []store.Person
	// Connected counts people whose link covers the tenant's scopes
	// already: they need nothing.
	Connected int
	// LeftOut are the people passed by on purpose.
	LeftOut []LeftOutPerson
}

// MassResult is what InviteAll or InviteUpgrades did.
type MassResult struct {
	Invited, Connected, LeftOut, Failed int
}

// PlanInviteAll says whom InviteAll would invite in a tenant: everyone not
// connected with the tenant's scopes, but for those who disconnected,
// revoked or denied (LeftOut).
func (s *Service) PlanInviteAll(ctx context.Context, tenantID int64) (Plan, error) {
	return s.plan(ctx, tenantID, false)
}

// PlanUpgrades says whom InviteUpgrades would ask for a wider permission:
// the people connected under the tenant's credential whose link lacks a
// scope the tenant now asks for.
func (s *Service) PlanUpgrades(ctx context.Context, tenantID int64) (Plan, error) {
	return s.plan(ctx, tenantID, true)
}

func (s *Service) plan(ctx context.Context, tenantID int64, upgrades bool) (Plan, error) {
	t, err := s.store.Tenant(ctx, tenantID)
	if err != nil {
		return Plan{}, fmt.Errorf("connect: plan invitations: %w", err)
	}
	cred, err := s.store.Credential(ctx, t.CredentialID)
	if err != nil {
		return Plan{}, fmt.Errorf("connect: plan invitations: %w", err)
	}
	required := s.requiredScopes(t, cred)
	now := s.now()
	pl := Plan{Tenant: t}
	q := store.PeopleQuery{Limit: 500}
	for {
		pg, err := s.store.ListPeople(ctx, tenantID, q)
		if err != nil {
			return Plan{}, fmt.Errorf("connect: plan invitations: %w", err)
		}
		for _, item := range pg.People {
			p := item.Person
			links, err := s.store.LinksOfPerson(ctx, tenantID, p.ID)
			if err != nil {
				return Plan{}, fmt.Errorf("connect: plan invitations: %w", err)
			}
			// The link under the tenant's credential decides; with none
			// (a tenant just moved to production, say), the newest under
			// any credential tells whether the person let go.
			var cur, last *store.Link
			for i := range links {
				if last == nil {
					last = &links[i]
				}
				if links[i].CredentialID == t.CredentialID && cur == nil {
					cur = &links[i]
				}
			}
			if cur != nil {
				last = cur
			}
			switch {
			case cur != nil && cur.Covers(now, required...):
				pl.Connected++
				continue
			case upgrades:
				if cur != nil && cur.State == store.LinkConnected {
					pl.Invite = append(pl.Invite, p)
				}
				continue
			case last != nil && last.State == store.LinkRemoved && last.StateReason == ReasonResearcherDisconnected:
				pl.LeftOut = append(pl.LeftOut, LeftOutPerson{p, LeftDisconnected})
				continue
			case last != nil && last.State == store.LinkRevoked:
				pl.LeftOut = append(pl.LeftOut, LeftOutPerson{p, LeftRevoked})
				continue
			}
			invs, err := s.store.ListInvitations(ctx, tenantID, p.ID)
			if err != nil {
				return Plan{}, fmt.Errorf("connect: plan invitations: %w", err)
			}
			if len(invs) > 0 && invs[0].State == store.InvitationDenied {
				pl.LeftOut = append(pl.LeftOut, LeftOutPerson{p, LeftDenied})
				continue
			}
			pl.Invite = append(pl.Invite, p)
		}
		if pg.Next == "" {
			return pl, nil
		}
		q.Cursor = pg.Next
	}
}

// InviteAll emails an invitation to everyone PlanInviteAll names, planned
// again now (people may have connected since the administrator saw the
// plan). One person's failure does not stop the others; it is logged and
// counted.
func (s *Service) InviteAll(ctx context.Context, tenantID int64, actor string) (MassResult, error) {
	pl, err := s.PlanInviteAll(ctx, tenantID)
	if err != nil {
		return MassResult{}, err
	}
	res := MassResult{Connected: pl.Connected, LeftOut: len(pl.LeftOut)}
	for _, p := range pl.Invite {
		s.massInvite(ctx, tenantID, p, actor, store.InvitationReason{}, &res)
	}
	s.log.InfoContext(ctx, "invited everyone of a tenant", "tenant", tenantID, "actor", actor, "invited", res.Invited,
		"connected", res.Connected, "left_out", res.LeftOut, "failed", res.Failed)
	return res, nil
}

// InviteUpgrades emails a scope-upgrade invitation to everyone PlanUpgrades
// names: its reason lists what the tenant now asks that the person's link
// does not grant, so that the email says why it comes.
func (s *Service) InviteUpgrades(ctx context.Context, tenantID int64, actor string) (MassResult, error) {
	pl, err := s.PlanUpgrades(ctx, tenantID)
	if err != nil {
		return MassResult{}, err
	}
	res := MassResult{Connected: pl.Connected}
	for _, p := range pl.Invite {
		l, err := s.store.Link(ctx, tenantID, p.ID)
		if err != nil {
			res.Failed++
			s.log.ErrorContext(ctx, "scope upgrade invitation", "tenant", tenantID, "person", p.ID, "err", err)
			continue
		}
		var asks []string
		for _, a := range missingAsks(pl.Tenant, l) {
			asks = append(asks, string(a))
		}
		s.massInvite(ctx, tenantID, p, actor, store.InvitationReason{Kind: store.ReasonUpgrade, Detail: strings.Join(asks, " ")}, &res)
	}
	s.log.InfoContext(ctx, "asked connected people for a wider permission", "tenant", tenantID, "actor", actor,
		"invited", res.Invited, "failed", res.Failed)
	return res, nil
}

func (s *Service) massInvite(ctx context.Context, tenantID int64, p store.Person, actor string, why store.InvitationReason, res *MassResult) {
	_, err := s.InviteWithReason(ctx, tenantID, p.ID, actor, true, why)
	switch {
	case err == nil:
		res.Invited++
	case errors.Is(err, ErrAlreadyConnected):
		res.Connected++ // connected since the plan
	default:
		res.Failed++
		s.log.ErrorContext(ctx, "invitation of many", "tenant", tenantID, "person", p.ID, "err", err)
	}
}
