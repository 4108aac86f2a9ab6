package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Bringing existing connections (issue 17): POST /connections/import takes
// iDs and tokens the tenant's ORCID client was given elsewhere, verifies
// each with ORCID and stores those ORCID accepts; PUT /people/{id}/orcid-hint
// records an iD an old system collected without authenticating it.

// ConnectionImporter imports existing connections; the Connector, when it
// is a *connect.Service, is one. Without one the route answers 404.
type ConnectionImporter interface {
	ImportConnections(ctx context.Context, tenantID int64, actor string, rows []connect.ExistingConnection) ([]connect.ImportResult, error)
}

var _ ConnectionImporter = (*connect.Service)(nil)

// MaxImportConnections bounds one request: each row is one ORCID call
// under the credential's rate budget (24 a second), so 500 rows take
// about 20 seconds.
const MaxImportConnections = 500

// connectionInput is one row of POST /connections/import.
type connectionInput struct {
	PersonID     int64     `json:"person_id"`
	Email        string    `json:"email"`
	ExternalRef  string    `json:"external_ref"`
	ORCID        string    `json:"orcid"`
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	Scope        string    `json:"scope"`
	ExpiresAt    time.Time `json:"expires_at"`
	// ExpiresIn is the alternative ORCID's token response gives: seconds
	// from now.
	ExpiresIn int64 `json:"expires_in"`
}

type connectionsImportInput struct {
	Connections []connectionInput `json:"connections"`
}

type connectionResult struct {
	Row          int    `json:"row"`
	PersonID     int64  `json:"person_id"`
	ORCID        string `json:"orcid"`
	Status       string `json:"status"`
	Problem      string `json:"problem"`
	AdoptedWorks int    `json:"adopted_works"`
}

type connectionsImport struct {
	Results []connectionResult `json:"results"`
	Counts  map[string]int     `json:"counts"`
}

func (s *Server) importConnections(c *call) (reply, error) {
	imp, isImporter := s.cfg.Connect.(ConnectionImporter)
	if !isImporter {
		return reply{}, withDetail(store.ErrNotFound, "Importing connections is not available here.")
	}
	var in connectionsImportInput
	if err := decode(c.body, "", &in); err != nil {
		return reply{}, err
	}
	var errs fieldErrors
	switch {
	case len(in.Connections) == 0:
		errs.body("/connections", "must list at least one connection")
	case len(in.Connections) > MaxImportConnections:
		errs.body("/connections", fmt.Sprintf("must list at most %d connections; send the rest in further requests", MaxImportConnections))
	}
	now := time.Now()
	rows := make([]connect.ExistingConnection, len(in.Connections))
	for i, x := range in.Connections {
		at := x.ExpiresAt
		switch {
		case x.ExpiresIn != 0 && !at.IsZero():
			errs.body("/connections/"+strconv.Itoa(i)+"/expires_in", "give expires_at or expires_in, not both")
		case x.ExpiresIn < 0:
			errs.body("/connections/"+strconv.Itoa(i)+"/expires_in", "must be positive")
		case x.ExpiresIn > 0:
			at = now.Add(time.Duration(min(x.ExpiresIn, 1<<32)) * time.Second)
		}
		rows[i] = connect.ExistingConnection{PersonID: x.PersonID, Email: x.Email, ExternalRef: x.ExternalRef, ORCID: x.ORCID,
			AccessToken: x.AccessToken, RefreshToken: x.RefreshToken, Scope: x.Scope, ExpiresAt: at}
	}
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	res, err := imp.ImportConnections(c.ctx, c.tenant, c.actor(), rows)
	if errors.Is(err, store.ErrInvalid) {
		return reply{}, withDetail(err, "The tenant's credential is a Public API one: it holds no Member API tokens.")
	}
	if err != nil {
		return reply{}, err
	}
	out := connectionsImport{Results: make([]connectionResult, len(res)), Counts: map[string]int{}}
	for _, st := range []connect.ImportStatus{connect.ImportConnected, connect.ImportInvalid, connect.ImportRefused,
		connect.ImportSkipped, connect.ImportFailed} {
		out.Counts[string(st)] = 0
	}
	for i, r := range res {
		out.Results[i] = connectionResult{Row: r.Row, PersonID: r.PersonID, ORCID: string(r.ORCID), Status: string(r.Status),
			Problem: r.Problem, AdoptedWorks: r.Adopted}
		out.Counts[string(r.Status)]++
	}
	return ok(out)
}

// orcidHintInput is the body of PUT /people/{id}/orcid-hint.
type orcidHintInput struct {
	ORCID  string `json:"orcid"`
	Source string `json:"source"`
}

// orcidHint is an unconfirmed iD as the API shows it: never authenticated.
type orcidHint struct {
	ORCID         string     `json:"orcid"`
	Authenticated bool       `json:"authenticated"`
	Source        string     `json:"source"`
	MismatchORCID string     `json:"mismatch_orcid"`
	MismatchAt    *time.Time `json:"mismatch_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

func hintView(h store.ORCIDHint) orcidHint {
	v := orcidHint{ORCID: string(h.ORCID), Source: h.Source, MismatchORCID: string(h.MismatchORCID), UpdatedAt: h.UpdatedAt}
	if !h.MismatchAt.IsZero() {
		at := h.MismatchAt
		v.MismatchAt = &at
	}
	return v
}

func (s *Server) putORCIDHint(c *call) (reply, error) {
	p, err := s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	var in orcidHintInput
	if err := decode(c.body, "", &in); err != nil {
		return reply{}, err
	}
	var errs fieldErrors
	id, perr := orcid.ParseID(in.ORCID)
	if perr != nil {
		errs.body("/orcid", "must be an ORCID iD (0000-0000-0000-000X, check digit included)")
	}
	if in.Source == "" {
		in.Source = "api"
	}
	if len(in.Source) > 100 {
		errs.body("/source", "must have at most 100 bytes")
	}
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	var h store.ORCIDHint
	err = s.st.InTx(c.ctx, func(tx *store.Tx) error {
		var err error
		if h, err = tx.SetORCIDHint(c.ctx, store.ORCIDHint{TenantID: c.tenant, PersonID: p.ID, ORCID: id, Source: in.Source}); err != nil {
			return err
		}
		return s.auditIn(c, tx, p.ID, "person.orcid_hint", map[string]any{"orcid": id, "source": in.Source})
	})
	if err != nil {
		return reply{}, err
	}
	return ok(hintView(h))
}

func (s *Server) getORCIDHint(c *call) (reply, error) {
	p, err := s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	h, err := s.st.ORCIDHintOf(c.ctx, c.tenant, p.ID)
	if err != nil {
		return reply{}, withDetail(err, "The person has no iD on file.")
	}
	return ok(hintView(h))
}

func (s *Server) deleteORCIDHint(c *call) (reply, error) {
	p, err := s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	err = s.st.InTx(c.ctx, func(tx *store.Tx) error {
		if _, err := tx.ORCIDHintOf(c.ctx, c.tenant, p.ID); err != nil {
			return withDetail(err, "The person has no iD on file.")
		}
		if err := tx.DeleteORCIDHint(c.ctx, c.tenant, p.ID); err != nil {
			return err
		}
		return s.auditIn(c, tx, p.ID, "person.orcid_hint_deleted", nil)
	})
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusNoContent}, nil
}
