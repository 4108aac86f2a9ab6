package sandbox

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"
)

//go:embed templates
var templateFS embed.FS

// pages are the parsed page templates, each with the shared layout.
var pages = parsePages()

func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		"date":     func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"datetime": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err) // the pattern is constant
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		// Templates are compiled into the binary: a broken one is a
		// programming error that every test run would catch.
		out[base] = template.Must(template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
	return out
}

// registerSiteRoutes serves the registry's pages: sign-in, registration,
// account, record pages, developer tools and the outbox.
func (r *Registry) registerSiteRoutes(mux *http.ServeMux) {
	// The two wildcard-like patterns carry no method so that they never
	// conflict with method-specific patterns other files register.
	mux.HandleFunc("/{$}", r.handleHome)
	mux.HandleFunc("/{orcid}", r.handleRecord)
	mux.HandleFunc("GET /static/sandbox.css", r.handleCSS)
	mux.HandleFunc("GET /signin", r.handleSigninPage)
	mux.HandleFunc("POST /signin", r.handleSignin)
	mux.HandleFunc("GET /register", r.handleRegisterPage)
	mux.HandleFunc("POST /register", r.handleRegister)
	mux.HandleFunc("GET /signout", r.handleSignoutPage)
	mux.HandleFunc("POST /signout", r.handleSignout)
	mux.HandleFunc("GET /account", r.handleAccount)
	mux.HandleFunc("POST /account/revoke", r.handleAccountRevoke)
	mux.HandleFunc("GET /developer-tools", r.handleDevTools)
	mux.HandleFunc("POST /developer-tools/clients", r.handleDevToolsClient)
	mux.HandleFunc("POST /developer-tools/researchers", r.handleDevToolsResearcher)
	mux.HandleFunc("GET /outbox", r.handleOutbox)
	r.registerRecordOwnerRoutes(mux)
	r.registerAccountSecurityRoutes(mux)
}

// ---- rendering ----

// pageCommon is what the layout needs on every page.
type pageCommon struct {
	Title        string
	Lang         string // the language of the page, for <html lang> and .T
	Base         string // path prefix of BaseURL, "" at the root
	BaseURL      string
	User         *userView
	SignoutToken string

	i18n      *catalog
	langParam bool // a lang parameter chose Lang: render sets the locale cookie
}

type userView struct {
	ORCID string
	Name  string
}

// common fills the layout data of a page written in English only (the
// developer tools, the outbox, the record pages). The registry's own pages
// that ORCID shows in the user's language use localized.
func (r *Registry) common(req *http.Request, title, _ string) pageCommon {
	return r.pageCommon(req, title, "en", false)
}

// localized fills the layout data of a translated page: sign-in,
// registration, consent, the OAuth error page, sign-out and the account
// page. lang is the lang parameter of the authorize request the page
// carries ("" for none); pageLang (i18n.go) falls back to the request's own
// parameter and ORCID's locale cookie. The title is given in English.
func (r *Registry) localized(req *http.Request, title, lang string) pageCommon {
	l, fromParam := r.pageLang(req, lang)
	return r.pageCommon(req, title, l, fromParam)
}

func (r *Registry) pageCommon(req *http.Request, title, lang string, langParam bool) pageCommon {
	pc := pageCommon{Lang: lang, Base: r.base.Path, BaseURL: r.BaseURL(), i18n: r.i18n, langParam: langParam}
	pc.Title = pc.T(title)
	if sess, user, ok := r.currentSession(req); ok {
		pc.User = &userView{ORCID: user.ORCID, Name: user.DisplayName()}
		pc.SignoutToken = r.formToken(sess.ID, "signout", "")
	}
	return pc
}

// readForm reads a posted form of at most 64 KiB, answering 400 when it
// cannot be read.
func readForm(w http.ResponseWriter, req *http.Request) (url.Values, bool) {
	req.Body = http.MaxBytesReader(w, req.Body, 64<<10)
	if err := req.ParseForm(); err != nil {
		http.Error(w, "400 Bad Request: the form could not be read", http.StatusBadRequest)
		return nil, false
	}
	return req.PostForm, true
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 rather than half a page.
func (r *Registry) render(w http.ResponseWriter, req *http.Request, status int, name string, data any) {
	t, ok := pages[name]
	if !ok {
		r.serverError(w, req, fmt.Errorf("no template %q", name))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		r.serverError(w, req, fmt.Errorf("render %s: %w", name, err))
		return
	}
	if l, ok := data.(localized); ok && l.langFromParam() != "" {
		r.setLocaleCookie(w, l.langFromParam())
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// The consent screen must not be framed (clickjacking); the pages
	// need nothing but their own stylesheet.
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (r *Registry) serverError(w http.ResponseWriter, req *http.Request, err error) {
	r.log.ErrorContext(req.Context(), "sandbox site", "path", req.URL.Path, "err", err)
	http.Error(w, "500 Internal Server Error: the sandbox hit an error; see its log.", http.StatusInternalServerError)
}

type errorPage struct {
	pageCommon
	Code        string
	Description string
}

// renderOAuthError shows ORCID's OAuth error page (400), or a 500 for
// errors that are not the request's fault.
func (r *Registry) renderOAuthError(w http.ResponseWriter, req *http.Request, err error) {
	var oe *authPageError
	if !errors.As(err, &oe) {
		r.serverError(w, req, err)
		return
	}
	r.render(w, req, http.StatusBadRequest, "error", errorPage{
		pageCommon: r.localized(req, "Authorization error", req.URL.Query().Get("lang")),
		Code:       oe.Code, Description: oe.Description,
	})
}

func (r *Registry) handleCSS(w http.ResponseWriter, req *http.Request) {
	b, err := templateFS.ReadFile("templates/sandbox.css")
	if err != nil {
		r.serverError(w, req, err)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(b)
}
