package orcid

// Canonicalize puts what an item names in the form ORCID matches, without
// changing what it means: a ROR iD given as ror.org/…, http://… or bare
// becomes https://ror.org/…, the form ORCID's organisation registry holds
// (OrgManagerImpl.getOrgEntity compares identifiers exactly, so any other
// form is refused with 9045). A value that is not a ROR iD is left for
// Validate to report. An organisation with no address gets an empty one:
// the XSD requires the element (common-3.0.xsd, organization), although
// none of its parts, and a distinction needs no city since 2025.
func Canonicalize(item Item) {
	for _, o := range organizations(item) {
		if o.Address == nil {
			o.Address = &OrganizationAddress{}
		}
		d := o.DisambiguatedOrganization
		if d == nil || d.Source != DisambiguationSourceROR {
			continue
		}
		if ror, err := ParseROR(d.Identifier); err == nil {
			d.Identifier = ror
		}
	}
}

// organizations are the organisations an item names.
func organizations(item Item) []*Organization {
	var out []*Organization
	add := func(o *Organization) {
		if o != nil {
			out = append(out, o)
		}
	}
	switch x := item.(type) {
	case *Affiliation:
		add(x.Organization)
	case *Funding:
		add(x.Organization)
	case *PeerReview:
		add(x.ConveningOrganization)
	case *ResearchResource:
		var hosts []*Hosts
		if x.Proposal != nil {
			hosts = append(hosts, x.Proposal.Hosts)
		}
		for i := range x.ResourceItems {
			hosts = append(hosts, x.ResourceItems[i].Hosts)
		}
		for _, hs := range hosts {
			if hs != nil {
				for i := range hs.Organization {
					add(&hs.Organization[i])
				}
			}
		}
	}
	return out
}

// FillOrganization gives an affiliation, a funding or a peer review that
// names no organisation the default one (a tenant's own), and reports
// whether it did.
func FillOrganization(item Item, def Organization) bool {
	fresh := func() *Organization {
		o := def
		if def.Address != nil {
			a := *def.Address
			o.Address = &a
		}
		if def.DisambiguatedOrganization != nil {
			d := *def.DisambiguatedOrganization
			o.DisambiguatedOrganization = &d
		}
		return &o
	}
	switch x := item.(type) {
	case *Affiliation:
		if x.Organization == nil {
			x.Organization = fresh()
			return true
		}
	case *Funding:
		if x.Organization == nil {
			x.Organization = fresh()
			return true
		}
	case *PeerReview:
		if x.ConveningOrganization == nil {
			x.ConveningOrganization = fresh()
			return true
		}
	}
	return false
}
