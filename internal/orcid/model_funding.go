package orcid

import "encoding/xml"

var (
	xnFunding        = xml.Name{Space: NSFunding, Local: "funding"}
	xnFundingSummary = xml.Name{Space: NSFunding, Local: "funding-summary"}
	xnFundings       = xml.Name{Space: NSActivities, Local: "fundings"}
)

// Funding is a full funding item (funding:funding).
type Funding struct {
	ItemMeta
	DisplayIndex            string        `xml:"display-index,attr,omitempty" json:"display-index,omitempty"`
	Type                    string        `xml:"http://www.orcid.org/ns/funding type,omitempty" json:"type,omitempty"`
	OrganizationDefinedType *Text         `xml:"http://www.orcid.org/ns/funding organization-defined-type,omitempty" json:"organization-defined-type,omitempty"`
	Title                   *Title        `xml:"http://www.orcid.org/ns/funding title,omitempty" json:"title,omitempty"`
	ShortDescription        string        `xml:"http://www.orcid.org/ns/funding short-description,omitempty" json:"short-description,omitempty"`
	Amount                  *Amount       `xml:"http://www.orcid.org/ns/funding amount,omitempty" json:"amount,omitempty"`
	URL                     *Text         `xml:"http://www.orcid.org/ns/common url,omitempty" json:"url,omitempty"`
	StartDate               *FuzzyDate    `xml:"http://www.orcid.org/ns/common start-date,omitempty" json:"start-date,omitempty"`
	EndDate                 *FuzzyDate    `xml:"http://www.orcid.org/ns/common end-date,omitempty" json:"end-date,omitempty"`
	ExternalIDs             *ExternalIDs  `xml:"http://www.orcid.org/ns/common external-ids,omitempty" json:"external-ids,omitempty"`
	Contributors            *Contributors `xml:"http://www.orcid.org/ns/funding contributors,omitempty" json:"contributors,omitempty"`
	Organization            *Organization `xml:"http://www.orcid.org/ns/common organization,omitempty" json:"organization,omitempty"`
}

// MarshalXML names the root funding:funding.
func (f Funding) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain Funding
	return e.EncodeElement(plain(f), xmlRoot(start, xnFunding))
}

// UnmarshalXML accepts only a funding:funding element.
func (f *Funding) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnFunding); err != nil {
		return err
	}
	type plain Funding
	return d.DecodeElement((*plain)(f), &start)
}

// ItemKind returns KindFunding.
func (f *Funding) ItemKind() ItemKind { return KindFunding }

// GetExternalIDs returns the funding's identifiers.
func (f *Funding) GetExternalIDs() []ExternalID { return f.ExternalIDs.list() }

// DisplayTitle returns the funding title.
func (f *Funding) DisplayTitle() string { return f.Title.String() }

// Summary derives the funding-summary listed under /fundings; it shares
// pointers with f.
func (f *Funding) Summary() FundingSummary {
	return FundingSummary{
		ItemMeta:     f.ItemMeta,
		DisplayIndex: f.DisplayIndex,
		Title:        f.Title,
		ExternalIDs:  f.ExternalIDs,
		URL:          f.URL,
		Type:         f.Type,
		StartDate:    f.StartDate,
		EndDate:      f.EndDate,
		Organization: f.Organization,
	}
}

// FundingSummary is funding:funding-summary.
type FundingSummary struct {
	ItemMeta
	DisplayIndex string        `xml:"display-index,attr,omitempty" json:"display-index,omitempty"`
	Title        *Title        `xml:"http://www.orcid.org/ns/funding title,omitempty" json:"title,omitempty"`
	ExternalIDs  *ExternalIDs  `xml:"http://www.orcid.org/ns/common external-ids,omitempty" json:"external-ids,omitempty"`
	URL          *Text         `xml:"http://www.orcid.org/ns/common url,omitempty" json:"url,omitempty"`
	Type         string        `xml:"http://www.orcid.org/ns/funding type,omitempty" json:"type,omitempty"`
	StartDate    *FuzzyDate    `xml:"http://www.orcid.org/ns/common start-date,omitempty" json:"start-date,omitempty"`
	EndDate      *FuzzyDate    `xml:"http://www.orcid.org/ns/common end-date,omitempty" json:"end-date,omitempty"`
	Organization *Organization `xml:"http://www.orcid.org/ns/common organization,omitempty" json:"organization,omitempty"`
}

// MarshalXML names the root funding:funding-summary.
func (f FundingSummary) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain FundingSummary
	return e.EncodeElement(plain(f), xmlRoot(start, xnFundingSummary))
}

// UnmarshalXML accepts only a funding:funding-summary element.
func (f *FundingSummary) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnFundingSummary); err != nil {
		return err
	}
	type plain FundingSummary
	return d.DecodeElement((*plain)(f), &start)
}

// Fundings is the /fundings section (activities:fundings).
type Fundings struct {
	Path             string         `xml:"path,attr,omitempty" json:"path,omitempty"`
	LastModifiedDate *Timestamp     `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	Groups           []FundingGroup `xml:"http://www.orcid.org/ns/activities group" json:"group,omitempty"`
}

// MarshalXML names the root activities:fundings.
func (f Fundings) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain Fundings
	return e.EncodeElement(plain(f), xmlRoot(start, xnFundings))
}

// UnmarshalXML accepts only an activities:fundings element.
func (f *Fundings) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnFundings); err != nil {
		return err
	}
	type plain Fundings
	return d.DecodeElement((*plain)(f), &start)
}

// FundingGroup is one activities:group of funding summaries.
type FundingGroup struct {
	LastModifiedDate *Timestamp       `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	ExternalIDs      ExternalIDs      `xml:"http://www.orcid.org/ns/common external-ids" json:"external-ids"`
	Summaries        []FundingSummary `xml:"http://www.orcid.org/ns/funding funding-summary" json:"funding-summary,omitempty"`
}
