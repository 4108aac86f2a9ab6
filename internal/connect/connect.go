// Package connect is orcidlink's create-on-demand workflow, independent of
// HTTP: inviting people, sending them to ORCID, completing the
// authorization, and letting go (disconnect, removal).
package connect

import "github.com/orcidlink/orcidlink/internal/store"

// Service runs the workflow for every tenant.
type Service struct {
	store *store.Store
}
