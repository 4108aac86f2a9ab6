package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Researcher is a record holder. The registry keeps the person section's
// name and biography here; activities and person items live in items.
type Researcher struct {
	ORCID             string
	GivenNames        string
	FamilyNames       string
	CreditName        string
	Email             string
	PasswordHash      string
	Biography         string
	DefaultVisibility string
	NamesVisibility   string
	CreatedAt         time.Time
	ModifiedAt        time.Time
	// State is the record's state (states.go); PrimaryORCID names the
	// record a deprecated one points to; StateChangedAt is when the state
	// was set; CreatedByClient is the client that created an unclaimed
	// record.
	State           RecordState
	PrimaryORCID    string
	StateChangedAt  time.Time
	CreatedByClient string
	// EmailVerified and Using2FA come from account_security (security.go):
	// whether the primary email is verified, and whether signing in asks
	// for a second factor. Records without a row are verified, without 2FA.
	EmailVerified bool
	Using2FA      bool
}

// DisplayName is what ORCID shows and returns as the token's "name".
func (r Researcher) DisplayName() string {
	if r.CreditName != "" {
		return r.CreditName
	}
	return strings.TrimSpace(r.GivenNames + " " + r.FamilyNames)
}

func (s *store) CreateResearcher(ctx context.Context, r Researcher) error {
	if r.DefaultVisibility == "" {
		r.DefaultVisibility = "public"
	}
	if r.NamesVisibility == "" {
		r.NamesVisibility = "public"
	}
	if r.State == "" {
		r.State = StateActive
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO researchers
		(orcid, given_names, family_names, credit_name, email, password_hash, biography,
		 default_visibility, names_visibility, created_at, modified_at,
		 state, primary_orcid, state_changed_at, created_by_client)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ORCID, r.GivenNames, r.FamilyNames, r.CreditName, r.Email, r.PasswordHash, r.Biography,
		r.DefaultVisibility, r.NamesVisibility, unix(r.CreatedAt), unix(r.ModifiedAt),
		string(r.State), r.PrimaryORCID, unix(r.StateChangedAt), r.CreatedByClient)
	if isUniqueViolation(err) {
		return fmt.Errorf("researcher %s <%s>: %w", r.ORCID, r.Email, ErrConflict)
	}
	return err
}

const researcherCols = `orcid, given_names, family_names, credit_name, email, password_hash, biography,
	default_visibility, names_visibility, created_at, modified_at,
	state, primary_orcid, state_changed_at, created_by_client,
	COALESCE((SELECT s.email_verified FROM account_security s WHERE s.orcid = researchers.orcid), 1),
	COALESCE((SELECT s.using_2fa FROM account_security s WHERE s.orcid = researchers.orcid), 0)`

func scanResearcher(row rowScanner) (Researcher, error) {
	var r Researcher
	var created, modified, stateAt int64
	var state string
	err := row.Scan(&r.ORCID, &r.GivenNames, &r.FamilyNames, &r.CreditName, &r.Email, &r.PasswordHash,
		&r.Biography, &r.DefaultVisibility, &r.NamesVisibility, &created, &modified,
		&state, &r.PrimaryORCID, &stateAt, &r.CreatedByClient, &r.EmailVerified, &r.Using2FA)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	r.CreatedAt, r.ModifiedAt, r.StateChangedAt = fromUnix(created), fromUnix(modified), fromUnix(stateAt)
	r.State = RecordState(state)
	return r, err
}

func (s *store) Researcher(ctx context.Context, orcid string) (Researcher, error) {
	r, err := scanResearcher(s.db.QueryRowContext(ctx, `SELECT `+researcherCols+` FROM researchers WHERE orcid = ?`, orcid))
	if err != nil {
		return r, fmt.Errorf("researcher %s: %w", orcid, err)
	}
	return r, nil
}

func (s *store) ResearcherByEmail(ctx context.Context, email string) (Researcher, error) {
	r, err := scanResearcher(s.db.QueryRowContext(ctx, `SELECT `+researcherCols+` FROM researchers WHERE email = ?`, email))
	if err != nil {
		return r, fmt.Errorf("researcher <%s>: %w", email, err)
	}
	return r, nil
}

func (s *store) Researchers(ctx context.Context) ([]Researcher, error) {
	return queryAll(ctx, s.db, scanResearcher, `SELECT `+researcherCols+` FROM researchers ORDER BY created_at, orcid`)
}
