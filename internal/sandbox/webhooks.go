package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Premium webhooks, as ORCID-Source has them: registration by
// orcid-api-web's WebhooksService and WebhooksServiceDelegatorImpl, delivery
// by orcid-core's WebhookManagerImpl (run by orcid-scheduler-web) with
// WebhookDaoImpl's and WebhookEntity's queries; documented in
// orcid-api-web/WEBHOOKS.md and tutorial/webhooks.md.
//
// Where deliveries go: the registry POSTs to whatever callback a client
// registered, loopback and private addresses included, because it is a test
// tool that runs where its operator decides who may connect and who may
// create clients. An embedding program that exposes the registry to others
// passes Config.WebhookClient with a dialer that refuses the addresses it
// must protect (doc/sandbox.md, "Webhooks").

// Defaults of the delivery schedule, ORCID's minutes made seconds: ORCID's
// scheduler runs every few minutes ("Hook notifications are sent every
// five minutes", tutorial/webhooks.md) and waits failed_attempt_count times
// org.orcid.core.webhookRetryDelayMinutes (10) after a failure.
const (
	DefaultWebhookInterval   = 5 * time.Second
	DefaultWebhookRetryDelay = 10 * time.Second
	// webhookMaxAttempts is org.orcid.persistence.webhook.maxAttemptCount:
	// a callback that failed this often is never called again.
	webhookMaxAttempts = 25
	// webhookTimeout is ORCID's org.orcid.http.timeout (HttpRequestUtils).
	webhookTimeout = 20 * time.Second
)

// webhookPath is DefaultApiVersionFilter's WEBHOOK_PATH_REGEX
// ("^/" + ORCID_STRING + "/webhook/.+"): such paths need no version prefix.
var webhookPath = regexp.MustCompile(`^/((\d{4}-){3}\d{3}[\dX])/webhook/(.+)$`)

// Webhook is one registered callback, as the control API lists it.
type Webhook struct {
	ORCID          string    `json:"orcid"`
	URI            string    `json:"uri"`
	ClientID       string    `json:"client_id"`
	CreatedAt      time.Time `json:"created_at"`
	Pending        bool      `json:"pending"` // the record changed since the last delivery
	FailedAttempts int       `json:"failed_attempts"`
	LastSent       time.Time `json:"last_sent,omitzero"`
	LastFailed     time.Time `json:"last_failed,omitzero"`
	LastStatus     int       `json:"last_status,omitempty"`
	LastError      string    `json:"last_error,omitempty"`
}

// webhooks runs deliveries: on a timer (Config.WebhookInterval) and on
// demand (POST /_sandbox/webhooks/flush), one run at a time.
type webhooks struct {
	client *http.Client
	retry  time.Duration
	run    sync.Mutex // one delivery run at a time
	stop   context.CancelFunc
	done   chan struct{}
}

// WebhookClient is a delivery client over transport as ORCID's
// HttpRequestUtils makes one: a 20-second timeout and no redirects followed
// (Java's HttpClient defaults to NEVER), so a 3xx counts as a failure. A
// nil transport reaches any address, without a proxy (Java's HttpClient
// uses none unless configured).
func WebhookClient(transport http.RoundTripper) *http.Client {
	if transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.Proxy = nil
		transport = t
	}
	return &http.Client{Transport: transport, Timeout: webhookTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// startWebhooks prepares deliveries and, with a positive interval, starts
// the timer that delivers what is pending.
func (r *Registry) startWebhooks(cfg Config) {
	h := &webhooks{client: cfg.WebhookClient, retry: cfg.WebhookRetryDelay}
	if h.client == nil {
		h.client = WebhookClient(nil)
	}
	if h.retry == 0 {
		h.retry = DefaultWebhookRetryDelay
	}
	interval := cfg.WebhookInterval
	if interval == 0 {
		interval = DefaultWebhookInterval
	}
	r.hooks = h
	if interval < 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.stop, h.done = cancel, make(chan struct{})
	go func() {
		defer close(h.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := r.DeliverWebhooks(ctx); err != nil && ctx.Err() == nil {
					r.log.Warn("sandbox webhooks", "err", err)
				}
			}
		}
	}()
}

// stopWebhooks ends the timer and waits for a run in progress.
func (r *Registry) stopWebhooks() {
	if h := r.hooks; h != nil && h.stop != nil {
		h.stop()
		<-h.done
	}
}

// WebhookRun reports one delivery run.
type WebhookRun struct {
	Delivered int               `json:"delivered"`
	Failed    int               `json:"failed"`
	Skipped   int               `json:"skipped"` // callbacks of a client that answered 429 earlier in the run
	Calls     []WebhookDelivery `json:"calls"`
}

// WebhookDelivery is one POST of a run.
type WebhookDelivery struct {
	ORCID    string `json:"orcid"`
	URL      string `json:"url"` // as posted, http:// added when the callback had no scheme
	ClientID string `json:"client_id"`
	Status   int    `json:"status"` // 0 when no HTTP answer came
	Error    string `json:"error,omitempty"`
}

// DeliverWebhooks POSTs an empty body to every callback whose record
// changed since its last delivery and that is not waiting to be retried: the
// run ORCID's scheduler makes (WebhookManagerImpl.processWebhooks). Several
// changes of a record between two runs make one POST. A 2xx answer is a
// delivery; anything else, a transport error included, is a failure, retried
// failed_attempts × WebhookRetryDelay after the last failure (ORCID's query
// waits failed_attempt_count × retryDelayMinutes), at most 25 times. A 429
// also skips the client's other callbacks for the rest of the run.
func (r *Registry) DeliverWebhooks(ctx context.Context) (WebhookRun, error) {
	h := r.hooks
	h.run.Lock()
	defer h.run.Unlock()
	var run WebhookRun
	due, err := r.store.webhooksDue(ctx, r.now(), h.retry)
	if err != nil {
		return run, err
	}
	paused := map[string]bool{}
	for _, d := range due {
		if paused[d.ClientID] {
			run.Skipped++
			continue
		}
		call := WebhookDelivery{ORCID: d.ORCID, URL: webhookTarget(d.URI), ClientID: d.ClientID}
		call.Status, err = h.post(ctx, call.URL)
		if err != nil {
			if ctx.Err() != nil {
				return run, ctx.Err()
			}
			call.Error = err.Error()
		}
		ok := call.Status >= 200 && call.Status < 300
		if err := r.store.webhookAttempted(ctx, d, ok, call.Status, call.Error, r.now()); err != nil {
			return run, err
		}
		if ok {
			run.Delivered++
		} else {
			run.Failed++
			if call.Status == http.StatusTooManyRequests {
				paused[d.ClientID] = true
			}
		}
		run.Calls = append(run.Calls, call)
	}
	return run, nil
}

// webhookTarget is WebhookManagerImpl.doPost's rule: a callback that does
// not start with "http" (in any case) gets "http://" in front.
func webhookTarget(uri string) string {
	if !strings.HasPrefix(strings.ToLower(uri), "http") {
		return "http://" + uri
	}
	return uri
}

func (h *webhooks) post(ctx context.Context, target string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, http.NoBody)
	if err != nil {
		return 0, err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// serveWebhook answers PUT and DELETE /{iD}/webhook/{callback} on the
// Member API host (no version prefix). The order of the checks is ORCID's:
// token (Spring Security), JAX-RS matching (path, method, media types), the
// token's record, then the delegator: scope, callback syntax, record.
func (r *Registry) serveWebhook(w http.ResponseWriter, req *http.Request, orcidID, rawURI string) {
	a := &apiRequest{req: req, out: defaultMediaType, orcid: orcidID}
	if err := r.webhookCall(w, a, rawURI); err != nil {
		r.writeError(w, req, a.out, err)
	}
}

func (r *Registry) webhookCall(w http.ResponseWriter, a *apiRequest, rawURI string) error {
	req := a.req
	out, acceptable := negotiate(req.Header.Get("Accept"))
	if acceptable {
		a.out = out
	}
	c, err := r.authenticate(req, false)
	if err != nil {
		return err
	}
	a.caller = c
	// {webhook_uri} is one path segment: the callback must arrive
	// URL-encoded, slashes as %2F.
	if strings.Contains(rawURI, "/") {
		return errJAXRS(http.StatusNotFound, "")
	}
	if req.Method != http.MethodPut && req.Method != http.MethodDelete {
		return errJAXRS(http.StatusMethodNotAllowed, "")
	}
	// ORCID's tutorial sends no body and no Content-Type; one that is sent
	// must be one of the types the resource consumes.
	if req.Header.Get("Content-Type") != "" {
		if _, ok := requestType(req); !ok {
			return errJAXRS(http.StatusUnsupportedMediaType, "")
		}
	}
	if !acceptable {
		return errJAXRS(http.StatusNotAcceptable, "")
	}
	if err := c.checkTarget(req.URL.Path); err != nil {
		return err
	}
	if !c.has(ScopeWebhook) {
		return errNoScope()
	}
	callback, err := url.PathUnescape(rawURI)
	if err != nil {
		return errJAXRS(http.StatusNotFound, "")
	}
	ctx := req.Context()
	if req.Method == http.MethodPut && !javaURISyntax(callback) {
		return newAPIError(9012, nil, fmt.Sprintf("Webhook uri: %s is syntactically incorrect", callback))
	}
	// profileEntityManager.orcidExists: any record, whatever its state.
	if _, err := r.store.Researcher(ctx, a.orcid); err != nil {
		if errors.Is(err, ErrNotFound) {
			return newAPIError(9011, map[string]string{"orcid": a.orcid}, "")
		}
		return err
	}
	if req.Method == http.MethodPut {
		created, err := r.store.registerWebhook(ctx, a.orcid, callback, c.clientID(), r.now())
		if err != nil {
			return err
		}
		if !created {
			// Registered already, by this client or another: ORCID
			// saves the row unchanged and answers 204.
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		w.Header().Set("Location", r.BaseURL()+req.URL.EscapedPath())
		w.WriteHeader(http.StatusCreated)
		return nil
	}
	owner, err := r.store.webhookOwner(ctx, a.orcid, callback)
	if errors.Is(err, ErrNotFound) {
		return newAPIError(9028, map[string]string{"orcid": a.orcid, "uri": callback}, "")
	}
	if err != nil {
		return err
	}
	if owner != c.clientID() {
		return newAPIError(9014, nil, "Unable to unregister webhook: Only the client that register the webhook can unregister it.")
	}
	if err := r.store.deleteWebhook(ctx, a.orcid, callback); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// javaURISyntax reports whether java.net.URI's constructor accepts s, which
// is all ORCID checks of a callback (WebhooksServiceDelegatorImpl:
// URISyntaxException → 400 "Webhook uri: … is syntactically incorrect").
// java.net.URI follows RFC 2396: a scheme, when there is one, starts with a
// letter and is followed by something; every character is unreserved,
// reserved or a %XX escape (non-ASCII letters pass, spaces and controls do
// not); one fragment; brackets only around an IPv6 host. Relative URIs such
// as "example.org/hook" are fine (delivery adds http://).
func javaURISyntax(s string) bool {
	rest := s
	if i := strings.IndexAny(s, ":/?#"); i >= 0 && s[i] == ':' {
		if !uriScheme.MatchString(s[:i]) || i == len(s)-1 {
			return false
		}
		rest = s[i+1:]
	}
	body, frag, hasFrag := strings.Cut(rest, "#")
	if hasFrag && (strings.Contains(frag, "#") || !uriChars(frag, false)) {
		return false
	}
	if auth, ok := strings.CutPrefix(body, "//"); ok {
		end := strings.IndexAny(auth, "/?")
		if end < 0 {
			end = len(auth)
		}
		if !uriAuthority(auth[:end]) {
			return false
		}
		body = auth[end:]
	}
	return uriChars(body, false)
}

var uriScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// uriChars checks RFC 2396 uric characters, brackets allowed only when
// brackets is true.
func uriChars(s string, brackets bool) bool {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			i += 2
		case ch >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) {
				return false
			}
			i += size - 1
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		case strings.IndexByte("-_.!~*'();/?:@&=+$,", ch) >= 0:
		case brackets && (ch == '[' || ch == ']'):
		default:
			return false
		}
	}
	return true
}

// uriAuthority: userinfo@host:port, the host possibly a bracketed IPv6
// literal. java.net.URI falls back to a registry-based authority when the
// server form fails, so only characters and brackets matter.
func uriAuthority(a string) bool {
	if i := strings.IndexByte(a, '['); i >= 0 {
		j := strings.IndexByte(a, ']')
		if j < i || (i > 0 && a[i-1] != '@') || net.ParseIP(a[i+1:j]) == nil || strings.IndexByte(a[i+1:j], ':') < 0 {
			return false
		}
		if tail := a[j+1:]; tail != "" && (tail[0] != ':' || strings.ContainsAny(tail, "[]")) {
			return false
		}
		return uriChars(a[:i], false) && uriChars(a[j+1:], false)
	}
	return uriChars(a, false)
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// Store side.

// webhookDue is a callback to POST in this run.
type webhookDue struct {
	ORCID, URI, ClientID string
	Changes              int64 // the change count this delivery reports
}

func (s *store) registerWebhook(ctx context.Context, orcidID, uri, clientID string, now time.Time) (created bool, err error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO webhooks (orcid, uri, client_id, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (orcid, uri) DO NOTHING`, orcidID, uri, clientID, unix(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s *store) webhookOwner(ctx context.Context, orcidID, uri string) (string, error) {
	var owner string
	err := s.db.QueryRowContext(ctx, `SELECT client_id FROM webhooks WHERE orcid = ? AND uri = ?`, orcidID, uri).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return owner, err
}

func (s *store) deleteWebhook(ctx context.Context, orcidID, uri string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM webhooks WHERE orcid = ? AND uri = ?`, orcidID, uri)
	return err
}

// webhooksDue is WebhookEntity's FIND_WEBHOOKS_READY_TO_PROCESS: changed
// since the last delivery, fewer than 25 failures, and either no failure or
// the retry wait (failures × retry delay) over.
func (s *store) webhooksDue(ctx context.Context, now time.Time, retry time.Duration) ([]webhookDue, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT orcid, uri, client_id, changes FROM webhooks
		WHERE changes > sent_changes AND failed_attempts < ?
		  AND (failed_attempts = 0 OR last_failed + failed_attempts * ? < ?)
		ORDER BY rowid`, webhookMaxAttempts, retry.Milliseconds(), unix(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []webhookDue
	for rows.Next() {
		var d webhookDue
		if err := rows.Scan(&d.ORCID, &d.URI, &d.ClientID, &d.Changes); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// webhookAttempted is WebhookDaoImpl.markAsSent / markAsFailed.
func (s *store) webhookAttempted(ctx context.Context, d webhookDue, ok bool, status int, errText string, now time.Time) error {
	var err error
	if ok {
		_, err = s.db.ExecContext(ctx, `UPDATE webhooks SET sent_changes = ?, last_sent = ?, failed_attempts = 0,
			last_status = ?, last_error = '' WHERE orcid = ? AND uri = ?`, d.Changes, unix(now), status, d.ORCID, d.URI)
	} else {
		_, err = s.db.ExecContext(ctx, `UPDATE webhooks SET last_failed = ?, failed_attempts = failed_attempts + 1,
			last_status = ?, last_error = ? WHERE orcid = ? AND uri = ?`, unix(now), status, errText, d.ORCID, d.URI)
	}
	return err
}

// Webhooks lists every registered callback.
func (r *Registry) Webhooks(ctx context.Context) ([]Webhook, error) {
	rows, err := r.store.db.QueryContext(ctx, `SELECT orcid, uri, client_id, created_at, changes > sent_changes,
		failed_attempts, last_sent, last_failed, last_status, last_error FROM webhooks ORDER BY rowid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Webhook{}
	for rows.Next() {
		var h Webhook
		var created int64
		var sent, failed sql.NullInt64
		if err := rows.Scan(&h.ORCID, &h.URI, &h.ClientID, &created, &h.Pending, &h.FailedAttempts,
			&sent, &failed, &h.LastStatus, &h.LastError); err != nil {
			return nil, err
		}
		h.CreatedAt = fromUnix(created)
		if sent.Valid {
			h.LastSent = fromUnix(sent.Int64)
		}
		if failed.Valid {
			h.LastFailed = fromUnix(failed.Int64)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Control API: GET /_sandbox/webhooks lists the callbacks and their state;
// POST /_sandbox/webhooks/flush makes a delivery run now and reports it.
func (r *Registry) registerWebhookControlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /_sandbox/webhooks", func(w http.ResponseWriter, req *http.Request) {
		hs, err := r.Webhooks(req.Context())
		if err != nil {
			r.ctlFail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, hs)
	})
	mux.HandleFunc("POST /_sandbox/webhooks/flush", func(w http.ResponseWriter, req *http.Request) {
		run, err := r.DeliverWebhooks(req.Context())
		if err != nil {
			r.ctlFail(w, err)
			return
		}
		if run.Calls == nil {
			run.Calls = []WebhookDelivery{}
		}
		writeJSON(w, http.StatusOK, run)
	})
}
