package jobs

import (
	"testing"
	"time"
)

// TestImportSpread: the daily job's imports are spread evenly over nine
// tenths of the day, however many there are.
func TestImportSpread(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want time.Duration
	}{
		{0, 0},
		{1, 0},
		{2, ImportInterval * 9 / 20},
		{1000, ImportInterval * 9 / 10 / 1000},
		{1_000_000, ImportInterval * 9 / 10 / 1_000_000},
	} {
		got := importSpread(tc.n)
		if got != tc.want {
			t.Errorf("importSpread(%d) = %v, want %v", tc.n, got, tc.want)
		}
		if last := got * time.Duration(max(tc.n-1, 0)); last > ImportInterval*9/10 {
			t.Errorf("%d imports: the last is queued %v after the first, past nine tenths of the day", tc.n, last)
		}
	}
}

// TestBackfillBurst: a backfill leaves a quarter of the burst to single
// writes, and always has at least one permit.
func TestBackfillBurst(t *testing.T) {
	for burst, want := range map[int]int{1: 1, 2: 2, 4: 3, 40: 30} {
		if got := backfillBurst(burst); got != want {
			t.Errorf("backfillBurst(%d) = %d, want %d", burst, got, want)
		}
	}
}
