package sandbox

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// The organisation registry. ORCID refuses an affiliation, funding, peer
// review or research resource whose disambiguated-organization names an
// (identifier, source) pair missing from its org_disambiguated table: 400
// 9045 (OrgManagerImpl.getOrgEntity, InvalidDisambiguatedOrgException).
// ORCID loads that table from ROR, Ringgold, GRID, FundRef and LEI; the
// offline registry knows what its seed file and control API told it, plus
// one leniency, because no offline copy can hold all of ROR: a ROR iD in
// ORCID's stored form (https://ror.org/…) with a valid checksum counts as
// known unless the registry runs strict (Config.Strict).

// disambiguationSources are ORCID's OrgDisambiguatedSourceType values, the
// only source_type values its table holds.
var disambiguationSources = []string{"ROR", "RINGGOLD", "GRID", "FUNDREF", "LEI"}

// AddOrganization registers an organisation, or updates what is known of
// it. A ROR iD may be given in any form orcid.ParseROR accepts and is stored
// as ORCID stores it; other identifiers are stored exactly as given, since
// ORCID compares them exactly.
func (r *Registry) AddOrganization(ctx context.Context, o Organization) (Organization, error) {
	o.Identifier = strings.TrimSpace(o.Identifier)
	o.Source = strings.ToUpper(strings.TrimSpace(o.Source))
	o.Name = strings.TrimSpace(o.Name)
	o.City, o.Region = strings.TrimSpace(o.City), strings.TrimSpace(o.Region)
	o.Country = strings.ToUpper(strings.TrimSpace(o.Country))
	if !slices.Contains(disambiguationSources, o.Source) {
		return o, &FieldError{"disambiguation_source", "must be one of " + strings.Join(disambiguationSources, ", ")}
	}
	if o.Identifier == "" {
		return o, &FieldError{"disambiguated_organization_identifier", "is required"}
	}
	if o.Source == orcid.DisambiguationSourceROR {
		canon, err := orcid.ParseROR(o.Identifier)
		if err != nil {
			return o, &FieldError{"disambiguated_organization_identifier", err.Error()}
		}
		o.Identifier = canon
	}
	if o.Name == "" {
		return o, &FieldError{"name", "is required: ORCID shows the registry's name of the organisation"}
	}
	if o.Country != "" && !oneOf(countryCodes, o.Country) {
		return o, &FieldError{"country", "must be an ISO 3166-1 alpha-2 code such as US"}
	}
	if err := r.store.UpsertOrganization(ctx, o, r.now()); err != nil {
		return o, err
	}
	return o, nil
}

// Organizations lists the registered organisations (not the ROR iDs the
// lenient registry accepts without registration).
func (r *Registry) Organizations(ctx context.Context) ([]Organization, error) {
	return r.store.Organizations(ctx)
}

// orgKnown reports whether the registry holds the organisation a
// disambiguated-organization names.
func (r *Registry) orgKnown(ctx context.Context, d *orcid.DisambiguatedOrganization) (bool, error) {
	_, err := r.store.Organization(ctx, d.Identifier, d.Source)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return false, err
	}
	return !r.cfg.Strict && d.Source == orcid.DisambiguationSourceROR && orcid.IsCanonicalROR(d.Identifier), nil
}

// itemOrganizations are the organisations of an item ORCID looks up in its
// registry: those with a disambiguated-organization identifier (an
// organisation without one is stored as typed, OrgManagerImpl.getOrgEntity).
func itemOrganizations(item orcid.Item) []*orcid.Organization {
	var orgs []*orcid.Organization
	add := func(o *orcid.Organization) {
		// An identifier-less entry is not looked up: ORCID only looks up a
		// non-null identifier, and Go cannot tell null from empty here.
		if o != nil && o.DisambiguatedOrganization != nil && o.DisambiguatedOrganization.Identifier != "" {
			orgs = append(orgs, o)
		}
	}
	addHosts := func(h *orcid.Hosts) {
		if h != nil {
			for i := range h.Organization {
				add(&h.Organization[i])
			}
		}
	}
	switch x := item.(type) {
	case *orcid.Affiliation:
		add(x.Organization)
	case *orcid.Funding:
		add(x.Organization)
	case *orcid.PeerReview:
		add(x.ConveningOrganization)
	case *orcid.ResearchResource:
		if x.Proposal != nil {
			addHosts(x.Proposal.Hosts)
		}
		for i := range x.ResourceItems {
			addHosts(x.ResourceItems[i].Hosts)
		}
	}
	return orgs
}

// checkOrganizations refuses an item naming an organisation the registry
// does not know, with 9045, as ORCID does when it converts the item for
// storage (after validation and the duplicate check).
func (r *Registry) checkOrganizations(ctx context.Context, item orcid.Item) error {
	for _, o := range itemOrganizations(item) {
		ok, err := r.orgKnown(ctx, o.DisambiguatedOrganization)
		if err != nil {
			return err
		}
		if !ok {
			return newAPIError(9045, nil, "")
		}
	}
	return nil
}

func (r *Registry) ctlListOrganizations(w http.ResponseWriter, req *http.Request) {
	os, err := r.Organizations(req.Context())
	if err != nil {
		r.ctlFail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, os)
}

func (r *Registry) ctlAddOrganization(w http.ResponseWriter, req *http.Request) {
	var in Organization
	if err := decodeStrict(req, &in); err != nil {
		r.ctlFail(w, err)
		return
	}
	o, err := r.AddOrganization(req.Context(), in)
	if err != nil {
		r.ctlFail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, o)
}

// registryChecksOnCreate is what ORCID checks against its registries once a
// new item has passed validation and the duplicate check: a peer review's
// issn: group is made if need be, its group must then exist
// (PeerReviewManagerImpl.createPeerReview), and every disambiguated
// organisation must be known (OrgManagerImpl.getOrgEntity, last).
func (r *Registry) registryChecksOnCreate(ctx context.Context, item orcid.Item) error {
	if p, ok := item.(*orcid.PeerReview); ok {
		if err := r.createIssnGroupIfNecessary(ctx, p); err != nil {
			return err
		}
		if err := r.checkReviewGroup(ctx, p); err != nil {
			return err
		}
	}
	return r.checkOrganizations(ctx, item)
}

// registryChecksOnUpdate is the same for an update, after the source check;
// the group itself was checked before the duplicate check.
func (r *Registry) registryChecksOnUpdate(ctx context.Context, item orcid.Item) error {
	if p, ok := item.(*orcid.PeerReview); ok {
		if err := r.createIssnGroupIfNecessary(ctx, p); err != nil {
			return err
		}
	}
	return r.checkOrganizations(ctx, item)
}
