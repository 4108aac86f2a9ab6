package sandbox

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// workXMLWith is a valid XML work with a self DOI; title and extra (XML
// after the identifiers) are inserted as given.
func workXMLWith(title, attrs, extra string) []byte {
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<work:work xmlns:common="http://www.orcid.org/ns/common" xmlns:work="http://www.orcid.org/ns/work"%s>
  <work:title><common:title>%s</common:title></work:title>%s
</work:work>`, attrs, title, extra)
}

// TestSchemaRefusals: what ORCID's XSDs refuse (lengths, xs:anyURI,
// enumerations, patterns, ranges, required elements and attributes) is
// refused with ORCID's status and code, 400 9047 for JSON and 400 9012
// for XML, and Xerces' message in the developer-message, before anything
// is stored.
func TestSchemaRefusals(t *testing.T) {
	f := newErrorFixture(t)
	e := f.apiEnv
	me := "/" + e.res.ORCID
	long := func(n int) string { return strings.Repeat("x", n) }
	// A work in JSON with the given members after the title and type, and
	// the same work in XML with the given elements in the schema's order.
	workJ := func(title, members string) []byte {
		return []byte(`{"title":{"title":{"value":"` + title + `"}},"type":"journal-article"` + members + `,
		"external-ids":{"external-id":[{"external-id-type":"doi","external-id-value":"10.1/schema","external-id-relationship":"self"}]}}`)
	}
	ids := `
  <common:external-ids><common:external-id>
    <common:external-id-type>doi</common:external-id-type>
    <common:external-id-value>10.1/schema</common:external-id-value>
    <common:external-id-relationship>self</common:external-id-relationship>
  </common:external-id></common:external-ids>`
	workX := func(title, before, after string) []byte {
		return workXMLWith(title, "", before+"\n  <work:type>journal-article</work:type>"+ids+after)
	}
	contributor := func(inner string) string {
		return `<work:contributors><work:contributor>` + inner + `</work:contributor></work:contributors>`
	}
	group := func(id string) []byte {
		return []byte(`{"reviewer-role":"reviewer","review-identifiers":{"external-id":[{"external-id-type":"source-work-id","external-id-value":"1","external-id-relationship":"self"}]},
		"review-type":"review","review-completion-date":{"year":{"value":"2020"}},"review-group-id":"` + id + `",
		"convening-organization":{"name":"Org","address":{"city":"X","country":"US"}}}`)
	}
	keywordX := func(content string) []byte {
		return []byte(`<keyword:keyword xmlns:keyword="http://www.orcid.org/ns/keyword"><keyword:content>` + content + `</keyword:content></keyword:keyword>`)
	}
	const j, x = "application/json", "application/vnd.orcid+xml"
	tests := []struct {
		name        string
		path, ctype string
		body        []byte
		code        int
		dev         []string // substrings of the developer-message
	}{
		{"over-long title (JSON)", "/work", j, workJ(long(1001), ""), 9047,
			[]string{"cvc-maxLength-valid", "with length = '1001'", "maxLength '1000' for type 'string-1000'"}},
		{"over-long title (XML)", "/work", x, workX(long(1001), "", ""), 9012,
			[]string{"cvc-maxLength-valid", "maxLength '1000' for type 'string-1000'"}},
		{"over-long short-description (JSON)", "/work", j, workJ("T", `,"short-description":"`+long(5001)+`"`), 9047,
			[]string{"maxLength '5000' for type 'short-description'"}},
		{"over-long short-description (XML)", "/work", x, workX("T", "\n  <work:short-description>"+long(5001)+"</work:short-description>", ""), 9012,
			[]string{"maxLength '5000' for type 'short-description'"}},
		{"blank journal title (XML)", "/work", x, workX("T", "\n  <work:journal-title> </work:journal-title>", ""), 9012,
			[]string{"cvc-pattern-valid", "for type 'string-1000'"}},
		{"malformed URL (JSON)", "/work", j, workJ("T", `,"url":{"value":"http://"}`), 9047,
			[]string{"cvc-datatype-valid.1.2.1: 'http://' is not a valid value for 'anyURI'."}},
		{"malformed URL (XML)", "/work", x, workX("T", "", "\n  <common:url>ht tp://example.org</common:url>"), 9012,
			[]string{"'ht tp://example.org' is not a valid value for 'anyURI'"}},
		{"malformed identifier URL (JSON)", "/work", j, []byte(`{"title":{"title":{"value":"T"}},"type":"book",
			"external-ids":{"external-id":[{"external-id-type":"doi","external-id-value":"10.1/u","external-id-url":{"value":"https://doi.org/10.1/%zz"},"external-id-relationship":"self"}]}}`), 9047,
			[]string{"not a valid value for 'anyURI'"}},
		{"bad enumeration: visibility (XML)", "/work", x, workXMLWith("T", ` visibility="secret"`, "\n  <work:type>book</work:type>"+ids), 9012,
			[]string{"cvc-enumeration-valid: Value 'secret'", "[private, limited, public, registered-only]"}},
		{"bad enumeration: contributor sequence (XML)", "/work", x,
			workX("T", "", "\n  "+contributor(`<work:credit-name>A</work:credit-name><work:contributor-attributes><work:contributor-sequence>middle</work:contributor-sequence></work:contributor-attributes>`)), 9012,
			[]string{"cvc-enumeration-valid: Value 'middle'", "[first, additional]"}},
		{"bad pattern: contributor email (JSON)", "/work", j, workJ("T", `,"contributors":{"contributor":[{"credit-name":{"value":"A"},"contributor-email":{"value":"nobody"}}]}`), 9047,
			[]string{"cvc-pattern-valid: Value 'nobody'", "for type 'email'"}},
		{"bad pattern: contributor iD (XML)", "/work", x,
			workX("T", "", "\n  "+contributor(`<common:contributor-orcid><common:path>0000-0002</common:path></common:contributor-orcid>`)), 9012,
			[]string{"cvc-pattern-valid: Value '0000-0002'", "for type 'orcid-path'"}},
		{"bad pattern: review group id (JSON)", "/peer-review", j, group("doi:10.1/x"), 9047,
			[]string{"cvc-pattern-valid: Value 'doi:10.1/x'", "for type 'group-id'"}},
		{"year out of range (XML)", "/work", x, workX("T", "", "")[:0], 0, nil}, // replaced below
		{"missing required element (JSON)", "/work", j, workJ("T", `,"publication-date":{"month":{"value":"05"}}`), 9047,
			[]string{"cvc-complex-type.2.4.b", "{common:year}"}},
		{"missing required attribute (JSON)", "/funding", j, []byte(strings.Replace(string(fundingJSON()), `"type":"grant",`, `"type":"grant","amount":{"value":"1000"},`, 1)), 9047,
			[]string{"cvc-complex-type.4: Attribute 'currency-code' must appear on element 'funding:amount'."}},
		{"missing required element (XML)", "/work", x, workX("T", "\n  <work:citation><work:citation-type>bibtex</work:citation-type></work:citation>", ""), 9012,
			[]string{"{work:citation-value}"}},
		{"missing required attribute (XML)", "/work", x, workXMLWith("T</common:title><common:translated-title>Titre</common:translated-title><common:title>", "", ""), 9012, nil},
		{"over-long keyword (JSON)", "/keywords", j, []byte(`{"content":"` + long(256) + `"}`), 9047,
			[]string{"maxLength '255' for type 'string-255'"}},
		{"over-long keyword (XML)", "/keywords", x, keywordX(long(256)), 9012,
			[]string{"maxLength '255' for type 'string-255'"}},
		{"over-long other name (JSON)", "/other-names", j, []byte(`{"content":"` + long(256) + `"}`), 9047,
			[]string{"maxLength '255'"}},
		{"over-long researcher URL name (JSON)", "/researcher-urls", j, []byte(`{"url-name":"` + long(351) + `","url":{"value":"https://example.org"}}`), 9047,
			[]string{"maxLength '350' for type 'string-350'"}},
		{"over-long department (JSON)", "/employment", j, employmentJSON(`"department-name":"` + long(4001) + `",`), 9047,
			[]string{"maxLength '4000' for type 'long-text'"}},
		{"over-long funding title (JSON)", "/funding", j, []byte(strings.Replace(string(fundingJSON()), `"value":"Grant"`, `"value":"`+long(1001)+`"`, 1)), 9047,
			[]string{"maxLength '1000'"}},
	}
	// The XML year case and the translated title without its language: a
	// well-formed body the tests above cannot express through workX.
	for i := range tests {
		switch tests[i].name {
		case "year out of range (XML)":
			tests[i].body = workX("T", "", "")
			tests[i].body = []byte(strings.Replace(string(tests[i].body), "<work:type>journal-article</work:type>",
				"<work:type>journal-article</work:type><common:publication-date><common:year>1899</common:year></common:publication-date>", 1))
			tests[i].code, tests[i].dev = 9012, []string{"cvc-minInclusive-valid: Value '1899' is not facet-valid with respect to minInclusive '1900' for type 'year'."}
		case "missing required attribute (XML)":
			tests[i].body = workXMLWith("T", "", "\n  <work:type>book</work:type>"+ids)
			tests[i].body = []byte(strings.Replace(string(tests[i].body), "<common:title>T</common:title>",
				"<common:title>T</common:title><common:translated-title>Titre</common:translated-title>", 1))
			tests[i].dev = []string{"cvc-complex-type.4: Attribute 'language-code' must appear on element 'common:translated-title'."}
		}
	}
	before := e.countWorks(t, f.write)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.do(apiCall{method: "POST", url: e.member3(me + tc.path), token: f.write, contentType: tc.ctype, body: tc.body})
			if resp.status != 400 {
				t.Fatalf("status %d, want 400\n%.2000s", resp.status, resp.body)
			}
			eb := resp.errorBody(t)
			if eb.ErrorCode != tc.code {
				t.Errorf("error-code %d, want %d: %s", eb.ErrorCode, tc.code, eb.DeveloperMessage)
			}
			for _, want := range tc.dev {
				if !strings.Contains(eb.DeveloperMessage, want) {
					t.Errorf("developer-message lacks %q:\n%.1500s", want, eb.DeveloperMessage)
				}
			}
		})
	}
	if after := e.countWorks(t, f.write); after != before {
		t.Errorf("refused bodies stored works: %d before, %d after", before, after)
	}

	// The same rules on PUT.
	t.Run("over-long title on PUT", func(t *testing.T) {
		body := []byte(`{"put-code":` + fmt.Sprint(f.work) + `,"title":{"title":{"value":"` + long(1001) + `"}},"type":"book",
		"external-ids":{"external-id":[{"external-id-type":"doi","external-id-value":"10.1/mine","external-id-relationship":"self"}]}}`)
		resp := e.do(apiCall{method: "PUT", url: e.member3(fmt.Sprintf("%s/work/%d", me, f.work)), token: f.write, contentType: j, body: body})
		if eb := resp.errorBody(t); resp.status != 400 || eb.ErrorCode != 9047 {
			t.Fatalf("status %d code %d, want 400 9047", resp.status, eb.ErrorCode)
		}
	})

	// What the XSDs allow still passes: the longest title, an unusual but
	// valid URI, a value at the edge of a range.
	t.Run("limits are inclusive", func(t *testing.T) {
		e.post(f.write, e.res.ORCID, "work", j, workJ(long(1000), `,"url":{"value":"www.example.org/a path"},"publication-date":{"year":{"value":"2100"}}`))
	})
}

// TestSchemaRefusalsInBulk: a bulk body is answered work by work; a work the
// XSD refuses becomes an error in its place (9047 in JSON, 9012 in XML) and
// the others are stored.
func TestSchemaRefusalsInBulk(t *testing.T) {
	f := newErrorFixture(t)
	e := f.apiEnv
	long := strings.Repeat("x", 1001)
	for _, tc := range []struct {
		name, ctype string
		body        []byte
		code        int
	}{
		{"JSON", "application/json", []byte(`{"bulk":[{"work":` + string(workJSON(long, "10.1/bulk-j1")) + `},{"work":` + string(workJSON("Fine", "10.1/bulk-j2")) + `}]}`), 9047},
		{"XML", "application/vnd.orcid+xml", []byte(`<bulk:bulk xmlns:bulk="http://www.orcid.org/ns/bulk" xmlns:work="http://www.orcid.org/ns/work" xmlns:common="http://www.orcid.org/ns/common">` +
			bulkWorkXML(long, "10.1/bulk-x1") + bulkWorkXML("Fine", "10.1/bulk-x2") + `</bulk:bulk>`), 9012},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.do(apiCall{method: "POST", url: e.member3("/" + e.res.ORCID + "/works"), token: f.write, contentType: tc.ctype, accept: "application/json", body: tc.body})
			if resp.status != 200 {
				t.Fatalf("status %d\n%.2000s", resp.status, resp.body)
			}
			var b orcid.Bulk
			if err := json.Unmarshal(resp.body, &b); err != nil {
				t.Fatal(err)
			}
			if len(b.Items) != 2 || b.Items[0].Error == nil || b.Items[1].Work == nil {
				t.Fatalf("want an error then a work:\n%.2000s", resp.body)
			}
			if got := b.Items[0].Error; got.ErrorCode != tc.code || !strings.Contains(got.DeveloperMessage, "cvc-maxLength-valid") {
				t.Errorf("error %d %q, want %d and cvc-maxLength-valid", got.ErrorCode, got.DeveloperMessage, tc.code)
			}
		})
	}
}

func bulkWorkXML(title, doi string) string {
	return `<work:work><work:title><common:title>` + title + `</common:title></work:title><work:type>book</work:type>
	<common:external-ids><common:external-id><common:external-id-type>doi</common:external-id-type>
	<common:external-id-value>` + doi + `</common:external-id-value><common:external-id-relationship>self</common:external-id-relationship>
	</common:external-id></common:external-ids></work:work>`
}

// countWorks counts the works the caller sees on the record.
func (e *apiEnv) countWorks(t *testing.T, token string) int {
	t.Helper()
	resp := e.do(apiCall{method: "GET", url: e.member3("/" + e.res.ORCID + "/works"), token: token, accept: "application/json"})
	var v struct {
		Group []json.RawMessage `json:"group"`
	}
	if err := json.Unmarshal(resp.body, &v); err != nil {
		t.Fatalf("works: %v\n%s", err, resp.body)
	}
	return len(v.Group)
}
