package jobs_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestReinviteOnRevocation: when ORCID refuses a person's token, the
// worker marks the link revoked and parks their items; the person is
// emailed a fresh invitation only if the tenant asks for it, once however
// many items met the dead token, and not when an invitation of theirs is
// still waiting for an answer.
func TestReinviteOnRevocation(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{viaConnect: true})
		// revokeAndPush kills r's token at the registry, pushes three works
		// for r (each job meets the 401) and waits until they are parked.
		// That is after any re-invitation: the job whose call revoked the
		// link (its item in flight) parks its item only once MarkRevoked,
		// re-invitation included, has returned.
		revokeAndPush := func(r jobstest.Researcher) {
			t.Helper()
			resp, err := http.Post(f.env.BaseURL+"/_sandbox/tokens/invalidate", "application/json",
				strings.NewReader(`{"token":"`+r.Link.AccessToken+`"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("invalidate: %d", resp.StatusCode)
			}
			f.r = r
			var keys []string
			for i := range 3 {
				k := fmt.Sprintf("p%d-w%d", r.Person.ID, i)
				keys = append(keys, k)
				f.put(t, k, jobstest.Work(k, "Refused "+k))
			}
			f.wait(t, "the works parked", allIn(store.ItemPending, keys...))
			link, err := f.env.Store.Link(f.ctx, f.env.Tenant.ID, r.Person.ID)
			if err != nil || link.State != store.LinkRevoked {
				t.Fatalf("link after the 401: %s, %v", link.State, err)
			}
		}
		emailsTo := func(addr string) int {
			t.Helper()
			list, err := f.env.Store.ListTenantEmails(f.ctx, f.env.Tenant.ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range list {
				if e.Recipient == addr {
					n++
				}
			}
			return n
		}
		setReinvite := func(on bool) {
			t.Helper()
			tn, err := f.env.Store.Tenant(f.ctx, f.env.Tenant.ID)
			if err != nil {
				t.Fatal(err)
			}
			tn.Settings.ReinviteOnRevocation = on
			if _, err := f.env.Store.UpdateTenant(f.ctx, tn); err != nil {
				t.Fatal(err)
			}
		}

		// The tenant does not ask: the admin is left to invite.
		revokeAndPush(f.r)
		if n := emailsTo(f.r.Email); n != 0 {
			t.Fatalf("%d emails without ReinviteOnRevocation", n)
		}

		// It asks: one invitation, by email, for three refused items.
		setReinvite(true)
		r2, err := f.env.Connect(f.ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		revokeAndPush(r2)
		if n := emailsTo(r2.Email); n != 1 {
			t.Fatalf("%d emails to the revoked person, want 1", n)
		}
		invs, err := f.env.Store.ListInvitations(f.ctx, f.env.Tenant.ID, r2.Person.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(invs) != 1 || invs[0].State != store.InvitationPending || invs[0].CreatedBy != store.ActorSystem {
			t.Fatalf("invitations: %+v", invs)
		}
		events, err := f.env.Store.ListAudit(f.ctx, f.env.Tenant.ID, r2.Person.ID, 50)
		if err != nil {
			t.Fatal(err)
		}
		revokedEvents := 0
		for _, e := range events {
			if e.Action == "link.revoked" {
				revokedEvents++
			}
		}
		if revokedEvents != 1 {
			t.Fatalf("%d link.revoked audit events, want 1", revokedEvents)
		}

		// An invitation still waiting for an answer is not doubled.
		r3, err := f.env.Connect(f.ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.env.Store.CreateInvitation(f.ctx, store.NewInvitation{TenantID: f.env.Tenant.ID,
			PersonID: r3.Person.ID, Scopes: jobstest.Scopes, ExpiresAt: time.Now().Add(24 * time.Hour),
			CreatedBy: "admin:1"}); err != nil {
			t.Fatal(err)
		}
		revokeAndPush(r3)
		if n := emailsTo(r3.Email); n != 0 {
			t.Fatalf("%d emails although an invitation was waiting", n)
		}
	})
}
