package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Connect links (issue 17): a host's system asks for a link that brings
// the researcher back to its own page with a signed result, and verifies
// that result here (or with the published keys).

// HostLinker makes connect links and checks their results; the
// Connector, when it is a *connect.Service, is one. Without one the
// routes answer 404.
type HostLinker interface {
	CreateHostLink(ctx context.Context, tenantID, personID int64, actor, returnURL string, ttl time.Duration) (connect.HostLink, error)
	VerifyResult(ctx context.Context, tenantID int64, token, audience string) (connect.ResultClaims, error)
	ResultKeys(ctx context.Context) (jose.JSONWebKeySet, error)
}

var _ HostLinker = (*connect.Service)(nil)

const typeResultRefused = typePrefix + "result-refused"

// connectLink is a connect link as the API shows it, once: orcidlink keeps
// only a hash of its token.
type connectLink struct {
	URL          string    `json:"url"`
	InvitationID int64     `json:"invitation_id"`
	PersonID     int64     `json:"person_id"`
	PersonNew    bool      `json:"person_created"`
	ReturnURL    string    `json:"return_url"`
	ExpiresAt    time.Time `json:"expires_at"`
}

// connectLinkInput is the body of POST /people/{id}/connect-links.
type connectLinkInput struct {
	ReturnURL string `json:"return_url"`
	// ExpiresIn is the link's lifetime in seconds; 0 means the default.
	ExpiresIn int64 `json:"expires_in"`
}

// connectLinkByEmailInput is the body of POST /connect-links: the person
// with this email, made from the other fields when there is none.
type connectLinkByEmailInput struct {
	Email       string  `json:"email"`
	GivenNames  *string `json:"given_names"`
	FamilyNames *string `json:"family_names"`
	ExternalRef *string `json:"external_ref"`
	Language    *string `json:"language"`
	ReturnURL   string  `json:"return_url"`
	ExpiresIn   int64   `json:"expires_in"`
}

type resultVerifyInput struct {
	Result   string `json:"result"`
	Audience string `json:"audience"`
}

// connectResult is a verified result.
type connectResult struct {
	Tenant      string    `json:"tenant"`
	PersonID    int64     `json:"person_id"`
	ExternalRef string    `json:"external_ref"`
	ORCID       string    `json:"orcid"`
	Status      string    `json:"status"`
	Error       string    `json:"error"`
	Audience    string    `json:"audience"`
	IssuedAt    time.Time `json:"issued_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	ID          string    `json:"id"`
}

func (s *Server) hostLinker() (HostLinker, error) {
	if h, ok := s.cfg.Connect.(HostLinker); ok {
		return h, nil
	}
	return nil, withDetail(store.ErrNotFound, "Connect links are not available here.")
}

// checkConnectLink checks the return URL against the tenant's allowed
// origins, and the lifetime, field by field.
func (s *Server) checkConnectLink(c *call, returnURL string, expiresIn int64, errs *fieldErrors) time.Duration {
	t, err := s.st.Tenant(c.ctx, c.tenant)
	if err != nil {
		errs.body("/return_url", "the tenant could not be read")
		return 0
	}
	switch origin, err := store.ReturnOrigin(returnURL); {
	case returnURL == "":
		errs.body("/return_url", "is required")
	case err != nil:
		errs.body("/return_url", fmt.Sprintf("must be an absolute https URL (http only on localhost) of at most %d characters, "+
			"without credentials or a fragment", store.MaxReturnURLLength))
	case !slices.Contains(t.Settings.ReturnOrigins, origin):
		errs.body("/return_url", "its origin "+origin+" is not among the tenant's return_origins")
	}
	lo, hi := int64(connect.MinHostLinkTTL/time.Second), int64(connect.MaxHostLinkTTL/time.Second)
	if expiresIn != 0 && (expiresIn < lo || expiresIn > hi) {
		errs.body("/expires_in", fmt.Sprintf("must be from %d to %d seconds", lo, hi))
	}
	return time.Duration(expiresIn) * time.Second
}

func (s *Server) createConnectLink(c *call) (reply, error) {
	h, err := s.hostLinker()
	if err != nil {
		return reply{}, err
	}
	p, err := s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	var in connectLinkInput
	if err := decode(c.body, "", &in); err != nil {
		return reply{}, err
	}
	var errs fieldErrors
	ttl := s.checkConnectLink(c, in.ReturnURL, in.ExpiresIn, &errs)
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	return s.connectLinkCreated(c, h, p.ID, false, in.ReturnURL, ttl)
}

func (s *Server) createConnectLinkByEmail(c *call) (reply, error) {
	h, err := s.hostLinker()
	if err != nil {
		return reply{}, err
	}
	var in connectLinkByEmailInput
	if err := decode(c.body, "", &in); err != nil {
		return reply{}, err
	}
	var errs fieldErrors
	ttl := s.checkConnectLink(c, in.ReturnURL, in.ExpiresIn, &errs)
	if strings.TrimSpace(in.Email) == "" {
		errs.body("/email", "is required")
	}
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	p, err := s.st.PersonByEmail(c.ctx, c.tenant, strings.TrimSpace(in.Email))
	made := false
	if errors.Is(err, store.ErrNotFound) {
		// A new person: the store's rules for people decide, as for
		// POST /people.
		p = store.Person{TenantID: c.tenant, Email: in.Email}
		for dst, v := range map[*string]*string{&p.GivenNames: in.GivenNames, &p.FamilyNames: in.FamilyNames,
			&p.ExternalRef: in.ExternalRef, &p.Language: in.Language} {
			if v != nil {
				*dst = *v
			}
		}
		err = s.st.InTx(c.ctx, func(tx *store.Tx) error {
			var err error
			if p, err = tx.CreatePerson(c.ctx, p); err != nil {
				return err
			}
			return s.auditIn(c, tx, p.ID, "person.created", map[string]any{"by": "connect-link"})
		})
		made = err == nil
	}
	if err != nil {
		return reply{}, conflictDetail(err, personConflict)
	}
	return s.connectLinkCreated(c, h, p.ID, made, in.ReturnURL, ttl)
}

func (s *Server) connectLinkCreated(c *call, h HostLinker, personID int64, made bool, returnURL string, ttl time.Duration) (reply, error) {
	l, err := h.CreateHostLink(c.ctx, c.tenant, personID, c.actor(), returnURL, ttl)
	if errors.Is(err, connect.ErrReturnNotAllowed) {
		// The tenant's origins changed since checkConnectLink.
		return reply{}, invalid("The request has invalid fields; each is listed in errors.",
			FieldError{Pointer: "/return_url", Detail: "its origin is not among the tenant's return_origins"})
	}
	if err != nil {
		return reply{}, err
	}
	return created("/people/"+strconv.FormatInt(personID, 10)+"/invitations", connectLink{URL: l.Link, InvitationID: l.ID,
		PersonID: personID, PersonNew: made, ReturnURL: l.ReturnURL, ExpiresAt: l.ExpiresAt})
}

func (s *Server) verifyConnectResult(c *call) (reply, error) {
	h, err := s.hostLinker()
	if err != nil {
		return reply{}, err
	}
	var in resultVerifyInput
	if err := decode(c.body, "", &in); err != nil {
		return reply{}, err
	}
	var errs fieldErrors
	if in.Result == "" {
		errs.body("/result", "is required")
	}
	if in.Audience == "" {
		errs.body("/audience", "is required: the origin of your return URL, like https://journal.example.org")
	} else if _, err := store.NormalizeOrigin(in.Audience); err != nil {
		errs.body("/audience", "must be an origin like https://journal.example.org")
	}
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	claims, err := h.VerifyResult(c.ctx, c.tenant, in.Result, in.Audience)
	var refusal *connect.ResultRefusal
	if errors.As(err, &refusal) {
		return reply{}, &Problem{Type: typeResultRefused, Title: "Result refused", Status: http.StatusUnprocessableEntity,
			Detail: resultRefusals[refusal.Reason]}
	}
	if err != nil {
		return reply{}, err
	}
	return ok(connectResult{Tenant: claims.Tenant, PersonID: claims.Person, ExternalRef: claims.ExternalRef, ORCID: claims.ORCID,
		Status: claims.Status, Error: claims.Error, Audience: claims.Audience, IssuedAt: time.Unix(claims.IssuedAt, 0).UTC(),
		ExpiresAt: time.Unix(claims.Expiry, 0).UTC(), ID: claims.ID})
}

// resultRefusals say why a result was refused, by connect.ResultRefusal's
// reason.
var resultRefusals = map[string]string{
	"invalid":  "The result is not one orcidlink signed for this tenant (forged, altered, or malformed).",
	"expired":  "The result has expired: results are good for a few minutes.",
	"audience": "The result was issued for another origin than the audience given.",
	"replayed": "The result was already verified once; each result is accepted once.",
}

// connectKeys is GET /connect-keys: the public keys results are signed
// with, as a JSON Web Key Set.
func (s *Server) connectKeys(c *call) (reply, error) {
	h, err := s.hostLinker()
	if err != nil {
		return reply{}, err
	}
	set, err := h.ResultKeys(c.ctx)
	if err != nil {
		return reply{}, err
	}
	return ok(set)
}
