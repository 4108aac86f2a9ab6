package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// LinkState is where a person's link to ORCID stands.
type LinkState string

const (
	// LinkConnected: we hold a token the researcher granted.
	LinkConnected LinkState = "connected"
	// LinkRevoked: ORCID refused the token (the researcher revoked us);
	// the iD is kept so that the person can be invited again.
	LinkRevoked LinkState = "revoked"
	// LinkRemoved: the researcher disconnected or an administrator removed
	// the iD; tokens and iD are gone.
	LinkRemoved LinkState = "removed"
)

// Link is a person's link to ORCID under one credential (design note 1 in
// doc/design.md): a person connects once per credential, and a credential
// moved from the sandbox to production starts with no links.
type Link struct {
	ID              int64
	CredentialID    int64
	PersonID        int64
	TenantID        int64
	ORCID           orcid.ID // bare iD; "" once removed
	ORCIDURI        string   // full URI on the registry that issued it
	Name            string   // the name ORCID returned; "" when not public
	AccessToken     string   // plain here, sealed in the database
	RefreshToken    string
	IDToken         string
	Scopes          []string
	ExpiresAt       time.Time
	AuthenticatedAt time.Time
	State           LinkState
	StateReason     string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Covers reports whether the link is connected with a token valid at now
// that grants every one of scopes: then there is no reason to send the
// person to ORCID again.
func (l Link) Covers(now time.Time, scopes ...string) bool {
	if l.State != LinkConnected || l.AccessToken == "" || (!l.ExpiresAt.IsZero() && !now.Before(l.ExpiresAt)) {
		return false
	}
	for _, s := range scopes {
		if !slices.Contains(l.Scopes, s) {
			return false
		}
	}
	return true
}

// Authorization is what a completed OAuth round trip gives to store: every
// field of ORCID's token response (but the token type, always "bearer"),
// and whose it is.
type Authorization struct {
	TenantID     int64
	PersonID     int64
	CredentialID int64 // the credential the code was exchanged with
	orcid.Authorization
	AuthenticatedAt time.Time // zero for now
}

// The sealed columns of orcid_links.
var linkTokenColumns = []string{"access_token", "refresh_token", "id_token"}

// tokenAAD binds a sealed token to its table, row, iD and column: moved to
// another row, another iD or another column, it no longer opens.
func tokenAAD(linkID int64, id orcid.ID, column string) []byte {
	return []byte("orcid_links/" + strconv.FormatInt(linkID, 10) + "/" + string(id) + "/" + column)
}

const linkCols = `id, credential_id, person_id, tenant_id, orcid, orcid_uri, name, access_token, refresh_token,
	id_token, scopes, expires_at, authenticated_at, state, state_reason, created_at, updated_at`

func (o *ops) scanLink(r scanner) (Link, error) {
	var l Link
	var access, refresh, idTok []byte
	var scopes string
	err := r.Scan(&l.ID, &l.CredentialID, &l.PersonID, &l.TenantID, nullable[orcid.ID]{&l.ORCID},
		nullable[string]{&l.ORCIDURI}, &l.Name, &access, &refresh, &idTok, &scopes, timeDest{&l.ExpiresAt},
		timeDest{&l.AuthenticatedAt}, &l.State, &l.StateReason, timeDest{&l.CreatedAt}, timeDest{&l.UpdatedAt})
	if err != nil {
		return Link{}, err
	}
	l.Scopes = strings.Fields(scopes)
	if access == nil && refresh == nil && idTok == nil {
		return l, nil
	}
	ring, err := o.sealer()
	if err != nil {
		return Link{}, err
	}
	for i, p := range []struct {
		sealed []byte
		dst    *string
	}{{access, &l.AccessToken}, {refresh, &l.RefreshToken}, {idTok, &l.IDToken}} {
		plain, err := ring.Open(p.sealed, tokenAAD(l.ID, l.ORCID, linkTokenColumns[i]))
		if err != nil {
			return Link{}, fmt.Errorf("link %d: %s: %w", l.ID, linkTokenColumns[i], err)
		}
		*p.dst = string(plain)
	}
	return l, nil
}

// SaveAuthorization stores what ORCID returned when a person connected:
// a new link, or the person's existing link under that credential brought
// back to connected with the new iD, tokens and scopes.
//
// An iD connected to another person of the tenant is refused with a
// *LinkConflictError (ErrConflict) and nothing is stored. A person who is
// not in the tenant, or an unknown credential, is ErrNotFound.
func (o *ops) SaveAuthorization(ctx context.Context, a Authorization) (_ Link, err error) {
	defer wrap(&err, "save authorization of person %d in tenant %d", a.PersonID, a.TenantID)
	if id, err := orcid.ParseID(string(a.ID)); err != nil || id != a.ID {
		return Link{}, fmt.Errorf("%w: %q is not a bare iD", ErrInvalid, a.ID)
	}
	if a.IDURI == "" || !strings.HasSuffix(a.IDURI, "/"+string(a.ID)) {
		return Link{}, fmt.Errorf("%w: iD URI %q does not name iD %s", ErrInvalid, a.IDURI, a.ID)
	}
	if a.AccessToken == "" {
		return Link{}, fmt.Errorf("%w: no access token", ErrInvalid)
	}
	ring, err := o.sealer()
	if err != nil {
		return Link{}, err
	}
	var out Link
	err = o.atomic(ctx, func(o *ops) error {
		if err := o.mustExist(ctx, "person", a.PersonID, `SELECT 1 FROM people WHERE id = ? AND tenant_id = ?`,
			a.PersonID, a.TenantID); err != nil {
			return err
		}
		if err := o.mustExist(ctx, "credential", a.CredentialID, `SELECT 1 FROM credentials WHERE id = ?`,
			a.CredentialID); err != nil {
			return err
		}
		// One connected person per iD in a tenant. The partial unique index
		// orcid_links_connected_id enforces it; asking first names the
		// other person and keeps a PostgreSQL transaction usable.
		var other int64
		err := o.queryRow(ctx, `SELECT person_id FROM orcid_links
			WHERE tenant_id = ? AND orcid_uri = ? AND state = 'connected' AND person_id <> ?`,
			a.TenantID, a.IDURI, a.PersonID).Scan(&other)
		switch {
		case err == nil:
			return &LinkConflictError{TenantID: a.TenantID, ORCIDURI: a.IDURI, OtherPersonID: other}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}

		now := o.now()
		at := a.AuthenticatedAt
		if at.IsZero() {
			at = now
		}
		// The tokens' additional data names the row id, which an insert
		// only learns at the end: upsert without them, then seal them.
		var id int64
		err = o.queryRow(ctx, `INSERT INTO orcid_links (credential_id, person_id, tenant_id, orcid, orcid_uri, name,
			scopes, expires_at, authenticated_at, state, state_reason, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'connected', '', ?, ?)
			ON CONFLICT (credential_id, person_id) DO UPDATE SET orcid = excluded.orcid, orcid_uri = excluded.orcid_uri,
				name = excluded.name, scopes = excluded.scopes, expires_at = excluded.expires_at,
				authenticated_at = excluded.authenticated_at, state = 'connected', state_reason = '',
				access_token = NULL, refresh_token = NULL, id_token = NULL, updated_at = excluded.updated_at
			RETURNING id`,
			a.CredentialID, a.PersonID, a.TenantID, string(a.ID), a.IDURI, a.Name, strings.Join(a.Scopes, " "),
			timeText(a.ExpiresAt), timeText(at), timeText(now), timeText(now)).Scan(&id)
		if v, _ := classify(err); v == uniqueViolation {
			// Another person connected this iD between the check and now.
			return fmt.Errorf("%w: %w", &LinkConflictError{TenantID: a.TenantID, ORCIDURI: a.IDURI}, err)
		} else if err != nil {
			return dbErr(err, ErrNotFound)
		}
		out, err = o.scanLink(o.queryRow(ctx, `UPDATE orcid_links SET access_token = ?, refresh_token = ?, id_token = ?
			WHERE id = ? RETURNING `+linkCols,
			ring.Seal([]byte(a.AccessToken), tokenAAD(id, a.ID, "access_token")),
			ring.Seal([]byte(a.RefreshToken), tokenAAD(id, a.ID, "refresh_token")),
			ring.Seal([]byte(a.IDToken), tokenAAD(id, a.ID, "id_token")), id))
		return err
	})
	return out, err
}

// Link is a person's link under the tenant's current credential, in
// whatever state. ErrNotFound if they never connected under it, or are
// not the tenant's.
func (o *ops) Link(ctx context.Context, tenantID, personID int64) (_ Link, err error) {
	defer wrap(&err, "link of person %d in tenant %d", personID, tenantID)
	l, err := o.scanLink(o.queryRow(ctx, `SELECT `+qualify("l", linkCols)+` FROM orcid_links l
		JOIN tenants t ON t.id = l.tenant_id AND t.credential_id = l.credential_id
		WHERE l.tenant_id = ? AND l.person_id = ?`, tenantID, personID))
	return l, notFound(err)
}

// LinkByID reads a link of a tenant by its id.
func (o *ops) LinkByID(ctx context.Context, tenantID, linkID int64) (_ Link, err error) {
	defer wrap(&err, "link %d of tenant %d", linkID, tenantID)
	l, err := o.scanLink(o.queryRow(ctx, `SELECT `+linkCols+` FROM orcid_links WHERE id = ? AND tenant_id = ?`,
		linkID, tenantID))
	return l, notFound(err)
}

// LinkByORCID is the connected link of an iD (bare) in a tenant, under the
// tenant's current credential.
func (o *ops) LinkByORCID(ctx context.Context, tenantID int64, id orcid.ID) (_ Link, err error) {
	defer wrap(&err, "link of iD %s in tenant %d", id, tenantID)
	l, err := o.scanLink(o.queryRow(ctx, `SELECT `+qualify("l", linkCols)+` FROM orcid_links l
		JOIN tenants t ON t.id = l.tenant_id AND t.credential_id = l.credential_id
		WHERE l.tenant_id = ? AND l.orcid = ? AND l.state = 'connected'`, tenantID, string(id)))
	return l, notFound(err)
}

// LinksOfPerson lists a person's links under every credential the tenant
// has used, newest first: the history behind Link.
func (o *ops) LinksOfPerson(ctx context.Context, tenantID, personID int64) (_ []Link, err error) {
	defer wrap(&err, "links of person %d in tenant %d", personID, tenantID)
	rows, err := o.query(ctx, `SELECT `+linkCols+` FROM orcid_links WHERE tenant_id = ? AND person_id = ?
		ORDER BY updated_at DESC, id DESC`, tenantID, personID)
	return collect(rows, err, o.scanLink)
}

// MarkLinkRevoked records that ORCID no longer accepts the link's token (a
// 401 invalid_token, say): the link becomes revoked and its tokens, now
// useless, are deleted; the iD stays so the person can be invited again.
// It is called from background work that holds the link id, hence no
// tenant. A link that is not connected is left as it is.
func (o *ops) MarkLinkRevoked(ctx context.Context, linkID int64, reason string) (err error) {
	defer wrap(&err, "revoke link %d", linkID)
	res, err := o.exec(ctx, `UPDATE orcid_links SET state = 'revoked', state_reason = ?, access_token = NULL,
		refresh_token = NULL, id_token = NULL, updated_at = ? WHERE id = ? AND state = 'connected'`,
		reason, timeText(o.now()), linkID)
	if err := affected(res, err); !errors.Is(err, ErrNotFound) {
		return err
	}
	return o.mustExist(ctx, "link", linkID, `SELECT 1 FROM orcid_links WHERE id = ?`, linkID)
}

// RemoveLink forgets a link's iD and tokens (after they were revoked at
// ORCID): the researcher disconnected, or an administrator removed the iD.
// The row stays, in state removed, as the record that there was a link.
func (o *ops) RemoveLink(ctx context.Context, tenantID, linkID int64, reason string) (err error) {
	defer wrap(&err, "remove link %d of tenant %d", linkID, tenantID)
	return affected(o.exec(ctx, `UPDATE orcid_links SET state = 'removed', state_reason = ?, orcid = NULL,
		orcid_uri = NULL, name = '', access_token = NULL, refresh_token = NULL, id_token = NULL, scopes = '',
		expires_at = NULL, authenticated_at = NULL, updated_at = ? WHERE id = ? AND tenant_id = ?`,
		reason, timeText(o.now()), linkID, tenantID))
}
