package jobs_test

import (
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// A distinction with only an organisation name and a ROR iD (typed bare)
// reaches the record, where ORCID's 2025 rules accept it: the iD goes in
// the form ORCID matches, with the empty address the schema wants.
func TestDistinctionWithNameAndROR(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{})
		d := orcid.NewAffiliation(orcid.KindDistinction)
		d.RoleTitle = "Fellow"
		d.Organization = &orcid.Organization{Name: "Brown University",
			DisambiguatedOrganization: &orcid.DisambiguatedOrganization{Identifier: "05gq02987", Source: "ROR"}}
		f.put(t, "fellow", d)
		items := f.wait(t, "the distinction synced", allIn(store.ItemSynced, "fellow"))
		got, err := f.reader.ReadItem(f.ctx, f.r.Link.AccessToken, f.r.Link.ORCID, orcid.KindDistinction, items["fellow"].PutCode)
		if err != nil {
			t.Fatal(err)
		}
		a := got.(*orcid.Affiliation)
		if a.Organization == nil || a.Organization.DisambiguatedOrganization == nil ||
			a.Organization.DisambiguatedOrganization.Identifier != "https://ror.org/05gq02987" {
			t.Fatalf("distinction on ORCID %+v", a.Organization)
		}
	})
}
