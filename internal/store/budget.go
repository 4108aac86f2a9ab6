package store

import (
	"context"
	"fmt"
	"time"
)

// RatePermit is the answer to TakeRatePermit.
type RatePermit struct {
	// Granted: the caller may send one request now.
	Granted bool
	// RetryAt is, when not granted, the earliest time a permit may be
	// granted (other takers may get it first).
	RetryAt time.Time
}

// TakeRatePermit takes one permit from the budget key (one per ORCID
// credential, e.g. "credential:7"), shared by every process on this
// database, with the generic cell rate algorithm (design note 3 in
// doc/design.md): the row holds the theoretical arrival time tat; a permit
// is granted when max(tat, now) <= now + (burst-1)·interval, and then tat
// becomes max(tat, now) + interval. That is one atomic UPDATE, the same on
// both engines, so two processes can never both take the last permit; over
// any window of length d at most burst + d/interval permits are granted.
//
// now is the caller's clock (a parameter, so that tests control it);
// processes sharing a budget need clocks that agree to well under
// interval.
func (o *ops) TakeRatePermit(ctx context.Context, key string, now time.Time, interval time.Duration, burst int) (_ RatePermit, err error) {
	defer wrap(&err, "rate permit %q", key)
	if interval <= 0 || burst < 1 {
		return RatePermit{}, fmt.Errorf("%w: interval must be positive and burst at least 1", ErrInvalid)
	}
	nowUS, step := now.UnixMicro(), interval.Microseconds()
	if step < 1 {
		step = 1
	}
	tolerance := int64(burst-1) * step
	// The first take of a key creates its row; later ones find it.
	if _, err := o.exec(ctx, `INSERT INTO rate_budgets (budget_key, tat_us) VALUES (?, 0)
		ON CONFLICT (budget_key) DO NOTHING`, key); err != nil {
		return RatePermit{}, err
	}
	rows, err := o.query(ctx, `UPDATE rate_budgets
		SET tat_us = (CASE WHEN tat_us > CAST(? AS BIGINT) THEN tat_us ELSE CAST(? AS BIGINT) END) + CAST(? AS BIGINT)
		WHERE budget_key = ?
		AND (CASE WHEN tat_us > CAST(? AS BIGINT) THEN tat_us ELSE CAST(? AS BIGINT) END) <= CAST(? AS BIGINT)
		RETURNING tat_us`, nowUS, nowUS, step, key, nowUS, nowUS, nowUS+tolerance)
	granted, err := collect(rows, err, func(r scanner) (int64, error) {
		var tat int64
		return tat, r.Scan(&tat)
	})
	if err != nil {
		return RatePermit{}, err
	}
	if len(granted) == 1 {
		return RatePermit{Granted: true}, nil
	}
	// Refused: the permit is due when tat - tolerance is reached. A read
	// outside the update is enough, since it only sets how long to wait.
	var tat int64
	if err := o.queryRow(ctx, `SELECT tat_us FROM rate_budgets WHERE budget_key = ?`, key).Scan(&tat); err != nil {
		return RatePermit{}, err
	}
	return RatePermit{RetryAt: time.UnixMicro(max(tat-tolerance, nowUS)).UTC()}, nil
}
