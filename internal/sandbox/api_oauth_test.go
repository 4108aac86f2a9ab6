package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

// TestAPIWithOAuthTokens drives the Member and Public APIs with tokens
// obtained through the registry's real OAuth flow, as an integration would:
// write a work, read it back on both APIs, revoke, and see the 401.
func TestAPIWithOAuthTokens(t *testing.T) {
	env := sandboxtest.New(t)
	id := env.Researcher.ORCID
	tok := env.Token(t, "/read-limited", "/activities/update")
	call := func(method, url, token, body string) (int, http.Header, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Accept", "application/vnd.orcid+json")
		if body != "" {
			req.Header.Set("Content-Type", "application/vnd.orcid+json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b
	}

	work := `{"title":{"title":{"value":"Via OAuth"}},"type":"journal-article",
	  "external-ids":{"external-id":[{"external-id-type":"doi","external-id-value":"10.4/oauth","external-id-relationship":"self"}]}}`
	status, h, body := call("POST", env.MemberAPI+"/"+id+"/work", tok.AccessToken, work)
	if status != http.StatusCreated {
		t.Fatalf("POST /work: %d %s", status, body)
	}
	loc := h.Get("Location")
	if !strings.HasPrefix(loc, env.MemberAPI+"/"+id+"/work/") {
		t.Fatalf("Location %q", loc)
	}
	status, _, body = call("GET", loc, tok.AccessToken, "")
	var w orcid.Work
	if status != 200 || json.Unmarshal(body, &w) != nil || w.Title.String() != "Via OAuth" {
		t.Fatalf("GET %s: %d %s", loc, status, body)
	}
	if src := w.GetSource(); src.SourceClientID.Path != env.Member.ID || src.SourceName.String() != env.Member.Name {
		t.Errorf("source %+v, want the member client", src)
	}

	// A two-legged token of the public client reads public data of the
	// record on the Public API.
	pub := env.ReadPublicToken(t, env.Public)
	if status, _, body := call("GET", env.PublicAPI+fmt.Sprintf("/%s/work/%d", id, w.PutCode), pub.AccessToken, ""); status != 200 {
		t.Errorf("Public API read: %d %s", status, body)
	}
	// ... but is refused by the Member API.
	if status, _, body := call("GET", env.MemberAPI+"/"+id+"/works", pub.AccessToken, ""); status != http.StatusForbidden {
		t.Errorf("Public API token on the Member API: %d %s", status, body)
	}

	// Once revoked, the token is refused with Spring's OAuth error.
	form := strings.NewReader(fmt.Sprintf("client_id=%s&client_secret=%s&token=%s", env.Member.ID, env.Member.Secret, tok.AccessToken))
	req, _ := http.NewRequestWithContext(context.Background(), "POST", env.BaseURL+"/oauth/revoke", form)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("revoke: %v %v", err, resp)
	}
	status, h, body = call("GET", loc, tok.AccessToken, "")
	if status != http.StatusUnauthorized || !strings.Contains(string(body), `"error":"invalid_token"`) || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Errorf("revoked token: %d %s %s", status, h.Get("Content-Type"), body)
	}
}
