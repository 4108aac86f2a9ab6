package store

import (
	"context"
	"encoding/json"
	"time"
)

// ImportedRecord is a researcher's ORCID record as last read, for the
// tenant's own systems.
type ImportedRecord struct {
	TenantID  int64
	PersonID  int64
	LinkID    int64
	ORCIDURI  string
	Record    json.RawMessage // ORCID's JSON
	FetchedAt time.Time
}

// SaveRecord keeps the latest import of a person's record, replacing the
// previous one.
func (o *ops) SaveRecord(ctx context.Context, r ImportedRecord) (err error) {
	defer wrap(&err, "save the record of person %d in tenant %d", r.PersonID, r.TenantID)
	var link any
	if r.LinkID != 0 {
		link = r.LinkID
	}
	_, err = o.exec(ctx, `INSERT INTO orcid_records (tenant_id, person_id, link_id, orcid_uri, record, fetched_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, person_id) DO UPDATE SET link_id = excluded.link_id, orcid_uri = excluded.orcid_uri,
		record = excluded.record, fetched_at = excluded.fetched_at`,
		r.TenantID, r.PersonID, link, r.ORCIDURI, string(r.Record), timeText(r.FetchedAt))
	return err
}

// Record returns a person's last imported record, or ErrNotFound.
func (o *ops) Record(ctx context.Context, tenantID, personID int64) (_ ImportedRecord, err error) {
	defer wrap(&err, "record of person %d in tenant %d", personID, tenantID)
	var r ImportedRecord
	var link *int64
	var body string
	err = o.queryRow(ctx, `SELECT tenant_id, person_id, link_id, orcid_uri, record, fetched_at FROM orcid_records
		WHERE tenant_id = ? AND person_id = ?`, tenantID, personID).
		Scan(&r.TenantID, &r.PersonID, &link, &r.ORCIDURI, &body, timeDest{&r.FetchedAt})
	if err != nil {
		return r, notFound(err)
	}
	if link != nil {
		r.LinkID = *link
	}
	r.Record = json.RawMessage(body)
	return r, nil
}

// ConnectedPeople lists (tenant, person) of every connected link, for the
// scheduled import.
func (o *ops) ConnectedPeople(ctx context.Context) (_ [][2]int64, err error) {
	defer wrap(&err, "list connected people")
	rows, err := o.query(ctx, `SELECT tenant_id, person_id FROM orcid_links WHERE state = 'connected' ORDER BY tenant_id, person_id`)
	return collect(rows, err, func(r scanner) ([2]int64, error) {
		var x [2]int64
		return x, r.Scan(&x[0], &x[1])
	})
}
