package articlemeta

import (
	"encoding/xml"
	"errors"
	"fmt"
	"regexp"
	"unicode/utf8"
)

// The Crossref contributor block, after Crossref's deposit schema 5.3.1
// (crossref5.3.1.xsd; Crossref's "Authors and editors" guide):
//
//   - <contributors> holds <person_name> and <organization> elements in
//     the order the work lists its contributors: systems using Crossref's
//     metadata take that order for display, and the first one carries
//     sequence="first", every other sequence="additional" (numbering is
//     not allowed); contributor_role is required, "author" here;
//   - <person_name> holds <given_name>? then <surname> (required), then
//     <ORCID>: "If an author has a single name, the name should be
//     included in <surname>";
//   - given_name and surname are 1 to 60 characters after white space is
//     collapsed, and match [^\d\?]*[^\?\s]+[^\d]* (the schema's pattern);
//   - <ORCID authenticated="true">https://orcid.org/NNNN-NNNN-NNNN-NNNX</ORCID>:
//     orcid_t admits only orcid.org URIs, and authenticated is an
//     xsd:boolean defaulting to false.
//
// Sources: https://www.crossref.org/schemas/crossref5.3.1.xsd (with
// common5.3.1.xsd) and https://support.crossref.org/hc/en-us/articles/214567746
// ("Authors and editors").
//
// The document is the block alone, in Crossref's namespace, to be placed in
// a deposit's <journal_article>; the schema declares <contributors>
// globally, so the block validates by itself (the tests check it).

// CrossrefNS is the namespace of Crossref's deposit schema 5.3.1.
const CrossrefNS = "http://www.crossref.org/schema/5.3.1"

// MaxCrossrefName is the most characters Crossref's schema allows in a
// given_name or a surname.
const MaxCrossrefName = 60

type crossrefContributors struct {
	XMLName xml.Name             `xml:"http://www.crossref.org/schema/5.3.1 contributors"`
	People  []crossrefPersonName `xml:"person_name"`
}

type crossrefPersonName struct {
	Sequence  string         `xml:"sequence,attr"`
	Role      string         `xml:"contributor_role,attr"`
	GivenName string         `xml:"given_name,omitempty"`
	Surname   string         `xml:"surname"`
	ORCID     *crossrefORCID `xml:"ORCID,omitempty"`
}

type crossrefORCID struct {
	Authenticated string `xml:"authenticated,attr,omitempty"`
	Value         string `xml:",chardata"`
}

// crossrefNamePattern is the schema's pattern for given_name and surname,
// anchored as XML Schema patterns are. XML Schema's \d is any Unicode
// decimal digit and its \s is XML's four white-space characters.
var crossrefNamePattern = regexp.MustCompile(`^[^\p{Nd}?]*[^?\x20\t\n\r]+[^\p{Nd}]*$`)

// ErrNotDepositable is what a NameError is: a contributor's name that
// Crossref's schema does not accept, so that no valid deposit can carry it
// as recorded.
var ErrNotDepositable = errors.New("not accepted by Crossref's deposit schema")

// NameError says which contributor's name Crossref's schema refuses, and
// why. It is ErrNotDepositable.
type NameError struct {
	Contributor int    // 1-based, in the article's order
	Element     string // given_name or surname
	Reason      string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("contributor %d: %s %s", e.Contributor, e.Element, e.Reason)
}

func (e *NameError) Is(target error) bool { return target == ErrNotDepositable }

// checkCrossrefName checks a collapsed name against the schema's facets.
func checkCrossrefName(i int, element, name string) error {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return &NameError{Contributor: i, Element: element, Reason: "is empty"}
	case n > MaxCrossrefName:
		return &NameError{Contributor: i, Element: element,
			Reason: fmt.Sprintf("has %d characters; Crossref allows at most %d", n, MaxCrossrefName)}
	case !crossrefNamePattern.MatchString(name):
		return &NameError{Contributor: i, Element: element,
			Reason: `does not match the pattern Crossref's schema sets for names, [^\d\?]*[^\?\s]+[^\d]* (digits on both sides of a space, say)`}
	}
	return nil
}

// Crossref writes the contributors as Crossref 5.3.1 <contributors> (see
// above). A co-author named only goes in <surname> whole, since orcidlink
// does not know how the name splits. A name the schema refuses is a
// *NameError (ErrNotDepositable) rather than a document Crossref would
// reject.
func Crossref(cs []Contributor) ([]byte, error) {
	if len(cs) == 0 {
		return nil, ErrNoContributors
	}
	doc := crossrefContributors{People: make([]crossrefPersonName, 0, len(cs))}
	for i, c := range cs {
		p := crossrefPersonName{Sequence: "additional", Role: "author"}
		if i == 0 {
			p.Sequence = "first"
		}
		given, family := collapse(c.GivenNames), collapse(c.FamilyNames)
		switch {
		case !c.Person():
			p.Surname = collapse(c.Name)
		case family == "":
			p.Surname = given // a mononym
		default:
			p.GivenName, p.Surname = given, family
		}
		if p.GivenName != "" {
			if err := checkCrossrefName(i+1, "given_name", p.GivenName); err != nil {
				return nil, err
			}
		}
		if err := checkCrossrefName(i+1, "surname", p.Surname); err != nil {
			return nil, err
		}
		if c.ORCID != "" {
			p.ORCID = &crossrefORCID{Value: orcidURL(c.ORCID)}
			if c.Authenticated {
				p.ORCID.Authenticated = "true"
			}
		}
		doc.People = append(doc.People, p)
	}
	return marshal(doc)
}
