package setup_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/password"
	"github.com/orcidlink/orcidlink/internal/setup"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// TestResetPassword: the new password is generated under the policy,
// replaces the old one, must be changed at the next sign-in, ends the
// account's sessions (the generation moves on) and lifts its lock.
func TestResetPassword(t *testing.T) {
	ctx := t.Context()
	st := storetest.Open(t, "sqlite", nil)
	u, err := st.CreateAdminUser(ctx, store.AdminUser{Email: "Ops@Example.org", Name: "Ops", PasswordHash: "hash:old", Role: store.RoleSiteAdmin})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordLoginFailure(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		email   string
		wantErr error
	}{
		{"ops@example.org", nil},
		{"  OPS@EXAMPLE.ORG ", nil},
		{"nobody@example.org", setup.ErrNoSuchAdmin},
	} {
		t.Run(tc.email, func(t *testing.T) {
			before, _ := st.AdminUser(ctx, u.ID)
			pw, err := setup.ResetPassword(ctx, st, tc.email, fakeHash)
			after, _ := st.AdminUser(ctx, u.ID)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || pw != "" || after.PasswordHash != before.PasswordHash {
					t.Fatalf("reset of %q: %q, %v; hash changed %v", tc.email, pw, err, after.PasswordHash != before.PasswordHash)
				}
				return
			}
			if err != nil || password.Check(pw) != nil {
				t.Fatalf("reset: %q, %v", pw, err)
			}
			if after.PasswordHash != "hash:"+pw || !after.MustChangePassword || after.SessionGeneration != before.SessionGeneration+1 ||
				after.FailedLogins != 0 || !after.LockedUntil.IsZero() {
				t.Fatalf("after reset %+v (before %+v)", after, before)
			}
		})
	}
	events, err := st.ListAudit(ctx, 0, 0, 10)
	if err != nil || len(events) == 0 || events[0].Action != "admin.password_reset" {
		t.Fatalf("audit %+v, %v", events, err)
	}
}

func TestCreateAPIKey(t *testing.T) {
	ctx := t.Context()
	st := storetest.Open(t, "sqlite", nil)
	cred, err := st.CreateCredential(ctx, store.Credential{Name: "c", Env: orcid.Sandbox, API: orcid.MemberAPI,
		ClientID: "APP-0000000000000001", ClientSecret: "s", ClientName: "J"})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := st.CreateTenant(ctx, store.Tenant{Slug: "journal", Name: "Journal", SupportEmail: "s@example.org",
		Languages: []string{"en"}, DefaultLanguage: "en", CredentialID: cred.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		slug, name, wantName string
		wantErr              error
	}{
		{"journal", "Manuscript system", "Manuscript system", nil},
		{"journal", "", setup.DefaultAPIKeyName, nil},
		{"no-such", "x", "", setup.ErrNoSuchTenant},
		{"journal", "bad\x00name", "", store.ErrInvalid},
	} {
		t.Run(tc.slug+"/"+tc.name, func(t *testing.T) {
			k, key, err := setup.CreateAPIKey(ctx, st, tc.slug, tc.name)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || key != "" {
					t.Fatalf("%q, %v; want %v", key, err, tc.wantErr)
				}
				return
			}
			if err != nil || !strings.HasPrefix(key, store.APIKeyPrefix) || k.Name != tc.wantName || k.TenantID != tn.ID {
				t.Fatalf("key %+v %q, %v", k, key, err)
			}
			found, err := st.APIKeyByKey(ctx, key)
			if err != nil || found.ID != k.ID {
				t.Fatalf("the printed key does not open the API: %+v, %v", found, err)
			}
		})
	}
}
