package journal

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// EditorKey is the item key of an editor's service affiliation.
func EditorKey(editorID int64) string { return "editor:" + strconv.FormatInt(editorID, 10) }

// ServiceAffiliation is the service affiliation of a member of the editorial board:
// their role on the journal (the department) at the tenant's publisher,
// from their start, ended when they leave. ORCID (2025 rules for
// professional activities) needs the organisation's name and a
// disambiguated identifier, hence the publisher's ROR iD.
func ServiceAffiliation(e store.Editor, publisher orcid.Organization) *orcid.Affiliation {
	a := orcid.NewAffiliation(orcid.KindService)
	a.RoleTitle, a.DepartmentName = e.Role, e.Journal
	a.StartDate = orcid.NewFuzzyDate(e.Start.Year(), int(e.Start.Month()), e.Start.Day())
	if !e.End.IsZero() {
		a.EndDate = orcid.NewFuzzyDate(e.End.Year(), int(e.End.Month()), e.End.Day())
	}
	org := publisher
	if publisher.Address != nil {
		addr := *publisher.Address
		org.Address = &addr
	}
	if publisher.DisambiguatedOrganization != nil {
		d := *publisher.DisambiguatedOrganization
		org.DisambiguatedOrganization = &d
	}
	a.Organization = &org
	return a
}

// EditorProblems are what is wrong with an editor as entered, by field
// (person_id, role, journal, start, end), found at once.
func EditorProblems(e *store.Editor) Problems {
	var ps Problems
	add := func(field, msg string) { ps = append(ps, Problem{field, msg}) }
	e.Role, e.Journal = strings.TrimSpace(e.Role), strings.TrimSpace(e.Journal)
	if e.PersonID == 0 {
		add("person_id", "is required")
	}
	switch n := len([]rune(e.Role)); {
	case n == 0:
		add("role", "is required, e.g. Associate Editor")
	case n > maxTitle:
		add("role", "is longer than ORCID's 1,000 characters")
	}
	switch n := len([]rune(e.Journal)); {
	case n == 0:
		add("journal", "is required")
	case n > maxTitle:
		add("journal", "is longer than ORCID's 1,000 characters")
	}
	switch {
	case e.Start.IsZero():
		add("start", "is required")
	case e.Start.Year() < 1900 || e.Start.Year() > 2100:
		add("start", "year must be between 1900 and 2100, as ORCID requires")
	}
	if !e.End.IsZero() && !e.Start.IsZero() && e.End.Before(e.Start) {
		add("end", "is before the start")
	}
	return ps
}

// ErrNoPublisherROR means the editorial board needs the tenant's publisher with
// a ROR iD (ORCID refuses a service affiliation without a disambiguated
// organisation or an identifier of its own).
var ErrNoPublisherROR = errors.New("the tenant's publisher needs a name, city, country and ROR iD for editorial board affiliations")

// SaveEditor adds a member to the editorial board or changes one, and puts
// their service affiliation on their ORCID record (now, or once they
// connect): a changed role or an end date reaches the record by put-code.
func (s *Service) SaveEditor(ctx context.Context, e store.Editor) (store.Editor, store.Item, error) {
	if ps := EditorProblems(&e); ps != nil {
		return store.Editor{}, store.Item{}, fmt.Errorf("journal: save editor: %w", ps)
	}
	t, err := s.cfg.Store.Tenant(ctx, e.TenantID)
	if err != nil {
		return store.Editor{}, store.Item{}, fmt.Errorf("journal: save editor: %w", err)
	}
	p := t.Settings.Publisher
	if !p.Complete() || p.ROR == "" {
		return store.Editor{}, store.Item{}, fmt.Errorf("journal: save editor: %w: %w", store.ErrInvalid, ErrNoPublisherROR)
	}
	if e.ID != 0 {
		old, err := s.cfg.Store.Editor(ctx, e.TenantID, e.ID)
		if err != nil {
			return store.Editor{}, store.Item{}, fmt.Errorf("journal: save editor: %w", err)
		}
		if old.PersonID != e.PersonID {
			// The affiliation is the person's: another person is another
			// member of the board.
			return store.Editor{}, store.Item{}, fmt.Errorf("journal: save editor: %w",
				store.Refusal(store.ErrInvalid, "an editor's person cannot change; end their membership and add the other person"))
		}
	}
	saved, err := s.cfg.Store.SaveEditor(ctx, e)
	if err != nil {
		return store.Editor{}, store.Item{}, fmt.Errorf("journal: save editor: %w", err)
	}
	it, err := s.cfg.Queue.Put(ctx, jobs.PutItem{TenantID: saved.TenantID, PersonID: saved.PersonID,
		Key: EditorKey(saved.ID), Item: ServiceAffiliation(saved, p.Organization())})
	if err != nil {
		return saved, store.Item{}, fmt.Errorf("journal: editor %d: %w", saved.ID, err)
	}
	return saved, it, nil
}

// EndEditor records that a member left the board on day (today when
// zero): their service affiliation gets its end date.
func (s *Service) EndEditor(ctx context.Context, tenantID, editorID int64, day time.Time) (store.Editor, store.Item, error) {
	e, err := s.cfg.Store.Editor(ctx, tenantID, editorID)
	if err != nil {
		return store.Editor{}, store.Item{}, fmt.Errorf("journal: end editor: %w", err)
	}
	if day.IsZero() {
		day = s.now().UTC()
	}
	e.End = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	if e.End.Before(e.Start) {
		e.End = e.Start // left on the day they started
	}
	return s.SaveEditor(ctx, e)
}
