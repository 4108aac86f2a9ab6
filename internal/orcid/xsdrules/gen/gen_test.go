package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid/orcidtest"
)

// tinyXSD exercises every construct the generator translates: a global
// element with an inline type extending a named complex type, a reference,
// simple types derived in two steps (patterns of both steps kept), a
// restriction of simple content, a single-member union, an optional
// sequence, a choice, repeated elements and required attributes.
const tinyXSD = `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified"
	targetNamespace="http://www.orcid.org/ns/tiny" xmlns:tiny="http://www.orcid.org/ns/tiny">
	<xs:element name="thing">
		<xs:complexType>
			<xs:complexContent>
				<xs:extension base="tiny:base">
					<xs:sequence>
						<xs:element name="name" type="tiny:name-100"/>
						<xs:element ref="tiny:label" minOccurs="0"/>
						<xs:element name="code" type="tiny:code" minOccurs="0" maxOccurs="unbounded"/>
						<xs:sequence minOccurs="0">
							<xs:element name="month" type="tiny:month"/>
						</xs:sequence>
						<xs:choice>
							<xs:element name="link" type="xs:anyURI"/>
							<xs:element name="colour" type="tiny:colour-or-empty"/>
						</xs:choice>
					</xs:sequence>
				</xs:extension>
			</xs:complexContent>
		</xs:complexType>
	</xs:element>
	<xs:complexType name="base">
		<xs:attribute name="put-code" type="xs:integer"/>
	</xs:complexType>
	<xs:element name="label">
		<xs:complexType>
			<xs:simpleContent>
				<xs:restriction base="tiny:lang-text">
					<xs:maxLength value="20"/>
				</xs:restriction>
			</xs:simpleContent>
		</xs:complexType>
	</xs:element>
	<xs:complexType name="lang-text">
		<xs:simpleContent>
			<xs:extension base="tiny:non-empty">
				<xs:attribute name="lang" type="xs:string" use="required"/>
			</xs:extension>
		</xs:simpleContent>
	</xs:complexType>
	<xs:simpleType name="non-empty">
		<xs:restriction base="xs:string"><xs:pattern value="[\s\S]*[^\s]+[\s\S]*"/></xs:restriction>
	</xs:simpleType>
	<xs:simpleType name="name-100">
		<xs:restriction base="tiny:non-empty"><xs:maxLength value="100"/><xs:pattern value="\d.*\$"/></xs:restriction>
	</xs:simpleType>
	<xs:simpleType name="code">
		<xs:restriction base="xs:string"><xs:length value="3"/></xs:restriction>
	</xs:simpleType>
	<xs:simpleType name="month">
		<xs:restriction base="xs:integer"><xs:minInclusive value="1"/><xs:maxInclusive value="12"/></xs:restriction>
	</xs:simpleType>
	<xs:simpleType name="colour">
		<xs:restriction base="xs:string"><xs:enumeration value="red"/><xs:enumeration value="blue"/></xs:restriction>
	</xs:simpleType>
	<xs:simpleType name="colour-or-empty"><xs:union memberTypes="tiny:colour"/></xs:simpleType>
</xs:schema>`

func writeXSD(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tiny.xsd"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestGenerateTiny: the rules of a small schema, and the Go source emitted
// for them, say exactly what the schema says.
func TestGenerateTiny(t *testing.T) {
	dir := writeXSD(t, tinyXSD)
	rules, err := collect(dir, []root{{"tiny.xsd", "tiny", "thing"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*rule{}
	var order []string
	for _, r := range rules {
		got[r.path] = r
		order = append(order, r.path)
	}
	wantOrder := []string{"tiny:thing", "tiny:thing/@put-code", "tiny:thing/tiny:name", "tiny:thing/tiny:label",
		"tiny:thing/tiny:label/@lang", "tiny:thing/tiny:code", "tiny:thing/tiny:month", "tiny:thing/tiny:link", "tiny:thing/tiny:colour"}
	if strings.Join(order, " ") != strings.Join(wantOrder, " ") {
		t.Fatalf("paths:\n got %v\nwant %v", order, wantOrder)
	}
	check := func(path string, required, repeated bool, f *facets) {
		t.Helper()
		r := got[path]
		if r.required != required || r.repeated != repeated {
			t.Errorf("%s: required %v repeated %v, want %v %v", path, r.required, r.repeated, required, repeated)
		}
		switch {
		case f == nil && r.simple != nil:
			t.Errorf("%s: simple content %+v, want none", path, *r.simple)
		case f != nil && r.simple == nil:
			t.Errorf("%s: no simple content, want %+v", path, *f)
		case f != nil && !equalFacets(*f, *r.simple):
			t.Errorf("%s:\n got %+v\nwant %+v", path, *r.simple, *f)
		}
	}
	nonEmpty := pattern{xsd: `[\s\S]*[^\s]+[\s\S]*`, re: `^(?:[\t\n\r \x00-\x08\x0B\x0C\x0E-\x1F\x21-\x{10FFFF}]*[^\t\n\r ]+[\t\n\r \x00-\x08\x0B\x0C\x0E-\x1F\x21-\x{10FFFF}]*)$`}
	check("tiny:thing", false, false, nil)
	check("tiny:thing/@put-code", false, false, &facets{typ: "integer", base: "integer"})
	check("tiny:thing/tiny:name", true, false, &facets{typ: "name-100", base: "string", maxLength: 100,
		patterns: []pattern{nonEmpty, {xsd: `\d.*\$`, re: `^(?:[\p{Nd}][^\n\r]*\$)$`}}})
	check("tiny:thing/tiny:label", false, false, &facets{typ: "#AnonType_label", base: "string", maxLength: 20, patterns: []pattern{nonEmpty}})
	check("tiny:thing/tiny:label/@lang", true, false, &facets{typ: "string", base: "string"})
	check("tiny:thing/tiny:code", false, true, &facets{typ: "code", base: "string", length: 3})
	check("tiny:thing/tiny:month", false, false, &facets{typ: "month", base: "integer", minInclusive: "1", maxInclusive: "12"})
	check("tiny:thing/tiny:link", false, false, &facets{typ: "anyURI", base: "anyURI"})
	check("tiny:thing/tiny:colour", false, false, &facets{typ: "colour-or-empty", base: "string", enum: []string{"red", "blue"}})

	src, err := emit(rules, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"package tiny",
		`{Path: "tiny:thing/tiny:name", Required: true, Type: "name-100", Base: "string", MaxLength: 100, Patterns: []Pattern{{XSD: ` + "`" + `[\s\S]*[^\s]+[\s\S]*` + "`",
		`{Path: "tiny:thing/tiny:code", Repeated: true, Type: "code", Base: "string", Length: 3},`,
		`{Path: "tiny:thing/tiny:month", Type: "month", Base: "integer", MinInclusive: "1", MaxInclusive: "12"},`,
		`Enum: []string{"red", "blue"}`,
	} {
		if !bytes.Contains(src, []byte(want)) {
			t.Errorf("generated source lacks %s\n%s", want, src)
		}
	}
}

// TestGenerateRefusesUnknownConstructs: what the generator does not
// translate stops it, naming the construct.
func TestGenerateRefusesUnknownConstructs(t *testing.T) {
	for _, tc := range []struct{ name, from, to, want string }{
		{"facet", `<xs:length value="3"/>`, `<xs:totalDigits value="3"/>`, "totalDigits"},
		{"pattern escape", `\d.*\$`, `\i\c*`, `\i`},
		{"class subtraction", `\d.*\$`, `[a-z-[aeiou]]`, "subtraction"},
		{"union", `memberTypes="tiny:colour"`, `memberTypes="tiny:colour tiny:code"`, "union"},
		{"any", `<xs:element name="month" type="tiny:month"/>`, `<xs:any/>`, "xs:any"},
		{"built-in", `type="xs:anyURI"`, `type="xs:decimal"`, "decimal"},
		{"foreign namespace", `"http://www.orcid.org/ns/tiny" xmlns:tiny="http://www.orcid.org/ns/tiny"`, `"urn:x" xmlns:tiny="urn:x"`, "not an ORCID namespace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(tinyXSD, tc.from) {
				t.Fatalf("test schema lacks %q", tc.from)
			}
			dir := writeXSD(t, strings.Replace(tinyXSD, tc.from, tc.to, 1))
			ns := "tiny"
			_, err := collect(dir, []root{{"tiny.xsd", ns, "thing"}})
			if tc.name == "foreign namespace" {
				// The root itself can no longer be named by an ORCID prefix.
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// TestTranslatePattern: XSD regular expressions keep their meaning in Go.
func TestTranslatePattern(t *testing.T) {
	for _, tc := range []struct {
		xsd         string
		match, miss []string
	}{
		// Anchored, though XSD writes no anchors.
		{`[a-z]{2}`, []string{"ab"}, []string{"abc", "xab", "a"}},
		// ^ and $ are ordinary characters.
		{`a^b$`, []string{"a^b$"}, []string{"ab"}},
		// \d is any decimal digit, not only ASCII.
		{`\d{4}`, []string{"2024", "٢٠٢٤"}, []string{"20a4"}},
		// \s is four characters; . excludes \r as well as \n.
		{`a\sb`, []string{"a b", "a\tb"}, []string{"a\fb"}},
		{`a.b`, []string{"axb"}, []string{"a\rb", "a\nb"}},
		// ORCID's non-empty-string and group-id patterns.
		{`[\s\S]*[^\s\n\r]+[\s\S]*`, []string{"x", " x\n", "\fx"}, []string{"", " \n\t\r"}},
		{`(ringgold:|issn:|orcid-generated:|fundref:|publons:)([0-9a-zA-Z\^._~:/?#\[\]@!$&'()*+,;=-]){2,}`,
			[]string{"issn:0953-1513", "orcid-generated:a^b[c]$"}, []string{"issn:1", "doi:10.1/x", "issn:ab cd"}},
		{`[a-zA-Z]{1,8}((-|_)[a-zA-Z0-9]{1,8})*`, []string{"en", "zh_CN", "en-GB"}, []string{"englishlanguage", "e n", ""}},
	} {
		re, err := translatePattern(tc.xsd)
		if err != nil {
			t.Errorf("%s: %v", tc.xsd, err)
			continue
		}
		rx := regexp.MustCompile(re)
		for _, s := range tc.match {
			if !rx.MatchString(s) {
				t.Errorf("%s (as %s) refuses %q", tc.xsd, re, s)
			}
		}
		for _, s := range tc.miss {
			if rx.MatchString(s) {
				t.Errorf("%s (as %s) accepts %q", tc.xsd, re, s)
			}
		}
	}
	for _, bad := range []string{`\i\c*`, `\w+`, `\p{IsBasicLatin}`, `[a-z-[aeiou]]`, `[\D]`, `[abc`, `abc\`} {
		if re, err := translatePattern(bad); err == nil {
			t.Errorf("%s translated to %s; want an error", bad, re)
		}
	}
}

// TestCommittedRulesAreCurrent: rules_gen.go is what the generator makes
// from ORCID's schemas today, so nobody edited it by hand and a change of
// the schemas cannot go unnoticed.
func TestCommittedRulesAreCurrent(t *testing.T) {
	dir := orcidtest.ModelDir(t)
	want, err := generate(dir, orcidRoots(), "xsdrules")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "rules_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("rules_gen.go differs from what ORCID's XSDs give: run go generate ./internal/orcid/xsdrules/")
	}
}
