package orcid

import (
	"encoding/xml"
	"strings"
)

var (
	xnKeyword                   = xml.Name{Space: NSKeyword, Local: "keyword"}
	xnKeywords                  = xml.Name{Space: NSKeyword, Local: "keywords"}
	xnOtherName                 = xml.Name{Space: NSOtherName, Local: "other-name"}
	xnOtherNames                = xml.Name{Space: NSOtherName, Local: "other-names"}
	xnResearcherURL             = xml.Name{Space: NSResearcherURL, Local: "researcher-url"}
	xnResearcherURLs            = xml.Name{Space: NSResearcherURL, Local: "researcher-urls"}
	xnAddress                   = xml.Name{Space: NSAddress, Local: "address"}
	xnAddresses                 = xml.Name{Space: NSAddress, Local: "addresses"}
	xnPersonExternalIdentifier  = xml.Name{Space: NSExternalIdentifier, Local: "external-identifier"}
	xnPersonExternalIdentifiers = xml.Name{Space: NSExternalIdentifier, Local: "external-identifiers"}
	xnEmail                     = xml.Name{Space: NSEmail, Local: "email"}
	xnEmails                    = xml.Name{Space: NSEmail, Local: "emails"}
	xnName                      = xml.Name{Space: NSPersonalDetails, Local: "name"}
	xnPersonName                = xml.Name{Space: NSPerson, Local: "name"}
	xnBiography                 = xml.Name{Space: NSPersonalDetails, Local: "biography"}
	xnPersonBiography           = xml.Name{Space: NSPerson, Local: "biography"}
	xnPersonalDetails           = xml.Name{Space: NSPersonalDetails, Local: "personal-details"}
	xnPerson                    = xml.Name{Space: NSPerson, Local: "person"}
)

// Person items carry display-index as a JSON number (a Long in ORCID's
// model), activities as a JSON string; hence *int64 here and string there.

// Keyword is keyword:keyword, written to /keywords.
type Keyword struct {
	ItemMeta
	DisplayIndex *int64 `xml:"display-index,attr,omitempty" json:"display-index,omitempty"`
	Content      string `xml:"http://www.orcid.org/ns/keyword content,omitempty" json:"content,omitempty"`
}

// MarshalXML names the root keyword:keyword.
func (k Keyword) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain Keyword
	return e.EncodeElement(plain(k), xmlRoot(start, xnKeyword))
}

// UnmarshalXML accepts only a keyword:keyword element.
func (k *Keyword) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnKeyword); err != nil {
		return err
	}
	type plain Keyword
	return d.DecodeElement((*plain)(k), &start)
}

// ItemKind returns KindKeyword.
func (k *Keyword) ItemKind() ItemKind { return KindKeyword }

// GetExternalIDs returns nil: keywords have no identifiers.
func (k *Keyword) GetExternalIDs() []ExternalID { return nil }

// DisplayTitle returns the keyword.
func (k *Keyword) DisplayTitle() string { return k.Content }

// OtherName is other-name:other-name, written to /other-names.
type OtherName struct {
	ItemMeta
	DisplayIndex *int64 `xml:"display-index,attr,omitempty" json:"display-index,omitempty"`
	Content      string `xml:"http://www.orcid.org/ns/other-name content,omitempty" json:"content,omitempty"`
}

// MarshalXML names the root other-name:other-name.
func (o OtherName) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain OtherName
	return e.EncodeElement(plain(o), xmlRoot(start, xnOtherName))
}

// UnmarshalXML accepts only an other-name:other-name element.
func (o *OtherName) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnOtherName); err != nil {
		return err
	}
	type plain OtherName
	return d.DecodeElement((*plain)(o), &start)
}

// ItemKind returns KindOtherName.
func (o *OtherName) ItemKind() ItemKind { return KindOtherName }

// GetExternalIDs returns nil: other names have no identifiers.
func (o *OtherName) GetExternalIDs() []ExternalID { return nil }

// DisplayTitle returns the name.
func (o *OtherName) DisplayTitle() string { return o.Content }

// ResearcherURL is researcher-url:researcher-url, written to
// /researcher-urls.
type ResearcherURL struct {
	ItemMeta
	DisplayIndex *int64 `xml:"display-index,attr,omitempty" json:"display-index,omitempty"`
	URLName      string `xml:"http://www.orcid.org/ns/researcher-url url-name,omitempty" json:"url-name,omitempty"`
	URL          *Text  `xml:"http://www.orcid.org/ns/researcher-url url,omitempty" json:"url,omitempty"`
}

// MarshalXML names the root researcher-url:researcher-url.
func (r ResearcherURL) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain ResearcherURL
	return e.EncodeElement(plain(r), xmlRoot(start, xnResearcherURL))
}

// UnmarshalXML accepts only a researcher-url:researcher-url element.
func (r *ResearcherURL) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnResearcherURL); err != nil {
		return err
	}
	type plain ResearcherURL
	return d.DecodeElement((*plain)(r), &start)
}

// ItemKind returns KindResearcherURL.
func (r *ResearcherURL) ItemKind() ItemKind { return KindResearcherURL }

// GetExternalIDs returns nil: researcher URLs have no identifiers.
func (r *ResearcherURL) GetExternalIDs() []ExternalID { return nil }

// DisplayTitle returns the URL name, else the URL.
func (r *ResearcherURL) DisplayTitle() string {
	if r.URLName != "" {
		return r.URLName
	}
	return r.URL.String()
}

// Address is address:address (a country), written to /address.
type Address struct {
	ItemMeta
	DisplayIndex *int64   `xml:"display-index,attr,omitempty" json:"display-index,omitempty"`
	Country      *Country `xml:"http://www.orcid.org/ns/address country,omitempty" json:"country,omitempty"`
}

// MarshalXML names the root address:address.
func (a Address) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain Address
	return e.EncodeElement(plain(a), xmlRoot(start, xnAddress))
}

// UnmarshalXML accepts only an address:address element.
func (a *Address) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnAddress); err != nil {
		return err
	}
	type plain Address
	return d.DecodeElement((*plain)(a), &start)
}

// ItemKind returns KindAddress.
func (a *Address) ItemKind() ItemKind { return KindAddress }

// GetExternalIDs returns nil: addresses have no identifiers.
func (a *Address) GetExternalIDs() []ExternalID { return nil }

// DisplayTitle returns the country code.
func (a *Address) DisplayTitle() string {
	if a.Country == nil {
		return ""
	}
	return a.Country.Value
}

// PersonExternalIdentifier is external-identifier:external-identifier
// (e.g. a Scopus author id), written to /external-identifiers. It is an
// ExternalID with the item attributes around it.
type PersonExternalIdentifier struct {
	ItemMeta
	DisplayIndex *int64 `xml:"display-index,attr,omitempty" json:"display-index,omitempty"`
	ExternalID
}

// MarshalXML names the root external-identifier:external-identifier.
func (p PersonExternalIdentifier) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain PersonExternalIdentifier
	return e.EncodeElement(plain(p), xmlRoot(start, xnPersonExternalIdentifier))
}

// UnmarshalXML accepts only an external-identifier:external-identifier
// element.
func (p *PersonExternalIdentifier) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnPersonExternalIdentifier); err != nil {
		return err
	}
	type plain PersonExternalIdentifier
	return d.DecodeElement((*plain)(p), &start)
}

// ItemKind returns KindExternalIdentifier.
func (p *PersonExternalIdentifier) ItemKind() ItemKind { return KindExternalIdentifier }

// GetExternalIDs returns the identifier itself.
func (p *PersonExternalIdentifier) GetExternalIDs() []ExternalID {
	return []ExternalID{p.ExternalID}
}

// DisplayTitle returns "type: value".
func (p *PersonExternalIdentifier) DisplayTitle() string {
	return strings.TrimPrefix(p.Type+": "+p.Value, ": ")
}

// Email is email:email (read only through the API).
type Email struct {
	ItemMeta
	Verified *bool  `xml:"verified,attr,omitempty" json:"verified,omitempty"`
	Primary  *bool  `xml:"primary,attr,omitempty" json:"primary,omitempty"`
	Email    string `xml:"http://www.orcid.org/ns/email email,omitempty" json:"email,omitempty"`
}

// MarshalXML names the root email:email.
func (m Email) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain Email
	return e.EncodeElement(plain(m), xmlRoot(start, xnEmail))
}

// UnmarshalXML accepts only an email:email element.
func (m *Email) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnEmail); err != nil {
		return err
	}
	type plain Email
	return d.DecodeElement((*plain)(m), &start)
}

// Name is the researcher's name: personal-details:name on its own and
// inside personal-details, person:name inside person. ORCID's JSON also
// carries a source here; the XSD has no place for it, so Source is JSON only.
type Name struct {
	Visibility       Visibility `xml:"visibility,attr,omitempty" json:"visibility,omitempty"`
	Path             string     `xml:"path,attr,omitempty" json:"path,omitempty"`
	CreatedDate      *Timestamp `xml:"http://www.orcid.org/ns/common created-date,omitempty" json:"created-date,omitempty"`
	LastModifiedDate *Timestamp `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	GivenNames       *Text      `xml:"http://www.orcid.org/ns/personal-details given-names,omitempty" json:"given-names,omitempty"`
	FamilyName       *Text      `xml:"http://www.orcid.org/ns/personal-details family-name,omitempty" json:"family-name,omitempty"`
	CreditName       *Text      `xml:"http://www.orcid.org/ns/personal-details credit-name,omitempty" json:"credit-name,omitempty"`
	Source           *Source    `xml:"-" json:"source,omitempty"`
}

// MarshalXML names a root name personal-details:name.
func (n Name) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain Name
	return e.EncodeElement(plain(n), xmlRoot(start, xnName))
}

// UnmarshalXML accepts personal-details:name and person:name.
func (n *Name) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnName, xnPersonName); err != nil {
		return err
	}
	type plain Name
	return d.DecodeElement((*plain)(n), &start)
}

// Biography is personal-details:biography (person:biography inside person).
type Biography struct {
	Visibility       Visibility `xml:"visibility,attr,omitempty" json:"visibility,omitempty"`
	Path             string     `xml:"path,attr,omitempty" json:"path,omitempty"`
	CreatedDate      *Timestamp `xml:"http://www.orcid.org/ns/common created-date,omitempty" json:"created-date,omitempty"`
	LastModifiedDate *Timestamp `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	Content          string     `xml:"http://www.orcid.org/ns/personal-details content,omitempty" json:"content,omitempty"`
}

// MarshalXML names a root biography personal-details:biography.
func (b Biography) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain Biography
	return e.EncodeElement(plain(b), xmlRoot(start, xnBiography))
}

// UnmarshalXML accepts personal-details:biography and person:biography.
func (b *Biography) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnBiography, xnPersonBiography); err != nil {
		return err
	}
	type plain Biography
	return d.DecodeElement((*plain)(b), &start)
}

// Keywords is the /keywords section (keyword:keywords).
type Keywords struct {
	Path             string     `xml:"path,attr,omitempty" json:"path,omitempty"`
	LastModifiedDate *Timestamp `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	Keyword          []Keyword  `xml:"http://www.orcid.org/ns/keyword keyword" json:"keyword,omitempty"`
}

// MarshalXML names the root keyword:keywords.
func (k Keywords) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain Keywords
	return e.EncodeElement(plain(k), xmlRoot(start, xnKeywords))
}

// UnmarshalXML accepts only a keyword:keywords element.
func (k *Keywords) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnKeywords); err != nil {
		return err
	}
	type plain Keywords
	return d.DecodeElement((*plain)(k), &start)
}

// OtherNames is the /other-names section (other-name:other-names).
type OtherNames struct {
	Path             string      `xml:"path,attr,omitempty" json:"path,omitempty"`
	LastModifiedDate *Timestamp  `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	OtherName        []OtherName `xml:"http://www.orcid.org/ns/other-name other-name" json:"other-name,omitempty"`
}

// MarshalXML names the root other-name:other-names.
func (o OtherNames) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain OtherNames
	return e.EncodeElement(plain(o), xmlRoot(start, xnOtherNames))
}

// UnmarshalXML accepts only an other-name:other-names element.
func (o *OtherNames) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnOtherNames); err != nil {
		return err
	}
	type plain OtherNames
	return d.DecodeElement((*plain)(o), &start)
}

// ResearcherURLs is the /researcher-urls section
// (researcher-url:researcher-urls).
type ResearcherURLs struct {
	Path             string          `xml:"path,attr,omitempty" json:"path,omitempty"`
	LastModifiedDate *Timestamp      `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	ResearcherURL    []ResearcherURL `xml:"http://www.orcid.org/ns/researcher-url researcher-url" json:"researcher-url,omitempty"`
}

// MarshalXML names the root researcher-url:researcher-urls.
func (r ResearcherURLs) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain ResearcherURLs
	return e.EncodeElement(plain(r), xmlRoot(start, xnResearcherURLs))
}

// UnmarshalXML accepts only a researcher-url:researcher-urls element.
func (r *ResearcherURLs) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnResearcherURLs); err != nil {
		return err
	}
	type plain ResearcherURLs
	return d.DecodeElement((*plain)(r), &start)
}

// Addresses is the /address section (address:addresses).
type Addresses struct {
	Path             string     `xml:"path,attr,omitempty" json:"path,omitempty"`
	LastModifiedDate *Timestamp `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	Address          []Address  `xml:"http://www.orcid.org/ns/address address" json:"address,omitempty"`
}

// MarshalXML names the root address:addresses.
func (a Addresses) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain Addresses
	return e.EncodeElement(plain(a), xmlRoot(start, xnAddresses))
}

// UnmarshalXML accepts only an address:addresses element.
func (a *Addresses) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnAddresses); err != nil {
		return err
	}
	type plain Addresses
	return d.DecodeElement((*plain)(a), &start)
}

// PersonExternalIdentifiers is the /external-identifiers section
// (external-identifier:external-identifiers).
type PersonExternalIdentifiers struct {
	Path               string                     `xml:"path,attr,omitempty" json:"path,omitempty"`
	LastModifiedDate   *Timestamp                 `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	ExternalIdentifier []PersonExternalIdentifier `xml:"http://www.orcid.org/ns/external-identifier external-identifier" json:"external-identifier,omitempty"`
}

// MarshalXML names the root external-identifier:external-identifiers.
func (p PersonExternalIdentifiers) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain PersonExternalIdentifiers
	return e.EncodeElement(plain(p), xmlRoot(start, xnPersonExternalIdentifiers))
}

// UnmarshalXML accepts only an external-identifier:external-identifiers
// element.
func (p *PersonExternalIdentifiers) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnPersonExternalIdentifiers); err != nil {
		return err
	}
	type plain PersonExternalIdentifiers
	return d.DecodeElement((*plain)(p), &start)
}

// Emails is the /email section (email:emails).
type Emails struct {
	Path             string     `xml:"path,attr,omitempty" json:"path,omitempty"`
	LastModifiedDate *Timestamp `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	Email            []Email    `xml:"http://www.orcid.org/ns/email email" json:"email,omitempty"`
}

// MarshalXML names the root email:emails.
func (m Emails) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain Emails
	return e.EncodeElement(plain(m), xmlRoot(start, xnEmails))
}

// UnmarshalXML accepts only an email:emails element.
func (m *Emails) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnEmails); err != nil {
		return err
	}
	type plain Emails
	return d.DecodeElement((*plain)(m), &start)
}

// PersonalDetails is /personal-details (personal-details:personal-details).
type PersonalDetails struct {
	Path             string      `xml:"path,attr,omitempty" json:"path,omitempty"`
	LastModifiedDate *Timestamp  `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	Name             *Name       `xml:"http://www.orcid.org/ns/personal-details name,omitempty" json:"name,omitempty"`
	OtherNames       *OtherNames `xml:"http://www.orcid.org/ns/other-name other-names,omitempty" json:"other-names,omitempty"`
	Biography        *Biography  `xml:"http://www.orcid.org/ns/personal-details biography,omitempty" json:"biography,omitempty"`
}

// MarshalXML names the root personal-details:personal-details.
func (p PersonalDetails) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain PersonalDetails
	return e.EncodeElement(plain(p), xmlRoot(start, xnPersonalDetails))
}

// UnmarshalXML accepts only a personal-details:personal-details element.
func (p *PersonalDetails) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnPersonalDetails); err != nil {
		return err
	}
	type plain PersonalDetails
	return d.DecodeElement((*plain)(p), &start)
}

// Person is the /person section (person:person). The XSD requires Emails.
type Person struct {
	Path                string                     `xml:"path,attr,omitempty" json:"path,omitempty"`
	LastModifiedDate    *Timestamp                 `xml:"http://www.orcid.org/ns/common last-modified-date,omitempty" json:"last-modified-date,omitempty"`
	Name                *Name                      `xml:"http://www.orcid.org/ns/person name,omitempty" json:"name,omitempty"`
	OtherNames          *OtherNames                `xml:"http://www.orcid.org/ns/other-name other-names,omitempty" json:"other-names,omitempty"`
	Biography           *Biography                 `xml:"http://www.orcid.org/ns/person biography,omitempty" json:"biography,omitempty"`
	ResearcherURLs      *ResearcherURLs            `xml:"http://www.orcid.org/ns/researcher-url researcher-urls,omitempty" json:"researcher-urls,omitempty"`
	Emails              *Emails                    `xml:"http://www.orcid.org/ns/email emails,omitempty" json:"emails,omitempty"`
	Addresses           *Addresses                 `xml:"http://www.orcid.org/ns/address addresses,omitempty" json:"addresses,omitempty"`
	Keywords            *Keywords                  `xml:"http://www.orcid.org/ns/keyword keywords,omitempty" json:"keywords,omitempty"`
	ExternalIdentifiers *PersonExternalIdentifiers `xml:"http://www.orcid.org/ns/external-identifier external-identifiers,omitempty" json:"external-identifiers,omitempty"`
}

// MarshalXML names the root person:person.
func (p Person) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type plain Person
	return e.EncodeElement(plain(p), xmlRoot(start, xnPerson))
}

// UnmarshalXML accepts only a person:person element.
func (p *Person) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if err := checkXMLRoot(start, xnPerson); err != nil {
		return err
	}
	type plain Person
	return d.DecodeElement((*plain)(p), &start)
}
