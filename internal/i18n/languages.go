// Package i18n is orcidlink's one home for the languages researcher-facing
// pages and emails are written in: which exist, what each is called in
// itself, which way it is written, what ORCID calls it, and the message
// catalogs (locales/*.json) that hold the texts.
//
// The languages are those of ORCID's own site, so that a researcher sent
// from orcidlink to ORCID's sign-in and consent screens keeps the same
// language: ORCID's registry lists them in its AvailableLocales enum
// (ORCID/ORCID-Source, orcid-model/src/main/java/org/orcid/jaxb/model/common/AvailableLocales.java:
// ar, cs, en, es, fr, it, ja, ko, pt, ru, zh_CN, zh_TW, plus the test
// locale xx), and its pages take that value as the lang query parameter
// (orcid-core/src/main/resources/i18n/README.md, "?lang=[language code]").
package i18n

import (
	"slices"
	"strings"
)

// Direction is the direction a language is written in, as HTML's dir
// attribute spells it.
type Direction string

// The directions.
const (
	LTR Direction = "ltr"
	RTL Direction = "rtl"
)

// Language is one language orcidlink speaks to researchers.
type Language struct {
	// Code is how orcidlink stores the language (a person's and a
	// tenant's languages, catalog file names): ORCID's own codes.
	Code string
	// Name is the language's name in itself, for language menus.
	Name string
	// English is its name in English, for the administrators' pages.
	English string
	// Dir is the direction the language is written in.
	Dir Direction
	// ORCID is the value of the lang parameter that makes ORCID's screens
	// speak it.
	ORCID string
	// HTML is the language as a BCP 47 tag, for <html lang> and
	// Content-Language ("zh-CN", not ORCID's "zh_CN").
	HTML string
}

// languages are ORCID's site languages, in the order of their codes.
var languages = [...]Language{
	{Code: "ar", Name: "العربية", English: "Arabic", Dir: RTL, ORCID: "ar", HTML: "ar"},
	{Code: "cs", Name: "Čeština", English: "Czech", Dir: LTR, ORCID: "cs", HTML: "cs"},
	{Code: "en", Name: "English", English: "English", Dir: LTR, ORCID: "en", HTML: "en"},
	{Code: "es", Name: "Español", English: "Spanish", Dir: LTR, ORCID: "es", HTML: "es"},
	{Code: "fr", Name: "Français", English: "French", Dir: LTR, ORCID: "fr", HTML: "fr"},
	{Code: "it", Name: "Italiano", English: "Italian", Dir: LTR, ORCID: "it", HTML: "it"},
	{Code: "ja", Name: "日本語", English: "Japanese", Dir: LTR, ORCID: "ja", HTML: "ja"},
	{Code: "ko", Name: "한국어", English: "Korean", Dir: LTR, ORCID: "ko", HTML: "ko"},
	{Code: "pt", Name: "Português", English: "Portuguese", Dir: LTR, ORCID: "pt", HTML: "pt"},
	{Code: "ru", Name: "Русский", English: "Russian", Dir: LTR, ORCID: "ru", HTML: "ru"},
	{Code: "zh_CN", Name: "简体中文", English: "Chinese (Simplified)", Dir: LTR, ORCID: "zh_CN", HTML: "zh-CN"},
	{Code: "zh_TW", Name: "繁體中文", English: "Chinese (Traditional)", Dir: LTR, ORCID: "zh_TW", HTML: "zh-TW"},
}

// Default is the language of last resort.
const Default = "en"

// Languages returns every language orcidlink speaks, in the order of
// their codes. The slice is the caller's.
func Languages() []Language { return slices.Clone(languages[:]) }

// Codes returns the codes of every language, in order. The slice is the
// caller's.
func Codes() []string {
	out := make([]string, len(languages))
	for i, l := range languages {
		out[i] = l.Code
	}
	return out
}

// Lookup finds the language a tag names, case-insensitively and with "-"
// or "_" between subtags: "fr", "FR", "fr-CA" and "pt_BR" name French and
// Portuguese (orcidlink speaks one of each); "zh", "zh-CN", "zh-Hans" and
// "zh-SG" name simplified Chinese, "zh-TW", "zh-Hant", "zh-HK" and "zh-MO"
// traditional Chinese. ok is false for a tag that names no language
// orcidlink speaks ("de", "", "*", "english").
func Lookup(tag string) (lang Language, ok bool) {
	tag = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
	primary, rest, _ := strings.Cut(tag, "-")
	if primary == "zh" {
		code := "zh_CN"
		for _, sub := range strings.Split(rest, "-") {
			switch sub {
			case "hant", "tw", "hk", "mo":
				code = "zh_TW"
			}
		}
		return byCode(code)
	}
	if primary == "" || strings.Contains(primary, "_") {
		return Language{}, false
	}
	return byCode(primary)
}

// Normalize returns the code of the language a tag names (see Lookup), or
// "" when orcidlink speaks none.
func Normalize(tag string) string {
	if l, ok := Lookup(tag); ok {
		return l.Code
	}
	return ""
}

// byCode finds a language by its exact code.
func byCode(code string) (Language, bool) {
	for _, l := range languages {
		if l.Code == code {
			return l, true
		}
	}
	return Language{}, false
}
