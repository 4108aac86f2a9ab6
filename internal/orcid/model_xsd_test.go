package orcid

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid/orcidtest"
)

// validateXML checks doc against schemaFile (relative to the orcid-model
// directory) with xmllint; see orcidtest.ValidateXMLSchema for the skip rules.
func validateXML(t testing.TB, schemaFile string, doc []byte) {
	t.Helper()
	orcidtest.ValidateXMLSchema(t, schemaFile, doc)
}

// schemaForDoc picks the XSD for doc by its root namespace, as the
// orcid-model README prescribes.
func schemaForDoc(t testing.TB, doc []byte) string {
	t.Helper()
	ns, err := orcidtest.RootNamespace(doc)
	if err != nil {
		t.Fatal(err)
	}
	file, ok := orcidtest.SchemaFor(ns)
	if !ok {
		t.Fatalf("no schema for namespace %q", ns)
	}
	return file
}

// recordingTB captures failures so a test can assert that a helper fails.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// TestValidateXMLRejectsInvalid proves the validator is not a no-op: a
// work without its required type and with a blank title must be rejected,
// and a whitespace-padded dateTime too (libxml2 is that strict, which is why
// the model never emits one).
func TestValidateXMLRejectsInvalid(t *testing.T) {
	orcidtest.ModelDir(t) // the validator has nothing to check against without it
	tests := []struct {
		name, doc, want string
	}{
		{"missing type", `<work xmlns="http://www.orcid.org/ns/work"><title><title xmlns="http://www.orcid.org/ns/common">x</title></title></work>`, "type"},
		{"blank title", `<work xmlns="http://www.orcid.org/ns/work"><title><title xmlns="http://www.orcid.org/ns/common">  </title></title><type>book</type></work>`, "title"},
		{"padded date", `<work xmlns="http://www.orcid.org/ns/work"><created-date xmlns="http://www.orcid.org/ns/common">2001-12-31T12:00:00
		</created-date><title><title xmlns="http://www.orcid.org/ns/common">x</title></title><type>book</type></work>`, "created-date"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recordingTB{TB: t}
			orcidtest.ValidateXML(rec, "", []byte(tc.doc))
			if len(rec.errors) == 0 {
				t.Fatalf("invalid document accepted:\n%s", tc.doc)
			}
			if !strings.Contains(rec.errors[0], tc.want) {
				t.Errorf("error does not mention %q:\n%s", tc.want, rec.errors[0])
			}
		})
	}
	// And a valid one passes.
	rec := &recordingTB{TB: t}
	orcidtest.ValidateXML(rec, NSWork, []byte(`<work xmlns="http://www.orcid.org/ns/work"><title><title xmlns="http://www.orcid.org/ns/common">x</title></title><type>book</type></work>`))
	if len(rec.errors) > 0 {
		t.Errorf("valid document rejected: %s", rec.errors[0])
	}
}

// TestXSDPopulatedReadSide builds every read-side document from populated
// items, as the emulator will, and validates each against its schema.
func TestXSDPopulatedReadSide(t *testing.T) {
	const orcid = "0000-0002-1825-0097"
	items := populatedItems(orcid)
	rec := populatedRecord(t, orcid, items)

	docs := map[string]any{
		"record":           rec,
		"person":           rec.Person,
		"activities":       rec.ActivitiesSummary,
		"history":          rec.History,
		"preferences":      rec.Preferences,
		"personal-details": &PersonalDetails{Path: "/" + orcid + "/personal-details", Name: rec.Person.Name, OtherNames: rec.Person.OtherNames, Biography: rec.Person.Biography},
		"name":             rec.Person.Name,
		"biography":        rec.Person.Biography,
		"emails":           rec.Person.Emails,
		"email":            &rec.Person.Emails.Email[0],
		"error":            &ErrorBody{ResponseCode: 404, DeveloperMessage: "404 Not Found: The resource was not found.", UserMessage: "The resource was not found.", ErrorCode: 9016, MoreInfo: "https://members.orcid.org/api/resources/troubleshooting"},
		"bulk": &Bulk{Items: []BulkItem{
			{Work: items[0].(*Work)},
			{Error: &ErrorBody{ResponseCode: 409, DeveloperMessage: "duplicate", ErrorCode: 9021}},
		}},
	}
	for _, k := range Kinds() {
		var ofKind []Item
		for _, it := range items {
			if it.ItemKind() == k {
				ofKind = append(ofKind, it)
			}
		}
		sec, err := BuildSection(k, orcid, ofKind)
		if err != nil {
			t.Fatal(err)
		}
		docs["section "+string(k)] = sec
		docs["item "+string(k)] = ofKind[0]
		docs["summary "+string(k)] = SummaryOf(ofKind[0])
	}
	for name, v := range docs {
		t.Run(name, func(t *testing.T) {
			doc, err := EncodeXML(v)
			if err != nil {
				t.Fatalf("encode %T: %v", v, err)
			}
			validateXML(t, schemaForDoc(t, doc), doc)
		})
	}
}

// populatedItems returns one or more fully populated items of every kind,
// with two works sharing a DOI so that grouping has something to do.
func populatedItems(orcid string) []Item {
	src := NewClientSource(SandboxHost, "APP-0123456789ABCDEF", "Test Client")
	src.AssertionOriginOrcid = NewOrcidIdentifier(SandboxHost, orcid)
	src.AssertionOriginName = NewText("Josiah Carberry")
	created := time.Date(2024, 5, 1, 10, 11, 12, 345e6, time.UTC)
	org := &Organization{
		Name:                      "Brown University",
		Address:                   &OrganizationAddress{City: "Providence", Region: "RI", Country: "US"},
		DisambiguatedOrganization: &DisambiguatedOrganization{Identifier: "https://ror.org/05gq02987", Source: "ROR"},
	}
	doi := func(v, rel string) ExternalID {
		return ExternalID{Type: "doi", Value: v, URL: NewText("https://doi.org/" + v), Relationship: rel,
			Normalized: &TransientText{Value: strings.ToLower(v), Transient: true}}
	}
	grant := ExternalID{Type: "grant_number", Value: "G-1", Relationship: RelationshipSelf}
	var items []Item
	add := func(it Item, pc int64) {
		it.SetPutCode(pc)
		it.SetPath(it.ItemKind().ItemPath(orcid, pc))
		it.SetVisibility(VisibilityPublic)
		it.SetSource(src)
		it.SetDates(created, created.Add(time.Duration(pc)*time.Minute))
		items = append(items, it)
	}
	work := func(pc int64, ids ...ExternalID) *Work {
		return &Work{
			Title:            &Title{Title: NewText(fmt.Sprintf("Work %d", pc)), Subtitle: NewText("A subtitle"), TranslatedTitle: &TranslatedTitle{Value: "Titre", LanguageCode: "fr"}},
			JournalTitle:     NewText("Journal of Tests"),
			ShortDescription: "Short description.",
			Citation:         &Citation{Type: "bibtex", Value: "@article{x,\n  title={Work}\n}"},
			Type:             "journal-article",
			PublicationDate:  NewFuzzyDate(2023, 7, 4),
			ExternalIDs:      NewExternalIDs(ids...),
			URL:              NewText("https://example.org/work"),
			Contributors: &Contributors{Contributor: []Contributor{{
				ContributorOrcid:      NewOrcidIdentifier(SandboxHost, orcid),
				CreditName:            NewText("J. Carberry"),
				ContributorEmail:      NewText("josiah@example.org"),
				ContributorAttributes: &ContributorAttributes{Sequence: "first", Role: "author"},
			}}},
			LanguageCode: "en",
			Country:      &Country{Value: "US"},
		}
	}
	add(work(101, doi("10.1000/ABC", RelationshipSelf)), 101)
	add(work(102, doi("10.1000/abc", RelationshipSelf), ExternalID{Type: "issn", Value: "1234-5678", Relationship: RelationshipPartOf}), 102)
	add(work(103, ExternalID{Type: "isbn", Value: "9780000000002", Relationship: RelationshipSelf}), 103)
	add(&Funding{
		Type: "grant", OrganizationDefinedType: NewText("Seed grant"),
		Title:            &Title{Title: NewText("Grant"), TranslatedTitle: &TranslatedTitle{Value: "Subvention", LanguageCode: "fr"}},
		ShortDescription: "A grant.", Amount: &Amount{Value: "1000", CurrencyCode: "USD"},
		URL: NewText("https://example.org/grant"), StartDate: NewFuzzyDate(2020, 1, 0), EndDate: NewFuzzyDate(2022, 0, 0),
		ExternalIDs: NewExternalIDs(grant),
		Contributors: &Contributors{Contributor: []Contributor{{
			ContributorOrcid: NewOrcidIdentifier(SandboxHost, orcid), CreditName: NewText("J. Carberry"),
			ContributorAttributes: &ContributorAttributes{Role: "lead"},
		}}},
		Organization: org,
	}, 201)
	for i, k := range Kinds() {
		if !k.IsAffiliation() {
			continue
		}
		add(&Affiliation{Kind: k, DepartmentName: "Psychoceramics", RoleTitle: "Professor",
			StartDate: NewFuzzyDate(2000, 9, 1), EndDate: NewFuzzyDate(2010, 6, 30), Organization: org,
			URL: NewText("https://example.org/aff"), ExternalIDs: NewExternalIDs(grant)}, int64(300+i))
	}
	add(&PeerReview{
		ReviewerRole: "reviewer", ReviewIdentifiers: NewExternalIDs(ExternalID{Type: "source-work-id", Value: "R-1", Relationship: RelationshipSelf}),
		ReviewURL: NewText("https://example.org/review"), ReviewType: "review", ReviewCompletionDate: NewFuzzyDate(2021, 3, 2),
		ReviewGroupID: "issn:1234-5678", SubjectExternalIdentifier: &ExternalID{Type: "doi", Value: "10.1000/xyz", Relationship: RelationshipSelf},
		SubjectContainerName: NewText("Journal of Tests"), SubjectType: "journal-article",
		SubjectName: &Title{Title: NewText("Reviewed paper"), Subtitle: NewText("Sub")}, SubjectURL: NewText("https://example.org/paper"),
		ConveningOrganization: org,
	}, 401)
	add(&ResearchResource{
		Proposal: &Proposal{
			Title: NewTitle("Telescope time"), Hosts: &Hosts{Organization: []Organization{*org}},
			ExternalIDs: NewExternalIDs(ExternalID{Type: "proposal-id", Value: "P-1", Relationship: RelationshipSelf}),
			StartDate:   NewFuzzyDate(2022, 1, 1), EndDate: NewFuzzyDate(2022, 12, 31), URL: NewText("https://example.org/p"),
		},
		ResourceItems: []ResourceItem{{
			ResourceName: "Big telescope", ResourceType: "infrastructures", Hosts: &Hosts{Organization: []Organization{*org}},
			ExternalIDs: NewExternalIDs(ExternalID{Type: "rrid", Value: "RRID:1", Relationship: RelationshipSelf}), URL: NewText("https://example.org/t"),
		}},
	}, 501)
	idx := int64(0)
	add(&Keyword{DisplayIndex: &idx, Content: "psychoceramics"}, 601)
	add(&OtherName{DisplayIndex: &idx, Content: "Joe Carberry"}, 602)
	add(&ResearcherURL{DisplayIndex: &idx, URLName: "Home", URL: NewText("https://example.org/~jc")}, 603)
	add(&Address{DisplayIndex: &idx, Country: &Country{Value: "US"}}, 604)
	add(&PersonExternalIdentifier{DisplayIndex: &idx, ExternalID: ExternalID{Type: "Scopus Author ID", Value: "123", URL: NewText("https://scopus.example/123"), Relationship: RelationshipSelf}}, 605)
	return items
}

// populatedRecord assembles a full record around items.
func populatedRecord(t testing.TB, orcid string, items []Item) *Record {
	t.Helper()
	acts, err := BuildActivitiesSummary(orcid, items)
	if err != nil {
		t.Fatal(err)
	}
	person, err := BuildPerson(orcid, items)
	if err != nil {
		t.Fatal(err)
	}
	when := NewTimestamp(time.Date(2024, 5, 1, 10, 11, 12, 345e6, time.UTC))
	person.Name = &Name{Visibility: VisibilityPublic, Path: orcid, CreatedDate: when, LastModifiedDate: when,
		GivenNames: NewText("Josiah"), FamilyName: NewText("Carberry"), CreditName: NewText("J. S. Carberry")}
	person.Biography = &Biography{Visibility: VisibilityPublic, Path: "/" + orcid + "/biography", CreatedDate: when, LastModifiedDate: when, Content: "Psychoceramicist."}
	verified, primary := true, true
	person.Emails.Email = []Email{{ItemMeta: ItemMeta{PutCode: 1, Visibility: VisibilityPublic, CreatedDate: when, LastModifiedDate: when,
		Source: NewOrcidSource(SandboxHost, orcid, "Josiah Carberry")}, Verified: &verified, Primary: &primary, Email: "josiah@example.org"}}
	person.Emails.LastModifiedDate = when
	claimed := true
	return &Record{
		Path:            "/" + orcid,
		OrcidIdentifier: NewOrcidIdentifier(SandboxHost, orcid),
		Preferences:     &Preferences{Locale: "en"},
		History: &History{Visibility: VisibilityPrivate, CreationMethod: "Member-referred", CompletionDate: when, SubmissionDate: when,
			LastModifiedDate: when, Claimed: &claimed, VerifiedEmail: true, VerifiedPrimaryEmail: true},
		Person:            person,
		ActivitiesSummary: acts,
	}
}
