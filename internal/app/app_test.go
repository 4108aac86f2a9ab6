package app_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/api"
	"github.com/orcidlink/orcidlink/internal/app"
	"github.com/orcidlink/orcidlink/internal/app/apptest"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// post sends a POST /api/v1/people with an Idempotency-Key straight to the
// handler and returns the status and the problem type, if any.
func post(t *testing.T, h http.Handler, apiKey, idemKey, familyName string) (int, string) {
	t.Helper()
	body := `{"family_names":"` + familyName + `","email":"` + strings.ToLower(familyName) + `@example.org"}`
	r := httptest.NewRequest(http.MethodPost, api.Prefix+"/people", strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+apiKey)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Idempotency-Key", idemKey)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var problem struct{ Type string }
	_ = json.Unmarshal(w.Body.Bytes(), &problem)
	return w.Code, problem.Type
}

// clock is a settable clock: real time plus an offset.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// TestIdempotencyCleanupFollowsConfiguredLifetime: the hourly housekeeping
// forgets Idempotency-Keys older than the lifetime the REST API was
// configured with (not the default day), and keeps younger ones.
func TestIdempotencyCleanupFollowsConfiguredLifetime(t *testing.T) {
	const ttl = time.Hour
	storetest.Engines(t, func(t *testing.T, driver string) {
		ctx := context.Background()
		clk := &clock{}
		a, err := app.New(ctx, apptest.Config(t, driver), app.WithLogger(slog.New(slog.DiscardHandler)),
			app.WithClock(clk.now), app.WithAPI(func(c *api.Config) { c.IdempotencyTTL = ttl }))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := a.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
		cred, err := a.Store.CreateCredential(ctx, store.Credential{Name: "c", Env: orcid.Sandbox, API: orcid.MemberAPI,
			ClientID: "APP-IDEMPOTENCY00001", ClientSecret: "s", ClientName: "Idempotency"})
		if err != nil {
			t.Fatal(err)
		}
		tn, err := a.Store.CreateTenant(ctx, store.Tenant{Slug: "idem", Name: "Idem", SupportEmail: "help@idem.example",
			CredentialID: cred.ID, Languages: []string{"en"}})
		if err != nil {
			t.Fatal(err)
		}
		_, key, err := a.Store.CreateAPIKey(ctx, store.NewAPIKey{TenantID: tn.ID, Name: "k"})
		if err != nil {
			t.Fatal(err)
		}
		// One key older than the lifetime (but much younger than the
		// default day), one younger, before the queue starts: its
		// housekeeping runs at start.
		if code, _ := post(t, a.Handler, key, "old", "Lovelace"); code != http.StatusCreated {
			t.Fatalf("first POST with the old key: %d", code)
		}
		clk.advance(ttl + time.Minute)
		if code, _ := post(t, a.Handler, key, "young", "Byron"); code != http.StatusCreated {
			t.Fatalf("first POST with the young key: %d", code)
		}
		if err := a.Start(ctx); err != nil {
			t.Fatal(err)
		}
		// Forgotten: the same key with another body is a new request.
		deadline := time.Now().Add(30 * time.Second)
		for {
			code, _ := post(t, a.Handler, key, "old", "Somerville")
			if code == http.StatusCreated {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the Idempotency-Key older than %v is still remembered (%d)", ttl, code)
			}
			time.Sleep(50 * time.Millisecond)
		}
		// Remembered: the same key with another body is refused.
		if code, typ := post(t, a.Handler, key, "young", "Herschel"); code != http.StatusUnprocessableEntity ||
			!strings.HasSuffix(typ, "idempotency-key-reused") {
			t.Fatalf("the young Idempotency-Key: %d %q, want 422 idempotency-key-reused", code, typ)
		}
	})
}
