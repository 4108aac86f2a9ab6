package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/safecsv"
	"github.com/orcidlink/orcidlink/internal/store"
)

// adminPeopleCSVHeader is the people export's header: what a journal
// manager pastes into a spreadsheet or their own system.
func adminPeopleCSVHeader() []string {
	return []string{"given names", "family names", "email", "reference", "state", "ORCID iD", "scopes", "connected at"}
}

// adminPeopleCSV exports the tenant's people, filtered as the list is
// (state and search), every page of them. Names and references are typed
// by anyone who fills a form or a batch file: cells go through safecsv, so
// that none runs as a spreadsheet formula.
func (s *Server) adminPeopleCSV(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	q := r.URL.Query()
	status := store.PersonStatus(q.Get("status"))
	if status != "" && !slices.Contains(adminStatuses, status) {
		s.adminBadRequest(w, r, a, "There is no such state to filter people by.")
		return
	}
	search := strings.TrimSpace(q.Get("q"))
	ctx := r.Context()
	// The first page is read before anything is written, so that a
	// failing database still gets an error page rather than half a file.
	pg, err := s.store.ListPeople(ctx, t.ID, store.PeopleQuery{Status: status, Search: search, Limit: 500})
	if err != nil {
		s.adminFail(w, r, a, "export people", err)
		return
	}
	name := t.Slug + "-people"
	if status != "" {
		name += "-" + string(status)
	}
	csvDownload(w, name+".csv")
	cw := safecsv.NewWriter(w)
	_ = cw.Write(adminPeopleCSVHeader())
	for {
		for _, p := range pg.People {
			connected := ""
			if !p.ConnectedAt.IsZero() {
				connected = p.ConnectedAt.UTC().Format(time.RFC3339)
			}
			_ = cw.Write([]string{p.GivenNames, p.FamilyNames, p.Email, p.ExternalRef, personStateText(p.Status),
				p.ORCIDURI, strings.Join(p.Scopes, " "), connected})
		}
		if pg.Next == "" {
			break
		}
		if pg, err = s.store.ListPeople(ctx, t.ID, store.PeopleQuery{Status: status, Search: search, Limit: 500,
			Cursor: pg.Next}); err != nil {
			// Headers are gone: the truncated file is all we can send.
			// The log says why.
			s.log.ErrorContext(ctx, "export people: next page", "tenant", t.ID, "err", err)
			break
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.log.WarnContext(ctx, "export people: write", "tenant", t.ID, "err", err)
	}
}

// adminPeopleInvite invites the people ticked in the list, by email. A
// person already connected with every permission is left alone and named
// in the message; the list page is where the administrator came from, so
// that is where they go back.
func (s *Server) adminPeopleInvite(w http.ResponseWriter, r *http.Request, a *store.AdminUser, t store.Tenant) {
	if err := r.ParseForm(); err != nil {
		s.adminBadRequest(w, r, a, "The form could not be read.")
		return
	}
	back := r.PostFormValue("back")
	// Only a path of this tenant's people list goes back: the field is the
	// page's, but a form elsewhere could send anything.
	if !strings.HasPrefix(back, adminTenantPath(t.ID)+"/people") || strings.HasPrefix(back, "//") {
		back = adminTenantPath(t.ID) + "/people"
	}
	ids := r.PostForm["person"]
	if len(ids) == 0 {
		s.adminRedirect(w, r, back, "Tick the people to invite first.")
		return
	}
	if len(ids) > adminPeoplePageSize {
		s.adminBadRequest(w, r, a, "At most one page of people can be invited at once.")
		return
	}
	ctx := r.Context()
	var invited, already []string
	seen := map[int64]bool{}
	for _, raw := range ids {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			s.adminBadRequest(w, r, a, "That is not a person of this list.")
			return
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		// Person reads within the tenant: an id of another tenant's
		// person is not found, so nobody outside it is invited.
		p, err := s.store.Person(ctx, t.ID, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			s.adminFail(w, r, a, "invite the people ticked", err)
			return
		}
		_, err = s.connect.Invite(ctx, t.ID, p.ID, store.ActorAdmin(a.ID), true)
		switch {
		case err == nil:
			invited = append(invited, adminDisplayName(p))
		case errors.Is(err, connect.ErrAlreadyConnected):
			already = append(already, adminDisplayName(p))
		default:
			s.adminFail(w, r, a, "invite "+adminDisplayName(p), err)
			return
		}
	}
	msg := adminPlural(len(invited), "person", "people") + " invited by email"
	if len(invited) > 0 && len(invited) <= 5 {
		msg += " (" + strings.Join(invited, ", ") + ")"
	}
	msg += "."
	if len(already) > 0 {
		msg += " Already connected with every permission, so not invited: " + strings.Join(already, ", ") + "."
	}
	s.adminRedirect(w, r, back, msg)
}
