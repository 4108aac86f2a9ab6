package journal

import (
	"context"

	"github.com/orcidlink/orcidlink/internal/store"
)

// PushAfter is the second half of SaveArticle (putting every author's copy
// of a, as saved), for tests that commit another change in between, as a
// concurrent request would.
func (s *Service) PushAfter(ctx context.Context, a store.Article) (Result, error) {
	return s.push(ctx, Result{Article: a}, nil)
}
