package mail_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/orcidlink/orcidlink/internal/config"
	"github.com/orcidlink/orcidlink/internal/mail"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// received is one message the test server accepted.
type received struct {
	from string
	to   []string
	data string
}

// server is an in-process SMTP server on loopback that keeps what it
// receives, refuses recipients at refused.example, and, when user is set,
// demands PLAIN authentication.
type server struct {
	addr       string
	user, pass string

	mu  sync.Mutex
	got []received
}

func startServer(t *testing.T, user, pass string) *server {
	t.Helper()
	s := &server{user: user, pass: pass}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{srv: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *server) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

type session struct {
	srv    *server
	authed bool
	msg    received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.srv.user || password != s.srv.pass {
			return errors.New("bad credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.msg = received{from: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if strings.HasSuffix(to, "@refused.example") {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.msg.to = append(s.msg.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.data = string(b)
	s.srv.mu.Lock()
	s.srv.got = append(s.srv.got, s.msg)
	s.srv.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.msg = received{} }
func (s *session) Logout() error { return nil }

func smtpConfig(t *testing.T, srv *server) config.SMTP {
	t.Helper()
	host, port, _ := net.SplitHostPort(srv.addr)
	var p int
	for _, c := range port {
		p = p*10 + int(c-'0')
	}
	return config.SMTP{Host: host, Port: p, TLS: "none", From: "orcidlink@example.org", Username: srv.user, Password: srv.pass}
}

// newSender is mail.New over st.
func newSender(t *testing.T, st *store.Store, cfg mail.Config) *mail.Sender {
	t.Helper()
	cfg.Store = st
	s, err := mail.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func queue(t *testing.T, st *store.Store, to, subject string) store.Email {
	t.Helper()
	e, err := st.QueueEmail(context.Background(), store.Email{Recipient: to, Subject: subject,
		TextBody: "Plain text for " + to, HTMLBody: "<p>HTML for " + to + "</p>"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSendPending(t *testing.T) {
	for _, auth := range []bool{false, true} {
		name := "no auth"
		if auth {
			name = "PLAIN auth"
		}
		t.Run(name, func(t *testing.T) {
			user, pass := "", ""
			if auth {
				user, pass = "mailer", "s3cret"
			}
			srv := startServer(t, user, pass)
			st := storetest.Open(t, "sqlite", nil)
			s := newSender(t, st, mail.Config{SMTP: smtpConfig(t, srv), Timeout: 5 * time.Second})
			ok1 := queue(t, st, "alice@example.org", "Connect your ORCID iD")
			bad := queue(t, st, "nobody@refused.example", "Refused")
			ok2 := queue(t, st, "bob@example.org", "Conectar")

			n, err := s.SendPending(context.Background())
			if err != nil || n != 2 {
				t.Fatalf("SendPending = %d, %v; want 2 sent", n, err)
			}
			got := srv.messages()
			if len(got) != 2 {
				t.Fatalf("server received %d messages, want 2", len(got))
			}
			m := got[0]
			if m.from != "orcidlink@example.org" || len(m.to) != 1 || m.to[0] != "alice@example.org" {
				t.Errorf("envelope from %q to %v", m.from, m.to)
			}
			for _, want := range []string{"Subject: Connect your ORCID iD", "multipart/alternative", "text/plain", "text/html",
				"Plain text for alice@example.org", "HTML for alice@example.org"} {
				if !strings.Contains(m.data, want) {
					t.Errorf("message lacks %q:\n%s", want, m.data)
				}
			}
			for _, e := range []store.Email{ok1, ok2} {
				after, _ := st.Email(context.Background(), e.ID)
				if after.SentAt.IsZero() {
					t.Errorf("email %d not marked sent", e.ID)
				}
			}
			after, _ := st.Email(context.Background(), bad.ID)
			if !after.SentAt.IsZero() || !strings.Contains(after.Error, "550") {
				t.Errorf("refused email: sent %v, error %q", after.SentAt, after.Error)
			}
			// The refused one waits before the next attempt.
			if n, _ := s.SendPending(context.Background()); n != 0 || len(srv.messages()) != 2 {
				t.Errorf("second pass sent %d", n)
			}
		})
	}
}

func TestWrongPasswordLeavesMessagesQueued(t *testing.T) {
	srv := startServer(t, "mailer", "s3cret")
	st := storetest.Open(t, "sqlite", nil)
	cfg := smtpConfig(t, srv)
	cfg.Password = "wrong"
	s := newSender(t, st, mail.Config{SMTP: cfg, Timeout: 5 * time.Second})
	e := queue(t, st, "alice@example.org", "Hello")
	if n, err := s.SendPending(context.Background()); n != 0 || err == nil {
		t.Errorf("SendPending with a wrong password = %d, %v", n, err)
	}
	after, _ := st.Email(context.Background(), e.ID)
	if !after.SentAt.IsZero() || after.Error == "" || strings.Contains(after.Error, "wrong") {
		t.Errorf("after failed auth: sent %v, error %q (must not quote the password)", after.SentAt, after.Error)
	}
}

func TestNoSMTPKeepsOutbox(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	s := newSender(t, st, mail.Config{})
	if s.Enabled() {
		t.Fatal("enabled without a host")
	}
	queue(t, st, "alice@example.org", "Hello")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	s.Kick()
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if unsent, _ := st.UnsentEmails(context.Background(), 10); len(unsent) != 1 {
		t.Errorf("outbox has %d unsent, want 1", len(unsent))
	}
}

func TestRunSendsOnKick(t *testing.T) {
	srv := startServer(t, "", "")
	st := storetest.Open(t, "sqlite", nil)
	s := newSender(t, st, mail.Config{SMTP: smtpConfig(t, srv), PollInterval: time.Hour, Timeout: 5 * time.Second})
	queue(t, st, "first@example.org", "At start")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	// Run delivers at start; after that, with an hour's poll interval,
	// only a kick can send the next one within the test.
	waitFor(t, func() bool { return len(srv.messages()) == 1 })
	queue(t, st, "alice@example.org", "Kicked")
	s.Kick()
	waitFor(t, func() bool { return len(srv.messages()) == 2 })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestBadSettingsShowInOutbox: settings the library refuses do not stop
// the server; each message says why it did not go.
func TestBadSettingsShowInOutbox(t *testing.T) {
	for name, c := range map[string]config.SMTP{
		"no from":     {Host: "127.0.0.1", Port: 25, TLS: "none"},
		"unknown TLS": {Host: "127.0.0.1", Port: 25, TLS: "maybe", From: "a@example.org"},
	} {
		t.Run(name, func(t *testing.T) {
			st := storetest.Open(t, "sqlite", nil)
			e := queue(t, st, "alice@example.org", "Hello")
			if n, err := newSender(t, st, mail.Config{SMTP: c}).SendPending(context.Background()); n != 0 || err == nil {
				t.Errorf("SendPending = %d, %v; want an error", n, err)
			}
			if after, _ := st.Email(context.Background(), e.ID); after.Error == "" || !after.SentAt.IsZero() {
				t.Errorf("email after a refused setting: sent %v, error %q", after.SentAt, after.Error)
			}
		})
	}
}

// TestSentLinkLeavesOutbox: the recipient gets the invitation's link; the
// outbox keeps it only until the message is sent, then a copy without it.
func TestSentLinkLeavesOutbox(t *testing.T) {
	srv := startServer(t, "", "")
	st := storetest.Open(t, "sqlite", nil)
	s := newSender(t, st, mail.Config{SMTP: smtpConfig(t, srv), Timeout: 5 * time.Second})
	ctx := context.Background()
	token := store.NewInvitationToken()
	link := "https://orcidlink.example/i/" + token
	e, err := st.QueueEmail(ctx, store.Email{Recipient: "ann@example.org", Subject: "Connect your ORCID iD",
		TextBody: "Open " + link + "\n", HTMLBody: `<p><a href="` + link + `">Connect</a></p>`, Secrets: []string{token}})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.SendPending(ctx); err != nil || n != 1 {
		t.Fatalf("SendPending = %d, %v", n, err)
	}
	if got := srv.messages(); len(got) != 1 || !strings.Contains(got[0].data, token) {
		t.Fatalf("the recipient did not get the link: %+v", got)
	}
	after, err := st.Email(ctx, e.ID)
	if err != nil || after.SentAt.IsZero() {
		t.Fatalf("after sending: %+v, %v", after, err)
	}
	if strings.Contains(after.TextBody+after.HTMLBody+after.Subject, token) || !strings.Contains(after.TextBody, store.RedactedSecret) {
		t.Errorf("the outbox still holds the link once sent:\n%s\n%s", after.TextBody, after.HTMLBody)
	}
}
