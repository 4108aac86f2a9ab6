package sandbox

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// The semantic checks ORCID runs once a body has been read
// (ActivityValidator, ExternalIDValidator and PersonValidator in
// orcid-core), in their order, so that a body with several faults gets the
// same error as from ORCID.

// writeCheck is what the validators need to know about the write.
type writeCheck struct {
	create     bool
	original   orcid.Visibility // the stored visibility, on update
	clientName string
}

func (r *Registry) validateItem(item orcid.Item, wc writeCheck) error {
	switch x := item.(type) {
	case *orcid.Work:
		return validateWork(x, wc)
	case *orcid.Funding:
		return validateFunding(x, wc)
	case *orcid.Affiliation:
		return validateAffiliation(x, wc)
	case *orcid.PeerReview:
		return validatePeerReview(x, wc)
	case *orcid.ResearchResource:
		return validateResearchResource(x, wc)
	}
	return validatePersonItem(item, wc)
}

func putCodeOnCreate(item orcid.Item, wc writeCheck) error {
	if wc.create && item.GetPutCode() != 0 {
		return errPutCodeOnCreate(wc.clientName)
	}
	return nil
}

// visibilityUnchanged is validateVisibilityDoesntChange: a PUT may omit the
// visibility or repeat it, never change it.
func visibilityUnchanged(item orcid.Item, wc writeCheck) error {
	if !wc.create && item.GetVisibility() != "" && item.GetVisibility() != wc.original {
		return errVisibilityChange()
	}
	return nil
}

func validateWork(w *orcid.Work, wc writeCheck) error {
	if w.Title == nil || w.Title.Title == nil || blank(w.Title.Title.Value) {
		return newAPIError(9022, nil, "")
	}
	if w.Country != nil && blank(w.Country.Value) {
		return errEnum("country", countryCodes)
	}
	if tt := w.Title.TranslatedTitle; tt != nil {
		if blank(tt.Value) && tt.LanguageCode != "" {
			return errValidation("Please specify a translated title or remove the language code")
		}
		if !blank(tt.Value) && !oneOf(languageCodes, tt.LanguageCode) {
			return errEnum("translated title -> language code", languageCodes)
		}
	}
	if blank(w.Type) {
		return errEnum("work type", orcid.WorkTypes)
	}
	if w.LanguageCode != "" && !oneOf(languageCodes, w.LanguageCode) {
		return errEnum("language code", languageCodes)
	}
	if d := w.PublicationDate; d != nil {
		if err := validateFuzzyDate(d); err != nil {
			return err
		}
		for _, p := range []struct{ v, name string }{{d.Year, "year"}, {d.Month, "month"}, {d.Day, "day"}} {
			if p.v == "" {
				continue
			}
			if _, err := strconv.Atoi(p.v); err != nil {
				return errEnum("publication date -> "+p.name, []string{"integers"})
			}
		}
		if len(d.Year) != 4 {
			return errValidation("Invalid year " + d.Year + " please specify a four digits value")
		}
		if d.Month != "" && len(d.Month) != 2 {
			return errValidation("Invalid month " + d.Month + " please specify a two digits value")
		}
		if d.Day != "" && len(d.Day) != 2 {
			return errValidation("Invalid day " + d.Day + " please specify a two digits value")
		}
	}
	if c := w.Citation; c != nil {
		if c.Type == "" {
			return errEnum("citation type", orcid.CitationTypes)
		}
		if blank(c.Value) {
			return errValidation("Please specify a citation or remove the parent tag")
		}
	}
	ids := extIDs(w.ExternalIDs)
	if len(ids) == 0 {
		return newAPIError(9023, nil, "")
	}
	for _, id := range ids {
		if id.Relationship == orcid.RelationshipFundedBy && !oneOf(fundedByTypes, strings.ToLower(id.Type)) {
			return errValidation("External ID " + id.Type + " not supported for relationship funded_by")
		}
	}
	if w.Contributors != nil {
		for _, c := range w.Contributors.Contributor {
			if err := validateContributor(c, wc); err != nil {
				return err
			}
		}
	}
	if err := putCodeOnCreate(w, wc); err != nil {
		return err
	}
	if err := visibilityUnchanged(w, wc); err != nil {
		return err
	}
	return validateExternalIDs(ids, true, false)
}

// orcidURI2_1 is ORCID's OrcidStringUtils.ORCID_URI_2_1_STRING.
var orcidURI2_1 = regexp.MustCompile(`^https://([^/]*orcid\.org|localhost.*/orcid-web)/(\d{4}-){3,}\d{3}[\dX]$`)

func validateContributor(c orcid.Contributor, wc writeCheck) error {
	if o := c.ContributorOrcid; o != nil {
		if o.URI != "" && !orcidURI2_1.MatchString(o.URI) {
			return errValidation("Invalid contributor URI")
		}
		if o.Path != "" {
			if _, err := orcid.ParseID(o.Path); err != nil || strings.ToUpper(o.Path) != o.Path {
				return errValidation("Invalid contributor ORCID")
			}
		}
	}
	if c.CreditName != nil && blank(c.CreditName.Value) {
		return errValidation("Please specify a contributor credit name or remove the empty tag")
	}
	if c.ContributorEmail != nil && blank(c.ContributorEmail.Value) {
		return errValidation("Please specify a contributor email or remove the empty tag")
	}
	return nil
}

// validateExternalIDs is ExternalIDValidator: every type must be one ORCID
// knows, values and relationships present; works need a self identifier
// and peer reviews one beside any version-of. Problems are listed after
// "Invalid external-id " with a leading space each, as ORCID does.
func validateExternalIDs(ids []orcid.ExternalID, work, peerReview bool) error {
	var errs []string
	self, versionOf := false, false
	for _, id := range ids {
		if !oneOf(externalIDTypes, id.Type) {
			errs = append(errs, id.Type)
		}
		if blank(id.Value) {
			errs = append(errs, "value")
		}
		if id.Relationship == "" {
			errs = append(errs, "relationship")
		}
		self = self || id.Relationship == orcid.RelationshipSelf
		versionOf = versionOf || id.Relationship == orcid.RelationshipVersionOf
	}
	if work && !self {
		errs = append(errs, "At least one identifier with 'self' relationship is required")
	}
	if peerReview && versionOf && !self {
		errs = append(errs, "version-of requires at least one self identifier")
	}
	if len(errs) > 0 {
		return newAPIError(9023, nil, "Invalid external-id  "+strings.Join(errs, " "))
	}
	return nil
}

func validateFunding(f *orcid.Funding, wc writeCheck) error {
	if f.Title == nil || f.Title.Title == nil || f.Title.Title.Value == "" {
		return newAPIError(9022, nil, "")
	}
	if tt := f.Title.TranslatedTitle; tt != nil && !blank(tt.Value) && !oneOf(languageCodes, tt.LanguageCode) {
		return errEnum("translated title -> language code", languageCodes)
	}
	ids := extIDs(f.ExternalIDs)
	if len(ids) == 0 {
		return newAPIError(9023, nil, "")
	}
	if a := f.Amount; a != nil {
		switch {
		case a.CurrencyCode == "" && !blank(a.Value):
			return errValidation("Please specify a currency code")
		case a.CurrencyCode != "" && blank(a.Value):
			return errValidation("Please specify an amount or remove the amount tag")
		case a.CurrencyCode != "" && !orcid.ValidAmount(a.Value):
			// Double.parseDouble's grammar, not Go's: "1e3" and "12d"
			// pass, "1,000" and "0x1" do not.
			return newAPIError(9054, nil, "")
		}
	}
	if err := putCodeOnCreate(f, wc); err != nil {
		return err
	}
	if err := validateDisambiguatedOrg(f.Organization); err != nil {
		return err
	}
	if f.EndDate != nil {
		if err := validateFuzzyDate(f.EndDate); err != nil {
			return err
		}
		if f.StartDate == nil {
			return newAPIError(9050, nil, "")
		}
	}
	if f.StartDate != nil {
		if err := validateFuzzyDate(f.StartDate); err != nil {
			return err
		}
	}
	if err := visibilityUnchanged(f, wc); err != nil {
		return err
	}
	return validateExternalIDs(ids, false, false)
}

// validateDisambiguatedOrg is ActivityValidator.validateDisambiguatedOrg:
// an organisation must name its registry entry (9046 without organisation,
// 9045 without identifier; Java's isEmpty, so only an empty one). Whether
// the registry knows the entry is checked later (checkOrganizations).
func validateDisambiguatedOrg(o *orcid.Organization) error {
	if o == nil {
		return newAPIError(9046, nil, "")
	}
	if o.DisambiguatedOrganization == nil || o.DisambiguatedOrganization.Identifier == "" {
		return newAPIError(9045, nil, "")
	}
	return nil
}

func validateAffiliation(a *orcid.Affiliation, wc writeCheck) error {
	if err := putCodeOnCreate(a, wc); err != nil {
		return err
	}
	if err := visibilityUnchanged(a, wc); err != nil {
		return err
	}
	// ORCID-Source ActivityValidator.validateAffiliation (v3.0.43): employment
	// and education need a registry entry, a city and a country
	// (validateDisambiguatedOrg, validateOrgAddress); since 2025-08 the other
	// five, the "professional activities", need an organisation name or a
	// disambiguated organisation, and a disambiguated identifier or external
	// identifiers, and an address only when a city or region is given, which
	// then needs a country
	// (validateDisambiguatedOrgAndExternalIdentifiersForProfessionalActivities).
	// Blank-or-empty follows the Java: PojoUtil.isEmpty trims, String.isEmpty
	// and StringUtils.isEmpty do not.
	o := a.Organization
	if a.Kind == orcid.KindEducation || a.Kind == orcid.KindEmployment {
		if err := validateDisambiguatedOrg(o); err != nil {
			return err
		}
		if o.Address == nil || blank(o.Address.City) || o.Address.Country == "" {
			return newAPIError(9060, nil, "")
		}
	} else {
		if o == nil || (o.DisambiguatedOrganization == nil && o.Name == "") {
			return newAPIError(9046, nil, "")
		}
		if (o.DisambiguatedOrganization == nil || o.DisambiguatedOrganization.Identifier == "") && len(extIDs(a.ExternalIDs)) == 0 {
			return newAPIError(9062, nil, "")
		}
		if o.Address != nil && (!blank(o.Address.City) || !blank(o.Address.Region)) && o.Address.Country == "" {
			return newAPIError(9061, nil, "")
		}
	}
	if a.EndDate != nil {
		if err := validateFuzzyDate(a.EndDate); err != nil {
			return err
		}
	}
	if a.StartDate != nil {
		if err := validateFuzzyDate(a.StartDate); err != nil {
			return err
		}
		if a.EndDate != nil && fuzzyKey(a.StartDate) > fuzzyKey(a.EndDate) {
			return newAPIError(9055, nil, "")
		}
	}
	return nil
}

// fuzzyKey is FuzzyDateUtils.compareTo's comparison string.
func fuzzyKey(d *orcid.FuzzyDate) string {
	pad := func(s string) string {
		if s == "" {
			return "00"
		}
		if len(s) < 2 {
			return strings.Repeat("0", 2-len(s)) + s
		}
		return s
	}
	y := d.Year
	if y == "" {
		y = "0000"
	}
	return y + pad(d.Month) + pad(d.Day)
}

func validatePeerReview(p *orcid.PeerReview, wc writeCheck) error {
	ids := extIDs(p.ReviewIdentifiers)
	if len(ids) == 0 {
		return newAPIError(9023, nil, "")
	}
	if err := putCodeOnCreate(p, wc); err != nil {
		return err
	}
	if p.ReviewType == "" {
		// ORCID builds the list of types but throws the exception without
		// it, so the message keeps its placeholders.
		return newAPIError(9037, nil, "")
	}
	if err := validateExternalIDs(ids, false, true); err != nil {
		return err
	}
	if s := p.SubjectExternalIdentifier; s != nil {
		var errs []string
		if !oneOf(externalIDTypes, s.Type) {
			errs = append(errs, "type")
		}
		if blank(s.Value) {
			errs = append(errs, "value")
		}
		if s.Relationship == "" {
			errs = append(errs, "relationship")
		}
		if len(errs) > 0 {
			return newAPIError(9023, nil, "Invalid external-id  "+strings.Join(errs, " "))
		}
	}
	if err := visibilityUnchanged(p, wc); err != nil {
		return err
	}
	if o := p.ConveningOrganization; o != nil && o.DisambiguatedOrganization != nil {
		if err := validateDisambiguatedOrg(o); err != nil {
			return err
		}
	}
	if p.ReviewCompletionDate != nil {
		return validateFuzzyDate(p.ReviewCompletionDate)
	}
	return nil
}

func validateResearchResource(rr *orcid.ResearchResource, wc writeCheck) error {
	p := rr.Proposal
	ids := extIDs(p.ExternalIDs)
	if len(ids) == 0 {
		return newAPIError(9023, nil, "Missing external ID in Research Resource Proposal")
	}
	if err := validateExternalIDs(ids, false, true); err != nil {
		return err
	}
	for i := range p.Hosts.Organization {
		if err := validateDisambiguatedOrg(&p.Hosts.Organization[i]); err != nil {
			return err
		}
	}
	if p.EndDate != nil && p.StartDate == nil {
		return newAPIError(9050, nil, "")
	}
	for _, it := range rr.ResourceItems {
		ids := extIDs(it.ExternalIDs)
		if len(ids) == 0 {
			return newAPIError(9023, nil, "Missing external ID in Research Resource Item")
		}
		if err := validateExternalIDs(ids, false, true); err != nil {
			return err
		}
		for i := range it.Hosts.Organization {
			if err := validateDisambiguatedOrg(&it.Hosts.Organization[i]); err != nil {
				return err
			}
		}
	}
	if err := putCodeOnCreate(rr, wc); err != nil {
		return err
	}
	return visibilityUnchanged(rr, wc)
}

// maxURL is ORCID's SiteConstants.URL_MAX_LENGTH.
const maxURL = 2000

// validatePersonItem is PersonValidator.
func validatePersonItem(item orcid.Item, wc writeCheck) error {
	switch x := item.(type) {
	case *orcid.ResearcherURL:
		u := x.URL.String()
		switch {
		case blank(u):
			return errValidation("Url field must not be empty")
		case len(u) > maxURL:
			return errValidation(fmt.Sprintf("Url field must not be longer than %d characters", maxURL))
		case len(x.URLName) > maxURL:
			return errValidation(fmt.Sprintf("Url name must not be longer than %d characters", maxURL))
		}
	case *orcid.PersonExternalIdentifier:
		switch {
		case len(x.Type) > 255:
			return errValidation("Common name field must not be longer than 255 characters")
		case len(x.Value) > 255:
			return errValidation("Reference field must not be longer than 255 characters")
		case x.Relationship != orcid.RelationshipSelf:
			return errValidation("Relationship field should be self for person identifiers")
		case x.URL == nil || blank(x.URL.Value):
			return errValidation("Reference field must not be empty")
		case len(x.URL.Value) > maxURL:
			return errValidation(fmt.Sprintf("Url must not be longer than %d characters", maxURL))
		}
	}
	if wc.create {
		if item.GetPutCode() != 0 {
			return errPutCodeOnCreate(wc.clientName)
		}
	} else if item.GetPutCode() == 0 {
		return newAPIError(9031, map[string]string{}, "")
	}
	switch x := item.(type) {
	case *orcid.Keyword:
		if blank(x.Content) {
			return errValidation("Keyword cannot be null")
		}
	case *orcid.Address:
		if x.Country == nil || blank(x.Country.Value) {
			return errValidation("Country cannot be null")
		}
	}
	return visibilityUnchanged(item, wc)
}

// validateFuzzyDate is ActivityValidator.validateFuzzyDate: the date must
// parse as yyyy, yyyy-MM or yyyy-MM-dd (strictly: a real day of that month).
func validateFuzzyDate(d *orcid.FuzzyDate) error {
	s := d.Year
	if d.Month != "" {
		s += "-" + d.Month
	}
	if d.Day != "" {
		s += "-" + d.Day
	}
	bad := newAPIError(9049, map[string]string{"dateString": s}, "")
	digits := func(v string, n int) bool {
		if len(v) < n || (n == 2 && len(v) != 2) {
			return false
		}
		_, err := strconv.Atoi(v)
		return err == nil && !strings.ContainsAny(v, "+-")
	}
	if !digits(d.Year, 4) {
		return bad
	}
	if d.Month == "" {
		return nil
	}
	if !digits(d.Month, 2) {
		return bad
	}
	y, _ := strconv.Atoi(d.Year)
	m, _ := strconv.Atoi(d.Month)
	if m < 1 || m > 12 {
		return bad
	}
	if d.Day == "" {
		return nil
	}
	if !digits(d.Day, 2) {
		return bad
	}
	day, _ := strconv.Atoi(d.Day)
	t := time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC)
	if day < 1 || t.Day() != day {
		return bad
	}
	return nil
}

// contributorRoles are what ORCID's ContributorRoleConverter accepts when
// it stores contributors, after validation: the legacy role names and the
// CRediT URIs.
func checkContributorRoles(item orcid.Item) error {
	var cs []orcid.Contributor
	legacy := orcid.ContributorRoles
	switch x := item.(type) {
	case *orcid.Work:
		if x.Contributors != nil {
			cs = x.Contributors.Contributor
		}
	case *orcid.Funding:
		if x.Contributors != nil {
			cs = x.Contributors.Contributor
		}
		legacy = orcid.FundingContributorRoles
	}
	for _, c := range cs {
		if c.ContributorAttributes == nil || c.ContributorAttributes.Role == "" {
			continue
		}
		role := c.ContributorAttributes.Role
		if orcid.IsOneOf(legacy, strings.ToLower(role)) || orcid.IsOneOf(orcid.CreditContributorRoles, role) {
			continue
		}
		valid := append(append([]string{}, legacy...), orcid.CreditContributorRoles...)
		return newAPIError(9058, map[string]string{"role": role, "validRoles": "[" + strings.Join(valid, ", ") + "]"}, "")
	}
	return nil
}
