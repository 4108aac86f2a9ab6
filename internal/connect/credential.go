package connect

import (
	"context"
	"errors"

	"github.com/orcidlink/orcidlink/internal/store"
)

// ErrCredentialBroken means ORCID refuses the organisation's API credential
// (a wrong or reset secret, a locked client), so nobody can connect until an
// administrator repairs it. The researcher is remembered and emailed once it
// works again (package problems); their page says so instead of "try again".
var ErrCredentialBroken = errors.New("ORCID refuses the organisation's API credential")

// credentialBroken remembers a researcher who met a broken credential, so
// that they are invited again once it is repaired, and, when ORCID has just
// refused it (cause not nil), reports the refusal (Config.CredentialRefused).
func (s *Service) credentialBroken(ctx context.Context, cred store.Credential, tenantID, personID int64, cause error) {
	ctx = context.WithoutCancel(ctx)
	if err := s.store.AddCredentialWaiter(ctx, cred.ID, tenantID, personID); err != nil {
		s.log.ErrorContext(ctx, "could not remember a researcher waiting for a credential", "tenant", tenantID,
			"person", personID, "credential", cred.ID, "err", err)
	}
	if cause != nil && s.cfg.CredentialRefused != nil {
		s.cfg.CredentialRefused(ctx, cred.ID, cause)
	}
}
