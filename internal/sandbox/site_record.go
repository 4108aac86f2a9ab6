package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

type homePage struct {
	pageCommon
	MemberAPI, PublicAPI string
}

func (r *Registry) handleHome(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	r.render(w, req, http.StatusOK, "home", homePage{
		pageCommon: r.common(req, "ORCID offline sandbox", ""), MemberAPI: r.MemberAPIURL(), PublicAPI: r.PublicAPIURL(),
	})
}

type recordItem struct {
	Kind  string
	Title string
}

type recordPage struct {
	pageCommon
	ORCID     string
	URI       string
	Name      string
	Biography string
	Items     []recordItem
}

// handleRecord is the public record page at /{iD}: the name if public and
// the public items, each with a title found generically in its JSON.
func (r *Registry) handleRecord(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	ctx := req.Context()
	notFound := func() {
		r.render(w, req, http.StatusNotFound, "error", errorPage{
			pageCommon: r.common(req, "Page not found", ""), Code: "404", Description: "Page not found: no such page or ORCID record.",
		})
	}
	id, err := orcid.ParseID(req.PathValue("orcid"))
	if err != nil {
		notFound()
		return
	}
	res, err := r.store.Researcher(ctx, id.String())
	if errors.Is(err, ErrNotFound) {
		notFound()
		return
	}
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	items, err := r.store.Items(ctx, res.ORCID)
	if err != nil {
		r.serverError(w, req, fmt.Errorf("record items: %w", err))
		return
	}
	p := recordPage{pageCommon: r.common(req, res.ORCID, ""), ORCID: res.ORCID, URI: r.IDURI(res.ORCID)}
	if res.NamesVisibility == "public" {
		p.Name = res.DisplayName()
		p.pageCommon.Title = p.Name + " (" + res.ORCID + ")"
	}
	for _, it := range items {
		if it.Visibility != "public" {
			continue
		}
		p.Items = append(p.Items, recordItem{Kind: it.Kind, Title: itemTitle(it.Body)})
	}
	r.render(w, req, http.StatusOK, "record", p)
}

// itemTitle finds a human title in an item's ORCID JSON without knowing
// its kind: works and fundings have title.title.value, affiliations an
// organization name, keywords and other names a content, URLs a url-name.
func itemTitle(body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	for _, p := range [][]string{
		{"title", "title", "value"}, {"title", "value"}, {"organization", "name"}, {"content"},
		{"url-name"}, {"external-id-type"}, {"country", "value"}, {"proposal", "title", "title", "value"},
	} {
		var v any = m
		for _, k := range p {
			mm, ok := v.(map[string]any)
			if !ok {
				v = nil
				break
			}
			v = mm[k]
		}
		if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
