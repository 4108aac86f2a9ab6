package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Session is a researcher signed in to the registry's site in one browser.
type Session struct {
	ID        string
	ORCID     string
	AuthTime  time.Time
	ExpiresAt time.Time
}

func (s *store) CreateSession(ctx context.Context, ss Session) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (id, orcid, auth_time, expires_at) VALUES (?, ?, ?, ?)`,
		ss.ID, ss.ORCID, unix(ss.AuthTime), unix(ss.ExpiresAt))
	return err
}

func (s *store) Session(ctx context.Context, id string, now time.Time) (Session, error) {
	var ss Session
	var auth, exp int64
	err := s.db.QueryRowContext(ctx, `SELECT id, orcid, auth_time, expires_at FROM sessions WHERE id = ? AND expires_at > ?`,
		id, unix(now)).Scan(&ss.ID, &ss.ORCID, &auth, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return ss, ErrNotFound
	}
	ss.AuthTime, ss.ExpiresAt = fromUnix(auth), fromUnix(exp)
	return ss, err
}

func (s *store) DeleteSession(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
	return err
}
