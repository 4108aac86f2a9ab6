package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/orcidlink/orcidlink/internal/store"
)

// TestReasonOf: the reason for people comes from the error's type, through
// any wrapping, never from its text.
func TestReasonOf(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		kind   error
		reason string
		ok     bool
	}{
		{"refusal", fmt.Errorf("batch: import batch 3: %w", store.Refusal(store.ErrConflict, "the batch is %s", "done")),
			store.ErrConflict, "the batch is done", true},
		{"field errors", fmt.Errorf("store: update: %w", store.FieldErrors{{Field: "review_mode", Problem: "must be open"},
			{Field: "given_names", Problem: "is required"}}), store.ErrInvalid, "review mode must be open; given names is required", true},
		{"text alone", fmt.Errorf("%w: the batch is done", store.ErrConflict), store.ErrConflict, "", false},
	} {
		reason, ok := store.ReasonOf(tc.err)
		if reason != tc.reason || ok != tc.ok || !errors.Is(tc.err, tc.kind) {
			t.Errorf("%s: %q, %v (is %v: %v)", tc.name, reason, ok, tc.kind, errors.Is(tc.err, tc.kind))
		}
	}
}
