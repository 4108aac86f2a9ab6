package i18n

import (
	"testing"
	"unicode/utf8"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		tag, want string
	}{
		{"en", "en"}, {"EN", "en"}, {" fr ", "fr"}, {"fr-CA", "fr"}, {"pt_BR", "pt"}, {"pt-PT", "pt"},
		{"PT", "pt"}, {"ar-EG", "ar"}, {"ja_JP", "ja"}, {"ko-KR", "ko"}, {"ru", "ru"}, {"cs-CZ", "cs"},
		{"it", "it"}, {"es-419", "es"},
		{"zh", "zh_CN"}, {"zh-CN", "zh_CN"}, {"zh_CN", "zh_CN"}, {"zh_cn", "zh_CN"}, {"zh-Hans", "zh_CN"},
		{"zh-Hans-CN", "zh_CN"}, {"zh-SG", "zh_CN"},
		{"zh-TW", "zh_TW"}, {"zh_TW", "zh_TW"}, {"zh-Hant", "zh_TW"}, {"zh-Hant-TW", "zh_TW"}, {"zh-HK", "zh_TW"},
		{"zh-MO", "zh_TW"},
		{"", ""}, {"*", ""}, {"de", ""}, {"de-DE", ""}, {"english", ""}, {"xx", ""}, {"-en", ""}, {"en_", "en"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.tag); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.tag, got, tt.want)
		}
		l, ok := Lookup(tt.tag)
		if ok != (tt.want != "") || l.Code != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.tag, l.Code, ok, tt.want)
		}
	}
}

// TestLanguages checks the list every other package relies on: ORCID's
// twelve site languages, each with a name, a direction and ORCID's code,
// each found by its own code and by its HTML tag.
func TestLanguages(t *testing.T) {
	want := []string{"ar", "cs", "en", "es", "fr", "it", "ja", "ko", "pt", "ru", "zh_CN", "zh_TW"}
	codes := Codes()
	if len(codes) != len(want) {
		t.Fatalf("Codes() = %v, want %v", codes, want)
	}
	for i, l := range Languages() {
		if codes[i] != want[i] || l.Code != want[i] {
			t.Errorf("language %d = %q, want %q", i, l.Code, want[i])
		}
		if l.Name == "" || !utf8.ValidString(l.Name) || l.English == "" || l.ORCID == "" || l.HTML == "" {
			t.Errorf("%s: incomplete %+v", l.Code, l)
		}
		if wantDir := map[bool]Direction{true: RTL, false: LTR}[l.Code == "ar"]; l.Dir != wantDir {
			t.Errorf("%s: direction %q, want %q", l.Code, l.Dir, wantDir)
		}
		for _, tag := range []string{l.Code, l.HTML, l.ORCID} {
			if got := Normalize(tag); got != l.Code {
				t.Errorf("Normalize(%q) = %q, want %q", tag, got, l.Code)
			}
		}
	}
	if Normalize(Default) != Default {
		t.Errorf("Default %q is not a language", Default)
	}
}
