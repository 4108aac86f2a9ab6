package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

// A change made through a service (the journal workflow, the queue, batch
// files, webhooks) runs in transactions the service opens itself, through
// the store. Its audit event must be written in the transaction that makes
// the change, or a change could happen with no record of it (the request
// cancelled between the two, a full disk). Rather than teach every service
// to carry events, the caller attaches the event to the context with
// WithAudit, and the store writes it in the first transaction that commits
// with that context: the change and its record are kept or lost together.
// FlushAudit, once the service has returned, completes the event with what
// only the change's result tells (a new row's id, a count) and writes it if
// no transaction carried it.

// auditCtxKey is the context key of the pending event.
type auditCtxKey struct{}

// auditCarrier is shared by pointer between the contexts derived from the
// one WithAudit returned, so that the transactions of a service, each
// started from its own derived context, see one event, written once.
type auditCarrier struct {
	mu       sync.Mutex
	e        AuditEvent
	carrying bool  // a transaction has written it and not yet ended
	id       int64 // the written event's id, once a transaction committed it
}

// WithAudit attaches e to ctx: the store writes it in the first top-level
// transaction (InTx, or a method's own transaction) that commits with ctx
// or a context derived from it, exactly once. A transaction that rolls
// back takes the event with it, and the next one to commit carries it.
// Call FlushAudit after the change, on success.
func WithAudit(ctx context.Context, e AuditEvent) context.Context {
	return context.WithValue(ctx, auditCtxKey{}, &auditCarrier{e: e})
}

func auditCarrierOf(ctx context.Context) *auditCarrier {
	c, _ := ctx.Value(auditCtxKey{}).(*auditCarrier)
	return c
}

// carryAudit writes the event pending in ctx, if any, in the transaction
// that o runs in, just before it commits. end must be called with whether
// the commit succeeded: only then is the event written for good; on a
// rollback it is pending again. A transaction running at the same time
// with the same context while another carries the event leaves it alone,
// so that the event is never written twice.
func (o *ops) carryAudit(ctx context.Context) (end func(committed bool), err error) {
	c := auditCarrierOf(ctx)
	if c == nil {
		return func(bool) {}, nil
	}
	c.mu.Lock()
	if c.id != 0 || c.carrying {
		c.mu.Unlock()
		return func(bool) {}, nil
	}
	c.carrying = true
	e := c.e
	c.mu.Unlock()
	out, err := o.AppendAudit(ctx, e)
	if err != nil {
		c.mu.Lock()
		c.carrying = false
		c.mu.Unlock()
		return nil, err
	}
	return func(committed bool) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.carrying = false
		if committed {
			c.id = out.ID
		}
	}, nil
}

// FlushAudit ends the event that WithAudit attached to ctx, once the change
// it records has been made. detail (nil for none) adds to the event's
// detail what only the change's result tells, such as the id of a row it
// created. If a transaction carried the event, that detail is added to it
// (the event itself, with its actor, tenant, person and action, was written
// with the change); if none did (a change that needed no transaction),
// the whole event is written now. It returns the event as written; with
// no event in ctx it does nothing.
func (s *Store) FlushAudit(ctx context.Context, detail json.RawMessage) (_ AuditEvent, err error) {
	c := auditCarrierOf(ctx)
	if c == nil {
		return AuditEvent{}, nil
	}
	c.mu.Lock()
	e, id, carrying := c.e, c.id, c.carrying
	c.mu.Unlock()
	if carrying {
		return AuditEvent{}, errors.New("store: flush audit: a transaction is still carrying it")
	}
	defer wrap(&err, "flush audit event %q", e.Action)
	if len(detail) > 0 && string(detail) != "null" {
		merged, err := mergeDetail(e.Detail, detail)
		if err != nil {
			return AuditEvent{}, err
		}
		e.Detail = merged
	}
	if id == 0 {
		out, err := s.AppendAudit(ctx, e)
		if err == nil {
			c.mu.Lock()
			c.id = out.ID
			c.mu.Unlock()
		}
		return out, err
	}
	if len(detail) > 0 && string(detail) != "null" {
		if err := affected(s.exec(ctx, `UPDATE audit_events SET detail = ? WHERE id = ?`, string(e.Detail), id)); err != nil {
			return AuditEvent{}, err
		}
	}
	return scanAudit(s.queryRow(ctx, `SELECT `+auditCols+` FROM audit_events WHERE id = ?`, id))
}

// mergeDetail adds the keys of more to the JSON object base (more wins).
// Both encode maps, so the result is what encoding the union would give.
func mergeDetail(base, more json.RawMessage) (json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(base) > 0 {
		if err := json.Unmarshal(base, &m); err != nil {
			return nil, fmt.Errorf("%w: detail is not a JSON object", ErrInvalid)
		}
	}
	var add map[string]json.RawMessage
	if err := json.Unmarshal(more, &add); err != nil {
		return nil, fmt.Errorf("%w: detail is not a JSON object", ErrInvalid)
	}
	for k, v := range add {
		m[k] = v
	}
	return json.Marshal(m)
}
