package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// RecordEvents is RecordEvent for many events at once, in one transaction:
// what a bulk write of a hundred works records (issue 16). The tenant,
// person and endpoint lookups RecordEvent makes for each event are made
// once per tenant and person.
func (o *ops) RecordEvents(ctx context.Context, es []Event) (_ []Event, err error) {
	defer wrap(&err, "record %d events", len(es))
	for i := range es {
		if !validEventType(es[i].Type) {
			return nil, fmt.Errorf("%w: event type %q", ErrInvalid, es[i].Type)
		}
		if len(es[i].Data) == 0 {
			es[i].Data = json.RawMessage("{}")
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(es[i].Data, &obj); err != nil {
			return nil, fmt.Errorf("%w: event data must be a JSON object: %w", ErrInvalid, err)
		}
	}
	type endpoint struct {
		id    int64
		types string
	}
	type person struct{ email, ref string }
	slugs, people, endpoints := map[int64]string{}, map[int64]person{}, map[int64][]endpoint{}
	out := make([]Event, 0, len(es))
	err = o.atomic(ctx, func(o *ops) error {
		for _, e := range es {
			slug, ok := slugs[e.TenantID]
			if !ok {
				if err := o.queryRow(ctx, `SELECT slug FROM tenants WHERE id = ?`, e.TenantID).Scan(&slug); err != nil {
					return notFound(err)
				}
				slugs[e.TenantID] = slug
				rows, err := o.query(ctx, `SELECT id, event_types FROM webhook_endpoints WHERE tenant_id = ? AND active = 1 ORDER BY id`,
					e.TenantID)
				subs, err := collect(rows, err, func(r scanner) (s endpoint, err error) { return s, r.Scan(&s.id, &s.types) })
				if err != nil {
					return err
				}
				endpoints[e.TenantID] = subs
			}
			e.TenantSlug = slug
			if e.PersonID != 0 {
				p, ok := people[e.PersonID]
				if !ok {
					if err := o.queryRow(ctx, `SELECT email, COALESCE(external_ref, '') FROM people WHERE id = ? AND tenant_id = ?`,
						e.PersonID, e.TenantID).Scan(&p.email, &p.ref); err != nil {
						return notFound(err)
					}
					people[e.PersonID] = p
				}
				e.PersonEmail, e.PersonExternalRef = p.email, p.ref
			}
			now := o.now()
			ev, err := scanEvent(o.queryRow(ctx, `INSERT INTO webhook_events (uid, tenant_id, tenant_slug, person_id, person_email,
				person_external_ref, type, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+eventCols,
				newEventUID(), e.TenantID, e.TenantSlug, nullID(e.PersonID), e.PersonEmail, e.PersonExternalRef, e.Type,
				string(e.Data), timeText(now)))
			if err != nil {
				return err
			}
			for _, s := range endpoints[e.TenantID] {
				if !slices.Contains(strings.Split(s.types, ","), e.Type) {
					continue
				}
				if _, err := o.exec(ctx, `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, person_id, state,
					attempts, next_attempt_at, last_status, last_response, last_error, created_at)
					VALUES (?, ?, ?, ?, 'pending', 0, ?, 0, '', '', ?)`,
					e.TenantID, s.id, ev.ID, e.PersonID, timeText(now), timeText(now)); err != nil {
					return err
				}
			}
			out = append(out, ev)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
