package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
)

// ReviewGroup is a peer-review group that orcidlink registered at ORCID
// (a group-id-record) for a tenant's journal with no ISSN: ORCID refuses
// a review naming a group it does not hold (400 9020), so the group is
// registered once, through the credential's two-legged token, and reused.
type ReviewGroup struct {
	TenantID     int64
	CredentialID int64
	Journal      string // the journal's title
	GroupID      string // e.g. orcid-generated:…
	PutCode      int64  // the group-id-record's put-code at ORCID
	CreatedAt    time.Time
}

const reviewGroupCols = `tenant_id, credential_id, journal, group_id, put_code, created_at`

func scanReviewGroup(r scanner) (ReviewGroup, error) {
	var g ReviewGroup
	err := r.Scan(&g.TenantID, &g.CredentialID, &g.Journal, &g.GroupID, &g.PutCode, timeDest{&g.CreatedAt})
	return g, err
}

// ReviewGroup returns the group registered for a tenant's journal with a
// credential, or ErrNotFound.
func (o *ops) ReviewGroup(ctx context.Context, tenantID, credentialID int64, journal string) (_ ReviewGroup, err error) {
	defer wrap(&err, "review group of journal %q of tenant %d", journal, tenantID)
	g, err := scanReviewGroup(o.queryRow(ctx, `SELECT `+reviewGroupCols+` FROM review_groups
		WHERE tenant_id = ? AND credential_id = ? AND journal = ?`, tenantID, credentialID, strings.TrimSpace(journal)))
	return g, notFound(err)
}

// SaveReviewGroup keeps a group registered at ORCID. Two processes that
// registered the same journal at once hold the same group (ORCID answered
// the second with 409 and it looked the group up), so the first row stays.
func (o *ops) SaveReviewGroup(ctx context.Context, g ReviewGroup) (_ ReviewGroup, err error) {
	defer wrap(&err, "save review group of journal %q of tenant %d", g.Journal, g.TenantID)
	g.Journal, g.GroupID = strings.TrimSpace(g.Journal), strings.TrimSpace(g.GroupID)
	if g.GroupID == "" || g.PutCode <= 0 || len(g.Journal) > 1000 {
		return ReviewGroup{}, Refusal(ErrInvalid, "a review group needs a group id, a put-code and a journal of at most 1,000 bytes")
	}
	var out ReviewGroup
	err = o.atomic(ctx, func(o *ops) error {
		if _, err := o.exec(ctx, `INSERT INTO review_groups (tenant_id, credential_id, journal, group_id, put_code, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, credential_id, journal) DO NOTHING`,
			g.TenantID, g.CredentialID, g.Journal, g.GroupID, g.PutCode, timeText(o.now())); err != nil {
			return dbErr(err, ErrNotFound)
		}
		out, err = o.ReviewGroup(ctx, g.TenantID, g.CredentialID, g.Journal)
		return err
	})
	return out, err
}

// SetReviewConsent records whether a person agrees that the reviews they
// complete for the tenant are added to their ORCID record.
func (o *ops) SetReviewConsent(ctx context.Context, tenantID, personID int64, consent bool) (err error) {
	defer wrap(&err, "set review consent of person %d in tenant %d", personID, tenantID)
	v := 0
	if consent {
		v = 1
	}
	_, err = o.exec(ctx, `INSERT INTO review_consents (tenant_id, person_id, consent, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant_id, person_id) DO UPDATE SET consent = excluded.consent, updated_at = excluded.updated_at`,
		tenantID, personID, v, timeText(o.now()))
	return dbErr(err, ErrNotFound)
}

// ReviewConsent says whether the person's reviews may go to their ORCID
// record: yes unless they said no.
func (o *ops) ReviewConsent(ctx context.Context, tenantID, personID int64) (_ bool, err error) {
	defer wrap(&err, "review consent of person %d in tenant %d", personID, tenantID)
	var v int
	err = o.queryRow(ctx, `SELECT consent FROM review_consents WHERE tenant_id = ? AND person_id = ?`, tenantID, personID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	return v == 1, err
}
