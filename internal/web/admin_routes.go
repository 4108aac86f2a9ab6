package web

import "net/http"

// registerAdminRoutes serves the administrators' UI under /admin/.
func (s *Server) registerAdminRoutes(mux *http.ServeMux) {}
