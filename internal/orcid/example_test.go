package orcid_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

// Example connects a researcher and adds a work to their record, against
// the offline registry so that it runs anywhere. Against ORCID itself, use
// orcid.Sandbox or orcid.Production as the environment instead.
func Example() {
	ctx := context.Background()
	const redirectURI = "https://journal.example.org/orcid/callback"

	// An offline registry with our client and one researcher.
	srv := httptest.NewServer(nil)
	defer srv.Close()
	reg, err := sandbox.Open(ctx, sandbox.Config{BaseURL: srv.URL, DB: ":memory:"})
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close()
	srv.Config.Handler = reg.Handler()
	err = reg.ApplySeed(ctx, sandbox.Seed{
		Clients: []sandbox.NewClient{{ID: "APP-EXAMPLE000000001", Secret: "example-secret", Name: "Journal of Examples",
			RedirectURIs: []string{redirectURI}}},
		Researchers: []sandbox.NewResearcher{{ORCID: "0000-0002-1825-0097", GivenNames: "Josiah", FamilyNames: "Carberry",
			Email: "josiah@example.org", Password: "correct horse"}},
	})
	if err != nil {
		log.Fatal(err)
	}

	// The client: one per ORCID credential, shared by everything using it.
	env, _ := orcid.CustomEnvironment(srv.URL, "", "")
	client, err := orcid.New(orcid.Config{
		Credential:  orcid.Credential{ClientID: "APP-EXAMPLE000000001", ClientSecret: "example-secret", Env: env, API: orcid.MemberAPI},
		RedirectURL: redirectURI,
	})
	if err != nil {
		log.Fatal(err)
	}

	// 1. Send the researcher to ORCID, names pre-filled.
	authURL, err := client.AuthorizeURL(orcid.AuthRequest{
		Scopes: []string{orcid.ScopeOpenID, orcid.ScopeReadLimited, orcid.ScopeActivitiesUpdate},
		State:  "one-time-state", Nonce: "one-time-nonce", GivenNames: "Josiah", FamilyNames: "Carberry", Lang: "en",
	})
	if err != nil {
		log.Fatal(err)
	}
	// (Here the researcher signs in and clicks "Authorize access".)
	back, err := sandboxtest.SignInAndAuthorize(authURL, redirectURI, "josiah@example.org", "correct horse")
	if err != nil {
		log.Fatal(err)
	}

	// 2. On the callback: check the state, exchange the code at once, and
	// store everything the exchange returned.
	if back.Get("state") != "one-time-state" {
		log.Fatal("forged state")
	}
	auth, err := client.Exchange(ctx, back.Get("code"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.VerifyIDToken(ctx, auth.IDToken, "one-time-nonce"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("authenticated iD:", auth.ID, "named", auth.Name)

	// 3. Add a work; keep its put-code to correct or retract it later.
	work := &orcid.Work{
		Title: &orcid.Title{Title: orcid.NewText("On the Example")},
		Type:  "journal-article",
		ExternalIDs: &orcid.ExternalIDs{ExternalID: []orcid.ExternalID{{
			Type: "doi", Value: "10.5555/example.1", Relationship: orcid.RelationshipSelf,
		}}},
	}
	res, err := client.Add(ctx, auth.AccessToken, auth.ID, work)
	if err != nil {
		log.Fatal(err)
	}
	// Adding it again finds the same item instead of making a duplicate.
	again, err := client.Add(ctx, auth.AccessToken, auth.ID, work)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("same put-code:", again.PutCode == res.PutCode, "existing:", again.Existing)
	// Output:
	// authenticated iD: 0000-0002-1825-0097 named Josiah Carberry
	// same put-code: true existing: true
}
