package orcid

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Visibility says who may read an item (common:visibility).
type Visibility string

// The visibilities the API accepts. The XSD also lists "registered-only",
// which ORCID never accepts from clients.
const (
	VisibilityPublic  Visibility = "public"
	VisibilityLimited Visibility = "limited"
	VisibilityPrivate Visibility = "private"
)

// Text is an element holding only character data (journal-title, url,
// credit-name, source-name, ...). ORCID's JSON is Jackson over JAXB, which
// renders such an element as {"value": "..."}; that is what Text emits. On
// input a bare JSON string is accepted too, because ORCID accepts it and its
// own write samples use it for url, subtitle, contributor-email and others.
type Text struct {
	Value string `xml:",chardata" json:"value"`
}

// NewText returns nil for the empty string so that an absent value stays
// absent in both encodings (the XSDs reject most blank elements).
func NewText(s string) *Text {
	if s == "" {
		return nil
	}
	return &Text{Value: s}
}

// String returns the value; it is nil-safe so callers can read optional
// fields without checks.
func (t *Text) String() string {
	if t == nil {
		return ""
	}
	return t.Value
}

// UnmarshalJSON accepts "x", {"value": "x"}, numbers and null.
func (t *Text) UnmarshalJSON(b []byte) error {
	s, err := jsonValueText(b)
	if err != nil {
		return err
	}
	t.Value = s
	return nil
}

// TranslatedTitle is common:translated-title: text plus its language.
type TranslatedTitle struct {
	Value        string `xml:",chardata" json:"value"`
	LanguageCode string `xml:"language-code,attr,omitempty" json:"language-code,omitempty"`
}

// UnmarshalJSON also accepts a bare string (no language).
func (t *TranslatedTitle) UnmarshalJSON(b []byte) error {
	if !isJSONObject(b) {
		s, err := jsonScalarText(b)
		*t = TranslatedTitle{Value: s}
		return err
	}
	var raw struct {
		Value        json.RawMessage `json:"value"`
		LanguageCode string          `json:"language-code"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	s, err := optionalScalar(raw.Value)
	*t = TranslatedTitle{Value: s, LanguageCode: raw.LanguageCode}
	return err
}

// TransientText is a value computed by ORCID on read (external-id-normalized);
// Transient is always true in ORCID's output.
type TransientText struct {
	Value     string `xml:",chardata" json:"value"`
	Transient bool   `xml:"transient,attr,omitempty" json:"transient,omitempty"`
}

// TransientError reports why ORCID could not normalise an identifier
// (external-id-normalized-error), e.g. error-code 8001.
type TransientError struct {
	ErrorCode    string `xml:"http://www.orcid.org/ns/common error-code,omitempty" json:"error-code,omitempty"`
	ErrorMessage string `xml:"http://www.orcid.org/ns/common error-message,omitempty" json:"error-message,omitempty"`
	Transient    bool   `xml:"transient,attr,omitempty" json:"transient,omitempty"`
}

// Country is an ISO 3166-1 alpha-2 code in the {"value": "US"} form used by
// work country and person addresses. (Organization addresses carry the code
// as a bare string instead; see OrganizationAddress.)
type Country struct {
	Value      string     `xml:",chardata" json:"value"`
	Visibility Visibility `xml:"visibility,attr,omitempty" json:"visibility,omitempty"`
}

// UnmarshalJSON also accepts a bare string.
func (c *Country) UnmarshalJSON(b []byte) error {
	if !isJSONObject(b) {
		s, err := jsonScalarText(b)
		*c = Country{Value: s}
		return err
	}
	var raw struct {
		Value      json.RawMessage `json:"value"`
		Visibility Visibility      `json:"visibility"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	s, err := optionalScalar(raw.Value)
	*c = Country{Value: s, Visibility: raw.Visibility}
	return err
}

// Amount is a funding amount. The value stays text because ORCID stores it
// as text and locales differ in separators ("1000.0", "1,000").
type Amount struct {
	Value        string `xml:",chardata" json:"value"`
	CurrencyCode string `xml:"currency-code,attr,omitempty" json:"currency-code,omitempty"`
}

// UnmarshalJSON accepts the value as a string or a number.
func (a *Amount) UnmarshalJSON(b []byte) error {
	var raw struct {
		Value        json.RawMessage `json:"value"`
		CurrencyCode string          `json:"currency-code"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	s, err := optionalScalar(raw.Value)
	*a = Amount{Value: s, CurrencyCode: raw.CurrencyCode}
	return err
}

func optionalScalar(b json.RawMessage) (string, error) {
	if len(b) == 0 {
		return "", nil
	}
	return jsonScalarText(b)
}

// Timestamp is an xs:dateTime such as created-date or last-modified-date. The
// two encodings genuinely differ: XML carries the date-time text, JSON carries
// {"value": <epoch milliseconds>}. Values are kept in UTC at millisecond
// precision, the precision of the JSON form, so both encodings round-trip to
// the same value.
type Timestamp struct {
	time.Time
}

// NewTimestamp returns t as a Timestamp (UTC, truncated to milliseconds), or
// nil for the zero time so that absent dates stay absent.
func NewTimestamp(t time.Time) *Timestamp {
	if t.IsZero() {
		return nil
	}
	return &Timestamp{Time: t.UTC().Truncate(time.Millisecond)}
}

// timestampLayout is what the model emits: always milliseconds and "Z",
// never surrounding whitespace (libxml2 rejects it in xs:dateTime).
const timestampLayout = "2006-01-02T15:04:05.000Z07:00"

// MarshalXML writes e.g. 2024-05-01T10:11:12.345Z.
func (ts Timestamp) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(ts.UTC().Format(timestampLayout), start)
}

// UnmarshalXML reads any xs:dateTime; one without a zone is taken as UTC.
// Surrounding whitespace is tolerated because ORCID's own samples have it.
func (ts *Timestamp) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var s string
	if err := d.DecodeElement(&s, &start); err != nil {
		return err
	}
	t, err := parseDateTime(s)
	if err != nil {
		return err
	}
	ts.Time = t
	return nil
}

// MarshalJSON writes {"value": <epoch millis>}.
func (ts Timestamp) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"value":%d}`, ts.UnixMilli()), nil
}

// UnmarshalJSON accepts {"value": millis}, a bare number, or either holding
// an xs:dateTime string.
func (ts *Timestamp) UnmarshalJSON(b []byte) error {
	s, err := jsonValueText(b)
	if err != nil {
		return err
	}
	if s == "" {
		ts.Time = time.Time{}
		return nil
	}
	var t time.Time
	if ms, perr := strconv.ParseInt(s, 10, 64); perr == nil {
		t = time.UnixMilli(ms).UTC()
	} else if t, err = parseDateTime(s); err != nil {
		return err
	}
	// xs:dateTime has four-digit years; refusing others here keeps every
	// decoded value renderable as XML.
	if y := t.Year(); y < 1 || y > 9999 {
		return fmt.Errorf("orcid: timestamp %s is out of range", s)
	}
	ts.Time = t
	return nil
}

func parseDateTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Millisecond), nil
		}
	}
	return time.Time{}, fmt.Errorf("orcid: %q is not an xs:dateTime", s)
}

// FuzzyDate is a date of which only the year may be known
// (publication-date, start-date, end-date, completion dates). The parts are
// kept as text so "02" stays "02"; NewFuzzyDate formats them as ORCID does.
// In XML the parts are plain elements, in JSON each is {"value": "..."}.
type FuzzyDate struct {
	Year  string `xml:"http://www.orcid.org/ns/common year,omitempty"`
	Month string `xml:"http://www.orcid.org/ns/common month,omitempty"`
	Day   string `xml:"http://www.orcid.org/ns/common day,omitempty"`
}

// NewFuzzyDate builds a date from numbers; a zero month or day is omitted.
func NewFuzzyDate(year, month, day int) *FuzzyDate {
	d := &FuzzyDate{Year: fmt.Sprintf("%04d", year)}
	if month > 0 {
		d.Month = fmt.Sprintf("%02d", month)
		if day > 0 {
			d.Day = fmt.Sprintf("%02d", day)
		}
	}
	return d
}

// String renders the date as YYYY, YYYY-MM or YYYY-MM-DD.
func (d *FuzzyDate) String() string {
	if d == nil {
		return ""
	}
	s := d.Year
	for _, p := range []string{d.Month, d.Day} {
		if p == "" {
			break
		}
		s += "-" + p
	}
	return s
}

type fuzzyDateJSON struct {
	Year  *Text `json:"year,omitempty"`
	Month *Text `json:"month,omitempty"`
	Day   *Text `json:"day,omitempty"`
}

// MarshalJSON writes {"year": {"value": "2012"}, ...}.
func (d FuzzyDate) MarshalJSON() ([]byte, error) {
	return json.Marshal(fuzzyDateJSON{NewText(d.Year), NewText(d.Month), NewText(d.Day)})
}

// UnmarshalJSON reads the {"value": ...} parts (bare values accepted).
func (d *FuzzyDate) UnmarshalJSON(b []byte) error {
	var raw fuzzyDateJSON
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*d = FuzzyDate{Year: raw.Year.String(), Month: raw.Month.String(), Day: raw.Day.String()}
	return nil
}

// OrcidIdentifier is ORCID's orcid-id type: an iD (or a client id) as URI,
// bare path and host. It is used for orcid-identifier, source-orcid,
// source-client-id, contributor-orcid and the assertion-origin-* elements.
type OrcidIdentifier struct {
	URI  string `xml:"http://www.orcid.org/ns/common uri,omitempty" json:"uri,omitempty"`
	Path string `xml:"http://www.orcid.org/ns/common path,omitempty" json:"path,omitempty"`
	Host string `xml:"http://www.orcid.org/ns/common host,omitempty" json:"host,omitempty"`
}

// NewOrcidIdentifier builds the identifier of an iD on host (e.g.
// "sandbox.orcid.org").
func NewOrcidIdentifier(host, orcid string) *OrcidIdentifier {
	return &OrcidIdentifier{URI: "https://" + host + "/" + orcid, Path: orcid, Host: host}
}

// NewClientIdentifier builds the identifier of an API client on host; ORCID
// puts client URIs under /client/.
func NewClientIdentifier(host, clientID string) *OrcidIdentifier {
	return &OrcidIdentifier{URI: "https://" + host + "/client/" + clientID, Path: clientID, Host: host}
}

// Source is who created an item (common:source). ORCID sets it from the
// token and discards whatever the request carried.
type Source struct {
	SourceOrcid             *OrcidIdentifier `xml:"http://www.orcid.org/ns/common source-orcid,omitempty" json:"source-orcid,omitempty"`
	SourceClientID          *OrcidIdentifier `xml:"http://www.orcid.org/ns/common source-client-id,omitempty" json:"source-client-id,omitempty"`
	SourceName              *Text            `xml:"http://www.orcid.org/ns/common source-name,omitempty" json:"source-name,omitempty"`
	AssertionOriginOrcid    *OrcidIdentifier `xml:"http://www.orcid.org/ns/common assertion-origin-orcid,omitempty" json:"assertion-origin-orcid,omitempty"`
	AssertionOriginClientID *OrcidIdentifier `xml:"http://www.orcid.org/ns/common assertion-origin-client-id,omitempty" json:"assertion-origin-client-id,omitempty"`
	AssertionOriginName     *Text            `xml:"http://www.orcid.org/ns/common assertion-origin-name,omitempty" json:"assertion-origin-name,omitempty"`
}

// NewClientSource is the source ORCID records for items written by a member
// client: source-client-id plus the client's name.
func NewClientSource(host, clientID, name string) *Source {
	return &Source{SourceClientID: NewClientIdentifier(host, clientID), SourceName: NewText(name)}
}

// NewOrcidSource is the source of items the researcher entered themselves.
func NewOrcidSource(host, orcid, name string) *Source {
	return &Source{SourceOrcid: NewOrcidIdentifier(host, orcid), SourceName: NewText(name)}
}

// SourcePath returns the client id or iD that identifies the source, the
// value ORCID compares to decide who may update or delete an item.
func (s *Source) SourcePath() string {
	switch {
	case s == nil:
		return ""
	case s.SourceClientID != nil:
		return s.SourceClientID.Path
	case s.SourceOrcid != nil:
		return s.SourceOrcid.Path
	}
	return ""
}

// ExternalID is one common:external-id. In peer reviews the same type is
// used under the names review-identifiers/external-id and
// subject-external-identifier.
type ExternalID struct {
	Type            string          `xml:"http://www.orcid.org/ns/common external-id-type,omitempty" json:"external-id-type,omitempty"`
	Value           string          `xml:"http://www.orcid.org/ns/common external-id-value,omitempty" json:"external-id-value,omitempty"`
	Normalized      *TransientText  `xml:"http://www.orcid.org/ns/common external-id-normalized,omitempty" json:"external-id-normalized,omitempty"`
	NormalizedError *TransientError `xml:"http://www.orcid.org/ns/common external-id-normalized-error,omitempty" json:"external-id-normalized-error,omitempty"`
	URL             *Text           `xml:"http://www.orcid.org/ns/common external-id-url,omitempty" json:"external-id-url,omitempty"`
	Relationship    string          `xml:"http://www.orcid.org/ns/common external-id-relationship,omitempty" json:"external-id-relationship,omitempty"`
}

// Relationship values of external-id-relationship.
const (
	RelationshipSelf      = "self"
	RelationshipPartOf    = "part-of"
	RelationshipVersionOf = "version-of"
	RelationshipFundedBy  = "funded-by"
)

// GroupKey identifies the identifier for grouping and duplicate detection:
// the type plus the normalised value when ORCID computed one, else the raw
// value, exactly as ORCID's ExternalID.equals/getGroupId compare.
func (x ExternalID) GroupKey() string {
	v := x.Value
	if x.Normalized != nil && x.Normalized.Value != "" {
		v = x.Normalized.Value
	}
	return x.Type + "\x00" + v
}

// Groupable mirrors ORCID's ExternalID.isGroupAble: part-of and funded-by
// identifiers, and empty values, never merge activities into one group.
func (x ExternalID) Groupable() bool {
	return x.Relationship != RelationshipPartOf && x.Relationship != RelationshipFundedBy && x.Value != ""
}

// ExternalIDs is the common:external-ids container.
type ExternalIDs struct {
	ExternalID []ExternalID `xml:"http://www.orcid.org/ns/common external-id" json:"external-id"`
}

// MarshalJSON writes an empty list as [] (as ORCID does) rather than null:
// a present container always has a list.
func (x ExternalIDs) MarshalJSON() ([]byte, error) {
	type plain ExternalIDs
	if x.ExternalID == nil {
		x.ExternalID = []ExternalID{}
	}
	return json.Marshal(plain(x))
}

// NewExternalIDs wraps ids in a container, or returns nil for none.
func NewExternalIDs(ids ...ExternalID) *ExternalIDs {
	if len(ids) == 0 {
		return nil
	}
	return &ExternalIDs{ExternalID: ids}
}

func (x *ExternalIDs) list() []ExternalID {
	if x == nil {
		return nil
	}
	return x.ExternalID
}

// Organization is common:organization (also convening-organization and the
// research-resource hosts). Disambiguation is required by the API except for
// peer-review convening organisations.
type Organization struct {
	Name                      string                     `xml:"http://www.orcid.org/ns/common name,omitempty" json:"name,omitempty"`
	Address                   *OrganizationAddress       `xml:"http://www.orcid.org/ns/common address,omitempty" json:"address,omitempty"`
	DisambiguatedOrganization *DisambiguatedOrganization `xml:"http://www.orcid.org/ns/common disambiguated-organization,omitempty" json:"disambiguated-organization,omitempty"`
}

// OrganizationAddress is where an organisation is. Unlike Country elsewhere,
// country here is a bare string in JSON.
type OrganizationAddress struct {
	City    string `xml:"http://www.orcid.org/ns/common city,omitempty" json:"city,omitempty"`
	Region  string `xml:"http://www.orcid.org/ns/common region,omitempty" json:"region,omitempty"`
	Country string `xml:"http://www.orcid.org/ns/common country,omitempty" json:"country,omitempty"`
}

// DisambiguatedOrganization points at a registry entry (ROR, GRID,
// RINGGOLD, FUNDREF, LEI).
type DisambiguatedOrganization struct {
	Identifier string `xml:"http://www.orcid.org/ns/common disambiguated-organization-identifier,omitempty" json:"disambiguated-organization-identifier,omitempty"`
	Source     string `xml:"http://www.orcid.org/ns/common disambiguation-source,omitempty" json:"disambiguation-source,omitempty"`
}

// Title is the title block shared by works (work:title), fundings,
// research-resource proposals and peer-review subjects (subject-name); the
// enclosing element's name comes from the field that holds it. Fundings and
// proposals have no subtitle.
type Title struct {
	Title           *Text            `xml:"http://www.orcid.org/ns/common title,omitempty" json:"title,omitempty"`
	Subtitle        *Text            `xml:"http://www.orcid.org/ns/common subtitle,omitempty" json:"subtitle,omitempty"`
	TranslatedTitle *TranslatedTitle `xml:"http://www.orcid.org/ns/common translated-title,omitempty" json:"translated-title,omitempty"`
}

// NewTitle returns a title block holding just the main title.
func NewTitle(title string) *Title {
	return &Title{Title: NewText(title)}
}

// String returns the main title ("" for nil).
func (t *Title) String() string {
	if t == nil {
		return ""
	}
	return t.Title.String()
}

// Citation is work:citation.
type Citation struct {
	Type  string `xml:"http://www.orcid.org/ns/work citation-type,omitempty" json:"citation-type,omitempty"`
	Value string `xml:"http://www.orcid.org/ns/work citation-value" json:"citation-value,omitempty"`
}

// Contributors is the contributor list of a work or a funding.
//
// Contributor and its children deliberately have no namespace in their XML
// tags: the XSDs put them in the namespace of the enclosing item
// (work:contributor/work:credit-name vs funding:contributor/...). Elements
// emitted without a namespace inherit the default namespace declared by the
// enclosing work:contributors or funding:contributors element, and on input
// encoding/xml matches a namespace-less tag in any namespace, so one Go type
// serves both schemas.
type Contributors struct {
	Contributor []Contributor `xml:"contributor" json:"contributor"`
}

// MarshalJSON writes an empty list as [] rather than null, as ORCID does.
func (c Contributors) MarshalJSON() ([]byte, error) {
	type plain Contributors
	if c.Contributor == nil {
		c.Contributor = []Contributor{}
	}
	return json.Marshal(plain(c))
}

// Contributor is one contributor of a work or funding.
type Contributor struct {
	ContributorOrcid      *OrcidIdentifier       `xml:"http://www.orcid.org/ns/common contributor-orcid,omitempty" json:"contributor-orcid,omitempty"`
	CreditName            *Text                  `xml:"credit-name,omitempty" json:"credit-name,omitempty"`
	ContributorEmail      *Text                  `xml:"contributor-email,omitempty" json:"contributor-email,omitempty"`
	ContributorAttributes *ContributorAttributes `xml:"contributor-attributes,omitempty" json:"contributor-attributes,omitempty"`
}

// ContributorAttributes says how someone contributed. Funding contributors
// have no sequence in the XSD.
type ContributorAttributes struct {
	Sequence string `xml:"contributor-sequence,omitempty" json:"contributor-sequence,omitempty"`
	Role     string `xml:"contributor-role,omitempty" json:"contributor-role,omitempty"`
}

// ItemMeta is ORCID's element-summary: the attributes and leading elements
// every item and summary shares. Embedding it gives each item the accessor
// methods of the Item interface. PutCode 0 means "none": ORCID never issues
// it.
type ItemMeta struct {
	PutCode          int64      `xml:"put-code,attr,omitempty" json:"put-code,omitempty"`
	Path             string     `xml:"path,attr,omitempty" json:"path,omitempty"`
	Visibility       Visibility `xml:"visibility,attr,omitempty" json:"visibility,omitempty"`
	CreatedDate      *Timestamp `xml:"http://www.orcid.org/ns/common created-date,omitempty" json:"created-date,omitempty"`
	LastModifiedDate *Timestamp `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	Source           *Source    `xml:"http://www.orcid.org/ns/common source,omitempty" json:"source,omitempty"`
}

// GetPutCode returns the put-code (0 if none).
func (m *ItemMeta) GetPutCode() int64 { return m.PutCode }

// SetPutCode sets the put-code.
func (m *ItemMeta) SetPutCode(pc int64) { m.PutCode = pc }

// GetPath returns the path attribute, e.g. /0000-0002-1825-0097/work/123.
func (m *ItemMeta) GetPath() string { return m.Path }

// SetPath sets the path attribute.
func (m *ItemMeta) SetPath(p string) { m.Path = p }

// GetVisibility returns the visibility ("" if none).
func (m *ItemMeta) GetVisibility() Visibility { return m.Visibility }

// SetVisibility sets the visibility.
func (m *ItemMeta) SetVisibility(v Visibility) { m.Visibility = v }

// GetSource returns the source (nil if none).
func (m *ItemMeta) GetSource() *Source { return m.Source }

// SetSource replaces the source; ORCID always overwrites what clients send.
func (m *ItemMeta) SetSource(s *Source) { m.Source = s }

// GetCreatedDate returns created-date (zero if none).
func (m *ItemMeta) GetCreatedDate() time.Time { return m.CreatedDate.value() }

// GetLastModifiedDate returns last-modified-date (zero if none).
func (m *ItemMeta) GetLastModifiedDate() time.Time { return m.LastModifiedDate.value() }

// SetDates sets created-date and last-modified-date; a zero time removes
// the element.
func (m *ItemMeta) SetDates(created, lastModified time.Time) {
	m.CreatedDate = NewTimestamp(created)
	m.LastModifiedDate = NewTimestamp(lastModified)
}

func (ts *Timestamp) value() time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.Time
}
