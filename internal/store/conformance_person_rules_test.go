package store_test

import (
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/store"
)

// testPersonRules: the store's one validation of a person (CheckPerson,
// which the admin UI, the REST API and batch files call) is applied to
// every write, reports every problem with its field, and normalises a
// language to the code orcidlink stores.
func testPersonRules(t *testing.T, e *env) {
	c := e.credential(t, "APP-RULES")
	tn := e.tenant(t, "rules", c.ID)
	long := strings.Repeat("é", store.MaxNameChars+1)
	for _, tc := range []struct {
		name     string
		p        store.Person
		fields   []string // the fields refused, in order; nil: accepted
		language string   // the language stored, when accepted
	}{
		{"no language", store.Person{GivenNames: "A", Email: "a@example.org"}, nil, ""},
		{"a language", store.Person{GivenNames: "B", Email: "b@example.org", Language: "ja"}, nil, "ja"},
		{"BCP 47 spelling", store.Person{GivenNames: "C", Email: "c@example.org", Language: "zh-CN"}, nil, "zh_CN"},
		{"capitals", store.Person{GivenNames: "D", Email: "d@example.org", Language: "PT"}, nil, "pt"},
		{"traditional Chinese", store.Person{GivenNames: "E", Email: "e@example.org", Language: " zh_tw "}, nil, "zh_TW"},
		{"German", store.Person{GivenNames: "F", Email: "f@example.org", Language: "de"}, []string{"language"}, ""},
		{"not a tag", store.Person{GivenNames: "G", Email: "g@example.org", Language: "english"}, []string{"language"}, ""},
		{"no name", store.Person{Email: "h@example.org"}, []string{"given_names"}, ""},
		{"names too long", store.Person{GivenNames: long, FamilyNames: long, Email: "i@example.org"},
			[]string{"given_names", "family_names"}, ""},
		{"display name", store.Person{GivenNames: "J", Email: "J <j@example.org>"}, []string{"email"}, ""},
		{"no dot in the domain", store.Person{GivenNames: "K", Email: "k@localhost"}, []string{"email"}, ""},
		{"no email", store.Person{GivenNames: "L"}, []string{"email"}, ""},
		{"everything wrong", store.Person{Email: "nope", ExternalRef: strings.Repeat("r", store.MaxExternalRefChars+1),
			Language: "de"}, []string{"given_names", "email", "external_ref", "language"}, ""},
	} {
		tc.p.TenantID = tn.ID
		got, err := e.s.CreatePerson(e.ctx, tc.p)
		if tc.fields == nil {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else if got.Language != tc.language {
				t.Errorf("%s: language stored %q, want %q", tc.name, got.Language, tc.language)
			}
			continue
		}
		fes, ok := store.AsFieldErrors(err)
		if !errors.Is(err, store.ErrInvalid) || !ok {
			t.Errorf("%s: err = %v, want field errors about %v", tc.name, err, tc.fields)
			continue
		}
		var fields []string
		for _, fe := range fes {
			fields = append(fields, fe.Field)
			if !strings.HasPrefix(fe.Message(), strings.ReplaceAll(fe.Field, "_", " ")+" ") {
				t.Errorf("%s: message %q does not name its field %s", tc.name, fe.Message(), fe.Field)
			}
		}
		if !slices.Equal(fields, tc.fields) {
			t.Errorf("%s: refused %v, want %v (%v)", tc.name, fields, tc.fields, err)
		}
	}

	// The language's message lists what is accepted.
	_, err := e.s.CreatePerson(e.ctx, store.Person{TenantID: tn.ID, GivenNames: "M", Email: "m@example.org", Language: "de"})
	var fe *store.FieldError
	if !errors.As(err, &fe) || fe.Field != "language" {
		t.Fatalf("German: err = %v, want a FieldError about language", err)
	}
	for _, code := range i18n.Codes() {
		if !strings.Contains(fe.Message(), code) {
			t.Errorf("the language's message %q does not list %s", fe.Message(), code)
		}
	}

	// An update is held to the same rules.
	p := e.person(t, tn.ID, "Nia", "Okafor")
	p.Language = "de"
	_, err = e.s.UpdatePerson(e.ctx, p)
	if fes, ok := store.AsFieldErrors(err); !ok || len(fes) != 1 || fes[0].Field != "language" {
		t.Errorf("update to German: err = %v, want a field error about language", err)
	}
	p.Language = "FR"
	if got, err := e.s.UpdatePerson(e.ctx, p); err != nil || got.Language != "fr" {
		t.Errorf("update to FR: %+v, %v; want language fr", got.Language, err)
	}
}

// TestCheckPerson: the validation the doors call before writing needs no
// database, and normalises the person in place.
func TestCheckPerson(t *testing.T) {
	p := store.Person{GivenNames: "  Ana ", FamilyNames: "Lima", Email: " ana@example.org ", Language: "zh-Hant"}
	if err := store.CheckPerson(&p); err != nil {
		t.Fatal(err)
	}
	if p.GivenNames != "Ana" || p.Email != "ana@example.org" || p.Language != "zh_TW" {
		t.Errorf("normalised to %+v", p)
	}
	p.Language = "de"
	err := store.CheckPerson(&p)
	var fe *store.FieldError
	if !errors.As(err, &fe) || fe.Field != "language" || fe.Kind != store.FieldBadValue {
		t.Errorf("German: err = %v, want a FieldError about language", err)
	}
}

// testPersonLanguagesMigration: migration 00021 clears the languages the
// REST API used to store that name none orcidlink speaks, exactly those
// i18n.Normalize refuses, and keeps other spellings of the others (the
// next write normalises them).
func testPersonLanguagesMigration(t *testing.T, e *env) {
	src, err := os.ReadFile("migrations/00021_person_languages.sql")
	if err != nil {
		t.Fatal(err)
	}
	_, up, _ := strings.Cut(string(src), "-- +goose Up")
	up, _, _ = strings.Cut(up, "-- +goose Down")
	c := e.credential(t, "APP-MIGRATE")
	tn := e.tenant(t, "migrate", c.ID)
	stored := []string{"de", "pt-BR", "PT", "zh-CN", "zh_tw", "zh", "zh-Hant", "en-GB", "fr_CA", "english", "arn", "x-klingon",
		" es ", "ja", "de-CH", ""}
	ids := make([]int64, len(stored))
	for i, l := range stored {
		p := e.person(t, tn.ID, "Lang", strconv.Itoa(i))
		e.rawExec(t, `UPDATE people SET language = ? WHERE id = ?`, l, p.ID)
		ids[i] = p.ID
	}
	e.rawExec(t, up)
	for i, l := range stored {
		p, err := e.s.Person(e.ctx, tn.ID, ids[i])
		want(t, "read", err, nil)
		kept := i18n.Normalize(l) != ""
		if kept && p.Language != l || !kept && p.Language != "" {
			t.Errorf("%q after the migration: %q (orcidlink speaks it: %v)", l, p.Language, kept)
		}
	}
}
