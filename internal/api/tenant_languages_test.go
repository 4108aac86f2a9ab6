package api_test

import (
	"slices"
	"testing"
)

// TestTenantLanguages: GET /tenant says which languages the tenant
// offers; PATCH chooses them (written as package i18n writes them) and
// the default, refusing a language orcidlink does not speak, none at all,
// or a default it does not offer.
func TestTenantLanguages(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{})
	c := e.client(t, e.keyA)
	got := c.want(200, "GET", "/tenant", nil)
	if !slices.Equal(stringList(got["languages"]), []string{"en"}) || got["default_language"] != "en" {
		t.Fatalf("tenant languages %v, default %v", got["languages"], got["default_language"])
	}
	got = c.want(200, "PATCH", "/tenant", map[string]any{"languages": []string{"zh-TW", "AR", "en"}, "default_language": "ar"})
	if !slices.Equal(stringList(got["languages"]), []string{"ar", "en", "zh_TW"}) || got["default_language"] != "ar" {
		t.Fatalf("patched languages %v, default %v", got["languages"], got["default_language"])
	}
	// Dropping the default's language makes the first the default.
	got = c.want(200, "PATCH", "/tenant", map[string]any{"languages": []string{"ja", "ko"}})
	if !slices.Equal(stringList(got["languages"]), []string{"ja", "ko"}) || got["default_language"] != "ja" {
		t.Fatalf("languages %v, default %v", got["languages"], got["default_language"])
	}
	tests := []struct {
		name string
		body map[string]any
		want []string
	}{
		{"unknown language", map[string]any{"languages": []string{"en", "de"}}, []string{"/languages/1"}},
		{"none", map[string]any{"languages": []string{}}, []string{"/languages"}},
		{"default not offered", map[string]any{"default_language": "fr"}, []string{"/default_language"}},
		{"default unknown", map[string]any{"languages": []string{"en"}, "default_language": "xx"}, []string{"/default_language"}},
	}
	for _, tt := range tests {
		bad := c.want(422, "PATCH", "/tenant", tt.body)
		if got := pointers(bad); !slices.Equal(got, tt.want) {
			t.Errorf("%s: problems at %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := c.want(200, "GET", "/tenant", nil); !slices.Equal(stringList(got["languages"]), []string{"ja", "ko"}) {
		t.Errorf("a refused PATCH changed the languages: %v", got["languages"])
	}
}

// stringList turns a decoded JSON array of strings into a slice.
func stringList(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}
