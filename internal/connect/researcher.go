package connect

import (
	"context"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// A page of their own (issue 17): the researcher's side of what a tenant
// writes to their record. The rules live here; package web draws the
// page.

// Sign-in links are bounded per person: someone who knows an old email's
// link must not be able to fill the person's mailbox.
const (
	signInLinksMax    = 3
	signInLinksWindow = time.Hour
)

// ErrTooManyLinks means the person was sent as many page links as allowed
// lately; they use one of those, or wait.
var ErrTooManyLinks = errors.New("too many links to the researcher's page sent lately")

// PagePath is the path of the researcher's page; PageSignInPath is the
// prefix of the emailed one-time links to it.
const (
	PagePath       = "/me"
	PageSignInPath = "/me/in/"
)

// EmailPageLink emails a person a one-time link to their page, in their
// language, to the address the tenant holds (the person types nothing:
// whoever asks only gets it sent to the owner of that address).
func (s *Service) EmailPageLink(ctx context.Context, tenantID, personID int64) error {
	t, err := s.store.Tenant(ctx, tenantID)
	if err != nil {
		return fmt.Errorf("connect: page link: %w", err)
	}
	p, err := s.store.Person(ctx, tenantID, personID)
	if err != nil {
		return fmt.Errorf("connect: page link: %w", err)
	}
	if p.Email == "" {
		return fmt.Errorf("connect: page link for person %d: %w: no email address", personID, store.ErrInvalid)
	}
	raw, err := s.store.NewResearcherSignIn(ctx, tenantID, personID, signInLinksMax, signInLinksWindow)
	if errors.Is(err, store.ErrTooManySignIns) {
		return fmt.Errorf("connect: page link for person %d: %w", personID, ErrTooManyLinks)
	}
	if err != nil {
		return fmt.Errorf("connect: page link: %w", err)
	}
	msg, err := pageLinkEmail(t, p, s.cfg.PublicURL+PageSignInPath+url.PathEscape(raw))
	if err != nil {
		return fmt.Errorf("connect: page link email: %w", err)
	}
	// The link signs in as the person: sealed in the outbox until sent,
	// and gone from it after (design note 6), as an invitation's.
	msg.Secrets = []string{raw}
	if _, err := s.store.QueueEmail(ctx, msg); err != nil {
		return fmt.Errorf("connect: page link: %w", err)
	}
	if s.cfg.EmailQueued != nil {
		s.cfg.EmailQueued()
	}
	s.log.InfoContext(ctx, "page link emailed", "tenant", tenantID, "person", personID)
	return nil
}

// pageLinkHTML is the page link email; the sentences come from the
// catalogs as plain text and are escaped here.
var pageLinkHTML = htmltemplate.Must(htmltemplate.New("page-link").Parse(`<!doctype html>
<html lang="{{.Lang}}" dir="{{.Dir}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; color: #222; max-width: 40em;">
<p>{{.Intro}}</p>
<p><a href="{{.Link}}">{{.Button}}</a></p>
<p style="font-size: 0.9em;">{{.Link}}</p>
<p>{{.Validity}}</p>
</body></html>
`))

func pageLinkEmail(t store.Tenant, p store.Person, link string) (store.Email, error) {
	lang := Language(t, p)
	d := map[string]any{"Tenant": t.Name}
	l, _ := i18n.Lookup(lang)
	f := struct {
		Lang, Dir, Subject, Intro, Button, Validity, Link string
	}{Lang: l.HTML, Dir: string(l.Dir), Subject: i18n.T(lang, "me.email_subject", d), Intro: i18n.T(lang, "me.email_intro", d),
		Button: i18n.T(lang, "me.email_button", d), Validity: i18n.T(lang, "me.email_validity", d), Link: link}
	var html strings.Builder
	if err := pageLinkHTML.Execute(&html, f); err != nil {
		return store.Email{}, err
	}
	text := f.Intro + "\n\n" + f.Button + ":\n" + f.Link + "\n\n" + f.Validity + "\n"
	return store.Email{TenantID: t.ID, Recipient: p.Email, Subject: f.Subject, TextBody: text, HTMLBody: html.String()}, nil
}

// Retracter takes items off a record through the durable queue
// (jobs.Queue).
type Retracter interface {
	Retract(ctx context.Context, tenantID, personID int64, kind orcid.ItemKind, key string) (store.Item, error)
}

// Removal is what DisconnectRemoving did.
type Removal struct {
	Removed int // items taken off the record
	Left    int // items whose removal did not finish before the token was revoked
}

// DisconnectRemoving lets a researcher go and, when remove is set, first
// takes off their record everything the tenant put there: each item is
// deleted by its put-code through the queue (so that a write under way is
// waited for, and nothing is deleted twice), and the token is revoked
// only once those deletions are done, or after wait, whichever comes
// first (what is left then is reported, and stays retracting until the
// researcher connects again). Without remove it is Disconnect.
func (s *Service) DisconnectRemoving(ctx context.Context, tenantID, personID int64, remove bool, q Retracter,
	wait time.Duration) (Removal, error) {
	var out Removal
	if remove && q != nil {
		link, err := s.store.Link(ctx, tenantID, personID)
		if err != nil || link.State != store.LinkConnected {
			// Nothing can be deleted without a live token.
			return out, s.Disconnect(ctx, tenantID, personID, store.ActorPerson)
		}
		var ours []store.Item
		var after int64
		for {
			items, err := s.store.ListItems(ctx, tenantID, store.ItemQuery{PersonID: personID, AfterID: after, Limit: 1000})
			if err != nil {
				return out, fmt.Errorf("connect: items of person %d: %w", personID, err)
			}
			for _, it := range items {
				if it.PutCode != 0 || it.CallOpen || it.State == store.ItemInFlight {
					ours = append(ours, it)
				}
			}
			if len(items) < 1000 {
				break
			}
			after = items[len(items)-1].ID
		}
		for _, it := range ours {
			if _, err := q.Retract(ctx, tenantID, personID, it.Kind, it.Key); err != nil {
				return out, fmt.Errorf("connect: remove item %d: %w", it.ID, err)
			}
		}
		deadline := s.now().Add(wait)
		for {
			left := 0
			for _, it := range ours {
				cur, err := s.store.ItemByID(ctx, it.ID)
				if err == nil && cur.State == store.ItemRetracting {
					left++
				}
			}
			out.Removed, out.Left = len(ours)-left, left
			if left == 0 || !s.now().Before(deadline) {
				break
			}
			select {
			case <-ctx.Done():
				return out, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		if out.Left > 0 {
			s.log.WarnContext(ctx, "disconnecting before every removal finished", "tenant", tenantID, "person", personID,
				"left", out.Left)
		}
	}
	return out, s.Disconnect(ctx, tenantID, personID, store.ActorPerson)
}

// PageStateTTL bounds a round trip to ORCID to sign in to the page.
const PageStateTTL = 10 * time.Minute

// PageSignInURL is ORCID's authorize URL for a researcher signing in to
// their page with the tenant's credential: scope /authenticate only (and
// openid when the credential offers it, for a signed answer), the one
// registered redirect URI, state and nonce from the caller (who keeps
// them, one-time, in the browser's session).
func (s *Service) PageSignInURL(ctx context.Context, tenantID int64, state, nonce, lang string) (string, error) {
	t, err := s.store.Tenant(ctx, tenantID)
	if err != nil {
		return "", fmt.Errorf("connect: page sign-in: %w", err)
	}
	cred, err := s.store.Credential(ctx, t.CredentialID)
	if err != nil {
		return "", fmt.Errorf("connect: page sign-in: %w", err)
	}
	if cred.Health == store.CredentialBroken {
		return "", &FlowError{Kind: ErrCredentialBroken, TenantID: tenantID}
	}
	client, err := s.Client(ctx, cred)
	if err != nil {
		return "", err
	}
	showLogin := true
	u, err := client.AuthorizeURL(orcid.AuthRequest{Scopes: []string{orcid.ScopeAuthenticate}, State: state,
		Lang: orcidLang(lang), Nonce: nonce, ShowLogin: &showLogin})
	if err != nil {
		return "", fmt.Errorf("connect: page sign-in of tenant %d: %w", tenantID, err)
	}
	return u, nil
}

// PageSignIn completes a researcher's sign-in with ORCID: it exchanges the
// code with the tenant's credential and returns the person of the tenant
// connected with the authenticated iD (never an iD anyone typed). An iD
// that is connected to no one of the tenant is ErrNotConnected. The token
// obtained is only proof of identity: it is revoked at once (unless it is
// the one the tenant already holds).
func (s *Service) PageSignIn(ctx context.Context, tenantID int64, code, nonce string) (int64, error) {
	fail := func(kind, cause error) error {
		s.log.WarnContext(ctx, "page sign-in with ORCID failed", "tenant", tenantID, "kind", kind.Error(), "err", cause)
		return &FlowError{Kind: kind, TenantID: tenantID, Err: cause}
	}
	if code == "" {
		return 0, fail(ErrORCID, errors.New("no code"))
	}
	t, err := s.store.Tenant(ctx, tenantID)
	if err != nil {
		return 0, fmt.Errorf("connect: page sign-in: %w", err)
	}
	cred, err := s.store.Credential(ctx, t.CredentialID)
	if err != nil {
		return 0, fmt.Errorf("connect: page sign-in: %w", err)
	}
	client, err := s.Client(ctx, cred)
	if err != nil {
		return 0, err
	}
	auth, err := client.Exchange(ctx, code)
	if err != nil {
		return 0, fail(ErrORCID, err)
	}
	defer s.discard(context.WithoutCancel(ctx), client, tenantID, auth)
	if auth.ID == "" {
		return 0, fail(ErrORCID, errors.New("token response without an iD"))
	}
	if err := checkIDToken(ctx, client, auth, nonce); err != nil {
		return 0, fail(ErrORCID, err)
	}
	link, err := s.store.LinkByORCID(ctx, tenantID, auth.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && link.State == store.LinkRemoved) {
		return 0, fail(ErrNotConnected, fmt.Errorf("iD %s is connected to no one of the tenant", auth.ID))
	}
	if err != nil {
		return 0, fmt.Errorf("connect: page sign-in: %w", err)
	}
	s.log.InfoContext(ctx, "researcher signed in to their page with ORCID", "tenant", tenantID, "person", link.PersonID)
	return link.PersonID, nil
}
