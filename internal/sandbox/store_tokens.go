package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Code is an authorization code, single use.
type Code struct {
	Code        string
	ClientID    string
	ORCID       string
	Scopes      Scopes
	RedirectURI string
	Nonce       string
	AuthTime    time.Time
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      *time.Time
}

func (s *store) CreateCode(ctx context.Context, c Code) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO codes
		(code, client_id, orcid, scopes, redirect_uri, nonce, auth_time, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Code, c.ClientID, c.ORCID, c.Scopes.String(), c.RedirectURI, c.Nonce,
		unix(c.AuthTime), unix(c.CreatedAt), unix(c.ExpiresAt))
	if isUniqueViolation(err) {
		return ErrConflict
	}
	return err
}

// UseCode marks the code used and returns it as it was before, so the caller
// can tell a first exchange (UsedAt nil) from a replay.
func (s *store) UseCode(ctx context.Context, code string, now time.Time) (Code, error) {
	var c Code
	var scopes string
	var auth, created, exp int64
	var used sql.NullInt64
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return c, err
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `SELECT code, client_id, orcid, scopes, redirect_uri, nonce, auth_time, created_at, expires_at, used_at
		FROM codes WHERE code = ?`, code).Scan(&c.Code, &c.ClientID, &c.ORCID, &scopes, &c.RedirectURI, &c.Nonce, &auth, &created, &exp, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, err
	}
	c.Scopes = ParseScopes(scopes)
	c.AuthTime, c.CreatedAt, c.ExpiresAt = fromUnix(auth), fromUnix(created), fromUnix(exp)
	if used.Valid {
		t := fromUnix(used.Int64)
		c.UsedAt = &t
		return c, tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE codes SET used_at = ? WHERE code = ?`, unix(now), code); err != nil {
		return c, err
	}
	return c, tx.Commit()
}

// Token is an access token with its refresh token.
type Token struct {
	AccessToken  string
	RefreshToken string
	ClientID     string
	ORCID        string // "" for client_credentials tokens
	Scopes       Scopes
	Code         string // the authorization code it was minted from, if any
	CreatedAt    time.Time
	ExpiresAt    time.Time
	RevokedAt    *time.Time
	RevokeReason string
}

// Revoke reasons, as ORCID names them.
const (
	RevokedByUser     = "USER_REVOKED"
	RevokedByClient   = "CLIENT_REVOKED"
	RevokedCodeReused = "AUTH_CODE_REUSED"
	RevokedRefreshed  = "REFRESHED"
	RevokedByFault    = "FAULT_INJECTION"
)

func (s *store) CreateToken(ctx context.Context, t Token) error {
	var orcid any
	if t.ORCID != "" {
		orcid = t.ORCID
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO tokens
		(access_token, refresh_token, client_id, orcid, scopes, code, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.AccessToken, t.RefreshToken, t.ClientID, orcid, t.Scopes.String(), t.Code, unix(t.CreatedAt), unix(t.ExpiresAt))
	return err
}

const tokenCols = `access_token, refresh_token, client_id, COALESCE(orcid, ''), scopes, code, created_at, expires_at, revoked_at, revoke_reason`

func scanToken(row rowScanner) (Token, error) {
	var t Token
	var scopes string
	var created, exp int64
	var revoked sql.NullInt64
	err := row.Scan(&t.AccessToken, &t.RefreshToken, &t.ClientID, &t.ORCID, &scopes, &t.Code, &created, &exp, &revoked, &t.RevokeReason)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	if err != nil {
		return t, err
	}
	t.Scopes = ParseScopes(scopes)
	t.CreatedAt, t.ExpiresAt = fromUnix(created), fromUnix(exp)
	if revoked.Valid {
		r := fromUnix(revoked.Int64)
		t.RevokedAt = &r
	}
	return t, nil
}

// Token looks a token up by its access token, revoked or not: callers decide
// what a revoked token may still do (ORCID lets a user-revoked token DELETE).
func (s *store) Token(ctx context.Context, access string) (Token, error) {
	return scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM tokens WHERE access_token = ?`, access))
}

func (s *store) TokenByRefresh(ctx context.Context, refresh string) (Token, error) {
	return scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM tokens WHERE refresh_token = ?`, refresh))
}

// TokensFor lists the tokens a client holds for a researcher (every client
// when clientID is "").
func (s *store) TokensFor(ctx context.Context, orcid, clientID string) ([]Token, error) {
	return queryAll(ctx, s.db, scanToken, `SELECT `+tokenCols+` FROM tokens
		WHERE orcid = ? AND (? = '' OR client_id = ?) ORDER BY created_at`, orcid, clientID, clientID)
}

// RevokeToken disables one token (found by its access or its refresh token).
// It reports whether a live token was revoked.
func (s *store) RevokeToken(ctx context.Context, token, reason string, now time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE tokens SET revoked_at = ?, revoke_reason = ?
		WHERE (access_token = ? OR refresh_token = ?) AND revoked_at IS NULL`, unix(now), reason, token, token)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// RevokeTokensFrom disables every token minted from an authorization code.
func (s *store) RevokeTokensFrom(ctx context.Context, code, reason string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE tokens SET revoked_at = ?, revoke_reason = ?
		WHERE code = ? AND revoked_at IS NULL`, unix(now), reason, code)
	return err
}

// RevokeClientFor disables every token a client holds for a researcher: what
// removing a trusted organization in the account settings does.
func (s *store) RevokeClientFor(ctx context.Context, orcid, clientID, reason string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE tokens SET revoked_at = ?, revoke_reason = ?
		WHERE orcid = ? AND client_id = ? AND revoked_at IS NULL`, unix(now), reason, orcid, clientID)
	return err
}
