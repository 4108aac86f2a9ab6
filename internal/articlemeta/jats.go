package articlemeta

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// The JATS contributor block, after JATS 1.3 (ANSI/NISO Z39.96-2021) as
// its Journal Publishing tag set declares it:
//
//   - <contrib-group> holds one <contrib contrib-type="author"> per
//     contributor, in the article's order (JATS4R "Authors and
//     affiliations": contrib-type must be "author" for an author);
//   - <contrib-id contrib-id-type="orcid" authenticated="true"> holds the
//     iD as a URI (tag library, contrib-id: @authenticated is "true" or
//     "false", default "false"; JATS4R: the full https://orcid.org/ URI);
//   - a person's name is <name> with <surname> then <given-names>, or
//     <given-names> alone with name-style="given-only" (tag library, name);
//     a name orcidlink cannot split is <string-name>;
//   - each CRediT role is a <role> with @vocab="credit",
//     @vocab-identifier, @vocab-term (CRediT's own wording) and
//     @vocab-term-identifier (the role's URI), after JATS4R's "CRediT
//     taxonomy" recommendation 1.2 (https URIs at credit.niso.org).
//
// Sources: the JATS tag library, https://jats.nlm.nih.gov/publishing/tag-library/1.3/
// (element/contrib-id.html, element/name.html, element/role.html);
// https://jats4r.org/credit-taxonomy; JATS4R's "Authors and affiliations".
//
// The document is the block alone (<contrib-group> as its root, no
// DOCTYPE), to be placed in a JATS article's <article-meta>; the XSD form
// of JATS declares every element globally, so the block validates by
// itself (internal/articlemeta tests check it against the schema).

type jatsContribGroup struct {
	XMLName  xml.Name      `xml:"contrib-group"`
	Contribs []jatsContrib `xml:"contrib"`
}

type jatsContrib struct {
	Type       string         `xml:"contrib-type,attr"`
	ID         *jatsContribID `xml:"contrib-id,omitempty"`
	Name       *jatsName      `xml:"name,omitempty"`
	StringName string         `xml:"string-name,omitempty"`
	Roles      []jatsRole     `xml:"role"`
}

type jatsContribID struct {
	Type          string `xml:"contrib-id-type,attr"`
	Authenticated string `xml:"authenticated,attr,omitempty"`
	Value         string `xml:",chardata"`
}

type jatsName struct {
	Style      string `xml:"name-style,attr,omitempty"`
	Surname    string `xml:"surname,omitempty"`
	GivenNames string `xml:"given-names,omitempty"`
}

type jatsRole struct {
	Vocab               string `xml:"vocab,attr"`
	VocabIdentifier     string `xml:"vocab-identifier,attr"`
	VocabTerm           string `xml:"vocab-term,attr"`
	VocabTermIdentifier string `xml:"vocab-term-identifier,attr"`
	Value               string `xml:",chardata"`
}

// creditVocabulary is CRediT's identifier as JATS4R's recommendation
// writes it in @vocab-identifier.
const creditVocabulary = "https://credit.niso.org/"

// creditTerms are CRediT's 14 terms (ANSI/NISO Z39.104-2022), by the last
// segment of their URI, in the taxonomy's own wording.
var creditTerms = map[string]string{
	"conceptualization":      "Conceptualization",
	"data-curation":          "Data curation",
	"formal-analysis":        "Formal analysis",
	"funding-acquisition":    "Funding acquisition",
	"investigation":          "Investigation",
	"methodology":            "Methodology",
	"project-administration": "Project administration",
	"resources":              "Resources",
	"software":               "Software",
	"supervision":            "Supervision",
	"validation":             "Validation",
	"visualization":          "Visualization",
	"writing-original-draft": "Writing – original draft",
	"writing-review-editing": "Writing – review & editing",
}

// creditRole is the JATS <role> of a CRediT role URI (ORCID's form,
// http://credit.niso.org/contributor-roles/NAME/, or the https one). ok
// is false for anything else.
func creditRole(uri string) (jatsRole, bool) {
	rest, found := strings.CutPrefix(uri, "http://credit.niso.org/contributor-roles/")
	if !found {
		rest, found = strings.CutPrefix(uri, "https://credit.niso.org/contributor-roles/")
	}
	name := strings.TrimSuffix(rest, "/")
	term, ok := creditTerms[name]
	if !found || !ok {
		return jatsRole{}, false
	}
	return jatsRole{Vocab: "credit", VocabIdentifier: creditVocabulary, VocabTerm: term,
		VocabTermIdentifier: creditVocabulary + "contributor-roles/" + name + "/", Value: term}, true
}

// JATS writes the contributors as a JATS 1.3 <contrib-group> (see above).
// A role that is not a CRediT URI is an error: the journal workflow takes
// no other (journal.CheckArticle).
func JATS(cs []Contributor) ([]byte, error) {
	if len(cs) == 0 {
		return nil, ErrNoContributors
	}
	g := jatsContribGroup{Contribs: make([]jatsContrib, 0, len(cs))}
	for i, c := range cs {
		jc := jatsContrib{Type: "author"}
		if c.ORCID != "" {
			jc.ID = &jatsContribID{Type: "orcid", Value: idURI(c)}
			if c.Authenticated {
				jc.ID.Authenticated = "true"
			}
		}
		given, family := collapse(c.GivenNames), collapse(c.FamilyNames)
		switch {
		case !c.Person():
			jc.StringName = collapse(c.Name)
		case family == "":
			jc.Name = &jatsName{Style: "given-only", GivenNames: given}
		default:
			jc.Name = &jatsName{Surname: family, GivenNames: given}
		}
		for _, r := range c.Roles {
			role, ok := creditRole(r)
			if !ok {
				return nil, fmt.Errorf("articlemeta: contributor %d: role %q is not a CRediT role", i+1, r)
			}
			jc.Roles = append(jc.Roles, role)
		}
		g.Contribs = append(g.Contribs, jc)
	}
	return marshal(g)
}

// marshal is v as an indented XML document with its declaration.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("articlemeta: %w", err)
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
