package web

import (
	"net/http"
	"path"
	"strings"

	"github.com/orcidlink/orcidlink/internal/store"
)

// SiteAdminOnlyUnder serves the paths of h under prefix only to a signed-in
// site administrator of this server (by the admin UI's session cookie),
// answering 404 to anyone else as for a page that does not exist; other
// paths go to h as they are. In production the built-in sandbox's control
// API (which lists client secrets and injects faults) is kept this way.
// Cross-site requests are refused, since the cookie alone authorises.
func (s *Server) SiteAdminOnlyUnder(prefix string, h http.Handler) http.Handler {
	prefix = strings.TrimSuffix(prefix, "/")
	cop := http.NewCrossOriginProtection()
	guarded := cop.Handler(s.sessions.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := s.sessions.GetInt64(r.Context(), sessAdminID)
		if id == 0 {
			http.NotFound(w, r)
			return
		}
		u, err := s.store.AdminUser(r.Context(), id)
		if err != nil || u.Role != store.RoleSiteAdmin {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The cleaned, decoded path is what a mux behind would route, so
		// "//_sandbox/x", "/a/../_sandbox/x" or "/%5Fsandbox/x" are
		// guarded too.
		p := path.Clean("/" + r.URL.Path)
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			guarded.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}
