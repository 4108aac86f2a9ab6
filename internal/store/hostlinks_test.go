package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

func TestNormalizeOrigin(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://journal.example.org", "https://journal.example.org"},
		{" HTTPS://Journal.Example.ORG/ ", "https://journal.example.org"},
		{"https://journal.example.org:443", "https://journal.example.org"},
		{"https://journal.example.org:8443", "https://journal.example.org:8443"},
		{"http://localhost:8080", "http://localhost:8080"},
		{"http://app.localhost", "http://app.localhost"},
		{"http://127.0.0.2:80", "http://127.0.0.2"},
		{"http://[::1]:3000", "http://[::1]:3000"},
		{"https://[2001:db8::1]", "https://[2001:db8::1]"},
		{"http://journal.example.org", ""},       // plain http off loopback
		{"http://127.0.0.1.example.org", ""},     // not loopback at all
		{"https://journal.example.org/path", ""}, // an origin has no path
		{"https://journal.example.org?q=1", ""},
		{"https://journal.example.org/#x", ""},
		{"https://me:pw@journal.example.org", ""},
		{"https://journal.example.org:0", ""},
		{"https://journal.example.org:99999", ""},
		{"ftp://journal.example.org", ""},
		{"javascript:alert(1)", ""},
		{"journal.example.org", ""},
		{"//journal.example.org", ""},
		{"", ""},
		{"https://" + strings.Repeat("a", store.MaxOriginLength) + ".org", ""},
	} {
		got, err := store.NormalizeOrigin(tc.in)
		if got != tc.want || (tc.want == "") != errors.Is(err, store.ErrInvalid) {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestReturnOrigin(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://journal.example.org/submit/7?step=2", "https://journal.example.org"},
		{"https://Journal.example.org:443", "https://journal.example.org"},
		{"http://localhost:8081/back", "http://localhost:8081"},
		{"https://journal.example.org/submit#authors", ""},
		{"https://journal.example.org/submit#", ""},
		{"https://u@journal.example.org/", ""},
		{"/submit", ""},
		{"http://journal.example.org/", ""},
		{"https://journal.example.org/\x00", ""},
		{"https://journal.example.org/" + strings.Repeat("a", store.MaxReturnURLLength), ""},
	} {
		got, err := store.ReturnOrigin(tc.in)
		if got != tc.want || (tc.want == "") != (err != nil) {
			t.Errorf("ReturnOrigin(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestNormalizeReturnOrigins(t *testing.T) {
	got, err := store.NormalizeReturnOrigins([]string{"https://a.example.org/", "https://A.example.org", "http://localhost:1"})
	if err != nil || strings.Join(got, " ") != "https://a.example.org http://localhost:1" {
		t.Errorf("got %v, %v", got, err)
	}
	many := make([]string, store.MaxReturnOrigins+1)
	for i := range many {
		many[i] = "https://a.example.org"
	}
	if _, err := store.NormalizeReturnOrigins(many); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("too many: %v", err)
	}
	if got, err := store.NormalizeReturnOrigins(nil); got != nil || err != nil {
		t.Errorf("none: %v, %v", got, err)
	}
}

// TestConnectSigningKeysAcrossRotation: the signing key is sealed like any
// secret: rotate-key reseals it, and a key sealed under a key since
// removed from the ring is skipped rather than failing.
func TestConnectSigningKeysAcrossRotation(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keys.db")
	open := func(keys ...string) *store.Store {
		t.Helper()
		st, err := store.Open(ctx, store.Config{Driver: "sqlite", DSN: path, Sealer: storetest.Ring(t, keys...)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	st := open(storetest.Key1)
	if keys, err := st.ConnectSigningKeys(ctx); err != nil || len(keys) != 0 {
		t.Fatalf("keys of a new store: %v, %v", keys, err)
	}
	made, err := st.CreateConnectSigningKey(ctx)
	if err != nil || made.ID == "" || len(made.Private) == 0 {
		t.Fatalf("CreateConnectSigningKey: %+v, %v", made, err)
	}
	st.Close()

	// Rotation: the new key first, the old one still in the ring.
	st = open(storetest.Key2, storetest.Key1)
	if keys, err := st.ConnectSigningKeys(ctx); err != nil || len(keys) != 1 || !keys[0].Private.Equal(made.Private) || keys[0].ID != made.ID {
		t.Fatalf("keys during rotation: %v, %v", keys, err)
	}
	if n, err := st.ResealAll(ctx, 10, nil); err != nil || n < 1 {
		t.Fatalf("ResealAll: %d, %v", n, err)
	}
	st.Close()
	st = open(storetest.Key2)
	if keys, err := st.ConnectSigningKeys(ctx); err != nil || len(keys) != 1 || !keys[0].Private.Equal(made.Private) {
		t.Fatalf("keys after rotation: %v, %v", keys, err)
	}
	st.Close()

	// A ring that cannot open it: skipped, and a new one can be made.
	st = open(storetest.Key1)
	if keys, err := st.ConnectSigningKeys(ctx); err != nil || len(keys) != 0 {
		t.Fatalf("keys under a ring that lost their key: %v, %v", keys, err)
	}
	if _, err := st.CreateConnectSigningKey(ctx); err != nil {
		t.Fatal(err)
	}
	if keys, err := st.ConnectSigningKeys(ctx); err != nil || len(keys) != 1 || keys[0].Private.Equal(made.Private) {
		t.Fatalf("keys after making a new one: %v, %v", keys, err)
	}
}

// TestConnectResultUsedOnce: a result's id is accepted once; expired ones
// are forgotten.
func TestConnectResultUsedOnce(t *testing.T) {
	for _, driver := range []string{"sqlite", "postgres"} {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			now := time.Now().UTC()
			clock := func() time.Time { return now }
			st := storetest.Open(t, driver, func(c *store.Config) { c.Now = clock })
			cred, err := st.CreateCredential(ctx, store.Credential{Name: "c", ClientID: "APP-0000000000000001", ClientSecret: "s",
				Env: orcid.Sandbox, API: orcid.MemberAPI})
			if err != nil {
				t.Fatal(err)
			}
			tn, err := st.CreateTenant(ctx, store.Tenant{Slug: "t1", Name: "T", CredentialID: cred.ID})
			if err != nil {
				t.Fatal(err)
			}
			if err := st.UseConnectResult(ctx, tn.ID, "jti-1", now.Add(5*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if err := st.UseConnectResult(ctx, tn.ID, "jti-1", now.Add(5*time.Minute)); !errors.Is(err, store.ErrResultUsed) {
				t.Fatalf("second use: %v, want ErrResultUsed", err)
			}
			for _, bad := range []string{"", strings.Repeat("j", 101)} {
				if err := st.UseConnectResult(ctx, tn.ID, bad, now); !errors.Is(err, store.ErrInvalid) {
					t.Errorf("jti %q: %v", bad, err)
				}
			}
			// Two hours on, the row is pruned by the next use: the
			// result itself is refused long before (it expired).
			now = now.Add(2 * time.Hour)
			if err := st.UseConnectResult(ctx, tn.ID, "jti-2", now.Add(5*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if err := st.UseConnectResult(ctx, tn.ID, "jti-1", now.Add(5*time.Minute)); err != nil {
				t.Errorf("a pruned id: %v", err)
			}
		})
	}
}
