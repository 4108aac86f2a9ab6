package orcid

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
)

// XML namespaces of the ORCID v3.0 message schemas. The XSDs declare
// elementFormDefault="qualified", so every element the model emits is
// qualified with one of these; struct tags repeat the literal URIs because Go
// tags cannot refer to constants.
const (
	NSCommon             = "http://www.orcid.org/ns/common"
	NSWork               = "http://www.orcid.org/ns/work"
	NSFunding            = "http://www.orcid.org/ns/funding"
	NSDistinction        = "http://www.orcid.org/ns/distinction"
	NSEducation          = "http://www.orcid.org/ns/education"
	NSEmployment         = "http://www.orcid.org/ns/employment"
	NSInvitedPosition    = "http://www.orcid.org/ns/invited-position"
	NSMembership         = "http://www.orcid.org/ns/membership"
	NSQualification      = "http://www.orcid.org/ns/qualification"
	NSService            = "http://www.orcid.org/ns/service"
	NSPeerReview         = "http://www.orcid.org/ns/peer-review"
	NSResearchResource   = "http://www.orcid.org/ns/research-resource"
	NSActivities         = "http://www.orcid.org/ns/activities"
	NSRecord             = "http://www.orcid.org/ns/record"
	NSPerson             = "http://www.orcid.org/ns/person"
	NSPersonalDetails    = "http://www.orcid.org/ns/personal-details"
	NSOtherName          = "http://www.orcid.org/ns/other-name"
	NSKeyword            = "http://www.orcid.org/ns/keyword"
	NSResearcherURL      = "http://www.orcid.org/ns/researcher-url"
	NSAddress            = "http://www.orcid.org/ns/address"
	NSEmail              = "http://www.orcid.org/ns/email"
	NSExternalIdentifier = "http://www.orcid.org/ns/external-identifier"
	NSHistory            = "http://www.orcid.org/ns/history"
	NSPreferences        = "http://www.orcid.org/ns/preferences"
	NSBulk               = "http://www.orcid.org/ns/bulk"
	NSError              = "http://www.orcid.org/ns/error"
	NSGroupID            = "http://www.orcid.org/ns/group-id"
)

// EncodeXML renders v as an indented XML document with the XML declaration,
// the form ORCID serves. Use it (or xml.Marshal) on any model type.
func EncodeXML(v any) ([]byte, error) {
	b, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

// xmlRoot names the element of a value that is being marshalled as a
// document root. encoding/xml hands MarshalXML the Go type name when no
// struct tag is involved, which is never a namespace-qualified ORCID name, so
// an empty namespace is the signal to substitute the canonical root. Values
// marshalled through a tagged field keep the field's name: the same Go type
// serves e.g. person:name and personal-details:name.
func xmlRoot(start xml.StartElement, def xml.Name) xml.StartElement {
	if start.Name.Space == "" {
		start.Name = def
	}
	return start
}

// checkXMLRoot rejects a document whose root is not one of want. Without it
// encoding/xml would happily decode a <funding> body into a Work and leave
// every field empty, which the emulator would then misreport as a missing
// title instead of a wrong body.
func checkXMLRoot(start xml.StartElement, want ...xml.Name) error {
	for _, w := range want {
		if start.Name == w {
			return nil
		}
	}
	return fmt.Errorf("orcid: unexpected XML element {%s}%s, want {%s}%s",
		start.Name.Space, start.Name.Local, want[0].Space, want[0].Local)
}

// isJSONObject reports whether b (a JSON value) is an object.
func isJSONObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}

// jsonScalarText turns a JSON scalar into its text: strings are unquoted,
// numbers and booleans kept as written, null is "". ORCID's JSON carries
// years and amounts sometimes as strings and sometimes as numbers; keeping
// the literal text is lossless for both.
func jsonScalarText(b []byte) (string, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", errors.New("orcid: empty JSON value")
	}
	switch c := b[0]; {
	case c == '"':
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	case c == 'n' && string(b) == "null":
		return "", nil
	case c == 't' || c == 'f' || c == '-' || (c >= '0' && c <= '9'):
		if !json.Valid(b) {
			return "", fmt.Errorf("orcid: invalid JSON value %q", b)
		}
		return string(b), nil
	}
	return "", fmt.Errorf("orcid: expected a JSON string or {\"value\": ...}, got %.40q", b)
}

// jsonValueText accepts either a bare scalar or ORCID's {"value": scalar}
// wrapper and returns the text. ORCID (Jackson) emits the wrapper but accepts
// both, and its own write samples use both forms.
func jsonValueText(b []byte) (string, error) {
	if !isJSONObject(b) {
		return jsonScalarText(b)
	}
	var obj struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return "", err
	}
	if len(obj.Value) == 0 {
		return "", nil
	}
	return jsonScalarText(obj.Value)
}
