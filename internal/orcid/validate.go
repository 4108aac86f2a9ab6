package orcid

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid/xsdrules"
)

// Problem is one thing wrong with an item, named by the field (a path in
// ORCID's JSON: "title.title", "external-ids.external-id[0].external-id-value").
type Problem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists every problem found in an item before it is sent.
type ValidationError struct {
	Kind     ItemKind
	Problems []Problem
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Field + ": " + p.Message
	}
	return fmt.Sprintf("%s is not valid: %s", e.Kind, strings.Join(parts, "; "))
}

// Is makes a ValidationError match ErrValidation, like ORCID's 400s.
func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

// Validate checks an item against ORCID's documented rules before it is
// queued, so that an organisation hears about a missing title or a
// malformed DOI from its own system, per field, instead of from a failed
// job later. It returns nil or a *ValidationError. It does not replace
// ORCID's own validation: the registry has the last word.
func Validate(item Item) error {
	v := &validator{}
	switch it := item.(type) {
	case *Work:
		v.title("title.title", it.Title)
		v.oneOf("type", it.Type, WorkTypes, true)
		v.externalIDs("external-ids.external-id", extIDs(it.ExternalIDs), true)
		v.date("publication-date", it.PublicationDate)
		v.url("url", it.URL)
		if it.Country != nil {
			v.country("country", it.Country.Value)
		}
		v.language("language-code", it.LanguageCode)
		if it.Title != nil && it.Title.TranslatedTitle != nil && it.Title.TranslatedTitle.Value != "" {
			if it.Title.TranslatedTitle.LanguageCode == "" {
				v.add("title.translated-title.language-code", "is required with a translated title")
			} else {
				v.language("title.translated-title.language-code", it.Title.TranslatedTitle.LanguageCode)
			}
		}
	case *Funding:
		v.title("title.title", it.Title)
		v.oneOf("type", it.Type, FundingTypes, true)
		v.externalIDs("external-ids.external-id", extIDs(it.ExternalIDs), false)
		v.dates(it.StartDate, it.EndDate)
		v.organization("organization", it.Organization, true)
		v.url("url", it.URL)
		v.amount(it.Amount)
	case *Affiliation:
		v.affiliation(it)
		v.dates(it.StartDate, it.EndDate)
		v.externalIDs("external-ids.external-id", extIDs(it.ExternalIDs), false)
		v.url("url", it.URL)
	case *PeerReview:
		v.oneOf("reviewer-role", it.ReviewerRole, PeerReviewRoles, true)
		v.oneOf("review-type", it.ReviewType, PeerReviewTypes, true)
		v.required("review-group-id", it.ReviewGroupID)
		v.externalIDs("review-identifiers.external-id", extIDs(it.ReviewIdentifiers), true)
		if it.ReviewCompletionDate == nil {
			v.add("review-completion-date", "is required")
		}
		v.date("review-completion-date", it.ReviewCompletionDate)
		if it.SubjectExternalIdentifier != nil {
			v.externalIDs("subject-external-identifier", []ExternalID{*it.SubjectExternalIdentifier}, false)
		}
		// The convening organisation may go without disambiguation.
		v.organization("convening-organization", it.ConveningOrganization, false)
		v.url("review-url", it.ReviewURL)
	case *ResearchResource:
		// Only the XSD's rules (v.schema) for research resources: few
		// integrations write them, and ORCID has the last word.
	case *Keyword:
		v.required("content", it.Content)
	case *OtherName:
		v.required("content", it.Content)
	case *ResearcherURL:
		if it.URL == nil || it.URL.Value == "" {
			v.add("url", "is required")
		}
		v.url("url", it.URL)
	case *PersonExternalIdentifier:
		v.required("external-id-type", it.Type)
		v.required("external-id-value", it.Value)
		v.url("external-id-url", it.URL)
	case *Address:
		if it.Country == nil {
			v.add("country", "is required")
		} else {
			v.country("country", it.Country.Value)
		}
	case nil:
		return errors.New("orcid: validate: no item")
	}
	v.schema(item)
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Kind: item.ItemKind(), Problems: v.problems}
}

type validator struct{ problems []Problem }

func (v *validator) add(field, format string, args ...any) {
	v.problems = append(v.problems, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) required(field, value string) {
	if strings.TrimSpace(value) == "" {
		v.add(field, "is required")
	}
}

func (v *validator) title(field string, t *Title) {
	if t == nil || t.Title == nil || strings.TrimSpace(t.Title.Value) == "" {
		v.add(field, "is required")
	}
}

func (v *validator) oneOf(field, value string, list []string, required bool) {
	switch {
	case value == "" && required:
		v.add(field, "is required")
	case value != "" && !IsOneOf(list, value):
		v.add(field, "%q is not one of ORCID's values (%s)", value, strings.Join(list, ", "))
	}
}

func extIDs(x *ExternalIDs) []ExternalID {
	if x == nil {
		return nil
	}
	return x.ExternalID
}

var (
	doiPattern  = regexp.MustCompile(`^10\.\d{4,9}/\S+$`)
	issnPattern = regexp.MustCompile(`^\d{4}-?\d{3}[\dXx]$`)
)

// externalIDs checks identifiers; ORCID requires works (and peer reviews)
// to carry one of their own, with relationship self. It changes nothing:
// a value is sent as written, and ORCID normalises only its
// external-id-normalized copy.
func (v *validator) externalIDs(field string, ids []ExternalID, needSelf bool) {
	self := false
	for i, x := range ids {
		f := fmt.Sprintf("%s[%d]", field, i)
		v.identifierType(f+".external-id-type", x.Type)
		v.required(f+".external-id-value", x.Value)
		if x.Relationship == "" {
			v.add(f+".external-id-relationship", "is required (self, part-of, version-of or funded-by)")
		} else {
			v.oneOf(f+".external-id-relationship", x.Relationship, Relationships, true)
		}
		if x.Relationship == RelationshipSelf {
			self = true
		}
		value := strings.TrimSpace(x.Value)
		switch x.Type {
		case "doi":
			value = strings.TrimPrefix(strings.TrimPrefix(strings.TrimPrefix(value, "https://doi.org/"), "http://dx.doi.org/"), "doi:")
			if value != "" && !doiPattern.MatchString(value) {
				v.add(f+".external-id-value", "%q is not a DOI (10.<registrant>/<suffix>)", x.Value)
			}
		case "issn":
			if value != "" && !issnPattern.MatchString(value) {
				v.add(f+".external-id-value", "%q is not an ISSN (1234-567X)", x.Value)
			}
		case "isbn":
			d := strings.NewReplacer("-", "", " ", "").Replace(value)
			if value != "" && len(d) != 10 && len(d) != 13 {
				v.add(f+".external-id-value", "%q is not an ISBN (10 or 13 digits)", x.Value)
			}
		}
		if n := len(v.problems); n == 0 || v.problems[n-1].Field != f+".external-id-value" {
			v.normalizable(f+".external-id-value", x)
		}
		v.url(f+".external-id-url", x.URL)
	}
	if needSelf && !self {
		v.add(field, "needs at least one identifier with relationship self (a DOI of the item itself, for example)")
	}
}

// identifierType accepts exactly the names of ORCID's identifier-type
// table, which ExternalIDValidator checks case-sensitively ("DOI" is
// refused there too).
func (v *validator) identifierType(field, typ string) {
	if typ == "" {
		v.add(field, "is required")
		return
	}
	if _, ok := IdentifierType(typ); ok {
		return
	}
	if _, ok := IdentifierType(strings.ToLower(typ)); ok {
		v.add(field, "%q is not one of ORCID's identifier types: type names are lower case (%q)", typ, strings.ToLower(typ))
		return
	}
	v.add(field, "%q is not one of ORCID's identifier types (GET /v3.0/identifiers lists them: doi, isbn, issn, pmid, uri, source-work-id, other-id, ...)", typ)
}

// normalizable refuses a value of a type ORCID normalises (doi, isbn, issn,
// pmid, pmc, arxiv, bibcode, rrid) when ORCID could not normalise it: ORCID
// would store it with error 8001 and could neither group it with the same
// item from elsewhere nor see it as a duplicate of it.
func (v *validator) normalizable(field string, x ExternalID) {
	t, ok := IdentifierType(x.Type)
	if !ok || t.norm == normNone || strings.TrimSpace(x.Value) == "" {
		return
	}
	if _, ok := NormalizeExternalID(x.Type, x.Value); !ok {
		v.add(field, "%q is not a %s ORCID can read (it would answer error %s, \"Cannot normalize identifier value\")", x.Value, x.Type, NormalizationErrorCode)
	}
}

// yearRule is common-3.0.xsd's year type (an integer range), the same in
// every fuzzy date; ORCID refuses any other year with a 400.
const yearRule = "work:work/common:publication-date/common:year"

// date checks a fuzzy date as ORCID does: a 4-digit year in the XSD's range,
// a month only with a year, a day only with a month, and a day that exists.
func (v *validator) date(field string, d *FuzzyDate) {
	if d == nil {
		return
	}
	year, err := strconv.Atoi(d.Year)
	if len(d.Year) != 4 || err != nil {
		v.add(field+".year", "%q is not a 4-digit year", d.Year)
		return
	}
	yr := xsdrules.MustLookup(yearRule)
	if xsdrules.CheckValue(yearRule, d.Year, "") != nil {
		v.add(field+".year", "%q is not a year ORCID accepts (%s to %s)", d.Year, yr.MinInclusive, yr.MaxInclusive)
		return
	}
	if d.Month == "" {
		if d.Day != "" {
			v.add(field+".day", "a day needs a month")
		}
		return
	}
	month, err := strconv.Atoi(d.Month)
	if len(d.Month) != 2 || err != nil || month < 1 || month > 12 {
		v.add(field+".month", "%q is not a month 01 to 12", d.Month)
		return
	}
	if d.Day == "" {
		return
	}
	day, err := strconv.Atoi(d.Day)
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month-1]
	if month == 2 && (year%4 == 0 && year%100 != 0 || year%400 == 0) {
		days = 29
	}
	if len(d.Day) != 2 || err != nil || day < 1 || day > days {
		v.add(field+".day", "%q is not a day of %s-%s", d.Day, d.Year, d.Month)
	}
}

func (v *validator) dates(start, end *FuzzyDate) {
	v.date("start-date", start)
	v.date("end-date", end)
	if end != nil && start == nil {
		v.add("end-date", "needs a start date")
	}
	if start != nil && end != nil && start.Year != "" && end.Year != "" && dateKey(end) < dateKey(start) {
		v.add("end-date", "is before the start date")
	}
}

// dateKey orders fuzzy dates of known parts, missing parts counting as
// the earliest.
func dateKey(d *FuzzyDate) string {
	pad := func(s string) string {
		if s == "" {
			return "00"
		}
		return s
	}
	return d.Year + pad(d.Month) + pad(d.Day)
}

func (v *validator) organization(field string, o *Organization, disambiguated bool) {
	if o == nil {
		v.add(field, "is required")
		return
	}
	v.required(field+".name", o.Name)
	if o.Address == nil {
		v.add(field+".address", "needs a city and a country")
	} else {
		v.required(field+".address.city", o.Address.City)
		v.country(field+".address.country", o.Address.Country)
	}
	d := o.DisambiguatedOrganization
	if disambiguated && (d == nil || d.Identifier == "") {
		v.add(field+".disambiguated-organization", "is required: a ROR, GRID, Ringgold, FundRef or LEI identifier")
		return
	}
	v.disambiguated(field, d)
}

// disambiguated checks an organisation's registry entry when it names one:
// a known registry, and a ROR iD in the one form ORCID matches.
func (v *validator) disambiguated(field string, d *DisambiguatedOrganization) {
	if d == nil || (d.Identifier == "" && d.Source == "") {
		return
	}
	v.required(field+".disambiguated-organization.disambiguated-organization-identifier", d.Identifier)
	v.oneOf(field+".disambiguated-organization.disambiguation-source", d.Source, DisambiguationSources, true)
	if d.Source == DisambiguationSourceROR && d.Identifier != "" && !IsCanonicalROR(d.Identifier) {
		if _, err := ParseROR(d.Identifier); err != nil {
			v.add(field+".disambiguated-organization.disambiguated-organization-identifier",
				"%q is not a ROR iD (malformed, or its checksum is wrong)", d.Identifier)
		} else {
			v.add(field+".disambiguated-organization.disambiguated-organization-identifier",
				"%q must be written as ORCID holds it, https://ror.org/…", d.Identifier)
		}
	}
}

// affiliation is ORCID's rule for an affiliation's organisation
// (ActivityValidator.validateAffiliation, orcid-model #74 and #76, 2025):
// an employment or an education needs a registry entry, a city and a
// country; the five professional activities (distinction, invited
// position, membership, qualification, service) need a name or a registry
// entry, and a registry entry or identifiers of their own, and a country
// only when a city or region is given.
func (v *validator) affiliation(a *Affiliation) {
	if a.Kind == KindEmployment || a.Kind == KindEducation {
		v.organization("organization", a.Organization, true)
		return
	}
	o := a.Organization
	if o == nil {
		v.add("organization", "is required")
		return
	}
	d := o.DisambiguatedOrganization
	hasEntry := d != nil && d.Identifier != ""
	if strings.TrimSpace(o.Name) == "" && !hasEntry {
		v.add("organization.name", "is required, or a disambiguated organisation")
	}
	if !hasEntry && len(extIDs(a.ExternalIDs)) == 0 {
		v.add("organization.disambiguated-organization", "is required unless the affiliation has external identifiers of its own")
	}
	if ad := o.Address; ad != nil && (strings.TrimSpace(ad.City) != "" || strings.TrimSpace(ad.Region) != "") {
		v.country("organization.address.country", ad.Country)
	} else if ad != nil && ad.Country != "" {
		v.country("organization.address.country", ad.Country)
	}
	v.disambiguated("organization", d)
}

// country accepts ISO 3166-1 alpha-2 codes, upper case, as ORCID does.
func (v *validator) country(field, code string) {
	if code == "" {
		v.add(field, "is required")
		return
	}
	if !ValidCountry(code) {
		v.add(field, "%q is not an ISO 3166-1 country code such as FR or NZ", code)
	}
}

// amount checks a funding amount as ORCID's ActivityValidator.validateFunding
// does: a value needs a currency and a currency a value, the currency is
// one java.util.Currency knows, and the value is a number to Java.
func (v *validator) amount(a *Amount) {
	switch {
	case a == nil:
	case a.CurrencyCode == "" && strings.TrimSpace(a.Value) != "":
		v.add("amount.currency-code", "is required with an amount")
	case a.CurrencyCode != "" && strings.TrimSpace(a.Value) == "":
		v.add("amount.value", "is required with a currency code (or leave the amount out)")
	case a.CurrencyCode != "" && !ValidCurrency(a.CurrencyCode):
		v.add("amount.currency-code", "%q is not an ISO 4217 currency code such as EUR or USD", a.CurrencyCode)
	case a.CurrencyCode != "" && !ValidAmount(a.Value):
		v.add("amount.value", "%q is not a number (write 1000 or 1000.50, without separators)", a.Value)
	}
}

// language checks an ORCID language code, when there is one.
func (v *validator) language(field, code string) {
	if code != "" && !ValidLanguage(code) {
		v.add(field, "%q is not one of ORCID's language codes (ISO 639-1, e.g. en, es, fr, zh_CN)", code)
	}
}

func (v *validator) url(field string, t *Text) {
	if t == nil || t.Value == "" {
		return
	}
	u, err := url.Parse(t.Value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ftp") || u.Host == "" {
		v.add(field, "%q is not an absolute http(s) URL", t.Value)
	}
}

// schema checks the item against the rules generated from ORCID's XSDs
// (lengths, patterns, xs:anyURI, enumerations, integer ranges, required
// elements): the rules the offline registry applies to request bodies and
// ORCID's validator to its own, so that an item ORCID would refuse with a
// 400 is refused here before it is queued. A field the checks above
// already reported, or one inside it, is not reported again.
func (v *validator) schema(item Item) {
	doc, err := xml.Marshal(item)
	if err != nil {
		v.add("", "cannot be encoded as ORCID XML: %v", err)
		return
	}
	vs, err := xsdrules.Check(doc)
	if err != nil {
		v.add("", "cannot be checked against ORCID's schema: %v", err)
		return
	}
	for _, x := range vs {
		// iD URIs are built from the environment's registry, which may be
		// an offline one on a loopback address.
		if !x.RegistryURI() && !v.reported(x.Field) {
			v.add(x.Field, "%s", x.Problem)
		}
	}
}

// reported tells whether a problem names field, one of its parents or one
// of its children.
func (v *validator) reported(field string) bool {
	within := func(inner, outer string) bool {
		return inner == outer || strings.HasPrefix(inner, outer+".") || strings.HasPrefix(inner, outer+"[")
	}
	for _, p := range v.problems {
		if within(field, p.Field) || within(p.Field, field) {
			return true
		}
	}
	return false
}
