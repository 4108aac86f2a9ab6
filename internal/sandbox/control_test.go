package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// openTest opens a registry on an in-memory database.
func openTest(t *testing.T, cfg Config) *Registry {
	t.Helper()
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://127.0.0.1:1"
	}
	if cfg.DB == "" {
		cfg.DB = ":memory:"
	}
	r, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestSeedIsStrictAndIdempotent(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "seed.json")
	os.WriteFile(good, []byte(`{
	  "clients": [{"client_id": "APP-0000000000000001", "client_secret": "s", "name": "Journal", "redirect_uris": ["https://j.example.org/cb"], "type": "member", "premium": true}],
	  "researchers": [{"orcid": "0000-0002-1825-0097", "given_names": "Josiah", "family_names": "Carberry", "email": "josiah@example.org", "password": "password1"},
	                  {"given_names": "Minted", "email": "minted@example.org", "password": "password2"}]}`), 0o600)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"clients": [{"client_id": "x", "redirect_uri": ["https://a"]}]}`), 0o600)

	if _, err := LoadSeed(bad); err == nil || !strings.Contains(err.Error(), "redirect_uri") {
		t.Fatalf("unknown key accepted or not named: %v", err)
	}
	s, err := LoadSeed(good)
	if err != nil {
		t.Fatal(err)
	}
	r := openTest(t, Config{})
	for range 2 {
		if err := r.ApplySeed(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	rs, _ := r.store.Researchers(t.Context())
	cs, _ := r.store.Clients(t.Context())
	if len(rs) != 2 || len(cs) != 1 {
		t.Fatalf("after seeding twice: %d researchers, %d clients; want 2 and 1", len(rs), len(cs))
	}
	for _, x := range rs {
		if _, err := orcid.ParseID(x.ORCID); err != nil {
			t.Errorf("researcher has invalid iD: %v", err)
		}
	}
	if _, err := r.Authenticate(t.Context(), "https://orcid.org/0000-0002-1825-0097", "password1"); err != nil {
		t.Errorf("sign in by iD URI: %v", err)
	}
	if _, err := r.Authenticate(t.Context(), "JOSIAH@example.org", "password1"); err != nil {
		t.Errorf("sign in by email, any case: %v", err)
	}
	if _, err := r.Authenticate(t.Context(), "josiah@example.org", "wrong"); err == nil {
		t.Error("wrong password accepted")
	}
	bad2 := Seed{Researchers: []NewResearcher{{ORCID: "0000-0002-1825-0098", GivenNames: "X", Email: "x@example.org", Password: "password1"}}}
	var fe *FieldError
	if err := r.ApplySeed(t.Context(), bad2); !errors.As(err, &fe) || fe.Field != "orcid" {
		t.Fatalf("invalid iD checksum in seed: %v", err)
	}
}

func TestMintedIDsAreValidAndInRange(t *testing.T) {
	r := openTest(t, Config{})
	seen := map[string]bool{}
	for i := range 20 {
		x, err := r.CreateResearcher(t.Context(), NewResearcher{GivenNames: "R", Email: "r" + string(rune('a'+i)) + "@example.org", Password: "password1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := orcid.ParseID(x.ORCID); err != nil || !strings.HasPrefix(x.ORCID, "0009-") || seen[x.ORCID] {
			t.Fatalf("minted %q: %v (seen before: %v)", x.ORCID, err, seen[x.ORCID])
		}
		seen[x.ORCID] = true
	}
}

func TestControlAPI(t *testing.T) {
	r := openTest(t, Config{})
	srv := httptest.NewServer(r.Handler())
	t.Cleanup(srv.Close)
	post := func(path, body string) (int, map[string]any) {
		t.Helper()
		method := "POST"
		if path == "/_sandbox/faults" {
			method = "PUT"
		}
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	tests := []struct {
		path, body string
		status     int
		field      string
	}{
		{"/_sandbox/clients", `{"name": "J", "redirect_uris": ["https://j.example.org/cb"]}`, 201, ""},
		{"/_sandbox/clients", `{"name": "J", "redirect_uris": []}`, 400, "redirect_uris"},
		{"/_sandbox/clients", `{"name": "", "redirect_uris": ["https://a.org"]}`, 400, "name"},
		{"/_sandbox/clients", `{"name": "P", "type": "public", "premium": true, "redirect_uris": ["https://a.org"]}`, 400, "premium"},
		{"/_sandbox/clients", `{"name": "J", "redirect_uris": ["not a url"]}`, 400, "redirect_uris"},
		{"/_sandbox/clients", `{"name": "J", "bogus": 1}`, 400, "body"},
		{"/_sandbox/clients", `{`, 400, "body"},
		{"/_sandbox/researchers", `{"given_names": "A", "email": "a@example.org", "password": "password1"}`, 201, ""},
		{"/_sandbox/researchers", `{"given_names": "A", "email": "a@example.org", "password": "password1"}`, 400, "email"},
		{"/_sandbox/researchers", `{"given_names": "A", "email": "nope", "password": "password1"}`, 400, "email"},
		{"/_sandbox/researchers", `{"given_names": "A", "email": "b@example.org", "password": "short"}`, 400, "password"},
		{"/_sandbox/faults", `{"rate_500": 2}`, 400, "faults"},
	}
	for _, tc := range tests {
		status, body := post(tc.path, tc.body)
		if status != tc.status {
			t.Errorf("POST %s %s: status %d, want %d (%v)", tc.path, tc.body, status, tc.status, body)
			continue
		}
		if tc.field != "" {
			f, _ := body["field"].(map[string]any)
			if f == nil || f["field"] != tc.field {
				t.Errorf("POST %s %s: error %v does not name field %q", tc.path, tc.body, body, tc.field)
			}
		}
	}
	status, body := post("/_sandbox/clients", `{"name": "Generated", "redirect_uris": ["https://g.example.org"]}`)
	if id, _ := body["client_id"].(string); status != 201 || len(id) != 20 || !strings.HasPrefix(id, "APP-") {
		t.Fatalf("generated client id %v", body)
	}
}

func TestFaultsAndRateLimit(t *testing.T) {
	r := openTest(t, Config{})
	var served int
	var mu sync.Mutex
	h := r.apiGuard(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		served++
		mu.Unlock()
	}))
	call := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), "GET", "/v3.0/x", nil))
		return rec
	}
	if err := r.SetFaults(Faults{Next: []int{500, 429}, RetryAfterSeconds: 3}); err != nil {
		t.Fatal(err)
	}
	if rec := call(); rec.Code != 500 {
		t.Fatalf("first: %d", rec.Code)
	}
	if rec := call(); rec.Code != 429 || rec.Header().Get("Retry-After") != "3" {
		t.Fatalf("second: %d %v", rec.Code, rec.Header())
	}
	if rec := call(); rec.Code != 200 {
		t.Fatalf("third: %d", rec.Code)
	}
	if err := r.SetFaults(Faults{Rate429: 1}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if rec := call(); rec.Code != 429 {
			t.Fatalf("rate_429=1 answered %d", rec.Code)
		}
	}

	// A client may queue Burst requests at the rate; past that it gets 503.
	if err := r.SetFaults(Faults{RateLimit: 1, Burst: 1}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	codes := make(chan int, 6)
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			req := httptest.NewRequestWithContext(ctx, "GET", "/v3.0/x", nil)
			req.RemoteAddr = "192.0.2.1:1234"
			h.ServeHTTP(rec, req)
			codes <- rec.Code
		})
	}
	wg.Wait()
	close(codes)
	var ok, limited int
	for c := range codes {
		switch c {
		case 200:
			ok++
		case 503:
			limited++
		}
	}
	if limited == 0 || ok == 0 || ok+limited != 6 {
		t.Fatalf("rate limit 1/s burst 1: %d served, %d limited; want some of each", ok, limited)
	}
}
