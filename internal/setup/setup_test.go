package setup_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/setup"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

func fakeHash(p string) (string, error) { return "hash:" + p, nil }

func TestFirstAdmin(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		name, email, password string
		wantShown             bool
		wantErr               bool
	}{
		{"generated", "", "", true, false},
		{"configured", "ops@example.org", "a-long-configured-password", false, false},
		{"configured but common", "ops@example.org", "password1234", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := storetest.Open(t, "sqlite", nil)
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			shown, err := setup.FirstAdmin(ctx, st, tc.email, tc.password, fakeHash, log)
			if tc.wantErr {
				if users, _ := st.ListAdminUsers(ctx); err == nil || len(users) != 0 {
					t.Fatalf("a password the policy refuses made %d administrators (%v)", len(users), err)
				}
				return
			}
			if err != nil || (shown != "") != tc.wantShown {
				t.Fatalf("shown %q, %v", shown, err)
			}
			users, _ := st.ListAdminUsers(ctx)
			want := tc.email
			if want == "" {
				want = setup.DefaultAdminEmail
			}
			if len(users) != 1 || users[0].Email != want || users[0].Role != "site_admin" {
				t.Fatalf("admins %+v", users)
			}
			if tc.wantShown && users[0].PasswordHash != "hash:"+shown {
				t.Fatal("the shown password is not the stored one")
			}
			// A printed password is someone else's until changed; a
			// configured one is the operator's choice.
			if users[0].MustChangePassword != tc.wantShown {
				t.Fatalf("must change the password: %v, want %v", users[0].MustChangePassword, tc.wantShown)
			}
			if logs.Len() != 0 {
				t.Fatalf("first start logged: %s", logs.String())
			}
			again, err := setup.FirstAdmin(ctx, st, tc.email, tc.password, fakeHash, log)
			if users, _ := st.ListAdminUsers(ctx); err != nil || again != "" || len(users) != 1 {
				t.Fatalf("second start: shown %q, %d admins, %v", again, len(users), err)
			}
			// A configured password that is ignored says so, and how to
			// recover instead.
			warned := strings.Contains(logs.String(), "ORCIDLINK_ADMIN_PASSWORD") && strings.Contains(logs.String(), "orcidlink admin reset-password")
			if warned != (tc.password != "") {
				t.Fatalf("warning when the configured password is ignored: %v, want %v; log:\n%s", warned, tc.password != "", logs.String())
			}
		})
	}
}

// TestSandboxDemoFollowsThePublicURL: every start re-registers the client
// with the current redirect URI and keeps one credential and one tenant.
func TestSandboxDemoFollowsThePublicURL(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, "sqlite", nil)
	srv := httptest.NewServer(nil)
	defer srv.Close()
	reg, err := sandbox.Open(ctx, sandbox.Config{BaseURL: srv.URL + "/sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	for _, redirect := range []string{"http://a.example.org/orcid/callback", "https://b.example.org/orcid/callback"} {
		tn, err := setup.SandboxDemo(ctx, st, reg, redirect, "https://b.example.org")
		if err != nil || tn.Slug != setup.DemoTenantSlug {
			t.Fatalf("demo tenant %+v, %v", tn, err)
		}
		creds, _ := st.ListCredentials(ctx)
		tenants, _ := st.ListTenants(ctx)
		if len(creds) != 1 || len(tenants) != 1 || tenants[0].CredentialID != creds[0].ID {
			t.Fatalf("%d credentials, %d tenants", len(creds), len(tenants))
		}
		rec := httptest.NewRecorder()
		reg.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/_sandbox/clients", nil))
		var clients []sandbox.Client
		if err := json.Unmarshal(rec.Body.Bytes(), &clients); err != nil || len(clients) != 1 {
			t.Fatalf("registry clients: %s %v", rec.Body.String(), err)
		}
		u := clients[0]
		if u.ID != setup.DemoClientID || len(u.RedirectURIs) != 1 || u.RedirectURIs[0] != redirect || u.Secret != creds[0].ClientSecret {
			t.Fatalf("registry client %+v does not follow %s or the stored secret", u, redirect)
		}
	}
}

func TestRegisterClient(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, "sqlite", nil)
	srv := httptest.NewServer(nil)
	defer srv.Close()
	reg, err := sandbox.Open(ctx, sandbox.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	for _, typ := range []string{"member", "public"} {
		cred, err := setup.RegisterClient(ctx, st, reg, sandbox.NewClient{Name: "J " + typ, RedirectURIs: []string{"https://j.example.org/cb"}, Type: typ}, typ)
		if err != nil {
			t.Fatal(err)
		}
		if string(cred.API) != typ || cred.ClientName != "J "+typ || cred.Env.SiteURL != srv.URL || cred.ClientSecret == "" {
			t.Fatalf("%s credential %+v", typ, cred)
		}
	}
	if _, err := setup.RegisterClient(ctx, st, reg, sandbox.NewClient{Name: "no redirect"}, "x"); err == nil {
		t.Fatal("a client without redirect URI was registered")
	}
}
