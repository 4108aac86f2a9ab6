package orcid

import (
	"encoding/xml"
	"strconv"
	"time"
)

// ItemKind names a kind of writable record item. The value is the local
// name of the item's XML root element.
type ItemKind string

// The writable item kinds: eleven activities and five person items.
const (
	KindWork             ItemKind = "work"
	KindFunding          ItemKind = "funding"
	KindDistinction      ItemKind = "distinction"
	KindEducation        ItemKind = "education"
	KindEmployment       ItemKind = "employment"
	KindInvitedPosition  ItemKind = "invited-position"
	KindMembership       ItemKind = "membership"
	KindQualification    ItemKind = "qualification"
	KindService          ItemKind = "service"
	KindPeerReview       ItemKind = "peer-review"
	KindResearchResource ItemKind = "research-resource"

	KindOtherName          ItemKind = "other-name"
	KindKeyword            ItemKind = "keyword"
	KindResearcherURL      ItemKind = "researcher-url"
	KindAddress            ItemKind = "address"
	KindExternalIdentifier ItemKind = "external-identifier"
)

// Write scopes by item category (ORCID V3 README, "Scopes").
const (
	writeScopeActivities = "/activities/update"
	writeScopePerson     = "/person/update"
)

// KindInfo describes how an item kind appears in the API.
type KindInfo struct {
	Kind ItemKind
	// Path is the segment used to create, read, update and delete one item
	// (/{orcid}/{Path}/{put-code}) and in the Location of a created item:
	// singular for activities, plural for person items (except address).
	Path string
	// SectionPath is the segment listing all items of the kind.
	SectionPath string
	// Element, SummaryElement and SectionElement are the XML roots of the
	// full item, its summary (/{Path}/summary/{put-code}; the item itself for
	// person items) and the section.
	Element        xml.Name
	SummaryElement xml.Name
	SectionElement xml.Name
	// Schema is the XSD of Element, relative to the orcid-model directory.
	Schema string
	// Person is true for person items, false for activities.
	Person bool
	// WriteScope is the OAuth scope needed to POST, PUT or DELETE.
	WriteScope string
}

func activityKind(k ItemKind, path, section, ns, schema string, sectionNS string) KindInfo {
	return KindInfo{
		Kind: k, Path: path, SectionPath: section,
		Element:        xml.Name{Space: ns, Local: string(k)},
		SummaryElement: xml.Name{Space: ns, Local: string(k) + "-summary"},
		SectionElement: xml.Name{Space: sectionNS, Local: section},
		Schema:         "record_3.0/" + schema,
		WriteScope:     writeScopeActivities,
	}
}

func personKind(k ItemKind, path, ns, sectionLocal, schema string) KindInfo {
	el := xml.Name{Space: ns, Local: string(k)}
	return KindInfo{
		Kind: k, Path: path, SectionPath: path,
		Element: el, SummaryElement: el,
		SectionElement: xml.Name{Space: ns, Local: sectionLocal},
		Schema:         "record_3.0/" + schema,
		Person:         true,
		WriteScope:     writeScopePerson,
	}
}

// kindTable is in the order of the activities-summary schema, then the
// order of person:person.
var kindTable = []KindInfo{
	activityKind(KindDistinction, "distinction", "distinctions", NSDistinction, "distinction-3.0.xsd", NSActivities),
	activityKind(KindEducation, "education", "educations", NSEducation, "education-3.0.xsd", NSActivities),
	activityKind(KindEmployment, "employment", "employments", NSEmployment, "employment-3.0.xsd", NSActivities),
	activityKind(KindFunding, "funding", "fundings", NSFunding, "funding-3.0.xsd", NSActivities),
	activityKind(KindInvitedPosition, "invited-position", "invited-positions", NSInvitedPosition, "invited-position-3.0.xsd", NSActivities),
	activityKind(KindMembership, "membership", "memberships", NSMembership, "membership-3.0.xsd", NSActivities),
	activityKind(KindPeerReview, "peer-review", "peer-reviews", NSPeerReview, "peer-review-3.0.xsd", NSActivities),
	activityKind(KindQualification, "qualification", "qualifications", NSQualification, "qualification-3.0.xsd", NSActivities),
	activityKind(KindResearchResource, "research-resource", "research-resources", NSResearchResource, "research-resource-3.0.xsd", NSActivities),
	activityKind(KindService, "service", "services", NSService, "service-3.0.xsd", NSActivities),
	activityKind(KindWork, "work", "works", NSWork, "work-3.0.xsd", NSActivities),
	personKind(KindOtherName, "other-names", NSOtherName, "other-names", "other-name-3.0.xsd"),
	personKind(KindResearcherURL, "researcher-urls", NSResearcherURL, "researcher-urls", "researcher-url-3.0.xsd"),
	personKind(KindAddress, "address", NSAddress, "addresses", "address-3.0.xsd"),
	personKind(KindKeyword, "keywords", NSKeyword, "keywords", "keyword-3.0.xsd"),
	personKind(KindExternalIdentifier, "external-identifiers", NSExternalIdentifier, "external-identifiers", "person-external-identifier-3.0.xsd"),
}

// Kinds returns every item kind: activities first (schema order), then
// person items.
func Kinds() []ItemKind {
	ks := make([]ItemKind, len(kindTable))
	for i, info := range kindTable {
		ks[i] = info.Kind
	}
	return ks
}

// Info returns the description of k; ok is false for an unknown kind.
func (k ItemKind) Info() (info KindInfo, ok bool) {
	for _, info := range kindTable {
		if info.Kind == k {
			return info, true
		}
	}
	return KindInfo{}, false
}

// Valid reports whether k is a known kind.
func (k ItemKind) Valid() bool {
	_, ok := k.Info()
	return ok
}

// IsActivity reports whether k is an activity (written with
// /activities/update).
func (k ItemKind) IsActivity() bool {
	info, ok := k.Info()
	return ok && !info.Person
}

// IsPerson reports whether k is a person item (written with /person/update).
func (k ItemKind) IsPerson() bool {
	info, ok := k.Info()
	return ok && info.Person
}

// IsAffiliation reports whether k is one of the seven affiliation kinds,
// which share the Affiliation type.
func (k ItemKind) IsAffiliation() bool {
	switch k {
	case KindDistinction, KindEducation, KindEmployment, KindInvitedPosition,
		KindMembership, KindQualification, KindService:
		return true
	}
	return false
}

// KindForPath maps an API path segment to its kind. It accepts the item
// segment (Path, e.g. "work", "keywords"); when section is true it accepts
// the listing segment (SectionPath, e.g. "works") instead. Person items use
// the same segment for both.
func KindForPath(segment string, section bool) (ItemKind, bool) {
	for _, info := range kindTable {
		p := info.Path
		if section {
			p = info.SectionPath
		}
		if p == segment {
			return info.Kind, true
		}
	}
	return "", false
}

// KindForElement maps an XML root element (full item or summary) to its
// kind.
func KindForElement(name xml.Name) (ItemKind, bool) {
	for _, info := range kindTable {
		if info.Element == name || info.SummaryElement == name {
			return info.Kind, true
		}
	}
	return "", false
}

// ItemPath is the path attribute ORCID gives an item, e.g.
// "/0000-0002-1825-0097/work/123".
func (k ItemKind) ItemPath(orcid string, putCode int64) string {
	info, _ := k.Info()
	return "/" + orcid + "/" + info.Path + "/" + strconv.FormatInt(putCode, 10)
}

// SectionPathFor is the path attribute of the section, e.g.
// "/0000-0002-1825-0097/works".
func (k ItemKind) SectionPathFor(orcid string) string {
	info, _ := k.Info()
	return "/" + orcid + "/" + info.SectionPath
}

// Item is what generic code (the emulator's store, the client) needs from
// any writable item. All implementations are pointers: *Work, *Funding,
// *Affiliation, *PeerReview, *ResearchResource, *Keyword, *OtherName,
// *ResearcherURL, *Address and *PersonExternalIdentifier.
type Item interface {
	ItemKind() ItemKind
	GetPutCode() int64
	SetPutCode(int64)
	GetPath() string
	SetPath(string)
	GetVisibility() Visibility
	SetVisibility(Visibility)
	GetSource() *Source
	SetSource(*Source)
	GetCreatedDate() time.Time
	GetLastModifiedDate() time.Time
	SetDates(created, lastModified time.Time)
	// GetExternalIDs returns the identifiers ORCID checks for duplicates and
	// groups by (nil for items without identifiers).
	GetExternalIDs() []ExternalID
	// DisplayTitle is a short human-readable label.
	DisplayTitle() string
}

var (
	_ Item = (*Work)(nil)
	_ Item = (*Funding)(nil)
	_ Item = (*Affiliation)(nil)
	_ Item = (*PeerReview)(nil)
	_ Item = (*ResearchResource)(nil)
	_ Item = (*Keyword)(nil)
	_ Item = (*OtherName)(nil)
	_ Item = (*ResearcherURL)(nil)
	_ Item = (*Address)(nil)
	_ Item = (*PersonExternalIdentifier)(nil)
)

// NewItem returns a new empty item of kind k, ready to be decoded into from
// JSON or XML, or nil for an unknown kind.
func NewItem(k ItemKind) Item {
	switch k {
	case KindWork:
		return &Work{}
	case KindFunding:
		return &Funding{}
	case KindPeerReview:
		return &PeerReview{}
	case KindResearchResource:
		return &ResearchResource{}
	case KindKeyword:
		return &Keyword{}
	case KindOtherName:
		return &OtherName{}
	case KindResearcherURL:
		return &ResearcherURL{}
	case KindAddress:
		return &Address{}
	case KindExternalIdentifier:
		return &PersonExternalIdentifier{}
	}
	if k.IsAffiliation() {
		return NewAffiliation(k)
	}
	return nil
}

// SummaryOf returns what a listing shows for item: a *WorkSummary,
// *FundingSummary, *AffiliationSummary, *PeerReviewSummary or
// *ResearchResourceSummary for activities, and a shallow copy of the item
// itself for person items (their sections list full items).
func SummaryOf(item Item) any {
	switch it := item.(type) {
	case *Work:
		s := it.Summary()
		return &s
	case *Funding:
		s := it.Summary()
		return &s
	case *Affiliation:
		s := it.Summary()
		return &s
	case *PeerReview:
		s := it.Summary()
		return &s
	case *ResearchResource:
		s := it.Summary()
		return &s
	case *Keyword:
		c := *it
		return &c
	case *OtherName:
		c := *it
		return &c
	case *ResearcherURL:
		c := *it
		return &c
	case *Address:
		c := *it
		return &c
	case *PersonExternalIdentifier:
		c := *it
		return &c
	}
	return nil
}
