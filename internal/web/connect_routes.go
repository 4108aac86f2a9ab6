package web

import "net/http"

// registerConnectRoutes serves the researcher's side: invitation, connect,
// callback, success, denial, disconnect, and the public iD snippets.
func (s *Server) registerConnectRoutes(mux *http.ServeMux) {}
