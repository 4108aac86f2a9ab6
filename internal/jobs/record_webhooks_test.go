package jobs_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
	"github.com/orcidlink/orcidlink/internal/testbed"
	"github.com/orcidlink/orcidlink/internal/web"
)

// hookFixture is a queue whose credential's client is premium at the
// offline registry, with orcidlink's callback route served on its own.
type hookFixture struct {
	ctx      context.Context
	env      *testbed.Env
	q        *jobs.Queue
	rs       []testbed.Researcher
	callback *httptest.Server
	runs     chan [2]int // each daily import's (read, skipped)
}

func newHookFixture(t *testing.T, driver string, people int) *hookFixture {
	t.Helper()
	ctx := context.Background()
	env := jobstest.New(t, driver, nil)
	f := &hookFixture{ctx: ctx, env: env, runs: make(chan [2]int, 10)}
	for i := range people {
		r, err := env.Connect(ctx, i+1)
		if err != nil {
			t.Fatal(err)
		}
		f.rs = append(f.rs, r)
	}
	// The client the credential names becomes premium (a seed replaces a
	// client by its id), as ORCID makes a member's client on request.
	if err := env.Registry.ApplySeed(ctx, sandbox.Seed{Clients: []sandbox.NewClient{{ID: env.Cred.ClientID,
		Secret: env.Cred.ClientSecret, Name: "orcidlink bench", RedirectURIs: []string{"http://127.0.0.1:9/callback"},
		Type: "member", Premium: true, GroupIDRecords: true}}}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle(web.RecordWebhookRoute, web.RecordWebhooks(env.Store, nil))
	f.callback = httptest.NewServer(mux)
	t.Cleanup(f.callback.Close)
	cfg := jobstest.QueueConfig(env)
	cfg.Workers, cfg.RecordWebhookURL = 8, f.callback.URL
	cfg.ImportRun = func(read, skipped int) { f.runs <- [2]int{read, skipped} }
	f.q = jobstest.NewQueue(t, cfg)
	jobstest.StartQueue(t, f.q)
	return f
}

// registered lists the callbacks the registry holds, by iD.
func (f *hookFixture) registered(t *testing.T) map[string]string {
	t.Helper()
	hs, err := f.env.Registry.Webhooks(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, h := range hs {
		out[h.ORCID] = h.URI
	}
	return out
}

func (f *hookFixture) hook(t *testing.T, r testbed.Researcher) store.RecordWebhook {
	t.Helper()
	h, err := f.env.Store.RecordWebhookOfLink(f.ctx, r.Link.ID)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (f *hookFixture) fetched(t *testing.T, r testbed.Researcher) time.Time {
	t.Helper()
	rec, err := f.env.Store.Record(f.ctx, f.env.Tenant.ID, r.Person.ID)
	if err != nil {
		return time.Time{}
	}
	return rec.FetchedAt
}

// importJobs counts the completed imports of a person's record.
func (f *hookFixture) importJobs(t *testing.T, r testbed.Researcher) int {
	t.Helper()
	return f.countImports(t, r, "completed")
}

// countImports counts the imports of a person's record in a state, or in
// any state for "".
func (f *hookFixture) countImports(t *testing.T, r testbed.Researcher, state string) int {
	t.Helper()
	var n int
	q := `SELECT COUNT(*) FROM river_job WHERE kind = 'orcid_import' AND (state = ? OR ? = '')
		AND json_extract(args, '$.person_id') = ?`
	if f.env.Driver == "postgres" {
		q = `SELECT COUNT(*) FROM river_job WHERE kind = 'orcid_import' AND (state::text = $1 OR $2 = '')
			AND (args->>'person_id')::bigint = $3`
	}
	if err := f.env.Store.DB().QueryRow(q, state, state, r.Person.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *hookFixture) events(t *testing.T, typ string) int {
	t.Helper()
	var n int
	q := `SELECT COUNT(*) FROM webhook_events WHERE type = ?`
	if f.env.Driver == "postgres" {
		q = `SELECT COUNT(*) FROM webhook_events WHERE type = $1`
	}
	if err := f.env.Store.DB().QueryRow(q, typ).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func post(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Post(url, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestRecordWebhooks: a premium credential's client registers ORCID's
// webhook per connected record; ORCID's call marks the record changed; the
// daily import reads the changed record and skips the unchanged one; a
// forged call is refused; a disconnection removes the webhook at ORCID.
func TestRecordWebhooks(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newHookFixture(t, driver, 2)
		ctx, env, st := f.ctx, f.env, f.env.Store
		changed, quiet := f.rs[0], f.rs[1]

		// The capability, as the credential check asks it.
		reader, err := env.Reader()
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := reader.WebhooksAllowed(ctx); err != nil || !ok {
			t.Fatalf("premium client: webhooks allowed %v, %v", ok, err)
		}
		if err := st.SetCredentialWebhooks(ctx, env.Cred.ID, true); err != nil {
			t.Fatal(err)
		}

		// Registration, as at connection.
		for _, r := range f.rs {
			if err := f.q.RegisterWebhook(ctx, env.Tenant.ID, r.Person.ID); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "both webhooks registered", func() bool { return len(f.registered(t)) == 2 })
		for _, r := range f.rs {
			h := f.hook(t, r)
			want := f.callback.URL + jobs.RecordWebhookPath + fmt.Sprint(r.Link.ID) + "/" + h.Token
			if got := f.registered(t)[string(r.Link.ORCID)]; got != want || len(h.Token) < 20 {
				t.Fatalf("registered callback %q, want %q", got, want)
			}
			waitFor(t, "registration acknowledged", func() bool { return !f.hook(t, r).RegisteredAt.IsZero() })
		}

		// First reads, after the registrations.
		for _, r := range f.rs {
			if err := f.q.Import(ctx, env.Tenant.ID, r.Person.ID); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "first import", func() bool { return f.importJobs(t, r) == 1 })
		}
		if n := f.events(t, "import.finished"); n != 2 {
			t.Fatalf("%d import events after the first reads, want 2", n)
		}
		// Read again unchanged: the stored record stays, no event.
		before := f.fetched(t, quiet)
		if err := f.q.Import(ctx, env.Tenant.ID, quiet.Person.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "second import", func() bool { return f.importJobs(t, quiet) == 2 })
		if n := f.events(t, "import.finished"); n != 2 || !f.fetched(t, quiet).After(before) {
			t.Fatalf("unchanged record: %d import events (want 2), fetched %v then %v", n, before, f.fetched(t, quiet))
		}

		// A forged call: wrong token, unknown link, junk. Refused alike,
		// and nothing marked.
		good := f.hook(t, quiet)
		for _, u := range []string{
			fmt.Sprintf("%s%s%d/%s", f.callback.URL, jobs.RecordWebhookPath, quiet.Link.ID, strings.Repeat("A", len(good.Token))),
			fmt.Sprintf("%s%s%d/%s", f.callback.URL, jobs.RecordWebhookPath, quiet.Link.ID+1000, good.Token),
			fmt.Sprintf("%s%s%d/%s", f.callback.URL, jobs.RecordWebhookPath, quiet.Link.ID, strings.Repeat("x", 500)),
			fmt.Sprintf("%s%snot-a-number/%s", f.callback.URL, jobs.RecordWebhookPath, good.Token),
		} {
			if code := post(t, u); code != http.StatusNotFound {
				t.Errorf("forged call %s: %d, want 404", u, code)
			}
		}
		if h := f.hook(t, quiet); !h.ChangedAt.IsZero() {
			t.Fatalf("a forged call marked the record changed at %v", h.ChangedAt)
		}

		// The record changes at ORCID (a work written to it); ORCID's
		// scheduler calls back.
		if _, err := f.q.Put(ctx, jobs.PutItem{TenantID: env.Tenant.ID, PersonID: changed.Person.ID, Key: "w1",
			Item: jobstest.Work("w1", "Changed Since")}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the work synced", func() bool {
			it, err := st.ItemByKey(ctx, env.Tenant.ID, changed.Person.ID, orcid.KindWork, "w1")
			return err == nil && it.State == store.ItemSynced
		})
		run, err := env.Registry.DeliverWebhooks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if run.Delivered < 1 || run.Failed != 0 {
			t.Fatalf("registry's delivery run: %+v", run)
		}
		if f.hook(t, changed).ChangedAt.IsZero() || !f.hook(t, quiet).ChangedAt.IsZero() {
			t.Fatalf("after ORCID's call: changed %v, quiet %v", f.hook(t, changed).ChangedAt, f.hook(t, quiet).ChangedAt)
		}
		// The right call again is the same call (idempotent).
		if code := post(t, f.callback.URL+jobs.RecordWebhookPath+fmt.Sprint(changed.Link.ID)+"/"+f.hook(t, changed).Token); code != http.StatusNoContent {
			t.Fatalf("a second call: %d", code)
		}

		// The daily import reads the changed record, skips the quiet one.
		if err := f.q.ImportAll(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case run := <-f.runs:
			if run != [2]int{1, 1} {
				t.Fatalf("daily import (read, skipped) = %v, want (1, 1)", run)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the daily import did not run")
		}
		waitFor(t, "the changed record read", func() bool { return f.importJobs(t, changed) == 2 })
		rec, err := st.Record(ctx, env.Tenant.ID, changed.Person.ID)
		if err != nil || !strings.Contains(string(rec.Record), "Changed Since") {
			t.Fatalf("changed record: %v %.200s", err, rec.Record)
		}
		// The daily job queues its reads at once (spread in time): none
		// for the quiet record.
		if n := f.countImports(t, quiet, ""); n != 2 {
			t.Fatalf("the daily import queued a read of the unchanged record (%d imports, want 2)", n)
		}

		// Disconnected: the webhook goes from ORCID and from orcidlink.
		if err := st.RemoveLink(ctx, env.Tenant.ID, quiet.Link.ID, "test"); err != nil {
			t.Fatal(err)
		}
		if err := f.q.UnregisterWebhook(ctx, quiet.Link.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the webhook removed", func() bool {
			_, still := f.registered(t)[string(quiet.Link.ORCID)]
			_, err := st.RecordWebhookOfLink(ctx, quiet.Link.ID)
			return !still && err != nil
		})
		if _, ok := f.registered(t)[string(changed.Link.ORCID)]; !ok {
			t.Fatal("the other record's webhook went too")
		}
	})
}
