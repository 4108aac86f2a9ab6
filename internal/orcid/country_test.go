package orcid

import "testing"

func TestValidCountry(t *testing.T) {
	for _, c := range []string{"GB", "NZ", "US", "XK", "AQ"} {
		if !ValidCountry(c) {
			t.Errorf("ValidCountry(%q) = false", c)
		}
	}
	// UK and EU are reserved ISO codes ORCID's enum refuses; case matters.
	for _, c := range []string{"UK", "EU", "gb", "", "G", "GBR", "ZZ", "SU", "YU"} {
		if ValidCountry(c) {
			t.Errorf("ValidCountry(%q) = true", c)
		}
	}
}
