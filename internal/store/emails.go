package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Email is a message in the outbox. Everything orcidlink sends goes through
// it, so that the admin UI can show what went out, and the demo can run
// with no mail server at all.
type Email struct {
	ID        int64
	TenantID  int64 // 0 for a site-wide message
	Recipient string
	Subject   string
	TextBody  string
	HTMLBody  string
	CreatedAt time.Time
	SentAt    time.Time // zero until sent
	Error     string    // the last sending error
}

const emailCols = `id, tenant_id, recipient, subject, text_body, html_body, created_at, sent_at, error`

func scanEmail(r scanner) (Email, error) {
	var e Email
	err := r.Scan(&e.ID, nullable[int64]{&e.TenantID}, &e.Recipient, &e.Subject, &e.TextBody, &e.HTMLBody,
		timeDest{&e.CreatedAt}, timeDest{&e.SentAt}, &e.Error)
	return e, err
}

// QueueEmail adds a message to the outbox.
func (o *ops) QueueEmail(ctx context.Context, e Email) (_ Email, err error) {
	defer wrap(&err, "queue email to %q", e.Recipient)
	if !strings.Contains(e.Recipient, "@") {
		return Email{}, fmt.Errorf("%w: recipient %q", ErrInvalid, e.Recipient)
	}
	out, err := scanEmail(o.queryRow(ctx, `INSERT INTO emails (tenant_id, recipient, subject, text_body, html_body,
		created_at, error) VALUES (?, ?, ?, ?, ?, ?, '') RETURNING `+emailCols,
		nullID(e.TenantID), e.Recipient, e.Subject, e.TextBody, e.HTMLBody, timeText(o.now())))
	return out, dbErr(err, ErrNotFound)
}

// Email reads one message.
func (o *ops) Email(ctx context.Context, id int64) (_ Email, err error) {
	defer wrap(&err, "email %d", id)
	e, err := scanEmail(o.queryRow(ctx, `SELECT `+emailCols+` FROM emails WHERE id = ?`, id))
	return e, notFound(err)
}

// ListEmails lists the whole outbox, newest first (for site administrators).
func (o *ops) ListEmails(ctx context.Context, limit int) (_ []Email, err error) {
	defer wrap(&err, "list emails")
	rows, err := o.query(ctx, `SELECT `+emailCols+` FROM emails ORDER BY id DESC LIMIT ?`, limitOr(limit, 100, 1000))
	return collect(rows, err, scanEmail)
}

// ListTenantEmails lists a tenant's messages, newest first.
func (o *ops) ListTenantEmails(ctx context.Context, tenantID int64, limit int) (_ []Email, err error) {
	defer wrap(&err, "list emails of tenant %d", tenantID)
	rows, err := o.query(ctx, `SELECT `+emailCols+` FROM emails WHERE tenant_id = ? ORDER BY id DESC LIMIT ?`,
		tenantID, limitOr(limit, 100, 1000))
	return collect(rows, err, scanEmail)
}

// UnsentEmails lists messages not sent yet, oldest first: the sender's queue.
func (o *ops) UnsentEmails(ctx context.Context, limit int) (_ []Email, err error) {
	defer wrap(&err, "list unsent emails")
	rows, err := o.query(ctx, `SELECT `+emailCols+` FROM emails WHERE sent_at IS NULL ORDER BY id LIMIT ?`,
		limitOr(limit, 100, 1000))
	return collect(rows, err, scanEmail)
}

// MarkEmailSent records that a message went out.
func (o *ops) MarkEmailSent(ctx context.Context, id int64, at time.Time) (err error) {
	defer wrap(&err, "mark email %d sent", id)
	return affected(o.exec(ctx, `UPDATE emails SET sent_at = ?, error = '' WHERE id = ?`, timeText(at), id))
}

// MarkEmailFailed records why sending a message failed; it stays unsent.
func (o *ops) MarkEmailFailed(ctx context.Context, id int64, reason string) (err error) {
	defer wrap(&err, "mark email %d failed", id)
	return affected(o.exec(ctx, `UPDATE emails SET error = ? WHERE id = ?`, reason, id))
}
