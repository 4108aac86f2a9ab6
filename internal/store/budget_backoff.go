package store

import (
	"context"
	"fmt"
	"time"
)

// PauseRateBudget holds back every taker of the budget key, in every
// process, until until: ORCID answered 429 or 503 for the credential, and
// one caller backing off is not enough when others keep sending (design
// note 3 in doc/design.md). In GCRA terms the theoretical arrival time
// moves to until + (burst-1)·interval, so that no permit is granted before
// until and afterwards permits come at the steady rate, the burst being
// earned back over time. A pause never shortens one already in force.
//
// interval and burst are the budget's, as given to TakeRatePermit.
func (o *ops) PauseRateBudget(ctx context.Context, key string, until time.Time, interval time.Duration, burst int) (err error) {
	defer wrap(&err, "pause rate budget %q", key)
	if interval <= 0 || burst < 1 {
		return fmt.Errorf("%w: interval must be positive and burst at least 1", ErrInvalid)
	}
	step := max(interval.Microseconds(), 1)
	tat := until.UnixMicro() + int64(burst-1)*step
	if _, err := o.exec(ctx, `INSERT INTO rate_budgets (budget_key, tat_us) VALUES (?, 0)
		ON CONFLICT (budget_key) DO NOTHING`, key); err != nil {
		return err
	}
	_, err = o.exec(ctx, `UPDATE rate_budgets SET tat_us = CAST(? AS BIGINT) WHERE budget_key = ? AND tat_us < CAST(? AS BIGINT)`,
		tat, key, tat)
	return err
}
