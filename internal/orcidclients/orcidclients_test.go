package orcidclients_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/orcidclients"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// fixture is a store with a credential of a running offline registry, a
// tenant on it and a person of the tenant.
type fixture struct {
	st     *store.Store
	cred   store.Credential
	tenant store.Tenant
	person store.Person
}

func newFixture(t *testing.T, driver string) fixture {
	t.Helper()
	sbx := sandboxtest.New(t)
	st := storetest.Open(t, driver, nil)
	ctx := context.Background()
	reg, err := orcid.CustomEnvironment(sbx.BaseURL, sbx.MemberAPI, sbx.PublicAPI)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := st.CreateCredential(ctx, store.Credential{Name: "Offline", Env: reg, API: orcid.MemberAPI,
		ClientID: sbx.Member.ID, ClientSecret: sbx.Member.Secret, ClientName: "Offline press"})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := st.CreateTenant(ctx, store.Tenant{Slug: "press", Name: "Press", SupportEmail: "help@press.example",
		CredentialID: cred.ID})
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.CreatePerson(ctx, store.Person{TenantID: tn.ID, GivenNames: "Ana", FamilyNames: "Lima",
		Email: "ana@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{st: st, cred: cred, tenant: tn, person: p}
}

// TestOneClientPerCredential: callers share a credential's client (and so
// its rate budget) until what it is built from changes.
func TestOneClientPerCredential(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		var built atomic.Int32
		set, err := orcidclients.New(orcidclients.Config{Store: f.st,
			Limiter: func(store.Credential) orcid.Limiter { built.Add(1); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		first, err := set.Client(ctx, f.cred)
		if err != nil {
			t.Fatal(err)
		}
		again, err := set.Client(ctx, f.cred)
		if err != nil {
			t.Fatal(err)
		}
		if first != again || built.Load() != 1 {
			t.Fatalf("same credential: got a new client (same=%v, limiters built %d)", first == again, built.Load())
		}
		changed := f.cred
		changed.ClientSecret += "-rotated"
		rebuilt, err := set.Client(ctx, changed)
		if err != nil {
			t.Fatal(err)
		}
		if rebuilt == first || built.Load() != 2 {
			t.Fatalf("changed secret: kept the old client (limiters built %d)", built.Load())
		}
		if orcidclients.Key(changed) == orcidclients.Key(f.cred) {
			t.Fatal("Key ignores the secret")
		}
		renamed := f.cred
		renamed.Name = "Renamed"
		if orcidclients.Key(renamed) != orcidclients.Key(f.cred) {
			t.Fatal("Key depends on our own name for the credential, which builds nothing")
		}
	})
}

// TestCallsLoggedUnderCallContext: a call made with WithCallContext is in
// the call log under that tenant and person, with the credential, and
// OnCall sees it.
func TestCallsLoggedUnderCallContext(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		var seen atomic.Int32
		set, err := orcidclients.New(orcidclients.Config{Store: f.st, OnCall: func(orcid.Call) { seen.Add(1) }})
		if err != nil {
			t.Fatal(err)
		}
		client, err := set.Client(context.Background(), f.cred)
		if err != nil {
			t.Fatal(err)
		}
		ctx := orcidclients.WithCallContext(context.Background(), f.tenant.ID, f.person.ID)
		if tn, p := orcidclients.CallContext(ctx); tn != f.tenant.ID || p != f.person.ID {
			t.Fatalf("CallContext = %d, %d; want %d, %d", tn, p, f.tenant.ID, f.person.ID)
		}
		if _, err := client.ReadPublicToken(ctx); err != nil {
			t.Fatal(err)
		}
		calls, err := f.st.ListCalls(context.Background(), f.tenant.ID, f.person.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(calls) == 0 || seen.Load() == 0 {
			t.Fatalf("calls logged under the person: %d, seen by OnCall: %d; want both > 0", len(calls), seen.Load())
		}
		for _, c := range calls {
			if c.CredentialID != f.cred.ID || c.Status != 200 {
				t.Errorf("logged call %s %s: credential %d status %d; want credential %d status 200",
					c.Method, c.URL, c.CredentialID, c.Status, f.cred.ID)
			}
		}
	})
}

func TestNewNeedsStore(t *testing.T) {
	if _, err := orcidclients.New(orcidclients.Config{}); err == nil {
		t.Fatal("New without a store: no error")
	}
}
