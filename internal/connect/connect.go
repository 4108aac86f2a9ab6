// Package connect is orcidlink's create-on-demand workflow, independent of
// HTTP: inviting people, sending them to ORCID, completing the
// authorization, and letting go (disconnect, removal).
//
// The web layer turns its results into pages; the admin UI calls it to
// invite, resend and remove; background work calls MarkRevoked when ORCID
// refuses a token. Every rule about when a person is asked, what is stored
// and what is refused lives here, so that each caller gets the same answer.
package connect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/orcidclients"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Defaults.
const (
	// DefaultInvitationTTL: journals publish before authors respond
	// (design note 5 in doc/design.md), so a link must stay useful for
	// weeks.
	DefaultInvitationTTL = 30 * 24 * time.Hour
	// DefaultStateTTL bounds one round trip to ORCID: long enough to
	// register a new record, short enough that a leaked state is useless.
	DefaultStateTTL = 30 * time.Minute
)

// CallbackPath is where ORCID sends the researcher back, under PublicURL.
const CallbackPath = "/orcid/callback"

// Config configures the Service.
type Config struct {
	// Store holds the tenants, people, links and invitations (required).
	Store *store.Store
	// PublicURL is the absolute URL browsers use, without a trailing
	// slash: invitation links and the redirect URI derive from it.
	PublicURL string
	Logger    *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// InvitationTTL is how long an invitation link stays valid when the
	// tenant has no setting of its own; 0 means DefaultInvitationTTL.
	InvitationTTL time.Duration
	// StateTTL is how long a round trip to ORCID may take; 0 means
	// DefaultStateTTL.
	StateTTL time.Duration
	// HTTPClient is used by the ORCID clients; nil means their default.
	HTTPClient *http.Client
	// Retry bounds the ORCID clients' retries; zero means their default.
	Retry orcid.RetryPolicy
	// Limiter, if set, gives the rate limiter of a credential's client (for
	// one budget per credential shared by every process on the database);
	// nil means an in-process limiter at ORCID's documented rate.
	Limiter func(cred store.Credential) orcid.Limiter
	// OnCall, if set, sees every call to ORCID after it is logged (already
	// redacted), e.g. for metrics.
	OnCall func(orcid.Call)
	// Connected, if set, is called after a person's authorization is
	// stored, so that their pending items can be sent (jobs.Queue.Resume).
	Connected func(ctx context.Context, tenantID, personID int64)
	// Disconnected, if set, is called after a link stopped reading the
	// record (removed, or revoked by ORCID): disconnected.go.
	Disconnected func(ctx context.Context, link store.Link)
	// EmailQueued, if set, is called after an email is put in the outbox,
	// so that the sender (mail.Sender.Kick) delivers it at once.
	EmailQueued func()
	// CredentialRefused, if set, is called when ORCID refuses a
	// credential during a researcher's connection (the code exchange), so
	// that it is checked and flagged (problems.Service.Refused).
	CredentialRefused func(ctx context.Context, credentialID int64, cause error)
	// EventsRecorded, if set, is called after a webhook event (recorded in
	// the transaction of the change it reports) is committed, so that its
	// deliveries go out at once (webhooks.Service.Kick).
	EventsRecorded func(ctx context.Context)
}

// Errors callers branch on with errors.Is. Those returned by Complete are
// wrapped in a *FlowError that says which tenant and person they concern,
// when that is known.
var (
	// ErrAlreadyConnected: the person's link already covers the scopes the
	// tenant's credential asks for; there is nothing to invite them to.
	ErrAlreadyConnected = errors.New("already connected to ORCID with the needed permissions")
	// ErrDenied: the researcher clicked "Deny" at ORCID. The invitation
	// stays usable so that they may try again.
	ErrDenied = errors.New("the researcher denied access at ORCID")
	// ErrBadState: the state that came back is unknown (forged or
	// tampered), already used (replayed), expired, or was issued to
	// another browser session.
	ErrBadState = errors.New("invalid, used or expired OAuth state")
	// ErrInvitationExpired: the invitation link expired or was cancelled
	// (a newer one replaced it).
	ErrInvitationExpired = errors.New("invitation expired or cancelled")
	// ErrInvitationUnknown: no invitation has this link.
	ErrInvitationUnknown = errors.New("no such invitation")
	// ErrAlreadyLinked: the iD that came back is connected to another
	// person of the tenant.
	ErrAlreadyLinked = errors.New("this ORCID iD is already connected to another person")
	// ErrORCID: ORCID refused the code exchange, could not be reached, or
	// its answer could not be verified.
	ErrORCID = errors.New("ORCID did not complete the authorization")
	// ErrNotConnected: the person has no link to disconnect.
	ErrNotConnected = errors.New("not connected to ORCID")
	// ErrRevokeIncomplete: the link was removed here, but revoking its
	// tokens at ORCID failed; the researcher may remove orcidlink from
	// their trusted organizations at ORCID themselves.
	ErrRevokeIncomplete = errors.New("removed locally, but ORCID could not revoke the tokens")
)

// FlowError is an error of the OAuth round trip with what is known about
// whom it concerns, so that a page can name the tenant's support contact
// and offer to try again. TenantID and PersonID are 0 when unknown.
type FlowError struct {
	Kind         error // one of the Err* sentinels
	TenantID     int64
	PersonID     int64
	InvitationID int64
	Err          error // the cause, for logs; may be nil
}

func (e *FlowError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("connect: %v: %v", e.Kind, e.Err)
	}
	return fmt.Sprintf("connect: %v", e.Kind)
}

// Is makes errors.Is(err, ErrDenied) and the like true.
func (e *FlowError) Is(target error) bool { return target == e.Kind }

// Unwrap exposes the cause.
func (e *FlowError) Unwrap() error { return e.Err }

// Invitation is a created invitation with its link, which exists only
// here: the store keeps a hash of its token.
type Invitation struct {
	Link string
	store.Invitation
	// reminder: the email composed for it is a reminder (SendReminders).
	reminder bool
	// hint: an iD on file from an old system, never confirmed (import.go):
	// the email asks the person to confirm it by signing in.
	hint orcid.ID
}

// Result is a completed connection.
type Result struct {
	Tenant     store.Tenant
	Person     store.Person
	Invitation store.Invitation
	Link       store.Link
}

// View is what an invitation's page shows.
type View struct {
	Tenant     store.Tenant
	Person     store.Person
	Invitation store.Invitation
	Credential store.Credential // secret cleared
	// Scopes are those the tenant's credential asks for.
	Scopes []string
	// Link is the person's link under the tenant's credential, if any.
	Link *store.Link
	// Connected: Link is connected and covers Scopes; the page says so
	// instead of sending the person to ORCID again.
	Connected bool
	// Usable: the invitation can still send the person to ORCID.
	Usable bool
	// CanDisconnect: this link may be used to disconnect the person.
	CanDisconnect bool
	// Hint is the iD an old system had on file for the person (bare),
	// never authenticated: the page asks them to confirm it by signing
	// in, and never shows it as theirs. "" for none, or once connected.
	Hint orcid.ID
}

// Service runs the workflow for every tenant.
type Service struct {
	cfg      Config
	store    *store.Store
	log      *slog.Logger
	now      func() time.Time
	redirect string

	clients *orcidclients.Set

	// compose writes an invitation's email (invitationEmail); a field so
	// that a test can hold one tenant's rendering and show that other
	// tenants' invitations go on meanwhile.
	compose func(ctx context.Context, t store.Tenant, p store.Person, inv Invitation) (store.Email, error)
}

// New prepares the service from cfg: its Store and PublicURL are
// required; the rest have defaults.
func New(cfg Config) (*Service, error) {
	pub, err := url.Parse(strings.TrimSuffix(cfg.PublicURL, "/"))
	if err != nil || pub.Host == "" || (pub.Scheme != "http" && pub.Scheme != "https") {
		return nil, fmt.Errorf("connect: public URL %q must be an absolute http(s) URL", cfg.PublicURL)
	}
	st := cfg.Store
	if st == nil {
		return nil, errors.New("connect: Config.Store is required")
	}
	s := &Service{cfg: cfg, store: st, log: cfg.Logger, now: cfg.Now, compose: invitationEmail}
	s.cfg.PublicURL = pub.String()
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cfg.InvitationTTL <= 0 {
		s.cfg.InvitationTTL = DefaultInvitationTTL
	}
	if s.cfg.StateTTL <= 0 {
		s.cfg.StateTTL = DefaultStateTTL
	}
	s.redirect = s.cfg.PublicURL + CallbackPath
	s.clients, err = orcidclients.New(orcidclients.Config{Store: st, RedirectURL: s.redirect,
		HTTPClient: s.cfg.HTTPClient, Retry: s.cfg.Retry, Limiter: s.cfg.Limiter, OnCall: s.cfg.OnCall,
		Now: s.now, Logger: s.log})
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return s, nil
}

// eventsRecorded runs Config.EventsRecorded, if any.
func (s *Service) eventsRecorded(ctx context.Context) {
	if s.cfg.EventsRecorded != nil {
		s.cfg.EventsRecorded(context.WithoutCancel(ctx))
	}
}

// RedirectURI is the one redirect URI every credential must register at
// ORCID, exactly: ORCID compares it character for character.
func (s *Service) RedirectURI() string { return s.redirect }

// InvitationURL is the link of an invitation's raw token.
func (s *Service) InvitationURL(rawToken string) string {
	return s.cfg.PublicURL + "/i/" + url.PathEscape(rawToken)
}
