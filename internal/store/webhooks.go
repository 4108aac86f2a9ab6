package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WebhookEndpoint is a URL of a tenant's system that receives signed
// events of the types it subscribes to.
type WebhookEndpoint struct {
	ID          int64
	TenantID    int64
	URL         string // absolute http(s)
	Description string
	EventTypes  []string // e.g. person.connected, item.synced; at least one
	Secret      string   // the signing secret: plain here, sealed in the database
	Active      bool     // an inactive endpoint gets no new deliveries, and its pending ones wait
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// The circuit, kept by FinishWebhookDelivery: Timeouts is how many
	// attempts in a row got no answer in time; ParkedUntil, when set, is
	// until when the endpoint gets no attempt at all (the circuit is open),
	// and once past, it gets one attempt at a time until one is answered
	// (half-open). Saving the endpoint closes the circuit.
	Timeouts    int
	ParkedUntil time.Time
}

// Subscribes reports whether the endpoint wants events of type typ.
func (e WebhookEndpoint) Subscribes(typ string) bool { return slices.Contains(e.EventTypes, typ) }

func webhookSecretAAD(id int64) []byte {
	return []byte("webhook_endpoints/" + strconv.FormatInt(id, 10) + "/secret")
}

// validate is CheckWebhookEndpoint, run again before every write.
func (e *WebhookEndpoint) validate() error { return CheckWebhookEndpoint(e) }

// validEventType checks the form of a type (the list of types is the
// webhooks package's): lower-case words joined by dots.
func validEventType(t string) bool {
	if t == "" || len(t) > 64 || strings.HasPrefix(t, ".") || strings.HasSuffix(t, ".") || !strings.Contains(t, ".") {
		return false
	}
	for _, r := range t {
		if (r < 'a' || r > 'z') && r != '.' && r != '_' {
			return false
		}
	}
	return true
}

const webhookEndpointCols = `id, tenant_id, url, description, event_types, secret, active, created_at, updated_at,
	timeouts, parked_until`

func (o *ops) scanWebhookEndpoint(r scanner) (WebhookEndpoint, error) {
	var e WebhookEndpoint
	var types string
	var sealed []byte
	var active int
	if err := r.Scan(&e.ID, &e.TenantID, &e.URL, &e.Description, &types, &sealed, &active,
		timeDest{&e.CreatedAt}, timeDest{&e.UpdatedAt}, &e.Timeouts, timeDest{&e.ParkedUntil}); err != nil {
		return WebhookEndpoint{}, err
	}
	e.EventTypes = strings.Split(types, ",")
	e.Active = active == 1
	ring, err := o.sealer()
	if err != nil {
		return WebhookEndpoint{}, err
	}
	secret, err := ring.Open(sealed, webhookSecretAAD(e.ID))
	if err != nil {
		return WebhookEndpoint{}, fmt.Errorf("webhook endpoint %d: secret: %w", e.ID, err)
	}
	e.Secret = string(secret)
	return e, nil
}

// CreateWebhookEndpoint stores a new endpoint of e.TenantID (ErrNotFound
// if there is no such tenant). Secret is required.
func (o *ops) CreateWebhookEndpoint(ctx context.Context, e WebhookEndpoint) (_ WebhookEndpoint, err error) {
	defer wrap(&err, "create webhook endpoint of tenant %d", e.TenantID)
	if err := e.validate(); err != nil {
		return WebhookEndpoint{}, err
	}
	if e.Secret == "" {
		return WebhookEndpoint{}, fmt.Errorf("%w: webhook secret is empty", ErrInvalid)
	}
	ring, err := o.sealer()
	if err != nil {
		return WebhookEndpoint{}, err
	}
	var out WebhookEndpoint
	err = o.atomic(ctx, func(o *ops) error {
		now := timeText(o.now())
		// The secret's additional data names the row id: insert, then seal.
		var id int64
		err := o.queryRow(ctx, `INSERT INTO webhook_endpoints (tenant_id, url, description, event_types, active,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			e.TenantID, e.URL, e.Description, strings.Join(e.EventTypes, ","), boolInt(e.Active), now, now).Scan(&id)
		if err != nil {
			return dbErr(err, ErrNotFound)
		}
		out, err = o.scanWebhookEndpoint(o.queryRow(ctx, `UPDATE webhook_endpoints SET secret = ? WHERE id = ? RETURNING `+
			webhookEndpointCols, ring.Seal([]byte(e.Secret), webhookSecretAAD(id)), id))
		return err
	})
	return out, err
}

// WebhookEndpoint reads one endpoint of a tenant, its secret opened.
func (o *ops) WebhookEndpoint(ctx context.Context, tenantID, id int64) (_ WebhookEndpoint, err error) {
	defer wrap(&err, "webhook endpoint %d of tenant %d", id, tenantID)
	e, err := o.scanWebhookEndpoint(o.queryRow(ctx, `SELECT `+webhookEndpointCols+` FROM webhook_endpoints
		WHERE id = ? AND tenant_id = ?`, id, tenantID))
	return e, notFound(err)
}

// ListWebhookEndpoints lists a tenant's endpoints in the order they were
// created.
func (o *ops) ListWebhookEndpoints(ctx context.Context, tenantID int64) (_ []WebhookEndpoint, err error) {
	defer wrap(&err, "webhook endpoints of tenant %d", tenantID)
	rows, err := o.query(ctx, `SELECT `+webhookEndpointCols+` FROM webhook_endpoints WHERE tenant_id = ? ORDER BY id`, tenantID)
	return collect(rows, err, o.scanWebhookEndpoint)
}

// UpdateWebhookEndpoint changes an endpoint's URL, description, event
// types and active flag; a non-empty Secret replaces the secret (rotation).
// It closes the endpoint's circuit: an administrator who saves it (a new
// URL, the receiver fixed) wants it tried now.
func (o *ops) UpdateWebhookEndpoint(ctx context.Context, e WebhookEndpoint) (_ WebhookEndpoint, err error) {
	defer wrap(&err, "update webhook endpoint %d of tenant %d", e.ID, e.TenantID)
	if err := e.validate(); err != nil {
		return WebhookEndpoint{}, err
	}
	ring, err := o.sealer()
	if err != nil {
		return WebhookEndpoint{}, err
	}
	var sealed any // NULL keeps the secret (COALESCE below)
	if e.Secret != "" {
		sealed = ring.Seal([]byte(e.Secret), webhookSecretAAD(e.ID))
	}
	// One statement, but in a transaction of its own all the same: one
	// that carries the caller's audit event (WithAudit).
	var out WebhookEndpoint
	err = o.atomic(ctx, func(o *ops) (err error) {
		out, err = o.scanWebhookEndpoint(o.queryRow(ctx, `UPDATE webhook_endpoints SET url = ?, description = ?,
		event_types = ?, active = ?, secret = COALESCE(?, secret), updated_at = ?, timeouts = 0, parked_until = NULL
		WHERE id = ? AND tenant_id = ? RETURNING `+
			webhookEndpointCols, e.URL, e.Description, strings.Join(e.EventTypes, ","), boolInt(e.Active), sealed,
			timeText(o.now()), e.ID, e.TenantID))
		return notFound(err)
	})
	return out, err
}

// DeleteWebhookEndpoint deletes an endpoint and its deliveries.
func (o *ops) DeleteWebhookEndpoint(ctx context.Context, tenantID, id int64) (err error) {
	defer wrap(&err, "delete webhook endpoint %d of tenant %d", id, tenantID)
	// In a transaction of its own, which carries the caller's audit event
	// (WithAudit).
	return o.atomic(ctx, func(o *ops) error {
		return affected(o.exec(ctx, `DELETE FROM webhook_endpoints WHERE id = ? AND tenant_id = ?`, id, tenantID))
	})
}

// Event is something that happened that a tenant's systems may want to
// know about, with a snapshot of the person it concerns as they were then.
type Event struct {
	ID       int64
	UID      string // "evt_" and 26 random characters: the id receivers see
	TenantID int64
	PersonID int64  // 0 for an event about no one
	Type     string // e.g. person.connected
	Data     json.RawMessage
	// Filled in by RecordEvent from the tenant and person rows.
	TenantSlug        string
	PersonEmail       string
	PersonExternalRef string
	CreatedAt         time.Time
}

const eventCols = `id, uid, tenant_id, tenant_slug, person_id, person_email, person_external_ref, type, data, created_at`

func scanEvent(r scanner) (Event, error) {
	var e Event
	var data string
	err := r.Scan(&e.ID, &e.UID, &e.TenantID, &e.TenantSlug, nullable[int64]{&e.PersonID}, &e.PersonEmail,
		&e.PersonExternalRef, &e.Type, &data, timeDest{&e.CreatedAt})
	e.Data = json.RawMessage(data)
	return e, err
}

// newEventUID is a random, URL-safe event id.
func newEventUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather)
	return "evt_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// RecordEvent stores an event (TenantID, PersonID, Type, Data) and, in the
// same transaction, one pending delivery for each active endpoint of the
// tenant that subscribes to its type. Called inside the transaction of the
// change it reports, the event exists if and only if the change does.
// The person, when given, must be the tenant's (else ErrNotFound).
func (o *ops) RecordEvent(ctx context.Context, e Event) (_ Event, err error) {
	defer wrap(&err, "record %s event of tenant %d", e.Type, e.TenantID)
	if !validEventType(e.Type) {
		return Event{}, fmt.Errorf("%w: event type %q", ErrInvalid, e.Type)
	}
	if len(e.Data) == 0 {
		e.Data = json.RawMessage("{}")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(e.Data, &obj); err != nil {
		return Event{}, fmt.Errorf("%w: event data must be a JSON object: %w", ErrInvalid, err)
	}
	var out Event
	err = o.atomic(ctx, func(o *ops) error {
		if err := o.queryRow(ctx, `SELECT slug FROM tenants WHERE id = ?`, e.TenantID).Scan(&e.TenantSlug); err != nil {
			return notFound(err)
		}
		if e.PersonID != 0 {
			if err := o.queryRow(ctx, `SELECT email, COALESCE(external_ref, '') FROM people WHERE id = ? AND tenant_id = ?`,
				e.PersonID, e.TenantID).Scan(&e.PersonEmail, &e.PersonExternalRef); err != nil {
				return notFound(err)
			}
		}
		now := o.now()
		var err error
		out, err = scanEvent(o.queryRow(ctx, `INSERT INTO webhook_events (uid, tenant_id, tenant_slug, person_id, person_email,
			person_external_ref, type, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+eventCols,
			newEventUID(), e.TenantID, e.TenantSlug, nullID(e.PersonID), e.PersonEmail, e.PersonExternalRef, e.Type,
			string(e.Data), timeText(now)))
		if err != nil {
			return err
		}
		rows, err := o.query(ctx, `SELECT id, event_types FROM webhook_endpoints WHERE tenant_id = ? AND active = 1 ORDER BY id`,
			e.TenantID)
		type sub struct {
			id    int64
			types string
		}
		subs, err := collect(rows, err, func(r scanner) (s sub, err error) { return s, r.Scan(&s.id, &s.types) })
		if err != nil {
			return err
		}
		for _, s := range subs {
			if !slices.Contains(strings.Split(s.types, ","), e.Type) {
				continue
			}
			if _, err := o.exec(ctx, `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, person_id, state,
				attempts, next_attempt_at, last_status, last_response, last_error, created_at)
				VALUES (?, ?, ?, ?, 'pending', 0, ?, 0, '', '', ?)`,
				e.TenantID, s.id, out.ID, e.PersonID, timeText(now), timeText(now)); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// WebhookEvent reads one event of a tenant by its id.
func (o *ops) WebhookEvent(ctx context.Context, tenantID, id int64) (_ Event, err error) {
	defer wrap(&err, "webhook event %d of tenant %d", id, tenantID)
	e, err := scanEvent(o.queryRow(ctx, `SELECT `+eventCols+` FROM webhook_events WHERE id = ? AND tenant_id = ?`, id, tenantID))
	return e, notFound(err)
}

// EventQuery filters and pages a tenant's events, newest first.
type EventQuery struct {
	PersonID int64  // 0 for everyone
	Type     string // "" for every type
	BeforeID int64  // only events with a smaller id; 0 for the newest
	Limit    int    // default 50, at most 500
}

// ListWebhookEvents lists a tenant's events, newest first.
func (o *ops) ListWebhookEvents(ctx context.Context, tenantID int64, q EventQuery) (_ []Event, err error) {
	defer wrap(&err, "webhook events of tenant %d", tenantID)
	where, args := []string{"tenant_id = ?"}, []any{tenantID}
	if q.PersonID != 0 {
		where, args = append(where, "person_id = ?"), append(args, q.PersonID)
	}
	if q.Type != "" {
		where, args = append(where, "type = ?"), append(args, q.Type)
	}
	if q.BeforeID != 0 {
		where, args = append(where, "id < ?"), append(args, q.BeforeID)
	}
	rows, err := o.query(ctx, `SELECT `+eventCols+` FROM webhook_events WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT ?`, append(args, limitOr(q.Limit, 50, 500))...)
	return collect(rows, err, scanEvent)
}

// DeliveryState is where a delivery stands.
type DeliveryState string

const (
	// DeliveryPending: not yet accepted by the endpoint; NextAttemptAt
	// says when it is tried (again).
	DeliveryPending DeliveryState = "pending"
	// DeliveryDelivered: the endpoint answered 2xx.
	DeliveryDelivered DeliveryState = "delivered"
	// DeliveryFailed: every attempt failed; given up (until redelivered).
	DeliveryFailed DeliveryState = "failed"
)

// Delivery is one event on its way to one endpoint.
type Delivery struct {
	ID         int64
	TenantID   int64
	EndpointID int64
	EventID    int64
	PersonID   int64 // 0 for an event about no one
	// EventUID and EventType are the event's, for lists.
	EventUID      string
	EventType     string
	State         DeliveryState
	Attempts      int
	NextAttemptAt time.Time
	LastAttemptAt time.Time // zero before the first attempt
	LastStatus    int       // HTTP status of the last attempt; 0 for none (network error)
	LastResponse  string    // the start of the last response body
	LastError     string
	DeliveredAt   time.Time
	CreatedAt     time.Time
}

const deliveryCols = `d.id, d.tenant_id, d.endpoint_id, d.event_id, d.person_id, v.uid, v.type, d.state, d.attempts,
	d.next_attempt_at, d.last_attempt_at, d.last_status, d.last_response, d.last_error, d.delivered_at, d.created_at`

const deliveryFrom = ` FROM webhook_deliveries d JOIN webhook_events v ON v.id = d.event_id`

func scanDelivery(r scanner) (Delivery, error) {
	var d Delivery
	err := r.Scan(&d.ID, &d.TenantID, &d.EndpointID, &d.EventID, &d.PersonID, &d.EventUID, &d.EventType, &d.State,
		&d.Attempts, timeDest{&d.NextAttemptAt}, timeDest{&d.LastAttemptAt}, &d.LastStatus, &d.LastResponse, &d.LastError,
		timeDest{&d.DeliveredAt}, timeDest{&d.CreatedAt})
	return d, err
}

// WebhookDelivery reads one delivery of a tenant.
func (o *ops) WebhookDelivery(ctx context.Context, tenantID, id int64) (_ Delivery, err error) {
	defer wrap(&err, "webhook delivery %d of tenant %d", id, tenantID)
	d, err := scanDelivery(o.queryRow(ctx, `SELECT `+deliveryCols+deliveryFrom+` WHERE d.id = ? AND d.tenant_id = ?`, id, tenantID))
	return d, notFound(err)
}

// DeliveryQuery filters and pages a tenant's deliveries, newest first.
type DeliveryQuery struct {
	EndpointID int64 // 0 for every endpoint
	EventID    int64 // 0 for every event
	PersonID   int64 // 0 for everyone
	State      DeliveryState
	BeforeID   int64 // only deliveries with a smaller id; 0 for the newest
	Limit      int   // default 50, at most 500
}

// ListWebhookDeliveries lists a tenant's deliveries, newest first.
func (o *ops) ListWebhookDeliveries(ctx context.Context, tenantID int64, q DeliveryQuery) (_ []Delivery, err error) {
	defer wrap(&err, "webhook deliveries of tenant %d", tenantID)
	where, args := []string{"d.tenant_id = ?"}, []any{tenantID}
	for _, f := range []struct {
		col string
		v   int64
	}{{"d.endpoint_id = ?", q.EndpointID}, {"d.event_id = ?", q.EventID}, {"d.person_id = ?", q.PersonID}, {"d.id < ?", q.BeforeID}} {
		if f.v != 0 {
			where, args = append(where, f.col), append(args, f.v)
		}
	}
	if q.State != "" {
		where, args = append(where, "d.state = ?"), append(args, string(q.State))
	}
	rows, err := o.query(ctx, `SELECT `+deliveryCols+deliveryFrom+` WHERE `+strings.Join(where, " AND ")+
		` ORDER BY d.id DESC LIMIT ?`, append(args, limitOr(q.Limit, 50, 500))...)
	return collect(rows, err, scanDelivery)
}

// RedeliverWebhook asks for a delivery to be sent again now. A pending one
// becomes due at once (it still waits for earlier deliveries to the same
// endpoint about the same person); a delivered or failed one gets a new
// pending delivery of the same event, returned, and keeps its history.
func (o *ops) RedeliverWebhook(ctx context.Context, tenantID, id int64) (_ Delivery, err error) {
	defer wrap(&err, "redeliver webhook delivery %d of tenant %d", id, tenantID)
	var out Delivery
	err = o.atomic(ctx, func(o *ops) error {
		d, err := o.WebhookDelivery(ctx, tenantID, id)
		if err != nil {
			return err
		}
		now := timeText(o.now())
		if d.State == DeliveryPending {
			if _, err := o.exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ?`, now, id); err != nil {
				return err
			}
			out, err = o.WebhookDelivery(ctx, tenantID, id)
			return err
		}
		var newID int64
		if err := o.queryRow(ctx, `INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, person_id, state,
			attempts, next_attempt_at, last_status, last_response, last_error, created_at)
			VALUES (?, ?, ?, ?, 'pending', 0, ?, 0, '', '', ?) RETURNING id`,
			d.TenantID, d.EndpointID, d.EventID, d.PersonID, now, now).Scan(&newID); err != nil {
			return err
		}
		out, err = o.WebhookDelivery(ctx, tenantID, newID)
		return err
	})
	return out, err
}

// The queue's side: work on deliveries by id, across tenants.

// laneHead is the condition that d is the oldest pending delivery of its
// lane (endpoint, person): deliveries about one person reach an endpoint
// in the order the events happened.
const laneHead = `NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id
	AND p.person_id = d.person_id AND p.state = 'pending' AND p.id < d.id)`

// claimable is the condition that a pending delivery d may be sent now;
// its three parameters are the time now.
const claimable = `d.state = 'pending' AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until <= ?)
	AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = d.endpoint_id AND e.active = 1
		AND (e.parked_until IS NULL OR e.parked_until <= ?)) AND ` + laneHead

// DueWebhookDeliveries lists up to limit deliveries that may be sent now:
// due, not being sent, of an active endpoint whose circuit is not open, and
// first in their lane; in the order of DueWebhookWork.
func (o *ops) DueWebhookDeliveries(ctx context.Context, limit int) (_ []int64, err error) {
	due, err := o.DueWebhookWork(ctx, limit)
	ids := make([]int64, len(due))
	for i, d := range due {
		ids[i] = d.ID
	}
	return ids, err
}

// DueDelivery is a delivery that may be sent now, with what a queue needs
// to schedule it fairly.
type DueDelivery struct {
	ID         int64
	TenantID   int64
	EndpointID int64
	// Rank is its place among its endpoint's due deliveries (1 for the
	// one due first): an endpoint can take only so many at once, and the
	// ones past that wait anyway.
	Rank int
}

// DueWebhookWork lists up to limit deliveries that may be sent now (see
// DueWebhookDeliveries), taking endpoints in turn: each endpoint's first
// due delivery, oldest first, then each one's second, and so on. A tenant
// whose endpoints have thousands waiting thus does not fill the list ahead
// of another tenant's one.
func (o *ops) DueWebhookWork(ctx context.Context, limit int) (_ []DueDelivery, err error) {
	defer wrap(&err, "due webhook deliveries")
	now := timeText(o.now())
	rows, err := o.query(ctx, `SELECT id, tenant_id, endpoint_id, rank FROM (
		SELECT d.id, d.tenant_id, d.endpoint_id, d.next_attempt_at,
			ROW_NUMBER() OVER (PARTITION BY d.endpoint_id ORDER BY d.next_attempt_at, d.id) AS rank
		FROM webhook_deliveries d WHERE `+claimable+`) due
		ORDER BY rank, next_attempt_at, id LIMIT ?`, now, now, now, limitOr(limit, 100, 1000))
	return collect(rows, err, func(r scanner) (d DueDelivery, err error) {
		return d, r.Scan(&d.ID, &d.TenantID, &d.EndpointID, &d.Rank)
	})
}

// DeliveryWork is a claimed delivery with what sending it needs.
type DeliveryWork struct {
	Delivery Delivery
	Endpoint WebhookEndpoint
	Event    Event
	// LeaseUntil is when the claim runs out; FinishWebhookDelivery takes
	// it back (DeliveryOutcome.LeaseUntil) to record the outcome only
	// while this claim is still the delivery's.
	LeaseUntil time.Time
}

// ClaimWebhookDelivery takes a delivery for sending until now+lease, if it
// may be sent now (see DueWebhookDeliveries). ok is false when it may not
// (not due, first in lane, active, circuit not open, or another process has
// it): there is nothing to do. Only one claimant wins, on either engine.
// It puts no cap on the endpoint's deliveries in flight; the queue uses
// ClaimWebhookDeliveryCapped.
func (o *ops) ClaimWebhookDelivery(ctx context.Context, id int64, lease time.Duration) (_ DeliveryWork, ok bool, err error) {
	w, res, err := o.ClaimWebhookDeliveryCapped(ctx, id, lease, 0)
	return w, res == Claimed, err
}

// ClaimResult is what ClaimWebhookDeliveryCapped did.
type ClaimResult int

const (
	// ClaimNone: the delivery may not be sent now (settled, not due, not
	// first of its lane, endpoint inactive, or another process has it);
	// there is nothing to do with it.
	ClaimNone ClaimResult = iota
	// Claimed: the delivery is the caller's until its lease runs out.
	Claimed
	// ClaimBusy: it could be sent, but its endpoint already has as many
	// deliveries in flight as it may; try again a little later.
	ClaimBusy
	// ClaimParked: its endpoint's circuit is open (ParkedUntil); nothing is
	// sent there until then, and a sweep after that time finds it due.
	ClaimParked
)

// ClaimWebhookDeliveryCapped is ClaimWebhookDelivery with a cap on the
// deliveries of one endpoint in flight at once, across every process:
// maxInFlight (0 for none), and 1 while the endpoint's circuit is half-open
// (parked once, not answered since), so that one probe finds out whether it
// is back rather than a wave of attempts. Claims of one endpoint's
// deliveries take its row's lock, so that two processes cannot both count
// one slot free.
func (o *ops) ClaimWebhookDeliveryCapped(ctx context.Context, id int64, lease time.Duration, maxInFlight int) (_ DeliveryWork, res ClaimResult, err error) {
	defer wrap(&err, "claim webhook delivery %d", id)
	var w DeliveryWork
	err = o.atomic(ctx, func(o *ops) error {
		now := o.now()
		// As stored: microseconds, so that Finish can compare it.
		w.LeaseUntil = now.Add(lease).UTC().Truncate(time.Microsecond)
		var parkedUntil time.Time
		// A no-op write locks the endpoint's row until commit on
		// PostgreSQL (SQLite's transactions hold the whole database): the
		// count below stays true until our lease is written. Same lock
		// order as FinishWebhookDelivery: endpoint, then delivery.
		err := o.queryRow(ctx, `UPDATE webhook_endpoints SET timeouts = timeouts
			WHERE id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = ?) RETURNING parked_until`, id).
			Scan(timeDest{&parkedUntil})
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if !parkedUntil.IsZero() && parkedUntil.After(now) {
			res = ClaimParked
			return nil
		}
		limit := maxInFlight
		if !parkedUntil.IsZero() {
			limit = 1 // half-open: one probe
		}
		if limit > 0 {
			var inFlight int
			if err := o.queryRow(ctx, `SELECT COUNT(*) FROM webhook_deliveries f
				WHERE f.endpoint_id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = ?)
				AND f.state = 'pending' AND f.lease_until > ?`, id, timeText(now)).Scan(&inFlight); err != nil {
				return err
			}
			if inFlight >= limit {
				// Busy only if it could go otherwise: a settled or
				// waiting delivery has nothing to come back for.
				ok, err := o.exists(ctx, `SELECT 1 FROM webhook_deliveries d WHERE d.id = ? AND `+claimable,
					id, timeText(now), timeText(now), timeText(now))
				if ok && err == nil {
					res = ClaimBusy
				}
				return err
			}
		}
		// The conditions are on the updated row itself: on PostgreSQL, a
		// second claimant waits for the first and then re-checks them on
		// the row the first one wrote, lease included.
		err = affected(o.exec(ctx, `UPDATE webhook_deliveries AS d SET lease_until = ? WHERE d.id = ? AND `+claimable,
			timeText(w.LeaseUntil), id, timeText(now), timeText(now), timeText(now)))
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			return err
		}
		res = Claimed
		if w.Delivery, err = scanDelivery(o.queryRow(ctx, `SELECT `+deliveryCols+deliveryFrom+` WHERE d.id = ?`, id)); err != nil {
			return err
		}
		if w.Endpoint, err = o.WebhookEndpoint(ctx, w.Delivery.TenantID, w.Delivery.EndpointID); err != nil {
			return err
		}
		w.Event, err = scanEvent(o.queryRow(ctx, `SELECT `+eventCols+` FROM webhook_events WHERE id = ?`, w.Delivery.EventID))
		return err
	})
	if err != nil {
		return DeliveryWork{}, ClaimNone, err
	}
	return w, res, nil
}

// DeliveryOutcome is how an attempt ended.
type DeliveryOutcome struct {
	Delivered bool
	// GiveUp: a failed attempt that was the last; the delivery fails.
	GiveUp bool
	// NextAttemptAt is when a failed attempt is tried again.
	NextAttemptAt time.Time
	Status        int    // HTTP status; 0 for none
	Response      string // the start of the response body
	Error         string
	// LeaseUntil is the claim's (DeliveryWork.LeaseUntil), required.
	LeaseUntil time.Time
	// TimedOut: the endpoint gave no answer in time. It counts towards
	// the endpoint's circuit (WebhookEndpoint.Timeouts); any answer, even
	// an error status, resets it and closes the circuit.
	TimedOut bool
	// ParkUntil, with TimedOut, opens the endpoint's circuit until then
	// (the deliverer decides when enough timeouts are enough).
	ParkUntil time.Time
}

// ErrLeaseLost is FinishWebhookDelivery's error when the claim ran out
// and the delivery was claimed again (or redelivered and settled) since:
// the outcome is not recorded, since it would overwrite the newer one.
// It matches ErrConflict.
var ErrLeaseLost = fmt.Errorf("%w: the claim on the webhook delivery ran out", ErrConflict)

// FinishWebhookDelivery records the outcome of an attempt on a claimed
// delivery and releases it. The claim must still hold: an attempt that
// outlived its lease while another process claimed, sent and settled the
// delivery must not put it back to pending (to be sent yet again) nor
// count its attempt twice; that is ErrLeaseLost. A delivery deleted
// meanwhile, with its endpoint, is ErrNotFound.
func (o *ops) FinishWebhookDelivery(ctx context.Context, id int64, out DeliveryOutcome) (_ Delivery, err error) {
	defer wrap(&err, "finish webhook delivery %d", id)
	if out.LeaseUntil.IsZero() {
		return Delivery{}, fmt.Errorf("%w: no lease", ErrInvalid)
	}
	now := o.now()
	state, deliveredAt, next := DeliveryPending, time.Time{}, out.NextAttemptAt
	switch {
	case out.Delivered:
		state, deliveredAt, next = DeliveryDelivered, now, now
	case out.GiveUp:
		state, next = DeliveryFailed, now
	case next.IsZero():
		next = now
	}
	var d Delivery
	err = o.atomic(ctx, func(o *ops) error {
		// The circuit first, for the lock order of the claim (endpoint,
		// then delivery); a lost lease below rolls it back.
		if out.TimedOut {
			if _, err := o.exec(ctx, `UPDATE webhook_endpoints SET timeouts = timeouts + 1,
				parked_until = COALESCE(?, parked_until) WHERE id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = ?)`,
				timeText(out.ParkUntil), id); err != nil {
				return err
			}
		} else if _, err := o.exec(ctx, `UPDATE webhook_endpoints SET timeouts = 0, parked_until = NULL
			WHERE id = (SELECT endpoint_id FROM webhook_deliveries WHERE id = ?) AND (timeouts <> 0 OR parked_until IS NOT NULL)`,
			id); err != nil {
			return err
		}
		err := affected(o.exec(ctx, `UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1, next_attempt_at = ?,
			lease_until = NULL, last_attempt_at = ?, last_status = ?, last_response = ?, last_error = ?,
			delivered_at = COALESCE(?, delivered_at) WHERE id = ? AND state = 'pending' AND lease_until = ?`,
			string(state), timeText(next), timeText(now), out.Status, out.Response, out.Error, timeText(deliveredAt), id,
			timeText(out.LeaseUntil)))
		if errors.Is(err, ErrNotFound) {
			if ok, xerr := o.exists(ctx, `SELECT 1 FROM webhook_deliveries WHERE id = ?`, id); xerr != nil {
				return xerr
			} else if ok {
				return ErrLeaseLost
			}
		}
		if err != nil {
			return err
		}
		d, err = scanDelivery(o.queryRow(ctx, `SELECT `+deliveryCols+deliveryFrom+` WHERE d.id = ?`, id))
		return err
	})
	return d, err
}

// NextWebhookDelivery is the oldest pending delivery of a lane (the
// endpoint and person of a delivery just settled), or ErrNotFound.
func (o *ops) NextWebhookDelivery(ctx context.Context, endpointID, personID int64) (_ Delivery, err error) {
	defer wrap(&err, "next webhook delivery of endpoint %d, person %d", endpointID, personID)
	d, err := scanDelivery(o.queryRow(ctx, `SELECT `+deliveryCols+deliveryFrom+` WHERE d.endpoint_id = ? AND d.person_id = ?
		AND d.state = 'pending' ORDER BY d.id LIMIT 1`, endpointID, personID))
	if errors.Is(err, sql.ErrNoRows) {
		return Delivery{}, ErrNotFound
	}
	return d, err
}

// PruneWebhookEvents deletes the events recorded before olderThan whose
// deliveries have all settled (delivered, or given up), with those
// deliveries, and reports how many events went. An event still being
// delivered is kept however old it is.
func (o *ops) PruneWebhookEvents(ctx context.Context, olderThan time.Time) (_ int64, err error) {
	defer wrap(&err, "prune webhook events")
	res, err := o.exec(ctx, `DELETE FROM webhook_events WHERE created_at < ? AND NOT EXISTS (
		SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id AND d.state = 'pending')`,
		timeText(olderThan))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
