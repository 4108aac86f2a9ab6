package main

import (
	"encoding/xml"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// facets is what a simple type allows, gathered along its derivation.
type facets struct {
	typ  string // the name Xerces gives the type in its messages
	base string // the built-in type at the root of the derivation
	// 0 when the facet is absent (a zero length is refused at generation).
	length, minLength, maxLength int
	// patterns: one per derivation step, every one must match.
	patterns []pattern
	enum     []string
	// minInclusive and maxInclusive as written in the schema, "" if absent.
	minInclusive, maxInclusive string
}

type pattern struct{ xsd, re string }

// rule is one element or attribute a document can hold.
type rule struct {
	path     string
	required bool
	repeated bool
	simple   *facets // nil for element-only content
}

// walker collects the rules reachable from the roots.
type walker struct {
	s      *schemaSet
	rules  []*rule
	byPath map[string]*rule
}

// builtin reports whether the checker knows the built-in type name.
func builtin(name string) bool {
	switch name {
	case "string", "anyURI", "integer", "boolean", "dateTime":
		return true
	}
	return false
}

const maxDepth = 40

func (w *walker) add(path string, required, repeated bool) *rule {
	if r, ok := w.byPath[path]; ok {
		// The same name twice under one parent: alternatives of a choice
		// (orcid-id's path). Required only if required everywhere.
		r.required = r.required && required
		r.repeated = r.repeated || repeated
		return r
	}
	r := &rule{path: path, required: required, repeated: repeated}
	w.rules = append(w.rules, r)
	w.byPath[path] = r
	return r
}

func (w *walker) setFacets(path string, f facets) error {
	r := w.byPath[path]
	if r.simple != nil && !equalFacets(*r.simple, f) {
		return fmt.Errorf("%s: two different simple types", path)
	}
	r.simple = &f
	return nil
}

func equalFacets(a, b facets) bool {
	return a.typ == b.typ && a.base == b.base && a.length == b.length && a.minLength == b.minLength &&
		a.maxLength == b.maxLength && slices.Equal(a.patterns, b.patterns) && slices.Equal(a.enum, b.enum) &&
		a.minInclusive == b.minInclusive && a.maxInclusive == b.maxInclusive
}

// root walks a global element as a document root.
func (w *walker) root(name xml.Name) error {
	decl, ok := w.s.elements[name]
	if !ok {
		return fmt.Errorf("no global element {%s}%s", name.Space, name.Local)
	}
	return w.element(decl, "", false, false, 0)
}

// element walks an element particle (a declaration or a reference) found
// under parent; required and repeated describe the compositors around it.
func (w *walker) element(particle *node, parent string, required, repeated bool, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%s: nesting deeper than %d (a recursive type?)", parent, maxDepth)
	}
	lo, hi, err := occurs(particle)
	if err != nil {
		return err
	}
	decl := particle
	var name xml.Name
	if ref, ok := particle.attr("ref"); ok {
		if name, err = particle.qname(ref); err != nil {
			return err
		}
		if decl = w.s.elements[name]; decl == nil {
			return fmt.Errorf("%s: no global element %s", particle.where(), ref)
		}
	} else {
		name = xml.Name{Space: particle.schema.tns, Local: particle.attrs["name"]}
	}
	for _, a := range []string{"form", "substitutionGroup", "abstract", "nillable", "fixed"} {
		if _, ok := decl.attr(a); ok {
			return fmt.Errorf("%s: attribute %s is not supported", decl.where(), a)
		}
	}
	prefix, err := prefixOf(name.Space)
	if err != nil {
		return fmt.Errorf("%s: %w", decl.where(), err)
	}
	path := prefix + ":" + name.Local
	if parent != "" {
		path = parent + "/" + path
	}
	w.add(path, parent != "" && required && lo >= 1, repeated || hi != 1)
	anon := "#AnonType_" + name.Local
	if t, ok := decl.attr("type"); ok {
		return w.typed(decl, t, path, depth)
	}
	if cts := decl.children("complexType"); len(cts) == 1 {
		return w.complexType(cts[0], path, anon, depth)
	}
	if sts := decl.children("simpleType"); len(sts) == 1 {
		f, err := w.simpleType(sts[0], anon)
		if err != nil {
			return err
		}
		return w.setFacets(path, f)
	}
	return fmt.Errorf("%s: no type (xs:anyType is not supported)", decl.where())
}

// typed applies the named type t (an attribute of n) to path.
func (w *walker) typed(n *node, t, path string, depth int) error {
	qn, err := n.qname(t)
	if err != nil {
		return err
	}
	if ct, ok := w.s.complexTypes[qn]; ok {
		return w.complexType(ct, path, qn.Local, depth)
	}
	f, err := w.simpleNamed(n, qn)
	if err != nil {
		return err
	}
	return w.setFacets(path, f)
}

// simpleNamed resolves a built-in or global simple type.
func (w *walker) simpleNamed(n *node, qn xml.Name) (facets, error) {
	if qn.Space == xsdNS {
		if !builtin(qn.Local) {
			return facets{}, fmt.Errorf("%s: built-in type xs:%s is not supported", n.where(), qn.Local)
		}
		return facets{typ: qn.Local, base: qn.Local}, nil
	}
	st, ok := w.s.simpleTypes[qn]
	if !ok {
		return facets{}, fmt.Errorf("%s: no simple type {%s}%s", n.where(), qn.Space, qn.Local)
	}
	return w.simpleType(st, qn.Local)
}

// simpleType resolves a simple type declaration, naming the result name.
func (w *walker) simpleType(st *node, name string) (facets, error) {
	for _, k := range st.kids {
		if k.name.Space != xsdNS {
			continue
		}
		switch k.name.Local {
		case "annotation":
		case "restriction":
			base, err := w.restrictionBase(k)
			if err != nil {
				return facets{}, err
			}
			f, err := w.restrict(base, k)
			f.typ = name
			return f, err
		case "union":
			members := strings.Fields(k.attrs["memberTypes"])
			if len(members) != 1 || len(k.children("simpleType")) > 0 {
				// A value of a union is valid if any member accepts it; only
				// the single-member union ORCID uses is translated.
				return facets{}, fmt.Errorf("%s: only a union of one named member type is supported", st.where())
			}
			qn, err := k.qname(members[0])
			if err != nil {
				return facets{}, err
			}
			f, err := w.simpleNamed(k, qn)
			f.typ = name
			return f, err
		default:
			return facets{}, fmt.Errorf("%s: xs:%s is not supported", st.where(), k.name.Local)
		}
	}
	return facets{}, fmt.Errorf("%s: empty simple type", st.where())
}

func (w *walker) restrictionBase(r *node) (facets, error) {
	if b, ok := r.attr("base"); ok {
		qn, err := r.qname(b)
		if err != nil {
			return facets{}, err
		}
		return w.simpleNamed(r, qn)
	}
	if sts := r.children("simpleType"); len(sts) == 1 {
		return w.simpleType(sts[0], "")
	}
	return facets{}, fmt.Errorf("%s: restriction without a base", r.where())
}

// restrict applies the facets of restriction r to base.
func (w *walker) restrict(base facets, r *node) (facets, error) {
	f := base
	f.patterns = slices.Clone(base.patterns)
	var step []string
	var enum []string
	for _, k := range r.kids {
		if k.name.Space != xsdNS {
			continue
		}
		v := k.attrs["value"]
		switch k.name.Local {
		case "annotation", "simpleType":
		case "length", "minLength", "maxLength":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return f, fmt.Errorf("%s: %s %q is not a positive integer", r.where(), k.name.Local, v)
			}
			switch k.name.Local {
			case "length":
				f.length = n
			case "minLength":
				f.minLength = n
			default:
				f.maxLength = n
			}
		case "pattern":
			step = append(step, v)
		case "enumeration":
			enum = append(enum, v)
		case "minInclusive", "maxInclusive":
			if _, err := strconv.ParseInt(v, 10, 64); err != nil || f.base != "integer" {
				return f, fmt.Errorf("%s: %s %q is supported on integers only", r.where(), k.name.Local, v)
			}
			if k.name.Local == "minInclusive" {
				f.minInclusive = v
			} else {
				f.maxInclusive = v
			}
		default:
			// whiteSpace, totalDigits, minExclusive, assertions...
			return f, fmt.Errorf("%s: facet xs:%s is not supported", r.where(), k.name.Local)
		}
	}
	if len(step) > 0 {
		// Patterns of one step are alternatives; steps are conjunctions.
		var xsdAlt, goAlt []string
		for _, p := range step {
			re, err := translatePattern(p)
			if err != nil {
				return f, fmt.Errorf("%s: %w", r.where(), err)
			}
			xsdAlt = append(xsdAlt, p)
			goAlt = append(goAlt, re)
		}
		f.patterns = append(f.patterns, pattern{xsd: strings.Join(xsdAlt, "|"), re: strings.Join(goAlt, "|")})
	}
	if len(enum) > 0 {
		f.enum = enum
	}
	return f, nil
}

// complexType walks a complex type's attributes and content under path.
func (w *walker) complexType(ct *node, path, name string, depth int) error {
	for _, k := range ct.kids {
		if k.name.Space != xsdNS {
			continue
		}
		var err error
		switch k.name.Local {
		case "annotation":
		case "sequence", "choice", "all":
			err = w.group(k, path, true, false, depth)
		case "attribute":
			err = w.attribute(k, path)
		case "simpleContent":
			err = w.simpleContent(k, path, name, depth)
		case "complexContent":
			err = w.complexContent(k, path, name, depth)
		default:
			err = fmt.Errorf("%s: xs:%s is not supported", ct.where(), k.name.Local)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// group walks a compositor. Children of a choice are never required on
// their own; a child of an optional or repeated compositor inherits that.
func (w *walker) group(g *node, path string, required, repeated bool, depth int) error {
	lo, hi, err := occurs(g)
	if err != nil {
		return err
	}
	required = required && lo >= 1 && g.name.Local != "choice"
	repeated = repeated || hi != 1
	for _, k := range g.kids {
		if k.name.Space != xsdNS {
			continue
		}
		switch k.name.Local {
		case "annotation":
		case "element":
			err = w.element(k, path, required, repeated, depth+1)
		case "sequence", "choice", "all":
			err = w.group(k, path, required, repeated, depth)
		default:
			// xs:any, xs:group: not used by ORCID's write schemas.
			err = fmt.Errorf("%s: xs:%s is not supported", g.where(), k.name.Local)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) complexContent(cc *node, path, name string, depth int) error {
	ext := cc.children("extension")
	if len(ext) != 1 || len(cc.children("restriction")) > 0 {
		return errors.New(cc.where() + ": only xs:complexContent/xs:extension is supported")
	}
	b := ext[0].attrs["base"]
	qn, err := ext[0].qname(b)
	if err != nil {
		return err
	}
	if qn != (xml.Name{Space: xsdNS, Local: "anyType"}) {
		base, ok := w.s.complexTypes[qn]
		if !ok {
			return fmt.Errorf("%s: no complex type %s", ext[0].where(), b)
		}
		if err := w.complexType(base, path, qn.Local, depth); err != nil {
			return err
		}
	}
	return w.complexType(ext[0], path, name, depth)
}

// simpleContent: text of a simple type, with attributes.
func (w *walker) simpleContent(sc *node, path, name string, depth int) error {
	for _, k := range sc.kids {
		if k.name.Space != xsdNS || k.name.Local == "annotation" {
			continue
		}
		b := k.attrs["base"]
		qn, err := k.qname(b)
		if err != nil {
			return err
		}
		switch k.name.Local {
		case "extension":
			if ct, ok := w.s.complexTypes[qn]; ok {
				if err := w.complexType(ct, path, qn.Local, depth); err != nil {
					return err
				}
			} else {
				f, err := w.simpleNamed(k, qn)
				if err != nil {
					return err
				}
				if err := w.setFacets(path, f); err != nil {
					return err
				}
			}
			// The extension's own attributes.
			for _, a := range k.children("attribute") {
				if err := w.attribute(a, path); err != nil {
					return err
				}
			}
		case "restriction":
			ct, ok := w.s.complexTypes[qn]
			if !ok {
				return fmt.Errorf("%s: simpleContent restriction of %s, not a complex type", k.where(), b)
			}
			if err := w.complexType(ct, path, qn.Local, depth); err != nil {
				return err
			}
			if len(k.children("attribute")) > 0 || len(k.children("simpleType")) > 0 {
				return fmt.Errorf("%s: attributes or a simple type in a simpleContent restriction are not supported", k.where())
			}
			r := w.byPath[path]
			if r.simple == nil {
				return fmt.Errorf("%s: restriction of %s, which has no simple content", k.where(), b)
			}
			f, err := w.restrict(*r.simple, k)
			if err != nil {
				return err
			}
			// Xerces names the restricted content type after the element.
			f.typ = name
			r.simple = &f
		default:
			return fmt.Errorf("%s: xs:%s is not supported", sc.where(), k.name.Local)
		}
		for _, x := range k.kids {
			if x.name.Space == xsdNS && (x.name.Local == "attributeGroup" || x.name.Local == "anyAttribute") {
				return fmt.Errorf("%s: xs:%s is not supported", k.where(), x.name.Local)
			}
		}
	}
	return nil
}

func (w *walker) attribute(a *node, path string) error {
	decl := a
	name := a.attrs["name"]
	if ref, ok := a.attr("ref"); ok {
		qn, err := a.qname(ref)
		if err != nil {
			return err
		}
		if decl = w.s.attributes[qn]; decl == nil {
			return fmt.Errorf("%s: no global attribute %s", a.where(), ref)
		}
		name = qn.Local
	}
	use := a.attrs["use"]
	if use == "prohibited" {
		return nil
	}
	if _, ok := decl.attr("fixed"); ok {
		return fmt.Errorf("%s: fixed attributes are not supported", decl.where())
	}
	p := path + "/@" + name
	w.add(p, use == "required", false)
	if t, ok := decl.attr("type"); ok {
		qn, err := decl.qname(t)
		if err != nil {
			return err
		}
		f, err := w.simpleNamed(decl, qn)
		if err != nil {
			return err
		}
		return w.setFacets(p, f)
	}
	if sts := decl.children("simpleType"); len(sts) == 1 {
		f, err := w.simpleType(sts[0], "#AnonType_"+name)
		if err != nil {
			return err
		}
		return w.setFacets(p, f)
	}
	return fmt.Errorf("%s: attribute without a type", decl.where())
}
