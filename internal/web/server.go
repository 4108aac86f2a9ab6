// Package web is orcidlink's server-rendered web interface: the pages a
// researcher reaches from an invitation (what ORCID is, connect, success,
// denial, disconnect) and the administrators' UI (tenants, credentials,
// people, invitations, outbox). Business rules live in package connect;
// this package turns them into pages and forms.
package web

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/problems"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

//go:embed templates static
var assets embed.FS

// Config is what the web layer needs to know about its deployment.
type Config struct {
	// Store holds everything the pages show and change (required).
	Store *store.Store
	// Connect invites, connects and disconnects researchers (required).
	Connect *connect.Service
	// PublicURL is the absolute URL browsers use, without a trailing
	// slash; cookies are Secure when it is https.
	PublicURL string
	Logger    *slog.Logger
	Now       func() time.Time
	// Items, if set, lets administrators send failed items again.
	Items ItemQueue
	// Journal, if set, lets administrators publish articles (the journal
	// workflow).
	Journal Journal
	// Batches, if set, lets administrators upload batch files
	// (batch.Service).
	Batches BatchFiles
	// Webhooks manages the tenants' webhook endpoints; nil means one
	// without a queue to nudge (redeliveries then wait for its sweep).
	Webhooks *webhooks.Service
	// TrustedProxies are the addresses whose X-Forwarded-For is believed
	// when telling who sent a request (sign-in throttling); empty, the
	// connection's peer is the client.
	TrustedProxies []netip.Prefix
	// HashConcurrency is how many password hashes (19 MiB each) may run
	// at once; 0 means half the CPUs, at least one.
	HashConcurrency int
	// EmailQueued, if set, is called after the admin UI puts an email in
	// the outbox (an administrator's invitation), so that the sender
	// delivers it at once (mail.Sender.Kick).
	EmailQueued func()
	// Problems, if set, checks credentials with ORCID before they are
	// saved, on request, and sends the daily digest
	// (*problems.Service).
	Problems *problems.Service
	// UploadTimeout is how long a file upload may take to arrive (the
	// server's read timeout is sized for forms); 0 means
	// DefaultUploadTimeout.
	UploadTimeout time.Duration
}

// Server serves every page.
type Server struct {
	cfg      Config
	public   *url.URL
	store    *store.Store
	connect  *connect.Service
	sessions *scs.SessionManager
	pages    map[string]*template.Template
	log      *slog.Logger
	now      func() time.Time
	signIn   *signInGuard
}

// New prepares the server from cfg (its Store, Connect and PublicURL are
// required): templates are parsed once here, so a broken template stops
// start-up instead of a page.
func New(cfg Config) (*Server, error) {
	pub, err := url.Parse(strings.TrimSuffix(cfg.PublicURL, "/"))
	if err != nil || pub.Host == "" {
		return nil, fmt.Errorf("web: public URL %q must be absolute", cfg.PublicURL)
	}
	st := cfg.Store
	switch {
	case st == nil:
		return nil, errors.New("web: Config.Store is required")
	case cfg.Connect == nil:
		return nil, errors.New("web: Config.Connect is required")
	}
	s := &Server{cfg: cfg, public: pub, store: st, connect: cfg.Connect, log: cfg.Logger, now: cfg.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cfg.Webhooks == nil {
		hooks, err := webhooks.NewService(webhooks.ServiceConfig{Store: st, Logger: s.log})
		if err != nil {
			return nil, err
		}
		s.cfg.Webhooks = hooks
	}
	s.signIn = newSignInGuard(cfg.HashConcurrency, s.now)
	s.sessions = scs.New()
	s.sessions.Lifetime = 12 * time.Hour
	s.sessions.IdleTimeout = 2 * time.Hour
	s.sessions.Cookie.Name = "orcidlink_session"
	s.sessions.Cookie.HttpOnly = true
	s.sessions.Cookie.SameSite = http.SameSiteLaxMode
	s.sessions.Cookie.Secure = pub.Scheme == "https"
	s.sessions.Cookie.Path = "/"
	switch st.Driver() {
	case "postgres":
		s.sessions.Store = sessionStore{postgresstore.NewWithCleanupInterval(st.DB(), 30*time.Minute)}
	default:
		s.sessions.Store = sessionStore{sqlite3store.NewWithCleanupInterval(st.DB(), 30*time.Minute)}
	}
	s.sessions.ErrorFunc = s.sessionError
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler is the whole web interface, wrapped in the middleware every page
// needs: recovery, security headers, CSRF protection and sessions.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.registerConnectRoutes(mux)
	s.registerResearcherRoutes(mux) // researcher_page.go
	s.registerAdminRoutes(mux)
	s.registerRecordWebhookRoutes(mux) // orcid_record_webhook.go
	// The site's root has nothing for researchers (they arrive by their
	// invitation link); send whoever comes there to the admin UI.
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin/", http.StatusFound)
	})
	// Forms are protected from cross-site posts by the browser's
	// Sec-Fetch-Site/Origin headers (Go's CrossOriginProtection), which
	// needs no token in every form and cannot be forgotten on one.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusForbidden, "error.cross_site_what", "error.cross_site_next", nil)
	}))
	return s.limitBodies(mux, s.recover(securityHeaders(cop.Handler(s.sessions.LoadAndSave(mux)))))
}

// Request bodies: a form is small, so every route takes at most
// formBodyLimit, except the routes in bodyLimits (file uploads), which
// also get uploadTimeout to arrive instead of the server's read timeout.
const (
	formBodyLimit = 1 << 20
	// DefaultUploadTimeout is how long an upload may take to arrive, and
	// its answer to leave, when Config.UploadTimeout is zero.
	DefaultUploadTimeout = 15 * time.Minute
)

var bodyLimits = map[string]int64{
	adminBatchUploadRoute: adminBatchUploadLimit,
}

// limitBodies bounds the body of every request by its route, before any
// handler reads it: an anonymous client cannot make a handler buffer more
// than formBodyLimit, however the handler reads its form.
func (s *Server) limitBodies(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(formBodyLimit)
		if _, pattern := mux.Handler(r); bodyLimits[pattern] > 0 {
			limit = bodyLimits[pattern]
			extendDeadlines(w, s.cfg.UploadTimeout)
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// extendDeadlines gives a request that uploads a file longer than the
// server's read and write timeouts, which are sized for forms.
func extendDeadlines(w http.ResponseWriter, d time.Duration) {
	if d <= 0 {
		d = DefaultUploadTimeout
	}
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(d)
	// Not every ResponseWriter has a connection (tests' recorders); the
	// server's own timeouts then stay.
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline)
}

// errSessionCommit marks a failure to save a session, as opposed to one
// to read it.
var errSessionCommit = errors.New("save session")

// sessionStore tells the session manager's saves apart from its reads.
// A session is saved on every request that has one (its idle timeout
// moves on), so with the disk full every page would fail after it was
// rendered; see sessionError.
type sessionStore struct{ scs.Store }

func (st sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	if err := st.Store.Commit(token, b, expiry); err != nil {
		return fmt.Errorf("%w: %w", errSessionCommit, err)
	}
	return nil
}

// sessionError answers a request whose session could not be read or
// saved. A GET or HEAD whose session could not be saved is answered all
// the same: it changes nothing, and what is lost (the idle timeout moved
// on, a flash message shown once) is not worth failing a read-only page
// over when the disk is full. Anything else is a 500, since a form whose
// session is not saved would seem to work and then not have.
func (s *Server) sessionError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errSessionCommit) && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		s.log.WarnContext(r.Context(), "session not saved; serving the page anyway", "path", routePath(r), "err", err)
		return
	}
	s.log.ErrorContext(r.Context(), "session", "path", routePath(r), "err", err)
	http.Error(w, "Something went wrong on our side. Please try again in a moment.", http.StatusInternalServerError)
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self' https: http:; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic serving page", "path", routePath(r), "panic", fmt.Sprint(v))
				s.errorPage(w, r, http.StatusInternalServerError, "error.internal_short", "error.retry_soon", nil)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// page is what every template receives.
type page struct {
	Title   string
	Lang    string
	Tenant  *store.Tenant // for branding and the support contact
	Admin   *store.AdminUser
	Flash   string
	Data    any
	Problem *problem
}

// T is message id in the page's language; templates call it as
// {{.T "invitation.heading" "Tenant" $t.Name}}, placeholders as
// name/value pairs (i18n.go).
func (p page) T(id string, kv ...any) string { return translator(p.Lang)(id, kv...) }

type problem struct {
	What, Next string
}

func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"join":      strings.Join,
	"hasPrefix": strings.HasPrefix,
	// States in words (admin_words.go).
	"personState": personStateText,
	"linkState":   linkStateText,
	"itemState":   itemStateText,
	// Items the researcher holds back on their page (store/choices.go).
	"heldByResearcher": store.HeldByResearcher,
	"plural":           adminPlural,
}

// render writes a page; a template error is logged and becomes a plain 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.pages[name]
	if !ok {
		s.log.ErrorContext(r.Context(), "no such template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if p.Lang == "" {
		p.Lang = "en"
	}
	var b strings.Builder
	if err := t.Execute(&b, p); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// errorPage says what happened, what to do next and, when a tenant is
// known, whom to ask: every error a person can reach ends here. what and
// next are message IDs (internal/i18n/locales).
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, what, next string, tenant *store.Tenant) {
	lang := s.requestLang(r, tenant, nil)
	t := translator(lang)
	s.render(w, r, status, "error", page{Title: t("error.page_title"), Lang: lang, Tenant: tenant,
		Problem: &problem{What: t(what), Next: t(next)}})
}

// absURL is an absolute URL on this server.
func (s *Server) absURL(path string) string { return s.public.String() + path }

// errNotAllowed is returned by permission checks; handlers answer 404 so
// that guessing URLs reveals nothing about other tenants.
var errNotAllowed = errors.New("not allowed")
