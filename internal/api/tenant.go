package api

import (
	"encoding/json"
	"slices"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// tenantView is the key's tenant as the API shows it: who it is, and the
// choices the journal workflow makes with (the convening organisation of
// its peer reviews and their review model).
type tenantView struct {
	Slug         string        `json:"slug"`
	Name         string        `json:"name"`
	Organization *organization `json:"organization"`
	ReviewMode   string        `json:"review_mode"`
	// Asks are what researchers are asked to allow; Scopes the ORCID
	// scopes that takes under the tenant's credential (read-only).
	Asks   []store.Ask `json:"asks"`
	Scopes []string    `json:"scopes"`
	// ReminderDays are the days after an invitation when reminders go.
	ReminderDays []int `json:"reminder_days"`
	// ReturnOrigins are where connect links may send researchers back.
	ReturnOrigins []string `json:"return_origins"`
	// Languages are those the researcher pages and emails offer (package
	// i18n's codes); DefaultLanguage is for a researcher whose own is not.
	Languages       []string `json:"languages"`
	DefaultLanguage string   `json:"default_language"`
	// UpgradeInvitations counts the scope-upgrade invitations a PATCH
	// sent, when it asked for them.
	UpgradeInvitations *int `json:"upgrade_invitations_sent,omitempty"`
}

type organization struct {
	Name    string `json:"name"`
	ROR     string `json:"ror"`
	City    string `json:"city"`
	Region  string `json:"region"`
	Country string `json:"country"`
}

// tenantPatch is the body of PATCH /tenant: only the fields present
// change; "organization": null removes the organisation.
type tenantPatch struct {
	Organization json.RawMessage `json:"organization"`
	ReviewMode   *string         `json:"review_mode"`
	Asks         *[]store.Ask    `json:"asks"`
	ReminderDays *[]int          `json:"reminder_days"`
	// ReturnOrigins replaces the origins connect links may return to.
	ReturnOrigins *[]string `json:"return_origins"`
	// Languages replaces the languages offered; DefaultLanguage must be
	// one of them.
	Languages       *[]string `json:"languages"`
	DefaultLanguage *string   `json:"default_language"`
	// UpgradeInvitations: when the asks widen, email every connected
	// person whose link lacks a new permission an invitation saying which.
	UpgradeInvitations bool `json:"upgrade_invitations"`
}

func tenantOf(t store.Tenant, cred store.Credential) tenantView {
	v := tenantView{Slug: t.Slug, Name: t.Name, ReviewMode: string(t.Settings.ReviewMode.Or("")),
		Asks: t.Settings.AskList(), Scopes: connect.TenantScopes(t, cred), ReminderDays: t.Settings.Reminders(),
		ReturnOrigins: append([]string{}, t.Settings.ReturnOrigins...), Languages: append([]string{}, t.Languages...),
		DefaultLanguage: t.DefaultLanguage}
	if p := t.Settings.Publisher; p != (store.Publisher{}) {
		v.Organization = &organization{Name: p.Name, ROR: p.ROR, City: p.City, Region: p.Region, Country: p.Country}
	}
	return v
}

func (s *Server) getTenant(c *call) (reply, error) {
	t, err := s.st.Tenant(c.ctx, c.tenant)
	if err != nil {
		return reply{}, err
	}
	cred, err := s.st.Credential(c.ctx, t.CredentialID)
	if err != nil {
		return reply{}, err
	}
	return ok(tenantOf(t, cred))
}

func (s *Server) patchTenant(c *call) (reply, error) {
	var in tenantPatch
	if err := decode(c.body, "", &in); err != nil {
		return reply{}, err
	}
	t, err := s.st.Tenant(c.ctx, c.tenant)
	if err != nil {
		return reply{}, err
	}
	// The fields present replace the tenant's; the store's CheckTenant
	// refuses what breaks its rules, field by field (problemFor lists
	// them as JSON pointers).
	if in.Organization != nil {
		var o *organization
		if err := decode(in.Organization, "/organization", &o); err != nil && string(in.Organization) != "null" {
			return reply{}, err
		}
		p := store.Publisher{}
		if o != nil {
			p = store.Publisher{Name: o.Name, ROR: o.ROR, City: o.City, Region: o.Region, Country: o.Country}
		}
		t.Settings.Publisher = p
	}
	if in.ReviewMode != nil {
		t.Settings.ReviewMode = store.ReviewMode(*in.ReviewMode)
	}
	before := t
	if in.Asks != nil {
		t.Settings.Asks = append([]store.Ask{}, *in.Asks...)
	}
	if in.ReminderDays != nil {
		t.Settings.ReminderDays = append([]int{}, *in.ReminderDays...)
	}
	if in.ReturnOrigins != nil {
		t.Settings.ReturnOrigins = append([]string{}, *in.ReturnOrigins...)
	}
	if in.Languages != nil {
		t.Languages = append([]string{}, *in.Languages...)
		if in.DefaultLanguage == nil && !slices.ContainsFunc(t.Languages, func(l string) bool {
			return i18n.Normalize(l) == t.DefaultLanguage
		}) {
			// The old default is no longer offered: the first is.
			t.DefaultLanguage = ""
		}
	}
	if in.DefaultLanguage != nil {
		t.DefaultLanguage = *in.DefaultLanguage
	}
	if err := s.st.InTx(c.ctx, func(tx *store.Tx) error {
		var err error
		if t, err = tx.UpdateTenant(c.ctx, t); err != nil {
			return err
		}
		return s.auditIn(c, tx, 0, "tenant.updated", map[string]any{"organization": in.Organization != nil,
			"review_mode": in.ReviewMode != nil, "asks": in.Asks != nil, "reminder_days": in.ReminderDays != nil,
			"return_origins": in.ReturnOrigins != nil, "languages": in.Languages != nil || in.DefaultLanguage != nil})
	}); err != nil {
		return reply{}, err
	}
	cred, err := s.st.Credential(c.ctx, t.CredentialID)
	if err != nil {
		return reply{}, err
	}
	v := tenantOf(t, cred)
	if in.UpgradeInvitations && widened(before, t, cred) {
		res, err := s.cfg.Connect.InviteUpgrades(c.ctx, c.tenant, c.actor())
		if err != nil {
			return reply{}, err
		}
		v.UpgradeInvitations = &res.Invited
	}
	return ok(v)
}

// widened reports whether after asks for an ORCID scope before did not.
func widened(before, after store.Tenant, cred store.Credential) bool {
	old := connect.TenantScopes(before, cred)
	for _, sc := range connect.TenantScopes(after, cred) {
		if sc != orcid.ScopeAuthenticate && !slices.Contains(old, sc) {
			return true
		}
	}
	return false
}
