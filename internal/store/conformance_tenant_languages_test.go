package store_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/store"
)

// testTenantLanguages: a tenant's languages are package i18n's codes, in
// its order, whatever spelling they came in; none chosen means all
// twelve; a language orcidlink does not speak, or a default the tenant
// does not offer, is refused; and a row written before (tags such as
// pt-BR, a language no longer spoken) reads as i18n's codes.
func testTenantLanguages(t *testing.T, e *env) {
	c := e.credential(t, "APP-L")
	tests := []struct {
		name      string
		langs     []string
		def       string
		wantLangs []string
		wantDef   string
		wantErr   error
	}{
		{"none: all", nil, "", i18n.Codes(), "en", nil},
		{"spellings", []string{"zh-CN", "PT", "en", "pt_BR"}, "", []string{"en", "pt", "zh_CN"}, "zh_CN", nil},
		{"default in another spelling", []string{"ar", "zh_TW"}, "zh-Hant", []string{"ar", "zh_TW"}, "zh_TW", nil},
		{"unknown", []string{"en", "de"}, "", nil, "", store.ErrInvalid},
		{"default not offered", []string{"en", "es"}, "fr", nil, "", store.ErrInvalid},
	}
	for i, tt := range tests {
		tn, err := e.s.CreateTenant(e.ctx, store.Tenant{Slug: "lang-" + string(rune('a'+i)), Name: tt.name,
			Languages: tt.langs, DefaultLanguage: tt.def, CredentialID: c.ID})
		want(t, tt.name, err, tt.wantErr)
		if err != nil {
			continue
		}
		got, err := e.s.Tenant(e.ctx, tn.ID)
		want(t, tt.name+": read", err, nil)
		if !slices.Equal(got.Languages, tt.wantLangs) || got.DefaultLanguage != tt.wantDef {
			t.Errorf("%s: %v (default %q), want %v (default %q)", tt.name, got.Languages, got.DefaultLanguage, tt.wantLangs, tt.wantDef)
		}
	}

	// A row as an older version wrote it.
	tn, err := e.s.CreateTenant(e.ctx, store.Tenant{Slug: "lang-old", Name: "Old", Languages: []string{"en"}, CredentialID: c.ID})
	want(t, "create", err, nil)
	e.rawExec(t, `UPDATE tenants SET languages = ?, default_language = ? WHERE id = ?`, "de,pt-BR,en", "de", tn.ID)
	got, err := e.s.Tenant(e.ctx, tn.ID)
	want(t, "read old row", err, nil)
	if !slices.Equal(got.Languages, []string{"en", "pt"}) || got.DefaultLanguage != "pt" {
		t.Errorf("old row reads as %v (default %q)", got.Languages, got.DefaultLanguage)
	}
	// and is saved back as read.
	if _, err := e.s.UpdateTenant(e.ctx, got); err != nil {
		t.Errorf("saving the old row back: %v", err)
	}

	// Migration 00015: a tenant that offered every language orcidlink
	// spoke before (en, es, fr) offers all twelve; one that chose fewer
	// keeps its choice.
	src, err := os.ReadFile("migrations/00015_tenant_languages.sql")
	if err != nil {
		t.Fatal(err)
	}
	up, _, _ := strings.Cut(strings.SplitN(string(src), "-- +goose Up", 2)[1], "-- +goose Down")
	all, err := e.s.CreateTenant(e.ctx, store.Tenant{Slug: "lang-all", Name: "All", Languages: []string{"en"}, CredentialID: c.ID})
	want(t, "create", err, nil)
	e.rawExec(t, `UPDATE tenants SET languages = 'en,es,fr', default_language = 'es' WHERE id = ?`, all.ID)
	e.rawExec(t, `UPDATE tenants SET languages = 'en,fr', default_language = 'fr' WHERE id = ?`, tn.ID)
	e.rawExec(t, strings.TrimSpace(up))
	for _, c := range []struct {
		id        int64
		wantLangs []string
		wantDef   string
	}{{all.ID, i18n.Codes(), "es"}, {tn.ID, []string{"en", "fr"}, "fr"}} {
		got, err := e.s.Tenant(e.ctx, c.id)
		want(t, "read migrated", err, nil)
		if !slices.Equal(got.Languages, c.wantLangs) || got.DefaultLanguage != c.wantDef {
			t.Errorf("after 00015: %v (default %q), want %v (default %q)", got.Languages, got.DefaultLanguage, c.wantLangs, c.wantDef)
		}
	}
}
