package sandbox

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookReceiver is a callback server that records each POST and answers
// with the statuses queued for it (204 once they run out).
type hookReceiver struct {
	*httptest.Server
	mu      sync.Mutex
	calls   []hookCall
	answers []int
	got     chan struct{}
}

type hookCall struct {
	method, path, body, contentType string
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{got: make(chan struct{}, 100)}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		h.mu.Lock()
		h.calls = append(h.calls, hookCall{req.Method, req.URL.Path, string(b), req.Header.Get("Content-Type")})
		status := http.StatusNoContent
		if len(h.answers) > 0 {
			status, h.answers = h.answers[0], h.answers[1:]
		}
		h.mu.Unlock()
		w.WriteHeader(status)
		h.got <- struct{}{}
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) answer(statuses ...int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.answers = append(h.answers, statuses...)
}

// take returns the calls received since the last take.
func (h *hookReceiver) take() []hookCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.calls
	h.calls = nil
	return c
}

// hookEnv is an apiEnv with a settable clock, no delivery timer, and two
// premium clients holding /webhook tokens.
type hookEnv struct {
	*apiEnv
	clock             *testClock
	premium, premium2 Client
	hookTok, hookTok2 string
	recv              *hookReceiver
}

func newHookEnv(t *testing.T) *hookEnv {
	t.Helper()
	clock := &testClock{t: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
	e := &hookEnv{apiEnv: newAPIEnvWith(t, Config{Now: clock.now, WebhookInterval: -1}), clock: clock}
	mk := func(name string) Client {
		c, err := e.r.CreateClient(context.Background(), NewClient{Name: name, Type: "member", Premium: true,
			RedirectURIs: []string{"https://app.example.org/cb"}}, false)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	e.premium, e.premium2 = mk("Premium Press"), mk("Other Premium")
	e.hookTok, e.hookTok2 = e.token(e.premium, "", ScopeWebhook), e.token(e.premium2, "", ScopeWebhook)
	e.recv = newHookReceiver(t)
	return e
}

// hookURL is the registration URL of callback on record orcidID, the
// callback encoded as ORCID's tutorial encodes it.
func (e *hookEnv) hookURL(orcidID, callback string) string {
	// JAX-RS decodes the path parameter as a path: "+" stays "+".
	return e.r.BaseURL() + "/" + orcidID + "/webhook/" + strings.ReplaceAll(url.QueryEscape(callback), "+", "%20")
}

func (e *hookEnv) register(orcidID, callback string) {
	e.t.Helper()
	if resp := e.do(apiCall{method: "PUT", url: e.hookURL(orcidID, callback), token: e.hookTok}); resp.status != http.StatusCreated {
		e.t.Fatalf("register %s: %d\n%s", callback, resp.status, resp.body)
	}
}

func (e *hookEnv) flush() WebhookRun {
	e.t.Helper()
	run, err := e.r.DeliverWebhooks(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return run
}

// TestWebhookRegistration: PUT and DELETE /{iD}/webhook/{callback} answer
// as WebhooksServiceDelegatorImpl does, check for check.
func TestWebhookRegistration(t *testing.T) {
	e := newHookEnv(t)
	id := e.res.ORCID
	cb := e.recv.URL + "/" + id + "/updated"
	readPublic := e.token(e.member, "", ScopeReadPublic)
	userTok := e.token(e.premium, e.res2.ORCID, ScopeReadLimited)
	unknown := "0000-0002-1825-0097" // valid check digit, no such record here

	tests := []struct {
		name, method, url, token string
		header                   map[string]string
		status, code             int
		oauth                    string // Spring's error instead of ORCID's document
		devMessage               string // part of the developer-message
	}{
		{"no token", "PUT", e.hookURL(id, cb), "", nil, 403, 0, "forbidden", ""},
		{"unknown token", "PUT", e.hookURL(id, cb), "nope", nil, 401, 0, "invalid_token", ""},
		{"no /webhook scope", "PUT", e.hookURL(id, cb), readPublic, nil, 403, 9038, "", ""},
		{"token of another record", "PUT", e.hookURL(id, cb), userTok, nil, 401, 9017, "", ""},
		{"register", "PUT", e.hookURL(id, cb), e.hookTok, nil, 201, 0, "", ""},
		{"again", "PUT", e.hookURL(id, cb), e.hookTok, nil, 204, 0, "", ""},
		{"another client, same callback", "PUT", e.hookURL(id, cb), e.hookTok2, nil, 204, 0, "", ""},
		{"JSON content type", "PUT", e.hookURL(id, cb+"?json"), e.hookTok, map[string]string{"Content-Type": "application/json", "Accept": "application/json"}, 201, 0, "", ""},
		{"unsupported content type", "PUT", e.hookURL(id, cb), e.hookTok, map[string]string{"Content-Type": "text/plain"}, 415, 9001, "", ""},
		{"bad callback", "PUT", e.hookURL(id, "http://exa mple.org/hook"), e.hookTok, nil, 400, 9012, "",
			"Full validation error: Webhook uri: http://exa mple.org/hook is syntactically incorrect"},
		{"unknown record", "PUT", e.hookURL(unknown, cb), e.hookTok, nil, 404, 9011, "", ""},
		{"GET", "GET", e.hookURL(id, cb), e.hookTok, nil, 405, 9001, "", ""},
		{"callback not encoded", "PUT", e.r.BaseURL() + "/" + id + "/webhook/http://x.example.org/a", e.hookTok, nil, 404, 9001, "", ""},
		{"Public API", "PUT", e.r.BaseURL() + "/pub/" + id + "/webhook/" + url.QueryEscape(cb), e.hookTok, nil, 404, 9001, "", ""},
		{"unregister, not the owner", "DELETE", e.hookURL(id, cb), e.hookTok2, nil, 403, 9014, "",
			"Unable to unregister webhook: Only the client that register the webhook can unregister it."},
		{"unregister, unknown", "DELETE", e.hookURL(id, cb+"/other"), e.hookTok, nil, 404, 9028, "",
			"No webhook found for orcid=" + id + ", and uri=" + cb + "/other."},
		{"unregister, no scope", "DELETE", e.hookURL(id, cb), readPublic, nil, 403, 9038, "", ""},
		{"unregister", "DELETE", e.hookURL(id, cb), e.hookTok, nil, 204, 0, "", ""},
		{"unregister again", "DELETE", e.hookURL(id, cb), e.hookTok, nil, 404, 9028, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.do(apiCall{method: tc.method, url: tc.url, token: tc.token, header: tc.header})
			if resp.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", resp.status, tc.status, resp.body)
			}
			switch {
			case tc.oauth != "":
				if code, _ := resp.oauthError(t); code != tc.oauth {
					t.Errorf("error %q, want %q", code, tc.oauth)
				}
			case tc.code != 0:
				eb := resp.errorBody(t)
				if eb.ErrorCode != tc.code || !strings.Contains(eb.DeveloperMessage, tc.devMessage) {
					t.Errorf("error %d %q, want %d containing %q", eb.ErrorCode, eb.DeveloperMessage, tc.code, tc.devMessage)
				}
			case tc.status == 201:
				if loc := resp.header.Get("Location"); loc != tc.url {
					t.Errorf("Location %q, want the request URL %q", loc, tc.url)
				}
			}
			if tc.status == 201 || tc.status == 204 {
				if len(resp.body) != 0 {
					t.Errorf("body %q, want none", resp.body)
				}
			}
		})
	}

	// The /webhook scope is for premium clients only: the token endpoint
	// refuses it to the others, so they never get this far.
	form := url.Values{"client_id": {e.member.ID}, "client_secret": {e.member.Secret},
		"grant_type": {"client_credentials"}, "scope": {ScopeWebhook}}
	resp, err := e.http.PostForm(e.r.BaseURL()+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("non-premium client asking for /webhook: %d, want 400 invalid_scope", resp.StatusCode)
	}
}

// TestWebhookDelivery: a record change reaches every callback of the
// record as one empty POST per run, however many changes; registering is
// no change; the researcher's own edits count; scheme-less callbacks get
// http://; unregistering stops deliveries.
func TestWebhookDelivery(t *testing.T) {
	e := newHookEnv(t)
	ctx := context.Background()
	id := e.res.ORCID
	cb := e.recv.URL + "/" + id + "/updated"
	// java.net.URI reads "localhost:PORT/bare" as scheme "localhost" and
	// accepts it ("127.0.0.1:PORT/…" it refuses); delivery adds http://.
	schemeless := strings.Replace(e.recv.URL, "http://127.0.0.1", "localhost", 1) + "/bare"
	e.register(id, cb)
	e.register(id, schemeless)
	e.register(e.res2.ORCID, e.recv.URL+"/second")

	if run := e.flush(); len(run.Calls) != 0 || len(e.recv.take()) != 0 {
		t.Fatalf("registration alone delivered: %+v", run)
	}
	tok := e.writeToken()
	for i, doi := range []string{"10.5555/1", "10.5555/2", "10.5555/3"} {
		pc := e.post(tok, id, "work", "application/json", workJSON("Work", doi))
		if i == 2 {
			e.do(apiCall{method: "DELETE", url: e.member3("/" + id + "/work/" + strconv.FormatInt(pc, 10)), token: tok})
		}
	}
	run := e.flush()
	calls := e.recv.take()
	if run.Delivered != 2 || run.Failed != 0 || len(calls) != 2 {
		t.Fatalf("four changes, two callbacks: run %+v, calls %+v; want one POST per callback", run, calls)
	}
	paths := map[string]bool{}
	for _, c := range calls {
		if c.method != "POST" || c.body != "" {
			t.Errorf("call %+v: want POST with an empty body", c)
		}
		paths[c.path] = true
	}
	if !paths["/"+id+"/updated"] || !paths["/bare"] {
		t.Errorf("calls went to %v, want /%s/updated and /bare (http:// added)", paths, id)
	}
	if run := e.flush(); len(run.Calls) != 0 {
		t.Errorf("nothing changed, still delivered: %+v", run)
	}

	// The researcher's own edit of person data (the account page).
	if err := e.r.store.UpdateResearcherSettings(ctx, e.res2.ORCID, researcherSettings{CreditName: "J. C.",
		DefaultVisibility: "public", NamesVisibility: "public"}, e.r.now()); err != nil {
		t.Fatal(err)
	}
	if run := e.flush(); run.Delivered != 1 || len(run.Calls) != 1 || run.Calls[0].ORCID != e.res2.ORCID {
		t.Errorf("person edit: %+v, want one delivery for %s", run, e.res2.ORCID)
	}

	// Unregistered callbacks hear nothing more.
	for _, c := range []string{cb, schemeless} {
		if resp := e.do(apiCall{method: "DELETE", url: e.hookURL(id, c), token: e.hookTok}); resp.status != http.StatusNoContent {
			t.Fatalf("unregister: %d %s", resp.status, resp.body)
		}
	}
	e.recv.take()
	e.post(tok, id, "work", "application/json", workJSON("Later", "10.5555/4"))
	if run, calls := e.flush(), e.recv.take(); len(run.Calls) != 0 || len(calls) != 0 {
		t.Errorf("after unregistering: %+v, calls %+v", run, calls)
	}
}

// TestWebhookRetry: a failed delivery is retried only after failures ×
// retry delay, then succeeds and stops; a 429 pauses the client's other
// callbacks for the rest of the run; a receiver that never answers 2xx is
// given up after 25 attempts.
func TestWebhookRetry(t *testing.T) {
	e := newHookEnv(t)
	id, id2 := e.res.ORCID, e.res2.ORCID
	e.register(id, e.recv.URL+"/a")
	tok := e.writeToken()
	e.post(tok, id, "work", "application/json", workJSON("W", "10.5555/1"))

	e.recv.answer(500)
	if run := e.flush(); run.Failed != 1 || run.Calls[0].Status != 500 {
		t.Fatalf("first run: %+v, want one failure with 500", run)
	}
	steps := []struct {
		advance time.Duration
		want    int // deliveries attempted
	}{
		{0, 0}, // waiting
		{DefaultWebhookRetryDelay - time.Millisecond, 0}, // not quite 1 × delay
		{2 * time.Millisecond, 1},                        // due again: delivered (204)
		{time.Hour, 0},                                   // delivered, nothing pending
	}
	for i, s := range steps {
		e.clock.advance(s.advance)
		if run := e.flush(); len(run.Calls) != s.want {
			t.Fatalf("step %d: %d calls, want %d (%+v)", i, len(run.Calls), s.want, run)
		}
	}
	e.recv.take()

	// Two failures: the next try waits two delays.
	e.post(tok, id, "work", "application/json", workJSON("W2", "10.5555/2"))
	e.recv.answer(503, 503)
	e.flush()
	e.clock.advance(DefaultWebhookRetryDelay + time.Millisecond)
	e.flush()
	e.clock.advance(DefaultWebhookRetryDelay + time.Millisecond)
	if run := e.flush(); len(run.Calls) != 0 {
		t.Fatalf("after two failures one delay is not enough: %+v", run)
	}
	e.clock.advance(DefaultWebhookRetryDelay)
	if run := e.flush(); run.Delivered != 1 {
		t.Fatalf("after two delays: %+v, want delivered", run)
	}

	// 429: the client's later callbacks wait for the next run.
	e.register(id2, e.recv.URL+"/b")
	e.post(tok, id, "work", "application/json", workJSON("W3", "10.5555/3"))
	e.post(e.token(e.member, id2, ScopeActivitiesUpdate), id2, "work", "application/json", workJSON("W4", "10.5555/4"))
	e.recv.answer(429)
	if run := e.flush(); run.Failed != 1 || run.Skipped != 1 || run.Delivered != 0 {
		t.Fatalf("429 run: %+v, want one failure and one skipped", run)
	}
	if run := e.flush(); run.Delivered != 1 || run.Calls[0].ORCID != id2 {
		t.Fatalf("next run: %+v, want the skipped callback delivered", run)
	}

	// Giving up after webhookMaxAttempts failures, counted from the last
	// delivery (which resets the count, as markAsSent does).
	e.clock.advance(DefaultWebhookRetryDelay + time.Millisecond)
	if run := e.flush(); run.Delivered != 1 || run.Calls[0].ORCID != id {
		t.Fatalf("retry after the 429: %+v", run)
	}
	e.post(tok, id, "work", "application/json", workJSON("W5", "10.5555/5"))
	fails := 0
	for range webhookMaxAttempts + 3 {
		e.recv.answer(500)
		e.clock.advance(time.Duration(webhookMaxAttempts+1) * DefaultWebhookRetryDelay)
		fails += e.flush().Failed
	}
	if fails != webhookMaxAttempts {
		t.Errorf("%d failed attempts, want %d and then none", fails, webhookMaxAttempts)
	}
}

// TestWebhookTimerAndControl: with a delivery interval the registry
// delivers on its own; the control API lists callbacks and flushes.
func TestWebhookTimerAndControl(t *testing.T) {
	e := &hookEnv{apiEnv: newAPIEnvWith(t, Config{WebhookInterval: 20 * time.Millisecond})}
	p, err := e.r.CreateClient(context.Background(), NewClient{Name: "P", Type: "member", Premium: true,
		RedirectURIs: []string{"https://app.example.org/cb"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	e.hookTok, e.recv = e.token(p, "", ScopeWebhook), newHookReceiver(t)
	e.register(e.res.ORCID, e.recv.URL+"/t")
	e.post(e.writeToken(), e.res.ORCID, "work", "application/json", workJSON("T", "10.5555/t"))
	select {
	case <-e.recv.got:
	case <-time.After(5 * time.Second):
		t.Fatal("no delivery from the timer within 5s")
	}

	resp := e.do(apiCall{method: "GET", url: e.r.BaseURL() + "/_sandbox/webhooks"})
	if resp.status != 200 || !strings.Contains(string(resp.body), `"uri": "`+e.recv.URL+`/t"`) {
		t.Errorf("GET /_sandbox/webhooks: %d %s", resp.status, resp.body)
	}
	resp = e.do(apiCall{method: "POST", url: e.r.BaseURL() + "/_sandbox/webhooks/flush"})
	if resp.status != 200 || !strings.Contains(string(resp.body), `"delivered": 0`) {
		t.Errorf("POST /_sandbox/webhooks/flush: %d %s", resp.status, resp.body)
	}
}

func TestJavaURISyntax(t *testing.T) {
	for _, tc := range []struct {
		uri  string
		want bool
	}{
		{"http://nowhere2.com/0000-0002-7253-3645/updated", true},
		{"https://example.org/hook?id=1&x=y#frag", true},
		{"nowhere2.com/hook", true},
		{"http://[::1]:8080/hook", true},
		{"http://user@host:8080/p;x", true},
		{"http://example.org/caf%C3%A9", true},
		{"http://example.org/café", true},
		{"mailto:someone@example.org", true},
		{"localhost:8080/hook", true},  // scheme "localhost"
		{"127.0.0.1:8080/hook", false}, // a scheme starts with a letter
		{"http://exa mple.org/hook", false},
		{"http://example.org/a b", false},
		{"http://example.org/%zz", false},
		{"http://example.org/a#b#c", false},
		{":nothing", false},
		{"1http://example.org", false},
		{"http:", false},
		{"http://example.org/<a>", false},
		{"http://example.org/{id}", false},
		{"http://example.org/a|b", false},
		{"http://example.org/a^b", false},
		{`http://example.org/a\b`, false},
		{"http://example.org/[x]", false},
		{"http://[nothost]/", false},
		{"http://example.org/\u00a0", false},
	} {
		if got := javaURISyntax(tc.uri); got != tc.want {
			t.Errorf("javaURISyntax(%q) = %v, want %v", tc.uri, got, tc.want)
		}
	}
}
