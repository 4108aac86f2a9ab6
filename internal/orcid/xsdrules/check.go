package xsdrules

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// orcidNS prefixes every ORCID namespace; what follows is the prefix rule
// paths use.
const orcidNS = "http://www.orcid.org/ns/"

// Violation is one value or element the schemas refuse.
type Violation struct {
	// Path is the rule's path; Field the same place as ORCID's JSON names it
	// below the root, with an index on repeatable elements:
	// "external-ids.external-id[0].external-id-url",
	// "title.translated-title.language-code".
	Path, Field string
	Value       string
	// Type is the simple type the value failed ("" for a missing one).
	Type string
	// Missing: a required element or attribute is absent.
	Missing bool
	// Message is Xerces' wording, which ORCID passes on in its error.
	Message string
	// Problem says the same in plain words (after the field name).
	Problem string
}

// Check validates an XML document whose root is a write body against the
// rules: every value of a known element or attribute, and the presence of
// required ones. It returns the violations in document order (ORCID reports
// the first), or an error for a document that is not well-formed or whose
// root has no rules. Elements the schemas do not know are not reported
// here: telling unknown content is the decoder's job. The common:source
// block is not checked: the registry replaces it with the caller, and a
// source read from an offline registry carries its plain-HTTP iD URIs.
func Check(doc []byte) ([]Violation, error) {
	t := rules()
	d := xml.NewDecoder(bytes.NewReader(doc))
	type frame struct {
		path, field, name string
		rule              *Rule
		text              strings.Builder
		counts            map[string]int
	}
	var stack []*frame
	var out []Violation
	skip := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return out, err
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			seg, known := segment(tk.Name)
			var parent *frame
			path := seg
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
				path = parent.path + "/" + seg
				parent.counts[seg]++
			}
			r, ok := t.byPath[path]
			if !known || !ok || tk.Name == (xml.Name{Space: orcidNS + "common", Local: "source"}) {
				if parent == nil {
					return nil, fmt.Errorf("xsdrules: no rules for a document of {%s}%s", tk.Name.Space, tk.Name.Local)
				}
				skip = 1
				continue
			}
			field := ""
			if parent != nil {
				field = tk.Name.Local
				if r.Repeated {
					field += fmt.Sprintf("[%d]", parent.counts[seg]-1)
				}
				field = join(parent.field, field)
			}
			f := &frame{path: path, field: field, name: seg, rule: r, counts: map[string]int{}}
			seen := map[string]bool{}
			for _, a := range tk.Attr {
				if a.Name.Space != "" {
					continue // xmlns, xsi:schemaLocation
				}
				seen[a.Name.Local] = true
				if ar, ok := t.byPath[path+"/@"+a.Name.Local]; ok && ar.Simple() {
					if v := checkValue(t, ar, a.Value, join(field, a.Name.Local)); v != nil {
						out = append(out, *v)
					}
				}
			}
			for _, req := range t.required[path] {
				name, isAttr := strings.CutPrefix(lastSegment(req.Path), "@")
				if isAttr && !seen[name] {
					out = append(out, Violation{Path: req.Path, Field: join(field, name), Missing: true, Problem: "is required",
						Message: fmt.Sprintf("cvc-complex-type.4: Attribute '%s' must appear on element '%s'.", name, seg)})
				}
			}
			stack = append(stack, f)
		case xml.CharData:
			if skip == 0 && len(stack) > 0 {
				stack[len(stack)-1].text.Write(tk)
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if f.rule.Simple() {
				if v := checkValue(t, f.rule, f.text.String(), f.field); v != nil {
					out = append(out, *v)
				}
			}
			for _, req := range t.required[f.path] {
				seg := lastSegment(req.Path)
				if strings.HasPrefix(seg, "@") || f.counts[seg] > 0 {
					continue
				}
				out = append(out, Violation{Path: req.Path, Field: join(f.field, localName(seg)), Missing: true, Problem: "is required",
					Message: fmt.Sprintf("cvc-complex-type.2.4.b: The content of element '%s' is not complete. One of '{%s}' is expected.", f.name, seg)})
			}
		}
	}
	if len(stack) > 0 {
		return out, errors.New("xsdrules: unexpected end of document")
	}
	return out, nil
}

// RegistryURI reports a value refused by the patterns of iD and client
// URIs (orcid-uri, client-uri), which accept only ORCID's own hosts
// (https://…orcid.org). An offline registry serves iD URIs on its own
// address, and orcidlink builds them from the environment it talks to, so
// both leave the host to the registry. The rest of the pattern still
// holds: an http(s) URI whose path ends in an iD (or /client/ and a client
// id), so that what ORCID refuses on any host is refused offline too.
func (v Violation) RegistryURI() bool {
	re, ok := registryURIShape[v.Type]
	return ok && re.MatchString(v.Value)
}

// registryURIShape is the orcid-uri and client-uri patterns of
// common-3.0.xsd with any host (and path prefix) in place of ORCID's.
var registryURIShape = map[string]*regexp.Regexp{
	"orcid-uri":  regexp.MustCompile(`^https?://[^/\s]+(/\S*)?/(\d{4}-){3,}\d{3}[\dX]$`),
	"client-uri": regexp.MustCompile(`^https?://[^/\s]+(/\S*)?/client/(APP-[\da-zA-Z]{16}|(\d{4}-){3,}\d{3}[\dX])$`),
}

// segment is an element's name in a rule path; known is false outside
// ORCID's namespaces.
func segment(n xml.Name) (string, bool) {
	p, ok := strings.CutPrefix(n.Space, orcidNS)
	if !ok || p == "" {
		return n.Local, false
	}
	return p + ":" + n.Local, true
}

func lastSegment(path string) string { return path[strings.LastIndexByte(path, '/')+1:] }

func localName(seg string) string { return seg[strings.IndexByte(seg, ':')+1:] }

func join(parent, child string) string {
	if parent == "" {
		return child
	}
	return parent + "." + child
}

// collapse is XSD's whiteSpace="collapse", fixed for every built-in type
// but xs:string.
func collapse(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }), " ")
}

// dateTimeRE is the lexical space of xs:dateTime.
var dateTimeRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^-?([1-9][0-9]{4,}|[0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|24:00:00(\.0+)?)(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?$`)
})

// isInteger is the lexical space of xs:integer.
func isInteger(v string) bool {
	if v != "" && (v[0] == '+' || v[0] == '-') {
		v = v[1:]
	}
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// CheckValue checks one value against the rule of path, for callers that
// hold a value rather than a document; field names it in the result.
func CheckValue(path, value, field string) *Violation {
	r := MustLookup(path)
	if !r.Simple() {
		panic(fmt.Sprintf("xsdrules: %s has no simple content", path))
	}
	return checkValue(rules(), r, value, field)
}

// checkValue applies r's facets in the order Xerces does: patterns, the
// built-in type, lengths, enumeration, range.
func checkValue(t *table, r *Rule, raw, field string) *Violation {
	v := raw
	if r.Base != "string" {
		v = collapse(raw)
	}
	bad := func(problem, format string, args ...any) *Violation {
		return &Violation{Path: r.Path, Field: field, Value: v, Type: r.Type, Problem: problem, Message: fmt.Sprintf(format, args...)}
	}
	for _, p := range r.Patterns {
		if !t.regexps[p.Go].MatchString(v) {
			problem := fmt.Sprintf("%q does not have the form ORCID requires (pattern %s)", v, p.XSD)
			if strings.TrimSpace(v) == "" {
				problem = "must not be blank"
			}
			return bad(problem, "cvc-pattern-valid: Value '%s' is not facet-valid with respect to pattern '%s' for type '%s'.", v, p.XSD, r.Type)
		}
	}
	var ok bool
	switch r.Base {
	case "integer":
		ok = isInteger(v)
	case "boolean":
		ok = v == "true" || v == "false" || v == "1" || v == "0"
	case "dateTime":
		ok = dateTimeRE().MatchString(v)
	case "anyURI":
		ok = validAnyURI(v)
	default:
		ok = true
	}
	if !ok {
		problem := fmt.Sprintf("%q is not a valid %s", v, r.Base)
		switch r.Base {
		case "integer":
			problem = fmt.Sprintf("%q is not a whole number", v)
		case "anyURI":
			problem = fmt.Sprintf("%q is not a valid URI", v)
		}
		return bad(problem, "cvc-datatype-valid.1.2.1: '%s' is not a valid value for '%s'.", v, r.Base)
	}
	if r.Base == "string" || r.Base == "anyURI" {
		n := utf8.RuneCountInString(v)
		switch {
		case r.Length != 0 && n != r.Length:
			return bad(fmt.Sprintf("is %d characters long; ORCID requires exactly %d", n, r.Length),
				"cvc-length-valid: Value '%s' with length = '%d' is not facet-valid with respect to length '%d' for type '%s'.", v, n, r.Length, r.Type)
		case r.MinLength != 0 && n < r.MinLength:
			return bad(fmt.Sprintf("is %d characters long; ORCID requires at least %d", n, r.MinLength),
				"cvc-minLength-valid: Value '%s' with length = '%d' is not facet-valid with respect to minLength '%d' for type '%s'.", v, n, r.MinLength, r.Type)
		case r.MaxLength != 0 && n > r.MaxLength:
			return bad(fmt.Sprintf("is %d characters long; ORCID allows at most %d", n, r.MaxLength),
				"cvc-maxLength-valid: Value '%s' with length = '%d' is not facet-valid with respect to maxLength '%d' for type '%s'.", v, n, r.MaxLength, r.Type)
		}
	}
	if len(r.Enum) > 0 && !contains(r.Enum, v) {
		return bad(fmt.Sprintf("%q is not one of %s", v, strings.Join(r.Enum, ", ")),
			"cvc-enumeration-valid: Value '%s' is not facet-valid with respect to enumeration '[%s]'. It must be a value from the enumeration.", v, strings.Join(r.Enum, ", "))
	}
	if r.Base == "integer" && (r.MinInclusive != "" || r.MaxInclusive != "") {
		n, _ := new(big.Int).SetString(strings.TrimPrefix(v, "+"), 10)
		rangeText := fmt.Sprintf("%q is outside ORCID's range (%s to %s)", v, r.MinInclusive, r.MaxInclusive)
		if r.MinInclusive != "" {
			lo, _ := new(big.Int).SetString(r.MinInclusive, 10)
			if n.Cmp(lo) < 0 {
				return bad(rangeText, "cvc-minInclusive-valid: Value '%s' is not facet-valid with respect to minInclusive '%s' for type '%s'.", v, r.MinInclusive, r.Type)
			}
		}
		if r.MaxInclusive != "" {
			hi, _ := new(big.Int).SetString(r.MaxInclusive, 10)
			if n.Cmp(hi) > 0 {
				return bad(rangeText, "cvc-maxInclusive-valid: Value '%s' is not facet-valid with respect to maxInclusive '%s' for type '%s'.", v, r.MaxInclusive, r.Type)
			}
		}
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
