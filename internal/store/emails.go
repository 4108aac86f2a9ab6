package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/seal"
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
	// Secrets are strings of the message that must not stay readable in
	// the outbox once it is sent: the token of an invitation's link. Given
	// to QueueEmail, never read back: the message is kept sealed until
	// MarkEmailSent, which leaves only a copy with each secret replaced by
	// RedactedSecret. Until then every read gives the whole message (the
	// sender sends it; without SMTP the admin UI's outbox is how it is
	// delivered).
	Secrets []string
}

// RedactedSecret replaces an email's secrets once it is sent.
const RedactedSecret = "[removed once sent]"

// minSecret is the shortest secret QueueEmail redacts: a short one would
// blank out ordinary words of the message.
const minSecret = 16

const emailCols = `id, tenant_id, recipient, subject, text_body, html_body, created_at, sent_at, error, sealed`

// sealedEmail is what the sealed column holds: the message in full.
type sealedEmail struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html"`
}

// emailAAD binds a sealed message to its row.
func emailAAD(id int64) []byte { return []byte("emails/" + strconv.FormatInt(id, 10) + "/sealed") }

func (o *ops) scanEmail(r scanner) (Email, error) {
	var e Email
	var sealed []byte
	err := r.Scan(&e.ID, nullable[int64]{&e.TenantID}, &e.Recipient, &e.Subject, &e.TextBody, &e.HTMLBody,
		timeDest{&e.CreatedAt}, timeDest{&e.SentAt}, &e.Error, &sealed)
	if err != nil || len(sealed) == 0 {
		return e, err
	}
	ring, err := o.sealer()
	if err != nil {
		return Email{}, fmt.Errorf("open email %d: %w", e.ID, err)
	}
	plain, err := ring.Open(sealed, emailAAD(e.ID))
	if err != nil {
		return Email{}, fmt.Errorf("open email %d: %w", e.ID, err)
	}
	var full sealedEmail
	if err := json.Unmarshal(plain, &full); err != nil {
		return Email{}, fmt.Errorf("open email %d: %w", e.ID, err)
	}
	e.Subject, e.TextBody, e.HTMLBody = full.Subject, full.Text, full.HTML
	return e, nil
}

// redact replaces every secret in s.
func redact(s string, secrets []string) string {
	for _, x := range secrets {
		s = strings.ReplaceAll(s, x, RedactedSecret)
	}
	return s
}

// QueueEmail adds a message to the outbox; with Secrets, sealed until sent
// (see Email.Secrets).
func (o *ops) QueueEmail(ctx context.Context, e Email) (_ Email, err error) {
	defer wrap(&err, "queue email to %q", e.Recipient)
	if !strings.Contains(e.Recipient, "@") {
		return Email{}, fmt.Errorf("%w: recipient %q", ErrInvalid, e.Recipient)
	}
	for _, x := range e.Secrets {
		if len(x) < minSecret {
			return Email{}, fmt.Errorf("%w: an email's secret has %d bytes at least", ErrInvalid, minSecret)
		}
	}
	var out Email
	err = o.atomic(ctx, func(o *ops) error {
		var ring *seal.Ring
		if len(e.Secrets) > 0 {
			var err error
			if ring, err = o.sealer(); err != nil {
				return err
			}
		}
		var id int64
		if err := o.queryRow(ctx, `INSERT INTO emails (tenant_id, recipient, subject, text_body, html_body,
			created_at, error) VALUES (?, ?, ?, ?, ?, ?, '') RETURNING id`,
			nullID(e.TenantID), e.Recipient, redact(e.Subject, e.Secrets), redact(e.TextBody, e.Secrets),
			redact(e.HTMLBody, e.Secrets), timeText(o.now())).Scan(&id); err != nil {
			return dbErr(err, ErrNotFound)
		}
		if ring != nil {
			// Sealed once the row has its id, which the seal is bound to.
			plain, err := json.Marshal(sealedEmail{Subject: e.Subject, Text: e.TextBody, HTML: e.HTMLBody})
			if err != nil {
				return err
			}
			if _, err := o.exec(ctx, `UPDATE emails SET sealed = ? WHERE id = ?`, ring.Seal(plain, emailAAD(id)), id); err != nil {
				return err
			}
		}
		var err error
		out, err = o.scanEmail(o.queryRow(ctx, `SELECT `+emailCols+` FROM emails WHERE id = ?`, id))
		return err
	})
	return out, err
}

// Email reads one message.
func (o *ops) Email(ctx context.Context, id int64) (_ Email, err error) {
	defer wrap(&err, "email %d", id)
	e, err := o.scanEmail(o.queryRow(ctx, `SELECT `+emailCols+` FROM emails WHERE id = ?`, id))
	return e, notFound(err)
}

// ListEmails lists the whole outbox, newest first (for site administrators).
func (o *ops) ListEmails(ctx context.Context, limit int) (_ []Email, err error) {
	defer wrap(&err, "list emails")
	rows, err := o.query(ctx, `SELECT `+emailCols+` FROM emails ORDER BY id DESC LIMIT ?`, limitOr(limit, 100, 1000))
	return collect(rows, err, o.scanEmail)
}

// ListTenantEmails lists a tenant's messages, newest first.
func (o *ops) ListTenantEmails(ctx context.Context, tenantID int64, limit int) (_ []Email, err error) {
	defer wrap(&err, "list emails of tenant %d", tenantID)
	rows, err := o.query(ctx, `SELECT `+emailCols+` FROM emails WHERE tenant_id = ? ORDER BY id DESC LIMIT ?`,
		tenantID, limitOr(limit, 100, 1000))
	return collect(rows, err, o.scanEmail)
}

// UnsentEmails lists messages not sent yet, oldest first: the sender's queue.
func (o *ops) UnsentEmails(ctx context.Context, limit int) (_ []Email, err error) {
	defer wrap(&err, "list unsent emails")
	rows, err := o.query(ctx, `SELECT `+emailCols+` FROM emails WHERE sent_at IS NULL ORDER BY id LIMIT ?`,
		limitOr(limit, 100, 1000))
	return collect(rows, err, o.scanEmail)
}

// MarkEmailSent records that a message went out, and drops its sealed
// text: only the copy with its secrets redacted stays.
func (o *ops) MarkEmailSent(ctx context.Context, id int64, at time.Time) (err error) {
	defer wrap(&err, "mark email %d sent", id)
	return affected(o.exec(ctx, `UPDATE emails SET sent_at = ?, error = '', sealed = NULL WHERE id = ?`, timeText(at), id))
}

// MarkEmailFailed records why sending a message failed; it stays unsent.
func (o *ops) MarkEmailFailed(ctx context.Context, id int64, reason string) (err error) {
	defer wrap(&err, "mark email %d failed", id)
	return affected(o.exec(ctx, `UPDATE emails SET error = ? WHERE id = ?`, reason, id))
}

// EmailQuery filters the outbox for SearchEmails.
type EmailQuery struct {
	// TenantIDs limits the messages to these tenants'; nil means every
	// message, site-wide ones included, and an empty non-nil slice none.
	TenantIDs []int64
	// Search matches messages whose recipient or subject contains every
	// word of it, ignoring case (ASCII case only on SQLite, whose lower()
	// folds no other letters: addresses and most subjects are ASCII).
	Search string
	State  EmailState // "" for every message
	Limit  int        // default 100, at most 1000
	// BeforeID, for paging: only messages older than this one (a smaller
	// id); 0 for the newest.
	BeforeID int64
}

// EmailState is where a message stands, for filtering the outbox.
type EmailState string

const (
	EmailSent    EmailState = "sent"    // handed to the mail server
	EmailWaiting EmailState = "waiting" // not sent, no error yet
	EmailFailed  EmailState = "failed"  // not sent, the last attempt failed
)

// Valid reports whether s is one of the states.
func (s EmailState) Valid() bool {
	return s == EmailSent || s == EmailWaiting || s == EmailFailed
}

// SearchEmails lists the messages q selects, newest first.
func (o *ops) SearchEmails(ctx context.Context, q EmailQuery) (_ []Email, err error) {
	defer wrap(&err, "search emails")
	if q.TenantIDs != nil && len(q.TenantIDs) == 0 {
		return nil, nil
	}
	query := `SELECT ` + emailCols + ` FROM emails WHERE 1 = 1`
	var args []any
	if q.TenantIDs != nil {
		query += ` AND tenant_id IN (?` + strings.Repeat(`, ?`, len(q.TenantIDs)-1) + `)`
		for _, id := range q.TenantIDs {
			args = append(args, id)
		}
	}
	switch q.State {
	case "":
	case EmailSent:
		query += ` AND sent_at IS NOT NULL`
	case EmailWaiting:
		query += ` AND sent_at IS NULL AND error = ''`
	case EmailFailed:
		query += ` AND sent_at IS NULL AND error <> ''`
	default:
		return nil, fmt.Errorf("%w: email state %q", ErrInvalid, q.State)
	}
	for _, word := range strings.Fields(strings.ToLower(q.Search)) {
		query += ` AND (lower(recipient) LIKE ? ESCAPE '\' OR lower(subject) LIKE ? ESCAPE '\')`
		args = append(args, "%"+escapeLike(word)+"%", "%"+escapeLike(word)+"%")
	}
	if q.BeforeID > 0 {
		query += ` AND id < ?`
		args = append(args, q.BeforeID)
	}
	query += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limitOr(q.Limit, 100, 1000))
	rows, err := o.query(ctx, query, args...)
	return collect(rows, err, o.scanEmail)
}
