package orcid

import "encoding/xml"

var (
	xnPeerReview        = xml.Name{Space: NSPeerReview, Local: "peer-review"}
	xnPeerReviewSummary = xml.Name{Space: NSPeerReview, Local: "peer-review-summary"}
	xnPeerReviews       = xml.Name{Space: NSActivities, Local: "peer-reviews"}
)

// PeerReview is a full peer-review item (peer-review:peer-review).
type PeerReview struct {
	ItemMeta
	DisplayIndex              string        `xml:"display-index,attr,omitempty" json:"display-index,omitempty"`
	ReviewerRole              string        `xml:"http://www.orcid.org/ns/peer-review reviewer-role,omitempty" json:"reviewer-role,omitempty"`
	ReviewIdentifiers         *ExternalIDs  `xml:"http://www.orcid.org/ns/peer-review review-identifiers,omitempty" json:"review-identifiers,omitempty"`
	ReviewURL                 *Text         `xml:"http://www.orcid.org/ns/peer-review review-url,omitempty" json:"review-url,omitempty"`
	ReviewType                string        `xml:"http://www.orcid.org/ns/peer-review review-type,omitempty" json:"review-type,omitempty"`
	ReviewCompletionDate      *FuzzyDate    `xml:"http://www.orcid.org/ns/peer-review review-completion-date,omitempty" json:"review-completion-date,omitempty"`
	ReviewGroupID             string        `xml:"http://www.orcid.org/ns/peer-review review-group-id,omitempty" json:"review-group-id,omitempty"`
	SubjectExternalIdentifier *ExternalID   `xml:"http://www.orcid.org/ns/peer-review subject-external-identifier,omitempty" json:"subject-external-identifier,omitempty"`
	SubjectContainerName      *Text         `xml:"http://www.orcid.org/ns/peer-review subject-container-name,omitempty" json:"subject-container-name,omitempty"`
	SubjectType               string        `xml:"http://www.orcid.org/ns/peer-review subject-type,omitempty" json:"subject-type,omitempty"`
	SubjectName               *Title        `xml:"http://www.orcid.org/ns/peer-review subject-name,omitempty" json:"subject-name,omitempty"`
	SubjectURL                *Text         `xml:"http://www.orcid.org/ns/peer-review subject-url,omitempty" json:"subject-url,omitempty"`
	ConveningOrganization     *Organization `xml:"http://www.orcid.org/ns/peer-review convening-organization,omitempty" json:"convening-organization,omitempty"`
}

// MarshalXML names the root peer-review:peer-review.
func (p PeerReview) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain PeerReview
	return e.EncodeElement(plain(p), xmlRoot(start, xnPeerReview))
}

// UnmarshalXML accepts only a peer-review:peer-review element.
func (p *PeerReview) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnPeerReview); err != nil {
		return err
	}
	type plain PeerReview
	return d.DecodeElement((*plain)(p), &start)
}

// ItemKind returns KindPeerReview.
func (p *PeerReview) ItemKind() ItemKind { return KindPeerReview }

// GetExternalIDs returns the review identifiers, which is what ORCID checks
// for duplicates and groups by.
func (p *PeerReview) GetExternalIDs() []ExternalID { return p.ReviewIdentifiers.list() }

// DisplayTitle returns the reviewed subject's name, else the group id.
func (p *PeerReview) DisplayTitle() string {
	if s := p.SubjectName.String(); s != "" {
		return s
	}
	return p.ReviewGroupID
}

// Summary derives the peer-review-summary; note the renamed elements
// (review-identifiers -> external-ids, review-completion-date ->
// completion-date). It shares pointers with p.
func (p *PeerReview) Summary() PeerReviewSummary {
	return PeerReviewSummary{
		ItemMeta:              p.ItemMeta,
		DisplayIndex:          p.DisplayIndex,
		ReviewerRole:          p.ReviewerRole,
		ExternalIDs:           p.ReviewIdentifiers,
		ReviewURL:             p.ReviewURL,
		ReviewType:            p.ReviewType,
		CompletionDate:        p.ReviewCompletionDate,
		ReviewGroupID:         p.ReviewGroupID,
		ConveningOrganization: p.ConveningOrganization,
	}
}

// PeerReviewSummary is peer-review:peer-review-summary.
type PeerReviewSummary struct {
	ItemMeta
	DisplayIndex          string        `xml:"display-index,attr,omitempty" json:"display-index,omitempty"`
	ReviewerRole          string        `xml:"http://www.orcid.org/ns/peer-review reviewer-role,omitempty" json:"reviewer-role,omitempty"`
	ExternalIDs           *ExternalIDs  `xml:"http://www.orcid.org/ns/common external-ids,omitempty" json:"external-ids,omitempty"`
	ReviewURL             *Text         `xml:"http://www.orcid.org/ns/peer-review review-url,omitempty" json:"review-url,omitempty"`
	ReviewType            string        `xml:"http://www.orcid.org/ns/peer-review review-type,omitempty" json:"review-type,omitempty"`
	CompletionDate        *FuzzyDate    `xml:"http://www.orcid.org/ns/peer-review completion-date,omitempty" json:"completion-date,omitempty"`
	ReviewGroupID         string        `xml:"http://www.orcid.org/ns/peer-review review-group-id,omitempty" json:"review-group-id,omitempty"`
	ConveningOrganization *Organization `xml:"http://www.orcid.org/ns/peer-review convening-organization,omitempty" json:"convening-organization,omitempty"`
}

// MarshalXML names the root peer-review:peer-review-summary.
func (p PeerReviewSummary) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain PeerReviewSummary
	return e.EncodeElement(plain(p), xmlRoot(start, xnPeerReviewSummary))
}

// UnmarshalXML accepts only a peer-review:peer-review-summary element.
func (p *PeerReviewSummary) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnPeerReviewSummary); err != nil {
		return err
	}
	type plain PeerReviewSummary
	return d.DecodeElement((*plain)(p), &start)
}

// PeerReviews is the /peer-reviews section (activities:peer-reviews). It has
// two levels: groups by review-group-id, and inside each, groups of
// summaries sharing review identifiers (activities:peer-review-group, which
// the schema type calls peer-review-duplicates).
type PeerReviews struct {
	Path             string            `xml:"path,attr,omitempty" json:"path,omitempty"`
	LastModifiedDate *Timestamp        `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	Groups           []PeerReviewGroup `xml:"http://www.orcid.org/ns/activities group" json:"group,omitempty"`
}

// MarshalXML names the root activities:peer-reviews.
func (p PeerReviews) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain PeerReviews
	return e.EncodeElement(plain(p), xmlRoot(start, xnPeerReviews))
}

// UnmarshalXML accepts only an activities:peer-reviews element.
func (p *PeerReviews) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnPeerReviews); err != nil {
		return err
	}
	type plain PeerReviews
	return d.DecodeElement((*plain)(p), &start)
}

// PeerReviewGroup is one activities:group of the peer-review section: all
// reviews with one review-group-id, whose ExternalIDs is a single
// {type "peer-review", value <group id>} identifier.
type PeerReviewGroup struct {
	LastModifiedDate *Timestamp             `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	ExternalIDs      ExternalIDs            `xml:"http://www.orcid.org/ns/common external-ids" json:"external-ids"`
	Duplicates       []PeerReviewDuplicates `xml:"http://www.orcid.org/ns/activities peer-review-group" json:"peer-review-group,omitempty"`
}

// PeerReviewDuplicates is an activities:peer-review-group: summaries of the
// same review (shared review identifiers).
type PeerReviewDuplicates struct {
	LastModifiedDate *Timestamp          `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	ExternalIDs      ExternalIDs         `xml:"http://www.orcid.org/ns/common external-ids" json:"external-ids"`
	Summaries        []PeerReviewSummary `xml:"http://www.orcid.org/ns/peer-review peer-review-summary" json:"peer-review-summary,omitempty"`
}
