package orcid

import "testing"

func TestCanonicalize(t *testing.T) {
	ror := func(id string) *Organization {
		return &Organization{Name: "Brown", DisambiguatedOrganization: &DisambiguatedOrganization{Identifier: id, Source: "ROR"}}
	}
	for _, in := range []string{"05gq02987", "ror.org/05gq02987", "http://ror.org/05gq02987", "HTTPS://ROR.ORG/05GQ02987/"} {
		a := &Affiliation{Kind: KindService, Organization: ror(in)}
		Canonicalize(a)
		if got := a.Organization.DisambiguatedOrganization.Identifier; got != "https://ror.org/05gq02987" {
			t.Errorf("%q became %q", in, got)
		}
	}
	// Not a ROR iD (a wrong checksum), or another registry: left alone.
	bad := &Funding{Organization: ror("05gq02988")}
	other := &PeerReview{ConveningOrganization: &Organization{Name: "X",
		DisambiguatedOrganization: &DisambiguatedOrganization{Identifier: "385488", Source: "RINGGOLD"}}}
	Canonicalize(bad)
	Canonicalize(other)
	if bad.Organization.DisambiguatedOrganization.Identifier != "05gq02988" ||
		other.ConveningOrganization.DisambiguatedOrganization.Identifier != "385488" {
		t.Fatalf("changed what is not a ROR iD: %+v %+v", bad.Organization, other.ConveningOrganization)
	}
	rr := &ResearchResource{Proposal: &Proposal{Hosts: &Hosts{Organization: []Organization{*ror("05gq02987")}}},
		ResourceItems: []ResourceItem{{Hosts: &Hosts{Organization: []Organization{*ror("ror.org/05qwgg493")}}}}}
	Canonicalize(rr)
	if rr.Proposal.Hosts.Organization[0].DisambiguatedOrganization.Identifier != "https://ror.org/05gq02987" ||
		rr.ResourceItems[0].Hosts.Organization[0].DisambiguatedOrganization.Identifier != "https://ror.org/05qwgg493" {
		t.Fatalf("research resource hosts not canonical")
	}
}

func TestFillOrganization(t *testing.T) {
	def := Organization{Name: "Example Press", Address: &OrganizationAddress{City: "Providence", Country: "US"},
		DisambiguatedOrganization: &DisambiguatedOrganization{Identifier: "https://ror.org/05gq02987", Source: "ROR"}}
	a := &Affiliation{Kind: KindDistinction}
	if !FillOrganization(a, def) || a.Organization.Name != "Example Press" || a.Organization.Address == def.Address {
		t.Fatalf("filled %+v (must be a copy)", a.Organization)
	}
	own := &Funding{Organization: &Organization{Name: "Own"}}
	if FillOrganization(own, def) || own.Organization.Name != "Own" {
		t.Fatalf("replaced an organisation the item names")
	}
	if FillOrganization(&Work{}, def) {
		t.Fatal("a work has no organisation")
	}
}
