package api_test

import (
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/webhooks"
)

// TestWebhookEndpointRules: the REST API refuses an endpoint by the rules
// the admin UI uses too (webhooks.CheckEndpoint), each problem at its
// field, in the store's words.
func TestWebhookEndpointRules(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{})
	c := e.client(t, e.keyA)
	long := strings.Repeat("d", store.MaxWebhookDescriptionChars+1)
	ep := store.WebhookEndpoint{URL: "ftp://x", Description: long, EventTypes: []string{"person.connected", "person.happy"}}
	want, _ := store.AsFieldErrors(webhooks.CheckEndpoint(&ep))
	if len(want) != 3 {
		t.Fatalf("CheckEndpoint: %v, want three problems", want)
	}
	p := wantProblem(t, "bad endpoint", c.do("POST", "/webhooks", map[string]any{"url": "ftp://x", "description": long,
		"event_types": []string{"person.connected", "person.happy"}}), 422, "invalid-input")
	errs, _ := p["errors"].([]any)
	if len(errs) != len(want) {
		t.Fatalf("errors %v, want %d", p["errors"], len(want))
	}
	for i, x := range errs {
		got := x.(map[string]any)
		if got["pointer"] != "/"+want[i].Field || got["detail"] != want[i].Message() {
			t.Errorf("error %d: %v, want /%s %q", i, got, want[i].Field, want[i].Message())
		}
	}
	wantProblem(t, "no event types", c.do("POST", "/webhooks", map[string]any{"url": "https://hooks.example.org/x"}), 422, "invalid-input")
}
