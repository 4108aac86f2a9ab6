package batch_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/orcidlink/orcidlink/internal/batch"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// TestOrganizations: rows that leave the organisation out get the tenant's;
// a distinction needs only a name and a ROR iD (ORCID's 2025 rules), whose
// bare form is kept as ORCID matches it; a wrong ROR checksum and a UK
// country are refused at the column; an employment still needs its city.
func TestOrganizations(t *testing.T) {
	st, tid := tenantStore(t)
	if _, err := st.CreatePerson(context.Background(), store.Person{TenantID: tid, GivenNames: "Ada", Email: "a@example.org"}); err != nil {
		t.Fatal(err)
	}
	csv := []byte("email,key,affiliation-section,role-title,org-name,org-city,org-country,org-disambiguated-organization-identifier,org-disambiguation-source\n" +
		"a@example.org,k1,distinction,Fellow,Brown University,,,05gq02987,ROR\n" +
		"a@example.org,k2,service,Editor,,,,,\n" +
		"a@example.org,k3,distinction,Fellow,Brown University,,,https://ror.org/05gq02988,ROR\n" +
		"a@example.org,k4,membership,Member,Society,London,UK,https://ror.org/05gq02987,ROR\n" +
		"a@example.org,k5,employment,Professor,Brown University,,,https://ror.org/05gq02987,ROR\n")
	org := orcid.Organization{Name: "Example Press", Address: &orcid.OrganizationAddress{City: "Providence", Country: "US"},
		DisambiguatedOrganization: &orcid.DisambiguatedOrganization{Identifier: "https://ror.org/05qwgg493", Source: "ROR"}}
	values := map[int]map[string]string{}
	var all []batch.Problem
	_, err := batch.Validate(context.Background(), bytes.NewReader(csv), batch.Options{TenantID: tid, Kind: batch.Affiliations,
		Format: batch.CSV, People: st, Organization: &org}, func(rows []batch.Row) error {
		for _, r := range rows {
			values[r.Row] = r.Values
			all = append(all, r.Problems...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := codes(all)
	for _, want := range []string{"3:org-disambiguated-organization-identifier:bad-value", "4:org-country:", "5:org-city:"} {
		if !bytes.Contains([]byte(got), []byte(want)) {
			t.Errorf("problems %q lack %q", got, want)
		}
	}
	for _, row := range []int{1, 2} {
		for _, p := range all {
			if p.Row == row {
				t.Errorf("row %d refused: %+v", row, p)
			}
		}
	}
	if id := values[1]["org-disambiguated-organization-identifier"]; id != "https://ror.org/05gq02987" {
		t.Errorf("row 1's ROR iD kept as %q", id)
	}
	if v := values[2]; v["org-name"] != "Example Press" || v["org-city"] != "Providence" ||
		v["org-disambiguated-organization-identifier"] != "https://ror.org/05qwgg493" {
		t.Errorf("row 2 did not get the tenant's organisation: %v", v)
	}
}
