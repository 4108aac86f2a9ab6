package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Person is someone a tenant wants connected to ORCID.
type Person struct {
	ID          int64
	TenantID    int64
	GivenNames  string
	FamilyNames string
	Email       string // unique in the tenant, ignoring ASCII case
	ExternalRef string // the tenant's own reference; "" for none, else unique in the tenant
	Language    string // preferred language; "" for the tenant's default
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// PersonStatus is where a person stands with the tenant, as the people list
// shows it: the state of their link under the tenant's current credential,
// or else of their latest invitation.
type PersonStatus string

const (
	StatusNone      PersonStatus = "none"      // no link, no live invitation
	StatusInvited   PersonStatus = "invited"   // a pending invitation that has not expired
	StatusDenied    PersonStatus = "denied"    // the latest invitation was denied
	StatusConnected PersonStatus = "connected" // the link states, see LinkState
	StatusRevoked   PersonStatus = "revoked"
	StatusRemoved   PersonStatus = "removed"
)

func (s PersonStatus) valid() bool {
	switch s {
	case StatusNone, StatusInvited, StatusDenied, StatusConnected, StatusRevoked, StatusRemoved:
		return true
	}
	return false
}

// PersonListItem is a person with their status.
type PersonListItem struct {
	Person
	Status   PersonStatus
	ORCIDURI string // the iD of the link, when there is one
	// Scopes and ConnectedAt are the link's (what the person granted, and
	// when they last authorized): the people export lists them.
	Scopes      []string
	ConnectedAt time.Time
}

// PeopleQuery filters and pages the people list.
type PeopleQuery struct {
	Status PersonStatus // "" for everyone
	// Search matches people whose names, email, reference or iD contain
	// every word of it, ignoring case (Unicode, on both engines).
	Search string
	Limit  int    // default 50, at most 500
	Cursor string // PeoplePage.Next of the previous page; "" for the first
}

// PeoplePage is one page of people, ordered by family then given names.
type PeoplePage struct {
	People []PersonListItem
	Next   string // the cursor of the next page; "" on the last one
}

// cursor is a position in the people order (keyset pagination: the next
// page starts after this key, so rows added or removed meanwhile never make
// a page skip or repeat someone).
type cursor struct {
	Key string `json:"k"`
	ID  int64  `json:"i"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c) // cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID <= 0 {
		return cursor{}, fmt.Errorf("%w: bad page cursor", ErrInvalid)
	}
	return c, nil
}

// searchText and sortKey are computed here, not by the database: SQLite's
// lower() folds ASCII only, and the two engines sort text differently.
func searchText(p Person) string {
	return strings.ToLower(strings.Join([]string{p.GivenNames, p.FamilyNames, p.Email, p.ExternalRef}, " "))
}

func sortKey(p Person) string {
	// \x1f (unit separator) sorts before any printable character, so
	// "Li" comes before "Li Wei" whatever the given names.
	return strings.ToLower(p.FamilyNames) + "\x1f" + strings.ToLower(p.GivenNames) + "\x1f" + strings.ToLower(p.Email)
}

// normalize is CheckPerson (the one validation of a person, whichever door
// they come through), run again before every write.
func (p *Person) normalize() error {
	if p.TenantID == 0 {
		return fmt.Errorf("%w: person has no tenant", ErrInvalid)
	}
	return CheckPerson(p)
}

const personCols = `id, tenant_id, given_names, family_names, email, external_ref, language, created_at, updated_at`

func scanPerson(r scanner) (Person, error) {
	var p Person
	err := r.Scan(&p.ID, &p.TenantID, &p.GivenNames, &p.FamilyNames, &p.Email, nullable[string]{&p.ExternalRef},
		&p.Language, timeDest{&p.CreatedAt}, timeDest{&p.UpdatedAt})
	return p, err
}

// CreatePerson adds a person to p.TenantID. The email and the reference
// must be new in the tenant (else ErrConflict).
func (o *ops) CreatePerson(ctx context.Context, p Person) (_ Person, err error) {
	defer wrap(&err, "create person in tenant %d", p.TenantID)
	if err := p.normalize(); err != nil {
		return Person{}, err
	}
	if err := o.mustExist(ctx, "tenant", p.TenantID, `SELECT 1 FROM tenants WHERE id = ?`, p.TenantID); err != nil {
		return Person{}, err
	}
	now := timeText(o.now())
	out, err := scanPerson(o.queryRow(ctx, `INSERT INTO people (tenant_id, given_names, family_names, email,
		external_ref, language, search_text, sort_key, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+personCols,
		p.TenantID, p.GivenNames, p.FamilyNames, p.Email, nullString(p.ExternalRef), p.Language,
		searchText(p), sortKey(p), now, now))
	return out, dbErr(err, ErrNotFound)
}

// Person reads a person of a tenant; a person of another tenant is
// ErrNotFound.
func (o *ops) Person(ctx context.Context, tenantID, personID int64) (_ Person, err error) {
	defer wrap(&err, "person %d of tenant %d", personID, tenantID)
	p, err := scanPerson(o.queryRow(ctx, `SELECT `+personCols+` FROM people WHERE id = ? AND tenant_id = ?`,
		personID, tenantID))
	return p, notFound(err)
}

// PersonByEmail finds a person of a tenant by email, ignoring ASCII case.
func (o *ops) PersonByEmail(ctx context.Context, tenantID int64, email string) (_ Person, err error) {
	defer wrap(&err, "person %q of tenant %d", email, tenantID)
	p, err := scanPerson(o.queryRow(ctx, `SELECT `+personCols+` FROM people WHERE tenant_id = ? AND lower(email) = lower(?)`,
		tenantID, strings.TrimSpace(email)))
	return p, notFound(err)
}

// PersonByExternalRef finds a person by the tenant's own reference.
func (o *ops) PersonByExternalRef(ctx context.Context, tenantID int64, ref string) (_ Person, err error) {
	defer wrap(&err, "person with reference %q in tenant %d", ref, tenantID)
	p, err := scanPerson(o.queryRow(ctx, `SELECT `+personCols+` FROM people WHERE tenant_id = ? AND external_ref = ?`,
		tenantID, strings.TrimSpace(ref)))
	return p, notFound(err)
}

// UpdatePerson changes a person's names, email, reference and language. The
// person must belong to p.TenantID (else ErrNotFound).
func (o *ops) UpdatePerson(ctx context.Context, p Person) (_ Person, err error) {
	defer wrap(&err, "update person %d of tenant %d", p.ID, p.TenantID)
	if err := p.normalize(); err != nil {
		return Person{}, err
	}
	out, err := scanPerson(o.queryRow(ctx, `UPDATE people SET given_names = ?, family_names = ?, email = ?,
		external_ref = ?, language = ?, search_text = ?, sort_key = ?, updated_at = ?
		WHERE id = ? AND tenant_id = ? RETURNING `+personCols,
		p.GivenNames, p.FamilyNames, p.Email, nullString(p.ExternalRef), p.Language, searchText(p), sortKey(p),
		timeText(o.now()), p.ID, p.TenantID))
	return out, dbErr(notFound(err), ErrNotFound)
}

// DeletePerson deletes a person with their links and invitations; the audit
// trail and call log keep their entries without the person. Revoke the
// person's tokens at ORCID first.
func (o *ops) DeletePerson(ctx context.Context, tenantID, personID int64) (err error) {
	defer wrap(&err, "delete person %d of tenant %d", personID, tenantID)
	return dbErr(affected(o.exec(ctx, `DELETE FROM people WHERE id = ? AND tenant_id = ?`, personID, tenantID)), ErrConflict)
}

// peopleWithStatus selects a tenant's people with their status (see
// PersonStatus) and iD. The status is derived in SQL so that it can be
// filtered, paged on and counted; callers wrap it in a subquery so that
// their WHERE can name it on both engines. Its arguments: the time now,
// then the tenant.
//
// Whether someone has a live invitation is a scalar subquery, not EXISTS:
// PostgreSQL may turn an EXISTS into a hash of every pending invitation,
// built in full even for a page of 50 (a second at a million people,
// doc/performance.md); the subquery looks up each person's own.
var peopleWithStatus = `SELECT ` + qualify("p", personCols) + `, p.sort_key, p.search_text,
			CASE
				WHEN l.state IS NOT NULL THEN l.state
				WHEN (SELECT 1 FROM invitations i WHERE i.person_id = p.id AND i.state = 'pending' AND i.expires_at > ?
						LIMIT 1) IS NOT NULL
					THEN 'invited'
				WHEN (SELECT i.state FROM invitations i WHERE i.person_id = p.id ORDER BY i.id DESC LIMIT 1) = 'denied'
					THEN 'denied'
				ELSE 'none'
			END AS status,
			l.orcid_uri, l.scopes, l.authenticated_at
		FROM people p
		JOIN tenants t ON t.id = p.tenant_id
		LEFT JOIN orcid_links l ON l.person_id = p.id AND l.credential_id = t.credential_id
		WHERE p.tenant_id = ?`

// personRow is a row of peopleWithStatus: the person with their status,
// and their place in the list's order.
type personRow struct {
	item PersonListItem
	key  string
}

func scanPersonRow(r scanner) (personRow, error) {
	var it personRow
	var search, status, scopes string
	p := &it.item.Person
	err := r.Scan(&p.ID, &p.TenantID, &p.GivenNames, &p.FamilyNames, &p.Email, nullable[string]{&p.ExternalRef},
		&p.Language, timeDest{&p.CreatedAt}, timeDest{&p.UpdatedAt}, &it.key, &search, &status,
		nullable[string]{&it.item.ORCIDURI}, nullable[string]{&scopes}, timeDest{&it.item.ConnectedAt})
	it.item.Status = PersonStatus(status)
	it.item.Scopes = strings.Fields(scopes)
	return it, err
}

// PersonWithStatus reads one person of a tenant with their status and iD,
// derived by the people list's own query (peopleWithStatus), so that a
// person's page, the REST API and the list never disagree. A person of
// another tenant is ErrNotFound.
func (o *ops) PersonWithStatus(ctx context.Context, tenantID, personID int64) (_ PersonListItem, err error) {
	defer wrap(&err, "status of person %d of tenant %d", personID, tenantID)
	it, err := scanPersonRow(o.queryRow(ctx, `SELECT * FROM (`+peopleWithStatus+`) x WHERE x.id = ?`,
		timeText(o.now()), tenantID, personID))
	return it.item, notFound(err)
}

// countPeopleNow counts a tenant's people by status, reading every one of
// them (CountPeople, counts.go, keeps large tenants' counts between
// views); statuses no one is in are absent.
func (o *ops) countPeopleNow(ctx context.Context, tenantID int64) (_ map[PersonStatus]int, err error) {
	defer wrap(&err, "count people of tenant %d", tenantID)
	rows, err := o.query(ctx, `SELECT x.status, COUNT(*) FROM (`+peopleWithStatus+`) x GROUP BY x.status`,
		timeText(o.now()), tenantID)
	type count struct {
		status string
		n      int
	}
	cs, err := collect(rows, err, func(r scanner) (count, error) {
		var c count
		return c, r.Scan(&c.status, &c.n)
	})
	if err != nil {
		return nil, err
	}
	out := map[PersonStatus]int{}
	for _, c := range cs {
		out[PersonStatus(c.status)] = c.n
	}
	return out, nil
}

// ListPeople lists a tenant's people, filtered and a page at a time.
func (o *ops) ListPeople(ctx context.Context, tenantID int64, q PeopleQuery) (_ PeoplePage, err error) {
	defer wrap(&err, "list people of tenant %d", tenantID)
	limit := limitOr(q.Limit, 50, 500)
	query := `SELECT * FROM (` + peopleWithStatus + `) x WHERE 1 = 1`
	args := []any{timeText(o.now()), tenantID}
	words := strings.Fields(strings.ToLower(q.Search))
	if q.Status != "" {
		if !q.Status.valid() {
			return PeoplePage{}, fmt.Errorf("%w: status %q", ErrInvalid, q.Status)
		}
		if len(words) == 0 {
			// Filtered by status alone: walked in order (people_scale.go).
			items, err := o.walkPeopleByStatus(ctx, tenantID, q.Status, q.Cursor, limit)
			if err != nil {
				return PeoplePage{}, err
			}
			return peoplePage(items, limit), nil
		}
		query += ` AND x.status = ?`
		args = append(args, string(q.Status))
	}
	for _, word := range words {
		// The iD is searched too: an administrator often has only the
		// iD a researcher quoted ("0009-0001-…" or its URI). Each side
		// is a query of its own table, so that PostgreSQL can use its
		// trigram index for a rare word (migration 00017), or walk the
		// list's order and look each person up for a common one.
		pattern := "%" + escapeLike(word) + "%"
		query += ` AND x.id IN (SELECT s.id FROM people s WHERE s.tenant_id = ? AND s.search_text LIKE ? ESCAPE '\'
			UNION ALL SELECT sl.person_id FROM orcid_links sl
				JOIN tenants st ON st.id = sl.tenant_id AND st.credential_id = sl.credential_id
				WHERE sl.tenant_id = ? AND lower(sl.orcid_uri) LIKE ? ESCAPE '\')`
		args = append(args, tenantID, pattern, tenantID, pattern)
	}
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor)
		if err != nil {
			return PeoplePage{}, err
		}
		// A row value, which both engines read as a range of the
		// people_order index: a deep page starts where it starts rather
		// than after every earlier row is read and skipped.
		query += ` AND (x.sort_key, x.id) > (?, ?)`
		args = append(args, c.Key, c.ID)
	}
	// One more than asked: whether it comes back says if there is a next page.
	query += ` ORDER BY x.sort_key, x.id LIMIT ?`
	args = append(args, limit+1)

	rows, err := o.query(ctx, query, args...)
	items, err := collect(rows, err, scanPersonRow)
	if err != nil {
		return PeoplePage{}, err
	}
	return peoplePage(items, limit), nil
}

// peoplePage is a page of limit people out of up to limit+1 rows: the
// one more says there is a next page.
func peoplePage(items []personRow, limit int) PeoplePage {
	var page PeoplePage
	for i, it := range items {
		if i == limit {
			last := items[limit-1]
			page.Next = cursor{Key: last.key, ID: last.item.ID}.encode()
			break
		}
		page.People = append(page.People, it.item)
	}
	return page
}

// escapeLike makes s match itself in a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
