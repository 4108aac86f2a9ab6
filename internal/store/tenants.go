package store

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/orcid"
)

// Tenant is a journal, preprint server or organisation using orcidlink.
type Tenant struct {
	ID           int64
	Slug         string // [a-z0-9-]{2,40}, used in URLs
	Name         string
	SupportEmail string
	SupportURL   string
	// Languages are those the tenant offers researchers (codes of package
	// i18n, stored in its order); none means all of them. DefaultLanguage
	// is one of them, for a researcher whose own language is not offered;
	// empty means the first chosen.
	Languages       []string
	DefaultLanguage string
	Branding        Branding
	CredentialID    int64
	Settings        TenantSettings
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Branding is how a tenant's pages look.
type Branding struct {
	PrimaryColor string `json:"primary_color,omitempty"` // CSS colour, e.g. "#a6ce39"
	AccentColor  string `json:"accent_color,omitempty"`
	LogoURL      string `json:"logo_url,omitempty"`
}

// TenantSettings are a tenant's choices about the workflow.
type TenantSettings struct {
	// RequestAuthorizationOnPublication: invite authors when a work of
	// theirs is published, rather than only when an administrator asks.
	RequestAuthorizationOnPublication bool
	// InvitationTTL is how long an invitation link stays valid; 0 means the
	// product's default.
	InvitationTTL time.Duration
	// InvitationEmails are the tenant's own invitation emails by language
	// (templates: see package connect); a language without one gets the
	// built-in email.
	InvitationEmails map[string]EmailTemplate
	// ReinviteOnRevocation: when ORCID refuses a person's token (they
	// revoked orcidlink's access), email them a fresh invitation.
	ReinviteOnRevocation bool
	// Publisher is the organisation that convenes the tenant's peer
	// reviews; a review can be recorded once it has a name, a city and a
	// country (ORCID requires them).
	Publisher Publisher
	// ReviewMode is the review model of the tenant's articles that name
	// none of their own; "" is ReviewDoubleAnonymous.
	ReviewMode ReviewMode
	// Asks is what the tenant asks researchers to let it do at ORCID (see
	// Ask). nil means every ask, what each tenant asked before it could
	// choose; empty means the authenticated iD alone. Use AskList.
	Asks []Ask
	// ReminderDays are the days after an invitation's email when a
	// reminder follows, while it is unanswered. nil means
	// DefaultReminderDays; empty means no reminders. Use Reminders.
	ReminderDays []int
	// ReturnOrigins are the origins (scheme://host[:port]) a connect link
	// made through the API may send the researcher back to, with the
	// signed result (issue 17); none means no connect links.
	ReturnOrigins []string
}

// Ask is one thing a tenant may ask researchers to let it do with their
// ORCID record. ORCID's permissions are coarser (package connect maps
// asks to the fewest scopes that grant them): works and affiliations both
// need /activities/update.
type Ask string

// The asks.
const (
	AskWorks        Ask = "works"        // add works and peer reviews
	AskAffiliations Ask = "affiliations" // add employment, education and other affiliations
	AskPerson       Ask = "person"       // add biographical data: other identifiers, websites, keywords
	AskReadLimited  Ask = "read-limited" // read what the researcher shares with trusted organizations
)

// AllAsks lists every ask, in the order pages show them.
func AllAsks() []Ask { return []Ask{AskWorks, AskAffiliations, AskPerson, AskReadLimited} }

// DefaultReminderDays are the days after an invitation when reminders go
// to a tenant that chose no schedule.
func DefaultReminderDays() []int { return []int{7, 21} }

// Limits of a reminder schedule: a few reminders within a year.
const (
	MaxReminders    = 5
	MaxReminderDays = 365
)

// AskList is what the tenant asks for, in AllAsks order: every ask when it
// never chose.
func (s TenantSettings) AskList() []Ask {
	if s.Asks == nil {
		return AllAsks()
	}
	return s.Asks
}

// Reminders are the days after an invitation's email when reminders go,
// in order: DefaultReminderDays when the tenant never chose.
func (s TenantSettings) Reminders() []int {
	if s.ReminderDays == nil {
		return DefaultReminderDays()
	}
	return s.ReminderDays
}

// normalizeAsks checks asks and puts them in AllAsks order, once each;
// nil stays nil (the default) and an empty list stays empty.
func normalizeAsks(asks []Ask) ([]Ask, error) {
	if asks == nil {
		return nil, nil
	}
	out := []Ask{}
	for _, a := range AllAsks() {
		if slices.Contains(asks, a) {
			out = append(out, a)
		}
	}
	for _, a := range asks {
		if !slices.Contains(out, a) {
			return nil, fmt.Errorf("%w: ask %q is not one of %v", ErrInvalid, a, AllAsks())
		}
	}
	return out, nil
}

// normalizeReminderDays checks a schedule and sorts it, once each day.
func normalizeReminderDays(days []int) ([]int, error) {
	if days == nil {
		return nil, nil
	}
	out := append([]int{}, slices.Compact(slices.Sorted(slices.Values(days)))...) // [] stays apart from nil
	if len(out) > MaxReminders {
		return nil, fmt.Errorf("%w: at most %d reminders", ErrInvalid, MaxReminders)
	}
	for _, d := range out {
		if d < 1 || d > MaxReminderDays {
			return nil, fmt.Errorf("%w: a reminder goes 1 to %d days after the invitation, not %d", ErrInvalid, MaxReminderDays, d)
		}
	}
	return out, nil
}

// ReviewMode is a journal's review model. It decides what a reviewer's
// peer-review item says: only an open review names the article reviewed;
// an anonymous reviewer's public ORCID record names the journal alone (as
// OJS does, sending subject data for open review only: OrcidReview.php).
type ReviewMode string

// The review models.
const (
	ReviewOpen            ReviewMode = "open"
	ReviewAnonymous       ReviewMode = "anonymous"
	ReviewDoubleAnonymous ReviewMode = "double-anonymous"
)

// ReviewModes lists the review models, the default first.
var ReviewModes = []ReviewMode{ReviewDoubleAnonymous, ReviewAnonymous, ReviewOpen}

// Valid reports whether m is a review model or "" (the default).
func (m ReviewMode) Valid() bool {
	return m == "" || slices.Contains(ReviewModes, m)
}

// Or returns m, or def when m is "" (def "" meaning double-anonymous).
func (m ReviewMode) Or(def ReviewMode) ReviewMode {
	switch {
	case m != "":
		return m
	case def != "":
		return def
	}
	return ReviewDoubleAnonymous
}

// Publisher is an organisation with the address ORCID asks for.
type Publisher struct {
	Name string `json:"name"`
	// ROR is the organisation's ROR iD as ORCID stores it
	// (https://ror.org/0…, see orcid.ParseROR); "" for none.
	ROR     string `json:"ror,omitempty"`
	City    string `json:"city"`
	Region  string `json:"region,omitempty"`
	Country string `json:"country"` // ISO 3166-1 alpha-2, e.g. NZ
}

// Organization is p as ORCID's organization: name, address and, when p
// has one, its ROR iD as the disambiguated organisation.
func (p Publisher) Organization() orcid.Organization {
	o := orcid.Organization{Name: p.Name, Address: &orcid.OrganizationAddress{City: p.City, Region: p.Region,
		Country: p.Country}}
	if p.ROR != "" {
		o.DisambiguatedOrganization = &orcid.DisambiguatedOrganization{Identifier: p.ROR,
			Source: orcid.DisambiguationSourceROR}
	}
	return o
}

// Complete reports whether p has what ORCID requires of a convening
// organisation.
func (p Publisher) Complete() bool {
	return strings.TrimSpace(p.Name) != "" && strings.TrimSpace(p.City) != "" && strings.TrimSpace(p.Country) != ""
}

// EmailTemplate is a tenant's email in one language: Go templates for the
// subject, the plain text and (optionally) the HTML body.
type EmailTemplate struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
}

// settingsJSON is TenantSettings as stored: durations as text ("336h0m0s")
// so that the column stays readable.
type settingsJSON struct {
	RequestAuthorizationOnPublication bool                     `json:"request_authorization_on_publication,omitempty"`
	InvitationTTL                     string                   `json:"invitation_ttl,omitempty"`
	InvitationEmails                  map[string]EmailTemplate `json:"invitation_emails,omitempty"`
	ReinviteOnRevocation              bool                     `json:"reinvite_on_revocation,omitempty"`
	Publisher                         *Publisher               `json:"publisher,omitempty"`
	ReviewMode                        ReviewMode               `json:"review_mode,omitempty"`
	// Pointers, so that "none" ([]) is kept apart from "the default"
	// (absent).
	Asks         *[]Ask `json:"asks,omitempty"`
	ReminderDays *[]int `json:"reminder_days,omitempty"`
	// ReturnOrigins: see TenantSettings.
	ReturnOrigins []string `json:"return_origins,omitempty"`
}

// MarshalJSON implements json.Marshaler.
func (s TenantSettings) MarshalJSON() ([]byte, error) {
	j := settingsJSON{RequestAuthorizationOnPublication: s.RequestAuthorizationOnPublication, InvitationEmails: s.InvitationEmails,
		ReinviteOnRevocation: s.ReinviteOnRevocation, ReviewMode: s.ReviewMode}
	if s.Publisher != (Publisher{}) {
		j.Publisher = &s.Publisher
	}
	if s.InvitationTTL != 0 {
		j.InvitationTTL = s.InvitationTTL.String()
	}
	if s.Asks != nil {
		j.Asks = &s.Asks
	}
	if s.ReminderDays != nil {
		j.ReminderDays = &s.ReminderDays
	}
	j.ReturnOrigins = s.ReturnOrigins
	return json.Marshal(j)
}

// UnmarshalJSON implements json.Unmarshaler.
func (s *TenantSettings) UnmarshalJSON(b []byte) error {
	var j settingsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = TenantSettings{RequestAuthorizationOnPublication: j.RequestAuthorizationOnPublication, InvitationEmails: j.InvitationEmails,
		ReinviteOnRevocation: j.ReinviteOnRevocation, ReviewMode: j.ReviewMode}
	if j.Publisher != nil {
		s.Publisher = *j.Publisher
	}
	if j.Asks != nil {
		s.Asks = append([]Ask{}, *j.Asks...)
	}
	if j.ReminderDays != nil {
		s.ReminderDays = append([]int{}, *j.ReminderDays...)
	}
	s.ReturnOrigins = j.ReturnOrigins
	if j.InvitationTTL != "" {
		d, err := time.ParseDuration(j.InvitationTTL)
		if err != nil {
			return fmt.Errorf("invitation_ttl: %w", err)
		}
		s.InvitationTTL = d
	}
	return nil
}

var (
	slugPattern = regexp.MustCompile(`^[a-z0-9-]{2,40}$`)
)

// ValidSlug reports whether s can be a tenant's slug.
func ValidSlug(s string) bool { return slugPattern.MatchString(s) }

// normalize is CheckTenant, run again before every write.
func (t *Tenant) normalize() error { return CheckTenant(t) }

const tenantCols = `id, slug, name, support_email, support_url, languages, default_language, branding,
	credential_id, settings, created_at, updated_at`

func scanTenant(r scanner) (Tenant, error) {
	var t Tenant
	var langs, branding, settings string
	err := r.Scan(&t.ID, &t.Slug, &t.Name, &t.SupportEmail, &t.SupportURL, &langs, &t.DefaultLanguage, &branding,
		&t.CredentialID, &settings, timeDest{&t.CreatedAt}, timeDest{&t.UpdatedAt})
	if err != nil {
		return Tenant{}, err
	}
	t.Languages, t.DefaultLanguage = storedLanguages(langs, t.DefaultLanguage)
	if err := json.Unmarshal([]byte(branding), &t.Branding); err != nil {
		return Tenant{}, fmt.Errorf("tenant %d: branding: %w", t.ID, err)
	}
	if err := json.Unmarshal([]byte(settings), &t.Settings); err != nil {
		return Tenant{}, fmt.Errorf("tenant %d: settings: %w", t.ID, err)
	}
	return t, nil
}

// tenantArgs are the stored forms of a tenant's changeable columns, in
// tenantCols order from slug to settings.
func tenantArgs(t Tenant) ([]any, error) {
	branding, err := json.Marshal(t.Branding)
	if err != nil {
		return nil, err
	}
	settings, err := json.Marshal(t.Settings)
	if err != nil {
		return nil, err
	}
	return []any{t.Slug, t.Name, t.SupportEmail, t.SupportURL, strings.Join(t.Languages, ","), t.DefaultLanguage,
		string(branding), t.CredentialID, string(settings)}, nil
}

// CreateTenant stores a new tenant. Its credential must exist (else
// ErrNotFound) and its slug be free (else ErrConflict).
func (o *ops) CreateTenant(ctx context.Context, t Tenant) (_ Tenant, err error) {
	defer wrap(&err, "create tenant %q", t.Slug)
	if err := t.normalize(); err != nil {
		return Tenant{}, err
	}
	args, err := tenantArgs(t)
	if err != nil {
		return Tenant{}, err
	}
	if err := o.mustExist(ctx, "credential", t.CredentialID, `SELECT 1 FROM credentials WHERE id = ?`, t.CredentialID); err != nil {
		return Tenant{}, err
	}
	now := timeText(o.now())
	out, err := scanTenant(o.queryRow(ctx, `INSERT INTO tenants (slug, name, support_email, support_url, languages,
		default_language, branding, credential_id, settings, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+tenantCols, append(args, now, now)...))
	return out, dbErr(err, ErrNotFound)
}

// Tenant reads one tenant.
func (o *ops) Tenant(ctx context.Context, id int64) (_ Tenant, err error) {
	defer wrap(&err, "tenant %d", id)
	t, err := scanTenant(o.queryRow(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id = ?`, id))
	return t, notFound(err)
}

// TenantBySlug reads one tenant by its slug.
func (o *ops) TenantBySlug(ctx context.Context, slug string) (_ Tenant, err error) {
	defer wrap(&err, "tenant %q", slug)
	t, err := scanTenant(o.queryRow(ctx, `SELECT `+tenantCols+` FROM tenants WHERE slug = ?`, slug))
	return t, notFound(err)
}

// ListTenants lists every tenant by name.
func (o *ops) ListTenants(ctx context.Context) (_ []Tenant, err error) {
	defer wrap(&err, "list tenants")
	rows, err := o.query(ctx, `SELECT `+tenantCols+` FROM tenants ORDER BY name, id`)
	return collect(rows, err, scanTenant)
}

// UpdateTenant changes every field of a tenant but its id and creation
// time. Switching CredentialID starts the tenant with no links: links
// belong to a credential (see Link).
func (o *ops) UpdateTenant(ctx context.Context, t Tenant) (_ Tenant, err error) {
	defer wrap(&err, "update tenant %d", t.ID)
	if err := t.normalize(); err != nil {
		return Tenant{}, err
	}
	args, err := tenantArgs(t)
	if err != nil {
		return Tenant{}, err
	}
	if err := o.mustExist(ctx, "credential", t.CredentialID, `SELECT 1 FROM credentials WHERE id = ?`, t.CredentialID); err != nil {
		return Tenant{}, err
	}
	out, err := scanTenant(o.queryRow(ctx, `UPDATE tenants SET slug = ?, name = ?, support_email = ?, support_url = ?,
		languages = ?, default_language = ?, branding = ?, credential_id = ?, settings = ?, updated_at = ?
		WHERE id = ? RETURNING `+tenantCols, append(args, timeText(o.now()), t.ID)...))
	return out, dbErr(notFound(err), ErrNotFound)
}

// DeleteTenant deletes a tenant and everything that is only its: people,
// links, invitations, audit trail, call log, outbox. Revoke the people's
// tokens at ORCID first.
func (o *ops) DeleteTenant(ctx context.Context, id int64) (err error) {
	defer wrap(&err, "delete tenant %d", id)
	return o.atomic(ctx, func(o *ops) error {
		if err := dbErr(affected(o.exec(ctx, `DELETE FROM tenants WHERE id = ?`, id)), ErrConflict); err != nil {
			return err
		}
		// The kept item counts (counts.go) got a row per item the
		// deletion took; no view will fold them now.
		_, err := o.exec(ctx, `DELETE FROM item_counts WHERE tenant_id = ?`, id)
		return err
	})
}

// mustExist is ErrNotFound, naming what, unless the query returns a row.
// Checking before writing, rather than reading the foreign key violation
// after, keeps a PostgreSQL transaction usable and names the culprit.
func (o *ops) mustExist(ctx context.Context, what string, id int64, query string, args ...any) error {
	ok, err := o.exists(ctx, query, args...)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s %d: %w", what, id, ErrNotFound)
	}
	return nil
}

// normalizeLanguages checks a tenant's languages and writes them as
// package i18n does ("zh-CN" becomes zh_CN, "PT" pt), in its order, once
// each: every language orcidlink speaks when none is chosen. An empty
// default becomes the first language chosen.
func (t *Tenant) normalizeLanguages() error {
	var codes []string
	for _, l := range t.Languages {
		code := i18n.Normalize(l)
		if code == "" {
			return fmt.Errorf("%w: language %q is not one of %s", ErrInvalid, l, strings.Join(i18n.Codes(), ", "))
		}
		codes = append(codes, code)
	}
	t.Languages = nil
	for _, code := range i18n.Codes() {
		if len(codes) == 0 || slices.Contains(codes, code) {
			t.Languages = append(t.Languages, code)
		}
	}
	if t.DefaultLanguage == "" {
		// The first chosen, as a tenant has always read; every
		// language starts with English.
		t.DefaultLanguage = append(codes, i18n.Default)[0]
	}
	def := i18n.Normalize(t.DefaultLanguage)
	if !slices.Contains(t.Languages, def) {
		return fmt.Errorf("%w: default language %q is not one of %s", ErrInvalid, t.DefaultLanguage, strings.Join(t.Languages, ", "))
	}
	t.DefaultLanguage = def
	return nil
}

// storedLanguages reads a tenant's languages as stored (comma-separated)
// leniently: a tenant saved before orcidlink spoke its languages as
// package i18n writes them ("pt-BR") reads as i18n's codes, a language
// orcidlink no longer speaks is dropped, and a default that is not
// offered becomes the first language, as normalizeLanguages would ask.
func storedLanguages(stored, def string) ([]string, string) {
	t := Tenant{DefaultLanguage: def}
	for _, l := range strings.Split(stored, ",") {
		if code := i18n.Normalize(l); code != "" {
			t.Languages = append(t.Languages, code)
		}
	}
	chosen := slices.Clone(t.Languages)
	if t.normalizeLanguages() != nil {
		t.Languages, t.DefaultLanguage = chosen, ""
		_ = t.normalizeLanguages() // every language is known now, and the default is the first chosen
	}
	return t.Languages, t.DefaultLanguage
}
