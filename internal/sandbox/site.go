package sandbox

import "net/http"

// registerSiteRoutes serves the registry's pages: sign-in, registration,
// account, record pages, developer tools and the outbox.
func (r *Registry) registerSiteRoutes(mux *http.ServeMux) {}
