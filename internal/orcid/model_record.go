package orcid

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
)

var (
	xnRecord            = xml.Name{Space: NSRecord, Local: "record"}
	xnHistory           = xml.Name{Space: NSHistory, Local: "history"}
	xnPreferences       = xml.Name{Space: NSPreferences, Local: "preferences"}
	xnActivitiesSummary = xml.Name{Space: NSActivities, Local: "activities-summary"}
	xnGroupIDRecord     = xml.Name{Space: NSGroupID, Local: "group-id-record"}
)

// Record is the full record (record:record) served at /{orcid} and
// /{orcid}/record.
type Record struct {
	Path              string             `xml:"path,attr,omitempty" json:"path,omitempty"`
	OrcidIdentifier   *OrcidIdentifier   `xml:"http://www.orcid.org/ns/common orcid-identifier,omitempty" json:"orcid-identifier,omitempty"`
	Preferences       *Preferences       `xml:"http://www.orcid.org/ns/preferences preferences,omitempty" json:"preferences,omitempty"`
	History           *History           `xml:"http://www.orcid.org/ns/history history,omitempty" json:"history,omitempty"`
	Person            *Person            `xml:"http://www.orcid.org/ns/person person,omitempty" json:"person,omitempty"`
	ActivitiesSummary *ActivitiesSummary `xml:"http://www.orcid.org/ns/activities activities-summary,omitempty" json:"activities-summary,omitempty"`
}

// MarshalXML names the root record:record.
func (r Record) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain Record
	return e.EncodeElement(plain(r), xmlRoot(start, xnRecord))
}

// UnmarshalXML accepts only a record:record element.
func (r *Record) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnRecord); err != nil {
		return err
	}
	type plain Record
	return d.DecodeElement((*plain)(r), &start)
}

// Preferences is preferences:preferences (the user's locale).
type Preferences struct {
	Locale string `xml:"http://www.orcid.org/ns/preferences locale" json:"locale,omitempty"`
}

// MarshalXML names the root preferences:preferences.
func (p Preferences) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain Preferences
	return e.EncodeElement(plain(p), xmlRoot(start, xnPreferences))
}

// UnmarshalXML accepts only a preferences:preferences element.
func (p *Preferences) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnPreferences); err != nil {
		return err
	}
	type plain Preferences
	return d.DecodeElement((*plain)(p), &start)
}

// History is history:history. The XSD lists creation-method values
// "API", "Direct", "Member-referred", "website", while ORCID's JSON shows
// enum names such as "MEMBER_REFERRED"; the text is kept as received.
type History struct {
	Visibility           Visibility `xml:"visibility,attr,omitempty" json:"visibility,omitempty"`
	CreationMethod       string     `xml:"http://www.orcid.org/ns/history creation-method,omitempty" json:"creation-method,omitempty"`
	CompletionDate       *Timestamp `xml:"http://www.orcid.org/ns/history completion-date,omitempty" json:"completion-date,omitempty"`
	SubmissionDate       *Timestamp `xml:"http://www.orcid.org/ns/history submission-date,omitempty" json:"submission-date,omitempty"`
	LastModifiedDate     *Timestamp `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	Claimed              *bool      `xml:"http://www.orcid.org/ns/history claimed,omitempty" json:"claimed,omitempty"`
	Source               *Source    `xml:"http://www.orcid.org/ns/common source,omitempty" json:"source,omitempty"`
	DeactivationDate     *Timestamp `xml:"http://www.orcid.org/ns/history deactivation-date,omitempty" json:"deactivation-date,omitempty"`
	VerifiedEmail        bool       `xml:"http://www.orcid.org/ns/history verified-email" json:"verified-email"`
	VerifiedPrimaryEmail bool       `xml:"http://www.orcid.org/ns/history verified-primary-email" json:"verified-primary-email"`
}

// MarshalXML names the root history:history.
func (h History) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain History
	return e.EncodeElement(plain(h), xmlRoot(start, xnHistory))
}

// UnmarshalXML accepts only a history:history element.
func (h *History) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnHistory); err != nil {
		return err
	}
	type plain History
	return d.DecodeElement((*plain)(h), &start)
}

// ActivitiesSummary is /activities (activities:activities-summary): every
// activity section, in the schema's order.
type ActivitiesSummary struct {
	Path              string             `xml:"path,attr,omitempty" json:"path,omitempty"`
	LastModifiedDate  *Timestamp         `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	Distinctions      *Affiliations      `xml:"http://www.orcid.org/ns/activities distinctions,omitempty" json:"distinctions,omitempty"`
	Educations        *Affiliations      `xml:"http://www.orcid.org/ns/activities educations,omitempty" json:"educations,omitempty"`
	Employments       *Affiliations      `xml:"http://www.orcid.org/ns/activities employments,omitempty" json:"employments,omitempty"`
	Fundings          *Fundings          `xml:"http://www.orcid.org/ns/activities fundings,omitempty" json:"fundings,omitempty"`
	InvitedPositions  *Affiliations      `xml:"http://www.orcid.org/ns/activities invited-positions,omitempty" json:"invited-positions,omitempty"`
	Memberships       *Affiliations      `xml:"http://www.orcid.org/ns/activities memberships,omitempty" json:"memberships,omitempty"`
	PeerReviews       *PeerReviews       `xml:"http://www.orcid.org/ns/activities peer-reviews,omitempty" json:"peer-reviews,omitempty"`
	Qualifications    *Affiliations      `xml:"http://www.orcid.org/ns/activities qualifications,omitempty" json:"qualifications,omitempty"`
	ResearchResources *ResearchResources `xml:"http://www.orcid.org/ns/activities research-resources,omitempty" json:"research-resources,omitempty"`
	Services          *Affiliations      `xml:"http://www.orcid.org/ns/activities services,omitempty" json:"services,omitempty"`
	Works             *Works             `xml:"http://www.orcid.org/ns/activities works,omitempty" json:"works,omitempty"`
}

// MarshalXML names the root activities:activities-summary.
func (a ActivitiesSummary) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain ActivitiesSummary
	return e.EncodeElement(plain(a), xmlRoot(start, xnActivitiesSummary))
}

// UnmarshalXML accepts only an activities:activities-summary element.
func (a *ActivitiesSummary) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnActivitiesSummary); err != nil {
		return err
	}
	type plain ActivitiesSummary
	return d.DecodeElement((*plain)(a), &start)
}

// UnmarshalJSON also sets Kind on each affiliation section (XML decoding
// learns it from the element names).
func (a *ActivitiesSummary) UnmarshalJSON(b []byte) error {
	type plain ActivitiesSummary
	if err := json.Unmarshal(b, (*plain)(a)); err != nil {
		return err
	}
	for k, s := range a.affiliationSections() {
		if *s != nil {
			(*s).Kind = k
		}
	}
	return nil
}

func (a *ActivitiesSummary) affiliationSections() map[ItemKind]**Affiliations {
	return map[ItemKind]**Affiliations{
		KindDistinction:     &a.Distinctions,
		KindEducation:       &a.Educations,
		KindEmployment:      &a.Employments,
		KindInvitedPosition: &a.InvitedPositions,
		KindMembership:      &a.Memberships,
		KindQualification:   &a.Qualifications,
		KindService:         &a.Services,
	}
}

// ErrorBody is ORCID's API error (error:error). It implements error so the
// client can return it directly.
type ErrorBody struct {
	ResponseCode     int    `xml:"http://www.orcid.org/ns/error response-code" json:"response-code"`
	DeveloperMessage string `xml:"http://www.orcid.org/ns/error developer-message" json:"developer-message"`
	UserMessage      string `xml:"http://www.orcid.org/ns/error user-message,omitempty" json:"user-message,omitempty"`
	ErrorCode        int    `xml:"http://www.orcid.org/ns/error error-code,omitempty" json:"error-code,omitempty"`
	MoreInfo         string `xml:"http://www.orcid.org/ns/error more-info,omitempty" json:"more-info,omitempty"`
}

// MarshalXML names the root error:error.
func (eb ErrorBody) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain ErrorBody
	return e.EncodeElement(plain(eb), xmlRoot(start, xnError))
}

// UnmarshalXML accepts only an error:error element.
func (eb *ErrorBody) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnError); err != nil {
		return err
	}
	type plain ErrorBody
	return d.DecodeElement((*plain)(eb), &start)
}

// Error formats the body for logs: status, ORCID error code and the
// developer message.
func (eb *ErrorBody) Error() string {
	return fmt.Sprintf("orcid: %d (error-code %d): %s", eb.ResponseCode, eb.ErrorCode, eb.DeveloperMessage)
}

// GroupIDRecord is a peer-review group (group-id:group-id-record), managed
// through /group-id-record. Its schema (group-id-3.0.xsd) is not part of
// the vendored XSDs; the element order follows ORCID's Java model.
type GroupIDRecord struct {
	PutCode          int64      `xml:"put-code,attr,omitempty" json:"put-code,omitempty"`
	LastModifiedDate *Timestamp `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	CreatedDate      *Timestamp `xml:"http://www.orcid.org/ns/common created-date,omitempty" json:"created-date,omitempty"`
	Name             string     `xml:"http://www.orcid.org/ns/group-id name,omitempty" json:"name,omitempty"`
	GroupID          string     `xml:"http://www.orcid.org/ns/group-id group-id,omitempty" json:"group-id,omitempty"`
	Description      string     `xml:"http://www.orcid.org/ns/group-id description,omitempty" json:"description,omitempty"`
	Type             string     `xml:"http://www.orcid.org/ns/group-id type,omitempty" json:"type,omitempty"`
	Source           *Source    `xml:"http://www.orcid.org/ns/common source,omitempty" json:"source,omitempty"`
}

// MarshalXML names the root group-id:group-id-record.
func (g GroupIDRecord) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain GroupIDRecord
	return e.EncodeElement(plain(g), xmlRoot(start, xnGroupIDRecord))
}

// UnmarshalXML accepts only a group-id:group-id-record element.
func (g *GroupIDRecord) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnGroupIDRecord); err != nil {
		return err
	}
	type plain GroupIDRecord
	return d.DecodeElement((*plain)(g), &start)
}
