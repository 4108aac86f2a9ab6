package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// orgKinds are every kind whose organisations ORCID looks up in its
// registry: the seven affiliations, fundings, peer reviews (convening
// organisation) and research resources (hosts).
var orgKinds = []orcid.ItemKind{
	orcid.KindEmployment, orcid.KindEducation, orcid.KindDistinction, orcid.KindInvitedPosition,
	orcid.KindMembership, orcid.KindQualification, orcid.KindService,
	orcid.KindFunding, orcid.KindPeerReview, orcid.KindResearchResource,
}

// testOrg is Brown University pointing at the registry entry (id, source).
func testOrg(id, source string) *orcid.Organization {
	o := &orcid.Organization{Name: "Brown University", Address: &orcid.OrganizationAddress{City: "Providence", Region: "RI", Country: "US"}}
	if id != "" {
		o.DisambiguatedOrganization = &orcid.DisambiguatedOrganization{Identifier: id, Source: source}
	}
	return o
}

// itemWithOrg is a valid item of kind whose organisation is o; n makes its
// identifiers unique, so that items never collide as duplicates.
func itemWithOrg(kind orcid.ItemKind, o *orcid.Organization, n int) orcid.Item {
	self := orcid.RelationshipSelf
	ids := func(typ string) *orcid.ExternalIDs {
		return orcid.NewExternalIDs(orcid.ExternalID{Type: typ, Value: fmt.Sprintf("id-%d", n), Relationship: self})
	}
	switch kind {
	case orcid.KindFunding:
		return &orcid.Funding{Type: "grant", Title: orcid.NewTitle("A grant"), ExternalIDs: ids("grant_number"), Organization: o}
	case orcid.KindPeerReview:
		return &orcid.PeerReview{ReviewerRole: "reviewer", ReviewType: "review", ReviewGroupID: "issn:1741-4857",
			ReviewIdentifiers: ids("source-work-id"), ReviewCompletionDate: orcid.NewFuzzyDate(2026, 1, 2), ConveningOrganization: o}
	case orcid.KindResearchResource:
		known := *testOrg("https://ror.org/05gq02987", "ROR")
		return &orcid.ResearchResource{
			Proposal: &orcid.Proposal{Title: orcid.NewTitle("A proposal"), Hosts: &orcid.Hosts{Organization: []orcid.Organization{*o}}, ExternalIDs: ids("proposal-id")},
			ResourceItems: []orcid.ResourceItem{{ResourceName: "A telescope", ResourceType: "infrastructures",
				Hosts: &orcid.Hosts{Organization: []orcid.Organization{known}}, ExternalIDs: ids("rrid")}},
		}
	}
	a := orcid.NewAffiliation(kind)
	a.RoleTitle, a.StartDate, a.Organization = "Professor", orcid.NewFuzzyDate(2020, 9, 0), o
	return a
}

func encodeItem(t *testing.T, ct string, item orcid.Item) []byte {
	t.Helper()
	var b []byte
	var err error
	if ct == ctJSON {
		b, err = json.Marshal(item)
	} else {
		b, err = orcid.EncodeXML(item)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// postItem POSTs item to the researcher's record in ct.
func (e *apiEnv) postItem(t *testing.T, tok, ct string, item orcid.Item) apiResp {
	t.Helper()
	info, _ := item.ItemKind().Info()
	return e.do(apiCall{method: "POST", url: e.member3("/" + e.res.ORCID + "/" + info.Path), token: tok,
		contentType: ct, accept: ct, body: encodeItem(t, ct, item)})
}

// TestOrganizationRegistry: every kind naming an organisation the registry
// does not know is refused with 400 9045 (OrgManagerImpl.getOrgEntity),
// in JSON and XML, and accepted once the organisation is registered.
func TestOrganizationRegistry(t *testing.T) {
	bothFormats(t, func(t *testing.T, ct string) {
		e := newAPIEnv(t)
		tok := e.writeToken()
		n := 0
		for _, k := range orgKinds {
			t.Run(string(k), func(t *testing.T) {
				n++
				unknown := e.postItem(t, tok, ct, itemWithOrg(k, testOrg("4321", "RINGGOLD"), n))
				wantError(t, unknown, 400, 9045, "disambiguated-organization must be present and valid")
				// The research resource's proposal host is known, its item's not.
				if k == orcid.KindResearchResource {
					rr := itemWithOrg(k, testOrg("https://ror.org/05gq02987", "ROR"), n).(*orcid.ResearchResource)
					rr.ResourceItems[0].Hosts.Organization[0] = *testOrg("grid.5555.1", "GRID")
					wantError(t, e.postItem(t, tok, ct, rr), 400, 9045, "")
				}
			})
		}
		e.addOrganization(Organization{Identifier: "4321", Source: "RINGGOLD", Name: "Brown University"})
		for _, k := range orgKinds {
			n++
			if resp := e.postItem(t, tok, ct, itemWithOrg(k, testOrg("4321", "RINGGOLD"), n)); resp.status != http.StatusCreated {
				t.Errorf("%s with a registered organisation: %d\n%s", k, resp.status, resp.body)
			}
		}
	})
}

// TestOrganizationRORForms: ORCID stores a ROR iD as https://ror.org/… and
// compares exactly, so only that form with a valid checksum is known
// (leniently, without registration); strict, it must be registered.
func TestOrganizationRORForms(t *testing.T) {
	cases := []struct {
		name, id, source string
		lenient, strict  int // status of the POST
	}{
		{"canonical, registered", "https://ror.org/05gq02987", "ROR", 201, 201},
		{"canonical, not registered", "https://ror.org/04fa4r544", "ROR", 201, 400},
		{"bad checksum", "https://ror.org/04fa4r545", "ROR", 400, 400},
		{"bare iD", "05gq02987", "ROR", 400, 400},
		{"http", "http://ror.org/05gq02987", "ROR", 400, 400},
		{"upper case", "https://ror.org/05GQ02987", "ROR", 400, 400},
		{"source in lower case", "https://ror.org/05gq02987", "ror", 400, 400},
		{"a ROR iD as GRID", "https://ror.org/05gq02987", "GRID", 400, 400},
	}
	for _, strict := range []bool{false, true} {
		e := newAPIEnvWith(t, Config{Strict: strict})
		e.addOrganization(Organization{Identifier: "ror.org/05gq02987", Source: "ror", Name: "Brown University"})
		tok := e.writeToken()
		for i, c := range cases {
			want := c.lenient
			if strict {
				want = c.strict
			}
			for _, ct := range []string{ctJSON, ctXML} {
				resp := e.postItem(t, tok, ct, itemWithOrg(orcid.KindFunding, testOrg(c.id, c.source), 10*i+len(ct)))
				if want == 201 && resp.status != 201 {
					t.Errorf("strict=%v %s (%s): %d, want 201\n%s", strict, c.name, ct, resp.status, resp.body)
				}
				if want == 400 {
					if resp.status != 400 || resp.errorBody(t).ErrorCode != 9045 {
						t.Errorf("strict=%v %s (%s): %d, want 400 9045\n%s", strict, c.name, ct, resp.status, resp.body)
					}
				}
			}
		}
	}
}

// TestAffiliationRules is ActivityValidator.validateAffiliation: employment
// and education need a registry entry, city and country; the professional
// activities a name or registry entry, an identifier of some kind, and a
// country for any city or region. Each refusal in JSON and XML.
func TestAffiliationRules(t *testing.T) {
	known := "https://ror.org/05gq02987"
	professional := []orcid.ItemKind{orcid.KindDistinction, orcid.KindInvitedPosition, orcid.KindMembership, orcid.KindQualification, orcid.KindService}
	type tc struct {
		name   string
		kind   orcid.ItemKind
		edit   func(a *orcid.Affiliation)
		status int
		code   int // schemaError: 9047 in JSON, 9012 in XML
	}
	// The XSD's organization requires name and address (organization
	// itself is optional since orcid-model #76), so their absence is the
	// schema's error before ActivityValidator sees the item.
	const schemaError = -1
	var cases []tc
	for _, k := range []orcid.ItemKind{orcid.KindEmployment, orcid.KindEducation} {
		cases = append(cases,
			tc{"no organization", k, func(a *orcid.Affiliation) { a.Organization = nil }, 400, 9046},
			tc{"no disambiguated organization", k, func(a *orcid.Affiliation) { a.Organization.DisambiguatedOrganization = nil }, 400, 9045},
			tc{"no city", k, func(a *orcid.Affiliation) { a.Organization.Address.City = "" }, 400, 9060},
			tc{"no country", k, func(a *orcid.Affiliation) { a.Organization.Address.Country = "" }, 400, 9060},
			tc{"no address", k, func(a *orcid.Affiliation) { a.Organization.Address = nil }, 400, schemaError},
			tc{"empty address", k, func(a *orcid.Affiliation) { a.Organization.Address = &orcid.OrganizationAddress{} }, 400, 9060},
			tc{"unknown organization", k, func(a *orcid.Affiliation) {
				a.Organization.DisambiguatedOrganization.Identifier = "https://ror.org/04fa4r545"
			}, 400, 9045},
			tc{"complete", k, func(a *orcid.Affiliation) {}, 201, 0},
		)
	}
	extID := func(a *orcid.Affiliation) {
		a.ExternalIDs = orcid.NewExternalIDs(orcid.ExternalID{Type: "uri", Value: "https://example.org/" + a.RoleTitle, Relationship: orcid.RelationshipSelf})
	}
	for _, k := range professional {
		cases = append(cases,
			tc{"no organization", k, func(a *orcid.Affiliation) { a.Organization = nil }, 400, 9046},
			tc{"neither name nor disambiguated organization", k, func(a *orcid.Affiliation) {
				a.Organization.Name, a.Organization.DisambiguatedOrganization = "", nil
				extID(a)
			}, 400, schemaError},
			tc{"name only, no identifier", k, func(a *orcid.Affiliation) { a.Organization.DisambiguatedOrganization = nil }, 400, 9062},
			tc{"city without country", k, func(a *orcid.Affiliation) { a.Organization.Address.Region, a.Organization.Address.Country = "", "" }, 400, 9061},
			tc{"region without country", k, func(a *orcid.Affiliation) { a.Organization.Address.City, a.Organization.Address.Country = "", "" }, 400, 9061},
			tc{"unknown organization", k, func(a *orcid.Affiliation) { a.Organization.DisambiguatedOrganization.Source = "LEI" }, 400, 9045},
			tc{"name and external identifier, no registry entry", k, func(a *orcid.Affiliation) {
				a.Organization.DisambiguatedOrganization = nil
				extID(a)
			}, 201, 0},
			tc{"registry entry, empty address", k, func(a *orcid.Affiliation) { a.Organization.Address = &orcid.OrganizationAddress{} }, 201, 0},
			tc{"no address", k, func(a *orcid.Affiliation) { a.Organization.Address = nil }, 400, schemaError},
		)
	}
	bothFormats(t, func(t *testing.T, ct string) {
		e := newAPIEnv(t)
		tok := e.writeToken()
		for i, c := range cases {
			t.Run(string(c.kind)+"/"+c.name, func(t *testing.T) {
				a := itemWithOrg(c.kind, testOrg(known, "ROR"), i).(*orcid.Affiliation)
				a.RoleTitle = fmt.Sprintf("Role %d", i)
				c.edit(a)
				resp := e.postItem(t, tok, ct, a)
				if c.code == schemaError {
					c.code = map[string]int{ctJSON: 9047, ctXML: 9012}[ct]
				}
				if c.code == 0 {
					if resp.status != c.status {
						t.Fatalf("status %d, want %d\n%s", resp.status, c.status, resp.body)
					}
					return
				}
				wantError(t, resp, c.status, c.code, "")
			})
		}
	})
}

// TestOrganizationUpdate: a PUT naming an unknown organisation is refused
// too, after the source check, as ORCID converts the item last.
func TestOrganizationUpdate(t *testing.T) {
	e := newAPIEnvWith(t, Config{Strict: true})
	e.addOrganization(Organization{Identifier: "https://ror.org/05gq02987", Source: "ROR", Name: "Brown University"})
	tok := e.writeToken()
	a := itemWithOrg(orcid.KindService, testOrg("https://ror.org/05gq02987", "ROR"), 1)
	pc := e.post(tok, e.res.ORCID, "service", ctJSON, encodeItem(t, ctJSON, a))
	a.SetPutCode(pc)
	a.(*orcid.Affiliation).Organization.DisambiguatedOrganization.Identifier = "https://ror.org/04fa4r544"
	resp := e.do(apiCall{method: "PUT", url: e.member3(fmt.Sprintf("/%s/service/%d", e.res.ORCID, pc)), token: tok,
		contentType: ctXML, accept: ctXML, body: encodeItem(t, ctXML, a)})
	wantError(t, resp, 400, 9045, "")
	// Another client's PUT is refused for its source first.
	other := e.token(e.other, e.res.ORCID, ScopeActivitiesUpdate)
	resp = e.do(apiCall{method: "PUT", url: e.member3(fmt.Sprintf("/%s/service/%d", e.res.ORCID, pc)), token: other,
		contentType: ctJSON, accept: ctJSON, body: encodeItem(t, ctJSON, a)})
	wantError(t, resp, 403, 9010, "")
}

// TestControlOrganizations: POST /_sandbox/organizations validates and
// normalises, GET lists what is registered.
func TestControlOrganizations(t *testing.T) {
	e := newAPIEnv(t)
	post := func(body string) apiResp {
		return e.do(apiCall{method: "POST", url: e.r.BaseURL() + "/_sandbox/organizations", contentType: "application/json", body: []byte(body)})
	}
	resp := post(`{"disambiguated_organization_identifier":"http://ror.org/05QWGG493","disambiguation_source":"ror","name":"Boston University","city":"Boston","region":"MA","country":"us"}`)
	var o Organization
	if resp.status != 201 || json.Unmarshal(resp.body, &o) != nil || o.Identifier != "https://ror.org/05qwgg493" || o.Source != "ROR" || o.Country != "US" {
		t.Fatalf("POST: %d %s", resp.status, resp.body)
	}
	for body, field := range map[string]string{
		`{"disambiguated_organization_identifier":"05qwgg494","disambiguation_source":"ROR","name":"BU"}`:              "disambiguated_organization_identifier",
		`{"disambiguated_organization_identifier":"12345","disambiguation_source":"ISNI","name":"BU"}`:                 "disambiguation_source",
		`{"disambiguated_organization_identifier":"12345","disambiguation_source":"RINGGOLD"}`:                         "name",
		`{"disambiguated_organization_identifier":"","disambiguation_source":"RINGGOLD","name":"BU"}`:                  "disambiguated_organization_identifier",
		`{"disambiguated_organization_identifier":"1","disambiguation_source":"RINGGOLD","name":"BU","country":"USA"}`: "country",
		`{"identifier":"1","disambiguation_source":"RINGGOLD","name":"BU"}`:                                            "body",
	} {
		r := post(body)
		var ce ctlError
		if r.status != 400 || json.Unmarshal(r.body, &ce) != nil || ce.Field == nil || ce.Field.Field != field {
			t.Errorf("POST %s: %d %s, want 400 on %s", body, r.status, r.body, field)
		}
	}
	list := e.do(apiCall{method: "GET", url: e.r.BaseURL() + "/_sandbox/organizations"})
	var os []Organization
	if err := json.Unmarshal(list.body, &os); err != nil || len(os) != 1 || os[0] != o {
		t.Errorf("GET: %s", list.body)
	}
	// Registering again updates, never duplicates.
	post(`{"disambiguated_organization_identifier":"05qwgg493","disambiguation_source":"ROR","name":"Boston University (BU)"}`)
	list = e.do(apiCall{method: "GET", url: e.r.BaseURL() + "/_sandbox/organizations"})
	if err := json.Unmarshal(list.body, &os); err != nil || len(os) != 1 || os[0].Name != "Boston University (BU)" {
		t.Errorf("GET after update: %s", list.body)
	}
}

// TestControlGroups: POST /_sandbox/groups registers a group the registry
// owns (issn: normalised and checked), GET lists them.
func TestControlGroups(t *testing.T) {
	e := newAPIEnv(t)
	g := e.addGroup(NewGroup{GroupID: "issn:1050124x", Name: "Some Journal", Description: "A journal", Type: "journal"})
	if g.GroupID != "issn:1050-124X" || g.SourceClientID != "" || g.PutCode == 0 {
		t.Errorf("group %+v", g)
	}
	for _, body := range []string{
		`{"group_id":"issn:1050-1240","name":"J","description":"d","type":"journal"}`,
		`{"group_id":"doi:10.1/x","name":"J","description":"d","type":"journal"}`,
		`{"group_id":"ringgold:123","name":"J","description":"d","type":"blog"}`,
	} {
		if r := e.do(apiCall{method: "POST", url: e.r.BaseURL() + "/_sandbox/groups", contentType: "application/json", body: []byte(body)}); r.status != 400 {
			t.Errorf("POST %s: %d %s, want 400", body, r.status, r.body)
		}
	}
	list := e.do(apiCall{method: "GET", url: e.r.BaseURL() + "/_sandbox/groups"})
	var gs []GroupIDRecord
	if err := json.Unmarshal(list.body, &gs); err != nil || len(gs) != 1 || gs[0].GroupID != "issn:1050-124X" {
		t.Errorf("GET: %s", list.body)
	}
}

// TestSeedOrganizationsAndGroups: the seed file's organizations and groups
// are registered, idempotently, and a strict registry then accepts writes
// that name them and nothing else.
func TestSeedOrganizationsAndGroups(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.json")
	seed := `{"organizations": [
	  {"disambiguated_organization_identifier": "05gq02987", "disambiguation_source": "ROR", "name": "Brown University",
	   "city": "Providence", "region": "RI", "country": "US"},
	  {"disambiguated_organization_identifier": "385488", "disambiguation_source": "RINGGOLD", "name": "ORCID"}],
	 "groups": [{"group_id": "orcid-generated:jx", "name": "Journal of Examples", "description": "Reviews for the Journal of Examples", "type": "journal"},
	   {"group_id": "issn:1741-4857", "name": "International Journal of Examples", "description": "A journal", "type": "journal"}]}`
	if err := os.WriteFile(path, []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSeed(path)
	if err != nil {
		t.Fatal(err)
	}
	e := newAPIEnvWith(t, Config{Strict: true})
	for range 2 {
		if err := e.r.ApplySeed(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	orgs, err := e.r.Organizations(context.Background())
	if err != nil || len(orgs) != 2 || orgs[1].Identifier != "https://ror.org/05gq02987" {
		t.Fatalf("organizations %+v, %v", orgs, err)
	}
	gs, err := e.r.store.Groups(context.Background(), -1, 0)
	if err != nil || len(gs) != 2 {
		t.Fatalf("groups %+v, %v", gs, err)
	}
	tok := e.writeToken()
	e.post(tok, e.res.ORCID, "peer-review", ctJSON, peerReviewJSON("orcid-generated:jx", "s1", ""))
	e.post(tok, e.res.ORCID, "peer-review", ctJSON, peerReviewJSON("issn:1741-4857", "s2", ""))
	pr := itemWithOrg(orcid.KindPeerReview, testOrg("385488", "RINGGOLD"), 3)
	if resp := e.postItem(t, tok, ctXML, pr); resp.status != 201 {
		t.Errorf("peer review convened by the seeded Ringgold organisation: %d\n%s", resp.status, resp.body)
	}
	wantError(t, e.postItem(t, tok, ctJSON, itemWithOrg(orcid.KindPeerReview, testOrg("385489", "RINGGOLD"), 4)), 400, 9045, "")

	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"organizations": [{"identifier": "x"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSeed(bad); err == nil || !strings.Contains(err.Error(), "identifier") {
		t.Errorf("seed with a misspelt organisation key: %v", err)
	}
}
