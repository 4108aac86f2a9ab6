package orcid

import (
	"errors"
	"strings"
	"testing"
)

// TestValidateSchemaRules: Validate applies the rules generated from
// ORCID's XSDs, the ones the offline registry answers 9047/9012 with, so an
// item ORCID would refuse for its schema is refused before it is queued,
// named by its JSON field.
func TestValidateSchemaRules(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	work := func(edit func(w *Work)) *Work {
		w := &Work{Title: NewTitle("T"), Type: "book",
			ExternalIDs: NewExternalIDs(ExternalID{Type: "doi", Value: "10.1000/1", Relationship: RelationshipSelf})}
		edit(w)
		return w
	}
	for _, tc := range []struct {
		name  string
		item  Item
		field string
		msg   string // substring; "" when the item is valid
	}{
		{"longest title", work(func(w *Work) { w.Title = NewTitle(long(1000)) }), "", ""},
		{"over-long title", work(func(w *Work) { w.Title = NewTitle(long(1001)) }), "title.title", "is 1001 characters long; ORCID allows at most 1000"},
		{"over-long short description", work(func(w *Work) { w.ShortDescription = long(5001) }), "short-description", "at most 5000"},
		{"blank journal title", work(func(w *Work) { w.JournalTitle = NewText(" ") }), "journal-title", "must not be blank"},
		{"translated title without language", work(func(w *Work) { w.Title.TranslatedTitle = &TranslatedTitle{Value: "Titre"} }),
			"title.translated-title.language-code", "is required"},
		{"contributor email", work(func(w *Work) {
			w.Contributors = &Contributors{Contributor: []Contributor{{CreditName: NewText("A"), ContributorEmail: NewText("nobody")}}}
		}), "contributors.contributor[0].contributor-email", "pattern"},
		{"over-long keyword", &Keyword{Content: long(256)}, "content", "at most 255"},
		{"over-long department", func() Item {
			a := NewAffiliation(KindEmployment)
			a.DepartmentName = long(4001)
			a.Organization = &Organization{Name: "O", Address: &OrganizationAddress{City: "C", Country: "NZ"},
				DisambiguatedOrganization: &DisambiguatedOrganization{Identifier: "https://ror.org/04bj28v14", Source: "ROR"}}
			return a
		}(), "department-name", "at most 4000"},
		{"empty research resource", &ResearchResource{}, "proposal", "is required"},
		{"peer-review group id", &PeerReview{ReviewerRole: "reviewer", ReviewType: "review", ReviewGroupID: "doi:10.1/x",
			ReviewIdentifiers:     NewExternalIDs(ExternalID{Type: "source-work-id", Value: "r1", Relationship: RelationshipSelf}),
			ReviewCompletionDate:  NewFuzzyDate(2026, 1, 2),
			ConveningOrganization: &Organization{Name: "O", Address: &OrganizationAddress{City: "C", Country: "NZ"}}},
			"review-group-id", "pattern"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.item)
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a ValidationError", err)
			}
			for _, p := range ve.Problems {
				if p.Field == tc.field && strings.Contains(p.Message, tc.msg) {
					return
				}
			}
			t.Errorf("no problem %s %q in %+v", tc.field, tc.msg, ve.Problems)
		})
	}
}

// TestValidateReportsOnce: a field the hand-written checks report is not
// reported again by the schema's rules.
func TestValidateReportsOnce(t *testing.T) {
	err := Validate(&Work{Type: "book", Title: NewTitle(" "),
		ExternalIDs: NewExternalIDs(ExternalID{Type: "doi", Value: "10.1000/1", Relationship: RelationshipSelf})})
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Field != "title.title" || ve.Problems[0].Message != "is required" {
		t.Fatalf("got %v", err)
	}
}
