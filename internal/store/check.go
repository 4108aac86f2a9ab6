package store

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/orcid"
)

// This file is the one home of the rules on what people type into
// orcidlink, entity by entity: the admin UI's forms, the REST API and batch
// files all call the same check (CheckPerson, ...), and the store calls it
// again before every write, so that no door accepts what another refuses.
// A refusal is a FieldErrors naming each field as the REST API does, for
// each door to put next to its own field (a form's input, a JSON pointer,
// a file's column).

// Limits of a person's fields, in characters. The names are ORCID's own
// limit for a record's names; the email is the longest address SMTP can
// carry (RFC 5321's path limit less its brackets).
const (
	MaxNameChars        = 150
	MaxEmailChars       = 254
	MaxExternalRefChars = 200
)

// FieldErrors is every problem of one input, field by field, in the order
// of its fields. It matches ErrInvalid, and errors.As finds each
// *FieldError in it.
type FieldErrors []*FieldError

func (e FieldErrors) Error() string {
	msgs := make([]string, len(e))
	for i, fe := range e {
		msgs[i] = fe.Message()
	}
	return ErrInvalid.Error() + ": " + strings.Join(msgs, "; ")
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e FieldErrors) Is(target error) bool { return target == ErrInvalid }

// Unwrap lets errors.As reach each FieldError.
func (e FieldErrors) Unwrap() []error {
	out := make([]error, len(e))
	for i, fe := range e {
		out[i] = fe
	}
	return out
}

// AsFieldErrors returns the field problems in err's chain: every one of a
// FieldErrors, or a lone FieldError as a list of one.
func AsFieldErrors(err error) (FieldErrors, bool) {
	var fes FieldErrors
	if errors.As(err, &fes) {
		return fes, len(fes) > 0
	}
	if fe, ok := AsFieldError(err); ok {
		return FieldErrors{fe}, true
	}
	return nil, false
}

// Message is the problem as a sentence that names its field ("language
// must be one of ..."), the same words in every door.
func (e *FieldError) Message() string {
	return strings.ReplaceAll(e.Field, "_", " ") + " " + e.Problem
}

// fieldErrs collects a FieldErrors, one problem per field at most.
type fieldErrs struct{ list FieldErrors }

func (f *fieldErrs) add(fe *FieldError) {
	if fe == nil || f.has(fe.Field) {
		return
	}
	f.list = append(f.list, fe)
}

func (f *fieldErrs) has(field string) bool {
	for _, fe := range f.list {
		if fe.Field == field {
			return true
		}
	}
	return false
}

func (f *fieldErrs) err() error {
	if len(f.list) == 0 {
		return nil
	}
	return f.list
}

// checkLine is the rule of a one-line text field: printable text (see
// CheckText) of at most max characters (0: no limit).
func checkLine(field, value string, max int) *FieldError {
	if err := CheckText(field, value, false); err != nil {
		fe, _ := AsFieldError(err)
		return fe
	}
	if n := utf8.RuneCountInString(value); max > 0 && n > max {
		return &FieldError{Field: field, Problem: fmt.Sprintf("has %d characters; at most %d are accepted", n, max),
			Kind: FieldTooLong}
	}
	return nil
}

// CheckEmail is the one rule for an email address people are written to:
// an address alone (no display name, no angle brackets) with a dot in its
// domain, of at most MaxEmailChars. required says whether "" is refused.
func CheckEmail(field, value string, required bool) *FieldError {
	if value == "" {
		if !required {
			return nil
		}
		return &FieldError{Field: field, Problem: "is required: invitations are sent to it", Kind: FieldRequired}
	}
	if fe := checkLine(field, value, MaxEmailChars); fe != nil {
		return fe
	}
	a, err := mail.ParseAddress(value)
	if err != nil || a.Address != value || !strings.Contains(value[strings.LastIndexByte(value, '@')+1:], ".") {
		return &FieldError{Field: field, Problem: fmt.Sprintf("must be an email address like name@example.org (%q is not)", value),
			Kind: FieldBadValue}
	}
	return nil
}

// CheckLanguage is the one rule for the language a person is written to:
// one of those orcidlink speaks (package i18n), or "" for the tenant's
// default. It returns the language's code, normalised ("zh-CN" is zh_CN,
// "PT" is pt).
func CheckLanguage(field, value string) (string, *FieldError) {
	value = strings.TrimSpace(value)
	if value == "" {
		return "", nil
	}
	if code := i18n.Normalize(value); code != "" {
		return code, nil
	}
	return value, &FieldError{Field: field, Problem: fmt.Sprintf("must be one of %s, or empty for the tenant's default (%q is not)",
		strings.Join(i18n.Codes(), ", "), value), Kind: FieldBadValue}
}

// CheckPerson is the one validation of a person, whichever door they come
// through: it trims and normalises p's fields in place (the language to
// its i18n code) and returns a FieldErrors with every problem, or nil.
// Uniqueness (email, reference) is the database's to check, as
// ErrConflict; the tenant is the caller's.
func CheckPerson(p *Person) error {
	p.GivenNames = strings.TrimSpace(p.GivenNames)
	p.FamilyNames = strings.TrimSpace(p.FamilyNames)
	p.Email = strings.TrimSpace(p.Email)
	p.ExternalRef = strings.TrimSpace(p.ExternalRef)
	var errs fieldErrs
	errs.add(checkLine("given_names", p.GivenNames, MaxNameChars))
	errs.add(checkLine("family_names", p.FamilyNames, MaxNameChars))
	if p.GivenNames == "" && p.FamilyNames == "" {
		errs.add(&FieldError{Field: "given_names", Problem: "or family names are required: a person needs a name",
			Kind: FieldRequired})
	}
	errs.add(CheckEmail("email", p.Email, true))
	errs.add(checkLine("external_ref", p.ExternalRef, MaxExternalRefChars))
	var fe *FieldError
	p.Language, fe = CheckLanguage("language", p.Language)
	errs.add(fe)
	return errs.err()
}

// MaxWebhookDescriptionChars bounds an endpoint's description.
const MaxWebhookDescriptionChars = 500

// CheckWebhookEndpoint is the one validation of a webhook endpoint's
// settings (the REST API's and the admin UI's): an absolute http(s) URL
// without credentials, a one-line description, and at least one event
// type of the form "person.connected" (each only once, sorted). Which
// types exist is package webhooks' to say (webhooks.CheckEndpoint adds
// it). It normalises e in place and returns a FieldErrors, or nil.
func CheckWebhookEndpoint(e *WebhookEndpoint) error {
	e.URL = strings.TrimSpace(e.URL)
	e.Description = strings.TrimSpace(e.Description)
	var errs fieldErrs
	if e.URL == "" {
		errs.add(&FieldError{Field: "url", Problem: "is required: deliveries are sent to it", Kind: FieldRequired})
	} else if fe := checkLine("url", e.URL, 2000); fe != nil {
		errs.add(fe)
	} else if u, err := url.Parse(e.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		errs.add(&FieldError{Field: "url", Problem: "must be an absolute http or https URL without credentials, like https://example.org/hooks",
			Kind: FieldBadValue})
	}
	errs.add(checkLine("description", e.Description, MaxWebhookDescriptionChars))
	if len(e.EventTypes) == 0 {
		errs.add(&FieldError{Field: "event_types", Problem: "must name at least one event type", Kind: FieldRequired})
	}
	seen := map[string]bool{}
	var types []string
	for i, t := range e.EventTypes {
		if !validEventType(t) {
			errs.add(&FieldError{Field: "event_types/" + strconv.Itoa(i), Problem: fmt.Sprintf("%q is not an event type like person.connected", t),
				Kind: FieldBadValue})
			continue
		}
		if !seen[t] {
			seen[t] = true
			types = append(types, t)
		}
	}
	slices.Sort(types)
	if err := errs.err(); err != nil {
		return err
	}
	e.EventTypes = types
	return nil
}

// CheckCredential is the one validation of an ORCID credential's settings
// (the admin UI is its door; setup and tests write them too): our name for
// it, a known registry with valid addresses, the API type and a client
// id. It returns a FieldErrors, or nil. The secret is required when a
// credential is created (CreateCredential) and kept when an update leaves
// it empty.
func CheckCredential(c *Credential) error {
	var errs fieldErrs
	if c.Name == "" {
		errs.add(&FieldError{Field: "name", Problem: "is required: it names the credential in the admin UI", Kind: FieldRequired})
	}
	errs.add(checkLine("name", c.Name, 0))
	switch c.Env.Name {
	case "production", "sandbox", "custom":
		if err := c.Env.Validate(); err != nil {
			errs.add(&FieldError{Field: "environment", Problem: "is not a usable registry: " + err.Error(), Kind: FieldBadValue})
		}
	default:
		errs.add(&FieldError{Field: "environment", Problem: fmt.Sprintf("must be production, sandbox or custom (%q is not)", c.Env.Name),
			Kind: FieldBadValue})
	}
	if c.API != orcid.MemberAPI && c.API != orcid.PublicAPI {
		errs.add(&FieldError{Field: "api_type", Problem: fmt.Sprintf("must be member or public (%q is not)", c.API), Kind: FieldBadValue})
	}
	if c.ClientID == "" {
		errs.add(&FieldError{Field: "client_id", Problem: "is required: ORCID gave it with the secret", Kind: FieldRequired})
	}
	errs.add(checkLine("client_id", c.ClientID, 0))
	return errs.err()
}

// MaxAPIKeyNameChars bounds an API key's name.
const MaxAPIKeyNameChars = 200

// CheckAPIKey is the one validation of a new API key (the admin UI's and
// `orcidlink admin create-api-key`'s): a one-line name that says who uses
// it. It trims the name in place and returns a FieldErrors, or nil.
func CheckAPIKey(k *NewAPIKey) error {
	k.Name = strings.TrimSpace(k.Name)
	var errs fieldErrs
	if k.Name == "" {
		errs.add(&FieldError{Field: "name", Problem: "is required: say which system will use the key", Kind: FieldRequired})
	}
	errs.add(checkLine("name", k.Name, MaxAPIKeyNameChars))
	return errs.err()
}

// Limits of a tenant's texts, in characters: a convening organisation's
// name, city and region are ORCID's to bound (1,000, as titles), the
// support page's address as a webhook endpoint's.
const (
	MaxOrganizationChars = 1000
	MaxTenantURLChars    = 2000
	MaxInvitationTTLDays = 365
)

// colorPattern is a tenant's brand colour: CSS hex, six digits.
var colorPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// CheckTenant is the one validation of a tenant, whichever door it comes
// through (the admin UI's tenant form, the REST API's PATCH /tenant, setup
// and the sandbox's demo tenant): a slug, a name, how researchers reach
// support, a credential, languages orcidlink speaks, a brand colour, an
// invitation lifetime, the convening organisation ORCID needs, and the
// asks, reminders and return origins it knows. It normalises t in place
// and returns a FieldErrors naming the fields as the REST API does
// (organization/name, asks/2; the admin form's own for what the API does
// not show: primary_color, invitation_ttl_days), or nil.
func CheckTenant(t *Tenant) error {
	t.Name = strings.TrimSpace(t.Name)
	t.SupportEmail = strings.TrimSpace(t.SupportEmail)
	t.SupportURL = strings.TrimSpace(t.SupportURL)
	var errs fieldErrs
	if !ValidSlug(t.Slug) {
		errs.add(&FieldError{Field: "slug", Problem: fmt.Sprintf("must be 2 to 40 lower-case letters, digits and hyphens, like journal-of-examples (%q is not)", t.Slug),
			Kind: FieldBadValue})
	}
	if t.Name == "" {
		errs.add(&FieldError{Field: "name", Problem: "is required: researchers see it", Kind: FieldRequired})
	}
	errs.add(checkLine("name", t.Name, 0))
	errs.add(CheckEmail("support_email", t.SupportEmail, false))
	errs.add(checkWebURL("support_url", t.SupportURL))
	if t.CredentialID <= 0 {
		errs.add(&FieldError{Field: "credential_id", Problem: "is required: a tenant connects people with a credential", Kind: FieldRequired})
	}
	checkTenantLanguages(t, &errs)
	for _, c := range [][2]string{{"primary_color", t.Branding.PrimaryColor}, {"accent_color", t.Branding.AccentColor}} {
		if c[1] != "" && !colorPattern.MatchString(c[1]) {
			errs.add(&FieldError{Field: c[0], Problem: fmt.Sprintf("must be a colour like #a6ce39 (%q is not)", c[1]), Kind: FieldBadValue})
		}
	}
	errs.add(checkWebURL("logo_url", t.Branding.LogoURL))
	if d := t.Settings.InvitationTTL; d != 0 && (d < 24*time.Hour || d > MaxInvitationTTLDays*24*time.Hour) {
		errs.add(&FieldError{Field: "invitation_ttl_days", Problem: fmt.Sprintf("must be from 1 to %d days, or none for the server's default",
			MaxInvitationTTLDays), Kind: FieldBadValue})
	}
	checkPublisher(&t.Settings.Publisher, &errs)
	if !t.Settings.ReviewMode.Valid() {
		errs.add(&FieldError{Field: "review_mode", Problem: fmt.Sprintf("must be open, anonymous or double-anonymous (%q is not)", t.Settings.ReviewMode),
			Kind: FieldBadValue})
	}
	for i, a := range t.Settings.Asks {
		if !slices.Contains(AllAsks(), a) {
			errs.add(&FieldError{Field: "asks/" + strconv.Itoa(i), Problem: fmt.Sprintf("must be one of %v (%q is not)", AllAsks(), a),
				Kind: FieldBadValue})
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(t.Settings.ReminderDays)))) > MaxReminders {
		errs.add(&FieldError{Field: "reminder_days", Problem: fmt.Sprintf("has at most %d reminders", MaxReminders), Kind: FieldTooLong})
	}
	for i, d := range t.Settings.ReminderDays {
		if d < 1 || d > MaxReminderDays {
			errs.add(&FieldError{Field: "reminder_days/" + strconv.Itoa(i),
				Problem: fmt.Sprintf("must be from 1 to %d days after the invitation (not %d)", MaxReminderDays, d), Kind: FieldBadValue})
		}
	}
	if len(t.Settings.ReturnOrigins) > MaxReturnOrigins {
		errs.add(&FieldError{Field: "return_origins", Problem: fmt.Sprintf("has at most %d origins", MaxReturnOrigins), Kind: FieldTooLong})
	} else {
		for i, o := range t.Settings.ReturnOrigins {
			if _, err := NormalizeOrigin(o); err != nil {
				errs.add(&FieldError{Field: "return_origins/" + strconv.Itoa(i), Problem: fmt.Sprintf(
					"must be an origin like https://journal.example.org (scheme://host[:port] alone, https, or http on localhost; at most %d characters)",
					MaxOriginLength), Kind: FieldBadValue})
			}
		}
	}
	if err := errs.err(); err != nil {
		return err
	}
	// Each is valid now: put them in their order, once each.
	var err error
	if t.Settings.Asks, err = normalizeAsks(t.Settings.Asks); err != nil {
		return err
	}
	if t.Settings.ReminderDays, err = normalizeReminderDays(t.Settings.ReminderDays); err != nil {
		return err
	}
	t.Settings.ReturnOrigins, err = NormalizeReturnOrigins(t.Settings.ReturnOrigins)
	return err
}

// checkWebURL is the rule of an optional web address people follow: an
// absolute http(s) URL without credentials.
func checkWebURL(field, value string) *FieldError {
	if value == "" {
		return nil
	}
	if fe := checkLine(field, value, MaxTenantURLChars); fe != nil {
		return fe
	}
	if u, err := url.Parse(value); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return &FieldError{Field: field, Problem: "must be a full web address starting with https://, like https://journal.example.org/help",
			Kind: FieldBadValue}
	}
	return nil
}

// checkTenantLanguages checks the languages a tenant offers, each by its
// index, and its default (normalizeLanguages then writes them as package
// i18n does). nil is every language; an empty list, none, is refused.
func checkTenantLanguages(t *Tenant, errs *fieldErrs) {
	accepted := strings.Join(i18n.Codes(), ", ")
	if t.Languages != nil && len(t.Languages) == 0 {
		errs.add(&FieldError{Field: "languages", Problem: "must name at least one language of " + accepted, Kind: FieldRequired})
		return
	}
	var offered []string
	bad := false
	for i, l := range t.Languages {
		code := i18n.Normalize(l)
		if code == "" {
			bad = true
			errs.add(&FieldError{Field: "languages/" + strconv.Itoa(i), Problem: fmt.Sprintf("must be one of %s (%q is not)", accepted, l),
				Kind: FieldBadValue})
			continue
		}
		offered = append(offered, code)
	}
	if bad {
		return
	}
	if len(offered) == 0 {
		offered = i18n.Codes()
	}
	if t.DefaultLanguage != "" && !slices.Contains(offered, i18n.Normalize(t.DefaultLanguage)) {
		errs.add(&FieldError{Field: "default_language", Problem: fmt.Sprintf("must be one of the tenant's languages, %s, or empty for the first (%q is not)",
			strings.Join(offered, ", "), t.DefaultLanguage), Kind: FieldBadValue})
		return
	}
	if err := t.normalizeLanguages(); err != nil {
		// Unreachable: every language and the default were checked above.
		errs.add(&FieldError{Field: "languages", Problem: err.Error(), Kind: FieldBadValue})
	}
}

// checkPublisher is the rule of a tenant's convening organisation of peer
// reviews: none at all is fine (no reviews until it is filled in);
// otherwise ORCID needs a name, a city and an ISO 3166 country, and a ROR
// iD is stored as ORCID matches it (https://ror.org/…). It trims p in
// place, the country upper-cased.
func checkPublisher(p *Publisher, errs *fieldErrs) {
	p.Name, p.City, p.Region = strings.TrimSpace(p.Name), strings.TrimSpace(p.City), strings.TrimSpace(p.Region)
	p.Country, p.ROR = strings.ToUpper(strings.TrimSpace(p.Country)), strings.TrimSpace(p.ROR)
	if *p == (Publisher{}) {
		return
	}
	if p.Name == "" {
		errs.add(&FieldError{Field: "organization/name", Problem: "is required once any field of the organisation is given", Kind: FieldRequired})
	}
	if p.City == "" {
		errs.add(&FieldError{Field: "organization/city", Problem: "is required: ORCID names the city of the convening organisation", Kind: FieldRequired})
	}
	for _, f := range [][2]string{{"organization/name", p.Name}, {"organization/city", p.City}, {"organization/region", p.Region}} {
		errs.add(checkLine(f[0], f[1], MaxOrganizationChars))
	}
	if !orcid.ValidCountry(p.Country) {
		errs.add(&FieldError{Field: "organization/country", Problem: fmt.Sprintf("must be a two-letter ISO 3166 country code such as GB, NZ or FR (%q is not)", p.Country),
			Kind: FieldBadValue})
	}
	if p.ROR != "" {
		if ror, err := orcid.ParseROR(p.ROR); err != nil {
			errs.add(&FieldError{Field: "organization/ror", Problem: "must be a ROR iD such as https://ror.org/05gq02987 (this one is malformed, or its checksum is wrong)",
				Kind: FieldBadValue})
		} else {
			p.ROR = ror
		}
	}
}
