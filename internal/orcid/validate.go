package orcid

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/text/language"
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
	case *Funding:
		v.title("title.title", it.Title)
		v.oneOf("type", it.Type, FundingTypes, true)
		v.externalIDs("external-ids.external-id", extIDs(it.ExternalIDs), false)
		v.dates(it.StartDate, it.EndDate)
		v.organization("organization", it.Organization, true)
		v.url("url", it.URL)
	case *Affiliation:
		v.organization("organization", it.Organization, true)
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
		// Research resources are left to ORCID: few integrations write them.
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
// to carry one of their own, with relationship self.
func (v *validator) externalIDs(field string, ids []ExternalID, needSelf bool) {
	self := false
	for i, x := range ids {
		f := fmt.Sprintf("%s[%d]", field, i)
		v.oneOf(f+".external-id-type", x.Type, ExternalIDTypes, true)
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
		v.url(f+".external-id-url", x.URL)
	}
	if needSelf && !self {
		v.add(field, "needs at least one identifier with relationship self (a DOI of the item itself, for example)")
	}
}

// date checks a fuzzy date as ORCID does: a 4-digit year from 1900 to 2100,
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
	// common-3.0.xsd's year type: ORCID refuses any other with a 400.
	if year < 1900 || year > 2100 {
		v.add(field+".year", "%q is not a year ORCID accepts (1900 to 2100)", d.Year)
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
	if disambiguated {
		d := o.DisambiguatedOrganization
		if d == nil || d.Identifier == "" {
			v.add(field+".disambiguated-organization", "is required: a ROR, GRID, Ringgold, FundRef or LEI identifier")
		} else {
			v.oneOf(field+".disambiguated-organization.disambiguation-source", d.Source, DisambiguationSources, true)
		}
	}
}

// country accepts ISO 3166-1 alpha-2 codes, upper case, as ORCID does.
func (v *validator) country(field, code string) {
	if code == "" {
		v.add(field, "is required")
		return
	}
	r, err := language.ParseRegion(code)
	if err != nil || !r.IsCountry() || r.String() != code {
		v.add(field, "%q is not an ISO 3166-1 country code such as FR or NZ", code)
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
