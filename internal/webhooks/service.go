package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

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

// ServiceConfig configures a Service. Store is required.
type ServiceConfig struct {
	Store *store.Store
	// Kicker, if set, is told when a delivery is due at once; nil leaves
	// deliveries to the queue's periodic sweep.
	Kicker Kicker
	// Logger may be nil, which discards.
	Logger *slog.Logger
}

// NewService prepares the service.
func NewService(cfg ServiceConfig) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("webhooks: no store")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{st: cfg.Store, kicker: cfg.Kicker, log: log}, nil
}

// EndpointInput is what an administrator or API client sets on an
// endpoint.
type EndpointInput struct {
	URL         string
	Description string
	EventTypes  []string
	Active      bool
}

// CheckEndpoint is the one validation of an endpoint's settings, for the
// REST API and the admin UI alike: the store's rules
// (store.CheckWebhookEndpoint), and event types that exist. It normalises
// e in place and returns a store.FieldErrors, or nil.
func CheckEndpoint(e *store.WebhookEndpoint) error {
	var unknown store.FieldErrors
	for i, t := range e.EventTypes {
		if !KnownType(t) {
			unknown = append(unknown, &store.FieldError{Field: "event_types/" + strconv.Itoa(i),
				Problem: fmt.Sprintf("%q is not an event type (%s)", t, strings.Join(EventTypes(), ", ")),
				Kind:    store.FieldBadValue})
		}
	}
	err := store.CheckWebhookEndpoint(e)
	if len(unknown) == 0 {
		return err
	}
	fes, _ := store.AsFieldErrors(err)
	for _, fe := range fes {
		if !strings.HasPrefix(fe.Field, "event_types/") {
			unknown = append(unknown, fe)
		}
	}
	return unknown
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
	e := store.WebhookEndpoint{TenantID: tenantID, URL: in.URL, Description: in.Description, EventTypes: in.EventTypes,
		Active: in.Active, Secret: NewSecret()}
	if err := CheckEndpoint(&e); err != nil {
		return store.WebhookEndpoint{}, err
	}
	e, err := s.st.CreateWebhookEndpoint(ctx, e)
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
	e := store.WebhookEndpoint{ID: id, TenantID: tenantID, URL: in.URL, Description: in.Description,
		EventTypes: in.EventTypes, Active: in.Active}
	if err := CheckEndpoint(&e); err != nil {
		return store.WebhookEndpoint{}, err
	}
	e, err := s.st.UpdateWebhookEndpoint(ctx, e)
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
