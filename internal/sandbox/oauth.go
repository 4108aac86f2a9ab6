package sandbox

import "net/http"

// registerOAuthRoutes serves OAuth 2.0 and OpenID Connect.
func (r *Registry) registerOAuthRoutes(mux *http.ServeMux) {}
