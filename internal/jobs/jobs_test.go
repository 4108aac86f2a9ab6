package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// engines runs a test on SQLite and on PostgreSQL (skipped when the test
// server is unavailable, unless ORCIDLINK_REQUIRE names postgres).
type fixture struct {
	ctx    context.Context
	env    *jobstest.Env
	q      *jobs.Queue
	reader *orcid.Client
	r      jobstest.Researcher
	// svc is the connect.Service of a viaConnect fixture.
	svc *connect.Service
}

type fixtureOpts struct {
	afterWrite func(ctx context.Context, it store.Item) error
	// viaConnect: ORCID clients, call log and revocation come from a
	// connect.Service, as in orcidlink serve.
	viaConnect bool
	// callLogRetention is given to the queue's housekeeping job.
	callLogRetention time.Duration
	// rate and burst are the credential's budget (0: ORCID's), and
	// rescueAfter the queue's RescueAfter (jobs time out at half of it).
	rate        float64
	burst       int
	rescueAfter time.Duration
	// chores are added to the queue's housekeeping before it starts.
	chores map[string]jobs.Chore
}

func newFixture(t *testing.T, driver string, o fixtureOpts) *fixture {
	t.Helper()
	ctx := context.Background()
	env := jobstest.New(t, driver, nil)
	var err error
	f := &fixture{ctx: ctx, env: env}
	if f.r, err = env.Connect(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if f.reader, err = env.Reader(); err != nil {
		t.Fatal(err)
	}
	cfg := jobstest.QueueConfig(env)
	cfg.Workers, cfg.AfterWrite, cfg.CallLogRetention = 8, o.afterWrite, o.callLogRetention
	cfg.Rate, cfg.Burst, cfg.RescueAfter = o.rate, o.burst, o.rescueAfter
	if o.viaConnect {
		svc, err := connect.New(connect.Config{Store: env.Store, PublicURL: "https://orcidlink.example.org", Retry: cfg.Retry,
			Limiter: func(cred store.Credential) orcid.Limiter {
				return jobs.NewSharedLimiter(env.Store, jobs.BudgetKey(cred.ID), 0, 0)
			}})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Clients, cfg.Revoker = svc, svc
		f.svc = svc
	}
	f.q = jobstest.NewQueue(t, cfg)
	for name, c := range o.chores {
		f.q.Housekeep(name, c)
	}
	jobstest.StartQueue(t, f.q)
	return f
}

func (f *fixture) put(t *testing.T, key string, item orcid.Item) store.Item {
	t.Helper()
	it, err := f.q.Put(f.ctx, jobs.PutItem{TenantID: f.env.Tenant.ID, PersonID: f.r.Person.ID, Key: key, Item: item})
	if err != nil {
		t.Fatal(err)
	}
	return it
}

// putUnchecked queues an item the way Put does but without Put's own
// validation, as an item queued by an older version would be: it lets
// tests see what the worker does with ORCID's 400.
func (f *fixture) putUnchecked(t *testing.T, key string, item orcid.Item) store.Item {
	t.Helper()
	var out store.Item
	err := f.env.Store.InTx(f.ctx, func(tx *store.Tx) error {
		it, _, err := tx.UpsertItem(f.ctx, store.DesiredItem{TenantID: f.env.Tenant.ID, PersonID: f.r.Person.ID, Key: key,
			Item: item, State: store.ItemQueued})
		if err != nil {
			return err
		}
		out = it
		return f.q.Enqueue(f.ctx, tx, it.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wait polls the researcher's items until ok accepts them.
func (f *fixture) wait(t *testing.T, what string, ok func(items map[string]store.Item) bool) map[string]store.Item {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		list, err := f.env.Store.ListItems(f.ctx, f.env.Tenant.ID, store.ItemQuery{PersonID: f.r.Person.ID, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		items := map[string]store.Item{}
		for _, it := range list {
			items[it.Key] = it
		}
		if ok(items) {
			return items
		}
		if time.Now().After(deadline) {
			for _, it := range list {
				t.Logf("item %s: %s %q put-code %d attempts %d error %q", it.Key, it.State, it.StateReason, it.PutCode,
					it.Attempts, it.LastError)
			}
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func allIn(state store.ItemState, keys ...string) func(map[string]store.Item) bool {
	return func(items map[string]store.Item) bool {
		for _, k := range keys {
			it, ok := items[k]
			if !ok || it.State != state || (state == store.ItemSynced && (it.PutCode == 0 || it.NeedsPush())) {
				return false
			}
		}
		return true
	}
}

func (f *fixture) tally(t *testing.T) jobstest.Tally {
	t.Helper()
	tl, err := jobstest.ReadWorks(f.ctx, f.reader, f.r.Link)
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

// calls counts the logged calls of the researcher by method and URL suffix.
func (f *fixture) calls(t *testing.T, method, suffix string) int {
	t.Helper()
	list, err := f.env.Store.ListCalls(f.ctx, f.env.Tenant.ID, f.r.Person.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range list {
		if c.Method == method && strings.HasSuffix(c.URL, suffix) {
			n++
		}
	}
	return n
}

// TestPushEditRetract: queued works reach the record with their put-codes
// stored; an edit is PUT by put-code; a retraction is DELETEd.
func TestPushEditRetract(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{})
		keys := []string{"a1", "a2", "a3"}
		for _, k := range keys {
			f.put(t, k, jobstest.Work(k, "Article "+k))
		}
		items := f.wait(t, "three works synced", allIn(store.ItemSynced, keys...))
		tl := f.tally(t)
		for _, k := range keys {
			doi := "10.5555/" + k
			if tl.ByDOI[doi] != 1 || tl.PutCodes[doi][0] != items[k].PutCode {
				t.Fatalf("%s on the record: %d times, put-codes %v; stored put-code %d", k, tl.ByDOI[doi], tl.PutCodes[doi], items[k].PutCode)
			}
		}
		// One POST each, or fewer: works due together go in bulk.
		if n := f.calls(t, http.MethodPost, "/work") + f.calls(t, http.MethodPost, "/works"); n < 1 || n > 3 {
			t.Fatalf("%d POSTs for three works", n)
		}
		// Putting the same content again does nothing.
		if again := f.put(t, "a1", jobstest.Work("a1", "Article a1")); again.State != store.ItemSynced {
			t.Fatalf("same content: %s", again.State)
		}

		f.put(t, "a1", jobstest.Work("a1", "Article a1, corrected"))
		f.wait(t, "the edit synced", func(m map[string]store.Item) bool {
			return allIn(store.ItemSynced, "a1")(m) && m["a1"].Attempts >= 1 && bytes.Equal(m["a1"].ConfirmedHash, m["a1"].ContentHash)
		})
		tl = f.tally(t)
		if got := tl.Titles["10.5555/a1"]; got != "Article a1, corrected" || tl.ByDOI["10.5555/a1"] != 1 {
			t.Fatalf("after the edit the record has %q (%d times)", got, tl.ByDOI["10.5555/a1"])
		}
		if n := f.calls(t, http.MethodPut, "/work/"+itoa(items["a1"].PutCode)); n != 1 {
			t.Fatalf("%d PUTs by put-code", n)
		}

		if _, err := f.q.Retract(f.ctx, f.env.Tenant.ID, f.r.Person.ID, orcid.KindWork, "a2"); err != nil {
			t.Fatal(err)
		}
		f.wait(t, "the retraction", allIn(store.ItemRetracted, "a2"))
		tl = f.tally(t)
		if tl.ByDOI["10.5555/a2"] != 0 || tl.ByDOI["10.5555/a3"] != 1 {
			t.Fatalf("after retracting a2: %v", tl.ByDOI)
		}
		if n := f.calls(t, http.MethodDelete, "/work/"+itoa(items["a2"].PutCode)); n != 1 {
			t.Fatalf("%d DELETEs by put-code", n)
		}
	})
}

// TestAdoptsExisting: a work our client already put on the record (409 on
// POST) is adopted, not written twice.
func TestAdoptsExisting(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{})
		pre, err := f.reader.Add(f.ctx, f.r.Link.AccessToken, f.r.Link.ORCID, jobstest.Work("pre", "Already there"))
		if err != nil {
			t.Fatal(err)
		}
		f.put(t, "pre", jobstest.Work("pre", "Already there"))
		items := f.wait(t, "the existing work adopted", allIn(store.ItemSynced, "pre"))
		if items["pre"].PutCode != pre.PutCode {
			t.Fatalf("put-code %d, want the existing %d", items["pre"].PutCode, pre.PutCode)
		}
		if n := f.tally(t).ByDOI["10.5555/pre"]; n != 1 {
			t.Fatalf("the work is %d times on the record", n)
		}
	})
}

// TestCrashAfterPost: the transaction that stores a POST's put-code fails
// after ORCID created the work; the retry finds the work on the record
// instead of posting it again.
func TestCrashAfterPost(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		var crashed atomic.Bool
		f := newFixture(t, driver, fixtureOpts{afterWrite: func(_ context.Context, it store.Item) error {
			if it.Key == "crash" && crashed.CompareAndSwap(false, true) {
				return errors.New("simulated crash between the POST and storing its put-code")
			}
			return nil
		}})
		f.put(t, "crash", jobstest.Work("crash", "Posted once"))
		items := f.wait(t, "the work synced", allIn(store.ItemSynced, "crash"))
		if !crashed.Load() {
			t.Fatal("the crash was not simulated")
		}
		tl := f.tally(t)
		if tl.ByDOI["10.5555/crash"] != 1 || tl.PutCodes["10.5555/crash"][0] != items["crash"].PutCode {
			t.Fatalf("on the record %d times (%v), stored put-code %d", tl.ByDOI["10.5555/crash"], tl.PutCodes, items["crash"].PutCode)
		}
		if n := f.calls(t, http.MethodPost, "/work"); n != 1 {
			t.Fatalf("%d POSTs, want 1", n)
		}
		if n := f.calls(t, http.MethodGet, "/works"); n < 1 {
			t.Fatal("the retry did not read the record")
		}
	})
}

// TestConvergesUnder503: with a fifth of the requests failing, everything
// still ends on the record exactly once.
func TestConvergesUnder503(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{})
		if err := f.env.Registry.SetFaults(sandbox.Faults{Rate503: 0.2}); err != nil {
			t.Fatal(err)
		}
		var keys, dois []string
		for i := range 20 {
			k := "f" + itoa(int64(i))
			keys, dois = append(keys, k), append(dois, "10.5555/"+k)
			f.put(t, k, jobstest.Work(k, "Faulty "+k))
		}
		f.wait(t, "twenty works synced", allIn(store.ItemSynced, keys...))
		if err := f.env.Registry.SetFaults(sandbox.Faults{}); err != nil {
			t.Fatal(err)
		}
		if dup, lost := f.tally(t).Check(dois); dup != 0 || lost != 0 {
			t.Fatalf("duplicates %d, lost %d", dup, lost)
		}
		if n := f.calls(t, http.MethodPost, "/work"); n < 21 {
			t.Logf("only %d POSTs: the faults may not have hit a POST", n)
		}
	})
}

// TestValidationFailsFast: ORCID's 400 is final, with ORCID's message, and
// is not retried.
func TestValidationFailsFast(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{})
		bad := jobstest.Work("bad", "No type")
		bad.Type = ""
		var ve *orcid.ValidationError
		if _, err := f.q.Put(f.ctx, jobs.PutItem{TenantID: f.env.Tenant.ID, PersonID: f.r.Person.ID, Key: "bad", Item: bad}); !errors.As(err, &ve) {
			t.Fatalf("Put of a work with no type: %v, want a ValidationError", err)
		}
		f.putUnchecked(t, "bad", bad)
		items := f.wait(t, "the failure", allIn(store.ItemFailedPermanent, "bad"))
		// The message is the developer-message of ORCID's answer, word for word.
		msg := items["bad"].LastError
		calls, err := f.env.Store.ListCalls(f.ctx, f.env.Tenant.ID, f.r.Person.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var answer string
		for _, c := range calls {
			if c.Method == http.MethodPost && c.Status == http.StatusBadRequest {
				answer = string(c.ResponseBody)
			}
		}
		if !strings.Contains(msg, "work:type") || !strings.Contains(answer, `"developer-message":"`+msg+`"`) {
			t.Fatalf("last error %q is not ORCID's developer message in %s", msg, answer)
		}
		if n := f.calls(t, http.MethodPost, "/work"); n != 1 {
			t.Fatalf("%d POSTs, want 1 (no retry)", n)
		}
	})
}

// TestRevokedToken: a 401 marks the link revoked and parks the items.
func TestRevokedToken(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{})
		body := strings.NewReader(`{"token":"` + f.r.Link.AccessToken + `"}`)
		resp, err := http.Post(f.env.BaseURL+"/_sandbox/tokens/invalidate", "application/json", body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("invalidate: %d", resp.StatusCode)
		}
		f.put(t, "r1", jobstest.Work("r1", "Refused"))
		f.put(t, "r2", jobstest.Work("r2", "Refused too"))
		items := f.wait(t, "the items parked", allIn(store.ItemPending, "r1", "r2"))
		link, err := f.env.Store.Link(f.ctx, f.env.Tenant.ID, f.r.Person.ID)
		if err != nil {
			t.Fatal(err)
		}
		if link.State != store.LinkRevoked || link.AccessToken != "" {
			t.Fatalf("link %s, token kept: %v", link.State, link.AccessToken != "")
		}
		if items["r1"].StateReason == "" {
			t.Fatal("no reason given")
		}
		if n := f.calls(t, http.MethodPost, "/work"); n > 2 {
			t.Fatalf("%d POSTs with a dead token", n)
		}
	})
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// TestEditInFlight: an edit committed while the work's POST is under way
// is not lost: the worker sees, after the call, that the content moved on
// and PUTs the new content.
func TestEditInFlight(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{})
		// Slow answers leave time to edit while the POST is out.
		if err := f.env.Registry.SetFaults(sandbox.Faults{LatencyMS: 400}); err != nil {
			t.Fatal(err)
		}
		f.put(t, "e1", jobstest.Work("e1", "First version"))
		f.wait(t, "the POST under way", allIn(store.ItemInFlight, "e1"))
		f.put(t, "e1", jobstest.Work("e1", "Second version"))
		f.wait(t, "the edit synced", allIn(store.ItemSynced, "e1"))
		if err := f.env.Registry.SetFaults(sandbox.Faults{}); err != nil {
			t.Fatal(err)
		}
		tl := f.tally(t)
		if tl.ByDOI["10.5555/e1"] != 1 || tl.Titles["10.5555/e1"] != "Second version" {
			t.Fatalf("the record has %q (%d times)", tl.Titles["10.5555/e1"], tl.ByDOI["10.5555/e1"])
		}
		if post, put := f.calls(t, http.MethodPost, "/work"), f.calls(t, http.MethodPut, ""); post != 1 || put != 1 {
			t.Fatalf("%d POSTs and %d PUTs, want one of each", post, put)
		}
	})
}

// TestPendingUntilConnected: items of a person who has not connected wait,
// with the reason, and go out once they connect.
func TestPendingUntilConnected(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{})
		p, err := f.env.Store.CreatePerson(f.ctx, store.Person{TenantID: f.env.Tenant.ID, GivenNames: "Late",
			FamilyNames: "Comer", Email: "late@bench.example"})
		if err != nil {
			t.Fatal(err)
		}
		it, err := f.q.Put(f.ctx, jobs.PutItem{TenantID: f.env.Tenant.ID, PersonID: p.ID, Key: "late",
			Item: jobstest.Work("late", "Published before connecting")})
		if err != nil {
			t.Fatal(err)
		}
		if it.State != store.ItemPending || it.StateReason == "" {
			t.Fatalf("not connected: %s %q", it.State, it.StateReason)
		}
		r, err := f.env.ConnectPerson(f.ctx, 2, p)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := f.q.Resume(f.ctx, f.env.Tenant.ID, p.ID); err != nil || n != 1 {
			t.Fatalf("resume: %d, %v", n, err)
		}
		f.r = r
		f.wait(t, "the pending work synced", allIn(store.ItemSynced, "late"))
		if n := f.tally(t).ByDOI["10.5555/late"]; n != 1 {
			t.Fatalf("on the record %d times", n)
		}
	})
}

// TestDeletedByResearcher: a PUT that finds nothing means the researcher
// deleted the work on ORCID; it is respected, not posted again.
func TestDeletedByResearcher(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{})
		f.put(t, "d1", jobstest.Work("d1", "To be deleted"))
		items := f.wait(t, "the work synced", allIn(store.ItemSynced, "d1"))
		// The researcher's deletion, as ORCID would see it: the item is gone.
		if err := f.reader.DeleteItem(f.ctx, f.r.Link.AccessToken, f.r.Link.ORCID, orcid.KindWork, items["d1"].PutCode); err != nil {
			t.Fatal(err)
		}
		f.put(t, "d1", jobstest.Work("d1", "Edited after the deletion"))
		f.wait(t, "the deletion respected", allIn(store.ItemDeletedByResearcher, "d1"))
		if n := f.tally(t).ByDOI["10.5555/d1"]; n != 0 {
			t.Fatalf("posted again: %d on the record", n)
		}
		if n := f.calls(t, http.MethodPost, "/work"); n != 1 {
			t.Fatalf("%d POSTs, want 1", n)
		}
	})
}

// TestMissingScope: a link without /activities/update parks works with
// the reason instead of calling ORCID.
func TestMissingScope(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{})
		l := f.r.Link
		if _, err := f.env.Store.SaveAuthorization(f.ctx, store.Authorization{TenantID: l.TenantID, PersonID: l.PersonID,
			CredentialID: l.CredentialID, Authorization: orcid.Authorization{ID: l.ORCID, IDURI: l.ORCIDURI,
				AccessToken: l.AccessToken, Scopes: []string{orcid.ScopeReadLimited}}}); err != nil {
			t.Fatal(err)
		}
		it := f.put(t, "s1", jobstest.Work("s1", "Needs a scope"))
		if it.State != store.ItemPending || !strings.Contains(it.StateReason, orcid.ScopeActivitiesUpdate) {
			t.Fatalf("without the scope: %s %q", it.State, it.StateReason)
		}
		// A keyword needs /person/update, which is missing too.
		kw := f.put(t, "k1", &orcid.Keyword{Content: "scopes"})
		if kw.State != store.ItemPending || !strings.Contains(kw.StateReason, orcid.ScopePersonUpdate) {
			t.Fatalf("keyword without the scope: %s %q", kw.State, kw.StateReason)
		}
		if n := f.calls(t, http.MethodPost, ""); n != 0 {
			t.Fatalf("%d POSTs without the scope", n)
		}
	})
}

// TestTwoProcessesStart: two queues started at once on one fresh
// PostgreSQL database (two orcidlink processes) both migrate River's
// tables without tripping over each other, and share the work.
func TestTwoProcessesStart(t *testing.T) {
	ctx := context.Background()
	env := jobstest.New(t, "postgres", nil)
	queues := make([]*jobs.Queue, 2)
	errs := make(chan error, 2)
	for i := range queues {
		go func() {
			q, err := jobs.New(ctx, jobs.Config{Store: env.Store, PostgresDSN: env.DSN, PollInterval: 50 * time.Millisecond})
			queues[i] = q
			errs <- err
		}()
	}
	for range queues {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent start: %v", err)
		}
	}
	for _, q := range queues {
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			q.Stop(ctx)
		})
	}
	r, err := env.Connect(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{ctx: ctx, env: env, q: queues[0], r: r}
	if f.reader, err = env.Reader(); err != nil {
		t.Fatal(err)
	}
	var keys, dois []string
	for i := range 10 {
		k := "two" + itoa(int64(i))
		keys, dois = append(keys, k), append(dois, "10.5555/"+k)
		f.q = queues[i%2]
		f.put(t, k, jobstest.Work(k, "Shared "+k))
	}
	f.wait(t, "ten works synced", allIn(store.ItemSynced, keys...))
	if dup, lost := f.tally(t).Check(dois); dup != 0 || lost != 0 {
		t.Fatalf("duplicates %d, lost %d", dup, lost)
	}
}

// TestOneJobPerItem: however often an item is enqueued while its job
// waits, it has one job.
func TestOneJobPerItem(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		ctx := context.Background()
		env := jobstest.New(t, driver, nil)
		r, err := env.Connect(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		cfg := jobs.Config{Store: env.Store}
		if driver == "postgres" {
			cfg.PostgresDSN = env.DSN
		}
		q, err := jobs.New(ctx, cfg) // never started: the jobs wait
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Stop(ctx) })
		it, err := q.Put(ctx, jobs.PutItem{TenantID: env.Tenant.ID, PersonID: r.Person.ID, Key: "once", Item: jobstest.Work("once", "Once")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := q.Put(ctx, jobs.PutItem{TenantID: env.Tenant.ID, PersonID: r.Person.ID, Key: "once", Item: jobstest.Work("once", "Twice")}); err != nil {
			t.Fatal(err)
		}
		if err := env.Store.InTx(ctx, func(tx *store.Tx) error {
			for range 3 {
				if err := q.Enqueue(ctx, tx, it.ID); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := q.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		// A rolled-back change leaves no job behind.
		boom := errors.New("boom")
		if err := env.Store.InTx(ctx, func(tx *store.Tx) error {
			other, _, err := tx.UpsertItem(ctx, store.DesiredItem{TenantID: env.Tenant.ID, PersonID: r.Person.ID, Key: "never",
				Item: jobstest.Work("never", "Never"), State: store.ItemQueued})
			if err != nil {
				return err
			}
			if err := q.Enqueue(ctx, tx, other.ID); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatal(err)
		}
		var n int
		if err := env.Store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'orcid_item'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatalf("%d jobs, want 1", n)
		}
	})
}

// TestViaConnectService: with the clients of connect.Service (as orcidlink
// serve wires them), works reach the record, calls land in the call log
// under the person, the credential's budget is the shared one, and a 401
// is recorded in the audit trail.
func TestViaConnectService(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver, fixtureOpts{viaConnect: true})
		f.put(t, "c1", jobstest.Work("c1", "Through connect"))
		f.wait(t, "the work synced", allIn(store.ItemSynced, "c1"))
		if n := f.tally(t).ByDOI["10.5555/c1"]; n != 1 {
			t.Fatalf("on the record %d times", n)
		}
		if n := f.calls(t, http.MethodPost, "/work"); n != 1 {
			t.Fatalf("%d POSTs in the call log", n)
		}
		var budgets int
		q := "SELECT COUNT(*) FROM rate_budgets WHERE budget_key = $1"
		if driver == "sqlite" {
			q = "SELECT COUNT(*) FROM rate_budgets WHERE budget_key = ?"
		}
		if err := f.env.Store.DB().QueryRowContext(f.ctx, q, jobs.BudgetKey(f.env.Cred.ID)).Scan(&budgets); err != nil || budgets != 1 {
			t.Fatalf("shared budget rows: %d, %v", budgets, err)
		}

		body := strings.NewReader(`{"token":"` + f.r.Link.AccessToken + `"}`)
		resp, err := http.Post(f.env.BaseURL+"/_sandbox/tokens/invalidate", "application/json", body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		f.put(t, "c2", jobstest.Work("c2", "Refused"))
		f.wait(t, "the work parked", allIn(store.ItemPending, "c2"))
		events, err := f.env.Store.ListAudit(f.ctx, f.env.Tenant.ID, f.r.Person.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) == 0 || events[0].Action != "link.revoked" {
			t.Fatalf("audit trail: %+v", events)
		}
	})
}
