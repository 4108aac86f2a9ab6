package sandbox

import "net/http"

// registerAPIRoutes serves the Member API at /v3.0/ and the Public API at
// /pub/v3.0/.
func (r *Registry) registerAPIRoutes(mux *http.ServeMux) {}
