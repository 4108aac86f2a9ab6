package orcid

import (
	"slices"
	"strings"
	"sync"
)

// countryCodes is ORCID's Iso3166Country enum (orcid-model,
// org/orcid/jaxb/model/common/Iso3166Country.java): ISO 3166-1 alpha-2
// plus XK (Kosovo). The XSD types country as a plain string; it is the Java
// enum that refuses anything else (400 9047 in JSON, 9051 in XML), so
// "UK", "EU" or "gb" fail every item that carries them.
const countryCodes = `AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ
	BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK
	DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
	GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB
	LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC
	NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC
	SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
	UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW`

// countries is the list split once: ValidCountry runs for every item
// validated.
var countries = sync.OnceValue(func() []string { return strings.Fields(countryCodes) })

// Countries returns ORCID's country codes, sorted (a copy).
func Countries() []string { return slices.Clone(countries()) }

// ValidCountry reports whether code is one of ORCID's country codes, in the
// form ORCID takes ("GB", never "UK" or "gb").
func ValidCountry(code string) bool {
	_, found := slices.BinarySearch(countries(), code)
	return len(code) == 2 && found
}
