package web

import (
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
)

// TestAdminTenantInvalidPlacesEachProblem: a store problem the tenant form
// has a field for shows there (an item of a list at the list, the
// organisation's at the publisher's), and one it has none for at the top,
// named.
func TestAdminTenantInvalidPlacesEachProblem(t *testing.T) {
	errs := adminFieldErrors{}
	adminTenantInvalid(errs, store.FieldErrors{
		{Field: "asks/1", Problem: "must be one of [works]"},
		{Field: "organization/ror", Problem: "must be a ROR iD"},
		{Field: "logo_url", Problem: "must be a full web address"},
	})
	for field, want := range map[string]string{"asks": "Asks/1 must be one of [works].",
		"publisher_ror": "Organization/ror must be a ROR iD.", adminFormTop: "Logo url must be a full web address."} {
		if errs[field] != want {
			t.Errorf("%s: %q, want %q", field, errs[field], want)
		}
	}
	if len(errs) != 3 {
		t.Errorf("problems %v", errs)
	}
	errs = adminFieldErrors{}
	adminTenantInvalid(errs, store.ErrInvalid)
	if !strings.Contains(errs[adminFormTop], "refused") {
		t.Errorf("a refusal without fields: %v", errs)
	}
}
