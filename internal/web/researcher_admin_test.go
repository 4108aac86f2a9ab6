package web_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// TestAdminSeesResearcherHolds: the admin UI shows an item the researcher
// holds back as held by them, with the reason in words, and an
// administrator's retry cannot send it.
func TestAdminSeesResearcherHolds(t *testing.T) {
	q := &requeueRecorder{}
	env := newAdminEnv(t, adminEnvOptions{items: q})
	q.st = env.st
	cred := env.addCredential(t, "Journals", "APP-0000000000000001", "journals-secret")
	tn := env.addTenant(t, "journal", cred.ID)
	p := env.addPerson(t, tn.ID, "Ada", "Lovelace", "ada@example.org")
	env.addAdmin(t, "manager@example.org", store.RoleTenantManager, tn.ID)
	c := env.client(t)
	c.signIn("manager@example.org", adminTestPassword)

	if _, err := env.st.SetResearcherChoice(t.Context(), tn.ID, p.ID, store.GroupWorks, store.ChoiceNever); err != nil {
		t.Fatal(err)
	}
	w := &orcid.Work{Title: orcid.NewTitle("Withheld Work"), Type: "journal-article",
		ExternalIDs: orcid.NewExternalIDs(orcid.ExternalID{Type: "doi", Value: "10.5555/held", Relationship: orcid.RelationshipSelf})}
	it, _, err := env.st.UpsertItem(t.Context(), store.DesiredItem{TenantID: tn.ID, PersonID: p.ID, Key: "held", Item: w,
		State: store.ItemQueued})
	if err != nil {
		t.Fatal(err)
	}
	page := c.get("/admin/tenants/" + strconv.FormatInt(tn.ID, 10) + "/people/" + strconv.FormatInt(p.ID, 10))
	for _, want := range []string{"Withheld Work", "Held back by the researcher", "withheld_by_researcher"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("person page lacks %q", want)
		}
	}
	if strings.Contains(page.body, "Waiting for the person to connect") {
		t.Error("a held item reads as waiting for a connection")
	}
	// Even a requeue (an administrator's retry, the API's) leaves it held.
	got, err := env.st.RequeueItem(t.Context(), tn.ID, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != store.ItemPending || got.StateReason != store.HeldWithheld {
		t.Fatalf("requeued held item: %s (%s)", got.State, got.StateReason)
	}
}
