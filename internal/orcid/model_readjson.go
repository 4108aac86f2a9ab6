package orcid

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// ORCID's JSON answers are Jackson over the JAXB classes of orcid-model
// (org.orcid.jaxb.model.v3.release.*) with Jackson's default inclusion:
// every property of the class is written, an absent one as null, an absent
// list as [] (see record_3.0/samples/read_samples/record-full-3.0.json).
// The model's own encoding leaves absent fields out instead, which is what
// orcidlink sends to ORCID and what its golden files hold, so the "as ORCID
// answers" form is a separate rendering, EncodeReadJSON, used by the
// emulator for everything it serves. It re-shapes the model's JSON with
// readShapes, a table of each class's JSON properties in ORCID's order
// (the @XmlType propOrder of the class, then its attributes, as the sample
// shows). Properties the table does not know are kept at the end: a gap in
// the table shows up in the proof test instead of silently losing data.

// readShapes maps a shape name to its properties. Each property is
// "name" (a value; null when absent), "name:shape" (an object of that
// shape; null when absent), "name[]" or "name[]:shape" (a list; [] when
// absent) or "?name:shape" (present only when the model has it: one of
// several alternatives, as in a bulk entry). "*:shape" applies shape to
// every property of a wrapper object whose single key names its kind.
var readShapes = map[string]string{
	// common
	"id":                 "uri path host",
	"source":             "source-orcid:id source-client-id:id source-name assertion-origin-orcid:id assertion-origin-client-id:id assertion-origin-name",
	"fuzzy-date":         "year month day",
	"org":                "name address:org-address disambiguated-organization:disambiguated-org",
	"org-address":        "city region country",
	"disambiguated-org":  "disambiguated-organization-identifier disambiguation-source",
	"external-ids":       "external-id[]:external-id",
	"external-id":        "external-id-type external-id-value external-id-normalized external-id-normalized-error external-id-url external-id-relationship",
	"work-title":         "title subtitle translated-title",
	"funding-title":      "title translated-title",
	"citation":           "citation-type citation-value",
	"work-contributors":  "contributor[]:work-contributor",
	"work-contributor":   "contributor-orcid:id credit-name contributor-email contributor-attributes:work-contrib-attrs",
	"work-contrib-attrs": "contributor-sequence contributor-role",
	// FundingContributorAttributes has a role only.
	"funding-contributors":  "contributor[]:funding-contributor",
	"funding-contributor":   "contributor-orcid:id credit-name contributor-email contributor-attributes:funding-contrib-attrs",
	"funding-contrib-attrs": "contributor-role",
	"rr-hosts":              "organization[]:org",
	"rr-proposal":           "title:funding-title hosts:rr-hosts external-ids:external-ids start-date:fuzzy-date end-date:fuzzy-date url",
	"rr-item":               "resource-name resource-type hosts:rr-hosts external-ids:external-ids url",

	// Full items (Work, Funding, Affiliation, PeerReview, ResearchResource).
	// Work, Funding and PeerReview have no display-index; the others do.
	"work": "created-date last-modified-date source:source put-code path title:work-title journal-title short-description citation:citation " +
		"type publication-date:fuzzy-date external-ids:external-ids url contributors:work-contributors language-code country visibility",
	"funding": "created-date last-modified-date source:source put-code path type organization-defined-type title:funding-title short-description " +
		"amount url start-date:fuzzy-date end-date:fuzzy-date external-ids:external-ids contributors:funding-contributors organization:org visibility",
	"affiliation": "created-date last-modified-date source:source put-code path department-name role-title start-date:fuzzy-date end-date:fuzzy-date " +
		"organization:org url external-ids:external-ids display-index visibility",
	"peer-review": "created-date last-modified-date source:source reviewer-role review-identifiers:external-ids review-url review-type " +
		"review-completion-date:fuzzy-date review-group-id subject-external-identifier:external-id subject-container-name subject-type " +
		"subject-name:work-title subject-url convening-organization:org visibility put-code path",
	"research-resource": "created-date last-modified-date source:source proposal:rr-proposal resource-item[]:rr-item display-index visibility put-code path",

	// Summaries and their groups (record.summary).
	"work-summary": "put-code created-date last-modified-date source:source title:work-title external-ids:external-ids url type " +
		"publication-date:fuzzy-date journal-title visibility path display-index",
	"funding-summary": "created-date last-modified-date source:source title:funding-title external-ids:external-ids url type " +
		"start-date:fuzzy-date end-date:fuzzy-date organization:org visibility put-code path display-index",
	"affiliation-summary": "created-date last-modified-date source:source put-code department-name role-title start-date:fuzzy-date " +
		"end-date:fuzzy-date organization:org url external-ids:external-ids display-index visibility path",
	"peer-review-summary": "created-date last-modified-date source:source reviewer-role external-ids:external-ids review-url review-type " +
		"completion-date:fuzzy-date review-group-id convening-organization:org visibility put-code path display-index",
	"research-resource-summary": "created-date last-modified-date source:source proposal:rr-proposal visibility put-code path display-index",
	"works":                     "last-modified-date group[]:work-group path",
	"work-group":                "last-modified-date external-ids:external-ids work-summary[]:work-summary",
	"fundings":                  "last-modified-date group[]:funding-group path",
	"funding-group":             "last-modified-date external-ids:external-ids funding-summary[]:funding-summary",
	"affiliations":              "last-modified-date affiliation-group[]:affiliation-group path",
	"affiliation-group":         "last-modified-date external-ids:external-ids summaries[]:affiliation-wrapper",
	"affiliation-wrapper":       "*:affiliation-summary",
	"peer-reviews":              "last-modified-date group[]:peer-review-group path",
	"peer-review-group":         "last-modified-date external-ids:external-ids peer-review-group[]:peer-review-duplicates",
	"peer-review-duplicates":    "last-modified-date external-ids:external-ids peer-review-summary[]:peer-review-summary",
	"research-resources":        "last-modified-date group[]:research-resource-group path",
	"research-resource-group":   "last-modified-date external-ids:external-ids research-resource-summary[]:research-resource-summary",
	"activities": "last-modified-date distinctions:affiliations educations:affiliations employments:affiliations fundings:fundings " +
		"invited-positions:affiliations memberships:affiliations peer-reviews:peer-reviews qualifications:affiliations " +
		"research-resources:research-resources services:affiliations works:works path",

	// Person items and sections. display-index is a number here (a Long).
	"other-name":           "created-date last-modified-date source:source content visibility path put-code display-index",
	"keyword":              "created-date last-modified-date source:source content visibility path put-code display-index",
	"researcher-url":       "created-date last-modified-date source:source url-name url visibility path put-code display-index",
	"address":              "created-date last-modified-date source:source country visibility path put-code display-index",
	"external-identifier":  "created-date last-modified-date source:source external-id-type external-id-value external-id-url external-id-relationship visibility path put-code display-index",
	"email":                "created-date last-modified-date source:source email path visibility verified primary put-code",
	"other-names":          "last-modified-date other-name[]:other-name path",
	"keywords":             "last-modified-date keyword[]:keyword path",
	"researcher-urls":      "last-modified-date researcher-url[]:researcher-url path",
	"addresses":            "last-modified-date address[]:address path",
	"external-identifiers": "last-modified-date external-identifier[]:external-identifier path",
	"emails":               "last-modified-date email[]:email path",
	"name":                 "created-date last-modified-date given-names family-name credit-name source:source visibility path",
	"biography":            "created-date last-modified-date content visibility path",
	"personal-details":     "last-modified-date name:name other-names:other-names biography:biography path",
	"person": "last-modified-date name:name other-names:other-names biography:biography researcher-urls:researcher-urls emails:emails " +
		"addresses:addresses keywords:keywords external-identifiers:external-identifiers path",
	"history":     "creation-method completion-date submission-date last-modified-date claimed source:source deactivation-date verified-email verified-primary-email",
	"preferences": "locale",
	"record":      "orcid-identifier:id preferences:preferences history:history person:person activities-summary:activities path",
	"bulk":        "bulk[]:bulk-entry",
	"bulk-entry":  "?work:work ?error",

	// The record summary (ORCID-Source orcid-core org.orcid.core.model).
	"record-summary": "created-date last-modified-date credit-name orcid-identifier:id external-identifiers:summary-ext-ids employments:summary-employments " +
		"professional-activities:summary-activities fundings:summary-counts works:summary-counts peer-reviews:summary-peer-reviews " +
		"email-domains:summary-email-domains education-qualifications:summary-educations research-resources:summary-counts",
	"summary-ext-ids":       "external-identifier:summary-ext-id",
	"summary-ext-id":        "put-code external-id-type external-id-value external-id-url validated",
	"summary-employments":   "count employment:summary-affiliation",
	"summary-activities":    "count professional-activity:summary-affiliation",
	"summary-educations":    "count education-qualification:summary-affiliation",
	"summary-affiliation":   "put-code type organization-name role url start-date:fuzzy-date end-date:fuzzy-date validated",
	"summary-counts":        "self-asserted-count validated-count",
	"summary-peer-reviews":  "peer-review-publication-grants self-asserted-count total",
	"summary-email-domains": "count email-domain:summary-email-domain",
	"summary-email-domain":  "value verification-date",
}

// readEnumNames are values ORCID's JSON writes as Java enum names rather
// than the XML values: History.creationMethod is the message-package
// CreationMethod, whose JSON form is its name ("MEMBER_REFERRED" in
// record-full-3.0.json; orcid-model org/orcid/jaxb/model/message/
// CreationMethod.java). Other v3 enums serialise their XML value.
var readEnumNames = map[string]map[string]string{
	"creation-method": {
		"API": "API", "Direct": "DIRECT", "Member-referred": "MEMBER_REFERRED",
		"website": "WEBSITE", "integration-test": "INTEGRATION_TEST",
	},
}

// readRoot returns the shape of a value EncodeReadJSON knows, "" otherwise.
func readRoot(v any) string {
	switch v.(type) {
	case *Work, Work:
		return "work"
	case *Funding, Funding:
		return "funding"
	case *Affiliation, Affiliation:
		return "affiliation"
	case *PeerReview, PeerReview:
		return "peer-review"
	case *ResearchResource, ResearchResource:
		return "research-resource"
	case *WorkSummary, WorkSummary:
		return "work-summary"
	case *FundingSummary, FundingSummary:
		return "funding-summary"
	case *AffiliationSummary, AffiliationSummary:
		return "affiliation-summary"
	case *PeerReviewSummary, PeerReviewSummary:
		return "peer-review-summary"
	case *ResearchResourceSummary, ResearchResourceSummary:
		return "research-resource-summary"
	case *Works, Works:
		return "works"
	case *Fundings, Fundings:
		return "fundings"
	case *Affiliations, Affiliations:
		return "affiliations"
	case *PeerReviews, PeerReviews:
		return "peer-reviews"
	case *ResearchResources, ResearchResources:
		return "research-resources"
	case *ActivitiesSummary, ActivitiesSummary:
		return "activities"
	case *OtherName, OtherName:
		return "other-name"
	case *Keyword, Keyword:
		return "keyword"
	case *ResearcherURL, ResearcherURL:
		return "researcher-url"
	case *Address, Address:
		return "address"
	case *PersonExternalIdentifier, PersonExternalIdentifier:
		return "external-identifier"
	case *OtherNames, OtherNames:
		return "other-names"
	case *Keywords, Keywords:
		return "keywords"
	case *ResearcherURLs, ResearcherURLs:
		return "researcher-urls"
	case *Addresses, Addresses:
		return "addresses"
	case *PersonExternalIdentifiers, PersonExternalIdentifiers:
		return "external-identifiers"
	case *Emails, Emails:
		return "emails"
	case *Name, Name:
		return "name"
	case *Biography, Biography:
		return "biography"
	case *PersonalDetails, PersonalDetails:
		return "personal-details"
	case *Person, Person:
		return "person"
	case *History, History:
		return "history"
	case *Record, Record:
		return "record"
	case *Bulk, Bulk:
		return "bulk"
	case *RecordSummary, RecordSummary:
		return "record-summary"
	}
	return ""
}

// EncodeReadJSON renders v as ORCID's API answers it: the model's JSON
// with every property of ORCID's class present (null or [] when absent),
// in ORCID's order, and creation-method as its enum name. Values of types
// it has no shape for are encoded as json.Marshal would (without HTML
// escaping). Request bodies are not affected: use json.Marshal for those.
func EncodeReadJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	root := readRoot(v)
	if root == "" {
		return b, nil
	}
	var out bytes.Buffer
	if err := reshape(&out, b, root, ""); err != nil {
		return nil, fmt.Errorf("orcid: read JSON of %T: %w", v, err)
	}
	return out.Bytes(), nil
}

// readKey is one parsed property of a shape.
type readKey struct {
	name     string
	shape    string
	list     bool
	optional bool
}

func parseShape(name string) ([]readKey, error) {
	spec, ok := readShapes[name]
	if !ok {
		return nil, fmt.Errorf("no read shape %q", name)
	}
	var keys []readKey
	for _, f := range strings.Fields(spec) {
		var k readKey
		k.optional = strings.HasPrefix(f, "?")
		f = strings.TrimPrefix(f, "?")
		f, k.shape, _ = strings.Cut(f, ":")
		k.name, k.list = strings.CutSuffix(f, "[]")
		keys = append(keys, k)
	}
	return keys, nil
}

// member is one property of a decoded object, in document order.
type member struct {
	key string
	val json.RawMessage
}

func objectMembers(b []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var ms []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		ms = append(ms, member{key: t.(string), val: raw})
	}
	return ms, nil
}

// reshape writes b (a JSON value) in the given shape; key is the property
// name b was found under, for enum renaming.
func reshape(out *bytes.Buffer, b []byte, shape, key string) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		out.WriteString("null")
		return nil
	}
	switch b[0] {
	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(b, &elems); err != nil {
			return err
		}
		out.WriteByte('[')
		for i, e := range elems {
			if i > 0 {
				out.WriteByte(',')
			}
			if err := reshape(out, e, shape, key); err != nil {
				return err
			}
		}
		out.WriteByte(']')
		return nil
	case '{':
		if shape == "" {
			out.Write(b)
			return nil
		}
		return reshapeObject(out, b, shape)
	case '"':
		if names, ok := readEnumNames[key]; ok {
			var s string
			if err := json.Unmarshal(b, &s); err == nil {
				if n, ok := names[s]; ok {
					out.WriteString(strconv.Quote(n))
					return nil
				}
			}
		}
	}
	out.Write(b)
	return nil
}

func reshapeObject(out *bytes.Buffer, b []byte, shape string) error {
	keys, err := parseShape(shape)
	if err != nil {
		return err
	}
	ms, err := objectMembers(b)
	if err != nil {
		return err
	}
	have := make(map[string]json.RawMessage, len(ms))
	for _, m := range ms {
		have[m.key] = m.val
	}
	done := map[string]bool{}
	n := 0
	write := func(name string, val func() error) error {
		if n > 0 {
			out.WriteByte(',')
		}
		n++
		out.WriteString(strconv.Quote(name))
		out.WriteByte(':')
		return val()
	}
	out.WriteByte('{')
	if len(keys) == 1 && keys[0].name == "*" {
		for _, m := range ms {
			if err := write(m.key, func() error { return reshape(out, m.val, keys[0].shape, m.key) }); err != nil {
				return err
			}
		}
		out.WriteByte('}')
		return nil
	}
	for _, k := range keys {
		val, ok := have[k.name]
		done[k.name] = true
		switch {
		case ok:
			err = write(k.name, func() error { return reshape(out, val, k.shape, k.name) })
		case k.optional:
			continue
		case k.list:
			err = write(k.name, func() error { out.WriteString("[]"); return nil })
		default:
			err = write(k.name, func() error { out.WriteString("null"); return nil })
		}
		if err != nil {
			return err
		}
	}
	for _, m := range ms {
		if !done[m.key] {
			if err := write(m.key, func() error { out.Write(m.val); return nil }); err != nil {
				return err
			}
		}
	}
	out.WriteByte('}')
	return nil
}

// SetDisplayIndex sets ORCID's display-index on any item: a string on
// activities, a number on person items, as ORCID's classes type it.
func SetDisplayIndex(it Item, n int64) {
	s := strconv.FormatInt(n, 10)
	switch x := it.(type) {
	case *Work:
		x.DisplayIndex = s
	case *Funding:
		x.DisplayIndex = s
	case *Affiliation:
		x.DisplayIndex = s
	case *PeerReview:
		x.DisplayIndex = s
	case *ResearchResource:
		x.DisplayIndex = s
	case *Keyword:
		x.DisplayIndex = &n
	case *OtherName:
		x.DisplayIndex = &n
	case *ResearcherURL:
		x.DisplayIndex = &n
	case *Address:
		x.DisplayIndex = &n
	case *PersonExternalIdentifier:
		x.DisplayIndex = &n
	}
}

// AsFullItem returns the item as ORCID serves it on its own: ORCID's full
// Work, Funding and PeerReview classes have no display-index (only their
// summaries do), so a copy without it is returned for those; other items
// are returned as they are.
func AsFullItem(it Item) Item {
	switch x := it.(type) {
	case *Work:
		c := *x
		c.DisplayIndex = ""
		return &c
	case *Funding:
		c := *x
		c.DisplayIndex = ""
		return &c
	case *PeerReview:
		c := *x
		c.DisplayIndex = ""
		return &c
	}
	return it
}
