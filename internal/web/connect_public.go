package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// publicID is what the tenant's own systems may show about a person's
// authenticated iD.
type publicID struct {
	ORCID           string    `json:"orcid"` // the full URI
	ID              string    `json:"id"`    // the bare iD
	Authenticated   bool      `json:"authenticated"`
	AuthenticatedAt time.Time `json:"authenticated_at"`
	Name            string    `json:"name"`
}

// lookupPublicID finds the authenticated iD of a tenant's person by the
// tenant's reference. Only a connected link counts: an iD that is not
// authenticated (or no longer: removed, revoked) is never shown as if it
// were, and "not found" says nothing about why.
func (s *Server) lookupPublicID(r *http.Request) (publicID, bool) {
	ctx := r.Context()
	t, err := s.store.TenantBySlug(ctx, r.PathValue("slug"))
	if err != nil {
		return publicID{}, false
	}
	ref := r.PathValue("ref")
	if ref == "" {
		return publicID{}, false
	}
	p, err := s.store.PersonByExternalRef(ctx, t.ID, ref)
	if err != nil {
		return publicID{}, false
	}
	l, err := s.store.Link(ctx, t.ID, p.ID)
	if err != nil || l.State != store.LinkConnected || l.ORCIDURI == "" {
		return publicID{}, false
	}
	return publicID{ORCID: l.ORCIDURI, ID: string(l.ORCID), Authenticated: true, AuthenticatedAt: l.AuthenticatedAt.UTC(),
		Name: strings.TrimSpace(p.GivenNames + " " + p.FamilyNames)}, true
}

// publicHeaders let any site fetch or frame the public snippets: they hold
// nothing but what ORCID shows publicly.
func publicHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cache-Control", "public, max-age=300")
	h.Del("X-Frame-Options")
}

// publicIDJSON is GET /t/{slug}/people/{ref}/orcid.json.
func (s *Server) publicIDJSON(w http.ResponseWriter, r *http.Request) {
	id, ok := s.lookupPublicID(r)
	if !ok {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"not found"}` + "\n"))
		return
	}
	publicHeaders(w)
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(id)
}

// idSnippet is the embeddable HTML: the iD icon and the full URI, as
// ORCID's display guidelines ask. Inline sizes keep it right wherever it
// is pasted, since the host's stylesheet is unknown.
var idSnippet = template.Must(template.New("snippet").Parse(`<a class="orcidlink-id" href="{{.ID.ORCID}}" rel="author"` +
	` title="ORCID iD of {{.ID.Name}} (authenticated)"><img src="{{.Icon}}" alt="ORCID iD" width="16" height="16"` +
	` style="width:16px;height:16px;vertical-align:-3px;margin-right:4px;border:0">{{.ID.ORCID}}</a>` + "\n"))

// publicIDHTML is GET /t/{slug}/people/{ref}/orcid.html.
func (s *Server) publicIDHTML(w http.ResponseWriter, r *http.Request) {
	id, ok := s.lookupPublicID(r)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if !ok {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.WriteHeader(http.StatusNotFound)
		return
	}
	publicHeaders(w)
	// Framing by any site, and the inline sizes of the snippet.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'")
	_ = idSnippet.Execute(w, struct {
		ID   publicID
		Icon string
	}{id, s.absURL("/static/orcid-id.svg")})
}
