package orcid

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"sort"
	"strings"
)

// Affiliation is any of the seven affiliation items (employment, education,
// distinction, invited-position, membership, qualification, service). They
// share one schema type (common:affiliation) and differ only in the root
// element, which Kind decides. Kind is not part of either encoding: JSON
// bodies do not say which kind they are (the URL does), so create the value
// with NewAffiliation or NewItem before decoding JSON into it. XML decoding
// sets Kind from the root element and rejects a root of another kind.
type Affiliation struct {
	Kind ItemKind `xml:"-" json:"-"`
	ItemMeta
	DisplayIndex   string        `xml:"display-index,attr,omitempty" json:"display-index,omitempty"`
	DepartmentName string        `xml:"http://www.orcid.org/ns/common department-name,omitempty" json:"department-name,omitempty"`
	RoleTitle      string        `xml:"http://www.orcid.org/ns/common role-title,omitempty" json:"role-title,omitempty"`
	StartDate      *FuzzyDate    `xml:"http://www.orcid.org/ns/common start-date,omitempty" json:"start-date,omitempty"`
	EndDate        *FuzzyDate    `xml:"http://www.orcid.org/ns/common end-date,omitempty" json:"end-date,omitempty"`
	Organization   *Organization `xml:"http://www.orcid.org/ns/common organization,omitempty" json:"organization,omitempty"`
	URL            *Text         `xml:"http://www.orcid.org/ns/common url,omitempty" json:"url,omitempty"`
	ExternalIDs    *ExternalIDs  `xml:"http://www.orcid.org/ns/common external-ids,omitempty" json:"external-ids,omitempty"`
}

// NewAffiliation returns an empty affiliation of the given kind.
func NewAffiliation(kind ItemKind) *Affiliation { return &Affiliation{Kind: kind} }

// MarshalXML names the root after Kind (e.g. employment:employment).
func (a Affiliation) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	info, err := affiliationInfo(a.Kind)
	if err != nil {
		return err
	}
	type plain Affiliation
	start.Name = info.Element
	return e.EncodeElement(plain(a), start)
}

// UnmarshalXML accepts the root of any affiliation kind and records it in
// Kind; if Kind was already set, a root of another kind is an error.
func (a *Affiliation) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	k, err := affiliationKindOf(start.Name, a.Kind, func(i KindInfo) xml.Name { return i.Element })
	if err != nil {
		return err
	}
	type plain Affiliation
	if err := d.DecodeElement((*plain)(a), &start); err != nil {
		return err
	}
	a.Kind = k
	return nil
}

// ItemKind returns the affiliation's kind.
func (a *Affiliation) ItemKind() ItemKind { return a.Kind }

// GetExternalIDs returns the affiliation's identifiers.
func (a *Affiliation) GetExternalIDs() []ExternalID { return a.ExternalIDs.list() }

// DisplayTitle returns "role-title, organisation" (or whichever is present).
func (a *Affiliation) DisplayTitle() string {
	var parts []string
	if a.RoleTitle != "" {
		parts = append(parts, a.RoleTitle)
	}
	if a.Organization != nil && a.Organization.Name != "" {
		parts = append(parts, a.Organization.Name)
	}
	return strings.Join(parts, ", ")
}

// Summary derives the affiliation summary; the schema gives summary and
// item the same content.
func (a *Affiliation) Summary() AffiliationSummary { return AffiliationSummary(*a) }

// AffiliationSummary is <kind>:<kind>-summary (e.g.
// employment:employment-summary). Its content is that of Affiliation; only
// the element name differs.
type AffiliationSummary Affiliation

// MarshalXML names the root after Kind (e.g. employment:employment-summary).
func (a AffiliationSummary) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	info, err := affiliationInfo(a.Kind)
	if err != nil {
		return err
	}
	type plain AffiliationSummary
	start.Name = info.SummaryElement
	return e.EncodeElement(plain(a), start)
}

// UnmarshalXML accepts the summary root of any affiliation kind and records
// it in Kind.
func (a *AffiliationSummary) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	k, err := affiliationKindOf(start.Name, a.Kind, func(i KindInfo) xml.Name { return i.SummaryElement })
	if err != nil {
		return err
	}
	type plain AffiliationSummary
	if err := d.DecodeElement((*plain)(a), &start); err != nil {
		return err
	}
	a.Kind = k
	return nil
}

// Affiliations is the section of one affiliation kind, e.g. /employments
// (activities:employments).
type Affiliations struct {
	Kind             ItemKind           `xml:"-" json:"-"`
	Path             string             `xml:"path,attr,omitempty" json:"path,omitempty"`
	LastModifiedDate *Timestamp         `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	Groups           []AffiliationGroup `xml:"http://www.orcid.org/ns/activities affiliation-group" json:"affiliation-group,omitempty"`
}

// MarshalXML names the root after Kind (activities:employments, ...) unless
// the value sits in a tagged field of ActivitiesSummary.
func (a Affiliations) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if start.Name.Space == "" {
		info, err := affiliationInfo(a.Kind)
		if err != nil {
			return err
		}
		start.Name = info.SectionElement
	}
	type plain Affiliations
	return e.EncodeElement(plain(a), start)
}

// UnmarshalXML accepts the section root of any affiliation kind and records
// it in Kind.
func (a *Affiliations) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	k, err := affiliationKindOf(start.Name, a.Kind, func(i KindInfo) xml.Name { return i.SectionElement })
	if err != nil {
		return err
	}
	type plain Affiliations
	if err := d.DecodeElement((*plain)(a), &start); err != nil {
		return err
	}
	a.Kind = k
	return nil
}

// UnmarshalJSON infers Kind from the summaries when it was not preset,
// since the JSON section itself does not name its kind.
func (a *Affiliations) UnmarshalJSON(b []byte) error {
	type plain Affiliations
	if err := json.Unmarshal(b, (*plain)(a)); err != nil {
		return err
	}
	if a.Kind == "" {
		for _, g := range a.Groups {
			for _, s := range g.Summaries {
				if s.Kind != "" {
					a.Kind = s.Kind
					return nil
				}
			}
		}
	}
	return nil
}

// AffiliationGroup is one activities:affiliation-group. In XML the summaries
// are direct children named after their kind; in JSON they sit in a
// "summaries" array of single-key objects such as {"employment-summary": {...}}.
type AffiliationGroup struct {
	LastModifiedDate *Timestamp           `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty"`
	ExternalIDs      ExternalIDs          `xml:"http://www.orcid.org/ns/common external-ids"`
	Summaries        []AffiliationSummary `xml:",any"`
}

type affiliationGroupJSON struct {
	LastModifiedDate *Timestamp                       `json:"last-modified-date,omitempty"`
	ExternalIDs      ExternalIDs                      `json:"external-ids"`
	Summaries        []map[string]*AffiliationSummary `json:"summaries,omitempty"`
}

// MarshalJSON writes the summaries wrapped by kind, as ORCID does.
func (g AffiliationGroup) MarshalJSON() ([]byte, error) {
	out := affiliationGroupJSON{LastModifiedDate: g.LastModifiedDate, ExternalIDs: g.ExternalIDs}
	for i := range g.Summaries {
		s := &g.Summaries[i]
		if _, err := affiliationInfo(s.Kind); err != nil {
			return nil, err
		}
		out.Summaries = append(out.Summaries, map[string]*AffiliationSummary{string(s.Kind) + "-summary": s})
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the kind of each summary from its wrapper key.
func (g *AffiliationGroup) UnmarshalJSON(b []byte) error {
	var in affiliationGroupJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*g = AffiliationGroup{LastModifiedDate: in.LastModifiedDate, ExternalIDs: in.ExternalIDs}
	for _, wrapper := range in.Summaries {
		keys := make([]string, 0, len(wrapper))
		for k := range wrapper {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, key := range keys {
			s := wrapper[key]
			if s == nil {
				continue
			}
			k := ItemKind(strings.TrimSuffix(key, "-summary"))
			if !k.IsAffiliation() || !strings.HasSuffix(key, "-summary") {
				return fmt.Errorf("orcid: unexpected affiliation summary key %q", key)
			}
			s.Kind = k
			g.Summaries = append(g.Summaries, *s)
		}
	}
	return nil
}

func affiliationInfo(k ItemKind) (KindInfo, error) {
	if !k.IsAffiliation() {
		return KindInfo{}, fmt.Errorf("orcid: affiliation kind %q is not one of the seven affiliation kinds", k)
	}
	info, _ := k.Info()
	return info, nil
}

// affiliationKindOf finds the affiliation kind whose element (as chosen by
// pick) is name, and checks it against a preset kind.
func affiliationKindOf(name xml.Name, preset ItemKind, pick func(KindInfo) xml.Name) (ItemKind, error) {
	for _, info := range kindTable {
		if info.Kind.IsAffiliation() && pick(info) == name {
			if preset != "" && preset != info.Kind {
				return "", fmt.Errorf("orcid: got a %s element where a %s was expected", info.Kind, preset)
			}
			return info.Kind, nil
		}
	}
	return "", fmt.Errorf("orcid: {%s}%s is not an affiliation element", name.Space, name.Local)
}
