package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// editor is a member of the editorial board as the API shows it, with the
// state of their service affiliation on ORCID.
type editor struct {
	ID        int64     `json:"id"`
	PersonID  int64     `json:"person_id"`
	Role      string    `json:"role"`
	Journal   string    `json:"journal"`
	StartOn   string    `json:"start_on"`
	EndOn     *string   `json:"end_on"`
	Service   *workCopy `json:"service"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type editorList struct {
	Items []editor `json:"items"`
}

// editorInput is the body of POST /editors and PATCH /editors/{id}; on
// PATCH only the fields present change, and person_id cannot.
type editorInput struct {
	PersonID *int64  `json:"person_id"`
	Role     *string `json:"role"`
	Journal  *string `json:"journal"`
	StartOn  *string `json:"start_on"`
	EndOn    *string `json:"end_on"` // "" puts them back on the board
}

func (s *Server) editorOf(c *call, e store.Editor) (editor, error) {
	out := editor{ID: e.ID, PersonID: e.PersonID, Role: e.Role, Journal: e.Journal, StartOn: e.Start.Format(time.DateOnly),
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	if !e.End.IsZero() {
		end := e.End.Format(time.DateOnly)
		out.EndOn = &end
	}
	it, err := s.st.ItemByKey(c.ctx, c.tenant, e.PersonID, orcid.KindService, journal.EditorKey(e.ID))
	switch {
	case err == nil:
		out.Service = &workCopy{State: string(it.State)}
		if it.PutCode != 0 {
			pc := it.PutCode
			out.Service.PutCode = &pc
		}
	case !errors.Is(err, store.ErrNotFound):
		return editor{}, err
	}
	return out, nil
}

// applyEditor reads the input into e, every problem at once.
func applyEditor(in editorInput, e *store.Editor, create bool) error {
	var errs fieldErrors
	if in.PersonID != nil {
		if !create && *in.PersonID != e.PersonID {
			errs.body("/person_id", "cannot change; end this membership and add the other person")
		}
		e.PersonID = *in.PersonID
	}
	if in.Role != nil {
		e.Role = *in.Role
	}
	if in.Journal != nil {
		e.Journal = *in.Journal
	}
	day := func(ptr, v string) time.Time {
		if v == "" {
			return time.Time{}
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			errs.body(ptr, "must be a date, YYYY-MM-DD")
		}
		return d
	}
	if in.StartOn != nil {
		e.Start = day("/start_on", *in.StartOn)
	}
	if in.EndOn != nil {
		e.End = day("/end_on", *in.EndOn)
	}
	bad := map[string]bool{}
	for _, fe := range errs {
		bad[fe.Pointer] = true
	}
	for _, p := range journal.EditorProblems(e) {
		ptr := "/" + p.Field
		switch p.Field {
		case "start":
			ptr = "/start_on"
		case "end":
			ptr = "/end_on"
		}
		if !bad[ptr] { // a date that did not parse is reported once
			errs.body(ptr, p.Message)
		}
	}
	return errs.err()
}

func (s *Server) pathEditor(c *call) (store.Editor, error) {
	id, err := strconv.ParseInt(c.r.PathValue("editor_id"), 10, 64)
	if err != nil || id <= 0 {
		return store.Editor{}, withDetail(store.ErrNotFound, "There is no such editor.")
	}
	e, err := s.st.Editor(c.ctx, c.tenant, id)
	return e, withDetail(err, "There is no such editor.")
}

func (s *Server) saveEditor(c *call, e store.Editor) (editor, error) {
	j, err := s.journal()
	if err != nil {
		return editor{}, err
	}
	if e.PersonID != 0 {
		if _, err := s.st.Person(c.ctx, c.tenant, e.PersonID); errors.Is(err, store.ErrNotFound) {
			return editor{}, invalid("The request has invalid fields; each is listed in errors.",
				FieldError{Pointer: "/person_id", Detail: "is not a person of the tenant"})
		} else if err != nil {
			return editor{}, err
		}
	}
	// The person cannot change (SaveEditor refuses it), so the event's is
	// known before the change.
	ctx := auditing(c, e.PersonID, "editor.saved", nil)
	saved, _, err := j.SaveEditor(ctx, e)
	if err != nil {
		return editor{}, withDetail(err, "The tenant's organisation needs a name, city, country and ROR iD (PATCH /tenant) before editors get service affiliations.")
	}
	s.auditDone(ctx, map[string]any{"editor": saved.ID})
	return s.editorOf(c, saved)
}

func (s *Server) createEditor(c *call) (reply, error) {
	var in editorInput
	if err := decode(c.body, "", &in); err != nil {
		return reply{}, err
	}
	e := store.Editor{TenantID: c.tenant}
	if in.PersonID == nil {
		return reply{}, invalid("The request has invalid fields; each is listed in errors.",
			FieldError{Pointer: "/person_id", Detail: "is required"})
	}
	if err := applyEditor(in, &e, true); err != nil {
		return reply{}, err
	}
	out, err := s.saveEditor(c, e)
	if err != nil {
		return reply{}, err
	}
	return created("/editors/"+itoa(out.ID), out)
}

func (s *Server) listEditors(c *call) (reply, error) {
	es, err := s.st.ListEditors(c.ctx, c.tenant)
	if err != nil {
		return reply{}, err
	}
	out := editorList{Items: []editor{}}
	for _, e := range es {
		v, err := s.editorOf(c, e)
		if err != nil {
			return reply{}, err
		}
		out.Items = append(out.Items, v)
	}
	return ok(out)
}

func (s *Server) getEditor(c *call) (reply, error) {
	e, err := s.pathEditor(c)
	if err != nil {
		return reply{}, err
	}
	out, err := s.editorOf(c, e)
	if err != nil {
		return reply{}, err
	}
	return ok(out)
}

func (s *Server) patchEditor(c *call) (reply, error) {
	e, err := s.pathEditor(c)
	if err != nil {
		return reply{}, err
	}
	var in editorInput
	if err := decode(c.body, "", &in); err != nil {
		return reply{}, err
	}
	if err := applyEditor(in, &e, false); err != nil {
		return reply{}, err
	}
	out, err := s.saveEditor(c, e)
	if err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusOK, body: out}, nil
}
