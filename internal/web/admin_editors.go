package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// adminEditorRow is a member of the editorial board with where their
// service affiliation stands on ORCID.
type adminEditorRow struct {
	store.Editor
	Name string
	Item store.Item // zero when no item exists (yet)
}

type adminEditorsData struct {
	Tenant  store.Tenant
	Editors []adminEditorRow
	People  []store.PersonListItem
	// Form is the add form as posted, Problems what is wrong with it.
	Form     adminEditorForm
	Problems journal.Problems
	Error    string
	// Ready: the publisher has what a service affiliation needs.
	Ready bool
	Today string
}

type adminEditorForm struct {
	PersonID int64
	Role     string
	Journal  string
	Start    string
}

func (s *Server) adminEditorsPage(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant, status int, d adminEditorsData) {
	ctx := r.Context()
	es, err := s.store.ListEditors(ctx, t.ID)
	if err != nil {
		s.adminFail(w, r, a, "list editors", err)
		return
	}
	page, err := s.store.ListPeople(ctx, t.ID, store.PeopleQuery{Limit: 500})
	if err != nil {
		s.adminFail(w, r, a, "list people", err)
		return
	}
	names := map[int64]string{}
	for _, p := range page.People {
		names[p.ID] = strings.TrimSpace(p.GivenNames + " " + p.FamilyNames)
	}
	for _, e := range es {
		row := adminEditorRow{Editor: e, Name: names[e.PersonID]}
		if row.Item, err = s.store.ItemByKey(ctx, t.ID, e.PersonID, orcid.KindService, journal.EditorKey(e.ID)); err != nil &&
			!errors.Is(err, store.ErrNotFound) {
			s.adminFail(w, r, a, "read editor items", err)
			return
		}
		d.Editors = append(d.Editors, row)
	}
	d.Tenant, d.People = t, page.People
	d.Ready = t.Settings.Publisher.Complete() && t.Settings.Publisher.ROR != ""
	d.Today = time.Now().UTC().Format(time.DateOnly)
	if d.Form.Journal == "" {
		d.Form.Journal = t.Name
	}
	s.render(w, r, status, "admin_editors", s.adminPage(r, a, "Editorial board of "+t.Name, d))
}

func (s *Server) adminEditors(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	if s.cfg.Journal == nil {
		s.adminNotFound(w, r, a)
		return
	}
	s.adminEditorsPage(w, r, a, t, http.StatusOK, adminEditorsData{})
}

// adminEditorAdd adds a member to the board: their record gets a service
// affiliation (now, or once they connect).
func (s *Server) adminEditorAdd(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	if s.cfg.Journal == nil || r.ParseForm() != nil {
		s.adminNotFound(w, r, a)
		return
	}
	pid, _ := strconv.ParseInt(r.PostFormValue("person"), 10, 64)
	f := adminEditorForm{PersonID: pid, Role: strings.TrimSpace(r.PostFormValue("role")),
		Journal: strings.TrimSpace(r.PostFormValue("journal")), Start: strings.TrimSpace(r.PostFormValue("start"))}
	e := store.Editor{TenantID: t.ID, PersonID: pid, Role: f.Role, Journal: f.Journal}
	ps := journal.Problems{}
	if start, err := time.Parse(time.DateOnly, f.Start); err == nil {
		e.Start = start
	} else if f.Start != "" {
		ps = append(ps, journal.Problem{Field: "start", Message: "must be a date, e.g. 2026-01-15"})
	}
	if pid != 0 {
		if _, err := s.store.Person(r.Context(), t.ID, pid); err != nil {
			ps = append(ps, journal.Problem{Field: "person_id", Message: "choose one of the tenant's people"})
		}
	}
	ps = append(ps, journal.EditorProblems(&e)...)
	if len(ps) > 0 {
		s.adminEditorsPage(w, r, a, t, http.StatusBadRequest, adminEditorsData{Form: f, Problems: ps,
			Error: "The member was not added: please correct the fields marked below."})
		return
	}
	ctx := withAdminAudit(r, a, t.ID, e.PersonID, "editor.added", map[string]any{"role": e.Role})
	saved, _, err := s.cfg.Journal.SaveEditor(ctx, e)
	switch {
	case err == nil:
		s.adminAuditDone(ctx, map[string]any{"editor": saved.ID, "role": saved.Role})
		s.adminRedirect(w, r, adminTenantPath(t.ID)+"/editors", "Added to the board: their ORCID record gets the service affiliation.")
	case errors.Is(err, journal.ErrNoPublisherROR):
		s.adminEditorsPage(w, r, a, t, http.StatusBadRequest, adminEditorsData{Form: f,
			Error: "Set the publisher (name, city, country and ROR iD) in the tenant's settings first."})
	default:
		s.adminFail(w, r, a, "add the editor", err)
	}
}

// adminEditorEnd records that a member left the board: their affiliation
// gets its end date.
func (s *Server) adminEditorEnd(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	if s.cfg.Journal == nil || r.ParseForm() != nil {
		s.adminNotFound(w, r, a)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.adminNotFound(w, r, a)
		return
	}
	old, err := s.store.Editor(r.Context(), t.ID, id)
	if err != nil {
		s.adminNotFound(w, r, a)
		return
	}
	end, err := time.Parse(time.DateOnly, strings.TrimSpace(r.PostFormValue("end")))
	if err != nil {
		s.adminEditorsPage(w, r, a, t, http.StatusBadRequest, adminEditorsData{Error: "Enter the day they left, e.g. 2026-11-30."})
		return
	}
	ctx := withAdminAudit(r, a, t.ID, old.PersonID, "editor.ended", map[string]any{"editor": id})
	_, _, err = s.cfg.Journal.EndEditor(ctx, t.ID, id, end)
	if err != nil {
		s.adminFail(w, r, a, "end the membership", err)
		return
	}
	s.adminAuditDone(ctx, nil)
	s.adminRedirect(w, r, adminTenantPath(t.ID)+"/editors", "Membership ended: the affiliation on their ORCID record gets the end date.")
}
