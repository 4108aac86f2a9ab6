package web_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestAdminTenantInvitationEmails(t *testing.T) {
	env, c, tn := adminSignedInSite(t)
	path := "/admin/tenants/" + strconv.FormatInt(tn.ID, 10) + "/emails"
	page := c.get(path)
	if page.status != 200 || !strings.Contains(page.body, "{{.Link}}") {
		t.Fatalf("GET %s: %d; the built-in email should be offered as a template:\n%s", path, page.status, page.body)
	}
	form := url.Values{}
	for _, lang := range tn.Languages {
		form.Set("subject_"+lang, "built-in")
		form.Set("text_"+lang, "{{.Link}}")
	}
	lang := tn.Languages[0]

	// A custom template without the link is refused, and nothing is saved.
	form.Set("custom_"+lang, "on")
	form.Set("subject_"+lang, "Connect your iD, {{.GivenNames}}")
	form.Set("text_"+lang, "Hello {{.Name}}, please connect.")
	if res := c.post(path, form); res.status != 400 || !strings.Contains(res.body, `id="email-`+lang+`-error"`) ||
		!strings.Contains(res.body, "must contain the invitation link") {
		t.Fatalf("template without the link: %d\n%s", res.status, res.body)
	}
	if got, _ := env.st.Tenant(t.Context(), tn.ID); len(got.Settings.InvitationEmails) != 0 {
		t.Fatalf("a refused template was saved: %+v", got.Settings.InvitationEmails)
	}

	form.Set("text_"+lang, "Hello {{.Name}},\r\nplease connect: {{.Link}}\r\n")
	if res := c.post(path, form); res.status != 303 {
		t.Fatalf("valid template: %d\n%s", res.status, res.body)
	}
	got, _ := env.st.Tenant(t.Context(), tn.ID)
	tmpl, ok := got.Settings.InvitationEmails[lang]
	if !ok || len(got.Settings.InvitationEmails) != 1 || tmpl.Text != "Hello {{.Name}},\nplease connect: {{.Link}}\n" {
		t.Fatalf("saved %+v", got.Settings.InvitationEmails)
	}
	if page := c.get(path); !strings.Contains(page.body, `id="custom-`+lang+`" checked`) {
		t.Fatalf("the saved template is not shown as in use:\n%s", page.body)
	}
}
