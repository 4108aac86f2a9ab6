package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

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

func scanClient(row rowScanner) (Client, error) {
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
	return queryAll(ctx, s.db, scanClient, `SELECT `+clientCols+` FROM clients ORDER BY created_at, client_id`)
}
