package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/store"
)

// person is a person as the API shows them.
type person struct {
	ID          int64     `json:"id"`
	GivenNames  string    `json:"given_names"`
	FamilyNames string    `json:"family_names"`
	Email       string    `json:"email"`
	ExternalRef string    `json:"external_ref"`
	Language    string    `json:"language"`
	Status      string    `json:"status"`
	ORCID       string    `json:"orcid"` // the iD as a full URI, "" when none
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func personOf(p store.Person, status store.PersonStatus, orcidURI string) person {
	return person{ID: p.ID, GivenNames: p.GivenNames, FamilyNames: p.FamilyNames, Email: p.Email, ExternalRef: p.ExternalRef,
		Language: p.Language, Status: string(status), ORCID: orcidURI, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

type personList struct {
	Items      []person `json:"items"`
	NextCursor string   `json:"next_cursor"`
}

// personInput is the body of POST /people; PATCH takes the same fields,
// each optional.
type personInput struct {
	GivenNames  *string `json:"given_names"`
	FamilyNames *string `json:"family_names"`
	Email       *string `json:"email"`
	ExternalRef *string `json:"external_ref"`
	Language    *string `json:"language"`
}

// apply copies the given fields into p. The person's rules are the
// store's (store.CheckPerson, the same for the admin UI and batch files):
// the write refuses what breaks them with a store.FieldErrors, which
// problemFor lists field by field.
func (in personInput) apply(p *store.Person) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&p.GivenNames, in.GivenNames)
	set(&p.FamilyNames, in.FamilyNames)
	set(&p.Email, in.Email)
	set(&p.ExternalRef, in.ExternalRef)
	set(&p.Language, in.Language)
}

const personConflict = "Another person of the tenant has this email address or external_ref."

func (s *Server) createPerson(c *call) (reply, error) {
	var in personInput
	if err := decode(c.body, "", &in); err != nil {
		return reply{}, err
	}
	p := store.Person{TenantID: c.tenant}
	in.apply(&p)
	err := s.st.InTx(c.ctx, func(tx *store.Tx) error {
		var err error
		if p, err = tx.CreatePerson(c.ctx, p); err != nil {
			return err
		}
		return s.auditIn(c, tx, p.ID, "person.created", nil)
	})
	if err != nil {
		return reply{}, conflictDetail(err, personConflict)
	}
	return created("/people/"+strconv.FormatInt(p.ID, 10), personOf(p, store.StatusNone, ""))
}

// pathPerson reads the person {id} of the key's tenant.
func (s *Server) pathPerson(c *call) (store.Person, error) {
	id, err := strconv.ParseInt(c.r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return store.Person{}, withDetail(store.ErrNotFound, "There is no such person.")
	}
	p, err := s.st.Person(c.ctx, c.tenant, id)
	return p, withDetail(err, "There is no such person.")
}

// personReply is p as the API shows them, with their status and iD as the
// people list derives them (store.PersonWithStatus).
func (s *Server) personReply(c *call, p store.Person) (person, error) {
	it, err := s.st.PersonWithStatus(c.ctx, c.tenant, p.ID)
	return personOf(p, it.Status, it.ORCIDURI), err
}

func (s *Server) getPerson(c *call) (reply, error) {
	p, err := s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	out, err := s.personReply(c, p)
	if err != nil {
		return reply{}, err
	}
	return ok(out)
}

func (s *Server) patchPerson(c *call) (reply, error) {
	p, err := s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	var in personInput
	if err := decode(c.body, "", &in); err != nil {
		return reply{}, err
	}
	in.apply(&p)
	err = s.st.InTx(c.ctx, func(tx *store.Tx) error {
		var err error
		if p, err = tx.UpdatePerson(c.ctx, p); err != nil {
			return err
		}
		return s.auditIn(c, tx, p.ID, "person.updated", nil)
	})
	if err != nil {
		return reply{}, conflictDetail(err, personConflict)
	}
	out, err := s.personReply(c, p)
	if err != nil {
		return reply{}, err
	}
	return ok(out)
}

// deletePerson lets the person go at ORCID first (as the admin UI does),
// then deletes them with their items, links and invitations.
func (s *Server) deletePerson(c *call) (reply, error) {
	p, err := s.pathPerson(c)
	if err != nil {
		return reply{}, err
	}
	err = s.cfg.Connect.Disconnect(c.ctx, c.tenant, p.ID, c.actor())
	if err != nil && !errors.Is(err, connect.ErrNotConnected) && !errors.Is(err, connect.ErrRevokeIncomplete) {
		return reply{}, err
	}
	if err := s.st.InTx(c.ctx, func(tx *store.Tx) error {
		if err := tx.DeletePerson(c.ctx, c.tenant, p.ID); err != nil {
			return err
		}
		return s.auditIn(c, tx, 0, "person.deleted", map[string]any{"person": p.ID})
	}); err != nil {
		return reply{}, err
	}
	return reply{status: http.StatusNoContent}, nil
}

func (s *Server) listPeople(c *call) (reply, error) {
	q := c.r.URL.Query()
	var errs fieldErrors
	pq := store.PeopleQuery{Status: store.PersonStatus(q.Get("status")), Search: q.Get("q"), Cursor: q.Get("cursor")}
	switch pq.Status {
	case "", store.StatusNone, store.StatusInvited, store.StatusDenied, store.StatusConnected, store.StatusRevoked, store.StatusRemoved:
	default:
		errs.param("status", "must be one of none, invited, denied, connected, revoked, removed")
	}
	pq.Limit = intParam(q.Get("limit"), "limit", 500, &errs)
	if err := errs.err(); err != nil {
		return reply{}, err
	}
	// email and external_ref name at most one person.
	if email, ref := q.Get("email"), q.Get("external_ref"); email != "" || ref != "" {
		return s.findPerson(c, email, ref, pq.Status)
	}
	page, err := s.st.ListPeople(c.ctx, c.tenant, pq)
	if errors.Is(err, store.ErrInvalid) {
		return reply{}, invalid("The cursor is not one this API gave.", FieldError{Parameter: "cursor", Detail: "is not a cursor of this list"})
	}
	if err != nil {
		return reply{}, err
	}
	out := personList{Items: []person{}, NextCursor: page.Next}
	for _, it := range page.People {
		out.Items = append(out.Items, personOf(it.Person, it.Status, it.ORCIDURI))
	}
	return ok(out)
}

func (s *Server) findPerson(c *call, email, ref string, status store.PersonStatus) (reply, error) {
	out := personList{Items: []person{}}
	var p store.Person
	var err error
	if email != "" {
		p, err = s.st.PersonByEmail(c.ctx, c.tenant, email)
	} else {
		p, err = s.st.PersonByExternalRef(c.ctx, c.tenant, ref)
	}
	if errors.Is(err, store.ErrNotFound) {
		return ok(out)
	}
	if err != nil {
		return reply{}, err
	}
	if ref != "" && p.ExternalRef != strings.TrimSpace(ref) {
		return ok(out)
	}
	pr, err := s.personReply(c, p)
	if err != nil {
		return reply{}, err
	}
	if status == "" || pr.Status == string(status) {
		out.Items = append(out.Items, pr)
	}
	return ok(out)
}

// intParam reads a positive integer query parameter ("" is 0), at most max.
func intParam(v, name string, max int, errs *fieldErrors) int {
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		errs.param(name, "must be a whole number from 1 to "+strconv.Itoa(max))
		return 0
	}
	return n
}

// auditIn records what a key did in tx, the transaction that does it: the
// change and its record are kept or lost together, even when the client
// goes away mid-request.
func (s *Server) auditIn(c *call, tx *store.Tx, personID int64, action string, detail map[string]any) error {
	var raw []byte
	if detail != nil {
		raw, _ = json.Marshal(detail)
	}
	_, err := tx.AppendAudit(c.ctx, store.AuditEvent{TenantID: c.tenant, PersonID: personID, Actor: c.actor(),
		Action: action, Detail: raw})
	return err
}

// auditing attaches what a key does through a service that runs its own
// transactions (the journal workflow, the queue, batch files, webhooks) to
// a context derived from c's: given it, the store writes the event in the
// first transaction of the change that commits (store.WithAudit), so that
// the change and its record are kept or lost together, as with auditIn.
// Once the service has succeeded, call auditDone with that context.
func auditing(c *call, personID int64, action string, detail map[string]any) context.Context {
	var raw []byte
	if detail != nil {
		raw, _ = json.Marshal(detail)
	}
	return store.WithAudit(c.ctx, store.AuditEvent{TenantID: c.tenant, PersonID: personID, Actor: c.actor(),
		Action: action, Detail: raw})
}

// auditDone adds to the event auditing attached what only the change's
// result tells (detail, nil for nothing: a new id, a count), and writes
// the event if no transaction carried it. The change has happened, its
// event with it, so a failure here is logged.
func (s *Server) auditDone(ctx context.Context, detail map[string]any) {
	var raw []byte
	if detail != nil {
		raw, _ = json.Marshal(detail)
	}
	if _, err := s.st.FlushAudit(ctx, raw); err != nil {
		s.log.ErrorContext(ctx, "api: audit", "err", err)
	}
}
