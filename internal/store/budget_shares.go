package store

import (
	"context"
	"time"
)

// RateShare is where one share (a tenant) of a rate budget stands against
// the budget's other active shares; see TouchRateShare.
type RateShare struct {
	// Taken is the share's virtual time: the requests it has taken since
	// it became active, counted from the other shares' level then.
	Taken int64
	// Least is the smallest Taken among the other active shares, and
	// Others how many there are (0: the share is alone, and Least is 0).
	Least  int64
	Others int
}

// TouchRateShare marks share of the budget key as waiting for a permit
// until activeUntil, and says where it stands. A share that was idle comes
// back at the level of the least advanced active share, so that idle time
// earns no credit: fairness is among those that have work now.
//
// Fair sharing (issue 16) is then the caller's rule: a share more than a
// little ahead of the least advanced active one waits, so that while
// several shares have work each gets an equal part of the budget, and a
// share alone gets all of it.
func (o *ops) TouchRateShare(ctx context.Context, key, share string, now, activeUntil time.Time) (_ RateShare, err error) {
	defer wrap(&err, "rate share %q of %q", share, key)
	nowUS := now.UnixMicro()
	var rs RateShare
	err = o.atomic(ctx, func(o *ops) error {
		var least *int64
		var others int
		if err := o.queryRow(ctx, `SELECT MIN(vt), COUNT(*) FROM rate_shares
			WHERE budget_key = ? AND share_key <> ? AND active_until_us >= CAST(? AS BIGINT)`, key, share, nowUS).
			Scan(&least, &others); err != nil {
			return err
		}
		floor := int64(0)
		if least != nil {
			floor = *least
		}
		if err := o.queryRow(ctx, `INSERT INTO rate_shares (budget_key, share_key, vt, active_until_us)
			VALUES (?, ?, CAST(? AS BIGINT), CAST(? AS BIGINT))
			ON CONFLICT (budget_key, share_key) DO UPDATE SET
				vt = CASE WHEN rate_shares.active_until_us < CAST(? AS BIGINT) AND rate_shares.vt < CAST(? AS BIGINT)
					THEN CAST(? AS BIGINT) ELSE rate_shares.vt END,
				active_until_us = excluded.active_until_us
			RETURNING vt`, key, share, floor, activeUntil.UnixMicro(), nowUS, floor, floor).Scan(&rs.Taken); err != nil {
			return err
		}
		rs.Least, rs.Others = floor, others
		return nil
	})
	return rs, err
}

// ChargeRateShare counts n requests taken by share of the budget key.
func (o *ops) ChargeRateShare(ctx context.Context, key, share string, n int64) (err error) {
	defer wrap(&err, "charge rate share %q of %q", share, key)
	_, err = o.exec(ctx, `UPDATE rate_shares SET vt = vt + CAST(? AS BIGINT) WHERE budget_key = ? AND share_key = ?`,
		n, key, share)
	return err
}
