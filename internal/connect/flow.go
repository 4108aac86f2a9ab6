package connect

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/orcidclients"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// isUsable reports whether an invitation can still send its person to ORCID.
// Unlike store.Invitation.Usable it accepts an accepted invitation: the
// person who disconnected may reconnect from the same email while the link
// lasts. A cancelled one was replaced by a newer link.
func isUsable(inv store.Invitation, now time.Time) bool {
	switch inv.State {
	case store.InvitationPending, store.InvitationDenied, store.InvitationAccepted:
		return now.Before(inv.ExpiresAt)
	}
	return false
}

// Lookup reads the invitation of a link for its page, and notes when it
// was first opened. An unknown link is ErrInvitationUnknown; an expired or
// cancelled one is returned with Usable false, so that the page can still
// name the tenant and its support contact.
func (s *Service) Lookup(ctx context.Context, rawInvitation string) (View, error) {
	v, err := s.view(ctx, rawInvitation)
	if err != nil {
		return View{}, err
	}
	if v.Invitation.OpenedAt.IsZero() {
		now := s.now()
		if err := s.store.MarkInvitationOpened(ctx, v.Tenant.ID, v.Invitation.ID, now); err != nil {
			// Only statistics: the person must still get their page.
			s.log.WarnContext(ctx, "could not mark invitation opened", "tenant", v.Tenant.ID, "invitation", v.Invitation.ID, "err", err)
		} else {
			v.Invitation.OpenedAt = now
		}
	}
	return v, nil
}

func (s *Service) view(ctx context.Context, raw string) (View, error) {
	inv, err := s.store.InvitationByToken(ctx, raw)
	if errors.Is(err, store.ErrNotFound) {
		return View{}, &FlowError{Kind: ErrInvitationUnknown}
	}
	if err != nil {
		return View{}, fmt.Errorf("connect: read invitation: %w", err)
	}
	return s.viewOf(ctx, inv)
}

func (s *Service) viewOf(ctx context.Context, inv store.Invitation) (View, error) {
	v := View{Invitation: inv}
	var err error
	if v.Tenant, err = s.store.Tenant(ctx, inv.TenantID); err != nil {
		return View{}, fmt.Errorf("connect: invitation %d: %w", inv.ID, err)
	}
	if v.Person, err = s.store.Person(ctx, inv.TenantID, inv.PersonID); err != nil {
		return View{}, fmt.Errorf("connect: invitation %d: %w", inv.ID, err)
	}
	if v.Credential, err = s.store.Credential(ctx, v.Tenant.CredentialID); err != nil {
		return View{}, fmt.Errorf("connect: invitation %d: %w", inv.ID, err)
	}
	v.Credential.ClientSecret = ""
	v.Scopes = s.TenantScopes(v.Tenant, v.Credential)
	now := s.now()
	switch l, err := s.store.Link(ctx, inv.TenantID, inv.PersonID); {
	case err == nil:
		v.Link = &l
		v.Connected = l.Covers(now, s.requiredScopes(v.Tenant, v.Credential)...)
		v.CanDisconnect = inv.State != store.InvitationCancelled && (l.State == store.LinkConnected || l.State == store.LinkRevoked)
	case !errors.Is(err, store.ErrNotFound):
		return View{}, fmt.Errorf("connect: invitation %d: %w", inv.ID, err)
	}
	v.Usable = isUsable(inv, now)
	if !v.Connected {
		v.Hint = s.hintOf(ctx, inv.TenantID, inv.PersonID)
	}
	return v, nil
}

// Start begins a round trip to ORCID for the invitation of a link: it
// creates a one-time state bound to the invitation and to the browser
// session (sessionBinding, a random value the web layer keeps in the
// session), with a nonce for the id_token, and returns ORCID's authorize
// URL with the person's names and email pre-filled and lang (the page's
// language; "" for the person's) for ORCID's screens.
//
// An expired or cancelled invitation is ErrInvitationExpired, an unknown
// one ErrInvitationUnknown, and a person whose link already covers the
// scopes ErrAlreadyConnected: they are not sent to ORCID again.
func (s *Service) Start(ctx context.Context, rawInvitation, sessionBinding, lang string) (string, error) {
	if sessionBinding == "" {
		return "", errors.New("connect: start: no browser session to bind the state to")
	}
	v, err := s.view(ctx, rawInvitation)
	if err != nil {
		return "", err
	}
	ids := func(kind error) error {
		return &FlowError{Kind: kind, TenantID: v.Tenant.ID, PersonID: v.Person.ID, InvitationID: v.Invitation.ID}
	}
	switch {
	case !v.Usable:
		return "", ids(ErrInvitationExpired)
	case v.Connected:
		return "", ids(ErrAlreadyConnected)
	}
	cred, err := s.store.Credential(ctx, v.Tenant.CredentialID)
	if err != nil {
		return "", fmt.Errorf("connect: start: %w", err)
	}
	if cred.Health == store.CredentialBroken {
		// ORCID would show its screens, then refuse the code: say now.
		s.credentialBroken(ctx, cred, v.Tenant.ID, v.Person.ID, nil)
		s.log.WarnContext(ctx, "researcher met a broken credential", "tenant", v.Tenant.ID, "person", v.Person.ID,
			"credential", cred.ID)
		return "", ids(ErrCredentialBroken)
	}
	client, err := s.Client(ctx, cred)
	if err != nil {
		return "", err
	}
	nonce := randomValue()
	raw, err := s.store.CreateState(ctx, store.NewOAuthState{
		InvitationID: v.Invitation.ID, SessionBinding: sessionBinding, Nonce: nonce, ExpiresAt: s.now().Add(s.cfg.StateTTL),
	})
	if err != nil {
		return "", fmt.Errorf("connect: start invitation %d: %w", v.Invitation.ID, err)
	}
	if lang = i18n.Normalize(lang); lang == "" {
		lang = Language(v.Tenant, v.Person)
	}
	u, err := client.AuthorizeURL(orcid.AuthRequest{
		Scopes: s.TenantScopes(v.Tenant, cred), State: joinState(v.Tenant.ID, raw), Lang: orcidLang(lang), Nonce: nonce,
		GivenNames: v.Person.GivenNames, FamilyNames: v.Person.FamilyNames, Email: v.Person.Email,
	})
	if err != nil {
		return "", fmt.Errorf("connect: start invitation %d: %w", v.Invitation.ID, err)
	}
	s.log.InfoContext(ctx, "sending person to ORCID", "tenant", v.Tenant.ID, "person", v.Person.ID, "invitation", v.Invitation.ID)
	return u, nil
}

// The state sent to ORCID is "<tenant id>.<raw state>". The tenant part is
// not trusted for anything but naming a support contact when the state is
// refused (the store says nothing about a state it refuses); the raw
// state, checked by the store, is what authenticates the callback.
func joinState(tenantID int64, raw string) string { return strconv.FormatInt(tenantID, 10) + "." + raw }

func splitState(state string) (tenantHint int64, raw string) {
	hint, raw, ok := strings.Cut(state, ".")
	if !ok {
		return 0, state
	}
	id, err := strconv.ParseInt(hint, 10, 64)
	if err != nil || id < 0 {
		id = 0
	}
	return id, raw
}

// randomValue is 256 random bits, URL-safe.
func randomValue() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Complete handles ORCID's redirect back (its query) for the browser
// session that started it. It consumes the state first, so a callback is
// good once; then, for a denial, it marks the invitation denied and
// returns ErrDenied; otherwise it exchanges the code at once (codes are
// short-lived), verifies the id_token when there is one, and stores the
// link with every field ORCID returned, marks the invitation accepted and
// writes the audit entry, all in one transaction.
//
// Failures are *FlowError with the tenant and person when known: ErrBadState
// (forged, replayed, expired, other session; TenantID is then only a hint
// for the support contact), ErrInvitationExpired, ErrDenied, ErrORCID,
// ErrAlreadyLinked. Apart from the denial and the call log, nothing is
// stored on any error. Tokens obtained for an iD that cannot be linked are
// revoked at once, since no one would ever use them.
func (s *Service) Complete(ctx context.Context, callbackQuery url.Values, sessionBinding string) (Result, error) {
	hint, raw := splitState(callbackQuery.Get("state"))
	now := s.now()
	if raw == "" || sessionBinding == "" {
		s.log.WarnContext(ctx, "ORCID callback refused", "reason", "no state or no session", "tenant_hint", hint)
		return Result{}, &FlowError{Kind: ErrBadState, TenantID: hint, Err: errors.New("no state or no browser session")}
	}
	st, err := s.store.ConsumeState(ctx, raw, sessionBinding, now)
	if err != nil {
		reason := ""
		switch {
		case errors.Is(err, store.ErrNotFound):
			reason = "unknown state"
		case errors.Is(err, store.ErrStateReplayed):
			reason = "state already used"
		case errors.Is(err, store.ErrStateExpired):
			reason = "state expired"
		case errors.Is(err, store.ErrStateWrongSession):
			reason = "state of another browser session"
		default:
			return Result{}, fmt.Errorf("connect: callback: %w", err)
		}
		s.log.WarnContext(ctx, "ORCID callback refused", "reason", reason, "tenant_hint", hint)
		return Result{}, &FlowError{Kind: ErrBadState, TenantID: hint, Err: err}
	}
	inv, err := s.store.Invitation(ctx, st.TenantID, st.InvitationID)
	if err != nil {
		return Result{}, fmt.Errorf("connect: callback: %w", err)
	}
	v, err := s.viewOf(ctx, inv)
	if err != nil {
		return Result{}, err
	}
	tenant, person := v.Tenant, v.Person
	fail := func(kind, cause error) error {
		s.log.WarnContext(ctx, "ORCID callback failed", "tenant", tenant.ID, "person", person.ID, "invitation", inv.ID,
			"kind", kind.Error(), "err", cause)
		return &FlowError{Kind: kind, TenantID: tenant.ID, PersonID: person.ID, InvitationID: inv.ID, Err: cause}
	}
	if !isUsable(inv, now) {
		return Result{}, fail(ErrInvitationExpired, fmt.Errorf("invitation %s, expiring %s", inv.State, inv.ExpiresAt.Format(time.RFC3339)))
	}
	if e := callbackQuery.Get("error"); e != "" {
		if e != "access_denied" {
			return Result{}, fail(ErrORCID, fmt.Errorf("ORCID answered %q: %s", clip(e, 64), clip(callbackQuery.Get("error_description"), 200)))
		}
		if err := s.deny(ctx, inv); err != nil {
			return Result{}, err
		}
		s.log.InfoContext(ctx, "researcher denied access at ORCID", "tenant", tenant.ID, "person", person.ID, "invitation", inv.ID)
		return Result{}, &FlowError{Kind: ErrDenied, TenantID: tenant.ID, PersonID: person.ID, InvitationID: inv.ID}
	}
	code := callbackQuery.Get("code")
	if code == "" {
		return Result{}, fail(ErrORCID, errors.New("callback carries neither a code nor an error"))
	}
	cred, err := s.store.Credential(ctx, tenant.CredentialID)
	if err != nil {
		return Result{}, fmt.Errorf("connect: callback: %w", err)
	}
	client, err := s.Client(ctx, cred)
	if err != nil {
		return Result{}, err
	}
	cctx := orcidclients.WithCallContext(ctx, tenant.ID, person.ID)
	auth, err := client.Exchange(cctx, code)
	if errors.Is(err, orcid.ErrCredentialRefused) {
		s.credentialBroken(ctx, cred, tenant.ID, person.ID, err)
		return Result{}, fail(ErrCredentialBroken, err)
	}
	if err != nil {
		return Result{}, fail(ErrORCID, err)
	}
	if auth.ID == "" || auth.AccessToken == "" {
		s.discard(cctx, client, tenant.ID, auth)
		return Result{}, fail(ErrORCID, errors.New("token response without an iD or access token"))
	}
	if err := checkIDToken(cctx, client, auth, st.Nonce); err != nil {
		s.discard(cctx, client, tenant.ID, auth)
		return Result{}, fail(ErrORCID, err)
	}

	var link store.Link
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		link, err = tx.SaveAuthorization(ctx, store.Authorization{
			TenantID: tenant.ID, PersonID: person.ID, CredentialID: cred.ID, Authorization: *auth, AuthenticatedAt: now,
		})
		if err != nil {
			return err
		}
		if inv.State != store.InvitationAccepted {
			if err := tx.SetInvitationState(ctx, tenant.ID, inv.ID, store.InvitationAccepted); err != nil {
				return err
			}
		}
		detail, _ := json.Marshal(map[string]any{"orcid": link.ORCIDURI, "scopes": link.Scopes,
			"expires_at": link.ExpiresAt, "invitation": inv.ID, "credential": cred.ID})
		if _, err = tx.AppendAudit(ctx, store.AuditEvent{TenantID: tenant.ID, PersonID: person.ID, Actor: store.ActorPerson,
			Action: "link.connected", Detail: detail}); err != nil {
			return err
		}
		// An iD on file from an old system is confirmed, or flagged (import.go).
		if err := s.settleHint(ctx, tx, tenant.ID, person.ID, link.ORCID, store.ActorPerson); err != nil {
			return err
		}
		_, err = tx.RecordEvent(ctx, webhooks.Connected(link))
		return err
	})
	var conflict *store.LinkConflictError
	if errors.As(err, &conflict) {
		s.discard(cctx, client, tenant.ID, auth)
		s.log.WarnContext(ctx, "iD already connected to another person", "tenant", tenant.ID, "person", person.ID,
			"other_person", conflict.OtherPersonID, "invitation", inv.ID)
		return Result{}, &FlowError{Kind: ErrAlreadyLinked, TenantID: tenant.ID, PersonID: person.ID, InvitationID: inv.ID, Err: err}
	}
	if err != nil {
		return Result{}, fmt.Errorf("connect: store authorization of person %d: %w", person.ID, err)
	}
	inv.State = store.InvitationAccepted
	s.eventsRecorded(ctx)
	s.log.InfoContext(ctx, "person connected", "tenant", tenant.ID, "person", person.ID, "invitation", inv.ID,
		"orcid", link.ORCIDURI, "scopes", strings.Join(link.Scopes, " "))
	if s.cfg.Connected != nil {
		// Items waiting for this person (works of articles already
		// published, say) can now go to ORCID.
		s.cfg.Connected(context.WithoutCancel(ctx), tenant.ID, person.ID)
	}
	return Result{Tenant: tenant, Person: person, Invitation: inv, Link: link}, nil
}

// deny records a denial: the invitation stays usable (the person may
// change their mind), and an accepted one stays accepted.
func (s *Service) deny(ctx context.Context, inv store.Invitation) error {
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if inv.State == store.InvitationPending {
			if err := tx.SetInvitationState(ctx, inv.TenantID, inv.ID, store.InvitationDenied); err != nil {
				return err
			}
		}
		detail, _ := json.Marshal(map[string]any{"invitation": inv.ID})
		if _, err := tx.AppendAudit(ctx, store.AuditEvent{TenantID: inv.TenantID, PersonID: inv.PersonID, Actor: store.ActorPerson,
			Action: "invitation.denied", Detail: detail}); err != nil {
			return err
		}
		_, err := tx.RecordEvent(ctx, webhooks.Denied(inv))
		return err
	})
	if err != nil {
		return fmt.Errorf("connect: record denial of invitation %d: %w", inv.ID, err)
	}
	s.eventsRecorded(ctx)
	return nil
}

// discard revokes tokens that will not be stored. A token the tenant
// already holds for the same iD (a registry may hand out the same token
// again) is left alone: revoking it would cut the other person off.
func (s *Service) discard(ctx context.Context, client *orcid.Client, tenantID int64, auth *orcid.Authorization) {
	ctx, cancel := context.WithTimeout(ctx, revokeTimeout)
	defer cancel()
	var keep store.Link
	if auth.ID != "" {
		if l, err := s.store.LinkByORCID(ctx, tenantID, auth.ID); err == nil {
			keep = l
		}
	}
	for _, tok := range []string{auth.AccessToken, auth.RefreshToken} {
		if tok == "" || tok == keep.AccessToken || tok == keep.RefreshToken {
			continue
		}
		if err := client.Revoke(ctx, tok); err != nil {
			s.log.WarnContext(ctx, "could not revoke tokens that will not be stored", "tenant", tenantID, "err", err)
		}
	}
}

// checkIDToken verifies the id_token of a token response, when there is
// one, against nonce, and that it names the same iD as the response.
func checkIDToken(ctx context.Context, client *orcid.Client, auth *orcid.Authorization, nonce string) error {
	if auth.IDToken == "" {
		return nil
	}
	claims, err := client.VerifyIDToken(ctx, auth.IDToken, nonce)
	if err == nil && claims.Subject != auth.ID {
		err = fmt.Errorf("id_token names %s, the token response %s", claims.Subject, auth.ID)
	}
	return err
}

// clip shortens text (from outside, for a log line or an error; an
// invitation's reason) to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
