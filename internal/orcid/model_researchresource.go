package orcid

import "encoding/xml"

var (
	xnResearchResource        = xml.Name{Space: NSResearchResource, Local: "research-resource"}
	xnResearchResourceSummary = xml.Name{Space: NSResearchResource, Local: "research-resource-summary"}
	xnResearchResources       = xml.Name{Space: NSActivities, Local: "research-resources"}
)

// ResearchResource is a full research-resource item: a proposal (what was
// granted) and the resources used under it.
//
// In XML the items sit in a research-resource:resource-items wrapper; in
// JSON (JAXB's wrapper is ignored by Jackson) they form a bare
// "resource-item" array.
type ResearchResource struct {
	ItemMeta
	DisplayIndex  string         `xml:"display-index,attr,omitempty" json:"display-index,omitempty"`
	Proposal      *Proposal      `xml:"http://www.orcid.org/ns/research-resource proposal,omitempty" json:"proposal,omitempty"`
	ResourceItems []ResourceItem `xml:"http://www.orcid.org/ns/research-resource resource-items>resource-item" json:"resource-item,omitempty"`
}

// MarshalXML names the root research-resource:research-resource.
func (r ResearchResource) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain ResearchResource
	return e.EncodeElement(plain(r), xmlRoot(start, xnResearchResource))
}

// UnmarshalXML accepts only a research-resource:research-resource element.
func (r *ResearchResource) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnResearchResource); err != nil {
		return err
	}
	type plain ResearchResource
	return d.DecodeElement((*plain)(r), &start)
}

// ItemKind returns KindResearchResource.
func (r *ResearchResource) ItemKind() ItemKind { return KindResearchResource }

// GetExternalIDs returns the proposal's identifiers, the ones ORCID groups
// and checks duplicates by.
func (r *ResearchResource) GetExternalIDs() []ExternalID {
	if r.Proposal == nil {
		return nil
	}
	return r.Proposal.ExternalIDs.list()
}

// DisplayTitle returns the proposal title.
func (r *ResearchResource) DisplayTitle() string {
	if r.Proposal == nil {
		return ""
	}
	return r.Proposal.Title.String()
}

// Summary derives the research-resource-summary (the proposal only); it
// shares pointers with r.
func (r *ResearchResource) Summary() ResearchResourceSummary {
	return ResearchResourceSummary{ItemMeta: r.ItemMeta, DisplayIndex: r.DisplayIndex, Proposal: r.Proposal}
}

// Proposal is research-resource:proposal.
type Proposal struct {
	Title       *Title       `xml:"http://www.orcid.org/ns/research-resource title,omitempty" json:"title,omitempty"`
	Hosts       *Hosts       `xml:"http://www.orcid.org/ns/research-resource hosts,omitempty" json:"hosts,omitempty"`
	ExternalIDs *ExternalIDs `xml:"http://www.orcid.org/ns/common external-ids,omitempty" json:"external-ids,omitempty"`
	StartDate   *FuzzyDate   `xml:"http://www.orcid.org/ns/common start-date,omitempty" json:"start-date,omitempty"`
	EndDate     *FuzzyDate   `xml:"http://www.orcid.org/ns/common end-date,omitempty" json:"end-date,omitempty"`
	URL         *Text        `xml:"http://www.orcid.org/ns/common url,omitempty" json:"url,omitempty"`
}

// Hosts lists the organisations (1 to 10) hosting a proposal or resource.
type Hosts struct {
	Organization []Organization `xml:"http://www.orcid.org/ns/common organization" json:"organization,omitempty"`
}

// ResourceItem is research-resource:resource-item.
type ResourceItem struct {
	ResourceName string       `xml:"http://www.orcid.org/ns/research-resource resource-name,omitempty" json:"resource-name,omitempty"`
	ResourceType string       `xml:"http://www.orcid.org/ns/research-resource resource-type,omitempty" json:"resource-type,omitempty"`
	Hosts        *Hosts       `xml:"http://www.orcid.org/ns/research-resource hosts,omitempty" json:"hosts,omitempty"`
	ExternalIDs  *ExternalIDs `xml:"http://www.orcid.org/ns/common external-ids,omitempty" json:"external-ids,omitempty"`
	URL          *Text        `xml:"http://www.orcid.org/ns/common url,omitempty" json:"url,omitempty"`
}

// ResearchResourceSummary is research-resource:research-resource-summary.
type ResearchResourceSummary struct {
	ItemMeta
	DisplayIndex string    `xml:"display-index,attr,omitempty" json:"display-index,omitempty"`
	Proposal     *Proposal `xml:"http://www.orcid.org/ns/research-resource proposal,omitempty" json:"proposal,omitempty"`
}

// MarshalXML names the root research-resource:research-resource-summary.
func (r ResearchResourceSummary) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain ResearchResourceSummary
	return e.EncodeElement(plain(r), xmlRoot(start, xnResearchResourceSummary))
}

// UnmarshalXML accepts only a research-resource-summary element.
func (r *ResearchResourceSummary) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnResearchResourceSummary); err != nil {
		return err
	}
	type plain ResearchResourceSummary
	return d.DecodeElement((*plain)(r), &start)
}

// ResearchResources is the /research-resources section
// (activities:research-resources).
type ResearchResources struct {
	Path             string                  `xml:"path,attr,omitempty" json:"path,omitempty"`
	LastModifiedDate *Timestamp              `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	Groups           []ResearchResourceGroup `xml:"http://www.orcid.org/ns/activities group" json:"group,omitempty"`
}

// MarshalXML names the root activities:research-resources.
func (r ResearchResources) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain ResearchResources
	return e.EncodeElement(plain(r), xmlRoot(start, xnResearchResources))
}

// UnmarshalXML accepts only an activities:research-resources element.
func (r *ResearchResources) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnResearchResources); err != nil {
		return err
	}
	type plain ResearchResources
	return d.DecodeElement((*plain)(r), &start)
}

// ResearchResourceGroup is one activities:group of research-resource
// summaries.
type ResearchResourceGroup struct {
	LastModifiedDate *Timestamp                `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	ExternalIDs      ExternalIDs               `xml:"http://www.orcid.org/ns/common external-ids" json:"external-ids"`
	Summaries        []ResearchResourceSummary `xml:"http://www.orcid.org/ns/research-resource research-resource-summary" json:"research-resource-summary,omitempty"`
}
