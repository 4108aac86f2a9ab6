package orcid

import (
	"encoding/xml"
	"strconv"
)

// NSSummary is the namespace of the record summary (summary-3.0.xsd).
const NSSummary = "http://www.orcid.org/ns/summary"

var xnRecordSummary = xml.Name{Space: NSSummary, Local: "record-summary"}

// RecordSummary is GET /v3.0/{iD}/summary (summary:record-summary), the
// Member API's digest of a record: counts and the first three affiliations
// of each family. Its schema is orcid-model summary_3.0/summary-3.0.xsd; its
// class ORCID-Source orcid-core org.orcid.core.model.RecordSummary. Counts
// are pointers because ORCID's Integer fields can be null, which JSON shows.
type RecordSummary struct {
	CreatedDate             *Timestamp                  `xml:"http://www.orcid.org/ns/common created-date,omitempty" json:"created-date,omitempty"`
	LastModifiedDate        *Timestamp                  `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	CreditName              string                      `xml:"http://www.orcid.org/ns/summary credit-name,omitempty" json:"credit-name,omitempty"`
	OrcidIdentifier         *OrcidIdentifier            `xml:"http://www.orcid.org/ns/common orcid-identifier" json:"orcid-identifier,omitempty"`
	ExternalIdentifiers     *SummaryExternalIdentifiers `xml:"http://www.orcid.org/ns/summary external-identifiers,omitempty" json:"external-identifiers,omitempty"`
	Employments             *SummaryAffiliations        `xml:"http://www.orcid.org/ns/summary employments,omitempty" json:"employments,omitempty"`
	ProfessionalActivities  *SummaryAffiliations        `xml:"http://www.orcid.org/ns/summary professional-activities,omitempty" json:"professional-activities,omitempty"`
	Fundings                *SummaryCounts              `xml:"http://www.orcid.org/ns/summary fundings,omitempty" json:"fundings,omitempty"`
	Works                   *SummaryCounts              `xml:"http://www.orcid.org/ns/summary works,omitempty" json:"works,omitempty"`
	PeerReviews             *SummaryPeerReviews         `xml:"http://www.orcid.org/ns/summary peer-reviews,omitempty" json:"peer-reviews,omitempty"`
	EducationQualifications *SummaryAffiliations        `xml:"http://www.orcid.org/ns/summary education-qualifications,omitempty" json:"education-qualifications,omitempty"`
	ResearchResources       *SummaryCounts              `xml:"http://www.orcid.org/ns/summary research-resources,omitempty" json:"research-resources,omitempty"`
	EmailDomains            *SummaryEmailDomains        `xml:"http://www.orcid.org/ns/summary email-domains,omitempty" json:"email-domains,omitempty"`
}

// MarshalXML names the root summary:record-summary.
func (s RecordSummary) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain RecordSummary
	return e.EncodeElement(plain(s), xmlRoot(start, xnRecordSummary))
}

// UnmarshalXML accepts only a summary:record-summary element.
func (s *RecordSummary) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnRecordSummary); err != nil {
		return err
	}
	type plain RecordSummary
	return d.DecodeElement((*plain)(s), &start)
}

// SummaryExternalIdentifiers lists the record's public person external
// identifiers.
type SummaryExternalIdentifiers struct {
	ExternalIdentifier []SummaryExternalIdentifier `xml:"http://www.orcid.org/ns/summary external-identifier" json:"external-identifier"`
}

// SummaryExternalIdentifier is one person external identifier; Validated
// is false when the researcher added it.
type SummaryExternalIdentifier struct {
	PutCode   int64  `xml:"http://www.orcid.org/ns/summary put-code" json:"put-code"`
	Type      string `xml:"http://www.orcid.org/ns/summary external-id-type" json:"external-id-type"`
	Value     string `xml:"http://www.orcid.org/ns/summary external-id-value,omitempty" json:"external-id-value,omitempty"`
	URL       string `xml:"http://www.orcid.org/ns/summary external-id-url,omitempty" json:"external-id-url,omitempty"`
	Validated bool   `xml:"http://www.orcid.org/ns/summary validated" json:"validated"`
}

// SummaryAffiliations is employments, professional-activities or
// education-qualifications: how many groups there are and the first three
// (by end date, latest first). Which element holds the items differs per
// family, hence three fields of which one is used; ORCID leaves the list
// null when empty.
type SummaryAffiliations struct {
	Count                  int                  `xml:"http://www.orcid.org/ns/summary count" json:"count"`
	Employment             []SummaryAffiliation `xml:"http://www.orcid.org/ns/summary employment,omitempty" json:"employment,omitempty"`
	ProfessionalActivity   []SummaryAffiliation `xml:"http://www.orcid.org/ns/summary professional-activity,omitempty" json:"professional-activity,omitempty"`
	EducationQualification []SummaryAffiliation `xml:"http://www.orcid.org/ns/summary education-qualification,omitempty" json:"education-qualification,omitempty"`
}

// SummaryAffiliation is one affiliation of the summary. Type is the
// affiliation kind ("employment", "distinction", ...).
type SummaryAffiliation struct {
	PutCode          int64      `xml:"http://www.orcid.org/ns/summary put-code" json:"put-code"`
	Type             string     `xml:"http://www.orcid.org/ns/summary type" json:"type"`
	OrganizationName string     `xml:"http://www.orcid.org/ns/summary organization-name,omitempty" json:"organization-name,omitempty"`
	Role             string     `xml:"http://www.orcid.org/ns/summary role,omitempty" json:"role,omitempty"`
	URL              string     `xml:"http://www.orcid.org/ns/summary url,omitempty" json:"url,omitempty"`
	StartDate        *FuzzyDate `xml:"http://www.orcid.org/ns/common start-date,omitempty" json:"start-date,omitempty"`
	EndDate          *FuzzyDate `xml:"http://www.orcid.org/ns/common end-date,omitempty" json:"end-date,omitempty"`
	Validated        bool       `xml:"http://www.orcid.org/ns/summary validated" json:"validated"`
}

// SummaryCounts is fundings, works or research-resources: groups whose
// every item the researcher added, and the others.
type SummaryCounts struct {
	SelfAssertedCount int `xml:"http://www.orcid.org/ns/summary self-asserted-count" json:"self-asserted-count"`
	ValidatedCount    int `xml:"http://www.orcid.org/ns/summary validated-count" json:"validated-count"`
}

// SummaryPeerReviews counts review groups (publication grants), the groups
// with a self-asserted review, and reviews.
type SummaryPeerReviews struct {
	PeerReviewPublicationGrants int `xml:"http://www.orcid.org/ns/summary peer-review-publication-grants" json:"peer-review-publication-grants"`
	SelfAssertedCount           int `xml:"http://www.orcid.org/ns/summary self-asserted-count" json:"self-asserted-count"`
	Total                       int `xml:"http://www.orcid.org/ns/summary total" json:"total"`
}

// SummaryEmailDomains counts the public email domains and lists three.
type SummaryEmailDomains struct {
	Count       int                  `xml:"http://www.orcid.org/ns/summary count" json:"count"`
	EmailDomain []SummaryEmailDomain `xml:"http://www.orcid.org/ns/summary email-domain,omitempty" json:"email-domain,omitempty"`
}

// SummaryEmailDomain is one public email domain.
type SummaryEmailDomain struct {
	Value            string     `xml:"http://www.orcid.org/ns/summary value" json:"value"`
	VerificationDate *Timestamp `xml:"http://www.orcid.org/ns/summary verification-date,omitempty" json:"verification-date,omitempty"`
}

// ClientSummary is GET /v3.0/client/{client_id} (client:client): a client's
// public name and description (orcid-model v3/release/client/
// ClientSummary.java).
type ClientSummary struct {
	XMLName     xml.Name `xml:"http://www.orcid.org/ns/client client" json:"-"`
	Name        string   `xml:"http://www.orcid.org/ns/client name" json:"name"`
	Description string   `xml:"http://www.orcid.org/ns/client description" json:"description"`
}

// CompareFuzzyDates orders two non-nil fuzzy dates as ORCID's
// FuzzyDate.compareTo: year, then month, then day, numerically, a missing
// part first.
func CompareFuzzyDates(a, b *FuzzyDate) int {
	num := func(s string) int {
		n, _ := strconv.Atoi(s)
		return n
	}
	pa := [3]int{num(a.Year), num(a.Month), num(a.Day)}
	pb := [3]int{num(b.Year), num(b.Month), num(b.Day)}
	for i := range pa {
		if pa[i] != pb[i] {
			if pa[i] < pb[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}
