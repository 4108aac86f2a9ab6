package store_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// testTenantRules: the store's CheckTenant is the one home of a tenant's
// rules. Every write refuses each probe (the values the REST API's and the
// admin UI's tests send through their doors) with a FieldError at its
// field, in the words those doors show, and leaves the tenant as it was;
// what it accepts it stores normalised.
func testTenantRules(t *testing.T, e *env) {
	c := e.credential(t, "APP-TENANT-RULES")
	tn := e.tenant(t, "tenant-rules", c.ID)
	for _, p := range storetest.TenantProbes() {
		t.Run(p.Name, func(t *testing.T) {
			want := p.Want(t, tn)
			u := tn
			p.Apply(&u)
			_, err := e.s.UpdateTenant(e.ctx, u)
			fes, ok := store.AsFieldErrors(err)
			if !ok {
				t.Fatalf("update: %v, want field errors", err)
			}
			i := slices.IndexFunc(fes, func(fe *store.FieldError) bool { return fe.Field == p.Field })
			if i < 0 || fes[i].Message() != want {
				t.Errorf("problems %v, want %s %q", err, p.Field, want)
			}
			if got, err := e.s.Tenant(e.ctx, tn.ID); err != nil || !reflect.DeepEqual(got, tn) {
				t.Errorf("after a refused update: %+v (%v), want %+v", got, err, tn)
			}
		})
	}
	u := tn
	u.Name, u.SupportURL, u.Branding.PrimaryColor = "  Renamed  ", " https://tenant-rules.example/help ", "#A6CE39"
	u.Languages, u.DefaultLanguage = []string{"zh-TW", "EN"}, ""
	u.Settings.InvitationTTL = 30 * 24 * time.Hour
	u.Settings.Publisher = store.Publisher{Name: " Press ", City: "London", Country: "gb", ROR: "05gq02987"}
	u.Settings.ReminderDays = []int{21, 7, 21}
	u.Settings.Asks = []store.Ask{store.AskPerson, store.AskWorks}
	got, err := e.s.UpdateTenant(e.ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Renamed" || got.SupportURL != "https://tenant-rules.example/help" ||
		!slices.Equal(got.Languages, []string{"en", "zh_TW"}) || got.DefaultLanguage != "zh_TW" ||
		got.Settings.Publisher != (store.Publisher{Name: "Press", City: "London", Country: "GB", ROR: "https://ror.org/05gq02987"}) ||
		!slices.Equal(got.Settings.ReminderDays, []int{7, 21}) ||
		!slices.Equal(got.Settings.Asks, []store.Ask{store.AskWorks, store.AskPerson}) {
		t.Errorf("stored %+v", got)
	}
}
