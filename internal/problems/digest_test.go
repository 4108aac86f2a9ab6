package problems

import (
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// A person who connected another iD than the one on file needs the
// administrator: the digest says so, with a link to the person; without
// one, a tenant with nothing else needs no digest.
func TestDigestHintMismatch(t *testing.T) {
	a := store.AdminUser{Email: "admin@example.org", Name: "Ada"}
	tn := store.Tenant{ID: 7, Name: "Journal of Tests"}
	mismatch := HintMismatch{Person: store.Person{ID: 42, TenantID: 7, GivenNames: "Rui", FamilyNames: "Costa"},
		Hint: store.ORCIDHint{PersonID: 42, TenantID: 7, ORCID: "0000-0002-1825-0097", Source: "old CRIS",
			MismatchORCID: "0000-0001-5109-3700", MismatchAt: time.Now()}}
	for _, tc := range []struct {
		name string
		sum  Summary
		want []string // nil: no digest
	}{
		{"nothing", Summary{Tenant: tn}, nil},
		{"mismatch", Summary{Tenant: tn, HintMismatches: []HintMismatch{mismatch}}, []string{"Rui Costa connected the iD 0000-0001-5109-3700",
			"(0000-0002-1825-0097)", "https://ol.example/admin/tenants/7/people/42"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, ok := digestEmail("https://ol.example", a, []Summary{tc.sum})
			if ok != (tc.want != nil) {
				t.Fatalf("digest sent: %v, want %v", ok, tc.want != nil)
			}
			for _, w := range tc.want {
				if !strings.Contains(e.TextBody, w) {
					t.Errorf("digest lacks %q:\n%s", w, e.TextBody)
				}
			}
		})
	}
}
