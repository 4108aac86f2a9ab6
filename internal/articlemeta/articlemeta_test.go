package articlemeta

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

const (
	credit = "http://credit.niso.org/contributor-roles/"
	idA    = orcid.ID("0000-0002-1825-0097")
	idB    = orcid.ID("0000-0001-5109-3700")
)

// sample has every kind of contributor, in an order the output must keep.
func sample() []Contributor {
	return []Contributor{
		{GivenNames: "Josiah", FamilyNames: "Carberry", ORCID: idA, ORCIDURI: "https://orcid.org/" + string(idA),
			Authenticated: true, Roles: []string{credit + "conceptualization/", credit + "writing-review-editing/"}},
		{GivenNames: "Ada", FamilyNames: "Lovelace"}, // a person who never connected
		{Name: "The Example Consortium"},             // named only
		// An iD from an older system, never authenticated.
		{GivenNames: "Hint", FamilyNames: "Only", ORCID: idB, ORCIDURI: "https://orcid.org/" + string(idB)},
		// A mononym, authenticated on an offline registry.
		{GivenNames: "Plato", ORCID: idB, ORCIDURI: "http://127.0.0.1:8081/" + string(idB), Authenticated: true},
	}
}

// parsed is what a test reads back from either format, per contributor.
type parsed struct {
	id            string
	authenticated string // the attribute as written; "" when absent
	given, family string
	stringName    string
	seq           string   // Crossref's sequence
	roles         []string // JATS: vocab-term-identifier|vocab-term|text
}

func parseJATS(t *testing.T, doc []byte) []parsed {
	t.Helper()
	var g struct {
		XMLName  xml.Name `xml:"contrib-group"`
		Contribs []struct {
			Type string `xml:"contrib-type,attr"`
			ID   *struct {
				Type string `xml:"contrib-id-type,attr"`
				Auth string `xml:"authenticated,attr"`
				V    string `xml:",chardata"`
			} `xml:"contrib-id"`
			Name *struct {
				Style   string `xml:"name-style,attr"`
				Surname string `xml:"surname"`
				Given   string `xml:"given-names"`
			} `xml:"name"`
			StringName string `xml:"string-name"`
			Roles      []struct {
				Vocab, VocabID, Term, TermID string `xml:",attr"`
				V                            string `xml:",chardata"`
			} `xml:"role"`
		} `xml:"contrib"`
	}
	if err := xml.Unmarshal(doc, &g); err != nil {
		t.Fatalf("JATS is not XML: %v\n%s", err, doc)
	}
	// Role attributes have hyphenated names: read them by hand.
	roles := jatsRoles(t, doc)
	var out []parsed
	for i, c := range g.Contribs {
		if c.Type != "author" {
			t.Errorf("contrib %d: contrib-type %q", i+1, c.Type)
		}
		p := parsed{stringName: c.StringName, roles: roles[i]}
		if c.ID != nil {
			if c.ID.Type != "orcid" {
				t.Errorf("contrib %d: contrib-id-type %q", i+1, c.ID.Type)
			}
			p.id, p.authenticated = c.ID.V, c.ID.Auth
		}
		if c.Name != nil {
			p.given, p.family = c.Name.Given, c.Name.Surname
		}
		out = append(out, p)
	}
	return out
}

// jatsRoles lists each contrib's roles as identifier|term|text.
func jatsRoles(t *testing.T, doc []byte) [][]string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var out [][]string
	var role []string
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch el := tok.(type) {
		case xml.StartElement:
			switch el.Name.Local {
			case "contrib":
				out = append(out, nil)
			case "role":
				attrs := map[string]string{}
				for _, a := range el.Attr {
					attrs[a.Name.Local] = a.Value
				}
				if attrs["vocab"] != "credit" || attrs["vocab-identifier"] != "https://credit.niso.org/" {
					t.Errorf("role attributes %v", attrs)
				}
				role = []string{attrs["vocab-term-identifier"], attrs["vocab-term"]}
			}
		case xml.CharData:
			if role != nil {
				role = append(role, string(el))
			}
		case xml.EndElement:
			if el.Name.Local == "role" {
				out[len(out)-1] = append(out[len(out)-1], strings.Join(role, "|"))
				role = nil
			}
		}
	}
	return out
}

func parseCrossref(t *testing.T, doc []byte) []parsed {
	t.Helper()
	var c struct {
		XMLName xml.Name `xml:"http://www.crossref.org/schema/5.3.1 contributors"`
		People  []struct {
			Seq   string `xml:"sequence,attr"`
			Role  string `xml:"contributor_role,attr"`
			Given string `xml:"given_name"`
			Sur   string `xml:"surname"`
			ORCID *struct {
				Auth string `xml:"authenticated,attr"`
				V    string `xml:",chardata"`
			} `xml:"ORCID"`
		} `xml:"person_name"`
	}
	if err := xml.Unmarshal(doc, &c); err != nil {
		t.Fatalf("Crossref is not XML in its namespace: %v\n%s", err, doc)
	}
	var out []parsed
	for i, p := range c.People {
		if p.Role != "author" {
			t.Errorf("person_name %d: contributor_role %q", i+1, p.Role)
		}
		q := parsed{given: p.Given, family: p.Sur, seq: p.Seq}
		if p.ORCID != nil {
			q.id, q.authenticated = p.ORCID.V, p.ORCID.Auth
		}
		out = append(out, q)
	}
	return out
}

func TestJATS(t *testing.T) {
	doc, err := JATS(sample())
	if err != nil {
		t.Fatal(err)
	}
	got := parseJATS(t, doc)
	want := []parsed{
		{id: "https://orcid.org/" + string(idA), authenticated: "true", given: "Josiah", family: "Carberry", roles: []string{
			"https://credit.niso.org/contributor-roles/conceptualization/|Conceptualization|Conceptualization",
			"https://credit.niso.org/contributor-roles/writing-review-editing/|Writing – review & editing|Writing – review & editing"}},
		{given: "Ada", family: "Lovelace"},
		{stringName: "The Example Consortium"},
		{id: "https://orcid.org/" + string(idB), given: "Hint", family: "Only"},
		{id: "https://orcid.org/" + string(idB), authenticated: "true", given: "Plato"},
	}
	comparePeople(t, "JATS", got, want)
	if !bytes.Contains(doc, []byte(`<name name-style="given-only">`)) {
		t.Errorf("a mononym is not given-only:\n%s", doc)
	}
}

func TestCrossref(t *testing.T) {
	doc, err := Crossref(sample())
	if err != nil {
		t.Fatal(err)
	}
	got := parseCrossref(t, doc)
	want := []parsed{
		{seq: "first", id: "https://orcid.org/" + string(idA), authenticated: "true", given: "Josiah", family: "Carberry"},
		{seq: "additional", given: "Ada", family: "Lovelace"},
		{seq: "additional", family: "The Example Consortium"},
		{seq: "additional", id: "https://orcid.org/" + string(idB), given: "Hint", family: "Only"},
		{seq: "additional", id: "https://orcid.org/" + string(idB), authenticated: "true", family: "Plato"},
	}
	comparePeople(t, "Crossref", got, want)
}

func comparePeople(t *testing.T, format string, got, want []parsed) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d contributors, want %d: %+v", format, len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.id != w.id || g.authenticated != w.authenticated || g.given != w.given || g.family != w.family ||
			g.stringName != w.stringName || g.seq != w.seq || strings.Join(g.roles, "\n") != strings.Join(w.roles, "\n") {
			t.Errorf("%s contributor %d:\n got %+v\nwant %+v", format, i+1, g, w)
		}
	}
}

func hostile() []Contributor {
	return []Contributor{
		{GivenNames: `<script>alert("x")</script>`, FamilyNames: `O'Brien & "Sons" ]]>`},
		{Name: `</string-name><contrib contrib-type="editor">`},
		{GivenNames: "  Ana \t María ", FamilyNames: "de la\nCruz", ORCID: idA, ORCIDURI: "https://orcid.org/" + string(idA),
			Authenticated: true},
		{FamilyNames: "李", GivenNames: "小龍"},
	}
}

// TestHostileNames: names are text, whatever they hold, in both formats
// (TestPublishedSchemas validates these documents).
func TestHostileNames(t *testing.T) {
	jats, err := JATS(hostile())
	if err != nil {
		t.Fatal(err)
	}
	got := parseJATS(t, jats)
	if len(got) != 4 || got[0].given != `<script>alert("x")</script>` || got[0].family != `O'Brien & "Sons" ]]>` ||
		got[1].stringName != `</string-name><contrib contrib-type="editor">` || got[2].given != "Ana María" ||
		got[2].family != "de la Cruz" || got[3].family != "李" {
		t.Errorf("JATS names changed: %+v\n%s", got, jats)
	}
	if bytes.Contains(jats, []byte("<script>")) || bytes.Count(jats, []byte("<contrib ")) != 4 {
		t.Errorf("markup in names leaked into the document:\n%s", jats)
	}

	cr, err := Crossref(hostile())
	if err != nil {
		t.Fatal(err)
	}
	gotCR := parseCrossref(t, cr)
	if len(gotCR) != 4 || gotCR[0].given != `<script>alert("x")</script>` || gotCR[1].family != `</string-name><contrib contrib-type="editor">` {
		t.Errorf("Crossref names changed: %+v\n%s", gotCR, cr)
	}
}

// TestCrossrefRefusesWhatItsSchemaRefuses: a name Crossref's schema does
// not accept is an error naming the contributor, never an invalid deposit.
func TestCrossrefRefusesWhatItsSchemaRefuses(t *testing.T) {
	long := strings.Repeat("é", MaxCrossrefName+1)
	for _, tc := range []struct {
		name    string
		c       Contributor
		element string
	}{
		{"surname over 60 characters", Contributor{GivenNames: "A", FamilyNames: long}, "surname"},
		{"given name over 60 characters", Contributor{GivenNames: long, FamilyNames: "B"}, "given_name"},
		{"named only, over 60 characters", Contributor{Name: long}, "surname"},
		{"digits around a space", Contributor{FamilyNames: "1 2"}, "surname"},
		{"question marks only", Contributor{GivenNames: "A", FamilyNames: "??"}, "surname"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Crossref([]Contributor{{FamilyNames: "Fine"}, tc.c})
			var ne *NameError
			if !errors.As(err, &ne) || !errors.Is(err, ErrNotDepositable) || ne.Contributor != 2 || ne.Element != tc.element {
				t.Fatalf("err = %v, want a NameError for contributor 2's %s", err, tc.element)
			}
		})
	}
	// At the limit, and with digits inside a name, it is accepted (and
	// TestPublishedSchemas shows the schema agrees).
	if _, err := Crossref(atTheLimit()); err != nil {
		t.Fatal(err)
	}
}

func atTheLimit() []Contributor {
	return []Contributor{{GivenNames: strings.Repeat("é", MaxCrossrefName), FamilyNames: "Smith 3rd"}}
}

// TestPublishedSchemas validates what this package writes against the
// published schemas (see schemas_test.go), and shows the validation is not
// vacuous: what the schemas forbid, and this package must never write, is
// refused, including the names Crossref() refuses.
func TestPublishedSchemas(t *testing.T) {
	s := schemas(t)
	must := func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	jats, cr := must(JATS(sample())), must(Crossref(sample()))
	swap := func(doc []byte, from, to string) []byte {
		t.Helper()
		bad := bytes.Replace(doc, []byte(from), []byte(to), 1)
		if bytes.Equal(bad, doc) {
			t.Fatalf("%q is not in the document", from)
		}
		return bad
	}
	crossrefName := func(given, surname string) []byte {
		doc := `<contributors xmlns="` + CrossrefNS + `"><person_name sequence="first" contributor_role="author">`
		if given != "" {
			doc += "<given_name>" + given + "</given_name>"
		}
		return []byte(doc + "<surname>" + surname + "</surname></person_name></contributors>")
	}
	long := strings.Repeat("é", MaxCrossrefName+1)
	for _, tc := range []struct {
		name, schema string
		valid, bad   map[string][]byte
	}{
		{"JATS", s.jats, map[string][]byte{"sample": jats, "hostile": must(JATS(hostile()))}, map[string][]byte{
			"authenticated-yes":  swap(jats, `authenticated="true"`, `authenticated="yes"`),
			"given-then-surname": swap(jats, "<surname>Lovelace</surname>\n      <given-names>Ada</given-names>", "<given-names>Ada</given-names><surname>Lovelace</surname>"),
			"no-contrib":         []byte("<contrib-group/>"),
		}},
		{"Crossref", s.crossref, map[string][]byte{"sample": cr, "hostile": must(Crossref(hostile())),
			"at-the-limit": must(Crossref(atTheLimit())),
			// The hand-made documents below fail for their names alone.
			"hand-made": crossrefName("A", "B")}, map[string][]byte{
			"authenticated-yes": swap(cr, `authenticated="true"`, `authenticated="yes"`),
			"sequence-numbered": swap(cr, `sequence="first"`, `sequence="1"`),
			"sandbox-id":        swap(cr, `https://orcid.org/`, `https://sandbox.orcid.org/`),
			"no-surname":        swap(cr, `<surname>Lovelace</surname>`, ``),
			"long-surname":      crossrefName("A", long),
			"long-given-name":   crossrefName(long, "B"),
			"digits-surname":    crossrefName("", "1 2"),
			"question-marks":    crossrefName("A", "??"),
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			docs := map[string][]byte{}
			for n, d := range tc.valid {
				docs["valid-"+n] = d
			}
			for n, d := range tc.bad {
				docs["bad-"+n] = d
			}
			got, msgs := s.xmllint(t, tc.schema, docs)
			for n := range tc.valid {
				if !got["valid-"+n] {
					t.Errorf("%s is not valid:\n%s\n--- document ---\n%s", n, msgs, tc.valid[n])
				}
			}
			for n := range tc.bad {
				if got["bad-"+n] {
					t.Errorf("%s is accepted:\n%s", n, tc.bad[n])
				}
			}
		})
	}
}

func TestNoContributors(t *testing.T) {
	if _, err := JATS(nil); !errors.Is(err, ErrNoContributors) {
		t.Errorf("JATS: %v", err)
	}
	if _, err := Crossref(nil); !errors.Is(err, ErrNoContributors) {
		t.Errorf("Crossref: %v", err)
	}
}

func TestJATSRefusesOtherRoles(t *testing.T) {
	if _, err := JATS([]Contributor{{FamilyNames: "X", Roles: []string{"author"}}}); err == nil {
		t.Error("a role that is not CRediT's was written")
	}
	for name := range creditTerms {
		if _, ok := creditRole(credit + name + "/"); !ok {
			t.Errorf("%s not known", name)
		}
	}
	if len(creditTerms) != len(orcid.CreditContributorRoles) {
		t.Errorf("%d CRediT terms, ORCID knows %d roles", len(creditTerms), len(orcid.CreditContributorRoles))
	}
	for _, r := range orcid.CreditContributorRoles {
		if _, ok := creditRole(r); !ok {
			t.Errorf("ORCID's CRediT role %s has no JATS term", r)
		}
	}
}

func TestIDURI(t *testing.T) {
	for uri, want := range map[string]string{
		"https://orcid.org/" + string(idA):         "https://orcid.org/" + string(idA),
		"https://sandbox.orcid.org/" + string(idA): "https://sandbox.orcid.org/" + string(idA),
		"http://127.0.0.1:8081/" + string(idA):     "https://orcid.org/" + string(idA),
		"https://evil.example/" + string(idA):      "https://orcid.org/" + string(idA),
		"https://orcid.org/" + string(idB):         "https://orcid.org/" + string(idA), // not this iD's
	} {
		if got := idURI(Contributor{ORCID: idA, ORCIDURI: uri}); got != want {
			t.Errorf("idURI(%s) = %s, want %s", uri, got, want)
		}
	}
}
