package xsdrules

import (
	"strings"
	"testing"
)

// TestAnyURI: xs:anyURI as Xerces reads it — lenient (relative references
// and spaces pass), strict about schemes, empty authorities and escapes.
func TestAnyURI(t *testing.T) {
	for _, ok := range []string{"", "https://example.org/a?b=c#d", "www.example.org", "not a url",
		"mailto:someone@example.org", "urn:isbn:0451450523", "https://exämple.org/ü", "http://[::1]:8080/x",
		"https://doi.org/10.1000/xyz%20abc", "http:///path", "http://?q", "//example.org", "C:\\dir", "a/b:c",
		"https://example.org/?q=[1]"} {
		if !validAnyURI(ok) {
			t.Errorf("%q refused; Xerces accepts it", ok)
		}
	}
	for _, bad := range []string{"http://", "http:", "http:#top", ":x", "1http://x", "ht tp://x",
		"https://example.org/%zz", "https://example.org/%2", "https://example.org/a[1]", "http://[zz]/",
		"https://example.org/#a#b"} {
		if validAnyURI(bad) {
			t.Errorf("%q accepted; Xerces refuses it", bad)
		}
	}
}

const ns = `xmlns:work="http://www.orcid.org/ns/work" xmlns:common="http://www.orcid.org/ns/common"`

// TestCheck: a document's violations in order, with Xerces' messages and
// ORCID's JSON field names.
func TestCheck(t *testing.T) {
	doc := `<work:work ` + ns + ` visibility="secret" put-code="x1">
	<work:title><common:title>` + strings.Repeat("é", 1001) + `</common:title><common:translated-title>T</common:translated-title></work:title>
	<work:citation><work:citation-type>bibtex</work:citation-type></work:citation>
	<work:type>book</work:type>
	<common:publication-date><common:year> 2100 </common:year><common:month>13</common:month></common:publication-date>
	<common:external-ids>
		<common:external-id><common:external-id-type>doi</common:external-id-type><common:external-id-value>10.1/a</common:external-id-value></common:external-id>
		<common:external-id><common:external-id-type>doi</common:external-id-type><common:external-id-value> </common:external-id-value><common:external-id-url>http://</common:external-id-url></common:external-id>
	</common:external-ids>
	<common:source><common:source-client-id><common:uri>http://127.0.0.1/client/APP-1</common:uri></common:source-client-id></common:source>
	<work:unknown><common:title></common:title></work:unknown>
</work:work>`
	vs, err := Check([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ field, message string }{
		{"visibility", "cvc-enumeration-valid: Value 'secret' is not facet-valid with respect to enumeration '[private, limited, public, registered-only]'. It must be a value from the enumeration."},
		{"put-code", "cvc-datatype-valid.1.2.1: 'x1' is not a valid value for 'integer'."},
		// Characters, not bytes.
		{"title.title", "with length = '1001' is not facet-valid with respect to maxLength '1000' for type 'string-1000'."},
		{"title.translated-title.language-code", "cvc-complex-type.4: Attribute 'language-code' must appear on element 'common:translated-title'."},
		{"citation.citation-value", "cvc-complex-type.2.4.b: The content of element 'work:citation' is not complete. One of '{work:citation-value}' is expected."},
		// Integers collapse their whitespace.
		{"publication-date.month", "cvc-maxInclusive-valid: Value '13' is not facet-valid with respect to maxInclusive '12' for type 'month'."},
		{"external-ids.external-id[1].external-id-value", "cvc-pattern-valid: Value ' ' is not facet-valid with respect to pattern '[\\s\\S]*[^\\s\\n\\r]+[\\s\\S]*' for type 'non-empty-string'."},
		{"external-ids.external-id[1].external-id-url", "cvc-datatype-valid.1.2.1: 'http://' is not a valid value for 'anyURI'."},
	}
	if len(vs) != len(want) {
		for _, v := range vs {
			t.Logf("%s: %.200s", v.Field, v.Message)
		}
		t.Fatalf("%d violations, want %d", len(vs), len(want))
	}
	for i, w := range want {
		if vs[i].Field != w.field || !strings.Contains(vs[i].Message, w.message) {
			t.Errorf("violation %d: %s %.200q\nwant %s %q", i, vs[i].Field, vs[i].Message, w.field, w.message)
		}
	}
	if vs[4].Problem != "is required" || !vs[4].Missing {
		t.Errorf("missing element: %+v", vs[4])
	}
	if vs[6].Problem != "must not be blank" {
		t.Errorf("blank value: problem %q", vs[6].Problem)
	}
}

// TestCheckOtherKinds: every write root has rules, and a valid minimal body
// of each passes.
func TestCheckOtherKinds(t *testing.T) {
	for _, doc := range []string{
		`<keyword:keyword xmlns:keyword="http://www.orcid.org/ns/keyword"><keyword:content>k</keyword:content></keyword:keyword>`,
		`<address:address xmlns:address="http://www.orcid.org/ns/address"><address:country>NZ</address:country></address:address>`,
		`<employment:employment xmlns:employment="http://www.orcid.org/ns/employment" ` + ns + `><common:organization><common:name>O</common:name><common:address><common:city>C</common:city><common:country>NZ</common:country></common:address></common:organization></employment:employment>`,
	} {
		vs, err := Check([]byte(doc))
		if err != nil || len(vs) > 0 {
			t.Errorf("%s: %v %+v", doc, err, vs)
		}
	}
	if _, err := Check([]byte(`<work:works xmlns:work="http://www.orcid.org/ns/work"/>`)); err == nil {
		t.Error("a document without rules was checked")
	}
	for _, kind := range []string{"work:work", "funding:funding", "distinction:distinction", "education:education",
		"employment:employment", "invited-position:invited-position", "membership:membership", "qualification:qualification",
		"service:service", "peer-review:peer-review", "research-resource:research-resource", "other-name:other-name",
		"keyword:keyword", "researcher-url:researcher-url", "address:address", "external-identifier:external-identifier"} {
		if _, ok := Lookup(kind); !ok {
			t.Errorf("no rules for %s", kind)
		}
	}
	if MaxLength("funding:funding/funding:short-description") != 5000 {
		t.Error("funding short-description is not 5000 characters at most")
	}
}
