package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/store"
)

// adminPeoplePageSize is how many people a page of the list shows.
const adminPeoplePageSize = 50

type adminPeopleData struct {
	Tenant   store.Tenant
	People   []store.PersonListItem
	Statuses []store.PersonStatus
	Status   store.PersonStatus
	Search   string
	// NextURL and FirstURL page through the list, keeping the filters.
	// Pagination is by cursor (the store's keyset), so there is no
	// "previous": "first page" starts over.
	NextURL, FirstURL string
	Paged             bool // this is not the first page
	// HereURL is this page, where inviting the people ticked comes back
	// to; ExportURL downloads the list as filtered (admin_export.go).
	HereURL, ExportURL string
}

func adminPeopleURL(tenantID int64, status store.PersonStatus, search, cursor string) string {
	v := url.Values{}
	if status != "" {
		v.Set("status", string(status))
	}
	if search != "" {
		v.Set("q", search)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	u := adminTenantPath(tenantID) + "/people"
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

func (s *Server) adminPeople(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	q := r.URL.Query()
	status := store.PersonStatus(q.Get("status"))
	if status != "" && !slices.Contains(adminStatuses, status) {
		s.adminBadRequest(w, r, a, "There is no such state to filter people by.")
		return
	}
	search := strings.TrimSpace(q.Get("q"))
	cursor := q.Get("cursor")
	pg, err := s.store.ListPeople(r.Context(), t.ID, store.PeopleQuery{Status: status, Search: search,
		Cursor: cursor, Limit: adminPeoplePageSize})
	if errors.Is(err, store.ErrInvalid) {
		// A cursor that does not decode: a hand-edited or stale URL.
		s.adminBadRequest(w, r, a, "This page link is not valid any more.")
		return
	}
	if err != nil {
		s.adminFail(w, r, a, "list people", err)
		return
	}
	d := adminPeopleData{Tenant: t, People: pg.People, Statuses: adminStatuses, Status: status, Search: search,
		FirstURL: adminPeopleURL(t.ID, status, search, ""), Paged: cursor != "",
		HereURL: adminPeopleURL(t.ID, status, search, cursor)}
	d.ExportURL = strings.Replace(d.FirstURL, "/people", "/people.csv", 1)
	if pg.Next != "" {
		d.NextURL = adminPeopleURL(t.ID, status, search, pg.Next)
	}
	s.render(w, r, http.StatusOK, "admin_people", s.adminPage(r, a, "People of "+t.Name, d))
}

type adminPersonForm struct {
	ID                      int64
	GivenNames, FamilyNames string
	Email, ExternalRef      string
	Language                string
}

type adminPersonFormData struct {
	Tenant    store.Tenant
	Form      adminPersonForm
	Errors    adminFieldErrors
	Languages []adminLanguage
	New       bool
}

// adminReadPersonForm reads the form. The person's rules are the store's
// (store.CheckPerson, the same for the REST API and batch files): the
// write refuses what breaks them, field by field (adminStoreInvalid).
func adminReadPersonForm(r *http.Request) adminPersonForm {
	return adminPersonForm{GivenNames: postValue(r, "given_names"), FamilyNames: postValue(r, "family_names"),
		Email: postValue(r, "email"), ExternalRef: postValue(r, "external_ref"), Language: postValue(r, "language")}
}

// adminPersonLanguages are the languages a person may be written to
// (i18n's, every one of ORCID's site languages) with their names; those
// the tenant does not offer say so, since its researchers then get its
// default.
func adminPersonLanguages(t store.Tenant) []adminLanguage {
	var out []adminLanguage
	for _, l := range i18n.Languages() {
		name := l.Name
		if l.English != l.Name {
			name += " · " + l.English
		}
		if !slices.Contains(t.Languages, l.Code) {
			name += " (not offered: the tenant's default is used)"
		}
		out = append(out, adminLanguage{l.Code, name})
	}
	return out
}

func (s *Server) adminPersonFormPage(w http.ResponseWriter, r *http.Request, a *store.AdminUser, status int, d adminPersonFormData) {
	if d.Errors == nil {
		d.Errors = adminFieldErrors{}
	}
	d.Languages = adminPersonLanguages(d.Tenant)
	title := "Add a person to " + d.Tenant.Name
	if !d.New {
		title = "Edit " + strings.TrimSpace(d.Form.GivenNames+" "+d.Form.FamilyNames)
	}
	s.render(w, r, status, "admin_person_form", s.adminPage(r, a, title, d))
}

func (s *Server) adminPersonNew(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	s.adminPersonFormPage(w, r, a, http.StatusOK, adminPersonFormData{Tenant: t, New: true})
}

// adminPersonConflict says which field made the store refuse a person with
// ErrConflict: the email or the reference is someone else's in the tenant.
func (s *Server) adminPersonConflict(r *http.Request, t store.Tenant, f adminPersonForm, errs adminFieldErrors) {
	ctx := r.Context()
	if other, err := s.store.PersonByEmail(ctx, t.ID, f.Email); err == nil && other.ID != f.ID {
		errs.add("email", "Another person of this tenant already has this email address.")
		return
	}
	if f.ExternalRef != "" {
		if other, err := s.store.PersonByExternalRef(ctx, t.ID, f.ExternalRef); err == nil && other.ID != f.ID {
			errs.add("external_ref", "Another person of this tenant already has this reference.")
			return
		}
	}
	// A race: someone else took it between the write and these reads.
	errs.add("email", "Another person of this tenant already has this email address or reference.")
}

func (s *Server) adminPersonCreate(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	f := adminReadPersonForm(r)
	ctx := r.Context()
	var p store.Person
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		p, err = tx.CreatePerson(ctx, store.Person{TenantID: t.ID, GivenNames: f.GivenNames,
			FamilyNames: f.FamilyNames, Email: f.Email, ExternalRef: f.ExternalRef, Language: f.Language})
		if err != nil {
			return err
		}
		return adminAuditIn(ctx, tx, a, t.ID, p.ID, "person.created", nil)
	})
	if err == nil {
		s.adminRedirect(w, r, adminPersonPath(t.ID, p.ID), adminDisplayName(p)+" added. Invite them when you are ready.")
		return
	}
	s.adminPersonRefused(w, r, a, adminPersonFormData{Tenant: t, Form: f, New: true}, "add the person", err)
}

// adminPersonRefused shows the form again with why the store refused it,
// beside each field; an error that is no refusal is a failure page.
func (s *Server) adminPersonRefused(w http.ResponseWriter, r *http.Request, a *store.AdminUser, d adminPersonFormData, what string, err error) {
	d.Errors = adminFieldErrors{}
	switch {
	case errors.Is(err, store.ErrConflict):
		s.adminPersonConflict(r, d.Tenant, d.Form, d.Errors)
	case errors.Is(err, store.ErrInvalid):
		adminStoreInvalid(d.Errors, err, "email", nil)
	default:
		s.adminFail(w, r, a, what, err)
		return
	}
	s.adminPersonFormPage(w, r, a, http.StatusUnprocessableEntity, d)
}

func (s *Server) adminPersonEdit(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, p store.Person) {
	s.adminPersonFormPage(w, r, a, http.StatusOK, adminPersonFormData{Tenant: t, Form: adminPersonForm{ID: p.ID,
		GivenNames: p.GivenNames, FamilyNames: p.FamilyNames, Email: p.Email, ExternalRef: p.ExternalRef,
		Language: p.Language}})
}

func (s *Server) adminPersonUpdate(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, p store.Person) {
	f := adminReadPersonForm(r)
	f.ID = p.ID
	p.GivenNames, p.FamilyNames, p.Email, p.ExternalRef, p.Language = f.GivenNames, f.FamilyNames, f.Email,
		f.ExternalRef, f.Language
	ctx := r.Context()
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.UpdatePerson(ctx, p); err != nil {
			return err
		}
		return adminAuditIn(ctx, tx, a, t.ID, p.ID, "person.updated", nil)
	})
	if err == nil {
		s.adminRedirect(w, r, adminPersonPath(t.ID, p.ID), adminDisplayName(p)+" saved.")
		return
	}
	s.adminPersonRefused(w, r, a, adminPersonFormData{Tenant: t, Form: f}, "save the person", err)
}

func adminPersonPath(tenantID, personID int64) string {
	return adminTenantPath(tenantID) + "/people/" + strconv.FormatInt(personID, 10)
}

func adminDisplayName(p store.Person) string {
	if n := strings.TrimSpace(p.GivenNames + " " + p.FamilyNames); n != "" {
		return n
	}
	return p.Email
}

// adminLinkView is a link as pages show it: never its tokens. Authenticated is
// true only for a connected link with an iD; anything else (revoked,
// removed) is shown as what it is, never with the authenticated look.
type adminLinkView struct {
	ORCIDURI        string
	Name            string
	Scopes          []string
	ExpiresAt       time.Time
	AuthenticatedAt time.Time
	State           store.LinkState
	StateReason     string
	Credential      string
	Authenticated   bool
}

func adminViewLink(l store.Link, credential string) adminLinkView {
	return adminLinkView{ORCIDURI: l.ORCIDURI, Name: l.Name, Scopes: l.Scopes, ExpiresAt: l.ExpiresAt,
		AuthenticatedAt: l.AuthenticatedAt, State: l.State, StateReason: l.StateReason, Credential: credential,
		Authenticated: l.State == store.LinkConnected && l.ORCIDURI != ""}
}

// adminAuditView is a history event as the page shows it: a sentence
// when the action is known, else its name and raw detail.
type adminAuditView struct {
	At            time.Time
	Actor, Action string
	Detail        string
	Sentence      string
	Known         bool
}

type adminCallView struct {
	ID               int64
	At               time.Time
	Method, URL      string
	Status           int
	Duration         string
	Attempt          int
	Error            string
	RequestHeader    string
	RequestBody      string
	ResponseHeader   string
	ResponseBody     string
	OK               bool
	HasRequestBody   bool
	HasResponseBody  bool
	HasRequestHeader bool
}

// callHeaderText writes headers one per line, sorted. The ORCID client has
// redacted them already; credentials headers are blanked again here so
// that a caller that forgot cannot put a token on a page.
func callHeaderText(h http.Header) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range h[k] {
			switch http.CanonicalHeaderKey(k) {
			case "Authorization", "Cookie", "Set-Cookie":
				scheme, _, _ := strings.Cut(v, " ")
				v = scheme + " [REDACTED]"
			}
			b.WriteString(k + ": " + v + "\n")
		}
	}
	return b.String()
}

type adminPersonData struct {
	Tenant      store.Tenant
	Person      store.Person
	Status      store.PersonStatus
	Link        *adminLinkView // under the tenant's current credential
	OtherLinks  []adminLinkView
	Invitations []store.Invitation
	Audit       []adminAuditView
	Calls       []adminCallView
	Items       []adminItemView // what orcidlink writes to their record
	Record      *adminRecordView
	CanImport   bool
	ItemCounts  map[store.ItemState]int
	CanRemove   bool // there is an iD to remove
	// Hint is an iD on file that was never authenticated (an old system's):
	// shown as unconfirmed, with a flag when the person connected another.
	Hint       *store.ORCIDHint
	HasInvited bool
	Now        time.Time
}

// adminHistoryLimit bounds the history and call log on a person's page.
const adminHistoryLimit = 200

func (s *Server) adminPerson(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, p store.Person) {
	ctx := r.Context()
	d := adminPersonData{Tenant: t, Person: p, Now: s.now()}
	var current *store.Link
	l, err := s.store.Link(ctx, t.ID, p.ID)
	switch {
	case err == nil:
		current = &l
	case !errors.Is(err, store.ErrNotFound):
		s.adminFail(w, r, a, "load the person's link", err)
		return
	}
	links, err := s.store.LinksOfPerson(ctx, t.ID, p.ID)
	if err != nil {
		s.adminFail(w, r, a, "load the person's links", err)
		return
	}
	creds, err := s.adminCredentialsByID(ctx)
	if err != nil {
		s.adminFail(w, r, a, "list credentials", err)
		return
	}
	credName := func(id int64) string {
		if c, ok := creds[id]; ok {
			return c.Name + " (" + c.Env.Name + ")"
		}
		return "credential " + strconv.FormatInt(id, 10)
	}
	if current != nil {
		v := adminViewLink(*current, credName(current.CredentialID))
		d.Link = &v
		d.CanRemove = current.State != store.LinkRemoved
	}
	for _, ol := range links {
		if current == nil || ol.ID != current.ID {
			d.OtherLinks = append(d.OtherLinks, adminViewLink(ol, credName(ol.CredentialID)))
		}
	}
	items, err := s.store.ListItems(ctx, t.ID, store.ItemQuery{PersonID: p.ID, Limit: 200})
	if err != nil {
		s.adminFail(w, r, a, "list the person's items", err)
		return
	}
	recordBase := ""
	if current != nil && current.State == store.LinkConnected {
		recordBase = current.ORCIDURI
	}
	d.Items = adminItemViews(items, recordBase, s.cfg.Items != nil)
	d.CanImport = s.cfg.Items != nil && recordBase != ""
	if rec, err := s.store.Record(ctx, t.ID, p.ID); err == nil {
		clientID := ""
		if c, ok := creds[t.CredentialID]; ok {
			clientID = c.ClientID
		}
		v := adminRecordSummary(rec, clientID)
		d.Record = &v
	} else if !errors.Is(err, store.ErrNotFound) {
		s.adminFail(w, r, a, "load the imported record", err)
		return
	}
	if d.Invitations, err = s.store.ListInvitations(ctx, t.ID, p.ID); err != nil {
		s.adminFail(w, r, a, "list invitations", err)
		return
	}
	d.HasInvited = len(d.Invitations) > 0
	switch h, err := s.store.ORCIDHintOf(ctx, t.ID, p.ID); {
	case err == nil:
		d.Hint = &h
	case !errors.Is(err, store.ErrNotFound):
		s.adminFail(w, r, a, "read the iD on file", err)
		return
	}
	// The status as the people list derives it, by the same query.
	withStatus, err := s.store.PersonWithStatus(ctx, t.ID, p.ID)
	if err != nil {
		s.adminFail(w, r, a, "read the person's status", err)
		return
	}
	d.Status = withStatus.Status
	events, err := s.store.ListAudit(ctx, t.ID, p.ID, adminHistoryLimit)
	if err != nil {
		s.adminFail(w, r, a, "list history", err)
		return
	}
	adminEmails, err := s.adminEmails(ctx)
	if err != nil {
		s.adminFail(w, r, a, "list administrators", err)
		return
	}
	name := strings.TrimSpace(p.GivenNames + " " + p.FamilyNames)
	for _, e := range events {
		v := adminAuditView{At: e.CreatedAt, Action: e.Action,
			Actor: adminActorText(e.Actor, name, adminEmails)}
		v.Sentence, v.Known = adminAuditSentence(e, name, adminEmails)
		if string(e.Detail) != "{}" && len(e.Detail) > 0 {
			v.Detail = string(e.Detail)
		}
		d.Audit = append(d.Audit, v)
	}
	calls, err := s.store.ListCalls(ctx, t.ID, p.ID, adminHistoryLimit)
	if err != nil {
		s.adminFail(w, r, a, "list ORCID calls", err)
		return
	}
	for _, c := range calls {
		cv := adminCallView{ID: c.ID, At: c.CreatedAt, Method: c.Method, URL: c.URL, Status: c.Status,
			Duration: c.Duration.Round(time.Millisecond).String(), Attempt: c.Attempt, Error: c.Error,
			RequestHeader: callHeaderText(c.RequestHeader), RequestBody: string(c.RequestBody),
			ResponseHeader: callHeaderText(c.ResponseHeader), ResponseBody: string(c.ResponseBody),
			OK: c.Status >= 200 && c.Status < 300}
		cv.HasRequestBody, cv.HasResponseBody = len(c.RequestBody) > 0, len(c.ResponseBody) > 0
		cv.HasRequestHeader = cv.RequestHeader != ""
		d.Calls = append(d.Calls, cv)
	}
	s.render(w, r, http.StatusOK, "admin_person", s.adminPage(r, a, adminDisplayName(p), d))
}

type adminInvitedData struct {
	Tenant     store.Tenant
	Person     store.Person
	Invitation store.Invitation
	Link       string
	Emailed    bool
}

// adminPersonInvite invites the person (or again: a fresh link), by email
// when asked, and shows the link so that the administrator can also send it
// another way. The page is the POST's answer, not a redirect: the link
// exists only in connect's return value, and putting it in the session or
// a URL would store a bearer capability where it does not belong.
func (s *Server) adminPersonInvite(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, p store.Person) {
	sendEmail := r.PostFormValue("send_email") == "on"
	inv, err := s.connect.Invite(r.Context(), t.ID, p.ID, store.ActorAdmin(a.ID), sendEmail)
	switch {
	case errors.Is(err, connect.ErrAlreadyConnected):
		s.adminRedirect(w, r, adminPersonPath(t.ID, p.ID), adminDisplayName(p)+
			" is already connected to ORCID with every permission this tenant asks for: no invitation is needed.")
		return
	case err != nil:
		s.adminFail(w, r, a, "invite "+adminDisplayName(p), err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_invited", s.adminPage(r, a, "Invitation for "+adminDisplayName(p), adminInvitedData{
		Tenant: t, Person: p, Invitation: inv.Invitation, Link: inv.Link, Emailed: sendEmail}))
}

type adminConfirmData struct {
	Tenant store.Tenant
	Person store.Person
	Link   *adminLinkView
}

func (s *Server) adminRemoveIDConfirm(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, p store.Person) {
	l, err := s.store.Link(r.Context(), t.ID, p.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && l.State == store.LinkRemoved) {
		s.adminRedirect(w, r, adminPersonPath(t.ID, p.ID), adminDisplayName(p)+" has no ORCID iD to remove.")
		return
	}
	if err != nil {
		s.adminFail(w, r, a, "load the person's link", err)
		return
	}
	v := adminViewLink(l, "")
	s.render(w, r, http.StatusOK, "admin_remove_id", s.adminPage(r, a, "Remove the ORCID iD of "+adminDisplayName(p),
		adminConfirmData{Tenant: t, Person: p, Link: &v}))
}

// adminRemoveID is the administrator's removal of an iD (000_*.txt: only an
// administrator may): connect revokes the tokens at ORCID, forgets iD and
// tokens, and writes the audit entry.
func (s *Server) adminRemoveID(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, p store.Person) {
	if !adminConfirmed(r) {
		s.adminToConfirm(w, r)
		return
	}
	err := s.connect.Disconnect(r.Context(), t.ID, p.ID, store.ActorAdmin(a.ID))
	switch {
	case err == nil:
		s.adminRedirect(w, r, adminPersonPath(t.ID, p.ID), "The ORCID iD of "+adminDisplayName(p)+" was removed and its access revoked at ORCID.")
	case errors.Is(err, connect.ErrNotConnected):
		s.adminRedirect(w, r, adminPersonPath(t.ID, p.ID), adminDisplayName(p)+" has no ORCID iD to remove.")
	case errors.Is(err, connect.ErrRevokeIncomplete):
		s.log.WarnContext(r.Context(), "iD removed but not revoked at ORCID", "tenant", t.ID, "person", p.ID, "err", err)
		s.adminRedirect(w, r, adminPersonPath(t.ID, p.ID), "The ORCID iD of "+adminDisplayName(p)+" was removed here, but ORCID "+
			"could not be told to revoke our access. The person can remove this organisation from the trusted "+
			"organisations in their ORCID account settings.")
	default:
		s.adminFail(w, r, a, "remove the ORCID iD", err)
	}
}

func (s *Server) adminPersonDeleteConfirm(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, p store.Person) {
	d := adminConfirmData{Tenant: t, Person: p}
	if l, err := s.store.Link(r.Context(), t.ID, p.ID); err == nil && l.State != store.LinkRemoved {
		v := adminViewLink(l, "")
		d.Link = &v
	}
	s.render(w, r, http.StatusOK, "admin_delete_person", s.adminPage(r, a, "Delete "+adminDisplayName(p), d))
}

// adminPersonDelete deletes a person. Their tokens are revoked at ORCID
// first (the store asks for it): a deleted person must not leave us holding
// access to their record.
func (s *Server) adminPersonDelete(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, p store.Person) {
	if !adminConfirmed(r) {
		s.adminToConfirm(w, r)
		return
	}
	ctx := r.Context()
	if l, err := s.store.Link(ctx, t.ID, p.ID); err == nil && l.State != store.LinkRemoved {
		err := s.connect.Disconnect(ctx, t.ID, p.ID, store.ActorAdmin(a.ID))
		switch {
		case err == nil, errors.Is(err, connect.ErrNotConnected):
		case errors.Is(err, connect.ErrRevokeIncomplete):
			s.log.WarnContext(ctx, "person deleted but tokens not revoked at ORCID", "tenant", t.ID, "person", p.ID, "err", err)
		default:
			s.adminFail(w, r, a, "revoke the person's ORCID access before deleting them", err)
			return
		}
	}
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeletePerson(ctx, t.ID, p.ID); err != nil {
			return err
		}
		// The person is gone, so the event is the tenant's (the store
		// refuses a person id that no longer exists).
		return adminAuditIn(ctx, tx, a, t.ID, 0, "person.deleted", map[string]any{"person": p.ID})
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.adminFail(w, r, a, "delete the person", err)
		return
	}
	s.adminRedirect(w, r, adminTenantPath(t.ID)+"/people", adminDisplayName(p)+" was deleted.")
}
