// Package mail delivers the outbox. Everything orcidlink sends is first
// put in the store's outbox (store.QueueEmail), in the same transaction as
// whatever caused it; a Sender then delivers it over SMTP. With no SMTP
// host configured the Sender delivers nothing and messages stay in the
// outbox, where the admin UI shows them: the demo runs with no mail server.
// A message's secrets (an invitation's link) are sealed until it is sent;
// marking it sent leaves only a copy without them (see store.Email.Secrets).
package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/orcidlink/orcidlink/internal/config"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Defaults.
const (
	DefaultPollInterval = 30 * time.Second
	DefaultBatchSize    = 50
	DefaultTimeout      = 30 * time.Second
	// maxBackoff caps how long a failing message waits before the next
	// attempt, so that a fixed mail server picks it up within the hour.
	maxBackoff = time.Hour
)

// Config configures a Sender. Store is required.
type Config struct {
	// Store holds the outbox the Sender delivers.
	Store *store.Store
	// SMTP is the outgoing server; an empty Host keeps mail in the outbox.
	SMTP   config.SMTP
	Logger *slog.Logger
	Now    func() time.Time
	// PollInterval is how often the outbox is checked besides Kick; 0 means
	// DefaultPollInterval.
	PollInterval time.Duration
	// BatchSize is how many messages one pass sends at most.
	BatchSize int
	// Timeout bounds the SMTP connection and each command.
	Timeout time.Duration
}

// Sender delivers queued emails. Its methods are safe for concurrent use;
// passes never overlap.
type Sender struct {
	cfg   Config
	store *store.Store
	log   *slog.Logger
	now   func() time.Time
	kick  chan struct{}

	pass sync.Mutex // one delivery pass at a time
	mu   sync.Mutex
	// retry holds, per failing message, when to try again and how often it
	// failed: a refused address must not be retried on every poll. It is
	// in memory only; a restart tries everything once more.
	retry map[int64]backoff
}

type backoff struct {
	failures int
	next     time.Time
}

// New prepares a Sender over cfg.Store. The SMTP settings are those
// config.Validate checked; a setting the mail library still refuses shows
// as each message's delivery error, in the outbox the admin UI shows.
func New(cfg Config) (*Sender, error) {
	if cfg.Store == nil {
		return nil, errors.New("mail: Config.Store is required")
	}
	s := &Sender{cfg: cfg, store: cfg.Store, log: cfg.Logger, now: cfg.Now, kick: make(chan struct{}, 1), retry: map[int64]backoff{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cfg.PollInterval <= 0 {
		s.cfg.PollInterval = DefaultPollInterval
	}
	if s.cfg.BatchSize <= 0 {
		s.cfg.BatchSize = DefaultBatchSize
	}
	if s.cfg.Timeout <= 0 {
		s.cfg.Timeout = DefaultTimeout
	}
	return s, nil
}

// Enabled reports whether messages are delivered at all (an SMTP host is
// configured); otherwise they stay in the outbox.
func (s *Sender) Enabled() bool { return strings.TrimSpace(s.cfg.SMTP.Host) != "" }

// Kick asks Run to deliver now rather than at the next poll; it never
// blocks. Give it to connect.Config.EmailQueued.
func (s *Sender) Kick() {
	select {
	case s.kick <- struct{}{}:
	default: // a pass is already due
	}
}

// Run delivers the outbox until ctx ends: at start, every PollInterval, and
// on Kick. Without SMTP it only waits, so callers may run it regardless.
func (s *Sender) Run(ctx context.Context) error {
	if !s.Enabled() {
		s.log.InfoContext(ctx, "no SMTP host configured: emails stay in the outbox")
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		if _, err := s.SendPending(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "delivering the outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.kick:
		}
	}
}

// SendPending makes one delivery pass over the unsent messages (those not
// waiting for a retry) and reports how many went out. A message the server
// refuses is marked failed with the reason and stays in the outbox, to be
// tried again later with growing delays; the others still go.
func (s *Sender) SendPending(ctx context.Context) (int, error) {
	if !s.Enabled() {
		return 0, nil
	}
	s.pass.Lock()
	defer s.pass.Unlock()
	pending, err := s.store.UnsentEmails(ctx, s.cfg.BatchSize)
	if err != nil {
		return 0, fmt.Errorf("mail: read outbox: %w", err)
	}
	now := s.now()
	var due []store.Email
	s.mu.Lock()
	for _, e := range pending {
		if b, ok := s.retry[e.ID]; !ok || !now.Before(b.next) {
			due = append(due, e)
		}
	}
	s.mu.Unlock()
	if len(due) == 0 {
		return 0, nil
	}

	c, err := s.client()
	if err == nil && strings.TrimSpace(s.cfg.SMTP.From) == "" {
		err = errors.New("mail: no from address configured (smtp.from)")
	}
	if err != nil {
		for _, e := range due {
			s.failed(ctx, e, err)
		}
		return 0, err
	}
	dctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if err := c.DialWithContext(dctx); err != nil {
		// The server is unreachable: every message waits, and says why.
		err = fmt.Errorf("mail: connect to %s: %w", s.cfg.SMTP.Host, err)
		for _, e := range due {
			s.failed(ctx, e, err)
		}
		return 0, err
	}
	defer func() { _ = c.Close() }()

	sent := 0
	for _, e := range due {
		if ctx.Err() != nil {
			return sent, ctx.Err()
		}
		msg, err := s.message(e)
		if err == nil {
			err = c.Send(msg)
		}
		if err != nil {
			s.failed(ctx, e, err)
			continue
		}
		if err := s.store.MarkEmailSent(ctx, e.ID, s.now()); err != nil {
			// It went out; only the record failed. Logged loudly, since the
			// next pass will send it again.
			s.log.ErrorContext(ctx, "email sent but not marked sent", "email", e.ID, "err", err)
			continue
		}
		s.mu.Lock()
		delete(s.retry, e.ID)
		s.mu.Unlock()
		sent++
		s.log.InfoContext(ctx, "email sent", "email", e.ID, "tenant", e.TenantID)
	}
	return sent, nil
}

// failed records a failed delivery and schedules the next attempt.
func (s *Sender) failed(ctx context.Context, e store.Email, cause error) {
	s.mu.Lock()
	b := s.retry[e.ID]
	b.failures++
	wait := min(s.cfg.PollInterval<<min(b.failures-1, 16), maxBackoff)
	b.next = s.now().Add(wait)
	s.retry[e.ID] = b
	s.mu.Unlock()
	s.log.WarnContext(ctx, "email not sent", "email", e.ID, "tenant", e.TenantID, "failures", b.failures,
		"retry_in", wait.String(), "err", cause)
	if err := s.store.MarkEmailFailed(ctx, e.ID, cause.Error()); err != nil {
		s.log.ErrorContext(ctx, "could not record email failure", "email", e.ID, "err", err)
	}
}

// client builds an SMTP client from the settings.
func (s *Sender) client() (*gomail.Client, error) {
	c := s.cfg.SMTP
	opts := []gomail.Option{gomail.WithTimeout(s.cfg.Timeout)}
	switch strings.ToLower(c.TLS) {
	case "", "starttls":
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.TLSMandatory))
	case "tls":
		opts = append(opts, gomail.WithSSLPort(false))
	case "none":
		opts = append(opts, gomail.WithTLSPortPolicy(gomail.NoTLS))
	default:
		return nil, fmt.Errorf("mail: SMTP TLS %q: want starttls, tls or none", c.TLS)
	}
	// The port goes after the TLS options, which set their own defaults.
	if c.Port > 0 {
		opts = append(opts, gomail.WithPort(c.Port))
	}
	if c.Username != "" {
		// Discovery picks the strongest mechanism the server offers, and
		// never PLAIN or LOGIN without TLS. Without TLS, PLAIN is used, and
		// go-mail then sends the password only to a loopback server (a
		// local relay); anywhere else authentication fails rather than
		// leak it.
		auth := gomail.SMTPAuthAutoDiscover
		if strings.EqualFold(c.TLS, "none") {
			auth = gomail.SMTPAuthPlain
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(c.Username), gomail.WithPassword(c.Password))
	}
	cl, err := gomail.NewClient(c.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP client for %s: %w", c.Host, err)
	}
	return cl, nil
}

// message turns an outbox entry into a MIME message: plain text, with the
// HTML as an alternative when there is one.
func (s *Sender) message(e store.Email) (*gomail.Msg, error) {
	m := gomail.NewMsg()
	if err := m.From(s.cfg.SMTP.From); err != nil {
		return nil, fmt.Errorf("mail: from address: %w", err)
	}
	if err := m.To(e.Recipient); err != nil {
		return nil, fmt.Errorf("mail: recipient of email %d: %w", e.ID, err)
	}
	m.Subject(e.Subject)
	m.SetDate()
	m.SetMessageID()
	m.SetBodyString(gomail.TypeTextPlain, e.TextBody)
	if e.HTMLBody != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, e.HTMLBody)
	}
	return m, nil
}
