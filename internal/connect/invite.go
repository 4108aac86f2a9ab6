package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Language picks the language to address a person in, among those the
// tenant offers (all of package i18n's when it chose none): theirs, else
// the tenant's default, else the tenant's first, else English. A person
// whose language the tenant does not offer gets the tenant's default.
func Language(t store.Tenant, p store.Person) string {
	var offered []string
	for _, l := range t.Languages {
		if l = i18n.Normalize(l); l != "" {
			offered = append(offered, l)
		}
	}
	if len(offered) == 0 {
		offered = i18n.Codes()
	}
	for _, l := range []string{p.Language, t.DefaultLanguage} {
		if l = i18n.Normalize(l); slices.Contains(offered, l) {
			return l
		}
	}
	return offered[0]
}

// orcidLang is the lang parameter that makes ORCID's screens speak lang
// (a code of package i18n).
func orcidLang(lang string) string {
	if l, ok := i18n.Lookup(lang); ok {
		return l.ORCID
	}
	return i18n.Default
}

// Invite creates an invitation for a person and, if sendEmail, puts its
// email in the outbox (in the person's language, plain text and HTML,
// with the link and how to disconnect later). Without sendEmail the
// administrator copies Invitation.Link. It is InviteWithReason with no
// reason beyond connecting the iD.
func (s *Service) Invite(ctx context.Context, tenantID, personID int64, actor string, sendEmail bool) (Invitation, error) {
	return s.InviteWithReason(ctx, tenantID, personID, actor, sendEmail, store.InvitationReason{})
}

// InviteWithReason is Invite with why the person is asked (an article of
// theirs just published, a review to credit, a wider permission), which
// the email, its reminders and the invitation page say in the person's
// language.
//
// A person whose link already covers the tenant's scopes is not invited
// (ErrAlreadyConnected): asking them again only confuses them (NZ ORCID
// Hub #911). Every earlier invitation of the person is cancelled, pending,
// denied or already used: a newer invitation replaces the old links, so
// that an old email neither competes with the new one nor keeps a way in
// that its person may not know about (issue 14). When the tenant sends
// reminders (TenantSettings.Reminders), an emailed invitation keeps its
// token sealed for them (see SendReminders).
func (s *Service) InviteWithReason(ctx context.Context, tenantID, personID int64, actor string, sendEmail bool,
	why store.InvitationReason) (Invitation, error) {
	t, err := s.store.Tenant(ctx, tenantID)
	if err != nil {
		return Invitation{}, fmt.Errorf("connect: invite: %w", err)
	}
	p, err := s.store.Person(ctx, tenantID, personID)
	if err != nil {
		return Invitation{}, fmt.Errorf("connect: invite: %w", err)
	}
	cred, err := s.store.Credential(ctx, t.CredentialID)
	if err != nil {
		return Invitation{}, fmt.Errorf("connect: invite person %d: %w", personID, err)
	}
	now := s.now()
	if l, err := s.store.Link(ctx, tenantID, personID); err == nil && l.Covers(now, s.requiredScopes(t, cred)...) {
		return Invitation{}, fmt.Errorf("connect: invite person %d of tenant %d: %w", personID, tenantID, ErrAlreadyConnected)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Invitation{}, fmt.Errorf("connect: invite person %d: %w", personID, err)
	}
	if sendEmail && strings.TrimSpace(p.Email) == "" {
		return Invitation{}, fmt.Errorf("connect: invite person %d: %w: no email address", personID, store.ErrInvalid)
	}
	ttl := t.Settings.InvitationTTL
	if ttl <= 0 {
		ttl = s.cfg.InvitationTTL
	}
	if actor == "" {
		actor = store.ActorSystem
	}
	why.Detail = clip(strings.TrimSpace(why.Detail), maxReasonDetail)

	// The email is composed before the transaction opens: a tenant's
	// template, bounded as it is, must never hold the database while it
	// renders, so that no invitation waits on another tenant's. Its link
	// needs the token, made here for the store to keep (its hash).
	token := store.NewInvitationToken()
	var msg store.Email
	if sendEmail {
		msg, err = s.compose(ctx, t, p, Invitation{Link: s.InvitationURL(token),
			Invitation: store.Invitation{TenantID: tenantID, PersonID: personID, ExpiresAt: now.Add(ttl), Reason: why},
			hint:       s.hintOf(ctx, tenantID, personID)})
		if err != nil {
			return Invitation{}, fmt.Errorf("connect: invite person %d of tenant %d: %w", personID, tenantID, err)
		}
		// The outbox keeps the link sealed until the email is sent, and
		// only a redacted copy after.
		msg.Secrets = []string{token}
	}

	var out Invitation
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.CancelInvitations(ctx, tenantID, personID, 0); err != nil {
			return err
		}
		inv, raw, err := tx.CreateInvitation(ctx, store.NewInvitation{
			TenantID: tenantID, PersonID: personID, Scopes: s.TenantScopes(t, cred), ExpiresAt: now.Add(ttl), CreatedBy: actor,
			Token: token, Reason: why, Remind: sendEmail && len(t.Settings.Reminders()) > 0,
		})
		if err != nil {
			return err
		}
		out = Invitation{Link: s.InvitationURL(raw), Invitation: inv}
		if sendEmail {
			if _, err := tx.QueueEmail(ctx, msg); err != nil {
				return err
			}
			// The outbox is where "sent" is decided: the sender delivers
			// it, or the admin UI shows it when no SMTP is configured.
			if err := tx.MarkInvitationSent(ctx, tenantID, inv.ID, now); err != nil {
				return err
			}
			out.SentAt = now
		}
		d := map[string]any{"invitation": inv.ID, "email": sendEmail, "expires_at": inv.ExpiresAt}
		if why.Kind != store.ReasonNone {
			d["reason"] = string(why.Kind)
		}
		detail, _ := json.Marshal(d)
		_, err = tx.AppendAudit(ctx, store.AuditEvent{TenantID: tenantID, PersonID: personID, Actor: actor,
			Action: "invitation.created", Detail: detail})
		return err
	})
	if err != nil {
		return Invitation{}, fmt.Errorf("connect: invite person %d of tenant %d: %w", personID, tenantID, err)
	}
	if sendEmail && s.cfg.EmailQueued != nil {
		s.cfg.EmailQueued()
	}
	s.log.InfoContext(ctx, "invitation created", "tenant", tenantID, "person", personID, "invitation", out.ID,
		"email", sendEmail, "actor", actor)
	return out, nil
}

// maxReasonDetail bounds what an invitation's reason quotes (an article's
// title): an email is not the place for a whole abstract.
const maxReasonDetail = 300

// Resend invites the person again by email with a fresh link (the store
// keeps only a hash of the old one, and a fresh expiry is the point);
// the previous link stops leading to ORCID.
func (s *Service) Resend(ctx context.Context, tenantID, personID int64, actor string) (Invitation, error) {
	return s.Invite(ctx, tenantID, personID, actor, true)
}
