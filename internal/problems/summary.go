package problems

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/orcidlink/orcidlink/internal/store"
)

// StuckAfter is how long items may wait in the queue before the backlog
// counts as a problem: a moving queue is only busy.
const StuckAfter = time.Hour

// WebhookWindow is how far back failing webhook deliveries count.
const WebhookWindow = 7 * 24 * time.Hour

// FailedReason is a number of a tenant's failed items that fail for one
// reason, with ORCID's messages behind it (a few).
type FailedReason struct {
	Reason
	Count    int
	Messages []string
}

// Summary is what needs action in one tenant.
type Summary struct {
	Tenant     store.Tenant
	Credential store.Credential // its secret cleared
	// Failed are the failed items by reason, most frequent first.
	Failed      []FailedReason
	FailedTotal int
	// Undelivered emails (bounced or refused by the mail server).
	Undelivered int
	// WebhooksFailing: deliveries that failed within WebhookWindow.
	WebhooksFailing int
	// Backlog: items queued or being sent; OldestWaiting, since when the
	// oldest of them waits.
	Backlog       int
	OldestWaiting time.Time
	// Stuck: the backlog has not moved for StuckAfter.
	Stuck bool
	// HintMismatches are people, newest first (at most MaxHintMismatches),
	// who authenticated another iD than the one an old system had on file
	// for them: the iD on file may be wrong, or someone else's.
	// MoreHintMismatches: there are more than those.
	HintMismatches     []HintMismatch
	MoreHintMismatches bool
}

// MaxHintMismatches is how many hint mismatches a summary lists.
const MaxHintMismatches = 20

// HintMismatch is a person whose iD on file differs from the iD they
// authenticated (Hint.MismatchORCID).
type HintMismatch struct {
	Person store.Person
	Hint   store.ORCIDHint
}

// Broken reports whether the tenant's credential is broken.
func (s Summary) Broken() bool { return s.Credential.Health == store.CredentialBroken }

// NeedsAction reports whether anything in the tenant needs an
// administrator.
func (s Summary) NeedsAction() bool {
	return s.Broken() || s.FailedTotal > 0 || s.Undelivered > 0 || s.WebhooksFailing > 0 || s.Stuck ||
		len(s.HintMismatches) > 0
}

// Summarize counts what needs action in a tenant, as of now.
func Summarize(ctx context.Context, st *store.Store, t store.Tenant, now time.Time) (Summary, error) {
	s := Summary{Tenant: t}
	var err error
	if s.Credential, err = st.Credential(ctx, t.CredentialID); err != nil {
		return Summary{}, err
	}
	s.Credential.ClientSecret = ""
	groups, err := st.FailedItemsByError(ctx, t.ID)
	if err != nil {
		return Summary{}, err
	}
	s.Failed, s.FailedTotal = groupFailures(groups)
	if s.Undelivered, err = st.CountUndeliveredEmails(ctx, t.ID); err != nil {
		return Summary{}, err
	}
	if s.WebhooksFailing, err = st.CountFailingWebhooks(ctx, t.ID, now.Add(-WebhookWindow)); err != nil {
		return Summary{}, err
	}
	counts, err := st.CountItems(ctx, t.ID, 0)
	if err != nil {
		return Summary{}, err
	}
	s.Backlog = counts[store.ItemQueued] + counts[store.ItemInFlight]
	if s.Backlog > 0 {
		if s.OldestWaiting, err = st.OldestWaitingItem(ctx, t.ID); err != nil {
			return Summary{}, err
		}
		s.Stuck = !s.OldestWaiting.IsZero() && now.Sub(s.OldestWaiting) >= StuckAfter
	}
	if s.HintMismatches, s.MoreHintMismatches, err = hintMismatches(ctx, st, t.ID); err != nil {
		return Summary{}, err
	}
	return s, nil
}

// hintMismatches lists the newest MaxHintMismatches mismatches of a
// tenant with their people, and whether there are more.
func hintMismatches(ctx context.Context, st *store.Store, tenantID int64) ([]HintMismatch, bool, error) {
	hs, err := st.HintMismatches(ctx, tenantID, MaxHintMismatches+1)
	if err != nil {
		return nil, false, err
	}
	more := len(hs) > MaxHintMismatches
	if more {
		hs = hs[:MaxHintMismatches]
	}
	out := make([]HintMismatch, 0, len(hs))
	for _, h := range hs {
		p, err := st.Person(ctx, tenantID, h.PersonID)
		if err != nil {
			return nil, false, err
		}
		out = append(out, HintMismatch{Person: p, Hint: h})
	}
	return out, more, nil
}

// maxMessages is how many of ORCID's messages a reason keeps to show.
const maxMessages = 3

// groupFailures merges ORCID's messages that mean the same thing.
func groupFailures(groups []store.FailedGroup) ([]FailedReason, int) {
	var out []FailedReason
	total := 0
	at := map[string]int{}
	for _, g := range groups {
		total += g.Count
		r := Explain(g.LastError)
		i, ok := at[r.Key]
		if !ok {
			i = len(out)
			at[r.Key] = i
			out = append(out, FailedReason{Reason: r})
		}
		out[i].Count += g.Count
		if len(out[i].Messages) < maxMessages && g.LastError != "" {
			out[i].Messages = append(out[i].Messages, g.LastError)
		}
	}
	// Most frequent first; the store's order (by message) breaks ties.
	slices.SortStableFunc(out, func(a, b FailedReason) int { return cmp.Compare(b.Count, a.Count) })
	return out, total
}
