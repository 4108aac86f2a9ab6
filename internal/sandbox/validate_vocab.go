package sandbox

import (
	"sort"

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

// languageCodes is ORCID's LanguageCode enum, kept in package orcid.
var languageCodes = orcid.LanguageCodes()

// countryCodes is ORCID's Iso3166Country enum, kept in package orcid.
var countryCodes = orcid.Countries()

func oneOf(list []string, v string) bool {
	i := sort.SearchStrings(list, v)
	return i < len(list) && list[i] == v
}
