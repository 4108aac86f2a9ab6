package api_test

import (
	"encoding/xml"
	"strconv"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// jatsGroup and crossrefContributors read back what the two downloads
// hold, per contributor in order.
type jatsGroup struct {
	Contribs []struct {
		ID *struct {
			Auth string `xml:"authenticated,attr"`
			V    string `xml:",chardata"`
		} `xml:"contrib-id"`
		Surname    string   `xml:"name>surname"`
		Given      string   `xml:"name>given-names"`
		StringName string   `xml:"string-name"`
		Roles      []string `xml:"role"`
	} `xml:"contrib"`
}

type crossrefContributors struct {
	XMLName xml.Name `xml:"http://www.crossref.org/schema/5.3.1 contributors"`
	People  []struct {
		Seq     string `xml:"sequence,attr"`
		Given   string `xml:"given_name"`
		Surname string `xml:"surname"`
		ORCID   *struct {
			Auth string `xml:"authenticated,attr"`
			V    string `xml:",chardata"`
		} `xml:"ORCID"`
	} `xml:"person_name"`
}

// contributorsXML downloads one format of an article's contributors.
func contributorsXML(t *testing.T, c *client, key, format string, into any) {
	t.Helper()
	a := c.do("GET", "/articles/"+key+"/contributors."+format+".xml", nil)
	if a.status != 200 || a.header.Get("Content-Type") != "application/xml; charset=utf-8" ||
		!strings.Contains(a.header.Get("Content-Disposition"), "contributors."+format+".xml") {
		t.Fatalf("%s of %s: %d %s %s\n%s", format, key, a.status, a.header.Get("Content-Type"),
			a.header.Get("Content-Disposition"), a.body)
	}
	if err := xml.Unmarshal(a.body, into); err != nil {
		t.Fatalf("%s: %v\n%s", format, err, a.body)
	}
}

// TestContributorsXML: only the iD a person authenticated through
// orcidlink (at the offline registry) is marked authenticated, in both
// formats; people who never connected, and co-authors named only, carry no
// iD; the order and roles are the article's; another tenant sees nothing.
func TestContributorsXML(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{rate: 1000, burst: 1000})
	c := e.client(t, e.keyA)
	person := func(body map[string]any) string {
		t.Helper()
		p := c.want(201, "POST", "/people", body)
		return strconv.FormatInt(int64(p["id"].(float64)), 10)
	}
	ada := person(map[string]any{"given_names": "Ada", "family_names": "Lovelace", "email": "ada@example.org"})
	josiah := person(map[string]any{"given_names": "Josiah", "family_names": "Carberry", "email": "josiah@example.org"})
	hostile := person(map[string]any{"given_names": `<b>"Eve"</b>`, "family_names": `O'Neil & Sons ]]>`,
		"email": "eve@example.org"})
	inv := c.want(201, "POST", "/people/"+josiah+"/invitations", map[string]any{"send_email": false})
	e.connect(t, inv["url"].(string))

	credit := "http://credit.niso.org/contributor-roles/"
	num := func(id string) int64 { n, _ := strconv.ParseInt(id, 10, 64); return n }
	c.want(201, "POST", "/articles", map[string]any{"key": "a-1", "title": "On Engines", "contributors": []map[string]any{
		{"person_id": num(ada), "roles": []string{credit + "software/"}},
		{"name": "The Analytical Society"},
		{"person_id": num(josiah), "roles": []string{credit + "conceptualization/", credit + "writing-original-draft/"}},
		{"person_id": num(hostile)},
	}})
	key := "a-1"

	id := "https://orcid.org/" + e.reg.Researcher.ORCID
	var j jatsGroup
	contributorsXML(t, c, key, "jats", &j)
	if len(j.Contribs) != 4 {
		t.Fatalf("JATS has %d contributors: %+v", len(j.Contribs), j)
	}
	if j.Contribs[0].ID != nil || j.Contribs[1].ID != nil || j.Contribs[3].ID != nil {
		t.Errorf("an iD on a contributor who never authenticated one: %+v", j)
	}
	if ci := j.Contribs[2].ID; ci == nil || ci.Auth != "true" || ci.V != id {
		t.Errorf("the connected person's iD: %+v, want %s authenticated", ci, id)
	}
	if j.Contribs[0].Surname != "Lovelace" || j.Contribs[1].StringName != "The Analytical Society" ||
		j.Contribs[2].Given != "Josiah" || j.Contribs[3].Given != `<b>"Eve"</b>` || j.Contribs[3].Surname != `O'Neil & Sons ]]>` {
		t.Errorf("names or order: %+v", j)
	}
	if strings.Join(j.Contribs[2].Roles, "|") != "Conceptualization|Writing – original draft" || len(j.Contribs[0].Roles) != 1 {
		t.Errorf("roles: %+v", j)
	}

	var cr crossrefContributors
	contributorsXML(t, c, key, "crossref", &cr)
	if len(cr.People) != 4 || cr.People[0].Seq != "first" || cr.People[1].Seq != "additional" || cr.People[3].Seq != "additional" {
		t.Fatalf("Crossref order: %+v", cr)
	}
	if o := cr.People[2].ORCID; o == nil || o.Auth != "true" || o.V != id {
		t.Errorf("the connected person's ORCID: %+v", o)
	}
	if cr.People[0].ORCID != nil || cr.People[1].ORCID != nil || cr.People[1].Surname != "The Analytical Society" {
		t.Errorf("Crossref: %+v", cr)
	}

	// Revoked by the researcher: the iD was still proved theirs.
	l, err := e.st.LinkByORCID(e.ctx, e.a.ID, orcid.ID(e.reg.Researcher.ORCID))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.st.MarkLinkRevoked(e.ctx, l.ID, "test"); err != nil {
		t.Fatal(err)
	}
	contributorsXML(t, c, key, "jats", &j)
	if ci := j.Contribs[2].ID; ci == nil || ci.Auth != "true" {
		t.Errorf("after revocation: %+v", ci)
	}
	// Removed (disconnected): the iD is forgotten, so it is not written.
	if err := e.st.RemoveLink(e.ctx, e.a.ID, l.ID, "test"); err != nil {
		t.Fatal(err)
	}
	cr = crossrefContributors{}
	contributorsXML(t, c, key, "crossref", &cr)
	if cr.People[2].ORCID != nil {
		t.Errorf("a removed link's iD is still written: %+v", cr.People[2])
	}

	// Another tenant's key sees no such article; an unknown one is 404.
	for _, f := range []string{"jats", "crossref"} {
		if a := e.client(t, e.keyB).do("GET", "/articles/"+key+"/contributors."+f+".xml", nil); a.status != 404 ||
			strings.Contains(string(a.body), "Lovelace") {
			t.Errorf("tenant B reads tenant A's %s: %d %s", f, a.status, a.body)
		}
		if a := c.do("GET", "/articles/none/contributors."+f+".xml", nil); a.status != 404 {
			t.Errorf("unknown article: %d", a.status)
		}
	}

	// A name Crossref's schema refuses is a problem naming the contributor;
	// JATS takes it.
	long := person(map[string]any{"family_names": strings.Repeat("x", 61), "email": "long@example.org"})
	c.want(201, "POST", "/articles", map[string]any{"key": "a2", "title": "Long",
		"contributors": []map[string]any{{"name": "First"}, {"person_id": num(long)}}})
	p := c.want(422, "GET", "/articles/a2/contributors.crossref.xml", nil)
	if errs, _ := p["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["pointer"] != "/contributors/1" {
		t.Errorf("problem %v", p)
	}
	contributorsXML(t, c, "a2", "jats", &jatsGroup{})
}
