package web_test

import (
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
)

// TestInvitationPageFollowsTheTenant: the invitation page says why the
// person is asked, in their language, and lists what the tenant asks for,
// not everything ORCID's permission would allow.
func TestInvitationPageFollowsTheTenant(t *testing.T) {
	tests := []struct {
		name     string
		asks     []store.Ask
		why      store.InvitationReason
		lang     string
		want     []string
		dontWant []string
	}{
		{"everything, no reason", nil, store.InvitationReason{}, "en",
			[]string{"Add your works and peer reviews", "Add your affiliations", `data-scope="/person/update"`, `data-scope="/read-limited"`},
			[]string{`id="invitation-reason"`, `id="coarse-permission"`}},
		{"works only, an article", []store.Ask{store.AskWorks}, store.InvitationReason{Kind: store.ReasonArticle, Detail: "On Asking"}, "en",
			[]string{`id="invitation-reason">Your article “On Asking” has just been published by Journal of Tests.`,
				"Add your works and peer reviews", `id="coarse-permission"`},
			[]string{"Add your affiliations", `data-scope="/person/update"`, `data-scope="/read-limited"`}},
		{"iD only, in French", []store.Ask{}, store.InvitationReason{Kind: store.ReasonReview}, "fr",
			[]string{"Merci pour votre évaluation par les pairs pour Journal of Tests", `data-scope="/authenticate"`},
			[]string{`data-scope="/activities/update"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newResearcherEnv(t)
			e.tenant.Settings.Asks = tc.asks
			if _, err := e.st.UpdateTenant(e.ctx, e.tenant); err != nil {
				t.Fatal(err)
			}
			inv, err := e.svc.InviteWithReason(e.ctx, e.tenant.ID, e.alice.ID, store.ActorAdmin(1), false, tc.why)
			if err != nil {
				t.Fatal(err)
			}
			page := e.browser(t).get(strings.TrimPrefix(inv.Link, e.base) + "?lang=" + tc.lang).body
			for _, want := range tc.want {
				if !strings.Contains(page, want) {
					t.Errorf("invitation page lacks %q", want)
				}
			}
			for _, no := range tc.dontWant {
				if strings.Contains(page, no) {
					t.Errorf("invitation page has %q", no)
				}
			}
		})
	}
}
