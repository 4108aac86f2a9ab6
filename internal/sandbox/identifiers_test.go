package sandbox

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// workWithIDs is a minimal work whose identifiers are given as JSON.
func workWithIDs(title, ids string) []byte {
	return []byte(`{"title":{"title":{"value":"` + title + `"}},"type":"book",
	"external-ids":{"external-id":[` + ids + `]}}`)
}

func selfID(typ, value string) string {
	return fmt.Sprintf(`{"external-id-type":%q,"external-id-value":%q,"external-id-relationship":"self"}`, typ, value)
}

// TestAPIDuplicatesPerIdentifierType: duplicate detection compares the
// values ORCID's normalisers produce (ActivityValidator.
// checkExternalIdentifiersForDuplicates), per type: ISBN hyphens, a PMID
// prefix, a DOI's URL form and case are all the same identifier (409 9021
// naming the first put-code), while uri is case-sensitive and a value ORCID
// cannot normalise is compared as written.
func TestAPIDuplicatesPerIdentifierType(t *testing.T) {
	e := newAPIEnv(t)
	tok := e.writeToken()
	me := e.res.ORCID
	post := func(body []byte) apiResp {
		return e.do(apiCall{method: "POST", url: e.member3("/" + me + "/work"), token: tok, contentType: "application/json", accept: "application/json", body: body})
	}
	cases := []struct {
		name, typ, first, second string
		conflict                 bool
	}{
		{"isbn hyphens", "isbn", "978-3-16-148410-0", "9783161484100", true},
		{"isbn spaces and x", "isbn", "ISBN 0 8044 2957 x", "080442957X", true},
		{"pmid prefix", "pmid", "PMID:123", "123", true},
		{"pmid URL", "pmid", "https://pubmed.ncbi.nlm.nih.gov/4567/", "4567", true},
		{"doi URL and case", "doi", "10.1000/xyz", "https://doi.org/10.1000/XYZ", true},
		{"doi prefix", "doi", "doi:10.2000/abc", "10.2000/ABC", true},
		{"pmc prefix", "pmc", "PMC1234567", "1234567", true},
		{"arxiv prefix", "arxiv", "arXiv:1501.00001", "1501.00001", true},
		{"issn dash", "issn", "1234-567x", "1234567X", true},
		{"source-work-id case", "source-work-id", "ABC-1", "abc-1", true},
		{"uri case differs", "uri", "https://example.org/Paper", "https://example.org/paper", false},
		{"uri scheme added", "uri", "example.org/p", "http://example.org/p", true},
		{"ark case differs", "ark", "ark:/13030/TF5P30086K", "ark:/13030/tf5p30086k", false},
		{"different isbn", "isbn", "978-0-306-40615-7", "978-0-306-40615-8", false},
		// Neither normalises: the raw values decide, exactly.
		{"unnormalisable, same", "doi", "not a doi", "not a doi", true},
		{"unnormalisable, case differs", "doi", "not a doi 2", "NOT A DOI 2", false},
	}
	for i, c := range cases {
		first := post(workWithIDs(fmt.Sprintf("%d first", i), selfID(c.typ, c.first)))
		if first.status != http.StatusCreated {
			t.Fatalf("%s: first POST %d %s", c.name, first.status, first.body)
		}
		loc := first.header.Get("Location")
		second := post(workWithIDs(fmt.Sprintf("%d second", i), selfID(c.typ, c.second)))
		switch {
		case c.conflict && second.status != http.StatusConflict:
			t.Errorf("%s: %q then %q: %d, want 409\n%s", c.name, c.first, c.second, second.status, second.body)
		case c.conflict:
			eb := second.errorBody(t)
			pc := loc[strings.LastIndexByte(loc, '/')+1:]
			if eb.ErrorCode != 9021 || !strings.Contains(eb.DeveloperMessage, "put-code "+pc+".") {
				t.Errorf("%s: %+v, want 9021 naming put-code %s", c.name, eb, pc)
			}
		case second.status != http.StatusCreated:
			t.Errorf("%s: %q then %q: %d, want 201\n%s", c.name, c.first, c.second, second.status, second.body)
		}
	}

	// Bulk POST compares the same way, against stored works and earlier
	// works of the same request.
	bulk := fmt.Sprintf(`{"bulk":[{"work":%s},{"work":%s},{"work":%s}]}`,
		workWithIDs("B1", selfID("isbn", "9783161484100")),
		workWithIDs("B2", selfID("isbn", "0-19-853453-1")),
		workWithIDs("B3", selfID("isbn", "0198534531")))
	resp := e.do(apiCall{method: "POST", url: e.member3("/" + me + "/works"), token: tok, contentType: "application/json", accept: "application/json", body: []byte(bulk)})
	var b orcid.Bulk
	if err := json.Unmarshal(resp.body, &b); err != nil || len(b.Items) != 3 {
		t.Fatalf("bulk: %d %s", resp.status, resp.body)
	}
	if b.Items[0].Error == nil || b.Items[0].Error.ErrorCode != 9021 || b.Items[1].Work == nil || b.Items[2].Error == nil || b.Items[2].Error.ErrorCode != 9021 {
		t.Errorf("bulk: %s", resp.body)
	}

	// PUT: giving a work another work's ISBN in another spelling conflicts.
	pc := e.post(tok, me, "work", "application/json", workWithIDs("To edit", selfID("isbn", "0-306-40615-2")))
	edit := fmt.Sprintf(`{"put-code":%d,"title":{"title":{"value":"To edit"}},"type":"book","external-ids":{"external-id":[%s]}}`, pc, selfID("isbn", "978 3 16 148410 0"))
	resp = e.do(apiCall{method: "PUT", url: e.member3(fmt.Sprintf("/%s/work/%d", me, pc)), token: tok, contentType: "application/json", accept: "application/json", body: []byte(edit)})
	if resp.status != http.StatusConflict || resp.errorBody(t).ErrorCode != 9021 {
		t.Errorf("PUT onto another work's ISBN: %d %s", resp.status, resp.body)
	}
}

// TestAPIDuplicatesFundingsRaw: ORCID does not normalise funding
// identifiers before comparing them (normalizeExtId = !(Funding)), so a
// grant number in another case is a different grant.
func TestAPIDuplicatesFundingsRaw(t *testing.T) {
	e := newAPIEnv(t)
	tok := e.writeToken()
	me := e.res.ORCID
	withGrant := func(g string) []byte { return []byte(strings.Replace(string(fundingJSON()), `"G-1"`, `"`+g+`"`, 1)) }
	e.post(tok, me, "funding", "application/json", withGrant("GN-1"))
	if resp := e.do(apiCall{method: "POST", url: e.member3("/" + me + "/funding"), token: tok, contentType: "application/json", body: withGrant("gn-1")}); resp.status != http.StatusCreated {
		t.Errorf("grant number in another case: %d %s", resp.status, resp.body)
	}
	if resp := e.do(apiCall{method: "POST", url: e.member3("/" + me + "/funding"), token: tok, contentType: "application/json", body: withGrant("GN-1")}); resp.status != http.StatusConflict || resp.errorBody(t).ErrorCode != 9021 {
		t.Errorf("same grant number: %d %s", resp.status, resp.body)
	}
}

// TestAPIExternalIDNormalized: on read, works and affiliations carry
// external-id-normalized (transient) or, for a value ORCID cannot
// normalise, external-id-normalized-error 8001 with ORCID's message;
// fundings carry neither; what a client sends in those fields is ignored.
// Every XML answer is validated against ORCID's XSDs by e.do.
func TestAPIExternalIDNormalized(t *testing.T) {
	e := newAPIEnv(t)
	tok := e.writeToken()
	me := e.res.ORCID
	ids := selfID("doi", "https://doi.org/10.1/ABC") + `,` + selfID("doi", "work:doi") + `,` +
		`{"external-id-type":"isbn","external-id-value":"978-3-16-148410-0","external-id-relationship":"part-of",
		  "external-id-normalized":{"value":"sent by the client","transient":true}}`
	work := e.post(tok, me, "work", "application/json", workWithIDs("Normalised", ids))
	emp := e.post(tok, me, "employment", "application/json", employmentJSON(
		`"external-ids":{"external-id":[`+selfID("grant_number", "GN-ABC")+`]},`))
	fund := e.post(tok, me, "funding", "application/json", fundingJSON())

	resp := e.do(apiCall{method: "GET", url: e.member3(fmt.Sprintf("/%s/work/%d", me, work)), token: tok, accept: "application/json"})
	var w struct {
		ExternalIDs struct {
			ExternalID []map[string]json.RawMessage `json:"external-id"`
		} `json:"external-ids"`
	}
	if err := json.Unmarshal(resp.body, &w); err != nil || len(w.ExternalIDs.ExternalID) != 3 {
		t.Fatalf("work: %d %s", resp.status, resp.body)
	}
	got := w.ExternalIDs.ExternalID
	if s := string(got[0]["external-id-normalized"]); s != `{"value":"10.1/abc","transient":true}` {
		t.Errorf("doi normalized: %s", s)
	}
	if s := string(got[1]["external-id-normalized-error"]); s != `{"error-code":"8001","error-message":"Cannot normalize identifier value doi:work:doi","transient":true}` {
		t.Errorf("8001: %s", s)
	}
	if n := got[1]["external-id-normalized"]; len(n) != 0 && string(n) != "null" {
		t.Errorf("unnormalisable value has external-id-normalized %s", n)
	}
	if s := string(got[2]["external-id-normalized"]); s != `{"value":"9783161484100","transient":true}` {
		t.Errorf("isbn normalized (the client's value replaced): %s", s)
	}

	// The same in XML (validated against the XSD by e.do).
	resp = e.do(apiCall{method: "GET", url: e.member3(fmt.Sprintf("/%s/work/%d", me, work)), token: tok, accept: "application/vnd.orcid+xml"})
	for _, want := range []string{
		`<external-id-normalized xmlns="http://www.orcid.org/ns/common" transient="true">10.1/abc</external-id-normalized>`,
		`<error-code xmlns="http://www.orcid.org/ns/common">8001</error-code>`,
		`Cannot normalize identifier value doi:work:doi`,
	} {
		if !strings.Contains(string(resp.body), want) {
			t.Errorf("work XML lacks %s:\n%s", want, resp.body)
		}
	}

	// Summaries and groups in /works carry it too.
	resp = e.do(apiCall{method: "GET", url: e.member3("/" + me + "/works"), token: tok, accept: "application/json"})
	if n := strings.Count(string(resp.body), `"value":"10.1/abc"`); n < 2 {
		t.Errorf("/works: normalized value in group and summary expected, found %d\n%s", n, resp.body)
	}

	resp = e.do(apiCall{method: "GET", url: e.member3(fmt.Sprintf("/%s/employment/%d", me, emp)), token: tok, accept: "application/json"})
	if !strings.Contains(string(resp.body), `"external-id-normalized":{"value":"gn-abc","transient":true}`) {
		t.Errorf("employment: %s", resp.body)
	}
	resp = e.do(apiCall{method: "GET", url: e.member3(fmt.Sprintf("/%s/funding/%d", me, fund)), token: tok, accept: "application/json"})
	// ORCID writes the property, as null (Jackson's default inclusion; the
	// fundings of record-full-3.0.json), never a value.
	if !strings.Contains(string(resp.body), `"external-id-normalized":null,"external-id-normalized-error":null`) {
		t.Errorf("funding: ORCID does not normalise funding identifiers\n%s", resp.body)
	}
}

// TestNormalizedPerKind: which lists ORCID normalises on read, per kind
// (MapperFacadeFactory's converters), checked on the items themselves.
func TestNormalizedPerKind(t *testing.T) {
	ids := func() *orcid.ExternalIDs {
		return orcid.NewExternalIDs(orcid.ExternalID{Type: "pmid", Value: "PMID: 42", Relationship: orcid.RelationshipSelf,
			NormalizedError: &orcid.TransientError{ErrorCode: "sent"}})
	}
	pr := &orcid.PeerReview{ReviewIdentifiers: ids(), SubjectExternalIdentifier: &orcid.ExternalID{Type: "doi", Value: "10.1/X",
		Normalized: &orcid.TransientText{Value: "sent"}}}
	rr := &orcid.ResearchResource{Proposal: &orcid.Proposal{ExternalIDs: ids()}, ResourceItems: []orcid.ResourceItem{{ExternalIDs: ids()}}}
	aff := orcid.NewAffiliation(orcid.KindService)
	aff.ExternalIDs = ids()
	fund := &orcid.Funding{ExternalIDs: ids()}
	for _, it := range []orcid.Item{pr, rr, aff, fund} {
		addNormalized(it)
	}
	normalized := func(l *orcid.ExternalIDs) bool {
		x := l.ExternalID[0]
		return x.Normalized != nil && x.Normalized.Value == "42" && x.Normalized.Transient && x.NormalizedError == nil
	}
	if !normalized(pr.ReviewIdentifiers) || !normalized(rr.Proposal.ExternalIDs) || !normalized(rr.ResourceItems[0].ExternalIDs) || !normalized(aff.ExternalIDs) {
		t.Errorf("peer review %+v, research resource %+v %+v, affiliation %+v", pr.ReviewIdentifiers, rr.Proposal.ExternalIDs, rr.ResourceItems[0].ExternalIDs, aff.ExternalIDs)
	}
	if s := pr.SubjectExternalIdentifier; s.Normalized != nil || s.NormalizedError != nil {
		t.Errorf("subject-external-identifier: %+v", s)
	}
	if x := fund.ExternalIDs.ExternalID[0]; x.Normalized != nil || x.NormalizedError != nil {
		t.Errorf("funding: %+v", x)
	}
	dropTransient(rr)
	if x := rr.ResourceItems[0].ExternalIDs.ExternalID[0]; x.Normalized != nil {
		t.Errorf("dropTransient left %+v", x)
	}
}

// TestAPIIdentifierTypes: GET /v3.0/identifiers on the Public API answers
// ORCID's table as IdentifierApiServiceImpl does, in JSON by default and in
// XML on request; the Member API has no such resource.
func TestAPIIdentifierTypes(t *testing.T) {
	e := newAPIEnv(t)

	resp := e.do(apiCall{method: "GET", url: e.pub3("/identifiers")})
	if resp.status != http.StatusOK || resp.header.Get("Content-Type") != "application/json" {
		t.Fatalf("anonymous GET: %d %s\n%s", resp.status, resp.header.Get("Content-Type"), resp.body)
	}
	var list []map[string]any
	if err := json.Unmarshal(resp.body, &list); err != nil || len(list) != 52 {
		t.Fatalf("%d types (%v)\n%s", len(list), err, resp.body)
	}
	// HashMap order: bucket 0 onwards (pmc's spread hash is the smallest).
	if list[0]["name"] != "pmc" || list[51]["name"] != "ismn" {
		t.Errorf("order: first %v, last %v", list[0]["name"], list[51]["name"])
	}
	body := string(resp.body)
	for _, want := range []string{
		`{"name":"doi","resolutionPrefix":"https://doi.org/","description":"doi: Digital object identifier","dateCreated":1451606400000,"lastModified":1451606400000,"caseSensitive":false,"primaryUse":"work","deprecated":false,"putCode":5}`,
		`{"name":"uri","resolutionPrefix":null,"description":"uri: URI","dateCreated":1451606400000,"lastModified":1451606400000,"caseSensitive":true,"primaryUse":"work","deprecated":false,"putCode":30}`,
		`"name":"grant_number","resolutionPrefix":null,"description":"grant number"`,
		`"description":"wosuid: Web of Science™ identifier"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("JSON lacks %s", want)
		}
	}
	if strings.Contains(body, `"cvid"`) || strings.Contains(body, "validationRegex") || strings.Contains(body, "sourceClient") {
		t.Error("cvid was deleted; validationRegex and sourceClient are @XmlTransient")
	}

	// With a token and a locale, the same.
	resp = e.do(apiCall{method: "GET", url: e.pub3("/identifiers?locale=es"), token: e.token(e.member, "", ScopeReadPublic), accept: "application/json"})
	if resp.status != http.StatusOK || string(resp.body) != body {
		t.Errorf("with token and locale: %d", resp.status)
	}

	// XML is not in an ORCID namespace, so it is read directly (e.do would
	// look for its XSD; ORCID publishes none).
	req, _ := http.NewRequest("GET", e.pub3("/identifiers"), nil)
	req.Header.Set("Accept", "application/xml")
	hr, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(hr.Body)
	hr.Body.Close()
	const head = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><?xml-stylesheet type="text/xsl" href="../static/identifierTypes.xsl"?><identifierTypes><identifierType>`
	if hr.StatusCode != http.StatusOK || hr.Header.Get("Content-Type") != "application/xml" || !strings.HasPrefix(string(raw), head) {
		t.Fatalf("XML: %d %s\n%s", hr.StatusCode, hr.Header.Get("Content-Type"), raw)
	}
	if want := `<identifierType><caseSensitive>false</caseSensitive><dateCreated>2016-01-01T00:00:00Z</dateCreated><deprecated>false</deprecated><description>doi: Digital object identifier</description><lastModified>2016-01-01T00:00:00Z</lastModified><name>doi</name><primaryUse>work</primaryUse><putCode>5</putCode><resolutionPrefix>https://doi.org/</resolutionPrefix></identifierType>`; !strings.Contains(string(raw), want) {
		t.Errorf("XML doi entry, want %s\n%s", want, raw)
	}
	if want := `<name>other-id</name><primaryUse>work</primaryUse><putCode>0</putCode></identifierType>`; !strings.Contains(string(raw), want) {
		t.Errorf("XML leaves a null resolutionPrefix out: want %s", want)
	}
	var doc struct {
		Types []struct {
			Name string `xml:"name"`
		} `xml:"identifierType"`
	}
	if err := xml.Unmarshal(raw, &doc); err != nil || len(doc.Types) != 52 {
		t.Errorf("XML: %d types (%v)", len(doc.Types), err)
	}

	// Only JSON and XML are produced; only GET is allowed.
	if resp := e.do(apiCall{method: "GET", url: e.pub3("/identifiers"), accept: "application/vnd.orcid+json"}); resp.status != http.StatusNotAcceptable {
		t.Errorf("vnd.orcid+json: %d", resp.status)
	}
	if resp := e.do(apiCall{method: "POST", url: e.pub3("/identifiers"), contentType: "application/json", body: []byte(`{}`), accept: "application/json"}); resp.status != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.status)
	}

	// The Member API reads "identifiers" as an iD, as ORCID's does
	// (orcid-api-web has no identifiers resource).
	resp = e.do(apiCall{method: "GET", url: e.member3("/identifiers"), token: e.token(e.member, "", ScopeReadPublic), accept: "application/json"})
	if resp.status != http.StatusNotFound || resp.errorBody(t).ErrorCode != 9016 {
		t.Errorf("Member API /identifiers: %d %s", resp.status, resp.body)
	}
}

// The bucket walk that orders /identifiers is Java's: String.hashCode,
// HashMap.hash's spread and a 128-bucket table for 52 entries.
func TestJavaHashMapOrder(t *testing.T) {
	if h := javaStringHash("doi"); h != 99646 {
		t.Errorf(`"doi".hashCode() = %d, Java gives 99646 (100·31² + 111·31 + 105)`, h)
	}
	if h := int32(javaStringHash("source-work-id")); h != 1214007717 {
		t.Errorf(`"source-work-id".hashCode() = %d`, h)
	}
	if c := javaHashMapCapacity(52); c != 128 {
		t.Errorf("capacity %d", c)
	}
	if c := javaHashMapCapacity(12); c != 16 {
		t.Errorf("capacity for 12 %d", c)
	}
	types := identifierTypesInMapOrder()
	// hir and lccn share a bucket: the database order (by name) decides.
	pos := map[string]int{}
	for i, ty := range types {
		pos[ty.Name] = i
	}
	if pos["hir"]+1 != pos["lccn"] || pos["handle"]+1 != pos["ssrn"] {
		t.Errorf("bucket ties out of name order: %v", pos)
	}
}
