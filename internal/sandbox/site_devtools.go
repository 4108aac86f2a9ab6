package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

type devToolsPage struct {
	pageCommon
	Clients       []Client
	Created       *Client
	NewResearcher *researcherJSON
	ClientForm    NewClient
	RedirectText  string
	ClientErrors  map[string]string
	ResearcherIn  NewResearcher
	ResearcherErr map[string]string
}

func (r *Registry) devToolsData(req *http.Request) (devToolsPage, error) {
	cs, err := r.store.Clients(req.Context())
	if err != nil {
		return devToolsPage{}, fmt.Errorf("list clients: %w", err)
	}
	return devToolsPage{
		pageCommon: r.common(req, "Developer tools", ""), Clients: cs,
		ClientForm: NewClient{Type: "member"}, ClientErrors: map[string]string{}, ResearcherErr: map[string]string{},
	}, nil
}

func (r *Registry) handleDevTools(w http.ResponseWriter, req *http.Request) {
	p, err := r.devToolsData(req)
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	r.render(w, req, http.StatusOK, "devtools", p)
}

func (r *Registry) handleDevToolsClient(w http.ResponseWriter, req *http.Request) {
	f, ok := readForm(w, req)
	if !ok {
		return
	}
	in := NewClient{
		Name: f.Get("name"), Description: f.Get("description"), Website: strings.TrimSpace(f.Get("website")),
		Type: f.Get("type"), Premium: f.Get("premium") != "",
	}
	for _, line := range strings.Split(f.Get("redirect_uris"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.RedirectURIs = append(in.RedirectURIs, line)
		}
	}
	c, cerr := r.CreateClient(req.Context(), in, false)
	p, err := r.devToolsData(req)
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	status := http.StatusOK
	if cerr != nil {
		var fe *FieldError
		if !errors.As(cerr, &fe) {
			r.serverError(w, req, fmt.Errorf("register client: %w", cerr))
			return
		}
		p.ClientErrors[fe.Field] = fe.Message
		p.ClientForm, p.RedirectText = in, f.Get("redirect_uris")
		status = http.StatusBadRequest
	} else {
		p.Created = &c
	}
	r.render(w, req, status, "devtools", p)
}

func (r *Registry) handleDevToolsResearcher(w http.ResponseWriter, req *http.Request) {
	f, ok := readForm(w, req)
	if !ok {
		return
	}
	in := NewResearcher{GivenNames: f.Get("given_names"), FamilyNames: f.Get("family_names"), Email: f.Get("email"), Password: f.Get("password")}
	res, rerr := r.CreateResearcher(req.Context(), in)
	p, err := r.devToolsData(req)
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	status := http.StatusOK
	if rerr != nil {
		var fe *FieldError
		if !errors.As(rerr, &fe) {
			r.serverError(w, req, fmt.Errorf("create researcher: %w", rerr))
			return
		}
		in.Password = ""
		p.ResearcherIn, p.ResearcherErr[fe.Field] = in, fe.Message
		status = http.StatusBadRequest
	} else {
		j := r.researcherJSON(res)
		p.NewResearcher = &j
	}
	r.render(w, req, status, "devtools", p)
}
