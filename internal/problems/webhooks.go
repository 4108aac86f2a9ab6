package problems

import (
	"context"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// webhooksRecheck is how long an answer about the /webhook scope is kept
// before a credential check asks again: a client can become premium, or
// stop being one.
const webhooksRecheck = 24 * time.Hour

// checkWebhooks asks ORCID, for a credential that works, whether its
// client may use premium webhooks (a /webhook token is issued only to
// premium member clients; others get 400 invalid_scope) and records the
// answer for the record imports (jobs/record_webhooks.go). A failure to
// ask is logged: it says nothing about whether the credential works.
func (s *Service) checkWebhooks(ctx context.Context, cred store.Credential) {
	state, checked, err := s.st.CredentialWebhooks(ctx, cred.ID)
	if err != nil {
		s.log.WarnContext(ctx, "webhook capability", "credential", cred.ID, "err", err)
		return
	}
	if state != store.WebhooksUnknown && s.now().Sub(checked) < webhooksRecheck {
		return
	}
	client, err := orcid.New(orcid.Config{Credential: cred.ORCID(), HTTPClient: s.cfg.HTTPClient,
		Retry: orcid.RetryPolicy{MaxAttempts: 2}})
	if err != nil {
		s.log.WarnContext(ctx, "webhook capability", "credential", cred.ID, "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	ok, err := client.WebhooksAllowed(ctx)
	if err != nil {
		s.log.WarnContext(ctx, "could not ask ORCID whether the credential may use webhooks", "credential", cred.ID, "err", err)
		return
	}
	if err := s.st.SetCredentialWebhooks(ctx, cred.ID, ok); err != nil {
		s.log.WarnContext(ctx, "webhook capability", "credential", cred.ID, "err", err)
	}
}
