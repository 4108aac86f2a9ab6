package jobs

import (
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// TestImportNeeded: the daily import skips a record only when ORCID's
// webhook vouches for it, and reads it at least weekly anyway.
func TestImportNeeded(t *testing.T) {
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	reg, read := now.Add(-10*day), now.Add(-2*day)
	reached := now.Add(-3 * day)
	for _, c := range []struct {
		name    string
		r       store.ConnectedRecord
		reached time.Time
		want    bool
	}{
		{"no webhook", store.ConnectedRecord{FetchedAt: read}, reached, true},
		{"never read", store.ConnectedRecord{RegisteredAt: reg}, reached, true},
		{"read before the registration", store.ConnectedRecord{RegisteredAt: read.Add(time.Hour), FetchedAt: read}, reached, true},
		{"quiet since the read", store.ConnectedRecord{RegisteredAt: reg, FetchedAt: read}, reached, false},
		{"called before the read", store.ConnectedRecord{RegisteredAt: reg, FetchedAt: read, ChangedAt: read.Add(-time.Hour)}, reached, false},
		{"called after the read", store.ConnectedRecord{RegisteredAt: reg, FetchedAt: read, ChangedAt: read.Add(time.Minute)}, reached, true},
		{"called as it was read", store.ConnectedRecord{RegisteredAt: reg, FetchedAt: read, ChangedAt: read}, reached, true},
		{"read six days ago", store.ConnectedRecord{RegisteredAt: reg, FetchedAt: now.Add(-6 * day)}, reached, false},
		{"read a week ago", store.ConnectedRecord{RegisteredAt: reg, FetchedAt: now.Add(-6*day - 13*time.Hour)}, reached, true},
		{"ORCID never called the credential's webhooks", store.ConnectedRecord{RegisteredAt: reg, FetchedAt: read}, time.Time{}, true},
		{"ORCID's last call a week ago", store.ConnectedRecord{RegisteredAt: reg, FetchedAt: read}, now.Add(-7 * day), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := importNeeded(c.r, c.reached, now); got != c.want {
				t.Fatalf("importNeeded = %v, want %v", got, c.want)
			}
		})
	}
}

// TestWebhooksReached: the latest call per credential.
func TestWebhooksReached(t *testing.T) {
	t1, t2 := time.Unix(1000, 0), time.Unix(2000, 0)
	got := webhooksReached([]store.ConnectedRecord{{CredentialID: 1, ChangedAt: t2}, {CredentialID: 1, ChangedAt: t1},
		{CredentialID: 2}, {CredentialID: 3, ChangedAt: t1}})
	if !got[1].Equal(t2) || !got[2].IsZero() || !got[3].Equal(t1) {
		t.Fatalf("webhooksReached = %v", got)
	}
}
