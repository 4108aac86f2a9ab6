package sandbox

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// Errors the store returns for callers to branch on.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
)

// store is the registry's SQLite database. The emulator is a single-process
// program, so one connection serialises every statement: no SQLITE_BUSY, and
// ":memory:" databases stay one database.
type store struct {
	db *sql.DB
}

func openStore(ctx context.Context, path string) (*store, error) {
	dsn := path
	if path == ":memory:" || path == "" {
		dsn = ":memory:"
	} else {
		dsn = "file:" + path + "?_pragma=journal_mode(WAL)"
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	dsn += sep + "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open registry database %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open registry database %s: %w", path, err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("registry migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate registry database %s: %w", path, err)
	}
	return &store{db: db}, nil
}

func (s *store) Close() error { return s.db.Close() }

func unix(t time.Time) int64 { return t.UnixMilli() }

func fromUnix(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// Client is a registered API client (what ORCID calls a client application).
type Client struct {
	ID           string   `json:"client_id"`
	Secret       string   `json:"client_secret"`
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Website      string   `json:"website"`
	RedirectURIs []string `json:"redirect_uris"`
	Type         string   `json:"type"` // "member" or "public"
	Premium      bool     `json:"premium"`
	// GroupIDRecords: ORCID has enabled the two-legged group-id-record
	// scopes for this client. ORCID maps them to a client by hand, on
	// request (group-id-2.0/README.md in ORCID-Source: "one should manually
	// map the scopes with the client in the table client_scope"), so a member
	// client does not have them by default.
	GroupIDRecords bool `json:"group_id_records"`
	CreatedAt      time.Time
}

// Member reports whether the client holds Member API credentials.
func (c Client) Member() bool { return c.Type == "member" }

func (s *store) CreateClient(ctx context.Context, c Client) error {
	uris, _ := json.Marshal(c.RedirectURIs)
	_, err := s.db.ExecContext(ctx, `INSERT INTO clients
		(client_id, client_secret, name, description, website, redirect_uris, type, premium, group_id_records, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Secret, c.Name, c.Description, c.Website, string(uris), c.Type, c.Premium, c.GroupIDRecords, unix(c.CreatedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("client %s: %w", c.ID, ErrConflict)
	}
	return err
}

// UpsertClient creates the client or replaces everything but its creation
// time; seeding the same file twice must be harmless.
func (s *store) UpsertClient(ctx context.Context, c Client) error {
	uris, _ := json.Marshal(c.RedirectURIs)
	_, err := s.db.ExecContext(ctx, `INSERT INTO clients
		(client_id, client_secret, name, description, website, redirect_uris, type, premium, group_id_records, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (client_id) DO UPDATE SET client_secret = excluded.client_secret, name = excluded.name,
		description = excluded.description, website = excluded.website, redirect_uris = excluded.redirect_uris,
		type = excluded.type, premium = excluded.premium, group_id_records = excluded.group_id_records`,
		c.ID, c.Secret, c.Name, c.Description, c.Website, string(uris), c.Type, c.Premium, c.GroupIDRecords, unix(c.CreatedAt))
	return err
}

const clientCols = `client_id, client_secret, name, description, website, redirect_uris, type, premium, group_id_records, created_at`

func scanClient(row interface{ Scan(...any) error }) (Client, error) {
	var c Client
	var uris string
	var created int64
	err := row.Scan(&c.ID, &c.Secret, &c.Name, &c.Description, &c.Website, &uris, &c.Type, &c.Premium, &c.GroupIDRecords, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, err
	}
	c.CreatedAt = fromUnix(created)
	if err := json.Unmarshal([]byte(uris), &c.RedirectURIs); err != nil {
		return c, fmt.Errorf("client %s redirect uris: %w", c.ID, err)
	}
	return c, nil
}

func (s *store) Client(ctx context.Context, id string) (Client, error) {
	c, err := scanClient(s.db.QueryRowContext(ctx, `SELECT `+clientCols+` FROM clients WHERE client_id = ?`, id))
	if err != nil {
		return c, fmt.Errorf("client %q: %w", id, err)
	}
	return c, nil
}

func (s *store) Clients(ctx context.Context) ([]Client, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+clientCols+` FROM clients ORDER BY created_at, client_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Client
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

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

func scanResearcher(row interface{ Scan(...any) error }) (Researcher, error) {
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
	rows, err := s.db.QueryContext(ctx, `SELECT `+researcherCols+` FROM researchers ORDER BY created_at, orcid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Researcher
	for rows.Next() {
		r, err := scanResearcher(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

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

func scanToken(row interface{ Scan(...any) error }) (Token, error) {
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
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenCols+` FROM tokens
		WHERE orcid = ? AND (? = '' OR client_id = ?) ORDER BY created_at`, orcid, clientID, clientID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
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

// StoredItem is one activity or person item on a record, kept as ORCID JSON.
// PutCode is unique only within the kind's sequence (see putCodeSeq).
type StoredItem struct {
	PutCode        int64
	ORCID          string
	Kind           string
	SourceClientID string
	Visibility     string
	// DisplayIndex is ORCID's display-index: 1 for items written through
	// the API, 0 for those the researcher entered (ORCID-Source
	// DisplayIndexCalculatorHelper.setDisplayIndex). Set at creation only.
	DisplayIndex int64
	Body         []byte
	CreatedAt    time.Time
	ModifiedAt   time.Time
}

// putCodeSeq names the sequence a kind's put-codes come from: ORCID's own
// sequence names (@SequenceGenerator on the entities of ORCID-Source
// orcid-persistence; migration 00004). The seven affiliation kinds share
// one table, hence one sequence.
func putCodeSeq(kind string) string {
	switch kind {
	case "work":
		return "work_seq"
	case "funding":
		return "profile_funding_seq"
	case "distinction", "education", "employment", "invited-position", "membership", "qualification", "service":
		return "org_affiliation_relation_seq"
	case "peer-review":
		return "peer_review_seq"
	case "research-resource":
		return "research_resource_seq"
	case "other-name":
		return "other_name_seq"
	case "keyword":
		return "keyword_seq"
	case "researcher-url":
		return "researcher_url_seq"
	case "address":
		return "address_seq"
	case "external-identifier":
		return "external_identifier_id_seq"
	}
	// Not an API kind (the site may keep other things): a sequence of its
	// own, the name migration 00004 gives it too.
	return kind + "_seq"
}

// nextPutCode draws the next put-code of kind's sequence inside tx.
func nextPutCode(ctx context.Context, tx *sql.Tx, kind string) (int64, error) {
	var pc int64
	err := tx.QueryRowContext(ctx, `INSERT INTO putcode_sequences (name, last) VALUES (?, 1)
		ON CONFLICT (name) DO UPDATE SET last = last + 1 RETURNING last`, putCodeSeq(kind)).Scan(&pc)
	if err != nil {
		return 0, fmt.Errorf("next put-code of %s: %w", kind, err)
	}
	return pc, nil
}

// CreateItem inserts the item and returns its new put-code; the body is
// stored as is.
func (s *store) CreateItem(ctx context.Context, it StoredItem) (int64, error) {
	return s.CreateItemFunc(ctx, it, func(int64) ([]byte, error) { return it.Body, nil })
}

// CreateItemFunc inserts an item whose body depends on its put-code, in one
// transaction: build is called with the new put-code and returns the body.
func (s *store) CreateItemFunc(ctx context.Context, it StoredItem, build func(putCode int64) ([]byte, error)) (int64, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	pc, err := nextPutCode(ctx, tx, it.Kind)
	if err != nil {
		return 0, err
	}
	body, err := build(pc)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO items
		(seq, put_code, orcid, kind, source_client_id, visibility, display_index, body, created_at, modified_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		putCodeSeq(it.Kind), pc, it.ORCID, it.Kind, it.SourceClientID, it.Visibility, it.DisplayIndex, string(body),
		unix(it.CreatedAt), unix(it.ModifiedAt))
	if err != nil {
		return 0, err
	}
	return pc, tx.Commit()
}

// UpdateItem replaces the visibility, body and modification time of the
// item it.Kind / it.PutCode on it.ORCID.
func (s *store) UpdateItem(ctx context.Context, it StoredItem) error {
	res, err := s.db.ExecContext(ctx, `UPDATE items SET visibility = ?, body = ?, modified_at = ?
		WHERE seq = ? AND put_code = ? AND orcid = ?`,
		it.Visibility, string(it.Body), unix(it.ModifiedAt), putCodeSeq(it.Kind), it.PutCode, it.ORCID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteItem deletes the record's item of kind's sequence with putCode.
func (s *store) DeleteItem(ctx context.Context, orcid, kind string, putCode int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM items WHERE seq = ? AND put_code = ? AND orcid = ?`,
		putCodeSeq(kind), putCode, orcid)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

const itemCols = `put_code, orcid, kind, source_client_id, visibility, display_index, body, created_at, modified_at`

func scanItem(row interface{ Scan(...any) error }) (StoredItem, error) {
	var it StoredItem
	var body string
	var created, modified int64
	err := row.Scan(&it.PutCode, &it.ORCID, &it.Kind, &it.SourceClientID, &it.Visibility, &it.DisplayIndex, &body, &created, &modified)
	if errors.Is(err, sql.ErrNoRows) {
		return it, ErrNotFound
	}
	it.Body = []byte(body)
	it.CreatedAt, it.ModifiedAt = fromUnix(created), fromUnix(modified)
	return it, err
}

// Item returns one item of a record by kind and put-code: the put-code is
// looked up in the kind's sequence, so a work's put-code never finds a
// funding. The row found may be of another kind sharing the sequence (an
// employment for an education's path); the caller decides what that
// means. An item of another record is not found, as on ORCID.
func (s *store) Item(ctx context.Context, orcid, kind string, putCode int64) (StoredItem, error) {
	return scanItem(s.db.QueryRowContext(ctx, `SELECT `+itemCols+` FROM items WHERE seq = ? AND put_code = ? AND orcid = ?`,
		putCodeSeq(kind), putCode, orcid))
}

// Items lists a record's items of the given kinds (all kinds when none is
// given), oldest first.
func (s *store) Items(ctx context.Context, orcid string, kinds ...string) ([]StoredItem, error) {
	q := `SELECT ` + itemCols + ` FROM items WHERE orcid = ?`
	args := []any{orcid}
	if len(kinds) > 0 {
		q += ` AND kind IN (?` + strings.Repeat(`, ?`, len(kinds)-1) + `)`
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoredItem
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Email is a message the registry "sent": kept in the outbox, never delivered.
type Email struct {
	ID        int64
	To        string
	Subject   string
	Body      string
	CreatedAt time.Time
}

func (s *store) AddEmail(ctx context.Context, e Email) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO emails (recipient, subject, body, created_at) VALUES (?, ?, ?, ?)`,
		e.To, e.Subject, e.Body, unix(e.CreatedAt))
	return err
}

func (s *store) Emails(ctx context.Context) ([]Email, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, recipient, subject, body, created_at FROM emails ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Email
	for rows.Next() {
		var e Email
		var created int64
		if err := rows.Scan(&e.ID, &e.To, &e.Subject, &e.Body, &created); err != nil {
			return nil, err
		}
		e.CreatedAt = fromUnix(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// signingKeyPEM returns the stored OpenID Connect signing key, or ErrNotFound.
func (s *store) signingKeyPEM(ctx context.Context) (kid, pem string, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT kid, private_pem FROM signing_keys ORDER BY created_at DESC LIMIT 1`).Scan(&kid, &pem)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", ErrNotFound
	}
	return kid, pem, err
}

func (s *store) saveSigningKey(ctx context.Context, kid, pem string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO signing_keys (kid, private_pem, created_at) VALUES (?, ?, ?)`, kid, pem, unix(now))
	return err
}

func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// ItemsFrom lists a record's items of one kind written by one source
// ("" for the researcher), oldest first: what ORCID compares a new item
// with to find duplicates.
func (s *store) ItemsFrom(ctx context.Context, orcid, kind, sourceClientID string) ([]StoredItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+itemCols+` FROM items WHERE orcid = ? AND kind = ? AND source_client_id = ?
		ORDER BY id`, orcid, kind, sourceClientID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoredItem
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// CountItems counts a record's items of one kind.
func (s *store) CountItems(ctx context.Context, orcid, kind string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM items WHERE orcid = ? AND kind = ?`, orcid, kind).Scan(&n)
	return n, err
}
