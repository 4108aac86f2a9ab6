package sandbox

import (
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestStoreUniqueViolationIsConflict: a second client with the same id is
// ErrConflict, told by SQLite's result code rather than its message.
func TestStoreUniqueViolationIsConflict(t *testing.T) {
	s, err := openStore(t.Context(), filepath.Join(t.TempDir(), "sandbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	c := Client{ID: "APP-0000000000000042", Secret: "s", Name: "N", Type: "member", RedirectURIs: []string{"https://example.org/cb"},
		CreatedAt: time.Now()}
	if err := s.CreateClient(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateClient(t.Context(), c); !errors.Is(err, ErrConflict) {
		t.Fatalf("second client: %v, want ErrConflict", err)
	}
	if isUniqueViolation(errors.New("UNIQUE constraint failed: clients.client_id")) {
		t.Error("a message alone is taken for a unique violation")
	}
}
