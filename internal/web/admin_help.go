package web

import (
	"bytes"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/orcidlink/orcidlink/doc"
	"github.com/orcidlink/orcidlink/internal/store"
)

// The guides of doc/ are served at /admin/help/NAME, rendered from the
// Markdown embedded in the binary: the admin UI used to point at
// "doc/batch.md", a file an administrator of a running server does not
// have. They are for administrators (they describe the deployment), so
// they are behind sign-in like the rest of /admin/.

// adminHelpPages are the guides, in the order the index lists them, with
// what each is for.
func adminHelpPages() []adminHelpPage {
	return []adminHelpPage{
		{"operations", "Running orcidlink in production: moving to production, keys, what is kept, security, load."},
		{"sync", "How works, affiliations, reviews and other items reach ORCID records; the journal workflow."},
		{"batch", "Batch files: formats, columns, validation and import."},
		{"api", "The REST API for the organisation's own systems."},
		{"webhooks", "Signed webhooks: events, headers and how to check the signature."},
		{"sandbox", "The offline ORCID registry used for development, demos and review."},
		{"performance", "Measured performance: the HTTP benchmark, database pools, webhook fairness."},
		{"design", "Design notes: dependencies and decisions."},
	}
}

type adminHelpPage struct {
	Name, About string
}

type adminHelpData struct {
	Pages []adminHelpPage
	Name  string
	HTML  template.HTML
}

// adminHelpIndex lists the guides.
func (s *Server) adminHelpIndex(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	s.render(w, r, http.StatusOK, "admin_help", s.adminPage(r, a, "Help", adminHelpData{Pages: adminHelpPages()}))
}

// adminHelp shows one guide.
func (s *Server) adminHelp(w http.ResponseWriter, r *http.Request, a *store.AdminUser) {
	name := r.PathValue("page")
	if !adminIsGuide(name) {
		s.adminNotFound(w, r, a)
		return
	}
	src, err := fs.ReadFile(doc.Files(), name+".md")
	if err != nil {
		s.adminFail(w, r, a, "read the guide", err)
		return
	}
	title, body, err := renderGuide(src)
	if err != nil {
		s.adminFail(w, r, a, "render the guide", err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_help", s.adminPage(r, a, title, adminHelpData{Pages: adminHelpPages(),
		Name: name, HTML: body}))
}

// renderGuide turns a guide's Markdown into HTML safe to put in a page,
// and finds its title (the first heading). The guides are ours, but they
// quote hostile input on purpose (scripts in names, formula cells), and a
// change of renderer or a careless edit must not put live markup on an
// administrator's page: raw HTML is not rendered (goldmark's default),
// and the output goes through bluemonday's policy for user content all
// the same.
func renderGuide(src []byte) (title string, body template.HTML, err error) {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM), // tables, as the guides use them
		goldmark.WithParserOptions(parser.WithAutoHeadingID(),
			parser.WithASTTransformers(util.Prioritized(guideLinks{}, 100))),
	)
	doc := md.Parser().Parse(text.NewReader(src))
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, src, doc); err != nil {
		return "", "", err
	}
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering && h.Level == 1 {
			title = strings.TrimSpace(nodeText(h, src))
			return ast.WalkStop, nil
		}
		return ast.WalkContinue, nil
	})
	if title == "" {
		title = "Help"
	}
	return title, template.HTML(guidePolicy().SanitizeBytes(buf.Bytes())), nil //nolint:gosec // sanitised just now
}

// guidePolicy is bluemonday's policy for user content, keeping the ids
// of headings so that links to a section ("#load-and-abuse") work.
func guidePolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("id").Matching(regexp.MustCompile(`^[a-z0-9-]+$`)).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
	return p
}

// nodeText is the plain text of a node (a heading's title).
func nodeText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if t, ok := c.(*ast.Text); ok && entering {
			b.Write(t.Segment.Value(src))
		}
		if t, ok := c.(*ast.String); ok && entering {
			b.Write(t.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// guideLinks points the guides' links to each other ("sync.md#items",
// "doc/api.md") at their pages here.
type guideLinks struct{}

var guideLink = regexp.MustCompile(`^(?:\./|\.\./)?(?:doc/)?([a-z]+)\.md(#[A-Za-z0-9_-]*)?$`)

func (guideLinks) Transform(n *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if l, ok := c.(*ast.Link); ok && entering {
			if m := guideLink.FindSubmatch(l.Destination); m != nil && adminIsGuide(string(m[1])) {
				l.Destination = []byte(path.Join("/admin/help", string(m[1])) + string(m[2]))
			}
		}
		return ast.WalkContinue, nil
	})
}

func adminIsGuide(name string) bool {
	for _, p := range adminHelpPages() {
		if p.Name == name {
			return true
		}
	}
	return false
}
