// Package setup makes a fresh orcidlink installation usable: the first
// administrator and, with the built-in ORCID sandbox, a registered client,
// the credential for it and a demo tenant. Everything here is idempotent,
// so it runs at every start.
package setup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/password"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/store"
)

// DefaultAdminEmail is the first administrator's address when none is
// configured.
const DefaultAdminEmail = "admin@example.org"

// FirstAdmin creates the first site administrator when there is none. With
// an empty password one is generated and returned, to be shown once, and
// must be changed at the first sign-in (it was printed, so it is not the
// administrator's own); a configured password is checked against the
// password policy and never returned. It returns "" when an administrator
// already exists: the configured password is then ignored, which it says
// in the log, since a changed ORCIDLINK_ADMIN_PASSWORD that silently does
// nothing is how an operator gets locked out (`orcidlink admin
// reset-password` is the way back in).
func FirstAdmin(ctx context.Context, st *store.Store, email, pw string, hash func(string) (string, error), log *slog.Logger) (shownPassword string, err error) {
	users, err := st.ListAdminUsers(ctx)
	if err != nil {
		return "", err
	}
	if len(users) > 0 {
		if pw != "" && log != nil {
			log.WarnContext(ctx, "admin_password (ORCIDLINK_ADMIN_PASSWORD) is ignored: it only sets the first administrator's password at the first start, "+
				"and administrators exist; to replace a lost password run: orcidlink admin reset-password EMAIL", "administrators", len(users))
		}
		return "", nil
	}
	if email == "" {
		email = DefaultAdminEmail
	}
	generated := pw == ""
	if generated {
		pw = password.Generate()
	} else if err := password.Check(pw, email); err != nil {
		return "", fmt.Errorf("admin_password (ORCIDLINK_ADMIN_PASSWORD) is refused by the password policy: %w", err)
	}
	h, err := hash(pw)
	if err != nil {
		return "", err
	}
	if _, err := st.CreateAdminUser(ctx, store.AdminUser{Email: email, Name: "Administrator", PasswordHash: h, Role: store.RoleSiteAdmin,
		MustChangePassword: generated}); err != nil {
		return "", fmt.Errorf("create the first administrator: %w", err)
	}
	if !generated {
		return "", nil
	}
	return pw, nil
}

// Demo names what SandboxDemo sets up.
const (
	DemoClientID   = "APP-ORCIDLINKDEMO001"
	DemoClientName = "orcidlink demo"
	DemoTenantSlug = "demo"
)

// SandboxDemo registers our client at the built-in registry (again at every
// start, so that its redirect URI follows the public URL), keeps the
// matching credential, and creates the demo tenant on it.
func SandboxDemo(ctx context.Context, st *store.Store, reg *sandbox.Registry, redirectURI, website string) (store.Tenant, error) {
	env, err := orcid.CustomEnvironment(reg.BaseURL(), reg.MemberAPIURL(), reg.PublicAPIURL())
	if err != nil {
		return store.Tenant{}, err
	}
	creds, err := st.ListCredentials(ctx)
	if err != nil {
		return store.Tenant{}, err
	}
	var cred store.Credential
	for _, c := range creds {
		if c.ClientID == DemoClientID && c.Env.SiteURL == env.SiteURL {
			cred = c
		}
	}
	secret := cred.ClientSecret
	if cred.ID == 0 {
		secret = randomHex(16)
	}
	if _, err := reg.CreateClient(ctx, sandbox.NewClient{
		ID: DemoClientID, Secret: secret, Name: DemoClientName, Description: "The demo tenant of this orcidlink installation",
		Website: website, RedirectURIs: []string{redirectURI}, Type: "member",
		// As a journal's client would be once ORCID enabled the group
		// scopes it asked for: the demo's reviews of journals without an
		// ISSN need a registered group.
		GroupIDRecords: true,
	}, true); err != nil {
		return store.Tenant{}, fmt.Errorf("register the demo client in the sandbox: %w", err)
	}
	if cred.ID == 0 {
		cred, err = st.CreateCredential(ctx, store.Credential{Name: "Built-in sandbox", Env: env, API: orcid.MemberAPI,
			ClientID: DemoClientID, ClientSecret: secret, ClientName: DemoClientName})
		if err != nil {
			return store.Tenant{}, fmt.Errorf("create the sandbox credential: %w", err)
		}
	}
	t, err := st.TenantBySlug(ctx, DemoTenantSlug)
	if errors.Is(err, store.ErrNotFound) {
		t, err = st.CreateTenant(ctx, store.Tenant{Slug: DemoTenantSlug, Name: "Demo Journal", SupportEmail: "support@example.org",
			DefaultLanguage: "en", CredentialID: cred.ID}) // every language orcidlink speaks
		if err != nil {
			return store.Tenant{}, fmt.Errorf("create the demo tenant: %w", err)
		}
	}
	return t, err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// RegisterClient registers a client at the built-in registry and stores the
// matching credential: what an administrator does by hand at ORCID and in
// the admin UI, in one step, for demos and tests.
func RegisterClient(ctx context.Context, st *store.Store, reg *sandbox.Registry, c sandbox.NewClient, credName string) (store.Credential, error) {
	env, err := orcid.CustomEnvironment(reg.BaseURL(), reg.MemberAPIURL(), reg.PublicAPIURL())
	if err != nil {
		return store.Credential{}, err
	}
	client, err := reg.CreateClient(ctx, c, false)
	if err != nil {
		return store.Credential{}, fmt.Errorf("register client %q in the sandbox: %w", c.Name, err)
	}
	api := orcid.MemberAPI
	if client.Type == "public" {
		api = orcid.PublicAPI
	}
	cred, err := st.CreateCredential(ctx, store.Credential{Name: credName, Env: env, API: api,
		ClientID: client.ID, ClientSecret: client.Secret, ClientName: client.Name})
	if err != nil {
		return store.Credential{}, fmt.Errorf("store credential %q: %w", credName, err)
	}
	return cred, nil
}
