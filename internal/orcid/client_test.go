package orcid

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testClient returns a member client for srv that records every hook call
// and every backoff wait instead of sleeping.
func testClient(t *testing.T, srv *httptest.Server, mutate ...func(*Config)) (*Client, *[]Call, *[]time.Duration) {
	t.Helper()
	env, err := CustomEnvironment(srv.URL, "", "")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	calls := &[]Call{}
	cfg := Config{
		Credential:  Credential{ClientID: "APP-TEST0000000000001", ClientSecret: "client-secret-value-123", Env: env, API: MemberAPI},
		RedirectURL: "https://app.example.org/callback",
		HTTPClient:  srv.Client(),
		Hook: func(_ context.Context, c Call) {
			mu.Lock()
			defer mu.Unlock()
			*calls = append(*calls, c)
		},
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	waits := &[]time.Duration{}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		*waits = append(*waits, d)
		return ctx.Err()
	}
	return c, calls, waits
}

// sequence answers the i-th request with statuses[i] (the last repeats).
func sequence(t *testing.T, statuses []int, header http.Header, body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		st := statuses[min(i, len(statuses)-1)]
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(st)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

const id0 = ID("0000-0002-1825-0097")

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		statuses  []int
		header    http.Header
		wantCalls int32
		wantErr   error
		minWait   time.Duration // every wait at least this (Retry-After)
	}{
		{"500 then success is retried", []int{500, 200}, nil, 2, nil, 0},
		{"503 twice then success", []int{503, 503, 200}, nil, 3, nil, 0},
		{"429 storm absorbed, honouring Retry-After", []int{429, 429, 429, 200}, http.Header{"Retry-After": {"2"}}, 4, nil, 2 * time.Second},
		{"400 is not retried", []int{400, 200}, nil, 1, ErrValidation, 0},
		{"401 is not retried", []int{401, 200}, nil, 1, ErrTokenInvalid, 0},
		{"403 is not retried", []int{403}, nil, 1, ErrForbidden, 0},
		{"404 is not retried", []int{404}, nil, 1, ErrNotFound, 0},
		{"persistent 500 gives up after MaxAttempts", []int{500}, nil, 5, ErrTemporary, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, n := sequence(t, tc.statuses, tc.header, `{}`)
			c, _, waits := testClient(t, srv)
			var out map[string]any
			err := c.GetJSON(t.Context(), "tok-abcdef", id0, "works", &out)
			if tc.wantErr == nil && err != nil {
				t.Fatalf("err = %v", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if got := n.Load(); got != tc.wantCalls {
				t.Fatalf("server saw %d requests, want %d", got, tc.wantCalls)
			}
			if len(*waits) != int(tc.wantCalls)-1 {
				t.Fatalf("waited %d times, want %d", len(*waits), tc.wantCalls-1)
			}
			for _, w := range *waits {
				if w < tc.minWait || w > 30*time.Second {
					t.Fatalf("wait %v outside [%v, 30s]", w, tc.minWait)
				}
			}
		})
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	c, err := New(Config{Credential: Credential{ClientID: "a", ClientSecret: "b", Env: Sandbox, API: MemberAPI}})
	if err != nil {
		t.Fatal(err)
	}
	for attempt := 1; attempt <= 4; attempt++ {
		d := c.cfg.Retry.BaseDelay << (attempt - 1)
		for range 50 {
			if b := c.backoff(attempt); b < d/2 || b > d {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", attempt, b, d/2, d)
			}
		}
	}
}

func TestContextBoundsEveryCall(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	c, _, _ := testClient(t, srv)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	var out any
	if err := c.GetJSON(ctx, "tok", id0, "", &out); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
}

func TestAPIErrorCarriesORCIDMessage(t *testing.T) {
	body := `{"response-code":400,"developer-message":"400 Bad Request: Invalid work type","user-message":"Something went wrong","error-code":9037,"more-info":"https://members.orcid.org/api/resources/troubleshooting"}`
	srv, _ := sequence(t, []int{400}, nil, body)
	c, _, _ := testClient(t, srv)
	_, err := c.PostJSON(t.Context(), "tok", id0, "work", map[string]any{"type": "nonsense"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode != 9037 || !strings.Contains(apiErr.Developer, "Invalid work type") {
		t.Fatalf("err = %#v", err)
	}
	if !errors.Is(err, ErrValidation) || !IsPermanent(err) {
		t.Fatalf("a 400 must be a permanent validation error: %v", err)
	}
}

func TestGarbageBodiesNeverPanic(t *testing.T) {
	for _, body := range []string{"", "<html>502 Bad Gateway</html>", "{", `{"error-code":"x"}`, "\x00\xff", `[]`} {
		for _, st := range []int{200, 201, 400, 401, 409, 502} {
			srv, _ := sequence(t, []int{st}, nil, body)
			c, _, _ := testClient(t, srv, func(c *Config) { c.Retry.MaxAttempts = 1 })
			var out map[string]any
			_ = c.GetJSON(t.Context(), "tok", id0, "works", &out)
			_, _ = c.PostJSON(t.Context(), "tok", id0, "work", map[string]any{})
			_ = c.Delete(t.Context(), "tok", id0, "work", 1)
		}
	}
}

func TestConflictResolvesToExistingPutCode(t *testing.T) {
	body := `{"response-code":409,"developer-message":"409 Conflict: You have already added this activity (matched by external identifiers), please see element with put-code 1234. If you are trying to edit the item, please use PUT instead of POST.","user-message":"There was an error","error-code":9021}`
	srv, _ := sequence(t, []int{409}, nil, body)
	c, _, _ := testClient(t, srv)
	res, err := c.PostJSON(t.Context(), "tok", id0, "work", map[string]any{})
	if err != nil || res.PutCode != 1234 || !res.Existing {
		t.Fatalf("got %+v, %v; want put-code 1234 reported as existing", res, err)
	}
}

func TestPublicCredentialsCannotWrite(t *testing.T) {
	srv, n := sequence(t, []int{201}, http.Header{"Location": {"x/work/1"}}, "")
	c, _, _ := testClient(t, srv, func(c *Config) { c.Credential.API = PublicAPI })
	_, err := c.PostJSON(t.Context(), "tok", id0, "work", map[string]any{})
	if !errors.Is(err, ErrNotPermitted) || n.Load() != 0 {
		t.Fatalf("err = %v after %d requests; want ErrNotPermitted and no request", err, n.Load())
	}
	if err := c.Delete(t.Context(), "tok", id0, "work", 1); !errors.Is(err, ErrNotPermitted) {
		t.Fatalf("delete: err = %v", err)
	}
	if _, err := c.AuthorizeURL(AuthRequest{State: "s", Scopes: []string{ScopeActivitiesUpdate}}); !errors.Is(err, ErrNotPermitted) {
		t.Fatalf("authorize /activities/update with public credentials: err = %v", err)
	}
}

// TestHookNeverSeesTokens: ORCID echoes the token in its 401 body; the
// hook must see neither that nor the Authorization header's value.
func TestHookNeverSeesTokens(t *testing.T) {
	const token = "5b1a3f5e-8c2d-4c4e-9f10-123456789abc"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(401)
		io.WriteString(w, `{"error":"invalid_token","error_description":"Invalid access token: `+bearer(r.Header.Get("Authorization"))+`"}`)
	}))
	t.Cleanup(srv.Close)
	c, calls, _ := testClient(t, srv)
	var out any
	err := c.GetJSON(t.Context(), token, id0, "", &out)
	if !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Fatalf("error text leaks the token: %v", err)
	}
	if len(*calls) != 1 {
		t.Fatalf("hook saw %d calls", len(*calls))
	}
	assertNoSecrets(t, *calls, token, "client-secret-value-123")
	if got := (*calls)[0].RequestHeader.Get("Authorization"); got != "Bearer [REDACTED]" {
		t.Fatalf("Authorization seen by hook = %q", got)
	}
}

// assertNoSecrets fails if any secret appears anywhere in what the hook saw.
func assertNoSecrets(t *testing.T, calls []Call, secrets ...string) {
	t.Helper()
	for i, c := range calls {
		var sb strings.Builder
		sb.WriteString(c.URL + "\n" + string(c.RequestBody) + "\n" + string(c.ResponseBody) + "\n" + c.Err)
		for _, h := range []http.Header{c.RequestHeader, c.ResponseHeader} {
			for k, vs := range h {
				sb.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
			}
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(sb.String(), s) {
				t.Fatalf("call %d (%s %s) exposes secret %q:\n%s", i, c.Method, c.URL, s, sb.String())
			}
		}
	}
}

func TestRedactBody(t *testing.T) {
	tests := map[string]string{
		"client_id=APP-1&client_secret=s3cr3tvalue&code=Ab12Cd&grant_type=authorization_code":                                  "s3cr3tvalue|Ab12Cd",
		`{"access_token":"aaaaaaaa-1","refresh_token":"bbbbbbbb-2","id_token":"eyJhbGciOi.x.y","orcid":"0000-0002-1825-0097"}`: "aaaaaaaa-1|bbbbbbbb-2|eyJhbGciOi.x.y",
	}
	for in, secrets := range tests {
		out := string(redactBody([]byte(in), nil))
		for _, s := range strings.Split(secrets, "|") {
			if strings.Contains(out, s) {
				t.Errorf("redactBody(%q) = %q still holds %q", in, out, s)
			}
		}
		if strings.Contains(in, "0000-0002-1825-0097") && !strings.Contains(out, "0000-0002-1825-0097") {
			t.Errorf("redaction removed the iD, which is not a secret: %q", out)
		}
	}
}

func TestAuthorizeURL(t *testing.T) {
	srv, _ := sequence(t, []int{200}, nil, "")
	c, _, _ := testClient(t, srv)
	show := false
	u, err := c.AuthorizeURL(AuthRequest{
		Scopes: []string{ScopeOpenID, ScopeActivitiesUpdate}, State: "st-1", Lang: "fr",
		GivenNames: "Ada", FamilyNames: "Lovelace", Email: "ada@example.org", ShowLogin: &show, Nonce: "n-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/oauth/authorize?", "client_id=APP-TEST0000000000001", "response_type=code",
		"scope=openid+%2Factivities%2Fupdate", "state=st-1", "lang=fr", "given_names=Ada", "family_names=Lovelace",
		"email=ada%40example.org", "show_login=false", "nonce=n-1", "redirect_uri=https%3A%2F%2Fapp.example.org%2Fcallback"} {
		if !strings.Contains(u, want) {
			t.Errorf("authorize URL %s lacks %s", u, want)
		}
	}
	if _, err := c.AuthorizeURL(AuthRequest{Scopes: []string{ScopeOpenID}, State: "s"}); err == nil {
		t.Error("openid without nonce accepted")
	}
	if _, err := c.AuthorizeURL(AuthRequest{Scopes: []string{ScopeAuthenticate}}); err == nil {
		t.Error("no state accepted")
	}
}

type countingLimiter struct{ n atomic.Int32 }

func (l *countingLimiter) Wait(ctx context.Context) error { l.n.Add(1); return ctx.Err() }

// TestEveryAPIAttemptWaitsForTheLimiter: each attempt, retries included,
// takes a permit, so retries cannot exceed the credential's budget.
func TestEveryAPIAttemptWaitsForTheLimiter(t *testing.T) {
	srv, n := sequence(t, []int{503, 200}, nil, `{}`)
	lim := &countingLimiter{}
	c, _, _ := testClient(t, srv, func(c *Config) { c.Limiter = lim })
	var out any
	if err := c.GetJSON(t.Context(), "tok", id0, "works", &out); err != nil {
		t.Fatal(err)
	}
	if lim.n.Load() != n.Load() || n.Load() != 2 {
		t.Fatalf("%d permits for %d requests", lim.n.Load(), n.Load())
	}
}

func TestLimiterErrorStopsTheCall(t *testing.T) {
	srv, n := sequence(t, []int{200}, nil, `{}`)
	c, _, _ := testClient(t, srv, func(c *Config) { c.Limiter = &countingLimiter{} })
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var out any
	if err := c.GetJSON(ctx, "tok", id0, "works", &out); !errors.Is(err, context.Canceled) || n.Load() != 0 {
		t.Fatalf("err %v after %d requests", err, n.Load())
	}
}
