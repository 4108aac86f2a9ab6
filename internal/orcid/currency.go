package orcid

import (
	"regexp"
	"slices"
	"strings"
)

// currencyCodes are the codes java.util.Currency.getInstance accepts, which
// is what ORCID checks a funding amount's currency-code against: orcid-model
// binds the attribute to java.util.Currency through CurrencyAdapter
// (org/orcid/jaxb/model/v3/release/common/Amount.java,
// common/adapters/CurrencyAdapter.java), and common-3.0.xsd's currency-code
// type says so ("ORCID will validate this value against the enumeration
// java.util.Currency"). The list is Currency.getAvailableCurrencies() of
// OpenJDK 17.0.15 (ORCID-Source moved to JDK 17 in PR #7497): ISO 4217's
// current codes plus the withdrawn ones the JDK still knows (DEM, FRF, ZWD,
// …) and the funds and precious-metal codes (XAU, XDR, XXX). Which JDK 17
// update ORCID runs is not public; updates add codes (XCG and ZWG in 2024)
// and never remove any. Codes are upper case: Currency.getInstance("usd")
// fails.
const currencyCodes = `ADP AED AFA AFN ALL AMD ANG AOA ARS ATS AUD AWG AYM AZM AZN BAM BBD BDT BEF
	BGL BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYB BYN BYR BZD CAD CDF CHE CHF CHW CLF CLP CNY COP
	COU CRC CSD CUC CUP CVE CYP CZK DEM DJF DKK DOP DZD EEK EGP ERN ESP ETB EUR FIM FJD FKP FRF GBP GEL
	GHC GHS GIP GMD GNF GRD GTQ GWP GYD HKD HNL HRK HTG HUF IDR IEP ILS INR IQD IRR ISK ITL JMD JOD JPY
	KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LTL LUF LVL LYD MAD MDL MGA MGF MKD MMK MNT
	MOP MRO MRU MTL MUR MVR MWK MXN MXV MYR MZM MZN NAD NGN NIO NLG NOK NPR NZD OMR PAB PEN PGK PHP PKR
	PLN PTE PYG QAR ROL RON RSD RUB RUR RWF SAR SBD SCR SDD SDG SEK SGD SHP SIT SKK SLE SLL SOS SRD SRG
	SSP STD STN SVC SYP SZL THB TJS TMM TMT TND TOP TPE TRL TRY TTD TWD TZS UAH UGX USD USN USS UYI UYU
	UZS VEB VED VEF VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XFO XFU XOF XPD XPF XPT XSU
	XTS XUA XXX YER YUM ZAR ZMK ZMW ZWD ZWG ZWL ZWN ZWR`

// Currencies returns the currency codes ORCID accepts, sorted.
func Currencies() []string { return strings.Fields(currencyCodes) }

// ValidCurrency reports whether code is a currency code ORCID accepts on a
// funding amount ("EUR", never "eur" or "€").
func ValidCurrency(code string) bool {
	_, found := slices.BinarySearch(Currencies(), code)
	return found
}

// javaDouble is the grammar of Java's Double.parseDouble (Double.valueOf's
// documented FloatValue), after String.trim: a sign, then NaN, Infinity, a
// decimal with optional exponent, or a hexadecimal with a binary exponent,
// each number with an optional f/F/d/D suffix.
var javaDouble = regexp.MustCompile(`^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?|0[xX]([0-9a-fA-F]+\.?|[0-9a-fA-F]*\.[0-9a-fA-F]+)[pP][+-]?\d+[fFdD]?)$`)

// ValidAmount reports whether ORCID takes s as a funding amount. ORCID's
// only test is that Double.parseDouble accepts it
// (ActivityValidator.validateFunding; otherwise 400 9054 "invalid amount"),
// so "1e3", " 12 ", "5." and even "NaN" pass while "1,000", "1 000" and
// "€10" do not. ORCID stores the text as it came.
func ValidAmount(s string) bool {
	return javaDouble.MatchString(strings.TrimFunc(s, func(r rune) bool { return r <= ' ' }))
}
