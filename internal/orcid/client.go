package orcid

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ORCID's documented limits for API v2.0 and later, per client.
const (
	DefaultRate  = 24
	DefaultBurst = 40
)

// Limiter admits one request to ORCID. The default is an in-process token
// bucket; a shared implementation (one budget per credential across
// processes) can be plugged in through Config.Limiter.
type Limiter interface {
	Wait(ctx context.Context) error
}

// PausingLimiter is a Limiter whose budget has other users (other clients,
// other processes) that should all hold back when ORCID pushes back: after
// a 429 or a 503 the client calls Pause with ORCID's Retry-After, or
// DefaultPause when it gave none (design note 3 in doc/design.md: back
// off, and slow the bucket for a while). An error is logged; the call's
// own retry goes on.
type PausingLimiter interface {
	Limiter
	Pause(ctx context.Context, d time.Duration) error
}

// DefaultPause is how long a PausingLimiter holds its budget back after a
// 429 or 503 without Retry-After.
const DefaultPause = time.Second

// RetryPolicy bounds retries of 429, 5xx and network failures.
type RetryPolicy struct {
	MaxAttempts int           // including the first; default 5
	BaseDelay   time.Duration // first backoff; default 250ms
	MaxDelay    time.Duration // cap per wait, Retry-After included; default 30s
}

// Call is one HTTP round trip with ORCID, as the Hook sees it: every
// access token, refresh token, client secret, code and id_token is already
// replaced by "[REDACTED]", in headers, URLs and bodies alike.
type Call struct {
	Method          string
	URL             string
	RequestHeader   http.Header
	RequestBody     []byte
	Status          int // 0 when no response arrived
	ResponseHeader  http.Header
	ResponseBody    []byte
	Duration        time.Duration
	Attempt         int    // 1 for the first try
	Err             string // transport error, if any
	CredentialID    string // the client id the call was made with
	ResearcherIDURI string // unused by the client; for callers' logs
}

// Hook observes every call, e.g. to keep the log of calls ORCID asks
// members to keep. It must not block for long.
type Hook func(ctx context.Context, call Call)

// Config configures a Client. Only Credential is required.
type Config struct {
	Credential  Credential
	RedirectURL string       // the registered redirect URI, for OAuth
	HTTPClient  *http.Client // default: a client with a 30s timeout
	// Limiter admits each API request. It defaults to a token bucket of
	// Rate requests per second with Burst (ORCID's 24 and 40 when zero) in
	// this process; share one Client per credential so all its callers
	// share the budget, or pass a Limiter shared across processes.
	Limiter Limiter
	Rate    float64
	Burst   int
	Retry   RetryPolicy
	Hook    Hook
	Logger  *slog.Logger // debug lines per call; nil discards
}

// Client talks to one ORCID registry with one credential. It is safe for
// concurrent use, and is meant to be shared by everything that uses that
// credential so they share its rate budget.
type Client struct {
	cred    Credential
	cfg     Config
	http    *http.Client
	limiter Limiter
	log     *slog.Logger

	mu sync.Mutex
	// twoLegged caches the client-credentials tokens by scope.
	twoLegged map[string]cachedToken
	oidc      *oidcVerifier
	sleep     func(ctx context.Context, d time.Duration) error
}

// New validates the configuration and returns a client.
func New(cfg Config) (*Client, error) {
	if err := cfg.Credential.Validate(); err != nil {
		return nil, fmt.Errorf("orcid: credential: %w", err)
	}
	c := &Client{cred: cfg.Credential, cfg: cfg, limiter: cfg.Limiter, log: cfg.Logger, sleep: sleepCtx,
		twoLegged: map[string]cachedToken{}}
	base := cfg.HTTPClient
	if base == nil {
		base = &http.Client{Timeout: 30 * time.Second}
	}
	// Every call, the OAuth library's included, goes through the observing
	// transport, so the hook sees all of them and secrets never reach it.
	obs := *base
	obs.Transport = &observingTransport{next: base.Transport, c: c}
	// Redirects are answers, not detours: ORCID redirects a deprecated
	// record's GET to its primary record, where this researcher's token
	// is not valid (401), which would pass for a revoked authorization.
	obs.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.http = &obs
	if c.limiter == nil {
		r, b := cfg.Rate, cfg.Burst
		if r <= 0 {
			r = DefaultRate
		}
		if b <= 0 {
			b = DefaultBurst
		}
		c.limiter = rate.NewLimiter(rate.Limit(r), b)
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.cfg.Retry.MaxAttempts <= 0 {
		c.cfg.Retry.MaxAttempts = 5
	}
	if c.cfg.Retry.BaseDelay <= 0 {
		c.cfg.Retry.BaseDelay = 250 * time.Millisecond
	}
	if c.cfg.Retry.MaxDelay <= 0 {
		c.cfg.Retry.MaxDelay = 30 * time.Second
	}
	return c, nil
}

// Credential returns the credential the client calls with.
func (c *Client) Credential() Credential { return c.cred }

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// request is one logical call; do may send it several times.
type request struct {
	method      string
	url         string
	token       string // bearer token, "" for none
	contentType string
	accept      string
	body        []byte
	noLimit     bool // OAuth endpoints are not under the API rate limit
	// secrets are parts of the URL that must never be shown: a webhook's
	// callback carries the token that proves ORCID's calls. They are
	// hidden from errors, logs and the hook like tokens.
	secrets []string
}

// shownURL is the request's URL as errors and logs show it.
func (r request) shownURL() string { return redact(redactURL(r.url), r.secrets) }

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends the request, retrying 429, 5xx and network failures with
// exponential backoff and jitter (honouring Retry-After), and returns the
// final response or an error. A 4xx other than 429 is returned at once:
// sending it again would fail again.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	var lastErr error
	for attempt := 1; attempt <= c.cfg.Retry.MaxAttempts; attempt++ {
		if !r.noLimit {
			if err := c.limiter.Wait(ctx); err != nil {
				// Our own budget, not ORCID's answer: never a reason to
				// give up on an item (x/time/rate's "would exceed context
				// deadline" is not a context error).
				return nil, fmt.Errorf("orcid: %s %s: waiting for rate limit: %w: %w", r.method, r.shownURL(), ErrTemporary, err)
			}
		}
		resp, err := c.once(ctx, r, attempt)
		var wait time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, fmt.Errorf("orcid: %s %s: %w", r.method, r.shownURL(), ctx.Err())
			}
			lastErr = fmt.Errorf("orcid: %s %s: %w: %w", r.method, r.shownURL(), ErrTemporary, err)
		case resp.status == http.StatusTooManyRequests || resp.status >= 500:
			lastErr = c.fail(r.method, redact(r.url, r.secrets), r.token, resp)
			wait = retryAfter(resp.header.Get("Retry-After"), time.Now())
			if resp.status == http.StatusTooManyRequests || resp.status == http.StatusServiceUnavailable {
				c.pauseBudget(ctx, wait)
			}
		default:
			return resp, nil
		}
		if attempt == c.cfg.Retry.MaxAttempts {
			break
		}
		if back := c.backoff(attempt); back > wait {
			wait = back
		}
		wait = min(wait, c.cfg.Retry.MaxDelay)
		c.log.DebugContext(ctx, "orcid retry", "method", r.method, "url", r.shownURL(), "attempt", attempt, "wait", wait, "err", lastErr)
		if err := c.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("orcid: %s %s: %w (last failure: %w)", r.method, r.shownURL(), err, lastErr)
		}
	}
	return nil, lastErr
}

// pauseBudget holds back every user of a shared budget after ORCID's 429
// or 503 (for retryAfter, else DefaultPause, at most Retry.MaxDelay).
func (c *Client) pauseBudget(ctx context.Context, retryAfter time.Duration) {
	p, ok := c.limiter.(PausingLimiter)
	if !ok {
		return
	}
	d := retryAfter
	if d <= 0 {
		d = DefaultPause
	}
	if err := p.Pause(ctx, min(d, c.cfg.Retry.MaxDelay)); err != nil {
		c.log.WarnContext(ctx, "orcid: could not pause the rate budget", "err", err)
	}
}

// backoff is full-jitter exponential backoff: uniform in [d/2, d] with d
// doubling per attempt, so that many clients retrying do not synchronise.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.Retry.BaseDelay << (attempt - 1)
	if d <= 0 || d > c.cfg.Retry.MaxDelay {
		d = c.cfg.Retry.MaxDelay
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// retryAfter reads Retry-After as seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if errors.Is(err, strconv.ErrRange) && s > 0 {
		err = nil // more seconds than an int64 holds: ParseInt gives the largest
	}
	if err == nil && s >= 0 {
		// Capped before the multiplication: a huge value would overflow
		// into a negative wait, read as "no Retry-After".
		return time.Duration(min(s, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func (c *Client) once(ctx context.Context, r request, attempt int) (*response, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(withSecrets(withAttempt(ctx, attempt), r.secrets), r.method, r.url, body)
	if err != nil {
		return nil, err
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.accept != "" {
		req.Header.Set("Accept", r.accept)
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = redact(ue.URL, r.secrets) // the client's error names the URL
		}
		return nil, err
	}
	defer res.Body.Close()
	// ORCID's bodies are small; a cap keeps a misbehaving peer from
	// exhausting memory.
	b, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
	if err != nil {
		return nil, err
	}
	return &response{status: res.StatusCode, header: res.Header, body: b}, nil
}

// fail turns an unsuccessful response into an APIError with no secret in
// it: ORCID echoes the token it rejects in its 401 description.
func (c *Client) fail(method, url, token string, resp *response) *APIError {
	e := parseAPIError(method, redactURL(url), resp.status, resp.header, resp.body)
	secrets := []string{token, c.cred.ClientSecret}
	e.Developer, e.User = redact(e.Developer, secrets), redact(e.User, secrets)
	return e
}
