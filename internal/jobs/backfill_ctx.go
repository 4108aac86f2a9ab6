package jobs

import "context"

type asBackfillKey struct{}

// AsBackfill marks the items Put with ctx as one of many sent at once, as
// PutItem.Backfill does, for callers that reach Put through another
// package: a batch file's articles go through the journal workflow, which
// puts each author's work. Backfills yield to single urgent writes
// (bulk.go).
func AsBackfill(ctx context.Context) context.Context {
	return context.WithValue(ctx, asBackfillKey{}, true)
}

// isBackfill reports whether ctx came from AsBackfill.
func isBackfill(ctx context.Context) bool {
	b, _ := ctx.Value(asBackfillKey{}).(bool)
	return b
}
