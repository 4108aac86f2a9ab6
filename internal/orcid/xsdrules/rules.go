// Package xsdrules holds the value rules of ORCID's v3.0 XSDs for every
// element and attribute of a write body (works, fundings, the seven
// affiliation kinds, peer reviews, research resources and the five person
// item kinds), and checks a document against them as ORCID's validator does.
//
// The table (rules_gen.go) is generated from the schemas by ./gen, never
// typed in, and a test regenerates it from ../shared/reference/orcid-model to
// prove it current. The offline registry checks request bodies with it, and
// orcid.Validate checks items before they are queued, so the two cannot
// disagree about what ORCID refuses.
//
// Rule paths name elements by ORCID's usual prefix, from the document root:
// "work:work/work:title/common:title"; attributes follow an "@":
// "work:work/work:title/common:translated-title/@language-code".
package xsdrules

//go:generate go run ./gen -model ../../../../shared/reference/orcid-model -out rules_gen.go

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Rule is what the schemas say about one element or attribute.
type Rule struct {
	Path string
	// Required: the parent must have it (minOccurs ≥ 1 in a sequence that is
	// itself required; use="required" for attributes).
	Required bool
	// Repeated: it may occur more than once (maxOccurs > 1).
	Repeated bool
	// Type names the simple type as Xerces does in its messages ("string-1000",
	// "#AnonType_subtitle"); empty for element-only content.
	Type string
	// Base is the built-in type at the root of Type's derivation: string,
	// anyURI, integer, boolean or dateTime.
	Base string
	// Length facets, in characters; 0 when absent.
	Length, MinLength, MaxLength int
	// Patterns must all match (one per derivation step).
	Patterns []Pattern
	// Enum lists the allowed values, when the schema enumerates them.
	Enum []string
	// MinInclusive and MaxInclusive bound integers; "" when absent.
	MinInclusive, MaxInclusive string
}

// Pattern is an XSD pattern and its translation to an anchored Go regexp.
type Pattern struct{ XSD, Go string }

// Simple reports whether the rule constrains a value (text or attribute).
func (r *Rule) Simple() bool { return r.Base != "" }

// table is the generated rules, indexed once: by path, and the required
// children of each path in schema order.
type table struct {
	byPath   map[string]*Rule
	required map[string][]*Rule
	regexps  map[string]*regexp.Regexp
}

var rules = sync.OnceValue(func() *table {
	all := generated()
	t := &table{byPath: make(map[string]*Rule, len(all)), required: map[string][]*Rule{}, regexps: map[string]*regexp.Regexp{}}
	for i := range all {
		r := &all[i]
		t.byPath[r.Path] = r
		if r.Required {
			t.required[parentPath(r.Path)] = append(t.required[parentPath(r.Path)], r)
		}
		for _, p := range r.Patterns {
			if _, ok := t.regexps[p.Go]; !ok {
				t.regexps[p.Go] = regexp.MustCompile(p.Go)
			}
		}
	}
	return t
})

func parentPath(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// Lookup returns the rule of path, if the schemas allow it in a write body.
func Lookup(path string) (*Rule, bool) {
	r, ok := rules().byPath[path]
	return r, ok
}

// MustLookup is Lookup for paths a program names itself: a path the schemas
// do not have is a programming error, caught by any test that reaches it.
func MustLookup(path string) *Rule {
	r, ok := Lookup(path)
	if !ok {
		panic(fmt.Sprintf("xsdrules: no rule for %q", path))
	}
	return r
}

// MaxLength is the maxLength facet of path (0 when it has none).
func MaxLength(path string) int { return MustLookup(path).MaxLength }
