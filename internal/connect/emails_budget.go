package connect

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/template/parse"
	"time"
	"unicode/utf8"

	"github.com/orcidlink/orcidlink/internal/store"
)

// Budgets of a tenant's invitation template. text/template has no loop or
// output budget of its own, and a tenant's template runs on the shared
// server for every invitation: a template is bounded by its structure
// (checkTemplate) and its rendering by these limits.
const (
	// maxSubjectSource, maxTextSource and maxHTMLSource bound each part
	// as typed: a generous email, not a book.
	maxSubjectSource = 1000
	maxTextSource    = 32 << 10
	maxHTMLSource    = 64 << 10
	// maxSubjectRendered and maxBodyRendered bound each part as rendered:
	// a budgetWriter stops the template past them.
	maxSubjectRendered = 2000
	maxBodyRendered    = 256 << 10
	// maxTemplateNodes and maxTemplateDepth bound the parse tree: the
	// rendering of a tree without loops is linear in its size.
	maxTemplateNodes = 2000
	maxTemplateDepth = 16
	// renderBudget is how long one invitation's template may take, all
	// parts together; a checked template takes well under a millisecond.
	renderBudget = time.Second
)

// templateFields are TemplateData's fields, the only ones a template may
// name.
func templateFields() []string {
	return []string{"Name", "GivenNames", "FamilyNames", "Tenant", "Link", "Expires", "SupportEmail", "SupportURL", "Lang",
		"Reason", "PageLink"}
}

// templateFuncs are the functions a template may call: comparisons and
// escapers, whose cost is bounded by their arguments. Not print, printf or
// println ("%0999999999d" allocates a gigabyte before any writer sees it),
// not call, index, slice or len (there is nothing to index).
func templateFuncs() map[string]any {
	m := map[string]any{}
	for _, name := range []string{"and", "or", "not", "eq", "ne", "html", "urlquery", "js"} {
		m[name] = true
	}
	return m
}

func maxSource(part string) int {
	switch part {
	case "subject":
		return maxSubjectSource
	case "html":
		return maxHTMLSource
	}
	return maxTextSource
}

func maxRendered(part string) int {
	if part == "subject" {
		return maxSubjectRendered
	}
	return maxBodyRendered
}

// checkTemplate refuses a part of a template that is too long, holds
// control characters, or uses anything an invitation does not need: only
// text, {{.Field}} actions, {{if}} and {{with}} (with else), variables
// and templateFuncs. {{range}} is refused whatever it ranges over (an
// invitation has no list, and over an integer it is an unbounded loop),
// as are {{template}}, {{define}} and {{block}} (the way to recursion).
func checkTemplate(part, src string) error {
	if len(src) > maxSource(part) {
		return fmt.Errorf("is %d bytes long; at most %d are accepted", len(src), maxSource(part))
	}
	if !utf8.ValidString(src) {
		return errors.New("is not UTF-8 text")
	}
	if r, bad := store.ControlCharacter(src, true); bad {
		return fmt.Errorf("contains a control character (%U): only printable text is accepted", r)
	}
	// Functions are checked by the walk, which says which are allowed.
	trees := map[string]*parse.Tree{}
	t := parse.New(part)
	t.Mode = parse.SkipFuncCheck
	if _, err := t.Parse(src, "", "", trees); err != nil {
		// text/template/parse reports a syntax mistake as a plain error
		// (no type carries its line or words), prefixed "template: ",
		// which the person who wrote the template needs no more than the
		// part's name the TemplateError adds.
		return errors.New(strings.TrimPrefix(err.Error(), "template: "))
	}
	if len(trees) != 1 || trees[part] == nil {
		return errors.New("{{define}} and {{block}} are not allowed: write the email as one template")
	}
	w := treeWalker{}
	if tree := trees[part]; tree.Root != nil {
		return w.node(tree.Root, 0)
	}
	return nil
}

// treeWalker checks a parse tree against checkTemplate's rules.
type treeWalker struct {
	nodes int
}

func (w *treeWalker) count() error {
	w.nodes++
	if w.nodes > maxTemplateNodes {
		return fmt.Errorf("has more than %d actions and texts; write a shorter email", maxTemplateNodes)
	}
	return nil
}

func (w *treeWalker) node(n parse.Node, depth int) error {
	if err := w.count(); err != nil {
		return err
	}
	if depth > maxTemplateDepth {
		return errTooDeep
	}
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := w.node(c, depth); err != nil {
				return err
			}
		}
		return nil
	case *parse.TextNode, *parse.CommentNode:
		return nil
	case *parse.ActionNode:
		return w.pipe(n.Pipe, depth)
	case *parse.IfNode:
		return w.branch(&n.BranchNode, depth)
	case *parse.WithNode:
		return w.branch(&n.BranchNode, depth)
	case *parse.RangeNode:
		return errors.New("{{range}} is not allowed: an invitation has no list to repeat")
	case *parse.TemplateNode:
		return errors.New("{{template}} is not allowed: write the email as one template")
	case *parse.BreakNode, *parse.ContinueNode:
		return errors.New("{{break}} and {{continue}} are not allowed")
	}
	return fmt.Errorf("%s is not allowed", n)
}

func (w *treeWalker) branch(b *parse.BranchNode, depth int) error {
	if err := w.pipe(b.Pipe, depth+1); err != nil {
		return err
	}
	if err := w.node(b.List, depth+1); err != nil {
		return err
	}
	if b.ElseList != nil {
		return w.node(b.ElseList, depth+1)
	}
	return nil
}

func (w *treeWalker) pipe(p *parse.PipeNode, depth int) error {
	if p == nil {
		return nil
	}
	if err := w.count(); err != nil {
		return err
	}
	if depth > maxTemplateDepth {
		return errTooDeep
	}
	for _, c := range p.Cmds {
		for _, arg := range c.Args {
			if err := w.arg(arg, depth); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *treeWalker) arg(n parse.Node, depth int) error {
	if err := w.count(); err != nil {
		return err
	}
	switch n := n.(type) {
	case *parse.FieldNode:
		if len(n.Ident) != 1 || !slices.Contains(templateFields(), n.Ident[0]) {
			return fmt.Errorf("%s is not a field of an invitation; use {{.%s}}", n, strings.Join(templateFields(), "}}, {{."))
		}
		return nil
	case *parse.VariableNode:
		if len(n.Ident) != 1 {
			return fmt.Errorf("%s: a variable has no fields", n)
		}
		return nil
	case *parse.IdentifierNode:
		if _, ok := templateFuncs()[n.Ident]; !ok {
			return fmt.Errorf("function %q is not allowed; only and, or, not, eq, ne, html, urlquery and js are", n.Ident)
		}
		return nil
	case *parse.DotNode, *parse.StringNode, *parse.BoolNode, *parse.NumberNode:
		return nil
	case *parse.PipeNode:
		return w.pipe(n, depth+1)
	}
	return fmt.Errorf("%s is not allowed", n)
}

// Errors of a budgeted rendering, and of a tree too deep.
var (
	errTooDeep       = fmt.Errorf("nests {{if}}, {{with}} and parentheses more than %d deep", maxTemplateDepth)
	errRenderTooLong = errors.New("the email would be too long")
	errRenderTooSlow = errors.New("the email took too long to render")
)

// budgetWriter collects a rendering and fails it once it passes max bytes
// or its context ends: a template stops at its next write.
type budgetWriter struct {
	ctx context.Context
	max int
	b   strings.Builder
}

func (w *budgetWriter) Write(p []byte) (int, error) {
	if w.ctx.Err() != nil {
		return 0, errRenderTooSlow
	}
	if w.b.Len()+len(p) > w.max {
		return 0, fmt.Errorf("%w: more than %d bytes", errRenderTooLong, w.max)
	}
	return w.b.Write(p)
}

// runBudgeted runs exec into a budgetWriter of max bytes, and gives up
// when ctx ends, whatever exec is doing: the caller never waits past the
// deadline, and exec fails at its next write.
func runBudgeted(ctx context.Context, max int, exec func(w *budgetWriter) error) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", errRenderTooSlow
	}
	w := &budgetWriter{ctx: ctx, max: max}
	done := make(chan error, 1)
	go func() { done <- exec(w) }()
	select {
	case err := <-done:
		if err != nil {
			return "", err
		}
		return w.b.String(), nil
	case <-ctx.Done():
		return "", errRenderTooSlow
	}
}
