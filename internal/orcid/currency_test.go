package orcid

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestValidCurrency(t *testing.T) {
	for _, tc := range []struct {
		code string
		want bool
	}{
		{"EUR", true}, {"USD", true}, {"NZD", true},
		{"DEM", true}, // withdrawn, still in the JDK's table
		{"XXX", true}, {"XAU", true}, {"ZWG", true},
		{"eur", false}, {"Eur", false}, {"EU", false}, {"EURO", false},
		{"", false}, {" EUR", false}, {"ABC", false}, {"€", false},
	} {
		if got := ValidCurrency(tc.code); got != tc.want {
			t.Errorf("ValidCurrency(%q) = %v, want %v", tc.code, got, tc.want)
		}
	}
	if !slices.IsSorted(Currencies()) || len(Currencies()) != 232 {
		t.Errorf("Currencies: %d codes, sorted %v; want JDK 17's 232, sorted", len(Currencies()), slices.IsSorted(Currencies()))
	}
}

// The cases are Java 17's answers (Double.parseDouble), run once by hand.
func TestValidAmount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"1000", true}, {"1.5", true}, {"-3", true}, {"+5", true}, {"1e3", true}, {" 12 ", true},
		{"\t7\n", true}, {".5", true}, {"5.", true}, {"12d", true}, {"1f", true}, {"-.5e+2F", true},
		{"NaN", true}, {"+NaN", true}, {"-Infinity", true}, {"0x1p3", true}, {"0X1P-2", true},
		{"0x.8p1", true}, {"0x1.p1", true},
		{"", false}, {" ", false}, {"1,000", false}, {"1 000", false}, {"1_000", false}, {"nan", false},
		{"Infinityx", false}, {"0x1", false}, {"1e", false}, {"e3", false}, {"€10", false}, {"٣", false},
	} {
		if got := ValidAmount(tc.in); got != tc.want {
			t.Errorf("ValidAmount(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestValidateFundingAmount: orcid.Validate refuses what ORCID refuses in a
// funding's amount, field by field, and passes what ORCID takes.
func TestValidateFundingAmount(t *testing.T) {
	for _, tc := range []struct {
		name  string
		amt   *Amount
		field string // "" when the amount is fine
	}{
		{"no amount", nil, ""},
		{"EUR 1000", &Amount{Value: "1000", CurrencyCode: "EUR"}, ""},
		{"Java number", &Amount{Value: "1e6", CurrencyCode: "USD"}, ""},
		{"lower-case currency", &Amount{Value: "1000", CurrencyCode: "eur"}, "amount.currency-code"},
		{"unknown currency", &Amount{Value: "1000", CurrencyCode: "EUX"}, "amount.currency-code"},
		{"separators", &Amount{Value: "1,000", CurrencyCode: "EUR"}, "amount.value"},
		{"currency without value", &Amount{Value: " ", CurrencyCode: "EUR"}, "amount.value"},
		{"value without currency", &Amount{Value: "10"}, "amount.currency-code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &Funding{Type: "grant", Title: NewTitle("A grant"), Amount: tc.amt}
			var fields []string
			var ve *ValidationError
			if errors.As(Validate(f), &ve) {
				for _, p := range ve.Problems {
					fields = append(fields, p.Field)
				}
			}
			amountFields := slices.DeleteFunc(fields, func(s string) bool { return !strings.HasPrefix(s, "amount") })
			switch {
			case tc.field == "" && len(amountFields) > 0:
				t.Errorf("amount refused: %v", ve)
			case tc.field != "" && !slices.Contains(amountFields, tc.field):
				t.Errorf("want a problem on %s, got %v", tc.field, ve)
			}
		})
	}
}
