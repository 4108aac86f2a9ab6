package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/jobs"
)

// TestRecordWebhookCalls: ORCID's call, as its scheduler sends it (POST,
// empty body, no Origin, no cookie), reaches the route through the whole
// site (on an https public URL, as in production) and marks the record
// changed; a wrong token, an unknown link and a GET do not.
func TestRecordWebhookCalls(t *testing.T) {
	env := newAdminEnv(t, adminEnvOptions{tls: true})
	ctx := context.Background()
	cred := env.addCredential(t, "Premium", "APP-PREMIUM000001", "secret")
	tn := env.addTenant(t, "hooks", cred.ID)
	p := env.addPerson(t, tn.ID, "Ada", "Lovelace", "ada@example.org")
	link := env.connectPerson(t, tn, p, "0000-0002-1825-0097", "tok")
	h, err := env.st.EnsureRecordWebhook(ctx, link, "TOKEN234567ABCDEFGHIJKLMNO")
	if err != nil {
		t.Fatal(err)
	}
	client := env.srv.Client()
	call := func(method, path string) int {
		t.Helper()
		req, err := http.NewRequest(method, env.baseURL+path, strings.NewReader("{\"ignored\": true}"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	path := func(linkID int64, token string) string {
		return fmt.Sprintf("%s%d/%s", jobs.RecordWebhookPath, linkID, token)
	}
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"POST", path(link.ID, "TOKEN234567ABCDEFGHIJKLMNX"), http.StatusNotFound},
		{"POST", path(link.ID, "token234567abcdefghijklmno"), http.StatusNotFound},
		{"POST", path(link.ID+1, h.Token), http.StatusNotFound},
		{"GET", path(link.ID, h.Token), http.StatusMethodNotAllowed},
	} {
		if got := call(c.method, c.path); got != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, got, c.want)
		}
	}
	if got, err := env.st.RecordWebhookOfLink(ctx, link.ID); err != nil || !got.ChangedAt.IsZero() {
		t.Fatalf("after refused calls: changed at %v, %v", got.ChangedAt, err)
	}
	for range 2 { // twice is once
		if got := call("POST", path(link.ID, h.Token)); got != http.StatusNoContent {
			t.Fatalf("ORCID's call: %d, want 204", got)
		}
	}
	if got, err := env.st.RecordWebhookOfLink(ctx, link.ID); err != nil || got.ChangedAt.IsZero() {
		t.Fatalf("after ORCID's call: changed at %v, %v", got.ChangedAt, err)
	}
}
