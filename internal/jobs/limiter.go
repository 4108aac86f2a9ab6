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
// orcidlink process on the database (design note 3 in doc/design.md). It
// implements orcid.Limiter.
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
	// localBackfill is local's twin for backfill requests, so that
	// backfills waiting in this process never queue a single write
	// behind them (Wait).
	localBackfill *rate.Limiter
	now           func() time.Time
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
		local: rate.NewLimiter(rate.Limit(r), burst), localBackfill: rate.NewLimiter(rate.Limit(r), backfillBurst(burst)),
		now: time.Now}
}

// Wait blocks until a permit is granted or ctx ends.
//
// Two things in ctx shape the wait (issue 16). A request of a backfill
// (withBackfill: a bulk of many works, a record import) leaves the last
// quarter of the burst to the others, so that a single urgent write (a
// journal's article just published) finds a permit at once even while
// backfills keep the budget busy: backfills yield. And a backfill request
// of a share (withShare: the tenant the job works for) waits while its
// tenant is ahead of another tenant that also has work, so that tenants
// on one credential get equal parts of it, in every process alike.
func (l *SharedLimiter) Wait(ctx context.Context) error {
	share, shared := ctx.Value(shareKey{}).(string)
	backfill := ctx.Value(backfillKey{}) != nil
	if shared && backfill {
		if err := l.waitTurn(ctx, share); err != nil {
			return err
		}
	}
	local := l.local
	if backfill {
		local = l.localBackfill
	}
	if err := local.Wait(ctx); err != nil {
		return fmt.Errorf("jobs: rate budget %s: %w", l.key, err)
	}
	burst := l.burst
	if backfill {
		burst = backfillBurst(l.burst)
	}
	for {
		p, err := l.st.TakeRatePermit(ctx, l.key, l.now(), l.interval, burst)
		if err != nil {
			return fmt.Errorf("jobs: rate budget %s: %w", l.key, err)
		}
		if p.Granted {
			break
		}
		// Another process took the permit. A little jitter keeps the
		// waiting processes from asking again all at the same instant.
		d := p.RetryAt.Sub(l.now()) + time.Duration(rand.Int64N(int64(l.interval)/4+1))
		if err := sleepCtx(ctx, d); err != nil {
			return fmt.Errorf("jobs: rate budget %s: %w", l.key, err)
		}
	}
	if shared {
		if err := l.st.ChargeRateShare(context.WithoutCancel(ctx), l.key, share, 1); err != nil {
			return fmt.Errorf("jobs: rate budget %s: %w", l.key, err)
		}
	}
	return nil
}

// shareSlack is how many requests a share may be ahead of the least
// advanced other active share before it waits for it.
const shareSlack = 2

// waitTurn waits until share is not ahead of the budget's other active
// shares (store.TouchRateShare), marking it active meanwhile.
func (l *SharedLimiter) waitTurn(ctx context.Context, share string) error {
	active := shareActive(l.interval)
	for {
		now := l.now()
		rs, err := l.st.TouchRateShare(ctx, l.key, share, now, now.Add(active))
		if err != nil {
			return fmt.Errorf("jobs: rate budget %s: %w", l.key, err)
		}
		if rs.Others == 0 || rs.Taken <= rs.Least+shareSlack {
			return nil
		}
		// Another tenant is behind: it goes first.
		if err := sleepCtx(ctx, l.interval+time.Duration(rand.Int64N(int64(l.interval)+1))); err != nil {
			return fmt.Errorf("jobs: rate budget %s: %w", l.key, err)
		}
	}
}

// shareActive is how long a share counts as active after it last asked
// for a permit (or its bulk job last worked, worker.touchShare): long
// enough to cover the work between two of its requests on a busy machine.
// A share that stops having work holds the others back at most this long,
// once.
func shareActive(interval time.Duration) time.Duration { return max(3*time.Second, 8*interval) }

// shareOf names a tenant's share of its credential's budget.
func shareOf(tenantID int64) string { return "tenant:" + strconv.FormatInt(tenantID, 10) }

// backfillBurst is the part of the burst backfills may use: all but a
// quarter, which stays for single writes.
func backfillBurst(burst int) int {
	return max(burst-burst/4, 1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(max(d, 0))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type shareKey struct{}

type backfillKey struct{}

// withShare files the ORCID requests made with ctx under a tenant's share
// of its credential's budget (see Wait).
func withShare(ctx context.Context, tenantID int64) context.Context {
	return context.WithValue(ctx, shareKey{}, shareOf(tenantID))
}

// withBackfill marks the ORCID requests made with ctx as a backfill's,
// which yield to single writes (see Wait).
func withBackfill(ctx context.Context) context.Context {
	return context.WithValue(ctx, backfillKey{}, true)
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
