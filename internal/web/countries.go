package web

import (
	"sort"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// adminCountry is one choice of a country list: ORCID's code and its name.
type adminCountry struct{ Code, Name string }

// adminCountryList is ORCID's countries (orcid.Countries) named in
// English and sorted by name, for every form that asks for a country:
// choosing from the list means nobody types "UK" for GB.
func adminCountryList() []adminCountry {
	names := display.English.Regions()
	var out []adminCountry
	for _, code := range orcid.Countries() {
		name := code
		if r, err := language.ParseRegion(code); err == nil {
			if n := names.Name(r); n != "" {
				name = n
			}
		}
		out = append(out, adminCountry{Code: code, Name: name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
