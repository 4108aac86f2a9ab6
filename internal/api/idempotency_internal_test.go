package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestIdempotentPanic: a first request with an Idempotency-Key whose
// handler panics gives its claim up, so that the client's retry runs
// rather than being told "still running" until the claim expires.
func TestIdempotentPanic(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		st := storetest.Open(t, driver, nil)
		ctx := t.Context()
		cred, err := st.CreateCredential(ctx, store.Credential{Name: "c", Env: orcid.Sandbox, API: orcid.MemberAPI,
			ClientID: "APP-PANIC00000000001", ClientSecret: "s", ClientName: "Panic"})
		if err != nil {
			t.Fatal(err)
		}
		tn, err := st.CreateTenant(ctx, store.Tenant{Slug: "panic", Name: "Panic", SupportEmail: "help@panic.example",
			CredentialID: cred.ID, Languages: []string{"en"}})
		if err != nil {
			t.Fatal(err)
		}
		k, _, err := st.CreateAPIKey(ctx, store.NewAPIKey{TenantID: tn.ID, Name: "k"})
		if err != nil {
			t.Fatal(err)
		}
		s, err := New(Config{Store: st, Connect: (*connect.Service)(nil), Queue: (*jobs.Queue)(nil)})
		if err != nil {
			t.Fatal(err)
		}
		run := func(handle func(*call) (reply, error)) (rec *httptest.ResponseRecorder, panicked bool) {
			r := httptest.NewRequest(http.MethodPost, Prefix+"/people", strings.NewReader(`{}`))
			rec = httptest.NewRecorder()
			defer func() { panicked = recover() != nil }()
			s.idempotent(rec, r, &call{ctx: ctx, r: r, key: k, tenant: tn.ID, body: []byte(`{}`)}, "crash-1",
				Route{handle: handle})
			return rec, false
		}
		if _, panicked := run(func(*call) (reply, error) { panic("handler bug") }); !panicked {
			t.Fatal("the panic was swallowed; net/http should see it")
		}
		ran := false
		rec, _ := run(func(*call) (reply, error) { ran = true; return created("/people/1", map[string]int{"id": 1}) })
		if !ran || rec.Code != http.StatusCreated {
			t.Fatalf("retry after a panic: ran=%v, %d %s", ran, rec.Code, rec.Body)
		}
	})
}
