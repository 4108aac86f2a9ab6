package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEvent is one entry of the audit trail: who did what to whom.
type AuditEvent struct {
	ID        int64
	TenantID  int64 // 0 for a site-wide event
	PersonID  int64 // 0 when not about a person (or the person was deleted)
	Actor     string
	Action    string          // e.g. "link.removed", "invitation.sent"
	Detail    json.RawMessage // a JSON object; nil stores {}
	CreatedAt time.Time
}

// Actors, for AuditEvent.Actor.
const (
	ActorPerson = "person" // the researcher, through their invitation
	ActorSystem = "system" // orcidlink itself
)

// ActorAdmin is the actor for an administrator.
func ActorAdmin(userID int64) string { return fmt.Sprintf("admin:%d", userID) }

const auditCols = `id, tenant_id, person_id, actor, action, detail, created_at`

func scanAudit(r scanner) (AuditEvent, error) {
	var e AuditEvent
	var detail string
	err := r.Scan(&e.ID, nullable[int64]{&e.TenantID}, nullable[int64]{&e.PersonID}, &e.Actor, &e.Action, &detail,
		timeDest{&e.CreatedAt})
	e.Detail = json.RawMessage(detail)
	return e, err
}

// AppendAudit adds an event to the trail. A person must belong to the
// event's tenant (else ErrNotFound).
func (o *ops) AppendAudit(ctx context.Context, e AuditEvent) (_ AuditEvent, err error) {
	defer wrap(&err, "append audit event %q", e.Action)
	if e.Actor == "" || e.Action == "" {
		return AuditEvent{}, fmt.Errorf("%w: an audit event needs an actor and an action", ErrInvalid)
	}
	if len(e.Detail) == 0 {
		e.Detail = json.RawMessage("{}")
	}
	if !json.Valid(e.Detail) {
		return AuditEvent{}, fmt.Errorf("%w: detail is not JSON", ErrInvalid)
	}
	if err := o.personOfTenant(ctx, e.TenantID, e.PersonID); err != nil {
		return AuditEvent{}, err
	}
	out, err := scanAudit(o.queryRow(ctx, `INSERT INTO audit_events (tenant_id, person_id, actor, action, detail, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING `+auditCols,
		nullID(e.TenantID), nullID(e.PersonID), e.Actor, e.Action, string(e.Detail), timeText(o.now())))
	return out, dbErr(err, ErrNotFound)
}

// ListAudit lists a tenant's events, or one person's when personID is not
// 0, newest first. Tenant 0 lists the site-wide events.
func (o *ops) ListAudit(ctx context.Context, tenantID, personID int64, limit int) (_ []AuditEvent, err error) {
	defer wrap(&err, "audit of tenant %d, person %d", tenantID, personID)
	query, args := `SELECT `+auditCols+` FROM audit_events WHERE `, []any{}
	if tenantID == 0 {
		query += `tenant_id IS NULL`
	} else {
		query += `tenant_id = ?`
		args = append(args, tenantID)
	}
	if personID != 0 {
		query += ` AND person_id = ?`
		args = append(args, personID)
	}
	rows, err := o.query(ctx, query+` ORDER BY id DESC LIMIT ?`, append(args, limitOr(limit, 100, 1000))...)
	return collect(rows, err, scanAudit)
}

// personOfTenant checks that an optional person belongs to an optional
// tenant: entries that name both must agree.
func (o *ops) personOfTenant(ctx context.Context, tenantID, personID int64) error {
	switch {
	case personID == 0:
		return nil
	case tenantID == 0:
		return fmt.Errorf("%w: person %d named without a tenant", ErrInvalid, personID)
	}
	return o.mustExist(ctx, "person", personID, `SELECT 1 FROM people WHERE id = ? AND tenant_id = ?`, personID, tenantID)
}
