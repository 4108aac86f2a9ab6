package sandbox

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// Reading a request body is where ORCID's framework rejects most bad input,
// each format in its own way:
//
//   - XML of one item is unmarshalled by JAXB with the item's XSD attached;
//     ORCID's validation handler turns any parse or schema error into
//     OrcidBadRequestException (400, 9012), and an enum value its Java model
//     does not know into IllegalEnumValueException (400, 9051).
//   - A bulk XML body is read without a schema (ORCID validates the works
//     one by one later); a body JAXB cannot read is the framework's 400, 9001.
//   - JSON is read by Jackson: a syntax error is a JsonParseException (400,
//     9001); an unknown property, a value of the wrong type or an unknown
//     enum value is a JsonMappingException, which ORCID rethrows as
//     InvalidJSONException (400, 9047); the object is then checked against
//     the XSD, whose errors are 9047 too.
//
// The emulator has no XSD validator at run time. It checks unknown elements
// by decoding and encoding again, and everything else the schemas say about
// values and required elements with the rules generated from them (package
// xsdrules, see validate_schema.go): the XML body as it came, a JSON body
// once encoded as XML, as ORCID's JSONInputValidator does.

// bodyFault is a problem found while reading a body, before it is turned
// into the error its format gives.
type bodyFault struct {
	kind faultKind
	msg  string
	// enum names the Java enum for faultEnum (IllegalEnumValueException).
	enum, value string
}

type faultKind int

const (
	faultSyntax  faultKind = iota // not well-formed
	faultMapping                  // unknown field or wrong type (Jackson)
	faultSchema                   // what the XSD rejects
	faultEnum                     // a value outside a Java enum
)

func (f *bodyFault) Error() string { return f.msg }

// asError gives the fault the status and code ORCID answers with for the
// format; bulk is true for a bulk XML body, which JAXB reads unvalidated.
func (f *bodyFault) asError(mt mediaType, bulk bool) *apiError {
	if mt.json {
		if f.kind == faultSyntax {
			return newAPIError(9001, nil, f.msg)
		}
		return errBadJSON(f.msg)
	}
	switch {
	case bulk:
		return errJAXRS(400, f.msg)
	case f.kind == faultEnum:
		return errIllegalEnum(f.value, f.enum)
	}
	return newAPIError(9012, nil, f.msg)
}

// decodeItem reads the body of a POST or PUT into a new item of kind.
func decodeItem(kind orcid.ItemKind, mt mediaType, body []byte) (orcid.Item, error) {
	item := orcid.NewItem(kind)
	if item == nil {
		return nil, fmt.Errorf("no model for kind %q", kind)
	}
	if err := decodeBody(mt, body, item, kind); err != nil {
		var f *bodyFault
		if errors.As(err, &f) {
			return nil, f.asError(mt, false)
		}
		return nil, err
	}
	if f := checkItemSchema(item); f != nil {
		return nil, f.asError(mt, false)
	}
	if mt.json {
		// XML bodies were checked as they came, in decodeBody.
		if f := itemSchemaFault(item); f != nil {
			return nil, f.asError(mt, false)
		}
	}
	dropTransient(item)
	return item, nil
}

// dropTransient forgets what ORCID computes on read and ignores on write
// (external-id-normalized and its error, on every kind), so that a client
// may PUT back what it read.
func dropTransient(item orcid.Item) {
	clearNormalized(item)
}

// decodeBulk reads the body of POST /works. A work the XSD refuses takes
// its place in the answer as an error (JSON 9047, XML 9012) and is not
// stored.
//
// ORCID itself validates no bulk body against the schema (neither its JAXB
// resolver nor JSONInputValidator takes WorkBulk), so there such a work
// reaches the database, where an over-long value fails the request with a
// 500 or is stored as a record that no longer validates. The emulator
// refuses it instead, so that what passes offline also passes at ORCID.
func decodeBulk(mt mediaType, body []byte) (*orcid.Bulk, error) {
	b, err := readBulk(mt, body)
	if err != nil {
		return nil, err
	}
	for i, it := range b.Items {
		if it.Work == nil {
			continue
		}
		if f := itemSchemaFault(it.Work); f != nil {
			b.Items[i] = orcid.BulkItem{Error: f.asError(mt, false).body()}
		}
	}
	return b, nil
}

func readBulk(mt mediaType, body []byte) (*orcid.Bulk, error) {
	b := &orcid.Bulk{}
	if mt.json {
		if err := decodeBody(mt, body, b, ""); err != nil {
			var f *bodyFault
			if errors.As(err, &f) {
				return nil, f.asError(mt, true)
			}
			return nil, err
		}
		for _, w := range b.Works() {
			dropTransient(w)
		}
		return b, nil
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errJAXRS(400, "Premature end of file.")
	}
	if err := xml.Unmarshal(body, b); err != nil {
		return nil, errJAXRS(400, err.Error())
	}
	// Without a schema JAXB's default handler gives up on the first value
	// its enum adapters refuse, failing the whole request.
	if err := checkEnums(b); err != nil {
		return nil, errJAXRS(400, err.Error())
	}
	for _, w := range b.Works() {
		dropTransient(w)
	}
	return b, nil
}

// decodeBody decodes body into v and rejects anything v has no place for.
// It compares the input with v encoded again: whatever the input holds that
// the encoding lacks was not understood.
func decodeBody(mt mediaType, body []byte, v any, kind orcid.ItemKind) error {
	trimmed := bytes.TrimSpace(body)
	if mt.json {
		if len(trimmed) == 0 || string(trimmed) == "null" {
			return &bodyFault{kind: faultMapping, msg: "Couldn't read object, data seems to be empty or invalid"}
		}
		var in any
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		if err := dec.Decode(&in); err != nil {
			return &bodyFault{kind: faultSyntax, msg: jsonSyntaxMessage(err)}
		}
		if _, err := dec.Token(); err != io.EOF {
			return &bodyFault{kind: faultSyntax, msg: "Unexpected content after the end of the JSON value"}
		}
		if _, ok := in.(map[string]any); !ok {
			return &bodyFault{kind: faultMapping, msg: fmt.Sprintf("Cannot deserialize value of type %s from %s", javaClass(kind), jsonKind(in))}
		}
		if err := json.Unmarshal(trimmed, v); err != nil {
			return &bodyFault{kind: faultMapping, msg: err.Error()}
		}
		out, err := json.Marshal(v)
		if err != nil {
			return err
		}
		var back any
		if err := json.Unmarshal(out, &back); err != nil {
			return err
		}
		if p := unknownJSON(in, back, "$"); p != "" {
			field := p[strings.LastIndexAny(p, ".")+1:]
			return &bodyFault{kind: faultMapping, msg: fmt.Sprintf("Unrecognized field \"%s\" (class %s), not marked as ignorable (at %s)", field, javaClass(kind), p)}
		}
		return checkEnums(v)
	}
	if len(trimmed) == 0 {
		return &bodyFault{kind: faultSyntax, msg: "Premature end of file."}
	}
	if info, ok := kind.Info(); ok {
		if root, err := rootElement(trimmed); err == nil && root != info.Element {
			return &bodyFault{kind: faultSchema, msg: fmt.Sprintf("cvc-elt.1.a: Cannot find the declaration of element '%s'.", prefixed(root))}
		}
	}
	if err := xml.Unmarshal(trimmed, v); err != nil {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return &bodyFault{kind: faultSyntax, msg: fmt.Sprintf("lineNumber: %d; %s", se.Line, se.Msg)}
		}
		return &bodyFault{kind: faultSchema, msg: "cvc-elt.1.a: " + err.Error()}
	}
	out, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	in, err := parseXMLTree(trimmed)
	if err != nil {
		return &bodyFault{kind: faultSyntax, msg: err.Error()}
	}
	back, err := parseXMLTree(out)
	if err != nil {
		return err
	}
	if n := unknownXML(in, back); n != nil {
		return &bodyFault{kind: faultSchema, msg: fmt.Sprintf("cvc-complex-type.2.4.a: Invalid content was found starting with element '%s'.", prefixed(*n))}
	}
	// The schema is attached to JAXB's unmarshaller, so its errors come
	// before those of the Java enums, which are met once an element is read.
	if f := schemaFault(trimmed); f != nil {
		return f
	}
	return checkEnums(v)
}

// javaClass names the class Jackson reports in its messages.
func javaClass(kind orcid.ItemKind) string {
	if kind == "" {
		return "org.orcid.jaxb.model.v3.release.record.WorkBulk"
	}
	var b strings.Builder
	for _, part := range strings.Split(string(kind), "-") {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return "org.orcid.jaxb.model.v3.release.record." + b.String()
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "Array value (token `JsonToken.START_ARRAY`)"
	case string:
		return "String value"
	}
	return "scalar value"
}

func jsonSyntaxMessage(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("Unexpected character at offset %d: %s", se.Offset, se.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "Unexpected end-of-input"
	}
	return err.Error()
}

// blankJSON is a value the encoding may legitimately drop: ORCID's own
// samples send null and empty strings for absent elements.
func blankJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case map[string]any:
		for _, c := range x {
			if !blankJSON(c) {
				return false
			}
		}
		return true
	case []any:
		for _, c := range x {
			if !blankJSON(c) {
				return false
			}
		}
		return true
	}
	return false
}

// unknownJSON returns the path of the first key of in that out lacks.
func unknownJSON(in, out any, path string) string {
	switch x := in.(type) {
	case map[string]any:
		o, ok := out.(map[string]any)
		if !ok {
			// A scalar the model keeps as text may arrive as {"value": ...}.
			if blankJSON(x) || len(x) == 1 && x["value"] != nil {
				return ""
			}
			if out == nil {
				for k, v := range x {
					if !blankJSON(v) {
						return path + "." + k
					}
				}
			}
			return ""
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := x[k]
			ov, found := o[k]
			if !found {
				if blankJSON(v) {
					continue
				}
				return path + "." + k
			}
			if p := unknownJSON(v, ov, path+"."+k); p != "" {
				return p
			}
		}
	case []any:
		o, _ := out.([]any)
		for i, v := range x {
			var ov any
			if i < len(o) {
				ov = o[i]
			}
			if p := unknownJSON(v, ov, fmt.Sprintf("%s[%d]", path, i)); p != "" {
				return p
			}
		}
	}
	return ""
}

// rootElement is the name of the document's first element.
func rootElement(b []byte) (xml.Name, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.Name{}, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name, nil
		}
	}
}

// errPrematureEnd carries Xerces' wording, which ORCID passes on.
//
//lint:ignore ST1005 the text is ORCID's (Xerces'), shown to API clients
var errPrematureEnd = errors.New("Premature end of file.")

// xmlNode is an element with its children, for comparing documents.
type xmlNode struct {
	name     xml.Name
	text     string
	children []*xmlNode
}

func parseXMLTree(b []byte) (*xmlNode, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: t.Name}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		}
	}
	if root == nil {
		return nil, errPrematureEnd
	}
	return root, nil
}

func (n *xmlNode) blank() bool {
	if strings.TrimSpace(n.text) != "" {
		return false
	}
	for _, c := range n.children {
		if !c.blank() {
			return false
		}
	}
	return true
}

// unknownXML returns the name of the first element of in that has no
// counterpart in out, matching children by name and occurrence.
func unknownXML(in, out *xmlNode) *xml.Name {
	seen := map[xml.Name]int{}
	for _, c := range in.children {
		i := seen[c.name]
		seen[c.name] = i + 1
		var match *xmlNode
		for _, oc := range out.children {
			if oc.name == c.name {
				if i == 0 {
					match = oc
					break
				}
				i--
			}
		}
		if match == nil {
			if c.blank() {
				continue
			}
			return &c.name
		}
		if n := unknownXML(c, match); n != nil {
			return n
		}
	}
	return nil
}

// prefixed writes a name the way Xerces does, with ORCID's usual prefix.
func prefixed(n xml.Name) string {
	if p, ok := strings.CutPrefix(n.Space, "http://www.orcid.org/ns/"); ok {
		return p + ":" + n.Local
	}
	return n.Local
}
