package sandbox

import (
	"sort"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// Value lists ORCID validates against that the model package leaves open.

// externalIDTypes are the external-id-type values ORCID accepts on works,
// fundings, peer reviews and research resources: the names of ORCID's
// identifier-type table (orcid.IdentifierTypes). Person external
// identifiers are free text.
var externalIDTypes = orcid.IdentifierTypeNames()

// fundedByTypes are the identifier types that may have the funded-by
// relationship (ORCID's ExternalIdentifierFundedByHelper).
var fundedByTypes = func() []string {
	var s []string
	for _, t := range orcid.IdentifierTypes() {
		if t.FundedBy {
			s = append(s, t.Name)
		}
	}
	sort.Strings(s)
	return s
}()

// languageCodes is ORCID's LanguageCode enum (listed in common-3.0.xsd).
var languageCodes = sortedSet(`ab aa af ak sq am ar an hy as av ae ay az bm ba eu be bn bh bi bs br bg my ca
	ch ce zh_CN zh_TW cu cv kw co cr hr cs da dv nl dz en eo et ee fo fj fi fr fy ff gl lg ka de el kl gn
	gu ht ha iw hz hi ho hu is io ig in ia ie iu ik ga it ja jv kn kr ks kk km ki rw ky kv kg ko ku kj lo
	la lv li ln lt lu lb mk mg ms ml mt gv mi mr mh mo mn na nv ng ne nd se no nb nn ny oc oj or om os pi
	pa fa pl pt ps qu rm ro rn ru sm sg sa sc gd sr sn ii sd si sk sl so nr st es su sw ss sv tl ty tg ta
	tt te th bo ti to ts tn tr tk tw ug uk ur uz ve vi vo wa cy wo xh ji yo za zu`)

// countryCodes is ORCID's Iso3166Country enum, kept in package orcid.
var countryCodes = orcid.Countries()

func sortedSet(words string) []string {
	s := strings.Fields(words)
	sort.Strings(s)
	return s
}

func oneOf(list []string, v string) bool {
	i := sort.SearchStrings(list, v)
	return i < len(list) && list[i] == v
}
