package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/testbed"
)

// What the queue benches (sync, backfill, scale's queue) share: connected
// researchers, the wait for the queue to drain, and the count of what the
// registry holds afterwards.

// fastRetry retries failed jobs soon: the ORCID client has already backed
// off, and the bench measures throughput.
type fastRetry struct{}

func (fastRetry) NextRetry(job *rivertype.JobRow) time.Time {
	return time.Now().Add(time.Duration(job.Attempt) * 200 * time.Millisecond)
}

// startConnected starts a run's environment (testbed.Start) with n
// researchers of its tenant connected to the registry.
func startConnected(ctx context.Context, o testbed.Options, n int) (*testbed.Env, []testbed.Researcher, error) {
	env, err := testbed.Start(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	researchers := make([]testbed.Researcher, n)
	for i := range researchers {
		if researchers[i], err = env.Connect(ctx, i+1); err != nil {
			return nil, nil, errors.Join(err, env.Close())
		}
	}
	return env, researchers, nil
}

// closeEnv closes a run's environment, reporting a failure unless the run
// failed already.
func closeEnv(env *testbed.Env, err *error) {
	if cerr := env.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("bench: clean up: %w", cerr)
	}
}

// checkRecords reads each researcher's record back with reader: what counts
// is what the registry holds. want[i] is the DOIs researcher i should have.
func checkRecords(ctx context.Context, reader *orcid.Client, researchers []testbed.Researcher, want [][]string) (duplicates, lost int, err error) {
	for i, r := range researchers {
		tally, err := testbed.ReadWorks(ctx, reader, r.Link)
		if err != nil {
			return duplicates, lost, err
		}
		dup, l := tally.Check(want[i])
		duplicates += dup
		lost += l
	}
	return duplicates, lost, nil
}

// readBack reads each researcher's record back with env's credential at
// rate, one request at a time (checkRecords).
func readBack(ctx context.Context, env *testbed.Env, rate float64, researchers []testbed.Researcher, want [][]string) (duplicates, lost int, err error) {
	reader, err := orcid.New(orcid.Config{Credential: env.Cred.ORCID(), Rate: rate, Burst: 1, Retry: orcid.RetryPolicy{MaxAttempts: 10}})
	if err != nil {
		return 0, 0, err
	}
	return checkRecords(ctx, reader, researchers, want)
}

// waitFor waits until n works of the tenant are synced, or one failed for
// good, or limit passed, looking every poll.
func waitFor(ctx context.Context, st *store.Store, tenantID int64, n int, limit, poll time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		counts, err := st.CountItems(ctx, tenantID, 0)
		if err != nil {
			return err
		}
		if counts[store.ItemSynced] >= n {
			return nil
		}
		if bad := counts[store.ItemFailedPermanent] + counts[store.ItemPending]; bad > 0 {
			return fmt.Errorf("%d works failed or are parked: %v", bad, counts)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not all synced after %v: %v", limit, counts)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
	}
}

// startServer runs serve in the background (bench http, bench scale) over
// the database at dbURL, sealed with keys, with a data folder of its own,
// and waits up to within for the URL it listens on. stop ends the server
// and returns what it failed with.
func startServer(ctx context.Context, serve Server, dataPrefix, dbURL, keys string, within time.Duration) (base string, stop func() error, err error) {
	data, err := os.MkdirTemp("", dataPrefix)
	if err != nil {
		return "", nil, err
	}
	vars := map[string]string{
		"ORCIDLINK_LISTEN": "127.0.0.1:0", "ORCIDLINK_DATA": data, "ORCIDLINK_DATABASE_URL": dbURL,
		"ORCIDLINK_ENCRYPTION_KEYS": keys, "ORCIDLINK_SANDBOX": "false",
		"ORCIDLINK_ADMIN_EMAIL": adminEmail, "ORCIDLINK_ADMIN_PASSWORD": adminPassword,
		// The bench measures the server, not each key's rate limit.
		"ORCIDLINK_API_RATE": "1000000", "ORCIDLINK_API_BURST": "1000000",
		"ORCIDLINK_LOG_LEVEL": "error",
	}
	srvCtx, cancel := context.WithCancel(ctx)
	banner := newBanner()
	done := make(chan error, 1)
	go func() { done <- serve(srvCtx, func(k string) string { return vars[k] }, banner) }()
	stop = func() error {
		cancel()
		defer os.RemoveAll(data)
		defer banner.pw.Close()
		if serr := <-done; serr != nil && !errors.Is(serr, context.Canceled) && !errors.Is(serr, http.ErrServerClosed) {
			return fmt.Errorf("server: %w", serr)
		}
		return nil
	}
	select {
	case base = <-banner.url:
		return base, stop, nil
	case serr := <-done:
		done <- serr // for stop's wait
		err = fmt.Errorf("server did not start: %v", serr)
	case <-time.After(within):
		err = fmt.Errorf("server did not start within %v", within)
	}
	return "", nil, errors.Join(err, stop())
}
