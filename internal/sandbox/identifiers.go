package sandbox

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// How ORCID fills external-id-normalized when it reads an identifier list:
// each activity's list goes through one of three Orika converters
// (orcid-core/.../adapter/v3/impl/MapperFacadeFactory.java).
type readNormalization int

const (
	// readNone: JSONFundingExternalIdentifiersConverterV3 (fundings) and
	// JSONPeerReviewWorkExternalIdentifierConverterV3 (a peer review's
	// subject) never normalise.
	readNone readNormalization = iota
	// readWork: JSONWorkExternalIdentifiersConverterV3 (works, peer
	// reviews' review-identifiers, research resources' proposal and items).
	readWork
	// readAffiliation: JSONExternalIdentifiersConverterV3 (the seven
	// affiliation kinds).
	readAffiliation
)

// idList is one external-ids list of an item and how ORCID normalises it.
type idList struct {
	ids  *orcid.ExternalIDs
	read readNormalization
}

// externalIDLists returns every external-ids list of an activity; ORCID's
// samples (record-full-3.0.json) show the normalised value on works, peer
// reviews, research resources and affiliations, and none on fundings.
// A peer review's single subject-external-identifier is not a list and is
// never normalised.
func externalIDLists(item orcid.Item) []idList {
	switch x := item.(type) {
	case *orcid.Work:
		return []idList{{x.ExternalIDs, readWork}}
	case *orcid.PeerReview:
		return []idList{{x.ReviewIdentifiers, readWork}}
	case *orcid.ResearchResource:
		var out []idList
		if x.Proposal != nil {
			out = append(out, idList{x.Proposal.ExternalIDs, readWork})
		}
		for i := range x.ResourceItems {
			out = append(out, idList{x.ResourceItems[i].ExternalIDs, readWork})
		}
		return out
	case *orcid.Affiliation:
		return []idList{{x.ExternalIDs, readAffiliation}}
	case *orcid.Funding:
		return []idList{{x.ExternalIDs, readNone}}
	}
	return nil
}

// clearNormalized forgets external-id-normalized and its error everywhere
// in item: they are ORCID's on read, never the client's.
func clearNormalized(item orcid.Item) {
	for _, l := range externalIDLists(item) {
		if l.ids == nil {
			continue
		}
		for i := range l.ids.ExternalID {
			l.ids.ExternalID[i].Normalized, l.ids.ExternalID[i].NormalizedError = nil, nil
		}
	}
	if pr, ok := item.(*orcid.PeerReview); ok && pr.SubjectExternalIdentifier != nil {
		pr.SubjectExternalIdentifier.Normalized, pr.SubjectExternalIdentifier.NormalizedError = nil, nil
	}
}

// GET /v3.0/identifiers: ORCID's identifier types, on the Public API only.
// ORCID serves it from orcid-pub-web (org.orcid.api.identifiers.
// IdentifierApiServiceImpl, registered by orcid-pub-web's web.xml); the
// Member API has no such resource, so there "identifiers" is read as an iD
// like any other first segment (404 9016).
//
// The answer is IdentifierApiServiceDelegatorImpl.getIdentifierTypes: the
// values of IdentifierTypeManagerImpl.fetchIdentifierTypesByAPITypeName, a
// java.util.HashMap keyed by API name, written by Jersey as a list of the
// org.orcid.pojo.IdentifierType bean:
//
//   - JSON (Jackson with JAXB annotations, OrcidJacksonJaxbJsonProvider): an
//     array of objects whose members come in the bean's field order (name,
//     resolutionPrefix, description, dateCreated, lastModified,
//     caseSensitive, primaryUse, deprecated, then putCode, which has no
//     field), nulls included, dates as epoch milliseconds; validationRegex
//     and sourceClient are @XmlTransient.
//   - XML (Jersey's XmlCollectionJaxbProvider): an XML declaration with
//     standalone="yes", the @XmlHeader stylesheet instruction, then
//     <identifierTypes> holding one <identifierType> per type, whose
//     elements JAXB orders by name and leaves out when null.
//
// The resource @Produces application/json and application/xml only, JSON
// first; the locale parameter picks the descriptions' language.
//
// What the emulator cannot know: the rows' date_created and last_modified
// (set by now() when each ORCID database ran its migrations), served here
// as identifierTypesMillis, and the translations: only English is carried,
// so every locale gets the English descriptions.
const identifierTypesPath = "identifiers"

// identifierTypesMillis stands for the rows' date_created and
// last_modified: 2016-01-01T00:00:00Z, the year the table was created.
const identifierTypesMillis int64 = 1451606400000

// identifierMediaTypes are what the resource produces, in @Produces order.
var identifierMediaTypes = []mediaType{{"application/json", true}, {"application/xml", false}}

// identifierTypeJSON is the bean as Jackson writes it.
type identifierTypeJSON struct {
	Name             string  `json:"name"`
	ResolutionPrefix *string `json:"resolutionPrefix"`
	Description      string  `json:"description"`
	DateCreated      int64   `json:"dateCreated"`
	LastModified     int64   `json:"lastModified"`
	CaseSensitive    bool    `json:"caseSensitive"`
	PrimaryUse       string  `json:"primaryUse"`
	Deprecated       bool    `json:"deprecated"`
	PutCode          int64   `json:"putCode"`
}

// identifierTypeXML is the bean as JAXB writes it.
type identifierTypeXML struct {
	XMLName          xml.Name `xml:"identifierType"`
	CaseSensitive    bool     `xml:"caseSensitive"`
	DateCreated      string   `xml:"dateCreated"`
	Deprecated       bool     `xml:"deprecated"`
	Description      string   `xml:"description"`
	LastModified     string   `xml:"lastModified"`
	Name             string   `xml:"name"`
	PrimaryUse       string   `xml:"primaryUse"`
	PutCode          int64    `xml:"putCode"`
	ResolutionPrefix string   `xml:"resolutionPrefix,omitempty"`
}

// identifierTypesInMapOrder returns the types in the order ORCID's HashMap
// hands them out, which is deterministic: the map is filled from
// IdentifierTypeDaoImpl.getEntities ("order by name", the database name
// such as ASIN_TLD) and holds 52 entries, so it has grown to 128 buckets;
// iteration walks the buckets in index order (String.hashCode spread by
// HashMap.hash) and each bucket in insertion order.
func identifierTypesInMapOrder() []orcid.IDType {
	types := orcid.IdentifierTypes()
	dbName := func(t orcid.IDType) string { return strings.ToUpper(strings.ReplaceAll(t.Name, "-", "_")) }
	sort.SliceStable(types, func(i, j int) bool { return dbName(types[i]) < dbName(types[j]) })
	buckets := javaHashMapCapacity(len(types))
	bucket := func(t orcid.IDType) uint32 {
		h := javaStringHash(t.Name)
		return (h ^ h>>16) & uint32(buckets-1)
	}
	sort.SliceStable(types, func(i, j int) bool { return bucket(types[i]) < bucket(types[j]) })
	return types
}

// javaStringHash is String.hashCode over the UTF-16 code units.
func javaStringHash(s string) uint32 {
	var h uint32
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + uint32(0xD800+(r>>10))
			h = 31*h + uint32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + uint32(r)
	}
	return h
}

// javaHashMapCapacity is the table size of a default HashMap (16 buckets,
// load factor 0.75, doubling) after n insertions.
func javaHashMapCapacity(n int) int {
	c := 16
	for n > c*3/4 {
		c *= 2
	}
	return c
}

// apiIdentifiers answers GET /v3.0/identifiers on the Public API.
func (r *Registry) apiIdentifiers(w http.ResponseWriter, a *apiRequest) error {
	if a.req.Method != http.MethodGet && a.req.Method != http.MethodHead {
		return errJAXRS(http.StatusMethodNotAllowed, "")
	}
	out, ok := negotiateIdentifiers(a.req.Header.Get("Accept"))
	if !ok {
		return errJAXRS(http.StatusNotAcceptable, "")
	}
	// The locale parameter is accepted and, with English the only language
	// carried (see identifierTypesPath), changes nothing.
	types := identifierTypesInMapOrder()
	var body []byte
	if out.json {
		list := make([]identifierTypeJSON, len(types))
		ms := identifierTypesMillis
		for i, t := range types {
			var prefix *string
			if t.ResolutionPrefix != "" {
				p := t.ResolutionPrefix
				prefix = &p
			}
			list[i] = identifierTypeJSON{Name: t.Name, ResolutionPrefix: prefix, Description: t.Description,
				DateCreated: ms, LastModified: ms, CaseSensitive: t.CaseSensitive, PrimaryUse: t.PrimaryUse,
				Deprecated: t.Deprecated, PutCode: t.PutCode}
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(list); err != nil {
			return err
		}
		body = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	} else {
		var buf bytes.Buffer
		buf.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`)
		buf.WriteString(`<?xml-stylesheet type="text/xsl" href="../static/identifierTypes.xsl"?>`)
		buf.WriteString("<identifierTypes>")
		date := jaxbDateTime(time.UnixMilli(identifierTypesMillis))
		for _, t := range types {
			b, err := xml.Marshal(identifierTypeXML{CaseSensitive: t.CaseSensitive, DateCreated: date, Deprecated: t.Deprecated,
				Description: t.Description, LastModified: date, Name: t.Name, PrimaryUse: t.PrimaryUse, PutCode: t.PutCode,
				ResolutionPrefix: t.ResolutionPrefix})
			if err != nil {
				return err
			}
			buf.Write(b)
		}
		buf.WriteString("</identifierTypes>")
		body = buf.Bytes()
	}
	w.Header().Set("Content-Type", out.name)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if a.req.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return nil
}

// jaxbDateTime is how JAXB writes a java.util.Date (xs:dateTime, with
// milliseconds only when there are some, in the server's zone: UTC).
func jaxbDateTime(t time.Time) string {
	if t.Nanosecond()/1e6 != 0 {
		return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	}
	return t.UTC().Format("2006-01-02T15:04:05Z07:00")
}

// negotiateIdentifiers picks JSON or XML as JAX-RS does for a resource that
// produces only those two (JSON when the client has no preference).
func negotiateIdentifiers(accept string) (mediaType, bool) {
	if strings.TrimSpace(accept) == "" {
		return identifierMediaTypes[0], true
	}
	ranges := parseAccept(accept)
	if len(ranges) == 0 {
		return identifierMediaTypes[0], true
	}
	best, bestQ, bestSpec := mediaType{}, 0.0, -1
	for _, mt := range identifierMediaTypes {
		q, spec := match(ranges, mt)
		if spec < 0 || q <= 0 {
			continue
		}
		if q > bestQ || (q == bestQ && spec > bestSpec) {
			best, bestQ, bestSpec = mt, q, spec
		}
	}
	return best, best.name != ""
}
