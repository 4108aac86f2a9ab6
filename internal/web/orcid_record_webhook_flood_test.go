package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/web"
)

// TestRecordWebhookFloodDoesNotRefuseORCID: anyone can post made-up tokens
// to the webhook route as fast as they like; they soon get 429, but
// ORCID's own call, with the right token, still marks the record changed
// (a 429 would make ORCID forget it, and the record would wait for the
// weekly safety read).
func TestRecordWebhookFloodDoesNotRefuseORCID(t *testing.T) {
	env := newAdminEnv(t, adminEnvOptions{})
	ctx := context.Background()
	cred := env.addCredential(t, "Premium", "APP-PREMIUM000002", "secret")
	tn := env.addTenant(t, "flood", cred.ID)
	p := env.addPerson(t, tn.ID, "Ada", "Lovelace", "ada@example.org")
	link := env.connectPerson(t, tn, p, "0000-0002-1825-0097", "tok")
	h, err := env.st.EnsureRecordWebhook(ctx, link, "TOKEN234567ABCDEFGHIJKLMNO")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(web.RecordWebhookRoute, web.RecordWebhooks(env.st, nil))
	call := func(linkID int64, token string) int {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, fmt.Sprintf("%s%d/%s", jobs.RecordWebhookPath, linkID, token), nil))
		return rec.Code
	}
	limited := 0
	for i := range 1000 {
		switch code := call(link.ID+int64(i%2), fmt.Sprintf("GUESS%021d", i)); code {
		case http.StatusTooManyRequests:
			limited++
		case http.StatusNotFound:
		default:
			t.Fatalf("a made-up token got %d", code)
		}
	}
	if limited == 0 {
		t.Error("a flood of made-up tokens was never answered 429")
	}
	if code := call(link.ID, h.Token); code != http.StatusNoContent {
		t.Fatalf("ORCID's call during the flood: %d, want 204", code)
	}
	if got, err := env.st.RecordWebhookOfLink(ctx, link.ID); err != nil || got.ChangedAt.IsZero() {
		t.Fatalf("ORCID's call did not mark the record changed: %+v, %v", got, err)
	}
}
