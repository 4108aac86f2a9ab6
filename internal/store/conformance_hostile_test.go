package store_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// testOutboxSealed: a message's secrets (an invitation link's token) are
// sealed at rest while it waits, every read before it is sent gives the
// whole message (the sender, or the admin UI's outbox in the demo), and
// once sent only a copy with the secrets redacted is left, at rest and
// through every read.
func testOutboxSealed(t *testing.T, e *env) {
	c := e.credential(t, "APP-SEALED-MAIL")
	tn := e.tenant(t, "sealed-mail", c.ID)
	token := store.NewInvitationToken()
	link := "https://orcidlink.example/i/" + token
	m, err := e.s.QueueEmail(e.ctx, store.Email{TenantID: tn.ID, Recipient: "ann@example.org",
		Subject: "Connect " + link, TextBody: "Please open " + link + "\n", HTMLBody: `<a href="` + link + `">connect</a>`,
		Secrets: []string{token}})
	want(t, "queue", err, nil)
	if !strings.Contains(m.TextBody, link) || !strings.Contains(m.HTMLBody, link) || !strings.Contains(m.Subject, link) {
		t.Fatalf("the queued message is not whole: %+v", m)
	}
	atRest := func(when string, sealedWanted bool) {
		t.Helper()
		for _, col := range []string{"subject", "text_body", "html_body"} {
			raw := e.rawBytes(t, `SELECT `+col+` FROM emails WHERE id = ?`, m.ID)
			if bytes.Contains(raw, []byte(token)) || !bytes.Contains(raw, []byte(store.RedactedSecret)) {
				t.Errorf("%s: %s is stored as %q", when, col, raw)
			}
		}
		var sealed []byte
		if err := e.s.DB().QueryRowContext(e.ctx, e.raw(`SELECT sealed FROM emails WHERE id = ?`), m.ID).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		switch {
		case sealedWanted && (bytes.Contains(sealed, []byte(token)) || !bytes.HasPrefix(sealed, []byte("v1:test1:"))):
			t.Errorf("%s: sealed column is %q", when, sealed)
		case !sealedWanted && sealed != nil:
			t.Errorf("%s: the sealed message stays after sending: %q", when, sealed)
		}
	}
	atRest("unsent", true)

	unsent, err := e.s.UnsentEmails(e.ctx, 0)
	want(t, "unsent", err, nil)
	if len(unsent) != 1 || unsent[0].TextBody != m.TextBody || unsent[0].HTMLBody != m.HTMLBody {
		t.Fatalf("the sender would not send the whole message: %+v", unsent)
	}
	if got, err := e.s.Email(e.ctx, m.ID); err != nil || !strings.Contains(got.TextBody, link) {
		t.Fatalf("unsent message as the outbox shows it: %+v, %v", got, err)
	}

	want(t, "sent", e.s.MarkEmailSent(e.ctx, m.ID, e.clock.Now()), nil)
	atRest("sent", false)
	reads := map[string]func() (store.Email, error){
		"Email": func() (store.Email, error) { return e.s.Email(e.ctx, m.ID) },
		"ListEmails": func() (store.Email, error) {
			l, err := e.s.ListEmails(e.ctx, 1)
			if len(l) != 1 {
				return store.Email{}, errors.Join(err, errors.New("no message listed"))
			}
			return l[0], err
		},
		"ListTenantEmails": func() (store.Email, error) {
			l, err := e.s.ListTenantEmails(e.ctx, tn.ID, 1)
			if len(l) != 1 {
				return store.Email{}, errors.Join(err, errors.New("no message listed"))
			}
			return l[0], err
		},
	}
	for name, read := range reads {
		got, err := read()
		want(t, name, err, nil)
		for _, s := range []string{got.Subject, got.TextBody, got.HTMLBody} {
			if strings.Contains(s, token) || !strings.Contains(s, "https://orcidlink.example/i/"+store.RedactedSecret) {
				t.Errorf("%s after sending: %q", name, s)
			}
		}
	}

	// A secret short enough to blank out ordinary words is refused.
	_, err = e.s.QueueEmail(e.ctx, store.Email{Recipient: "ann@example.org", Subject: "s", TextBody: "a b",
		Secrets: []string{"a"}})
	want(t, "short secret", err, store.ErrInvalid)
}

// testControlCharacters: every name and reference people type refuses
// control characters with a FieldError naming the field (not a database
// error: PostgreSQL refuses NUL in text outright), and an abstract keeps
// its paragraphs.
func testControlCharacters(t *testing.T, e *env) {
	c := e.credential(t, "APP-CONTROL")
	tn := e.tenant(t, "control", c.ID)
	p := e.person(t, tn.ID, "Clean", "Person")
	ok := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	cases := []struct {
		name, field string
		write       func(bad string) error
	}{
		{"person given names", "given_names", func(bad string) error {
			_, err := e.s.CreatePerson(e.ctx, store.Person{TenantID: tn.ID, GivenNames: "A" + bad + "na", FamilyNames: "B", Email: "nul1@example.org"})
			return err
		}},
		{"person family names on update", "family_names", func(bad string) error {
			q := p
			q.FamilyNames = "Per" + bad + "son"
			_, err := e.s.UpdatePerson(e.ctx, q)
			return err
		}},
		{"person reference", "external_ref", func(bad string) error {
			_, err := e.s.CreatePerson(e.ctx, store.Person{TenantID: tn.ID, GivenNames: "A", Email: "nul2@example.org", ExternalRef: "R" + bad + "1"})
			return err
		}},
		{"tenant name", "name", func(bad string) error {
			_, err := e.s.CreateTenant(e.ctx, store.Tenant{Slug: "ctl-tenant", Name: "Bad" + bad + "Name", SupportEmail: "h@example.org",
				CredentialID: c.ID, Languages: []string{"en"}})
			return err
		}},
		{"tenant organisation", "organization/name", func(bad string) error {
			u := tn
			u.Settings.Publisher = store.Publisher{Name: "Pub" + bad + "lisher", City: "Town", Country: "NZ"}
			_, err := e.s.UpdateTenant(e.ctx, u)
			return err
		}},
		{"article title", "title", func(bad string) error {
			_, _, err := e.s.SaveArticle(e.ctx, store.Article{TenantID: tn.ID, Key: "a1", Title: "On" + bad + "Things"})
			return err
		}},
		{"article contributor", "contributors/0/name", func(bad string) error {
			_, _, err := e.s.SaveArticle(e.ctx, store.Article{TenantID: tn.ID, Key: "a2", Title: "T",
				Contributors: []store.Contributor{{Name: "Ana" + bad + "Lima"}}})
			return err
		}},
		{"article abstract", "abstract", func(bad string) error {
			_, _, err := e.s.SaveArticle(e.ctx, store.Article{TenantID: tn.ID, Key: "a3", Title: "T", Abstract: "One" + bad + "two"})
			return err
		}},
		{"editor role", "role", func(bad string) error {
			_, err := e.s.SaveEditor(e.ctx, store.Editor{TenantID: tn.ID, PersonID: p.ID, Role: "Editor" + bad + "in chief", Journal: "J",
				Start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
			return err
		}},
		{"API key name", "name", func(bad string) error {
			_, _, err := e.s.CreateAPIKey(e.ctx, store.NewAPIKey{TenantID: tn.ID, Name: "key" + bad + "1"})
			return err
		}},
	}
	for _, tc := range cases {
		for _, bad := range []string{"\x00", "\x07", "\x1b[2J", "\u0085", "\u2028"} {
			err := tc.write(bad)
			fe, isField := store.AsFieldError(err)
			if !errors.Is(err, store.ErrInvalid) || !isField || fe.Field != tc.field || !strings.Contains(fe.Problem, "U+") {
				t.Errorf("%s with %q: err = %v, want a FieldError about %s", tc.name, bad, err, tc.field)
			}
		}
	}
	// One-line fields refuse line breaks and tabs; an abstract keeps them.
	for _, tc := range cases {
		if tc.field == "abstract" {
			continue
		}
		if err := tc.write("\n"); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s with a newline: err = %v, want ErrInvalid", tc.name, err)
		}
	}
	_, _, err := e.s.SaveArticle(e.ctx, store.Article{TenantID: tn.ID, Key: "a4", Title: "T", Abstract: "One.\n\n\tTwo.\r\n"})
	ok("abstract with paragraphs", err)
	_, err = e.s.CreatePerson(e.ctx, store.Person{TenantID: tn.ID, GivenNames: "José", FamilyNames: "Núñez-O'Brien 李", Email: "jn@example.org"})
	ok("a name in any script", err)
}
