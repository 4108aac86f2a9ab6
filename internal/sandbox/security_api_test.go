package sandbox

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// TestAPIEmailVerification: the Member API lists verified emails only
// (viewEmails reads getVerifiedEmails; the person and record sections
// leave unverified emails out) and the history says whether the email is
// verified, for every way of reading the email.
func TestAPIEmailVerification(t *testing.T) {
	e := newAPIEnv(t)
	ctx := context.Background()
	res, err := e.r.CreateResearcher(ctx, NewResearcher{GivenNames: "Lise", Email: "lise@example.org", Password: "password1", EmailVerified: new(false)})
	if err != nil {
		t.Fatal(err)
	}
	tok := e.token(e.member, res.ORCID, ScopeReadLimited, ScopeEmailReadPrivate)
	read := func(t *testing.T, path string, v any) {
		t.Helper()
		resp := e.do(apiCall{method: "GET", url: e.member3("/" + res.ORCID + path), token: tok, accept: "application/json"})
		if resp.status != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.status, resp.body)
		}
		if err := json.Unmarshal(resp.body, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, verified := range []bool{false, true} {
		if verified {
			if _, err := e.r.UpdateResearcherSettings(ctx, res.ORCID, SettingsChange{EmailVerified: new(true)}); err != nil {
				t.Fatal(err)
			}
		}
		var emails orcid.Emails
		read(t, "/email", &emails)
		var person orcid.Person
		read(t, "/person", &person)
		var rec orcid.Record
		read(t, "/record", &rec)
		for name, list := range map[string][]orcid.Email{"email": emails.Email, "person": person.Emails.Email, "record": rec.Person.Emails.Email} {
			if verified != (len(list) == 1) {
				t.Errorf("verified=%v: %s lists %+v", verified, name, list)
			}
			for _, em := range list {
				if em.Verified == nil || !*em.Verified {
					t.Errorf("%s lists an email not marked verified: %+v", name, em)
				}
			}
		}
		if h := rec.History; h == nil || h.VerifiedEmail != verified || h.VerifiedPrimaryEmail != verified {
			t.Errorf("verified=%v: history %+v", verified, h)
		}
	}
}
