package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// endpoint is a webhook endpoint as the API shows it; the secret only in
// the answers that make one (create, rotate).
type endpoint struct {
	ID          int64     `json:"id"`
	URL         string    `json:"url"`
	Description string    `json:"description"`
	EventTypes  []string  `json:"event_types"`
	Active      bool      `json:"active"`
	Secret      string    `json:"secret,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func endpointOf(e store.WebhookEndpoint) endpoint {
	types := e.EventTypes
	if types == nil {
		types = []string{}
	}
	return endpoint{ID: e.ID, URL: e.URL, Description: e.Description, EventTypes: types, Active: e.Active,
		Secret: e.Secret, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

// endpointInput is the body of create (url and event_types required;
// active by default) and, every field optional, of update.
type endpointInput struct {
	URL         *string   `json:"url"`
	Description *string   `json:"description"`
	EventTypes  *[]string `json:"event_types"`
	Active      *bool     `json:"active"`
}

// apply sets the fields given on in. The endpoint's rules are
// webhooks.CheckEndpoint's, the admin UI's too: the service refuses what
// breaks them with a store.FieldErrors, which problemFor lists.
func (x endpointInput) apply(in *webhooks.EndpointInput) {
	if x.URL != nil {
		in.URL = *x.URL
	}
	if x.Description != nil {
		in.Description = *x.Description
	}
	if x.EventTypes != nil {
		in.EventTypes = *x.EventTypes
	}
	if x.Active != nil {
		in.Active = *x.Active
	}
}

type endpointList struct {
	Items []endpoint `json:"items"`
}

func (s *Server) hooks() (Webhooks, error) {
	if s.cfg.Webhooks == nil {
		return nil, withDetail(store.ErrNotFound, "Webhooks are not enabled on this server.")
	}
	return s.cfg.Webhooks, nil
}

// endpointID reads {endpoint_id} and checks the endpoint is the tenant's.
func (s *Server) endpointID(c *call) (Webhooks, int64, error) {
	h, err := s.hooks()
	if err != nil {
		return nil, 0, err
	}
	id, err := pathID(c, "endpoint_id", "webhook endpoint")
	if err != nil {
		return nil, 0, err
	}
	if _, err := h.Endpoint(c.ctx, c.tenant, id); err != nil {
		return nil, 0, withDetail(err, "There is no such webhook endpoint.")
	}
	return h, id, nil
}

func (s *Server) createWebhook(c *call) (reply, error) {
	h, err := s.hooks()
	if err != nil {
		return reply{}, err
	}
	var x endpointInput
	if err := decode(c.body, "", &x); err != nil {
		return reply{}, err
	}
	in := webhooks.EndpointInput{Active: true}
	x.apply(&in)
	ctx := auditing(c, 0, "api.webhook_created", nil)
	e, err := h.CreateEndpoint(ctx, c.tenant, in)
	if err != nil {
		return reply{}, err
	}
	s.auditDone(ctx, map[string]any{"endpoint": e.ID, "url": e.URL})
	return created("/webhooks/"+strconv.FormatInt(e.ID, 10), endpointOf(e))
}

func (s *Server) listWebhooks(c *call) (reply, error) {
	h, err := s.hooks()
	if err != nil {
		return reply{}, err
	}
	list, err := h.Endpoints(c.ctx, c.tenant)
	if err != nil {
		return reply{}, err
	}
	out := endpointList{Items: []endpoint{}}
	for _, e := range list {
		e.Secret = "" // never shown again
		out.Items = append(out.Items, endpointOf(e))
	}
	return ok(out)
}

func (s *Server) getWebhook(c *call) (reply, error) {
	h, id, err := s.endpointID(c)
	if err != nil {
		return reply{}, err
	}
	e, err := h.Endpoint(c.ctx, c.tenant, id)
	if err != nil {
		return reply{}, err
	}
	e.Secret = ""
	return ok(endpointOf(e))
}

func (s *Server) patchWebhook(c *call) (reply, error) {
	h, id, err := s.endpointID(c)
	if err != nil {
		return reply{}, err
	}
	var x endpointInput
	if err := decode(c.body, "", &x); err != nil {
		return reply{}, err
	}
	cur, err := h.Endpoint(c.ctx, c.tenant, id)
	if err != nil {
		return reply{}, err
	}
	in := webhooks.EndpointInput{URL: cur.URL, Description: cur.Description, EventTypes: cur.EventTypes, Active: cur.Active}
	x.apply(&in)
	ctx := auditing(c, 0, "api.webhook_updated", map[string]any{"endpoint": id})
	e, err := h.UpdateEndpoint(ctx, c.tenant, id, in)
	if err != nil {
		return reply{}, err
	}
	e.Secret = ""
	s.auditDone(ctx, nil)
	return ok(endpointOf(e))
}

func (s *Server) deleteWebhook(c *call) (reply, error) {
	h, id, err := s.endpointID(c)
	if err != nil {
		return reply{}, err
	}
	ctx := auditing(c, 0, "api.webhook_deleted", map[string]any{"endpoint": id})
	if err := h.DeleteEndpoint(ctx, c.tenant, id); err != nil {
		return reply{}, err
	}
	s.auditDone(ctx, nil)
	return reply{status: http.StatusNoContent}, nil
}

func (s *Server) rotateWebhookSecret(c *call) (reply, error) {
	h, id, err := s.endpointID(c)
	if err != nil {
		return reply{}, err
	}
	ctx := auditing(c, 0, "api.webhook_secret_rotated", map[string]any{"endpoint": id})
	e, err := h.RotateSecret(ctx, c.tenant, id)
	if err != nil {
		return reply{}, err
	}
	s.auditDone(ctx, nil)
	return ok(endpointOf(e))
}

// delivery is one event on its way to one endpoint, with the outcome of
// its last attempt.
type delivery struct {
	ID            int64      `json:"id"`
	EndpointID    int64      `json:"endpoint_id"`
	EventID       string     `json:"event_id"`
	EventType     string     `json:"event_type"`
	PersonID      *int64     `json:"person_id"`
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	LastAttemptAt *time.Time `json:"last_attempt_at"`
	LastStatus    int        `json:"last_status"`
	LastResponse  string     `json:"last_response"`
	LastError     string     `json:"last_error"`
	DeliveredAt   *time.Time `json:"delivered_at"`
	CreatedAt     time.Time  `json:"created_at"`
}

func timeOrNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func deliveryOf(d store.Delivery) delivery {
	out := delivery{ID: d.ID, EndpointID: d.EndpointID, EventID: d.EventUID, EventType: d.EventType, State: string(d.State),
		Attempts: d.Attempts, LastAttemptAt: timeOrNull(d.LastAttemptAt), LastStatus: d.LastStatus, LastResponse: d.LastResponse,
		LastError: d.LastError, DeliveredAt: timeOrNull(d.DeliveredAt), CreatedAt: d.CreatedAt}
	if d.State == store.DeliveryPending {
		out.NextAttemptAt = timeOrNull(d.NextAttemptAt)
	}
	if d.PersonID != 0 {
		id := d.PersonID
		out.PersonID = &id
	}
	return out
}

type deliveryList struct {
	Items      []delivery `json:"items"`
	NextCursor string     `json:"next_cursor"`
}

// cursorOf reads the cursor query parameter: the id the next page starts
// below.
func cursorOf(c *call, errs *fieldErrors) int64 {
	v := c.r.URL.Query().Get("cursor")
	if v == "" {
		return 0
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		errs.param("cursor", "is not a cursor of this list")
	}
	return id
}

func (s *Server) listDeliveries(c *call) (reply, error) {
	h, id, err := s.endpointID(c)
	if err != nil {
		return reply{}, err
	}
	q := c.r.URL.Query()
	var errs fieldErrors
	dq := store.DeliveryQuery{EndpointID: id, Limit: intParam(q.Get("limit"), "limit", 500, &errs), BeforeID: cursorOf(c, &errs)}
	switch st := store.DeliveryState(q.Get("state")); st {
	case "", store.DeliveryPending, store.DeliveryDelivered, store.DeliveryFailed:
		dq.State = st
	default:
		errs.param("state", "must be pending, delivered or failed")
	}
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	limit := dq.Limit
	if limit == 0 {
		limit = 50
	}
	list, err := h.Deliveries(c.ctx, c.tenant, dq)
	if err != nil {
		return reply{}, err
	}
	out := deliveryList{Items: []delivery{}}
	for _, d := range list {
		out.Items = append(out.Items, deliveryOf(d))
	}
	if len(list) == limit {
		out.NextCursor = strconv.FormatInt(list[len(list)-1].ID, 10)
	}
	return ok(out)
}

func (s *Server) redeliver(c *call) (reply, error) {
	h, id, err := s.endpointID(c)
	if err != nil {
		return reply{}, err
	}
	did, err := pathID(c, "delivery_id", "delivery")
	if err != nil {
		return reply{}, err
	}
	// The delivery must be this endpoint's (and so the tenant's).
	d, err := s.st.WebhookDelivery(c.ctx, c.tenant, did)
	if err == nil && d.EndpointID != id {
		err = store.ErrNotFound
	}
	if err != nil {
		return reply{}, withDetail(err, "There is no such delivery of this endpoint.")
	}
	ctx := auditing(c, d.PersonID, "api.webhook_redelivered", map[string]any{"endpoint": id, "delivery": did})
	d, err = h.Redeliver(ctx, c.tenant, did)
	if err != nil {
		return reply{}, err
	}
	s.auditDone(ctx, nil)
	return reply{status: http.StatusAccepted, body: deliveryOf(d)}, nil
}

type eventList struct {
	Items      []json.RawMessage `json:"items"`
	NextCursor string            `json:"next_cursor"`
}

// listEvents lists the tenant's events, newest first, each as the
// envelope its receivers get.
func (s *Server) listEvents(c *call) (reply, error) {
	q := c.r.URL.Query()
	var errs fieldErrors
	eq := store.EventQuery{Type: q.Get("type"), Limit: intParam(q.Get("limit"), "limit", 500, &errs), BeforeID: cursorOf(c, &errs)}
	if eq.Type != "" && !webhooks.KnownType(eq.Type) {
		errs.param("type", "is not an event type")
	}
	if v := q.Get("person_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			errs.param("person_id", "must be a person's id")
		}
		eq.PersonID = id
	}
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	if eq.PersonID != 0 {
		if _, err := s.st.Person(c.ctx, c.tenant, eq.PersonID); err != nil {
			return reply{}, withDetail(err, "There is no such person.")
		}
	}
	limit := eq.Limit
	if limit == 0 {
		limit = 50
	}
	evs, err := s.st.ListWebhookEvents(c.ctx, c.tenant, eq)
	if err != nil {
		return reply{}, err
	}
	out := eventList{Items: []json.RawMessage{}}
	for _, ev := range evs {
		out.Items = append(out.Items, webhooks.Body(ev))
	}
	if len(evs) == limit {
		out.NextCursor = strconv.FormatInt(evs[len(evs)-1].ID, 10)
	}
	return ok(out)
}
