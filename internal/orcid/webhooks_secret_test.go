package orcid_test

import (
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

// TestWebhookCallbackIsASecret: a webhook's callback carries the token
// that is the only proof ORCID's calls come from ORCID. Registering and
// removing it, and ORCID refusing either, show it nowhere: not to the hook
// (the call log), not in errors. The registry still gets it whole.
func TestWebhookCallbackIsASecret(t *testing.T) {
	const token = "R1CALLBACKTOKENSECRET7Q2ZX"
	for _, tc := range []struct {
		name    string
		premium bool
	}{
		{"premium client: registered and removed", true},
		{"other client: ORCID refuses", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var callback string
			f := newFixture(t, func(env *sandboxtest.Env) sandbox.Client {
				c, err := env.Registry.CreateClient(t.Context(), sandbox.NewClient{Name: "hooks", Type: "member",
					Premium: tc.premium, RedirectURIs: []string{env.Callback.URL}}, false)
				if err != nil {
					t.Fatal(err)
				}
				callback = env.Callback.URL + "/orcid/record-changed/7/" + token
				return c
			})
			f.rec.secret(token)
			id := orcid.ID(f.env.Researcher.ORCID)
			_, regErr := f.client.RegisterWebhook(t.Context(), id, callback)
			if tc.premium {
				hs, err := f.env.Registry.Webhooks(t.Context())
				if err != nil || len(hs) != 1 || hs[0].URI != callback {
					t.Fatalf("the registry holds %+v (%v), want the callback whole", hs, err)
				}
			}
			unregErr := f.client.UnregisterWebhook(t.Context(), id, callback)
			for what, err := range map[string]error{"register": regErr, "unregister": unregErr} {
				if (err != nil) == tc.premium {
					t.Errorf("%s: %v", what, err)
				}
				if err != nil && strings.Contains(err.Error(), token) {
					t.Errorf("%s: the error shows the callback's token: %v", what, err)
				}
			}
			if tc.premium {
				if n := f.rec.count("PUT", "/webhook/[REDACTED]"); n != 1 {
					t.Errorf("%d registrations shown with the callback hidden, want 1", n)
				}
			}
			// rec.check, at cleanup, finds the token in no call the hook saw.
		})
	}
}
