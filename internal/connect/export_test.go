package connect

import (
	"context"
	"io"

	"github.com/orcidlink/orcidlink/internal/store"
)

// SetCompose replaces how s composes invitation emails, for tests that
// must hold a rendering under way; nil restores the real one.
func SetCompose(s *Service, f func(ctx context.Context, t store.Tenant, p store.Person, link string) (store.Email, error)) {
	if f == nil {
		s.compose = invitationEmail
		return
	}
	s.compose = func(ctx context.Context, t store.Tenant, p store.Person, inv Invitation) (store.Email, error) {
		return f(ctx, t, p, inv.Link)
	}
}

// Compose is the real composition, for a replacement to call.
func Compose(ctx context.Context, t store.Tenant, p store.Person, link string) (store.Email, error) {
	return invitationEmail(ctx, t, p, Invitation{Link: link})
}

// RenderTemplate renders a tenant's template as an invitation would, with
// sample data, for tests of its budgets and sanitiser.
func RenderTemplate(ctx context.Context, t store.EmailTemplate) (subject, text, html string, err error) {
	return renderTemplate(ctx, t, sampleData())
}

// SampleLink is the link ValidateTemplate renders templates with.
func SampleLink() string { return sampleData().Link }

// RunBudgeted runs exec with the writer and budgets a template renders
// into.
func RunBudgeted(ctx context.Context, max int, exec func(w io.Writer) error) (string, error) {
	return runBudgeted(ctx, max, func(w *budgetWriter) error { return exec(w) })
}

// ErrRenderTooLong and ErrRenderTooSlow are runBudgeted's refusals.
var ErrRenderTooLong, ErrRenderTooSlow = errRenderTooLong, errRenderTooSlow
