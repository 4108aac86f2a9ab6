package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// InvitationState is where an invitation stands. Denied belongs here, not
// to the person: they may accept a later one.
type InvitationState string

const (
	InvitationPending   InvitationState = "pending"
	InvitationAccepted  InvitationState = "accepted"
	InvitationDenied    InvitationState = "denied"
	InvitationExpired   InvitationState = "expired"
	InvitationCancelled InvitationState = "cancelled"
)

func (s InvitationState) valid() bool {
	switch s {
	case InvitationPending, InvitationAccepted, InvitationDenied, InvitationExpired, InvitationCancelled:
		return true
	}
	return false
}

// Invitation asks a person to connect their ORCID iD. Its link carries a
// random token that only the person receives; the store keeps its hash.
type Invitation struct {
	ID        int64
	TenantID  int64
	PersonID  int64
	Scopes    []string
	CreatedAt time.Time
	ExpiresAt time.Time
	SentAt    time.Time // zero until sent
	OpenedAt  time.Time // zero until first opened
	State     InvitationState
	CreatedBy string // actor, e.g. "admin:3" or "system"
	// Reason says why the person is asked; the email and the invitation
	// page show it.
	Reason InvitationReason
	// Reminders counts the reminders sent; RemindedAt is the last one's
	// time (zero before the first).
	Reminders  int
	RemindedAt time.Time
}

// ReasonKind is why an invitation is sent, beyond "connect your iD".
type ReasonKind string

// The reasons an invitation can give.
const (
	ReasonNone    ReasonKind = ""
	ReasonArticle ReasonKind = "article" // an article of theirs was published; Detail is its title
	ReasonReview  ReasonKind = "review"  // a review of theirs is to be credited; Detail is the article's title, or ""
	ReasonUpgrade ReasonKind = "upgrade" // the tenant asks for more; Detail lists the new asks (see Ask), space-separated
)

// InvitationReason is why an invitation is sent, kept with it so that its
// reminders and its page say the same.
type InvitationReason struct {
	Kind   ReasonKind
	Detail string
}

func (k ReasonKind) valid() bool {
	switch k {
	case ReasonNone, ReasonArticle, ReasonReview, ReasonUpgrade:
		return true
	}
	return false
}

// Usable reports whether the invitation's link still leads to ORCID at now:
// pending or denied (the person may change their mind) and not expired.
func (i Invitation) Usable(now time.Time) bool {
	return (i.State == InvitationPending || i.State == InvitationDenied) && now.Before(i.ExpiresAt)
}

// NewInvitation is what CreateInvitation needs.
type NewInvitation struct {
	TenantID  int64
	PersonID  int64
	Scopes    []string
	ExpiresAt time.Time
	CreatedBy string
	// Token is the raw token of the link, from NewInvitationToken, when
	// the caller needs the link before the transaction that creates the
	// invitation (to compose its email outside it); "" makes a new one.
	Token string
	// Reason says why the person is asked.
	Reason InvitationReason
	// Remind keeps the token sealed for reminders (ReminderToken), which
	// must carry the same link as the first email; the store drops it as
	// soon as the invitation leaves pending (DropReminderToken for the
	// rest).
	Remind bool
}

// NewInvitationToken returns a random token for an invitation's link
// (NewInvitation.Token).
func NewInvitationToken() string {
	return rand.Text() // 26 base32 characters, 130 random bits
}

// newToken returns a random token for a link and the hash the store keeps.
func newToken() (raw string, hash []byte) {
	raw = NewInvitationToken()
	return raw, hashToken(raw)
}

// hashToken is what the store keeps of a token. Looking a token up by its
// SHA-256 is safe against timing attacks by construction: what the
// database compares is a hash the attacker cannot steer toward a stored
// one, so how long the comparison takes says nothing about the token.
func hashToken(raw string) []byte {
	h := sha256.Sum256([]byte(raw))
	return h[:]
}

const invitationCols = `id, tenant_id, person_id, scopes, created_at, expires_at, sent_at, opened_at, state, created_by,
	reason, reason_detail, reminders, reminded_at`

func scanInvitation(r scanner) (Invitation, error) {
	var i Invitation
	var scopes string
	err := r.Scan(&i.ID, &i.TenantID, &i.PersonID, &scopes, timeDest{&i.CreatedAt}, timeDest{&i.ExpiresAt},
		timeDest{&i.SentAt}, timeDest{&i.OpenedAt}, &i.State, &i.CreatedBy, &i.Reason.Kind, &i.Reason.Detail,
		&i.Reminders, timeDest{&i.RemindedAt})
	i.Scopes = strings.Fields(scopes)
	return i, err
}

// CreateInvitation creates a pending invitation and returns it with the raw
// token for its link, which exists only in this return value: send it, or
// show it once.
func (o *ops) CreateInvitation(ctx context.Context, in NewInvitation) (_ Invitation, token string, err error) {
	defer wrap(&err, "invite person %d of tenant %d", in.PersonID, in.TenantID)
	if in.ExpiresAt.IsZero() {
		return Invitation{}, "", fmt.Errorf("%w: invitation has no expiry", ErrInvalid)
	}
	if !in.Reason.Kind.valid() {
		return Invitation{}, "", fmt.Errorf("%w: invitation reason %q", ErrInvalid, in.Reason.Kind)
	}
	if err := checkTexts("reason", in.Reason.Detail); err != nil {
		return Invitation{}, "", err
	}
	if err := o.mustExist(ctx, "person", in.PersonID, `SELECT 1 FROM people WHERE id = ? AND tenant_id = ?`,
		in.PersonID, in.TenantID); err != nil {
		return Invitation{}, "", err
	}
	raw, hash := newToken()
	if in.Token != "" {
		// As strong as ours: a caller's token is the capability too.
		if len(in.Token) < len(raw) {
			return Invitation{}, "", fmt.Errorf("%w: an invitation token needs %d characters at least, from NewInvitationToken", ErrInvalid, len(raw))
		}
		raw, hash = in.Token, hashToken(in.Token)
	}
	inv, err := scanInvitation(o.queryRow(ctx, `INSERT INTO invitations (tenant_id, person_id, token_hash, scopes,
		created_at, expires_at, state, created_by, reason, reason_detail) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
		RETURNING `+invitationCols,
		in.TenantID, in.PersonID, hash, strings.Join(in.Scopes, " "), timeText(o.now()), timeText(in.ExpiresAt), in.CreatedBy,
		string(in.Reason.Kind), in.Reason.Detail))
	if err != nil {
		return Invitation{}, "", dbErr(err, ErrNotFound)
	}
	if in.Remind {
		// Sealed once the row has its id, which the seal is bound to.
		ring, err := o.sealer()
		if err != nil {
			return Invitation{}, "", err
		}
		if _, err := o.exec(ctx, `UPDATE invitations SET reminder_token = ? WHERE id = ?`,
			ring.Seal([]byte(raw), reminderTokenAAD(inv.ID)), inv.ID); err != nil {
			return Invitation{}, "", err
		}
	}
	return inv, raw, nil
}

// Invitation reads an invitation of a tenant.
func (o *ops) Invitation(ctx context.Context, tenantID, invitationID int64) (_ Invitation, err error) {
	defer wrap(&err, "invitation %d of tenant %d", invitationID, tenantID)
	i, err := scanInvitation(o.queryRow(ctx, `SELECT `+invitationCols+` FROM invitations WHERE id = ? AND tenant_id = ?`,
		invitationID, tenantID))
	return i, notFound(err)
}

// InvitationByToken finds the invitation a link's token belongs to, in any
// state (see Invitation.Usable). The token is the capability: whoever holds
// it reaches the invitation's tenant.
func (o *ops) InvitationByToken(ctx context.Context, raw string) (_ Invitation, err error) {
	defer wrap(&err, "invitation by token")
	if raw == "" {
		return Invitation{}, ErrNotFound
	}
	i, err := scanInvitation(o.queryRow(ctx, `SELECT `+invitationCols+` FROM invitations WHERE token_hash = ?`,
		hashToken(raw)))
	return i, notFound(err)
}

// ListInvitations lists a person's invitations, newest first.
func (o *ops) ListInvitations(ctx context.Context, tenantID, personID int64) (_ []Invitation, err error) {
	defer wrap(&err, "invitations of person %d in tenant %d", personID, tenantID)
	rows, err := o.query(ctx, `SELECT `+invitationCols+` FROM invitations WHERE tenant_id = ? AND person_id = ?
		ORDER BY id DESC`, tenantID, personID)
	return collect(rows, err, scanInvitation)
}

// MarkInvitationSent records when the invitation's email went out (again).
func (o *ops) MarkInvitationSent(ctx context.Context, tenantID, invitationID int64, at time.Time) (err error) {
	defer wrap(&err, "mark invitation %d of tenant %d sent", invitationID, tenantID)
	return affected(o.exec(ctx, `UPDATE invitations SET sent_at = ? WHERE id = ? AND tenant_id = ?`,
		timeText(at), invitationID, tenantID))
}

// MarkInvitationOpened records the first time the link was opened.
func (o *ops) MarkInvitationOpened(ctx context.Context, tenantID, invitationID int64, at time.Time) (err error) {
	defer wrap(&err, "mark invitation %d of tenant %d opened", invitationID, tenantID)
	return affected(o.exec(ctx, `UPDATE invitations SET opened_at = COALESCE(opened_at, ?) WHERE id = ? AND tenant_id = ?`,
		timeText(at), invitationID, tenantID))
}

// SetInvitationState moves an invitation to state. Which moves make sense
// is the caller's business; the store only checks the state exists.
func (o *ops) SetInvitationState(ctx context.Context, tenantID, invitationID int64, state InvitationState) (err error) {
	defer wrap(&err, "set invitation %d of tenant %d to %s", invitationID, tenantID, state)
	if !state.valid() {
		return fmt.Errorf("%w: invitation state %q", ErrInvalid, state)
	}
	// Only a pending invitation is reminded of: leaving pending drops the
	// token kept for its reminders.
	return affected(o.exec(ctx, `UPDATE invitations SET state = ?,
		reminder_token = CASE WHEN ? = 'pending' THEN reminder_token ELSE NULL END WHERE id = ? AND tenant_id = ?`,
		string(state), string(state), invitationID, tenantID))
}

// OAuthState is the one-time state of an OAuth round trip to ORCID: it
// ties the callback to the invitation and to the browser session that
// started it.
type OAuthState struct {
	ID           int64
	InvitationID int64
	TenantID     int64 // of the invitation
	PersonID     int64 // of the invitation
	Nonce        string
	CreatedAt    time.Time
	ExpiresAt    time.Time
	UsedAt       time.Time
}

// NewOAuthState is what CreateState needs.
type NewOAuthState struct {
	InvitationID int64
	// SessionBinding is a value of the browser session that starts the
	// round trip (say, a random value in its session); the store keeps
	// its hash and ConsumeState demands the same value.
	SessionBinding string
	Nonce          string // for the id_token, with the openid scope
	ExpiresAt      time.Time
}

// CreateState stores a new state and returns the raw value to put in the
// authorize URL. Only its hash is kept.
func (o *ops) CreateState(ctx context.Context, in NewOAuthState) (raw string, err error) {
	defer wrap(&err, "create OAuth state for invitation %d", in.InvitationID)
	if in.SessionBinding == "" || in.ExpiresAt.IsZero() {
		return "", fmt.Errorf("%w: a state needs a session binding and an expiry", ErrInvalid)
	}
	if err := o.mustExist(ctx, "invitation", in.InvitationID, `SELECT 1 FROM invitations WHERE id = ?`,
		in.InvitationID); err != nil {
		return "", err
	}
	raw, hash := newToken()
	_, err = o.exec(ctx, `INSERT INTO oauth_states (state_hash, invitation_id, session_binding, nonce, created_at,
		expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		hash, in.InvitationID, hashToken(in.SessionBinding), in.Nonce, timeText(o.now()), timeText(in.ExpiresAt))
	if err != nil {
		return "", dbErr(err, ErrNotFound)
	}
	return raw, nil
}

// ConsumeState checks a state that came back from ORCID and marks it used,
// in one statement, so that two callbacks racing with the same state
// cannot both win. It fails with ErrNotFound for a state never issued,
// ErrStateReplayed for one already used, ErrStateExpired, or
// ErrStateWrongSession when sessionBinding is not the value it was
// created with; a refused state is left as it was.
func (o *ops) ConsumeState(ctx context.Context, raw, sessionBinding string, now time.Time) (_ OAuthState, err error) {
	defer wrap(&err, "consume OAuth state")
	hash, binding := hashToken(raw), hashToken(sessionBinding)
	var s OAuthState
	err = o.queryRow(ctx, `UPDATE oauth_states SET used_at = ?
		WHERE state_hash = ? AND used_at IS NULL AND expires_at > ? AND session_binding = ?
		RETURNING id, invitation_id, nonce, created_at, expires_at, used_at`,
		timeText(now), hash, timeText(now), binding).
		Scan(&s.ID, &s.InvitationID, &s.Nonce, timeDest{&s.CreatedAt}, timeDest{&s.ExpiresAt}, timeDest{&s.UsedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return OAuthState{}, o.whyStateRefused(ctx, hash, binding, now)
	}
	if err != nil {
		return OAuthState{}, err
	}
	err = o.queryRow(ctx, `SELECT tenant_id, person_id FROM invitations WHERE id = ?`, s.InvitationID).
		Scan(&s.TenantID, &s.PersonID)
	return s, notFound(err)
}

// whyStateRefused tells which rule a refused state broke.
func (o *ops) whyStateRefused(ctx context.Context, hash, binding []byte, now time.Time) error {
	var usedAt, expiresAt time.Time
	var stored []byte
	err := o.queryRow(ctx, `SELECT used_at, expires_at, session_binding FROM oauth_states WHERE state_hash = ?`, hash).
		Scan(timeDest{&usedAt}, timeDest{&expiresAt}, &stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrNotFound
	case err != nil:
		return err
	case !usedAt.IsZero():
		return ErrStateReplayed
	case !now.Before(expiresAt):
		return ErrStateExpired
	case subtle.ConstantTimeCompare(stored, binding) != 1:
		return ErrStateWrongSession
	}
	return ErrStateReplayed // used by a concurrent callback a moment ago
}

// DeleteExpiredStates deletes states that expired before before, used or
// not, and reports how many.
func (o *ops) DeleteExpiredStates(ctx context.Context, before time.Time) (_ int64, err error) {
	defer wrap(&err, "delete expired OAuth states")
	res, err := o.exec(ctx, `DELETE FROM oauth_states WHERE expires_at < ?`, timeText(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
