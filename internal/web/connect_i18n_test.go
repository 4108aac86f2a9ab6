package web

import (
	"net/http/httptest"
	"slices"
	"testing"
)

func TestAcceptLanguages(t *testing.T) {
	tests := []struct {
		header string
		want   []string
	}{
		{"", nil},
		{"fr-CA,fr;q=0.9,en;q=0.8", []string{"fr-CA", "fr", "en"}},
		{"en;q=0.2, es", []string{"es", "en"}},
		{"de;q=0, *;q=0.5, es;q=0.4", []string{"es"}},
		{"en;q=bad, fr", []string{"fr"}},
		{";;,,", nil},
	}
	for _, tt := range tests {
		if got := acceptLanguages(tt.header); !slices.Equal(got, tt.want) {
			t.Errorf("acceptLanguages(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
	// requestLang with nothing known falls back to English; without a
	// tenant, any of the twelve counts.
	s := &Server{}
	if got := s.requestLang(httptest.NewRequest("GET", "/", nil), nil, nil); got != "en" {
		t.Errorf("requestLang with nothing = %q", got)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Accept-Language", "zh-Hant-TW,zh;q=0.8")
	if got := s.requestLang(r, nil, nil); got != "zh_TW" {
		t.Errorf("requestLang for zh-Hant-TW = %q", got)
	}
}
