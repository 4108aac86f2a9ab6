package jobs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// SharedLimiter is one ORCID credential's rate budget, shared by every
// orcidlink process on the database (design note 3). It implements
// orcid.Limiter.
//
// An in-memory token bucket of the same rate and burst comes first, so that
// the database is asked only when this process could send; the database's
// GCRA row (store.TakeRatePermit) then has the last word, since other
// processes spend the same budget.
type SharedLimiter struct {
	st       *store.Store
	key      string
	interval time.Duration
	burst    int
	local    *rate.Limiter
	now      func() time.Time
}

var _ orcid.PausingLimiter = (*SharedLimiter)(nil)

// BudgetKey names the budget of a credential.
func BudgetKey(credentialID int64) string { return "credential:" + strconv.FormatInt(credentialID, 10) }

// NewSharedLimiter returns the limiter of budget key at r requests per
// second with burst (ORCID's 24 and 40 when zero).
func NewSharedLimiter(st *store.Store, key string, r float64, burst int) *SharedLimiter {
	if r <= 0 {
		r = orcid.DefaultRate
	}
	if burst <= 0 {
		burst = orcid.DefaultBurst
	}
	return &SharedLimiter{st: st, key: key, interval: time.Duration(float64(time.Second) / r), burst: burst,
		local: rate.NewLimiter(rate.Limit(r), burst), now: time.Now}
}

// Wait blocks until a permit is granted or ctx ends.
func (l *SharedLimiter) Wait(ctx context.Context) error {
	if err := l.local.Wait(ctx); err != nil {
		return fmt.Errorf("jobs: rate budget %s: %w", l.key, err)
	}
	for {
		p, err := l.st.TakeRatePermit(ctx, l.key, l.now(), l.interval, l.burst)
		if err != nil {
			return fmt.Errorf("jobs: rate budget %s: %w", l.key, err)
		}
		if p.Granted {
			return nil
		}
		// Another process took the permit. A little jitter keeps the
		// waiting processes from asking again all at the same instant.
		d := p.RetryAt.Sub(l.now()) + time.Duration(rand.Int64N(int64(l.interval)/4+1))
		t := time.NewTimer(max(d, 0))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("jobs: rate budget %s: %w", l.key, ctx.Err())
		}
	}
}

// Pause holds back every process using the budget for d: ORCID answered
// 429 or 503 for this credential (the ORCID client calls it). Waiters are
// refused until then and resume at the steady rate (store.PauseRateBudget).
func (l *SharedLimiter) Pause(ctx context.Context, d time.Duration) error {
	if err := l.st.PauseRateBudget(context.WithoutCancel(ctx), l.key, l.now().Add(d), l.interval, l.burst); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	return nil
}
