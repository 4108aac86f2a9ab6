package orcid

import (
	"encoding/json"
	"encoding/xml"
	"github.com/orcidlink/orcidlink/internal/orcid/orcidtest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestTimestampEncodings(t *testing.T) {
	ts := NewTimestamp(time.Date(2024, 5, 1, 12, 11, 12, 345678901, time.FixedZone("CEST", 2*3600)))
	x, err := xml.Marshal(struct {
		XMLName xml.Name   `xml:"x"`
		D       *Timestamp `xml:"http://www.orcid.org/ns/common created-date"`
	}{D: ts})
	if err != nil {
		t.Fatal(err)
	}
	if want := `<created-date xmlns="http://www.orcid.org/ns/common">2024-05-01T10:11:12.345Z</created-date>`; !strings.Contains(string(x), want) {
		t.Errorf("XML = %s, want it to contain %s", x, want)
	}
	j, err := json.Marshal(ts)
	if err != nil {
		t.Fatal(err)
	}
	if string(j) != `{"value":1714558272345}` {
		t.Errorf("JSON = %s", j)
	}

	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2001-12-31T12:00:00", time.Date(2001, 12, 31, 12, 0, 0, 0, time.UTC), true},
		{"2001-12-31T12:00:00\n\t\t", time.Date(2001, 12, 31, 12, 0, 0, 0, time.UTC), true},
		{"2017-01-18T13:32:45.500-06:00", time.Date(2017, 1, 18, 19, 32, 45, 500e6, time.UTC), true},
		{"2024-05-01T10:11:12.3456789Z", time.Date(2024, 5, 1, 10, 11, 12, 345e6, time.UTC), true},
		{"2024-05-01", time.Time{}, false},
		{"", time.Time{}, false},
		{"yesterday", time.Time{}, false},
	}
	for _, tc := range tests {
		var got Timestamp
		err := xml.Unmarshal([]byte(`<d>`+tc.in+`</d>`), &got)
		if (err == nil) != tc.ok {
			t.Errorf("XML %q: err = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && !got.Equal(tc.want) {
			t.Errorf("XML %q = %v, want %v", tc.in, got.Time, tc.want)
		}
	}

	jsonTests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{`{"value":1540896558250}`, time.UnixMilli(1540896558250), true},
		{`1540896558250`, time.UnixMilli(1540896558250), true},
		{`{"value":"2001-12-31T12:00:00Z"}`, time.Date(2001, 12, 31, 12, 0, 0, 0, time.UTC), true},
		{`{"value":"soon"}`, time.Time{}, false},
		{`{"value":1e30}`, time.Time{}, false},
		{`{"value":999999999999999999}`, time.Time{}, false},
		{`[]`, time.Time{}, false},
	}
	for _, tc := range jsonTests {
		var got Timestamp
		err := json.Unmarshal([]byte(tc.in), &got)
		if (err == nil) != tc.ok {
			t.Errorf("JSON %s: err = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && !got.Equal(tc.want) {
			t.Errorf("JSON %s = %v, want %v", tc.in, got.Time, tc.want)
		}
	}
}

func TestTextAcceptsBothJSONForms(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{`"https://example.com"`, "https://example.com", true},
		{`{"value":"https://example.com"}`, "https://example.com", true},
		{`{"value":null}`, "", true},
		{`{}`, "", true},
		{`2012`, "2012", true},
		{`{"value":"05"}`, "05", true},
		{`{"value":{"value":"x"}}`, "", false},
		{`["x"]`, "", false},
		{`tru`, "", false},
	}
	for _, tc := range tests {
		var got Text
		err := json.Unmarshal([]byte(tc.in), &got)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if got.Value != tc.want {
			t.Errorf("%s = %q, want %q", tc.in, got.Value, tc.want)
		}
	}
	// null for an optional field leaves it absent.
	var w Work
	if err := json.Unmarshal([]byte(`{"url":null,"journal-title":null,"citation":null,"country":null}`), &w); err != nil {
		t.Fatal(err)
	}
	if w.URL != nil || w.JournalTitle != nil || w.Citation != nil || w.Country != nil {
		t.Errorf("null fields were not left nil: %+v", w)
	}
}

func TestFuzzyDate(t *testing.T) {
	d := NewFuzzyDate(2012, 5, 0)
	if d.String() != "2012-05" || d.Day != "" {
		t.Errorf("NewFuzzyDate(2012,5,0) = %+v", d)
	}
	j, _ := json.Marshal(d)
	if string(j) != `{"year":{"value":"2012"},"month":{"value":"05"}}` {
		t.Errorf("JSON = %s", j)
	}
	var back FuzzyDate
	if err := json.Unmarshal([]byte(`{"year":{"value":"2012"},"month":{"value":"05"},"day":null}`), &back); err != nil || back != *d {
		t.Errorf("decode = %+v, %v", back, err)
	}
}

// TestXMLNamespaces checks the qualified names the model emits, including
// the contributor elements that take the namespace of their item.
func TestXMLNamespaces(t *testing.T) {
	contribs := &Contributors{Contributor: []Contributor{{CreditName: NewText("A"), ContributorAttributes: &ContributorAttributes{Role: "lead"}}}}
	tests := []struct {
		name string
		v    any
		path []xml.Name // root first, then the first descendant of each name
	}{
		{"work contributor", &Work{Title: NewTitle("t"), Type: "book", Contributors: contribs}, []xml.Name{
			{Space: NSWork, Local: "work"}, {Space: NSWork, Local: "contributors"}, {Space: NSWork, Local: "contributor"},
			{Space: NSWork, Local: "credit-name"}, {Space: NSWork, Local: "contributor-role"}}},
		{"funding contributor", &Funding{Type: "grant", Contributors: contribs}, []xml.Name{
			{Space: NSFunding, Local: "funding"}, {Space: NSFunding, Local: "contributors"}, {Space: NSFunding, Local: "contributor"},
			{Space: NSFunding, Local: "credit-name"}, {Space: NSFunding, Local: "contributor-role"}}},
		{"affiliation", &Affiliation{Kind: KindInvitedPosition, RoleTitle: "r"}, []xml.Name{
			{Space: NSInvitedPosition, Local: "invited-position"}, {Space: NSCommon, Local: "role-title"}}},
		{"resource items wrapper", &ResearchResource{ResourceItems: []ResourceItem{{ResourceName: "x"}}}, []xml.Name{
			{Space: NSResearchResource, Local: "research-resource"}, {Space: NSResearchResource, Local: "resource-items"},
			{Space: NSResearchResource, Local: "resource-item"}, {Space: NSResearchResource, Local: "resource-name"}}},
		{"person name", &Person{Name: &Name{GivenNames: NewText("J")}}, []xml.Name{
			{Space: NSPerson, Local: "person"}, {Space: NSPerson, Local: "name"}, {Space: NSPersonalDetails, Local: "given-names"}}},
		{"standalone name", &Name{GivenNames: NewText("J")}, []xml.Name{{Space: NSPersonalDetails, Local: "name"}}},
		{"bulk", &Bulk{Items: []BulkItem{{Error: &ErrorBody{ResponseCode: 400}}}}, []xml.Name{
			{Space: NSBulk, Local: "bulk"}, {Space: NSError, Local: "error"}, {Space: NSError, Local: "response-code"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := xml.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			var seen []xml.Name
			d := xml.NewDecoder(strings.NewReader(string(doc)))
			for {
				tok, err := d.Token()
				if err != nil {
					break
				}
				if se, ok := tok.(xml.StartElement); ok {
					seen = append(seen, se.Name)
				}
			}
			i := 0
			for _, n := range seen {
				if i < len(tc.path) && n == tc.path[i] {
					i++
				}
			}
			if i != len(tc.path) || seen[0] != tc.path[0] {
				t.Errorf("elements %v do not contain the sequence %v\n%s", seen, tc.path, doc)
			}
		})
	}
}

// TestXMLRootChecks covers the guard against a body of the wrong kind.
func TestXMLRootChecks(t *testing.T) {
	funding := []byte(`<funding xmlns="http://www.orcid.org/ns/funding"><type>grant</type></funding>`)
	if err := xml.Unmarshal(funding, new(Work)); err == nil {
		t.Error("a funding document decoded into a Work")
	}
	education := []byte(`<education xmlns="http://www.orcid.org/ns/education"><role-title xmlns="http://www.orcid.org/ns/common">r</role-title></education>`)
	emp := NewAffiliation(KindEmployment)
	if err := xml.Unmarshal(education, emp); err == nil {
		t.Error("an education document decoded into an employment")
	}
	var any Affiliation
	if err := xml.Unmarshal(education, &any); err != nil || any.Kind != KindEducation || any.RoleTitle != "r" {
		t.Errorf("education decode = %+v, %v", any, err)
	}
	if err := xml.Unmarshal([]byte(`<work>x</work>`), new(Work)); err == nil {
		t.Error("a work without namespace was accepted")
	}
	if _, err := xml.Marshal(&Affiliation{}); err == nil {
		t.Error("an affiliation without kind was encoded")
	}
	if _, err := xml.Marshal(&Bulk{Items: []BulkItem{{}}}); err == nil {
		t.Error("an empty bulk item was encoded")
	}
}

// TestAffiliationGroupJSON checks the kind-wrapped summaries of the JSON
// form and that the kind survives the trip.
func TestAffiliationGroupJSON(t *testing.T) {
	g := AffiliationGroup{Summaries: []AffiliationSummary{{Kind: KindService, RoleTitle: "chair"}}}
	b, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"external-ids":{"external-id":[]},"summaries":[{"service-summary":{"role-title":"chair"}}]}`; string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
	var back AffiliationGroup
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Summaries) != 1 || back.Summaries[0].Kind != KindService || back.Summaries[0].RoleTitle != "chair" {
		t.Errorf("decoded %+v", back)
	}
	if err := json.Unmarshal([]byte(`{"summaries":[{"work-summary":{}}]}`), &back); err == nil {
		t.Error("a work summary was accepted in an affiliation group")
	}
	var sec Affiliations
	if err := json.Unmarshal([]byte(`{"affiliation-group":[`+string(b)+`]}`), &sec); err != nil || sec.Kind != KindService {
		t.Errorf("section kind = %q, %v", sec.Kind, err)
	}
}

func TestKindTable(t *testing.T) {
	singular := map[ItemKind]string{
		KindWork: "work", KindFunding: "funding", KindEmployment: "employment", KindEducation: "education",
		KindDistinction: "distinction", KindInvitedPosition: "invited-position", KindMembership: "membership",
		KindQualification: "qualification", KindService: "service", KindPeerReview: "peer-review",
		KindResearchResource: "research-resource", KindKeyword: "keywords", KindResearcherURL: "researcher-urls",
		KindOtherName: "other-names", KindExternalIdentifier: "external-identifiers", KindAddress: "address",
	}
	if len(Kinds()) != len(singular) {
		t.Fatalf("Kinds() = %v, want %d kinds", Kinds(), len(singular))
	}
	for _, k := range Kinds() {
		t.Run(string(k), func(t *testing.T) {
			info, ok := k.Info()
			if !ok || info.Path != singular[k] {
				t.Fatalf("Info(%s) = %+v, %v; want path %q", k, info, ok, singular[k])
			}
			if got, ok := KindForPath(info.Path, false); !ok || got != k {
				t.Errorf("KindForPath(%q) = %q", info.Path, got)
			}
			if got, ok := KindForPath(info.SectionPath, true); !ok || got != k {
				t.Errorf("KindForPath(%q, section) = %q", info.SectionPath, got)
			}
			wantScope := "/activities/update"
			if info.Person {
				wantScope = "/person/update"
				if info.SectionPath != info.Path {
					t.Errorf("person item section path %q != path %q", info.SectionPath, info.Path)
				}
			} else if info.SectionPath == info.Path {
				t.Errorf("activity section path equals item path %q", info.Path)
			}
			if info.WriteScope != wantScope || k.IsPerson() != info.Person || k.IsActivity() == info.Person {
				t.Errorf("scope/category wrong: %+v", info)
			}
			item := NewItem(k)
			if item == nil || item.ItemKind() != k {
				t.Fatalf("NewItem(%s) = %T", k, item)
			}
			if got, ok := KindForElement(info.Element); !ok || got != k {
				t.Errorf("KindForElement(%v) = %q", info.Element, got)
			}
			// The element must be declared by the schema named in the table,
			// and an empty item must marshal to it.
			xsd, err := os.ReadFile(filepath.Join(orcidtest.ModelDir(t), info.Schema))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(xsd), `targetNamespace="`+info.Element.Space+`"`) {
				t.Errorf("%s does not target %s", info.Schema, info.Element.Space)
			}
			if !strings.Contains(string(xsd), `name="`+info.Element.Local+`"`) {
				t.Errorf("%s does not declare %s", info.Schema, info.Element.Local)
			}
			doc, err := xml.Marshal(item)
			if err != nil {
				t.Fatal(err)
			}
			want := `<` + info.Element.Local + ` xmlns="` + info.Element.Space + `"`
			if !strings.HasPrefix(string(doc), want) {
				t.Errorf("empty item marshals as %s, want prefix %s", doc, want)
			}
			if got := k.ItemPath("0000-0002-1825-0097", 12); got != "/0000-0002-1825-0097/"+info.Path+"/12" {
				t.Errorf("ItemPath = %q", got)
			}
			if SummaryOf(item) == nil {
				t.Errorf("SummaryOf(%T) = nil", item)
			}
		})
	}
	if NewItem("bogus") != nil || ItemKind("works").Valid() {
		t.Error("unknown kinds are accepted")
	}
	if _, ok := KindForPath("works", false); ok {
		t.Error("a section path was accepted as an item path")
	}
}

func TestVocabulariesSorted(t *testing.T) {
	lists := map[string][]string{
		"WorkTypes": WorkTypes, "CitationTypes": CitationTypes, "Relationships": Relationships,
		"ContributorSequences": ContributorSequences, "ContributorRoles": ContributorRoles,
		"CreditContributorRoles": CreditContributorRoles, "FundingContributorRoles": FundingContributorRoles,
		"FundingTypes": FundingTypes, "PeerReviewRoles": PeerReviewRoles, "PeerReviewTypes": PeerReviewTypes,
		"PeerReviewSubjectTypes": PeerReviewSubjectTypes, "ResearchResourceTypes": ResearchResourceTypes,
		"DisambiguationSources": DisambiguationSources, "Visibilities": Visibilities, "ExternalIDTypes": ExternalIDTypes,
	}
	for name, l := range lists {
		if len(l) == 0 || !sort.StringsAreSorted(l) {
			t.Errorf("%s is empty or not sorted", name)
		}
		for i := 1; i < len(l); i++ {
			if l[i] == l[i-1] {
				t.Errorf("%s has duplicate %q", name, l[i])
			}
		}
	}
	if !IsOneOf(WorkTypes, "journal-article") || IsOneOf(WorkTypes, "journal") || !IsOneOf(PeerReviewSubjectTypes, "research-resource-proposal") {
		t.Error("IsOneOf gives wrong answers")
	}
}

func TestGrouping(t *testing.T) {
	doi := func(v string) ExternalID { return ExternalID{Type: "doi", Value: v, Relationship: RelationshipSelf} }
	ws := func(pc int64, ids ...ExternalID) WorkSummary {
		return WorkSummary{ItemMeta: ItemMeta{PutCode: pc, LastModifiedDate: NewTimestamp(time.UnixMilli(pc * 1000))}, ExternalIDs: NewExternalIDs(ids...)}
	}
	issn := ExternalID{Type: "issn", Value: "1234-5678", Relationship: RelationshipPartOf}
	norm := ExternalID{Type: "doi", Value: "10.1/A", Relationship: RelationshipSelf, Normalized: &TransientText{Value: "10.1/a", Transient: true}}
	tests := []struct {
		name string
		in   []WorkSummary
		want [][]int64
	}{
		{"shared self id", []WorkSummary{ws(1, doi("a")), ws(2, doi("a")), ws(3, doi("b"))}, [][]int64{{1, 2}, {3}}},
		{"part-of never groups", []WorkSummary{ws(1, doi("a"), issn), ws(2, doi("b"), issn)}, [][]int64{{1}, {2}}},
		{"transitive", []WorkSummary{ws(1, doi("a")), ws(2, doi("b")), ws(3, doi("a"), doi("b"))}, [][]int64{{1, 2, 3}}},
		{"normalized value", []WorkSummary{ws(1, norm), ws(2, doi("10.1/a"))}, [][]int64{{1, 2}}},
		{"no ids", []WorkSummary{ws(1), ws(2)}, [][]int64{{1}, {2}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			groups := GroupWorkSummaries(tc.in)
			var got [][]int64
			for _, g := range groups {
				var pcs []int64
				for _, s := range g.Summaries {
					pcs = append(pcs, s.PutCode)
				}
				got = append(got, pcs)
				last := g.Summaries[len(g.Summaries)-1].LastModifiedDate
				for _, s := range g.Summaries {
					last = latest(last, s.LastModifiedDate)
				}
				if !reflect.DeepEqual(g.LastModifiedDate, last) {
					t.Errorf("group last-modified %v, want %v", g.LastModifiedDate, last)
				}
				for _, id := range g.ExternalIDs.ExternalID {
					if !id.Groupable() {
						t.Errorf("group lists non-groupable id %+v", id)
					}
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("groups = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestGroupPeerReviews(t *testing.T) {
	pr := func(pc int64, group, id string) PeerReviewSummary {
		return PeerReviewSummary{ItemMeta: ItemMeta{PutCode: pc}, ReviewGroupID: group,
			ExternalIDs: NewExternalIDs(ExternalID{Type: "source-work-id", Value: id, Relationship: RelationshipSelf})}
	}
	groups := GroupPeerReviewSummaries([]PeerReviewSummary{pr(1, "issn:1", "r1"), pr(2, "issn:2", "r2"), pr(3, "issn:1", "r1"), pr(4, "issn:1", "r3")})
	if len(groups) != 2 {
		t.Fatalf("got %d groups, want 2", len(groups))
	}
	g := groups[0]
	if id := g.ExternalIDs.ExternalID; len(id) != 1 || id[0].Type != "peer-review" || id[0].Value != "issn:1" {
		t.Errorf("group id = %+v", id)
	}
	if len(g.Duplicates) != 2 || len(g.Duplicates[0].Summaries) != 2 || len(g.Duplicates[1].Summaries) != 1 {
		t.Errorf("duplicates = %+v", g.Duplicates)
	}
}

func TestBuildSectionRejectsOtherKinds(t *testing.T) {
	if _, err := BuildSection(KindWork, "", []Item{&Funding{}}); err == nil {
		t.Error("a funding was accepted in the works section")
	}
	if _, err := BuildSection("nope", "", nil); err == nil {
		t.Error("an unknown kind was accepted")
	}
	sec, err := BuildSection(KindKeyword, "0000-0002-1825-0097", []Item{&Keyword{Content: "a"}, &Keyword{Content: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	kw := sec.(*Keywords)
	if kw.Path != "/0000-0002-1825-0097/keywords" || len(kw.Keyword) != 2 {
		t.Errorf("keywords section = %+v", kw)
	}
}

func TestItemAccessors(t *testing.T) {
	for _, k := range Kinds() {
		it := NewItem(k)
		it.SetPutCode(7)
		it.SetPath("/p")
		it.SetVisibility(VisibilityLimited)
		src := NewClientSource(SandboxHost, "APP-0123456789ABCDEF", "c")
		it.SetSource(src)
		now := time.Date(2024, 1, 2, 3, 4, 5, 6e6, time.UTC)
		it.SetDates(now, now.Add(time.Second))
		if it.GetPutCode() != 7 || it.GetPath() != "/p" || it.GetVisibility() != VisibilityLimited ||
			it.GetSource().SourcePath() != "APP-0123456789ABCDEF" || !it.GetCreatedDate().Equal(now) ||
			!it.GetLastModifiedDate().Equal(now.Add(time.Second)) {
			t.Errorf("%s: accessors do not round-trip", k)
		}
		// Everything set through the interface must survive both encodings.
		j, err := json.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		back := NewItem(k)
		if err := json.Unmarshal(j, back); err != nil || !reflect.DeepEqual(it, back) {
			t.Errorf("%s: JSON round trip lost data: %v\n%s", k, err, j)
		}
		x, err := xml.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		back = NewItem(k)
		if err := xml.Unmarshal(x, back); err != nil || !reflect.DeepEqual(it, back) {
			t.Errorf("%s: XML round trip lost data: %v\n%s", k, err, x)
		}
	}
}
