package orcid

import (
	"slices"
	"strings"
	"sync"
)

// languageCodes is ORCID's LanguageCode enum (orcid-model,
// org/orcid/jaxb/model/common/LanguageCode.java; listed in the annotation
// of common-3.0.xsd's language-code): ISO 639-1 codes, some in their
// withdrawn forms (iw, in, ji, mo), and zh_CN, zh_TW. The XSD types
// language-code as a plain string; the Java enum refuses the rest.
const languageCodes = `ab aa af ak sq am ar an hy as av ae ay az bm ba eu be bn bh bi bs br bg my ca
	ch ce zh_CN zh_TW cu cv kw co cr hr cs da dv nl dz en eo et ee fo fj fi fr fy ff gl lg ka de el kl gn
	gu ht ha iw hz hi ho hu is io ig in ia ie iu ik ga it ja jv kn kr ks kk km ki rw ky kv kg ko ku kj lo
	la lv li ln lt lu lb mk mg ms ml mt gv mi mr mh mo mn na nv ng ne nd se no nb nn ny oc oj or om os pi
	pa fa pl pt ps qu rm ro rn ru sm sg sa sc gd sr sn ii sd si sk sl so nr st es su sw ss sv tl ty tg ta
	tt te th bo ti to ts tn tr tk tw ug uk ur uz ve vi vo wa cy wo xh ji yo za zu`

// languages is the list split and sorted once: ValidLanguage runs for
// every work validated.
var languages = sync.OnceValue(func() []string {
	s := strings.Fields(languageCodes)
	slices.Sort(s)
	return s
})

// LanguageCodes returns ORCID's language codes, sorted (a copy).
func LanguageCodes() []string { return slices.Clone(languages()) }

// ValidLanguage reports whether code is one of ORCID's language codes
// (case matters: "en", "zh_CN").
func ValidLanguage(code string) bool {
	_, found := slices.BinarySearch(languages(), code)
	return found
}
