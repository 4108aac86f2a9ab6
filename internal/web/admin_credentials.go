package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Credentials are site administrators' business: a credential may serve
// tenants a manager cannot see, and its client name speaks for all of them.
// Tenant managers only see, on the list, which credentials their own
// tenants use.

type adminCredentialRow struct {
	store.Credential
	Tenants []store.Tenant
}

type adminCredentialsData struct {
	Credentials []adminCredentialRow
	Site        bool
}

func (s *Server) adminCredentials(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	ctx := r.Context()
	cs, err := s.store.ListCredentials(ctx)
	if err != nil {
		s.adminFail(w, r, a, "list credentials", err)
		return
	}
	site := a.Role == store.RoleSiteAdmin
	visible := map[int64]bool{}
	if !site {
		ts, err := s.store.TenantsOfUser(ctx, a.ID)
		if err != nil {
			s.adminFail(w, r, a, "list tenants", err)
			return
		}
		for _, t := range ts {
			visible[t.ID] = true
		}
	}
	d := adminCredentialsData{Site: site}
	for _, c := range cs {
		c.ClientSecret = ""
		ts, err := s.store.ListTenantsUsingCredential(ctx, c.ID)
		if err != nil {
			s.adminFail(w, r, a, "list tenants of credential", err)
			return
		}
		if !site {
			// A manager sees only their tenants, and only credentials one
			// of them uses: others' names are none of their business.
			mine := ts[:0]
			for _, t := range ts {
				if visible[t.ID] {
					mine = append(mine, t)
				}
			}
			if len(mine) == 0 {
				continue
			}
			ts = mine
		}
		d.Credentials = append(d.Credentials, adminCredentialRow{Credential: c, Tenants: ts})
	}
	s.render(w, r, http.StatusOK, "admin_credentials", s.adminPage(r, a, "ORCID credentials", d))
}

// credentialRegistration is what to type into ORCID's "register a client
// application" form: the fields it asks for (name, home page, short
// description, redirect URIs), with values derived from this deployment.
type credentialRegistration struct {
	FormURL      string // where to register, for this environment and API
	FormName     string
	Name         string
	Website      string
	Description  string
	RedirectURIs []string
	Scopes       []string
}

func (s *Server) adminRegistration(c store.Credential, tenants []store.Tenant) credentialRegistration {
	reg := credentialRegistration{Name: c.ClientName, Website: s.public.String(), RedirectURIs: []string{s.connect.RedirectURI()},
		Scopes: s.connect.Scopes(c)}
	if reg.Name == "" {
		reg.Name = "(the client name: see above)"
	}
	var names []string
	for _, t := range tenants {
		names = append(names, t.Name)
	}
	who := "our journals and services"
	if len(names) == 1 {
		who = names[0]
	}
	if c.API == orcid.MemberAPI {
		reg.Description = "Connects authors and reviewers of " + who + " to ORCID: with their permission, collects their authenticated ORCID iD and adds their publications, peer reviews and affiliations to their ORCID record."
	} else {
		reg.Description = "Connects authors and reviewers of " + who + " to ORCID by collecting their authenticated ORCID iD, with their permission."
	}
	switch {
	case c.Env.Name == "sandbox" && c.API == orcid.MemberAPI:
		reg.FormName, reg.FormURL = "Register a sandbox Member API client", "https://orcid.org/content/register-client-application-sandbox"
	case c.Env.Name == "sandbox":
		reg.FormName, reg.FormURL = "Developer tools in your sandbox ORCID record (Public API)", "https://sandbox.orcid.org/developer-tools"
	case c.Env.Name == "production" && c.API == orcid.MemberAPI:
		reg.FormName, reg.FormURL = "Register a client application: Production Member API", "https://orcid.org/content/register-client-application-production-trusted-party"
	case c.Env.Name == "production":
		reg.FormName, reg.FormURL = "Developer tools in your ORCID record (Public API)", "https://orcid.org/developer-tools"
	case c.Env.Name == "custom":
		reg.FormName, reg.FormURL = "the registry's developer tools", c.Env.SiteURL+"/developer-tools"
	}
	return reg
}

// adminRedirectProblem says why a production credential cannot work with this
// deployment's redirect URI, or "" when it can: ORCID accepts only HTTPS
// redirect URIs for production clients.
func (s *Server) adminRedirectProblem(env string) string {
	if env != "production" {
		return ""
	}
	u, err := url.Parse(s.connect.RedirectURI())
	if err == nil && u.Scheme == "https" {
		return ""
	}
	return "ORCID's production registry accepts only HTTPS redirect URIs, and this server's is " +
		s.connect.RedirectURI() + ". Set the public URL (public_url, or ORCIDLINK_PUBLIC_URL) to the https:// address " +
		"people reach this server at, restart, and save the credential again."
}

type adminCredentialData struct {
	Credential   store.Credential
	Tenants      []store.Tenant
	Shared       bool
	Registration credentialRegistration
	Problem      string // the redirect URI cannot work with this credential
	Waiting      int    // researchers told that it is being repaired
}

// adminCredentialRoute loads the credential named by {cid} for a site
// administrator's handler, answering 404 for an unknown one, as
// adminTenantRoute does for tenants.
func (s *Server) adminCredentialRoute(h func(w http.ResponseWriter, r *http.Request, a *store.AdminUser, c store.Credential)) http.HandlerFunc {
	return s.siteOnly(func(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
		c, err := s.adminLoadCredential(r)
		if adminIsNotFound(err) {
			s.adminNotFound(w, r, a)
			return
		}
		if err != nil {
			s.adminFail(w, r, a, "load credential", err)
			return
		}
		h(w, r, a, c)
	})
}

func (s *Server) adminLoadCredential(r *http.Request) (store.Credential, error) {
	id, ok := adminPathID(r, "cid")
	if !ok {
		return store.Credential{}, store.ErrNotFound
	}
	c, err := s.store.Credential(r.Context(), id)
	// The secret is write-only from here on: nothing in the admin UI needs
	// it, so it is dropped before any template could see it.
	c.ClientSecret = ""
	return c, err
}

func (s *Server) adminCredential(w http.ResponseWriter, r *http.Request, a *store.AdminUser, c store.Credential) {
	ts, err := s.store.ListTenantsUsingCredential(r.Context(), c.ID)
	if err != nil {
		s.adminFail(w, r, a, "list tenants of credential", err)
		return
	}
	waiting, err := s.store.CountCredentialWaiters(r.Context(), c.ID)
	if err != nil {
		s.adminFail(w, r, a, "count the researchers waiting", err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_credential", s.adminPage(r, a, c.Name, adminCredentialData{
		Credential: c, Tenants: ts, Shared: len(ts) > 1, Registration: s.adminRegistration(c, ts),
		Problem: s.adminRedirectProblem(c.Env.Name), Waiting: waiting}))
}

// adminCredentialForm is the credential form as typed. It has no secret field
// on purpose: a refused form comes back with the secret box empty, so the
// secret is never written into a page, not even the one who typed it.
type adminCredentialForm struct {
	ID                          int64
	Name                        string
	Env                         string
	SiteURL, MemberURL, PubURL  string
	API                         string
	ClientID, ClientName        string
	HasSecret                   bool // editing: a secret is stored; blank keeps it
	TenantNames                 []string
	RedirectURI, ProductionPath string
}

type adminCredentialFormData struct {
	Form   adminCredentialForm
	Errors adminFieldErrors
	New    bool
}

func adminFormFromCredential(c store.Credential) adminCredentialForm {
	f := adminCredentialForm{ID: c.ID, Name: c.Name, Env: c.Env.Name, API: string(c.API), ClientID: c.ClientID,
		ClientName: c.ClientName, HasSecret: true}
	if c.Env.Name == "custom" {
		f.SiteURL, f.MemberURL, f.PubURL = c.Env.SiteURL, c.Env.MemberAPIURL, c.Env.PublicAPIURL
	}
	return f
}

// adminReadCredentialForm reads the form over base and checks it; existing is
// the stored credential when editing (nil when creating).
func (s *Server) adminReadCredentialForm(r *http.Request, existing *store.Credential) (adminCredentialForm, store.Credential, adminFieldErrors) {
	errs := adminFieldErrors{}
	f := adminCredentialForm{Name: postValue(r, "name"), Env: postValue(r, "environment"), SiteURL: postValue(r, "site_url"),
		MemberURL: postValue(r, "member_api_url"), PubURL: postValue(r, "public_api_url"), API: postValue(r, "api_type"),
		ClientID: postValue(r, "client_id"), ClientName: postValue(r, "client_name")}
	secret := strings.TrimSpace(r.PostFormValue("client_secret"))
	var c store.Credential
	if existing != nil {
		c = *existing
		f.ID, f.HasSecret = existing.ID, true
	}
	if f.Name == "" {
		errs.add("name", "Give the credential a name, for this admin UI (e.g. \"Press hosting, production\").")
	}
	switch f.Env {
	case "production":
		c.Env = orcid.Production
	case "sandbox":
		c.Env = orcid.Sandbox
	case "custom":
		env, err := orcid.CustomEnvironment(f.SiteURL, f.MemberURL, f.PubURL)
		if msg := adminCheckURL(f.SiteURL, true); msg != "" {
			errs.add("site_url", msg)
		} else if err != nil {
			errs.add("site_url", "The API addresses must be full web addresses too (or empty for the built-in registry's layout).")
		}
		c.Env = env
	default:
		errs.add("environment", "Choose the ORCID registry: sandbox, production or a custom one.")
	}
	if existing != nil && f.Env != existing.Env.Name && f.Env != "" {
		// Registries are kept apart: iDs and tokens of one mean nothing on
		// another, and links belong to the credential, so a credential
		// keeps its registry for life. Going live is its own guided step,
		// which makes a new credential and starts the tenants afresh.
		if f.Env == "production" {
			errs.add("environment", "A credential cannot change to production here: "+
				"use \"Move to production\", which keeps the sandbox iDs apart and invites everyone again.")
		} else {
			errs.add("environment", "A credential keeps its registry: the iDs connected through it belong to that "+
				"registry. Make a new credential and switch the tenants to it instead.")
		}
	}
	if msg := s.adminRedirectProblem(f.Env); msg != "" {
		errs.add("environment", msg)
	}
	switch orcid.APIType(f.API) {
	case orcid.MemberAPI, orcid.PublicAPI:
		c.API = orcid.APIType(f.API)
	default:
		errs.add("api_type", "Choose Member API or Public API, as your ORCID credentials say.")
	}
	if f.ClientID == "" {
		errs.add("client_id", "Enter the client id ORCID gave you (like APP-XXXXXXXXXXXXXXXX).")
	}
	if secret == "" && existing == nil {
		errs.add("client_secret", "Enter the client secret ORCID gave you.")
	}
	if f.ClientName == "" {
		errs.add("client_name", "Enter the client name registered at ORCID: ORCID shows it as the source of what it writes.")
	}
	c.Name, c.ClientID, c.ClientName = f.Name, f.ClientID, f.ClientName
	c.ClientSecret = secret // "" keeps the stored one (store.UpdateCredential)
	return f, c, errs
}

func (s *Server) adminCredentialFormPage(w http.ResponseWriter, r *http.Request, a *store.AdminUser, status int, d adminCredentialFormData) {
	if d.Errors == nil {
		d.Errors = adminFieldErrors{}
	}
	d.Form.RedirectURI = s.connect.RedirectURI()
	if d.Form.ID != 0 {
		ts, err := s.store.ListTenantsUsingCredential(r.Context(), d.Form.ID)
		if err != nil {
			s.adminFail(w, r, a, "list tenants of credential", err)
			return
		}
		for _, t := range ts {
			d.Form.TenantNames = append(d.Form.TenantNames, t.Name)
		}
		d.Form.ProductionPath = adminCredentialPath(d.Form.ID) + "/production"
	}
	title := "New ORCID credential"
	if !d.New {
		title = "Edit " + d.Form.Name
	}
	s.render(w, r, status, "admin_credential_form", s.adminPage(r, a, title, d))
}

func (s *Server) adminCredentialNew(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	s.adminCredentialFormPage(w, r, a, http.StatusOK, adminCredentialFormData{New: true,
		Form: adminCredentialForm{Env: "sandbox", API: string(orcid.MemberAPI)}})
}

func (s *Server) adminCredentialCreate(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	f, c, errs := s.adminReadCredentialForm(r, nil)
	if !errs.any() {
		s.adminTryCredential(r, c, errs)
	}
	if !errs.any() {
		ctx := r.Context()
		var created store.Credential
		err := s.store.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if created, err = tx.CreateCredential(ctx, c); err != nil {
				return err
			}
			return adminAuditIn(ctx, tx, a, 0, 0, "credential.created", map[string]any{"credential": created.ID,
				"environment": created.Env.Name, "api": created.API, "client_id": created.ClientID})
		})
		if err == nil {
			s.adminCredentialChecked(r, created.ID)
			s.adminRedirect(w, r, adminCredentialPath(created.ID), "Credential "+created.Name+" saved.")
			return
		}
		if !adminCredentialStoreError(errs, err) {
			s.adminFail(w, r, a, "save the credential", err)
			return
		}
	}
	s.adminCredentialFormPage(w, r, a, http.StatusUnprocessableEntity, adminCredentialFormData{New: true, Form: f, Errors: errs})
}

// adminCredentialStoreError turns the store's refusals into field messages and
// reports whether it knew the error.
func adminCredentialStoreError(errs adminFieldErrors, err error) bool {
	switch {
	case errors.Is(err, store.ErrConflict):
		errs.add("client_id", "Another credential already has this client id on this registry.")
	case errors.Is(err, store.ErrInvalid):
		adminStoreInvalid(errs, err, "name", nil)
	default:
		return false
	}
	return true
}

func (s *Server) adminCredentialEdit(w http.ResponseWriter, r *http.Request, a *store.AdminUser, c store.Credential) {
	s.adminCredentialFormPage(w, r, a, http.StatusOK, adminCredentialFormData{Form: adminFormFromCredential(c)})
}

func (s *Server) adminCredentialUpdate(w http.ResponseWriter, r *http.Request, a *store.AdminUser, old store.Credential) {
	f, c, errs := s.adminReadCredentialForm(r, &old)
	if !errs.any() {
		tried := c
		if tried.ClientSecret == "" {
			// Blank keeps the stored secret: check with that one.
			stored, err := s.store.Credential(r.Context(), c.ID)
			if err != nil {
				s.adminFail(w, r, a, "load credential", err)
				return
			}
			tried.ClientSecret = stored.ClientSecret
		}
		s.adminTryCredential(r, tried, errs)
	}
	if !errs.any() {
		ctx := r.Context()
		var updated store.Credential
		err := s.store.InTx(ctx, func(tx *store.Tx) error {
			var err error
			if updated, err = tx.UpdateCredential(ctx, c); err != nil {
				return err
			}
			return adminAuditIn(ctx, tx, a, 0, 0, "credential.updated", map[string]any{"credential": updated.ID,
				"secret_changed": c.ClientSecret != "", "client_id": updated.ClientID})
		})
		if err == nil {
			s.adminCredentialChecked(r, updated.ID)
			s.adminRedirect(w, r, adminCredentialPath(updated.ID), "Credential "+updated.Name+" saved.")
			return
		}
		if !adminCredentialStoreError(errs, err) {
			s.adminFail(w, r, a, "save the credential", err)
			return
		}
	}
	s.adminCredentialFormPage(w, r, a, http.StatusUnprocessableEntity, adminCredentialFormData{Form: f, Errors: errs})
}

func adminCredentialPath(id int64) string { return "/admin/credentials/" + strconv.FormatInt(id, 10) }

// Moving to production (000_*.txt: "replace your sandbox credentials with
// your production credentials"). Done naively, by editing the credential,
// sandbox iDs would pass for production ones: the same digits name different
// people on the two registries. So the move creates a new production
// credential and points every tenant of the old one at it; the store keeps
// links per credential, so the tenants start with no links and the sandbox
// links stay with the sandbox credential, as history. Then everyone is
// invited again, if the administrator wants.

type adminProductionData struct {
	Old     store.Credential
	Tenants []store.Tenant
	Form    adminCredentialForm
	Errors  adminFieldErrors
	Problem string
	Done    bool // the move happened: offer to invite everyone again
	New     store.Credential
}

func (s *Server) adminProductionPage(w http.ResponseWriter, r *http.Request, a *store.AdminUser, status int, d adminProductionData) {
	if d.Errors == nil {
		d.Errors = adminFieldErrors{}
	}
	d.Problem = s.adminRedirectProblem("production")
	d.Form.RedirectURI = s.connect.RedirectURI()
	s.render(w, r, status, "admin_credential_production", s.adminPage(r, a, "Move "+d.Old.Name+" to production", d))
}

// adminProductionSource loads the credential to move, which must not be a
// production one already.
// adminProductionTenants lists the tenants a sandbox credential serves,
// or answers (and reports false) when there is nothing to move.
func (s *Server) adminProductionTenants(w http.ResponseWriter, r *http.Request, a *store.AdminUser, c store.Credential) ([]store.Tenant, bool) {
	ts, err := s.store.ListTenantsUsingCredential(r.Context(), c.ID)
	if err != nil {
		s.adminFail(w, r, a, "list tenants of credential", err)
		return nil, false
	}
	if c.Env.Name == "production" {
		s.adminRedirect(w, r, adminCredentialPath(c.ID), "This credential is a production one already.")
		return nil, false
	}
	return ts, true
}

func (s *Server) adminProductionForm(w http.ResponseWriter, r *http.Request, a *store.AdminUser, c store.Credential) {
	ts, ok := s.adminProductionTenants(w, r, a, c)
	if !ok {
		return
	}
	s.adminProductionPage(w, r, a, http.StatusOK, adminProductionData{Old: c, Tenants: ts, Form: adminCredentialForm{
		Name: c.Name + " (production)", Env: "production", API: string(c.API), ClientName: c.ClientName}})
}

func (s *Server) adminProductionMove(w http.ResponseWriter, r *http.Request, a *store.AdminUser, old store.Credential) {
	ts, ok := s.adminProductionTenants(w, r, a, old)
	if !ok {
		return
	}
	_ = r.ParseForm()
	r.PostForm.Set("environment", "production") // this page makes production credentials only
	f, c, errs := s.adminReadCredentialForm(r, nil)
	if !errs.any() {
		s.adminTryCredential(r, c, errs)
	}
	d := adminProductionData{Old: old, Tenants: ts, Form: f, Errors: errs}
	if errs.any() {
		s.adminProductionPage(w, r, a, http.StatusUnprocessableEntity, d)
		return
	}
	ctx := r.Context()
	var created store.Credential
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if created, err = tx.CreateCredential(ctx, c); err != nil {
			return err
		}
		// Re-read inside the transaction: a tenant added meanwhile moves too.
		moving, err := tx.ListTenantsUsingCredential(ctx, old.ID)
		if err != nil {
			return err
		}
		for _, t := range moving {
			t.CredentialID = created.ID
			if _, err := tx.UpdateTenant(ctx, t); err != nil {
				return err
			}
			if _, err := tx.AppendAudit(ctx, store.AuditEvent{TenantID: t.ID, Actor: store.ActorAdmin(a.ID),
				Action: "credential.moved_to_production", Detail: auditDetail(map[string]any{
					"from": old.ID, "to": created.ID, "client_id": created.ClientID})}); err != nil {
				return err
			}
		}
		ts = moving
		return nil
	})
	if err != nil {
		if adminCredentialStoreError(d.Errors, err) {
			s.adminProductionPage(w, r, a, http.StatusUnprocessableEntity, d)
			return
		}
		s.adminFail(w, r, a, "move the credential to production", err)
		return
	}
	s.adminCredentialChecked(r, created.ID)
	s.log.InfoContext(ctx, "credential moved to production", "admin", a.ID, "from", old.ID, "to", created.ID,
		"tenants", len(ts))
	created.ClientSecret = ""
	d.Done, d.New, d.Tenants = true, created, ts
	s.adminProductionPage(w, r, a, http.StatusOK, d)
}
