package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// xsdNS is the XML Schema namespace.
const xsdNS = "http://www.w3.org/2001/XMLSchema"

// orcidNS prefixes every ORCID namespace; the rest of the URI is the prefix
// ORCID's documents use, which is what rule paths are written with.
const orcidNS = "http://www.orcid.org/ns/"

// node is one element of a schema document, with the namespace bindings in
// scope, because attribute values such as type="common:url" are QNames.
type node struct {
	name   xml.Name
	attrs  map[string]string
	scope  map[string]string // prefix -> URI; "" is the default namespace
	kids   []*node
	schema *schemaDoc
}

type schemaDoc struct {
	file string
	tns  string
}

func (n *node) attr(name string) (string, bool) {
	v, ok := n.attrs[name]
	return v, ok
}

// children returns the XSD children named local, skipping annotations.
func (n *node) children(local string) []*node {
	var out []*node
	for _, k := range n.kids {
		if k.name.Space == xsdNS && k.name.Local == local {
			out = append(out, k)
		}
	}
	return out
}

// where names the node for error messages.
func (n *node) where() string {
	name := n.attrs["name"]
	if name == "" {
		name = n.attrs["ref"]
	}
	return fmt.Sprintf("%s: xs:%s %q", filepath.Base(n.schema.file), n.name.Local, name)
}

// qname resolves a QName-valued attribute in the node's scope.
func (n *node) qname(v string) (xml.Name, error) {
	prefix, local, ok := strings.Cut(v, ":")
	if !ok {
		prefix, local = "", v
	}
	uri, found := n.scope[prefix]
	if !found {
		if prefix == "" {
			return xml.Name{Local: local}, nil
		}
		return xml.Name{}, fmt.Errorf("%s: undeclared prefix %q in %q", n.where(), prefix, v)
	}
	return xml.Name{Space: uri, Local: local}, nil
}

// parseSchema reads one schema document into a tree.
func parseSchema(file string, data []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	doc := &schemaDoc{file: file}
	var stack []*node
	var root *node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name, attrs: map[string]string{}, scope: map[string]string{}, schema: doc}
			if len(stack) > 0 {
				for k, v := range stack[len(stack)-1].scope {
					n.scope[k] = v
				}
			}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "xmlns":
					n.scope[a.Name.Local] = a.Value
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					n.scope[""] = a.Value
				case a.Name.Space == "":
					n.attrs[a.Name.Local] = a.Value
				}
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if root == nil || root.name != (xml.Name{Space: xsdNS, Local: "schema"}) {
		return nil, fmt.Errorf("%s: not an XML schema", file)
	}
	doc.tns = root.attrs["targetNamespace"]
	if root.attrs["elementFormDefault"] != "qualified" {
		// Local elements would then be unqualified; ORCID's schemas never
		// are, and the paths below assume it.
		return nil, fmt.Errorf("%s: elementFormDefault is not qualified", file)
	}
	if f := root.attrs["attributeFormDefault"]; f != "" && f != "unqualified" {
		return nil, fmt.Errorf("%s: attributeFormDefault %q is not supported", file, f)
	}
	return root, nil
}

// schemaSet is every global declaration of the loaded documents.
type schemaSet struct {
	elements, complexTypes, simpleTypes, attributes map[xml.Name]*node
	loaded                                          map[string]bool
}

func newSchemaSet() *schemaSet {
	return &schemaSet{
		elements: map[xml.Name]*node{}, complexTypes: map[xml.Name]*node{},
		simpleTypes: map[xml.Name]*node{}, attributes: map[xml.Name]*node{},
		loaded: map[string]bool{},
	}
}

// load reads file and, transitively, what it imports or includes.
func (s *schemaSet) load(file string) error {
	file = filepath.Clean(file)
	if s.loaded[file] {
		return nil
	}
	s.loaded[file] = true
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	root, err := parseSchema(file, data)
	if err != nil {
		return err
	}
	for _, k := range root.kids {
		if k.name.Space != xsdNS {
			continue
		}
		name := xml.Name{Space: root.schema.tns, Local: k.attrs["name"]}
		var into map[xml.Name]*node
		switch k.name.Local {
		case "annotation":
			continue
		case "import", "include":
			loc, ok := k.attr("schemaLocation")
			if !ok {
				return fmt.Errorf("%s: xs:%s without schemaLocation", file, k.name.Local)
			}
			if err := s.load(filepath.Join(filepath.Dir(file), loc)); err != nil {
				return err
			}
			continue
		case "element":
			into = s.elements
		case "complexType":
			into = s.complexTypes
		case "simpleType":
			into = s.simpleTypes
		case "attribute":
			into = s.attributes
		default:
			return fmt.Errorf("%s: top-level xs:%s is not supported", file, k.name.Local)
		}
		if _, dup := into[name]; dup {
			return fmt.Errorf("%s: %s declared twice", file, name.Local)
		}
		into[name] = k
	}
	return nil
}

// occurs reads minOccurs and maxOccurs (-1 for unbounded).
func occurs(n *node) (lo, hi int, err error) {
	lo, hi = 1, 1
	if v, ok := n.attr("minOccurs"); ok {
		if lo, err = strconv.Atoi(v); err != nil {
			return 0, 0, fmt.Errorf("%s: minOccurs %q", n.where(), v)
		}
	}
	if v, ok := n.attr("maxOccurs"); ok {
		if v == "unbounded" {
			hi = -1
		} else if hi, err = strconv.Atoi(v); err != nil {
			return 0, 0, fmt.Errorf("%s: maxOccurs %q", n.where(), v)
		}
	}
	return lo, hi, nil
}

// prefixOf is the prefix a rule path uses for namespace uri.
func prefixOf(uri string) (string, error) {
	p, ok := strings.CutPrefix(uri, orcidNS)
	if !ok || p == "" || strings.ContainsAny(p, "/:") {
		return "", fmt.Errorf("namespace %q is not an ORCID namespace (%s…)", uri, orcidNS)
	}
	return p, nil
}
