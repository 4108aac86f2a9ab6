package api

import (
	"encoding/json"

	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/store"
)

// tenantView is the key's tenant as the API shows it: who it is, and the
// choices the journal workflow makes with (the convening organisation of
// its peer reviews and their review model).
type tenantView struct {
	Slug         string        `json:"slug"`
	Name         string        `json:"name"`
	Organization *organization `json:"organization"`
	ReviewMode   string        `json:"review_mode"`
}

type organization struct {
	Name    string `json:"name"`
	ROR     string `json:"ror"`
	City    string `json:"city"`
	Region  string `json:"region"`
	Country string `json:"country"`
}

// tenantPatch is the body of PATCH /tenant: only the fields present
// change; "organization": null removes the organisation.
type tenantPatch struct {
	Organization json.RawMessage `json:"organization"`
	ReviewMode   *string         `json:"review_mode"`
}

func tenantOf(t store.Tenant) tenantView {
	v := tenantView{Slug: t.Slug, Name: t.Name, ReviewMode: string(t.Settings.ReviewMode.Or(""))}
	if p := t.Settings.Publisher; p != (store.Publisher{}) {
		v.Organization = &organization{Name: p.Name, ROR: p.ROR, City: p.City, Region: p.Region, Country: p.Country}
	}
	return v
}

func (s *Server) getTenant(c *call) (reply, error) {
	t, err := s.st.Tenant(c.ctx, c.tenant)
	if err != nil {
		return reply{}, err
	}
	return ok(tenantOf(t))
}

func (s *Server) patchTenant(c *call) (reply, error) {
	var in tenantPatch
	if err := decode(c.body, "", &in); err != nil {
		return reply{}, err
	}
	t, err := s.st.Tenant(c.ctx, c.tenant)
	if err != nil {
		return reply{}, err
	}
	var errs fieldErrors
	if in.Organization != nil {
		var o *organization
		if err := decode(in.Organization, "/organization", &o); err != nil && string(in.Organization) != "null" {
			return reply{}, err
		}
		p := store.Publisher{}
		if o != nil {
			p = store.Publisher{Name: o.Name, ROR: o.ROR, City: o.City, Region: o.Region, Country: o.Country}
		}
		for _, pr := range journal.CheckPublisher(&p) {
			errs.body("/organization/"+pr.Field, pr.Message)
		}
		t.Settings.Publisher = p
	}
	if in.ReviewMode != nil {
		m := store.ReviewMode(*in.ReviewMode)
		if m == "" || !m.Valid() {
			errs.body("/review_mode", "must be open, anonymous or double-anonymous")
		}
		t.Settings.ReviewMode = m
	}
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	if err := s.st.InTx(c.ctx, func(tx *store.Tx) error {
		var err error
		if t, err = tx.UpdateTenant(c.ctx, t); err != nil {
			return err
		}
		return s.auditIn(c, tx, 0, "tenant.updated", map[string]any{"organization": in.Organization != nil, "review_mode": in.ReviewMode != nil})
	}); err != nil {
		return reply{}, err
	}
	return ok(tenantOf(t))
}
