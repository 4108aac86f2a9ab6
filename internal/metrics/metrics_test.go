package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/metrics"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

func TestMetrics(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	cred, err := st.CreateCredential(t.Context(), store.Credential{Name: "c", Env: orcid.Sandbox, API: orcid.MemberAPI,
		ClientID: "APP-0000000000000001", ClientSecret: "s", ClientName: "J"})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := st.CreateTenant(t.Context(), store.Tenant{Slug: "journal", Name: "Journal", Languages: []string{"en"}, CredentialID: cred.ID})
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.CreatePerson(t.Context(), store.Person{TenantID: tn.ID, GivenNames: "Ada", Email: "ada@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	w := &orcid.Work{Title: orcid.NewTitle("T"), Type: "journal-article",
		ExternalIDs: orcid.NewExternalIDs(orcid.ExternalID{Type: "doi", Value: "10.5555/1", Relationship: orcid.RelationshipSelf})}
	if _, _, err := st.UpsertItem(t.Context(), store.DesiredItem{TenantID: tn.ID, PersonID: p.ID, Key: "a:1", Item: w,
		State: store.ItemPending, Reason: "not connected"}); err != nil {
		t.Fatal(err)
	}
	m, err := metrics.New(metrics.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	m.ObserveCall(orcid.Call{Method: "POST", Status: 429, Duration: 30 * time.Millisecond})
	m.ObserveCall(orcid.Call{Method: "POST", Status: 201, Duration: 80 * time.Millisecond})
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`orcidlink_orcid_calls_total{method="POST",status="429"} 1`,
		`orcidlink_orcid_calls_total{method="POST",status="201"} 1`,
		`orcidlink_orcid_call_duration_seconds_count{method="POST"} 2`,
		`orcidlink_items{state="pending",tenant="journal"} 1`,
		`orcidlink_items{state="queued",tenant="journal"} 0`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestRequireToken(t *testing.T) {
	h := metrics.RequireToken("a-long-enough-token", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("metrics"))
	}))
	for _, tc := range []struct {
		auth string
		want int
	}{
		{"", http.StatusUnauthorized},
		{"Bearer wrong", http.StatusUnauthorized},
		{"Bearer a-long-enough-token-and-more", http.StatusUnauthorized},
		{"bearer a-long-enough-token", http.StatusOK},
		{"Basic a-long-enough-token", http.StatusUnauthorized},
		{"Bearer a-long-enough-token", http.StatusOK},
	} {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want || (tc.want == http.StatusOK) != (rec.Body.String() == "metrics") {
			t.Errorf("Authorization %q: %d %q, want %d", tc.auth, rec.Code, rec.Body.String(), tc.want)
		}
	}
}
