package connect

import (
	"context"

	"github.com/orcidlink/orcidlink/internal/store"
)

// disconnected tells Config.Disconnected that the link no longer reads
// the record (the researcher or an administrator removed it, or ORCID
// revoked its token): ORCID's webhook for the record is then removed
// (jobs.Queue.UnregisterWebhook). After the removal is committed, so that
// a job reading the link finds it gone.
func (s *Service) disconnected(ctx context.Context, link store.Link) {
	if s.cfg.Disconnected != nil {
		s.cfg.Disconnected(context.WithoutCancel(ctx), link)
	}
}
