package sandbox

import (
	"sort"
	"strings"
)

// Value lists ORCID validates against that the model package leaves open.

// externalIDTypes are the external-id-type values ORCID accepts on works,
// fundings, peer reviews and research resources: the identifier types in
// ORCID's database (ORCID-Source db/updates identifier-type*.xml and
// identifiers_en.properties), in their API spelling (lower case with
// dashes, except grant_number). Person external identifiers are free text.
var externalIDTypes = sortedSet(`agr ark arxiv asin asin-tld authenticusid bibcode cba cgn cienciaiul cit
	cstr ctx cvid dnb doi eid emdb empiar ethos grant_number hal handle hir isbn ismn issn jfm jstor
	k10plus kuid lccn lensid mr oclc ol osti other-id pat pdb pmc pmid ppr proposal-id raid rfc rrid
	source-work-id ssrn uri urn wosuid zbl`)

// fundedByTypes are the identifier types that may have the funded-by
// relationship (ORCID's ExternalIdentifierFundedByHelper).
var fundedByTypes = sortedSet(`doi grant_number proposal-id uri`)

// languageCodes is ORCID's LanguageCode enum (listed in common-3.0.xsd).
var languageCodes = sortedSet(`ab aa af ak sq am ar an hy as av ae ay az bm ba eu be bn bh bi bs br bg my ca
	ch ce zh_CN zh_TW cu cv kw co cr hr cs da dv nl dz en eo et ee fo fj fi fr fy ff gl lg ka de el kl gn
	gu ht ha iw hz hi ho hu is io ig in ia ie iu ik ga it ja jv kn kr ks kk km ki rw ky kv kg ko ku kj lo
	la lv li ln lt lu lb mk mg ms ml mt gv mi mr mh mo mn na nv ng ne nd se no nb nn ny oc oj or om os pi
	pa fa pl pt ps qu rm ro rn ru sm sg sa sc gd sr sn ii sd si sk sl so nr st es su sw ss sv tl ty tg ta
	tt te th bo ti to ts tn tr tk tw ug uk ur uz ve vi vo wa cy wo xh ji yo za zu`)

// countryCodes is ORCID's Iso3166Country enum: ISO 3166-1 alpha-2 plus XK.
var countryCodes = sortedSet(`AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ
	BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK
	DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
	GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB
	LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC
	NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC
	SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
	UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW`)

func sortedSet(words string) []string {
	s := strings.Fields(words)
	sort.Strings(s)
	return s
}

func oneOf(list []string, v string) bool {
	i := sort.SearchStrings(list, v)
	return i < len(list) && list[i] == v
}
