package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// reminderPage is how many invitations SendReminders reads at a time.
const reminderPage = 200

// day is a day of a reminder schedule (TenantSettings.ReminderDays).
const day = 24 * time.Hour

// SendReminders emails a reminder for every invitation due one on its
// tenant's schedule (TenantSettings.Reminders, days after the first email)
// and says how many went. A reminder carries the same link as the first
// email, and says that it is one and why the person is asked.
//
// Reminders stop as soon as the invitation is answered (connected,
// denied), cancelled (a newer one, the iD removed), expired, or its
// person deleted; a person whose link covers the tenant's scopes by
// another way, or who has no email address any more, gets none either.
// A schedule missed while the server was down sends one reminder, not
// several at once. The jobs package runs this periodically.
func (s *Service) SendReminders(ctx context.Context) (int, error) {
	now := s.now()
	if _, err := s.store.DropStaleReminderTokens(ctx, now); err != nil {
		return 0, fmt.Errorf("connect: reminders: %w", err)
	}
	tenants := map[int64]store.Tenant{}
	sent := 0
	var after int64
	var errs []error
	for {
		batch, err := s.store.RemindableInvitations(ctx, now, after, reminderPage)
		if err != nil {
			return sent, fmt.Errorf("connect: reminders: %w", err)
		}
		for _, r := range batch {
			after = r.ID
			ok, err := s.remind(ctx, r, now, tenants)
			if err != nil {
				// One invitation's trouble does not hold back the others.
				s.log.WarnContext(ctx, "could not send an invitation reminder", "tenant", r.TenantID,
					"person", r.PersonID, "invitation", r.ID, "err", err)
				errs = append(errs, err)
				continue
			}
			if ok {
				sent++
			}
		}
		if len(batch) < reminderPage {
			break
		}
	}
	if sent > 0 && s.cfg.EmailQueued != nil {
		s.cfg.EmailQueued()
	}
	return sent, errors.Join(errs...)
}

// remind sends r's reminder if one is due, and reports whether it did.
func (s *Service) remind(ctx context.Context, r store.Remindable, now time.Time, tenants map[int64]store.Tenant) (bool, error) {
	t, ok := tenants[r.TenantID]
	if !ok {
		var err error
		if t, err = s.store.Tenant(ctx, r.TenantID); err != nil {
			return false, err
		}
		tenants[t.ID] = t
	}
	days := t.Settings.Reminders()
	if r.Reminders >= len(days) {
		// The schedule is done (or was shortened): the token has no use.
		return false, s.store.DropReminderToken(ctx, t.ID, r.ID)
	}
	to := r.Reminders
	for to < len(days) && !now.Before(r.SentAt.Add(time.Duration(days[to])*day)) {
		to++
	}
	if to == r.Reminders {
		return false, nil // not due yet
	}
	p, err := s.store.Person(ctx, t.ID, r.PersonID)
	if err != nil {
		return false, err
	}
	cred, err := s.store.Credential(ctx, t.CredentialID)
	if err != nil {
		return false, err
	}
	l, err := s.store.Link(ctx, t.ID, p.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	if (err == nil && l.Covers(now, s.requiredScopes(t, cred)...)) || p.Email == "" {
		// Connected by another link meanwhile, or nowhere to write to.
		return false, s.store.DropReminderToken(ctx, t.ID, r.ID)
	}
	msg, err := invitationEmail(ctx, t, p, Invitation{Link: s.InvitationURL(r.Token), Invitation: r.Invitation, reminder: true,
		hint: s.hintOf(ctx, t.ID, p.ID)})
	if err != nil {
		return false, err
	}
	msg.Secrets = []string{r.Token}
	done := to >= len(days)
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		// Marked first, on the count read: an invitation answered or
		// reminded meanwhile is left alone (ErrNotFound).
		if err := tx.MarkInvitationReminded(ctx, t.ID, r.ID, r.Reminders, to, now, done); err != nil {
			return err
		}
		if _, err := tx.QueueEmail(ctx, msg); err != nil {
			return err
		}
		detail, _ := json.Marshal(map[string]any{"invitation": r.ID, "reminder": to})
		_, err := tx.AppendAudit(ctx, store.AuditEvent{TenantID: t.ID, PersonID: p.ID, Actor: store.ActorSystem,
			Action: "invitation.reminded", Detail: detail})
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.log.InfoContext(ctx, "invitation reminder queued", "tenant", t.ID, "person", p.ID, "invitation", r.ID, "reminder", to)
	return true, nil
}
