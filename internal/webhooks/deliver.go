package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/orcidlink/orcidlink/internal/store"
)

// Defaults of DeliverConfig.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 20
	// MaxResponse is how much of a response body is kept for the admin UI.
	MaxResponse = 1024
	// DefaultMaxInFlight is how many deliveries one endpoint gets at once,
	// across processes: enough to keep a healthy receiver busy, few enough
	// that a hanging one holds only that many workers.
	DefaultMaxInFlight = 2
	// DefaultCircuitTimeouts is how many attempts in a row may time out
	// before the endpoint is parked.
	DefaultCircuitTimeouts = 3
	// DefaultPark is how long an endpoint is parked the first time; each
	// probe that times out again doubles it, up to DefaultMaxPark.
	DefaultPark    = time.Minute
	DefaultMaxPark = time.Hour
)

// ErrEndpointBusy is Deliver's answer when the delivery could go but its
// endpoint already has its share of deliveries in flight: try it again a
// little later. Nothing was sent.
var ErrEndpointBusy = errors.New("webhooks: the endpoint has as many deliveries in flight as it may")

// DefaultBackoff is the wait after failed attempt n (1, 2, ...): 30
// seconds doubling up to 6 hours, each ±20% at random so that endpoints
// coming back are not hit by every queued delivery at once. With
// DefaultMaxAttempts the last attempt comes about three days after the
// first.
func DefaultBackoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	d = min(d, 6*time.Hour)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// DeliverConfig configures a Deliverer. Store is required.
type DeliverConfig struct {
	Store *store.Store
	// Transport sends the requests; nil is http.DefaultTransport.
	Transport http.RoundTripper
	// Timeout bounds one attempt, response included; 0 is DefaultTimeout.
	Timeout time.Duration
	// MaxAttempts is how many attempts a delivery gets before it fails;
	// 0 is DefaultMaxAttempts.
	MaxAttempts int
	// Backoff is the wait after failed attempt n; nil is DefaultBackoff.
	Backoff func(n int) time.Duration
	// MaxInFlight caps one endpoint's deliveries in flight at once;
	// 0 is DefaultMaxInFlight.
	MaxInFlight int
	// CircuitTimeouts is how many attempts in a row may time out before
	// the endpoint is parked (its circuit opens): no attempt at all until
	// Park has passed, then one at a time until one is answered, each
	// further timeout parking it twice as long, up to MaxPark. An endpoint
	// that hangs would otherwise hold a worker for Timeout per delivery.
	// Zeros are DefaultCircuitTimeouts, DefaultPark and DefaultMaxPark.
	CircuitTimeouts int
	Park, MaxPark   time.Duration
	// Now is the clock; nil is time.Now. Tests share it with the store's.
	Now    func() time.Time
	Logger *slog.Logger
}

// Deliverer sends deliveries. It is safe for concurrent use, by any number
// of processes on one database.
type Deliverer struct {
	cfg    DeliverConfig
	client *http.Client
	log    *slog.Logger
}

// NewDeliverer prepares a Deliverer.
func NewDeliverer(cfg DeliverConfig) (*Deliverer, error) {
	if cfg.Store == nil {
		return nil, errors.New("webhooks: no store")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.CircuitTimeouts <= 0 {
		cfg.CircuitTimeouts = DefaultCircuitTimeouts
	}
	if cfg.Park <= 0 {
		cfg.Park = DefaultPark
	}
	if cfg.MaxPark <= 0 {
		cfg.MaxPark = DefaultMaxPark
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Deliverer{cfg: cfg, log: cfg.Logger, client: &http.Client{
		Transport: cfg.Transport,
		Timeout:   cfg.Timeout,
		// A redirect is an answer, not a delivery: the endpoint's URL is
		// what the tenant registered, and following it elsewhere would
		// send signed events where no one asked.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}, nil
}

// lease is how long a claimed delivery is ours: well past one attempt, so
// that only a dead process loses it.
func (d *Deliverer) lease() time.Duration { return 2*d.cfg.Timeout + 30*time.Second }

// Deliver makes one attempt at a delivery, if it may be sent now (due,
// first of its endpoint's deliveries about its person, endpoint active and
// not parked, not being sent by another worker); otherwise it does
// nothing. If it could go but its endpoint has MaxInFlight deliveries in
// flight already, err is ErrEndpointBusy and nothing is sent. When the
// delivery is settled (delivered, or given up), next is the following
// delivery about the same person to the same endpoint if that one is due
// now, for the caller to deliver next; else 0. A failed HTTP attempt is
// not an error: it is recorded and tried again later. err is for the
// database.
func (d *Deliverer) Deliver(ctx context.Context, id int64) (next int64, err error) {
	st := d.cfg.Store
	w, res, err := st.ClaimWebhookDeliveryCapped(ctx, id, d.lease(), d.cfg.MaxInFlight)
	if err != nil {
		return 0, err
	}
	switch res {
	case store.Claimed:
	case store.ClaimBusy:
		return 0, ErrEndpointBusy
	default:
		return 0, nil
	}
	out := d.attempt(ctx, w)
	if !out.Delivered {
		if w.Delivery.Attempts+1 >= d.cfg.MaxAttempts {
			out.GiveUp = true
		} else {
			out.NextAttemptAt = d.cfg.Now().Add(d.cfg.Backoff(w.Delivery.Attempts + 1))
		}
		if out.TimedOut {
			out.ParkUntil = d.parkUntil(w.Endpoint.Timeouts + 1)
		}
		d.log.InfoContext(ctx, "webhook delivery failed", "tenant", w.Delivery.TenantID, "endpoint", w.Endpoint.ID,
			"delivery", id, "event", w.Event.UID, "attempt", w.Delivery.Attempts+1, "status", out.Status,
			"err", out.Error, "gave_up", out.GiveUp, "parked_until", out.ParkUntil)
	}
	// What happened at the endpoint must be recorded even if the job is
	// being cancelled.
	out.LeaseUntil = w.LeaseUntil
	dl, err := st.FinishWebhookDelivery(context.WithoutCancel(ctx), id, out)
	if errors.Is(err, store.ErrLeaseLost) || errors.Is(err, store.ErrNotFound) {
		// The attempt outlived its lease and another worker has the
		// delivery now, or the endpoint was deleted meanwhile: either way
		// this outcome is not the delivery's any more, and there is no
		// job to fail.
		d.log.WarnContext(ctx, "webhook delivery outcome dropped", "tenant", w.Delivery.TenantID, "endpoint", w.Endpoint.ID,
			"delivery", id, "event", w.Event.UID, "delivered", out.Delivered, "err", err)
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("webhooks: %w", err)
	}
	if dl.State == store.DeliveryPending {
		return 0, nil
	}
	n, err := st.NextWebhookDelivery(ctx, dl.EndpointID, dl.PersonID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && n.NextAttemptAt.After(d.cfg.Now())) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("webhooks: %w", err)
	}
	return n.ID, nil
}

// parkUntil is when an endpoint whose attempts timed out n times in a row
// may be tried again, or the zero time while n is below the threshold.
func (d *Deliverer) parkUntil(n int) time.Time {
	if n < d.cfg.CircuitTimeouts {
		return time.Time{}
	}
	park := d.cfg.Park
	for i := d.cfg.CircuitTimeouts; i < n && park < d.cfg.MaxPark; i++ {
		park *= 2
	}
	return d.cfg.Now().Add(min(park, d.cfg.MaxPark))
}

// attempt POSTs the event to the endpoint and says how it went.
func (d *Deliverer) attempt(ctx context.Context, w store.DeliveryWork) store.DeliveryOutcome {
	body := Body(w.Event)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.Endpoint.URL, bytes.NewReader(body))
	if err != nil {
		return store.DeliveryOutcome{Error: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "orcidlink-webhooks/1")
	req.Header.Set(SignatureHeader, Sign(w.Endpoint.Secret, time.Now(), body))
	req.Header.Set(EventIDHeader, w.Event.UID)
	req.Header.Set(EventTypeHeader, w.Event.Type)
	req.Header.Set(DeliveryIDHeader, strconv.FormatInt(w.Delivery.ID, 10))
	resp, err := d.client.Do(req)
	if err != nil {
		// Only a timeout counts for the circuit: a refused connection
		// fails at once and holds no worker, and a cancelled job says
		// nothing about the endpoint.
		var ne net.Error
		timedOut := errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil
		return store.DeliveryOutcome{Error: err.Error(), TimedOut: timedOut}
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponse))
	// Read a little more so the connection can be reused, not forever.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	out := store.DeliveryOutcome{Status: resp.StatusCode, Response: validPrefix(head)}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		out.Delivered = true
	} else {
		out.Error = "endpoint answered " + resp.Status
	}
	return out
}

// validPrefix is b as text, cut back to whole UTF-8 characters (the limit
// may split one) and with invalid bytes replaced: the database stores text.
func validPrefix(b []byte) string {
	for i := 0; i < 3 && len(b) > 0 && !utf8.Valid(b); i++ {
		b = b[:len(b)-1]
	}
	return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
}
