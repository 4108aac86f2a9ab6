package connect

// Connecting from the host's own page (issue 17). A host (a journal's
// submission form, a repository's profile page) asks the API for a connect
// link naming a return URL on an origin the tenant allowed; the researcher
// goes through the same invitation page, OAuth round trip, state, session
// binding and audit as an emailed invitation, and is then sent back to the
// return URL with a short-lived signed result (a compact JWS) instead of
// staying on orcidlink's page. The host verifies the result with the keys
// published at ResultKeys, or through the API (VerifyResult), which also
// accepts each result once.

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/orcidlink/orcidlink/internal/store"
)

// Connect links and their results.
const (
	// DefaultHostLinkTTL: a host makes a link when it shows its button,
	// and the researcher uses it at once or not at all.
	DefaultHostLinkTTL = 24 * time.Hour
	MinHostLinkTTL     = 5 * time.Minute
	MaxHostLinkTTL     = 7 * 24 * time.Hour
	// ResultTTL bounds how long a signed result is good for: the browser
	// carries it straight to the host.
	ResultTTL = 5 * time.Minute
	// ResultParam is the query parameter of the return URL that carries
	// the signed result.
	ResultParam = "orcidlink_result"
	// signingKeyAge: a signing key older than this is replaced by a new
	// one; the old one stays published while it is among the newest.
	signingKeyAge = 90 * 24 * time.Hour
	// resultLeeway forgives a host's clock for an iat a little ahead.
	resultLeeway = 30 * time.Second
)

// The statuses of a result.
const (
	ResultConnected = "connected"
	ResultDenied    = "denied"
	ResultError     = "error"
)

// The error codes of a result whose status is ResultError.
const (
	ResultErrExpired       = "expired"        // the connect link expired or was replaced
	ResultErrAlreadyLinked = "already_linked" // the iD is connected to another person of the tenant
	ResultErrORCID         = "orcid"          // ORCID did not complete the authorization
	ResultErrCredential    = "credential"     // ORCID refuses the tenant's credential
	ResultErrBadState      = "bad_state"      // the round trip was not valid, reused or too slow
	ResultErrInternal      = "internal"       // something went wrong on orcidlink's side
)

var (
	// ErrReturnNotAllowed: the return URL is not on an origin the tenant
	// allows (TenantSettings.ReturnOrigins).
	ErrReturnNotAllowed = errors.New("the return URL is not on an origin the tenant allows")
	// ErrResultRefused: a signed result is forged, malformed, of another
	// tenant, for another audience, expired or already used; the
	// *ResultRefusal says which.
	ErrResultRefused = errors.New("connect result refused")
)

// ResultRefusal is why a result was refused. It matches ErrResultRefused.
type ResultRefusal struct {
	Reason string // invalid, expired, audience, replayed
	Err    error
}

func (e *ResultRefusal) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("connect: result refused (%s): %v", e.Reason, e.Err)
	}
	return "connect: result refused (" + e.Reason + ")"
}

// Is makes errors.Is(err, ErrResultRefused) true.
func (e *ResultRefusal) Is(target error) bool { return target == ErrResultRefused }

// Unwrap exposes the cause.
func (e *ResultRefusal) Unwrap() error { return e.Err }

// HostLink is a connect link for a host's page.
type HostLink struct {
	Invitation
	ReturnURL string
}

// ResultClaims are what a signed result says.
type ResultClaims struct {
	Issuer   string `json:"iss"`
	Audience string `json:"aud"` // the return URL's origin
	Tenant   string `json:"tenant"`
	Person   int64  `json:"person"`
	// ExternalRef is the person's reference in the host's system, if any.
	ExternalRef string `json:"external_ref,omitempty"`
	// ORCID is the authenticated iD as a URI, with status connected only.
	ORCID    string `json:"orcid,omitempty"`
	Status   string `json:"status"`
	Error    string `json:"error,omitempty"`
	IssuedAt int64  `json:"iat"`
	Expiry   int64  `json:"exp"`
	ID       string `json:"jti"`
}

// CreateHostLink makes a connect link for a person of the tenant that
// sends them back to returnURL, whose origin the tenant must allow
// (ErrReturnNotAllowed otherwise). It is an invitation like any other
// (same page, same round trip), but sends no email and leaves the
// person's other invitations alone: an emailed link keeps working. A
// person already connected with every permission is ErrAlreadyConnected.
// ttl 0 means DefaultHostLinkTTL.
func (s *Service) CreateHostLink(ctx context.Context, tenantID, personID int64, actor, returnURL string, ttl time.Duration) (HostLink, error) {
	t, err := s.store.Tenant(ctx, tenantID)
	if err != nil {
		return HostLink{}, fmt.Errorf("connect: connect link: %w", err)
	}
	origin, err := store.ReturnOrigin(returnURL)
	if err != nil {
		return HostLink{}, fmt.Errorf("connect: connect link: %w", err)
	}
	if !slices.Contains(t.Settings.ReturnOrigins, origin) {
		return HostLink{}, fmt.Errorf("connect: connect link to %s for tenant %d: %w", origin, tenantID, ErrReturnNotAllowed)
	}
	switch {
	case ttl == 0:
		ttl = DefaultHostLinkTTL
	case ttl < MinHostLinkTTL || ttl > MaxHostLinkTTL:
		return HostLink{}, fmt.Errorf("connect: connect link: %w: lifetime %s is not within %s and %s", store.ErrInvalid, ttl,
			MinHostLinkTTL, MaxHostLinkTTL)
	}
	if _, err := s.store.Person(ctx, tenantID, personID); err != nil {
		return HostLink{}, fmt.Errorf("connect: connect link: %w", err)
	}
	cred, err := s.store.Credential(ctx, t.CredentialID)
	if err != nil {
		return HostLink{}, fmt.Errorf("connect: connect link for person %d: %w", personID, err)
	}
	now := s.now()
	if l, err := s.store.Link(ctx, tenantID, personID); err == nil && l.Covers(now, s.requiredScopes(t, cred)...) {
		return HostLink{}, fmt.Errorf("connect: connect link for person %d of tenant %d: %w", personID, tenantID, ErrAlreadyConnected)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return HostLink{}, fmt.Errorf("connect: connect link for person %d: %w", personID, err)
	}
	if actor == "" {
		actor = store.ActorSystem
	}
	var out HostLink
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		inv, raw, err := tx.CreateInvitation(ctx, store.NewInvitation{TenantID: tenantID, PersonID: personID,
			Scopes: s.TenantScopes(t, cred), ExpiresAt: now.Add(ttl), CreatedBy: actor})
		if err != nil {
			return err
		}
		if err := tx.CreateConnectLink(ctx, tenantID, inv.ID, returnURL); err != nil {
			return err
		}
		out = HostLink{Invitation: Invitation{Link: s.InvitationURL(raw), Invitation: inv}, ReturnURL: returnURL}
		detail, _ := json.Marshal(map[string]any{"invitation": inv.ID, "return_origin": origin, "expires_at": inv.ExpiresAt})
		_, err = tx.AppendAudit(ctx, store.AuditEvent{TenantID: tenantID, PersonID: personID, Actor: actor,
			Action: "connect_link.created", Detail: detail})
		return err
	})
	if err != nil {
		return HostLink{}, fmt.Errorf("connect: connect link for person %d of tenant %d: %w", personID, tenantID, err)
	}
	s.log.InfoContext(ctx, "connect link created", "tenant", tenantID, "person", personID, "invitation", out.ID,
		"return_origin", origin, "actor", actor)
	return out, nil
}

// Outcome is how a round trip of a connect link ended, for its result.
type Outcome struct {
	Status string // ResultConnected, ResultDenied or ResultError
	Error  string // the ResultErr* code with ResultError
	ORCID  string // the iD's URI with ResultConnected
}

// OutcomeOf reads Complete's answer as a result's outcome.
func OutcomeOf(res Result, err error) Outcome {
	switch {
	case err == nil:
		return Outcome{Status: ResultConnected, ORCID: res.Link.ORCIDURI}
	case errors.Is(err, ErrDenied):
		return Outcome{Status: ResultDenied}
	case errors.Is(err, ErrInvitationExpired), errors.Is(err, ErrInvitationUnknown):
		return Outcome{Status: ResultError, Error: ResultErrExpired}
	case errors.Is(err, ErrAlreadyLinked):
		return Outcome{Status: ResultError, Error: ResultErrAlreadyLinked}
	case errors.Is(err, ErrCredentialBroken):
		return Outcome{Status: ResultError, Error: ResultErrCredential}
	case errors.Is(err, ErrORCID):
		return Outcome{Status: ResultError, Error: ResultErrORCID}
	case errors.Is(err, ErrBadState):
		return Outcome{Status: ResultError, Error: ResultErrBadState}
	}
	return Outcome{Status: ResultError, Error: ResultErrInternal}
}

// HostReturnURL is where the researcher of a connect link's invitation
// goes now: its return URL with the signed result of the outcome. ok is
// false for an invitation that is no connect link, or whose return origin
// the tenant no longer allows: the researcher then stays on orcidlink's
// own page.
func (s *Service) HostReturnURL(ctx context.Context, tenantID, invitationID int64, o Outcome) (_ string, ok bool, err error) {
	if tenantID == 0 || invitationID == 0 {
		return "", false, nil
	}
	ret, err := s.store.ConnectLinkReturnURL(ctx, tenantID, invitationID)
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("connect: return of invitation %d: %w", invitationID, err)
	}
	inv, err := s.store.Invitation(ctx, tenantID, invitationID)
	if err != nil {
		return "", false, fmt.Errorf("connect: return of invitation %d: %w", invitationID, err)
	}
	t, err := s.store.Tenant(ctx, tenantID)
	if err != nil {
		return "", false, fmt.Errorf("connect: return of invitation %d: %w", invitationID, err)
	}
	p, err := s.store.Person(ctx, tenantID, inv.PersonID)
	if err != nil {
		return "", false, fmt.Errorf("connect: return of invitation %d: %w", invitationID, err)
	}
	origin, err := store.ReturnOrigin(ret)
	if err != nil || !slices.Contains(t.Settings.ReturnOrigins, origin) {
		s.log.WarnContext(ctx, "connect link's return origin no longer allowed; researcher stays here", "tenant", tenantID,
			"invitation", invitationID, "return_origin", origin)
		return "", false, nil
	}
	now := s.now()
	c := ResultClaims{Issuer: s.cfg.PublicURL, Audience: origin, Tenant: t.Slug, Person: p.ID, ExternalRef: p.ExternalRef,
		Status: o.Status, Error: o.Error, IssuedAt: now.Unix(), Expiry: now.Add(ResultTTL).Unix(), ID: rand.Text()}
	if o.Status == ResultConnected {
		c.ORCID = o.ORCID
	}
	token, err := s.signResult(ctx, c)
	if err != nil {
		return "", false, err
	}
	u, err := url.Parse(ret)
	if err != nil {
		return "", false, fmt.Errorf("connect: return of invitation %d: %w", invitationID, err)
	}
	q := u.Query()
	q.Set(ResultParam, token)
	u.RawQuery = q.Encode()
	s.log.InfoContext(ctx, "researcher sent back to the host", "tenant", tenantID, "person", p.ID, "invitation", invitationID,
		"status", o.Status, "error", o.Error, "return_origin", origin)
	return u.String(), true, nil
}

// signingKeys are the keys that open, newest first, making one when there
// is none or the newest is old.
func (s *Service) signingKeys(ctx context.Context) ([]store.SigningKey, error) {
	keys, err := s.store.ConnectSigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: signing keys: %w", err)
	}
	if len(keys) == 0 || s.now().Sub(keys[0].CreatedAt) > signingKeyAge {
		k, err := s.store.CreateConnectSigningKey(ctx)
		if err != nil {
			return nil, fmt.Errorf("connect: signing keys: %w", err)
		}
		keys = append([]store.SigningKey{k}, keys...)
	}
	return keys, nil
}

func (s *Service) signResult(ctx context.Context, c ResultClaims) (string, error) {
	keys, err := s.signingKeys(ctx)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.EdDSA, Key: jose.JSONWebKey{Key: keys[0].Private, KeyID: keys[0].ID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("connect: sign result: %w", err)
	}
	payload, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("connect: sign result: %w", err)
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("connect: sign result: %w", err)
	}
	return obj.CompactSerialize()
}

// ResultKeys are the public keys results are signed with, as a JSON Web
// Key Set: a host may verify results with them instead of calling the API.
func (s *Service) ResultKeys(ctx context.Context) (jose.JSONWebKeySet, error) {
	keys, err := s.signingKeys(ctx)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Private.Public(), KeyID: k.ID, Algorithm: string(jose.EdDSA), Use: "sig"})
	}
	return set, nil
}

// maxResultLength bounds a result read from outside: a real one is far
// shorter.
const maxResultLength = 4096

// VerifyResult checks a signed result for the tenant whose return origin
// audience is (as the host expects it: scheme://host[:port]) and, when it
// holds, accepts it once: a second verification of the same result is
// refused as replayed. Refusals are *ResultRefusal (ErrResultRefused).
func (s *Service) VerifyResult(ctx context.Context, tenantID int64, token, audience string) (ResultClaims, error) {
	c, err := s.checkResult(ctx, tenantID, token, audience)
	if err != nil {
		return ResultClaims{}, err
	}
	err = s.store.UseConnectResult(ctx, tenantID, c.ID, time.Unix(c.Expiry, 0))
	if errors.Is(err, store.ErrResultUsed) {
		s.log.WarnContext(ctx, "connect result replayed", "tenant", tenantID, "person", c.Person)
		return ResultClaims{}, &ResultRefusal{Reason: "replayed", Err: err}
	}
	if err != nil {
		return ResultClaims{}, fmt.Errorf("connect: verify result: %w", err)
	}
	return c, nil
}

func (s *Service) checkResult(ctx context.Context, tenantID int64, token, audience string) (ResultClaims, error) {
	refuse := func(reason string, err error) (ResultClaims, error) {
		return ResultClaims{}, &ResultRefusal{Reason: reason, Err: err}
	}
	if len(token) > maxResultLength {
		return refuse("invalid", errors.New("too long"))
	}
	aud, err := store.NormalizeOrigin(audience)
	if err != nil {
		return refuse("audience", err)
	}
	obj, err := jose.ParseSignedCompact(strings.TrimSpace(token), []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return refuse("invalid", err)
	}
	if len(obj.Signatures) != 1 {
		return refuse("invalid", errors.New("not one signature"))
	}
	kid := obj.Signatures[0].Protected.KeyID
	keys, err := s.store.ConnectSigningKeys(ctx)
	if err != nil {
		return ResultClaims{}, fmt.Errorf("connect: verify result: %w", err)
	}
	var payload []byte
	for _, k := range keys {
		if k.ID == kid {
			payload, err = obj.Verify(k.Private.Public().(ed25519.PublicKey))
			break
		}
	}
	if payload == nil || err != nil {
		return refuse("invalid", errors.Join(errors.New("signature does not verify with a published key"), err))
	}
	var c ResultClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return refuse("invalid", err)
	}
	t, err := s.store.Tenant(ctx, tenantID)
	if err != nil {
		return ResultClaims{}, fmt.Errorf("connect: verify result: %w", err)
	}
	now := s.now()
	switch {
	case c.Issuer != s.cfg.PublicURL || c.Tenant != t.Slug || c.ID == "":
		return refuse("invalid", errors.New("issued for another tenant or by another server"))
	case c.Audience != aud:
		return refuse("audience", fmt.Errorf("result for %s, not %s", c.Audience, aud))
	case !now.Before(time.Unix(c.Expiry, 0)) || time.Unix(c.IssuedAt, 0).After(now.Add(resultLeeway)):
		return refuse("expired", nil)
	}
	return c, nil
}
