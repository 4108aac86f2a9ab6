package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"

	"github.com/orcidlink/orcidlink/internal/store"
)

// Kicker nudges the queue to look for due deliveries now rather than at
// its next periodic sweep; *jobs.Queue is one.
type Kicker interface {
	KickWebhooks(ctx context.Context) error
}

// Service manages a tenant's endpoints and deliveries, for the admin UI
// and the REST API. Every method takes the tenant's id; an endpoint or
// delivery of another tenant is store.ErrNotFound.
type Service struct {
	st     *store.Store
	kicker Kicker
	log    *slog.Logger
}

// NewService prepares the service; kicker may be nil (deliveries then wait
// for the queue's periodic sweep), and so may log.
func NewService(st *store.Store, kicker Kicker, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{st: st, kicker: kicker, log: log}
}

// EndpointInput is what an administrator or API client sets on an
// endpoint.
type EndpointInput struct {
	URL         string
	Description string
	EventTypes  []string
	Active      bool
}

// ErrUnknownEventType is an event type that does not exist; it matches
// store.ErrInvalid too.
var ErrUnknownEventType = fmt.Errorf("%w: unknown event type", store.ErrInvalid)

func checkTypes(types []string) error {
	for _, t := range types {
		if !KnownType(t) {
			return fmt.Errorf("%w %q", ErrUnknownEventType, t)
		}
	}
	return nil
}

// NewSecret makes a signing secret: "whsec_" and 256 random bits.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather)
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b)
}

// CreateEndpoint stores a new endpoint with a new secret. The returned
// endpoint's Secret is the one time it is shown; it stays readable only
// sealed. Invalid input is store.ErrInvalid.
func (s *Service) CreateEndpoint(ctx context.Context, tenantID int64, in EndpointInput) (store.WebhookEndpoint, error) {
	if err := checkTypes(in.EventTypes); err != nil {
		return store.WebhookEndpoint{}, err
	}
	e, err := s.st.CreateWebhookEndpoint(ctx, store.WebhookEndpoint{TenantID: tenantID, URL: in.URL,
		Description: in.Description, EventTypes: in.EventTypes, Active: in.Active, Secret: NewSecret()})
	if err != nil {
		return store.WebhookEndpoint{}, fmt.Errorf("webhooks: %w", err)
	}
	return e, nil
}

// Endpoint reads an endpoint, secret cleared.
func (s *Service) Endpoint(ctx context.Context, tenantID, id int64) (store.WebhookEndpoint, error) {
	e, err := s.st.WebhookEndpoint(ctx, tenantID, id)
	if err != nil {
		return store.WebhookEndpoint{}, fmt.Errorf("webhooks: %w", err)
	}
	e.Secret = ""
	return e, nil
}

// Endpoints lists a tenant's endpoints, secrets cleared.
func (s *Service) Endpoints(ctx context.Context, tenantID int64) ([]store.WebhookEndpoint, error) {
	list, err := s.st.ListWebhookEndpoints(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	for i := range list {
		list[i].Secret = ""
	}
	return list, nil
}

// UpdateEndpoint changes an endpoint (its secret stays; see RotateSecret).
// Re-activating an endpoint sends what waited meanwhile.
func (s *Service) UpdateEndpoint(ctx context.Context, tenantID, id int64, in EndpointInput) (store.WebhookEndpoint, error) {
	if err := checkTypes(in.EventTypes); err != nil {
		return store.WebhookEndpoint{}, err
	}
	e, err := s.st.UpdateWebhookEndpoint(ctx, store.WebhookEndpoint{ID: id, TenantID: tenantID, URL: in.URL,
		Description: in.Description, EventTypes: in.EventTypes, Active: in.Active})
	if err != nil {
		return store.WebhookEndpoint{}, fmt.Errorf("webhooks: %w", err)
	}
	e.Secret = ""
	if e.Active {
		s.kick(ctx)
	}
	return e, nil
}

// RotateSecret gives an endpoint a new secret, returned this once; the old
// one stops being used at once.
func (s *Service) RotateSecret(ctx context.Context, tenantID, id int64) (store.WebhookEndpoint, error) {
	var out store.WebhookEndpoint
	err := s.st.InTx(ctx, func(tx *store.Tx) error {
		e, err := tx.WebhookEndpoint(ctx, tenantID, id)
		if err != nil {
			return err
		}
		e.Secret = NewSecret()
		out, err = tx.UpdateWebhookEndpoint(ctx, e)
		return err
	})
	if err != nil {
		return store.WebhookEndpoint{}, fmt.Errorf("webhooks: rotate secret: %w", err)
	}
	return out, nil
}

// DeleteEndpoint deletes an endpoint and its deliveries.
func (s *Service) DeleteEndpoint(ctx context.Context, tenantID, id int64) error {
	if err := s.st.DeleteWebhookEndpoint(ctx, tenantID, id); err != nil {
		return fmt.Errorf("webhooks: %w", err)
	}
	return nil
}

// Deliveries lists a tenant's deliveries, newest first.
func (s *Service) Deliveries(ctx context.Context, tenantID int64, q store.DeliveryQuery) ([]store.Delivery, error) {
	list, err := s.st.ListWebhookDeliveries(ctx, tenantID, q)
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	return list, nil
}

// Redeliver sends a delivery again now (store.RedeliverWebhook says how)
// and returns the delivery that will carry it.
func (s *Service) Redeliver(ctx context.Context, tenantID, deliveryID int64) (store.Delivery, error) {
	d, err := s.st.RedeliverWebhook(ctx, tenantID, deliveryID)
	if err != nil {
		return store.Delivery{}, fmt.Errorf("webhooks: %w", err)
	}
	s.kick(ctx)
	return d, nil
}

// Kick nudges the queue after events were recorded, so that they go out
// now; without it they go out at the queue's next sweep. It never fails:
// a lost nudge only delays.
func (s *Service) Kick(ctx context.Context) { s.kick(ctx) }

func (s *Service) kick(ctx context.Context) {
	if s.kicker == nil {
		return
	}
	if err := s.kicker.KickWebhooks(context.WithoutCancel(ctx)); err != nil && !errors.Is(err, context.Canceled) {
		s.log.WarnContext(ctx, "could not nudge the webhook queue; the sweep will send", "err", err)
	}
}
