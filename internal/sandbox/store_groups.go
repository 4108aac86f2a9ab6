package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// GroupIDRecord is a peer-review group: what ORCID keeps in its
// group_id_record table and serves at /v3.0/group-id-record.
type GroupIDRecord struct {
	PutCode     int64  `json:"put_code"`
	GroupID     string `json:"group_id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"type"`
	// SourceClientID is the client that created the group, "" when the
	// registry did (seeded groups and issn: groups made on first use, which
	// ORCID attributes to its own ISSN loader client).
	SourceClientID string    `json:"source_client_id"`
	CreatedAt      time.Time `json:"created_at"`
	ModifiedAt     time.Time `json:"modified_at"`
}

const groupCols = `put_code, group_id, name, description, type, source_client_id, created_at, modified_at`

func scanGroup(row interface{ Scan(...any) error }) (GroupIDRecord, error) {
	var g GroupIDRecord
	var created, modified int64
	err := row.Scan(&g.PutCode, &g.GroupID, &g.Name, &g.Description, &g.Type, &g.SourceClientID, &created, &modified)
	if errors.Is(err, sql.ErrNoRows) {
		return g, ErrNotFound
	}
	if err != nil {
		return g, fmt.Errorf("read group-id-record: %w", err)
	}
	g.CreatedAt, g.ModifiedAt = fromUnix(created), fromUnix(modified)
	return g, nil
}

// CreateGroup stores a new group and returns its put-code; a group id that
// exists already (compared as ORCID does, trimmed and case-insensitively)
// is ErrConflict.
func (s *store) CreateGroup(ctx context.Context, g GroupIDRecord) (int64, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO group_id_records
		(group_id, name, description, type, source_client_id, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		g.GroupID, g.Name, g.Description, g.Type, g.SourceClientID, unix(g.CreatedAt), unix(g.ModifiedAt))
	if isUniqueViolation(err) {
		return 0, fmt.Errorf("group %s: %w", g.GroupID, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("create group %s: %w", g.GroupID, err)
	}
	return res.LastInsertId()
}

// UpdateGroup replaces a group's content, keeping its source and creation.
func (s *store) UpdateGroup(ctx context.Context, g GroupIDRecord) error {
	res, err := s.db.ExecContext(ctx, `UPDATE group_id_records SET group_id = ?, name = ?, description = ?, type = ?,
		modified_at = ? WHERE put_code = ?`, g.GroupID, g.Name, g.Description, g.Type, unix(g.ModifiedAt), g.PutCode)
	if isUniqueViolation(err) {
		return fmt.Errorf("group %s: %w", g.GroupID, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("update group %d: %w", g.PutCode, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

func (s *store) DeleteGroup(ctx context.Context, putCode int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM group_id_records WHERE put_code = ?`, putCode)
	if err != nil {
		return fmt.Errorf("delete group %d: %w", putCode, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

func (s *store) Group(ctx context.Context, putCode int64) (GroupIDRecord, error) {
	return scanGroup(s.db.QueryRowContext(ctx, `SELECT `+groupCols+` FROM group_id_records WHERE put_code = ?`, putCode))
}

// GroupByGroupID finds a group the way GroupIdRecordDaoImpl.findByGroupId
// does: trim(lower(group_id)) equal.
func (s *store) GroupByGroupID(ctx context.Context, groupID string) (GroupIDRecord, error) {
	return scanGroup(s.db.QueryRowContext(ctx, `SELECT `+groupCols+` FROM group_id_records
		WHERE lower(trim(group_id)) = lower(trim(?))`, groupID))
}

// GroupByName finds a group by name, compared as GroupIdRecordDaoImpl.findByName
// does. Names are not unique; the oldest group of that name is returned.
func (s *store) GroupByName(ctx context.Context, name string) (GroupIDRecord, error) {
	return scanGroup(s.db.QueryRowContext(ctx, `SELECT `+groupCols+` FROM group_id_records
		WHERE lower(trim(name)) = lower(trim(?)) ORDER BY put_code LIMIT 1`, name))
}

// Groups is one page of groups in order of creation (GroupIdRecordDaoImpl
// orders by dateCreated).
func (s *store) Groups(ctx context.Context, limit, offset int) ([]GroupIDRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+groupCols+` FROM group_id_records
		ORDER BY created_at, put_code LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	defer rows.Close()
	var out []GroupIDRecord
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// GroupInUse reports whether any peer review, on any record and from any
// source, names the group (GroupIdRecordDaoImpl.haveAnyPeerReview).
func (s *store) GroupInUse(ctx context.Context, groupID string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM items WHERE kind = 'peer-review'
		AND lower(trim(json_extract(body, '$."review-group-id"'))) = lower(trim(?))`, groupID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("peer reviews of group %s: %w", groupID, err)
	}
	return n > 0, nil
}

// Organization is one entry of the organisation registry: an identifier in
// one of ORCID's disambiguation sources, and what the registry knows of it.
// The JSON names are those of the seed file and the control API.
type Organization struct {
	Identifier string `json:"disambiguated_organization_identifier"`
	Source     string `json:"disambiguation_source"`
	Name       string `json:"name"`
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	Country    string `json:"country,omitempty"`
}

// UpsertOrganization adds an organisation or replaces what is known of it.
func (s *store) UpsertOrganization(ctx context.Context, o Organization, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO organizations (identifier, source, name, city, region, country, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (identifier, source) DO UPDATE SET name = excluded.name, city = excluded.city,
		region = excluded.region, country = excluded.country`,
		o.Identifier, o.Source, o.Name, o.City, o.Region, o.Country, unix(now))
	if err != nil {
		return fmt.Errorf("store organization %s %s: %w", o.Source, o.Identifier, err)
	}
	return nil
}

// Organization looks an organisation up by identifier and source, both
// compared exactly, as OrgDisambiguatedDaoImpl.findBySourceIdAndSourceType does.
func (s *store) Organization(ctx context.Context, identifier, source string) (Organization, error) {
	var o Organization
	err := s.db.QueryRowContext(ctx, `SELECT identifier, source, name, city, region, country FROM organizations
		WHERE identifier = ? AND source = ?`, identifier, source).Scan(&o.Identifier, &o.Source, &o.Name, &o.City, &o.Region, &o.Country)
	if errors.Is(err, sql.ErrNoRows) {
		return o, ErrNotFound
	}
	if err != nil {
		return o, fmt.Errorf("find organization %s %s: %w", source, identifier, err)
	}
	return o, nil
}

// Organizations lists the registry, by source then identifier.
func (s *store) Organizations(ctx context.Context) ([]Organization, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT identifier, source, name, city, region, country FROM organizations
		ORDER BY source, identifier`)
	if err != nil {
		return nil, fmt.Errorf("list organizations: %w", err)
	}
	defer rows.Close()
	out := []Organization{}
	for rows.Next() {
		var o Organization
		if err := rows.Scan(&o.Identifier, &o.Source, &o.Name, &o.City, &o.Region, &o.Country); err != nil {
			return nil, fmt.Errorf("list organizations: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
