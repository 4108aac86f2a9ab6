package store

import (
	"context"
	"strconv"
	"time"
)

// reminderTokenAAD binds an invitation's sealed reminder token to its row.
func reminderTokenAAD(id int64) []byte {
	return []byte("invitations/" + strconv.FormatInt(id, 10) + "/reminder_token")
}

// Remindable is a pending invitation that may be reminded of, with the
// token of its link (see NewInvitation.Remind).
type Remindable struct {
	Invitation
	Token string
}

// RemindableInvitations lists, by id and after id after, at most limit
// pending invitations that were sent, have not expired at now and still
// hold a token for reminders. Whether one is due is the caller's business
// (the tenant's schedule).
func (o *ops) RemindableInvitations(ctx context.Context, now time.Time, after int64, limit int) (_ []Remindable, err error) {
	defer wrap(&err, "invitations to remind of")
	rows, err := o.query(ctx, `SELECT `+invitationCols+`, reminder_token FROM invitations
		WHERE reminder_token IS NOT NULL AND state = 'pending' AND expires_at > ? AND sent_at IS NOT NULL AND id > ?
		ORDER BY id LIMIT ?`, timeText(now), after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Remindable
	var sealed [][]byte
	for rows.Next() {
		var r Remindable
		var tok []byte
		i, err := scanInvitation(multiScanner{rows, &tok})
		if err != nil {
			return nil, err
		}
		r.Invitation = i
		out = append(out, r)
		sealed = append(sealed, tok)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, nil
	}
	ring, err := o.sealer()
	if err != nil {
		return nil, err
	}
	for k := range out {
		plain, err := ring.Open(sealed[k], reminderTokenAAD(out[k].ID))
		if err != nil {
			return nil, err
		}
		out[k].Token = string(plain)
	}
	return out, nil
}

// multiScanner scans the columns of scanInvitation and then extra ones.
type multiScanner struct {
	r     scanner
	extra any
}

func (m multiScanner) Scan(dest ...any) error { return m.r.Scan(append(dest, m.extra)...) }

// MarkInvitationReminded records a reminder of a pending invitation that
// had from reminders and now has to (more than one step further when the
// schedule was missed: one email stands for them), at at; done drops its
// token, no reminder following. It is ErrNotFound when the invitation was
// answered, cancelled or reminded meanwhile, so that two runs never send
// the same reminder twice: mark first, in the transaction that queues the
// email.
func (o *ops) MarkInvitationReminded(ctx context.Context, tenantID, invitationID int64, from, to int, at time.Time, done bool) (err error) {
	defer wrap(&err, "mark invitation %d of tenant %d reminded", invitationID, tenantID)
	return affected(o.exec(ctx, `UPDATE invitations SET reminders = ?, reminded_at = ?,
		reminder_token = CASE WHEN ? THEN NULL ELSE reminder_token END
		WHERE id = ? AND tenant_id = ? AND state = 'pending' AND reminders = ? AND reminder_token IS NOT NULL`,
		to, timeText(at), done, invitationID, tenantID, from))
}

// DropReminderToken forgets the token of an invitation that will get no
// more reminders (its person connected by another link, say).
func (o *ops) DropReminderToken(ctx context.Context, tenantID, invitationID int64) (err error) {
	defer wrap(&err, "drop reminder token of invitation %d of tenant %d", invitationID, tenantID)
	_, err = o.exec(ctx, `UPDATE invitations SET reminder_token = NULL WHERE id = ? AND tenant_id = ?`,
		invitationID, tenantID)
	return err
}

// DropStaleReminderTokens forgets the tokens of invitations no reminder
// can follow any more (no longer pending, or expired at now), and says
// how many.
func (o *ops) DropStaleReminderTokens(ctx context.Context, now time.Time) (_ int64, err error) {
	defer wrap(&err, "drop stale reminder tokens")
	res, err := o.exec(ctx, `UPDATE invitations SET reminder_token = NULL
		WHERE reminder_token IS NOT NULL AND (state <> 'pending' OR expires_at <= ?)`, timeText(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// CancelInvitations cancels every invitation of a person whose link still
// leads somewhere (pending, denied or accepted), except the one numbered
// except (0 for none), and says how many. A cancelled link shows "no longer
// valid" and can neither connect nor disconnect: used when a newer
// invitation replaces the old ones and when an administrator removes the
// person's iD, even for links already used.
func (o *ops) CancelInvitations(ctx context.Context, tenantID, personID, except int64) (_ int64, err error) {
	defer wrap(&err, "cancel invitations of person %d in tenant %d", personID, tenantID)
	res, err := o.exec(ctx, `UPDATE invitations SET state = 'cancelled', reminder_token = NULL
		WHERE tenant_id = ? AND person_id = ? AND id <> ? AND state IN ('pending', 'denied', 'accepted')`,
		tenantID, personID, except)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
