package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/store"
)

// adminLanguage is a language a tenant may offer, named in itself and,
// for administrators who do not read it, in English.
type adminLanguage struct{ Code, Name string }

// adminLanguages are those the researcher pages and emails are written in
// (package i18n); a tenant offers a subset, all of them by default.
func adminLanguages() []adminLanguage {
	var out []adminLanguage
	for _, l := range i18n.Languages() {
		name := l.Name
		if l.English != l.Name {
			name += " (" + l.English + ")"
		}
		out = append(out, adminLanguage{l.Code, name})
	}
	return out
}

// adminStatuses are the people list's filters, in the order a person usually
// moves through them.
var adminStatuses = []store.PersonStatus{store.StatusNone, store.StatusInvited, store.StatusDenied,
	store.StatusConnected, store.StatusRevoked, store.StatusRemoved}

type adminStatusCounts struct {
	Total   int
	ByState map[store.PersonStatus]int
}

func (s *Server) adminCountPeople(ctx context.Context, tenantID int64) (adminStatusCounts, error) {
	by, err := s.store.CountPeople(ctx, tenantID)
	c := adminStatusCounts{ByState: by}
	for _, n := range by {
		c.Total += n
	}
	return c, err
}

type adminTenantsData struct {
	Tenants     []store.Tenant
	Credentials map[int64]store.Credential
	Site        bool
}

func (s *Server) adminTenants(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	ts, err := s.store.TenantsOfUser(r.Context(), a.ID)
	if err != nil {
		s.adminFail(w, r, a, "list tenants", err)
		return
	}
	d := adminTenantsData{Tenants: ts, Site: a.Role == store.RoleSiteAdmin}
	if d.Site {
		if d.Credentials, err = s.adminCredentialsByID(r.Context()); err != nil {
			s.adminFail(w, r, a, "list credentials", err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "admin_tenants", s.adminPage(r, a, "Tenants", d))
}

func (s *Server) adminCredentialsByID(ctx context.Context) (map[int64]store.Credential, error) {
	cs, err := s.store.ListCredentials(ctx)
	m := map[int64]store.Credential{}
	for _, c := range cs {
		c.ClientSecret = "" // never needed by a template; never risk showing it
		m[c.ID] = c
	}
	return m, err
}

type adminTenantData struct {
	Tenant     store.Tenant
	Credential store.Credential
	Counts     adminStatusCounts
	Statuses   []store.PersonStatus
	Site       bool
	TTL        string
	// What orcidlink writes to records: counts by state and recent failures.
	ItemStates []store.ItemState
	ItemCounts map[store.ItemState]int
	Failed     []adminItemView
	// Asks are what researchers are asked to allow, in words, and Scopes
	// the ORCID scopes that takes; Reminders the schedule in words.
	Asks      []string
	Scopes    []string
	Reminders string
}

func (s *Server) adminTenant(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	ctx := r.Context()
	c, err := s.store.Credential(ctx, t.CredentialID)
	if err != nil {
		s.adminFail(w, r, a, "load credential", err)
		return
	}
	c.ClientSecret = ""
	counts, err := s.adminCountPeople(ctx, t.ID)
	if err != nil {
		s.adminFail(w, r, a, "count people", err)
		return
	}
	itemCounts, err := s.store.CountItems(ctx, t.ID, 0)
	if err != nil {
		s.adminFail(w, r, a, "count items", err)
		return
	}
	failed, err := s.store.ListItems(ctx, t.ID, store.ItemQuery{States: []store.ItemState{store.ItemFailedPermanent, store.ItemFailedRetryable}, Limit: 20})
	if err != nil {
		s.adminFail(w, r, a, "list failed items", err)
		return
	}
	ttl := adminPlural(int(connect.DefaultInvitationTTL/(24*time.Hour)), "day", "days") + " (the server's default, unless configured otherwise)"
	if d := t.Settings.InvitationTTL; d > 0 {
		ttl = adminPlural(int(d/(24*time.Hour)), "day", "days")
	}
	s.render(w, r, http.StatusOK, "admin_tenant", s.adminPage(r, a, t.Name, adminTenantData{Tenant: t, Credential: c,
		Counts: counts, Statuses: adminStatuses, Site: a.Role == store.RoleSiteAdmin, TTL: ttl,
		ItemStates: store.ItemStates(), ItemCounts: itemCounts, Failed: adminItemViews(failed, "", false),
		Asks: adminAskLabels(t), Scopes: s.connect.TenantScopes(t, c), Reminders: adminReminderText(t)}))
}

// adminAskLabels names what a tenant asks researchers to allow.
func adminAskLabels(t store.Tenant) []string {
	var out []string
	for _, c := range adminAskChoices() {
		if slices.Contains(t.Settings.AskList(), c.Ask) {
			out = append(out, c.Label)
		}
	}
	if len(out) == 0 {
		out = []string{"the authenticated iD alone"}
	}
	return out
}

// adminReminderText says when a tenant's reminders go.
func adminReminderText(t store.Tenant) string {
	days := t.Settings.Reminders()
	if len(days) == 0 {
		return "none"
	}
	return adminJoinDays(days) + " days after the invitation, while unanswered"
}

// adminTenantForm is the tenant form's fields as typed, so that a refused form
// comes back exactly as it was sent.
type adminTenantForm struct {
	ID              int64
	Name, Slug      string
	SupportEmail    string
	SupportURL      string
	Languages       []string
	DefaultLanguage string
	PrimaryColor    string
	CredentialID    int64
	RequestOnPub    bool
	TTLDays         string
	Reinvite        bool
	// The publisher, convening organisation of peer reviews.
	PublisherName, PublisherCity, PublisherRegion, PublisherCountry, PublisherROR string
	ReviewMode                                                                    store.ReviewMode
	// Asks are what researchers are asked to allow; ReminderDays the
	// reminder schedule as typed ("7, 21").
	Asks         []store.Ask
	ReminderDays string
	// ReturnOrigins are the origins connect links may return to, one a
	// line as typed.
	ReturnOrigins string
}

type adminTenantFormData struct {
	Form        adminTenantForm
	Errors      adminFieldErrors
	Credentials []store.Credential
	Languages   []adminLanguage
	// Site: only site administrators choose the credential; a tenant
	// manager sees which one is used but cannot move the tenant to
	// another (that would start it with no links).
	Site bool
	New  bool
	// ReviewModes are the review models to choose from, Countries the
	// countries.
	ReviewModes []store.ReviewMode
	Countries   []adminCountry
	// DefaultTTLDays is how long invitations last when the tenant does
	// not say.
	DefaultTTLDays int
	// AskChoices are the asks to choose from, with what each means.
	AskChoices []adminAskChoice
}

// adminAskChoice is one ask of the tenant form, and what it means at ORCID.
type adminAskChoice struct {
	Ask     store.Ask
	Label   string
	Meaning string
}

// adminAskChoices say what each ask lets the tenant do and which of
// ORCID's coarser permissions it takes: works and affiliations share one.
func adminAskChoices() []adminAskChoice {
	return []adminAskChoice{
		{store.AskWorks, "Works and peer reviews",
			"Add published works and peer reviews to researchers' records. Asks ORCID for /activities/update."},
		{store.AskAffiliations, "Affiliations",
			"Add employment, education and memberships. Also /activities/update: ORCID grants works, peer reviews, affiliations and fundings as one permission, so researchers see the same request either way."},
		{store.AskPerson, "Person data",
			"Add other identifiers, websites and keywords to the biography part of the record. Asks for /person/update."},
		{store.AskReadLimited, "Read limited data",
			"Read what researchers share with trusted organisations only (record import reads more than the public part). Asks for /read-limited."},
	}
}

func (d adminTenantFormData) Asked(a store.Ask) bool { return slices.Contains(d.Form.Asks, a) }

func (d adminTenantFormData) HasLanguage(code string) bool {
	return slices.Contains(d.Form.Languages, code)
}

func adminFormFromTenant(t store.Tenant) adminTenantForm {
	f := adminTenantForm{ID: t.ID, Name: t.Name, Slug: t.Slug, SupportEmail: t.SupportEmail, SupportURL: t.SupportURL,
		Languages: t.Languages, DefaultLanguage: t.DefaultLanguage, PrimaryColor: t.Branding.PrimaryColor,
		CredentialID: t.CredentialID, RequestOnPub: t.Settings.RequestAuthorizationOnPublication,
		Reinvite: t.Settings.ReinviteOnRevocation, PublisherName: t.Settings.Publisher.Name,
		PublisherCity: t.Settings.Publisher.City, PublisherRegion: t.Settings.Publisher.Region,
		PublisherCountry: t.Settings.Publisher.Country, PublisherROR: t.Settings.Publisher.ROR,
		ReviewMode: t.Settings.ReviewMode.Or(""), Asks: t.Settings.AskList(),
		ReminderDays: adminJoinDays(t.Settings.Reminders()), ReturnOrigins: strings.Join(t.Settings.ReturnOrigins, "\n")}
	if d := t.Settings.InvitationTTL; d > 0 {
		f.TTLDays = strconv.Itoa(int(d / (24 * time.Hour)))
	}
	return f
}

// adminReadTenantForm parses the form into f and the tenant it describes
// (over base, so fields the form does not show are kept), with a message
// per field it cannot read. What the fields may hold is the store's to
// say (store.CheckTenant, the same rules as the REST API's): the save
// refuses the rest, and adminTenantInvalid puts each problem at its field.
func adminReadTenantForm(r *http.Request, base store.Tenant, site bool) (adminTenantForm, store.Tenant, adminFieldErrors) {
	errs := adminFieldErrors{}
	_ = r.ParseForm()
	f := adminTenantForm{ID: base.ID, Name: postValue(r, "name"), Slug: strings.ToLower(postValue(r, "slug")),
		SupportEmail: postValue(r, "support_email"), SupportURL: postValue(r, "support_url"),
		DefaultLanguage: postValue(r, "default_language"), PrimaryColor: postValue(r, "primary_color"),
		RequestOnPub: r.PostFormValue("request_on_publication") == "on", TTLDays: postValue(r, "invitation_ttl_days"),
		CredentialID: base.CredentialID, Reinvite: r.PostFormValue("reinvite_on_revocation") == "on",
		PublisherName: postValue(r, "publisher_name"), PublisherCity: postValue(r, "publisher_city"),
		PublisherRegion: postValue(r, "publisher_region"), PublisherCountry: strings.ToUpper(postValue(r, "publisher_country")),
		PublisherROR: postValue(r, "publisher_ror"), ReviewMode: store.ReviewMode(postValue(r, "review_mode"))}
	// None ticked is none (which the store refuses), not nil (every
	// language).
	f.Languages = []string{}
	for _, l := range adminLanguages() {
		if slices.Contains(r.PostForm["languages"], l.Code) {
			f.Languages = append(f.Languages, l.Code)
		}
	}
	if f.SupportEmail == "" && f.SupportURL == "" {
		// The admin UI's own rule, not the store's: every error page a
		// researcher can reach names whom to ask, so a tenant set up
		// here gives one. The store does not ask it: the demo tenant
		// setup makes, and tenants saved before, may have neither, and
		// the REST API, which has no support fields, must still save them.
		errs.add("support_email", "Give a support email or a support web page (or both): researchers' error pages show it.")
	}
	var ttl time.Duration
	if f.TTLDays != "" {
		n, err := strconv.Atoi(f.TTLDays)
		if err != nil {
			errs.add("invitation_ttl_days", "Enter a whole number of days, or leave it empty for the default.")
		}
		// Bounded so that the product cannot overflow; 0 and what lies
		// beyond the store's range stay out of range (refused there).
		ttl = time.Duration(min(max(n, -1), store.MaxInvitationTTLDays+1)) * 24 * time.Hour
		if n == 0 && err == nil {
			ttl = -24 * time.Hour
		}
	}
	if site {
		// Unreadable is no credential, which the store refuses.
		f.CredentialID, _ = strconv.ParseInt(r.PostFormValue("credential_id"), 10, 64)
	}
	t := base
	t.Name, t.Slug, t.SupportEmail, t.SupportURL = f.Name, f.Slug, f.SupportEmail, f.SupportURL
	t.Languages, t.DefaultLanguage = f.Languages, f.DefaultLanguage
	t.Branding.PrimaryColor = f.PrimaryColor
	t.CredentialID = f.CredentialID
	t.Settings.RequestAuthorizationOnPublication = f.RequestOnPub
	t.Settings.InvitationTTL = ttl
	t.Settings.ReinviteOnRevocation = f.Reinvite
	t.Settings.Publisher = store.Publisher{Name: f.PublisherName, City: f.PublisherCity, Region: f.PublisherRegion,
		Country: f.PublisherCountry, ROR: f.PublisherROR}
	t.Settings.ReviewMode = f.ReviewMode
	// Forms from before these fields existed keep what was chosen.
	if r.PostFormValue("asks_shown") == "1" {
		f.Asks = []store.Ask{}
		for _, c := range adminAskChoices() {
			if slices.Contains(r.PostForm["asks"], string(c.Ask)) {
				f.Asks = append(f.Asks, c.Ask)
			}
		}
		t.Settings.Asks = f.Asks
	} else {
		f.Asks = base.Settings.AskList()
	}
	if _, ok := r.PostForm["reminder_days"]; ok {
		f.ReminderDays = postValue(r, "reminder_days")
		days, ok := adminParseDays(f.ReminderDays)
		if !ok {
			errs.add("reminder_days", "Enter numbers of days separated by commas (e.g. 7, 21), or nothing for no reminders.")
		}
		t.Settings.ReminderDays = days
	} else {
		f.ReminderDays = adminJoinDays(base.Settings.Reminders())
	}
	f.ReturnOrigins = strings.Join(base.Settings.ReturnOrigins, "\n")
	if _, ok := r.PostForm["return_origins"]; ok {
		f.ReturnOrigins = r.PostFormValue("return_origins")
		t.Settings.ReturnOrigins = strings.Fields(f.ReturnOrigins)
	}
	// Check now, before the save, so that every problem shows at once
	// (beside those of reading the form, which come first); the store
	// checks again as it writes.
	check := t
	if err := store.CheckTenant(&check); err != nil {
		adminTenantInvalid(errs, err)
	}
	return f, t, errs
}

// adminJoinDays writes a reminder schedule as the form shows it.
func adminJoinDays(days []int) string {
	var parts []string
	for _, d := range days {
		parts = append(parts, strconv.Itoa(d))
	}
	return strings.Join(parts, ", ")
}

// adminParseDays reads a reminder schedule as typed: whole numbers
// separated by commas or spaces; nothing is no reminders (an empty
// schedule, not the default). Which days are allowed is the store's to
// say.
func adminParseDays(s string) ([]int, bool) {
	days := []int{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, false
		}
		days = append(days, n)
	}
	return days, true
}

func (s *Server) adminTenantFormPage(w http.ResponseWriter, r *http.Request, a *store.AdminUser, status int, d adminTenantFormData) {
	cs, err := s.store.ListCredentials(r.Context())
	if err != nil {
		s.adminFail(w, r, a, "list credentials", err)
		return
	}
	for i := range cs {
		cs[i].ClientSecret = ""
	}
	d.Credentials, d.Languages, d.Site = cs, adminLanguages(), a.Role == store.RoleSiteAdmin
	d.ReviewModes, d.Countries = store.ReviewModes, adminCountryList()
	d.DefaultTTLDays = int(connect.DefaultInvitationTTL / (24 * time.Hour))
	d.AskChoices = adminAskChoices()
	if d.Errors == nil {
		d.Errors = adminFieldErrors{}
	}
	title := "Edit " + d.Form.Name
	if d.New {
		title = "New tenant"
	}
	s.render(w, r, status, "admin_tenant_form", s.adminPage(r, a, title, d))
}

func (s *Server) adminTenantNew(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	s.adminTenantFormPage(w, r, a, http.StatusOK, adminTenantFormData{New: true,
		Form: adminTenantForm{Languages: i18n.Codes(), DefaultLanguage: i18n.Default, Asks: store.AllAsks(),
			ReminderDays: adminJoinDays(store.DefaultReminderDays())}})
}

func (s *Server) adminTenantCreate(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	f, t, errs := adminReadTenantForm(r, store.Tenant{}, true)
	if !errs.any() {
		ctx := r.Context()
		var created store.Tenant
		err := s.store.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if created, err = tx.CreateTenant(ctx, t); err != nil {
				return err
			}
			return adminAuditIn(ctx, tx, a, created.ID, 0, "tenant.created", map[string]any{"slug": created.Slug})
		})
		switch {
		case err == nil:
			s.adminRedirect(w, r, adminTenantPath(created.ID), "Tenant "+created.Name+" created.")
			return
		case errors.Is(err, store.ErrConflict):
			errs.add("slug", "Another tenant already uses this slug. Choose another.")
		case errors.Is(err, store.ErrNotFound):
			errs.add("credential_id", "That credential no longer exists. Choose another.")
		case errors.Is(err, store.ErrInvalid):
			adminTenantInvalid(errs, err)
		default:
			s.adminFail(w, r, a, "create the tenant", err)
			return
		}
	}
	s.adminTenantFormPage(w, r, a, http.StatusUnprocessableEntity, adminTenantFormData{New: true, Form: f, Errors: errs})
}

func (s *Server) adminTenantEdit(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	s.adminTenantFormPage(w, r, a, http.StatusOK, adminTenantFormData{Form: adminFormFromTenant(t)})
}

func (s *Server) adminTenantUpdate(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	site := a.Role == store.RoleSiteAdmin
	f, changed, errs := adminReadTenantForm(r, t, site)
	if !errs.any() {
		ctx := r.Context()
		var updated store.Tenant
		err := s.store.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if updated, err = tx.UpdateTenant(ctx, changed); err != nil {
				return err
			}
			detail := map[string]any{"slug": updated.Slug}
			if updated.CredentialID != t.CredentialID {
				detail["credential_from"], detail["credential_to"] = t.CredentialID, updated.CredentialID
			}
			return adminAuditIn(ctx, tx, a, t.ID, 0, "tenant.updated", detail)
		})
		switch {
		case err == nil && adminAsksWidened(t, updated) && updated.CredentialID == t.CredentialID:
			// Researchers connected before granted less: offer to ask
			// them, on a page that says how many.
			s.adminRedirect(w, r, adminTenantPath(t.ID)+"/upgrade", "Tenant "+updated.Name+
				" saved. It now asks researchers for more than before.")
			return
		case err == nil:
			s.adminRedirect(w, r, adminTenantPath(t.ID), "Tenant "+updated.Name+" saved.")
			return
		case errors.Is(err, store.ErrConflict):
			errs.add("slug", "Another tenant already uses this slug. Choose another.")
		case errors.Is(err, store.ErrNotFound):
			errs.add("credential_id", "That credential no longer exists. Choose another.")
		case errors.Is(err, store.ErrInvalid):
			adminTenantInvalid(errs, err)
		default:
			s.adminFail(w, r, a, "save the tenant", err)
			return
		}
	}
	s.adminTenantFormPage(w, r, a, http.StatusUnprocessableEntity, adminTenantFormData{Form: f, Errors: errs})
}

// adminTenantInvalid puts each of the store's problems with a tenant at
// the form's field it is about (the organisation's fields are the
// publisher's here; "asks/1" is the asks' fieldset), and one the form has
// no field for at the top, where its message names it.
func adminTenantInvalid(errs adminFieldErrors, err error) {
	adminStoreInvalid(errs, err, adminFormTop, adminTenantFormName)
}

// adminTenantFields are the tenant form's fields that show a problem.
var adminTenantFields = []string{"name", "slug", "support_email", "support_url", "languages", "default_language",
	"primary_color", "credential_id", "invitation_ttl_days", "reminder_days", "return_origins", "asks", "review_mode",
	"publisher_name", "publisher_city", "publisher_region", "publisher_country", "publisher_ror"}

// adminTenantFormName is the tenant form's name of a store field, or
// adminFormTop when the form has none.
func adminTenantFormName(field string) string {
	if rest, ok := strings.CutPrefix(field, "organization/"); ok {
		field = "publisher_" + rest
	}
	if base, _, ok := strings.Cut(field, "/"); ok {
		field = base // one item of a list is shown at the list
	}
	if slices.Contains(adminTenantFields, field) {
		return field
	}
	return adminFormTop
}

func adminTenantPath(id int64) string { return "/admin/tenants/" + strconv.FormatInt(id, 10) }
