package web

import (
	"fmt"
	"net/http"
	"regexp"
)

var brandColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// brandCSS serves a tenant's colours as a stylesheet of its own: the
// pages' Content-Security-Policy allows no inline styles, and the colour
// is checked again here so nothing but a colour reaches the CSS.
func (s *Server) brandCSS(w http.ResponseWriter, r *http.Request) {
	t, err := s.store.TenantBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	if c := t.Branding.PrimaryColor; brandColor.MatchString(c) {
		fmt.Fprintf(w, "header.top { border-bottom-color: %[1]s; }\nh1, h2, main a { color: %[1]s; }\n", c)
	}
}
