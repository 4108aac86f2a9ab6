// Package api is orcidlink's REST API under /api/v1, for an organisation's
// own systems (journal platforms, repositories, HR and research-information
// systems): people, invitations, ORCID links, record items of every kind,
// articles, imported records, the call log, webhook endpoints and their
// deliveries, and batch files, as JSON (batch files and their reports
// also as CSV: files stream in and out, under their own size limit).
//
// Every request but the OpenAPI document carries a tenant's API key
// (Authorization: Bearer olk_…); the key's tenant scopes everything, so
// another tenant's person is 404 like a missing one. Errors are RFC 9457
// problem documents, chosen in one place (problem.go). Each key has its
// own rate limit; POST requests may carry an Idempotency-Key.
//
// The routes are one table (routes.go). The OpenAPI 3.1 document served at
// /api/v1/openapi.json is built from that table and the schemas in
// openapi.json, and a test walks both ways: every route is documented and
// every documented operation answers as documented.
package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/orcidlink/orcidlink/internal/batch"
	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// Connector invites and lets go of people; *connect.Service is one.
type Connector interface {
	Invite(ctx context.Context, tenantID, personID int64, actor string, sendEmail bool) (connect.Invitation, error)
	Resend(ctx context.Context, tenantID, personID int64, actor string) (connect.Invitation, error)
	Disconnect(ctx context.Context, tenantID, personID int64, actor string) error
	// InviteUpgrades asks connected people for what the tenant asks now
	// and their link lacks (PATCH /tenant, "upgrade_invitations").
	InviteUpgrades(ctx context.Context, tenantID int64, actor string) (connect.MassResult, error)
}

// Queue writes items to ORCID records and imports records; *jobs.Queue is
// one.
type Queue interface {
	Put(ctx context.Context, p jobs.PutItem) (store.Item, error)
	Retract(ctx context.Context, tenantID, personID int64, kind orcid.ItemKind, key string) (store.Item, error)
	Import(ctx context.Context, tenantID, personID int64) error
}

// Journal is the journal workflow; *journal.Service is one.
type Journal interface {
	SaveArticle(ctx context.Context, a store.Article) (journal.Result, error)
	Publish(ctx context.Context, tenantID int64, key string) (journal.Result, error)
	Unpublish(ctx context.Context, tenantID int64, key string) (journal.Result, error)
	CompleteReview(ctx context.Context, tenantID int64, articleKey string, reviewerPersonID int64, completed time.Time) (store.Item, error)
	SaveEditor(ctx context.Context, e store.Editor) (store.Editor, store.Item, error)
}

var (
	_ Connector = (*connect.Service)(nil)
	_ Queue     = (*jobs.Queue)(nil)
	_ Journal   = (*journal.Service)(nil)
)

// Defaults of Config.
const (
	DefaultRate           = 20 // requests per second and key
	DefaultBurst          = 40
	DefaultMaxBody        = 1 << 20 // bytes
	DefaultMaxUpload      = 256 << 20
	DefaultIdempotencyTTL = 24 * time.Hour
	// touchEvery: a key's last use is written at most this often.
	touchEvery = time.Minute
)

// Webhooks manages a tenant's webhook endpoints and their deliveries;
// *webhooks.Service is one.
type Webhooks interface {
	CreateEndpoint(ctx context.Context, tenantID int64, in webhooks.EndpointInput) (store.WebhookEndpoint, error)
	Endpoint(ctx context.Context, tenantID, id int64) (store.WebhookEndpoint, error)
	Endpoints(ctx context.Context, tenantID int64) ([]store.WebhookEndpoint, error)
	UpdateEndpoint(ctx context.Context, tenantID, id int64, in webhooks.EndpointInput) (store.WebhookEndpoint, error)
	RotateSecret(ctx context.Context, tenantID, id int64) (store.WebhookEndpoint, error)
	DeleteEndpoint(ctx context.Context, tenantID, id int64) error
	Deliveries(ctx context.Context, tenantID int64, q store.DeliveryQuery) ([]store.Delivery, error)
	Redeliver(ctx context.Context, tenantID, deliveryID int64) (store.Delivery, error)
}

// Batches validates and imports batch files; *batch.Service is one.
type Batches interface {
	Upload(ctx context.Context, u batch.Upload) (store.Batch, error)
	StartImport(ctx context.Context, tenantID, batchID int64, o batch.ImportOptions) (store.Batch, error)
	Batch(ctx context.Context, tenantID, batchID int64) (store.Batch, error)
	Report(ctx context.Context, tenantID, batchID int64, limit int) (batch.Report, error)
	WriteReportCSV(ctx context.Context, w io.Writer, tenantID, batchID int64) error
	WriteResultCSV(ctx context.Context, w io.Writer, tenantID, batchID int64) error
}

var (
	_ Webhooks = (*webhooks.Service)(nil)
	_ Batches  = (*batch.Service)(nil)
)

// Config configures the API. Store, Connect and Queue are required;
// without Journal the article routes answer 404, and so do the webhook
// and batch routes without Webhooks and Batches.
type Config struct {
	Store    *store.Store
	Connect  Connector
	Queue    Queue
	Journal  Journal
	Webhooks Webhooks
	Batches  Batches
	Logger   *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rate and Burst are each key's request budget (token bucket): Rate
	// requests per second on average, Burst at once. Zero means the
	// defaults.
	Rate  float64
	Burst int
	// MaxBody bounds a request body in bytes; 0 means DefaultMaxBody.
	MaxBody int64
	// MaxUpload bounds an uploaded batch file in bytes (it is streamed,
	// not held in memory); 0 means DefaultMaxUpload.
	MaxUpload int64
	// IdempotencyTTL is how long an Idempotency-Key is remembered (see
	// Server.PruneIdempotency); 0 means DefaultIdempotencyTTL.
	IdempotencyTTL time.Duration
}

// Server serves the API.
type Server struct {
	cfg    Config
	st     *store.Store
	log    *slog.Logger
	now    func() time.Time
	routes []Route
	doc    []byte // the OpenAPI document
	mux    *http.ServeMux

	mu       sync.Mutex
	limiters map[int64]*rate.Limiter
}

// New prepares the API.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Connect == nil || cfg.Queue == nil {
		return nil, errors.New("api: Store, Connect and Queue are required")
	}
	s := &Server{cfg: cfg, st: cfg.Store, log: cfg.Logger, now: cfg.Now, limiters: map[int64]*rate.Limiter{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cfg.Rate <= 0 {
		s.cfg.Rate = DefaultRate
	}
	if s.cfg.Burst <= 0 {
		s.cfg.Burst = DefaultBurst
	}
	if s.cfg.MaxBody <= 0 {
		s.cfg.MaxBody = DefaultMaxBody
	}
	if s.cfg.MaxUpload <= 0 {
		s.cfg.MaxUpload = DefaultMaxUpload
	}
	if s.cfg.IdempotencyTTL <= 0 {
		s.cfg.IdempotencyTTL = DefaultIdempotencyTTL
	}
	s.routes = s.routeTable()
	doc, err := buildDocument(s.routes)
	if err != nil {
		return nil, err
	}
	s.doc = doc
	s.mux = http.NewServeMux()
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+Prefix+rt.Path, s.wrap(rt))
	}
	s.mux.HandleFunc(Prefix+"/", s.noRoute)
	return s, nil
}

// Handler serves everything under /api/v1/; mount it there.
func (s *Server) Handler() http.Handler { return s.mux }

// Routes is the route table, for tests and documentation.
func (s *Server) Routes() []Route { return s.routes }

// PruneIdempotency forgets Idempotency-Keys older than the configured
// time to live; housekeeping calls it.
func (s *Server) PruneIdempotency(ctx context.Context) (int64, error) {
	return s.st.PruneIdempotency(ctx, s.now().Add(-s.cfg.IdempotencyTTL))
}

// noRoute answers what no route matches: 405 when the path exists with
// other methods, 404 otherwise, as problems.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != Prefix+"/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.writeProblem(w, r, &Problem{Type: typeMethod, Title: "Method not allowed", Status: http.StatusMethodNotAllowed,
			Detail: r.Method + " is not allowed here; use " + strings.Join(allow, ", ") + "."})
		return
	}
	s.writeProblem(w, r, &Problem{Type: typeNotFound, Title: "Not found", Status: http.StatusNotFound,
		Detail: "There is no such resource."})
}
