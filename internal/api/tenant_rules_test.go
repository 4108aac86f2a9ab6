package api_test

import (
	"reflect"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestTenantRulesAPI: PATCH /tenant refuses each of the store's tenant
// probes with 422, at the field's JSON pointer, in the store's words (the
// admin form's test shows the same words beside its field), and changes
// nothing.
func TestTenantRulesAPI(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{})
	c := e.client(t, e.keyA)
	before := c.want(200, "GET", "/tenant", nil)
	for _, p := range storetest.TenantProbes() {
		if p.API == nil {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			base, err := e.st.Tenant(e.ctx, e.a.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := p.Want(t, base)
			bad := c.want(422, "PATCH", "/tenant", p.API)
			if got := problemDetail(bad, "/"+p.Field); got != want {
				t.Errorf("problem at /%s: %q, want %q\n%v", p.Field, got, want, bad)
			}
		})
	}
	if after := c.want(200, "GET", "/tenant", nil); !reflect.DeepEqual(before, after) {
		t.Errorf("refused PATCHes changed the tenant:\n%v\n%v", before, after)
	}
}

// problemDetail is the detail of a problem's error at pointer, or "".
func problemDetail(problem map[string]any, pointer string) string {
	errs, _ := problem["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok && m["pointer"] == pointer {
			d, _ := m["detail"].(string)
			return d
		}
	}
	return ""
}
