package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/problems"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/store"
)

// TestHonestPageWhileCredentialBroken: once ORCID resets the client's
// secret, a researcher who authorizes at ORCID is told, in their language,
// that the connection is being repaired and that they will be emailed (not
// to try again); so is one who starts while the credential is flagged,
// before going to ORCID. Both are remembered, and once the credential works
// again each gets a new invitation by email, once.
func TestHonestPageWhileCredentialBroken(t *testing.T) {
	e := newResearcherEnv(t)
	ctx := context.Background()
	watch, err := problems.New(problems.Config{Store: e.st, PublicURL: e.base,
		Reinvite: func(ctx context.Context, tenantID, personID int64) error {
			_, err := e.svc.Invite(ctx, tenantID, personID, store.ActorSystem, true)
			return err
		}})
	if err != nil {
		t.Fatal(err)
	}
	reset := func(secret string) {
		t.Helper()
		if _, err := e.reg.Registry.CreateClient(ctx, sandbox.NewClient{ID: e.cred.ClientID, Secret: secret, Name: "Journal of Tests",
			RedirectURIs: []string{e.svc.RedirectURI()}, Type: "member"}, true); err != nil {
			t.Fatal(err)
		}
	}
	reset("reset-by-orcid")

	for _, tc := range []struct {
		name     string
		person   store.Person
		lang     string
		viaORCID bool // authorizes at ORCID first (the exchange is refused)
		want     []string
	}{
		{"exchange refused", e.alice, "", true, []string{"Journal of Tests&#39;s connection to ORCID is being repaired",
			"we will email you as soon as it works again"}},
		{"flagged before ORCID", e.bob, "fr", false, []string{"La connexion de Journal of Tests à ORCID est en cours de réparation",
			"nous vous écrirons"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.viaORCID {
				chk, err := watch.Check(ctx, e.cred)
				if err != nil || chk.Health != store.CredentialBroken || !strings.Contains(chk.Problem, "Bad client credentials") {
					t.Fatalf("check after the reset: %+v %v", chk, err)
				}
			}
			b := e.browser(t)
			b.lang = tc.lang
			inv := e.invite(t, tc.person)
			var r response
			if tc.viaORCID {
				r = b.get(b.authorizeAtORCID(b.startConnect(inv)))
			} else {
				r = b.post(inv+"/connect", nil)
			}
			if r.status != http.StatusServiceUnavailable {
				t.Fatalf("status %d, want 503:\n%s", r.status, r.body)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("the page lacks %q:\n%s", w, r.body)
				}
			}
			if strings.Contains(r.body, "try again") || strings.Contains(r.body, "réessayer") {
				t.Errorf("the page asks to try again:\n%s", r.body)
			}
		})
	}
	if n, err := e.st.CountCredentialWaiters(ctx, e.cred.ID); err != nil || n != 2 {
		t.Fatalf("researchers waiting: %d %v, want 2", n, err)
	}

	// Repaired: each waiting researcher gets one new invitation.
	before := emailsTo(t, e.st, e.tenant.ID)
	reset(e.cred.ClientSecret)
	chk, err := watch.Check(ctx, e.cred)
	if err != nil || !chk.Repaired {
		t.Fatalf("check after the repair: %+v %v", chk, err)
	}
	after := emailsTo(t, e.st, e.tenant.ID)
	for _, who := range []string{e.alice.Email, e.bob.Email} {
		if after[who] != before[who]+1 {
			t.Errorf("%s got %d new emails, want 1", who, after[who]-before[who])
		}
	}
	if _, err := watch.Check(ctx, e.cred); err != nil {
		t.Fatal(err)
	}
	if again := emailsTo(t, e.st, e.tenant.ID); again[e.alice.Email] != after[e.alice.Email] {
		t.Error("a researcher was invited again twice")
	}
}

// emailsTo counts a tenant's emails by recipient.
func emailsTo(t *testing.T, st *store.Store, tenantID int64) map[string]int {
	t.Helper()
	es, err := st.ListTenantEmails(context.Background(), tenantID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, m := range es {
		out[m.Recipient]++
	}
	return out
}
