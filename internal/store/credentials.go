package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// Credential is one ORCID client registration. Several tenants may share
// one; ORCID then shows ClientName as the source of everything each of them
// writes.
type Credential struct {
	ID           int64
	Name         string            // ours, for the admin UI
	Env          orcid.Environment // registry: production, sandbox or custom
	API          orcid.APIType
	ClientID     string
	ClientSecret string // plain here, sealed in the database
	ClientName   string // what ORCID shows as the source
	CreatedAt    time.Time
	UpdatedAt    time.Time
	// How the last check with ORCID went (credential_checks.go); set by
	// RecordCredentialCheck only.
	Health      CredentialHealth
	CheckedAt   time.Time // zero: never checked
	Problem     string    // what ORCID said, when broken
	BrokenSince time.Time // zero unless broken
}

// ORCID is the credential as the ORCID client takes it.
func (c Credential) ORCID() orcid.Credential {
	return orcid.Credential{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Env: c.Env, API: c.API}
}

func secretAAD(id int64) []byte {
	return []byte("credentials/" + strconv.FormatInt(id, 10) + "/client_secret")
}

// validate is CheckCredential, run again before every write.
func (c *Credential) validate() error { return CheckCredential(c) }

const credentialCols = `id, name, environment, site_url, member_api_url, public_api_url, api_type,
	client_id, client_secret, client_name, created_at, updated_at, health, checked_at, problem, broken_since`

func (o *ops) scanCredential(r scanner) (Credential, error) {
	var c Credential
	var sealed []byte
	err := r.Scan(&c.ID, &c.Name, &c.Env.Name, &c.Env.SiteURL, &c.Env.MemberAPIURL, &c.Env.PublicAPIURL, &c.API,
		&c.ClientID, &sealed, &c.ClientName, timeDest{&c.CreatedAt}, timeDest{&c.UpdatedAt},
		&c.Health, timeDest{&c.CheckedAt}, &c.Problem, timeDest{&c.BrokenSince})
	if err != nil {
		return Credential{}, err
	}
	ring, err := o.sealer()
	if err != nil {
		return Credential{}, err
	}
	secret, err := ring.Open(sealed, secretAAD(c.ID))
	if err != nil {
		return Credential{}, fmt.Errorf("credential %d: client secret: %w", c.ID, err)
	}
	c.ClientSecret = string(secret)
	return c, nil
}

// CreateCredential stores a new credential. ClientSecret is required.
// Two credentials may not share a client id on one registry (ErrConflict).
func (o *ops) CreateCredential(ctx context.Context, c Credential) (_ Credential, err error) {
	defer wrap(&err, "create credential")
	if err := c.validate(); err != nil {
		return Credential{}, err
	}
	if c.ClientSecret == "" {
		return Credential{}, &FieldError{Field: "client_secret", Problem: "is required: ORCID gave it with the client id", Kind: FieldRequired}
	}
	ring, err := o.sealer()
	if err != nil {
		return Credential{}, err
	}
	var out Credential
	err = o.atomic(ctx, func(o *ops) error {
		now := o.now()
		// The secret's additional data names the row id, known only after
		// the insert: insert without it, then seal, in one transaction.
		var id int64
		err := o.queryRow(ctx, `INSERT INTO credentials (name, environment, site_url, member_api_url, public_api_url,
			api_type, client_id, client_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.Name, c.Env.Name, c.Env.SiteURL, c.Env.MemberAPIURL, c.Env.PublicAPIURL, c.API, c.ClientID, c.ClientName,
			timeText(now), timeText(now)).Scan(&id)
		if err != nil {
			return dbErr(err, ErrNotFound)
		}
		out, err = o.scanCredential(o.queryRow(ctx, `UPDATE credentials SET client_secret = ? WHERE id = ? RETURNING `+credentialCols,
			ring.Seal([]byte(c.ClientSecret), secretAAD(id)), id))
		return err
	})
	return out, err
}

// Credential reads one credential, its secret opened.
func (o *ops) Credential(ctx context.Context, id int64) (_ Credential, err error) {
	defer wrap(&err, "credential %d", id)
	c, err := o.scanCredential(o.queryRow(ctx, `SELECT `+credentialCols+` FROM credentials WHERE id = ?`, id))
	return c, notFound(err)
}

// ListCredentials lists every credential by name.
func (o *ops) ListCredentials(ctx context.Context) (_ []Credential, err error) {
	defer wrap(&err, "list credentials")
	rows, err := o.query(ctx, `SELECT `+credentialCols+` FROM credentials ORDER BY name, id`)
	return collect(rows, err, o.scanCredential)
}

// UpdateCredential changes a credential. An empty ClientSecret keeps the
// stored one (the admin UI never shows it again, so a form leaves it blank).
func (o *ops) UpdateCredential(ctx context.Context, c Credential) (_ Credential, err error) {
	defer wrap(&err, "update credential %d", c.ID)
	if err := c.validate(); err != nil {
		return Credential{}, err
	}
	ring, err := o.sealer()
	if err != nil {
		return Credential{}, err
	}
	var out Credential
	err = o.atomic(ctx, func(o *ops) error {
		row := o.queryRow(ctx, `UPDATE credentials SET name = ?, environment = ?, site_url = ?, member_api_url = ?,
			public_api_url = ?, api_type = ?, client_id = ?, client_name = ?, updated_at = ? WHERE id = ? RETURNING `+credentialCols,
			c.Name, c.Env.Name, c.Env.SiteURL, c.Env.MemberAPIURL, c.Env.PublicAPIURL, c.API, c.ClientID, c.ClientName,
			timeText(o.now()), c.ID)
		if out, err = o.scanCredential(row); err != nil {
			return dbErr(notFound(err), ErrNotFound)
		}
		if c.ClientSecret == "" {
			return nil
		}
		out, err = o.scanCredential(o.queryRow(ctx, `UPDATE credentials SET client_secret = ? WHERE id = ? RETURNING `+credentialCols,
			ring.Seal([]byte(c.ClientSecret), secretAAD(c.ID)), c.ID))
		return err
	})
	return out, err
}

// DeleteCredential deletes a credential no tenant uses and no link was made
// with; otherwise ErrConflict.
func (o *ops) DeleteCredential(ctx context.Context, id int64) (err error) {
	defer wrap(&err, "delete credential %d", id)
	return dbErr(affected(o.exec(ctx, `DELETE FROM credentials WHERE id = ?`, id)), ErrConflict)
}

// ListTenantsUsingCredential lists the tenants that share a credential, so
// the admin UI can say who else a change affects.
func (o *ops) ListTenantsUsingCredential(ctx context.Context, credentialID int64) (_ []Tenant, err error) {
	defer wrap(&err, "tenants using credential %d", credentialID)
	rows, err := o.query(ctx, `SELECT `+tenantCols+` FROM tenants WHERE credential_id = ? ORDER BY name, id`, credentialID)
	return collect(rows, err, scanTenant)
}
