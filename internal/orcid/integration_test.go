package orcid_test

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/orcidlink/orcidlink/internal/orcid/orcidtest"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/sandbox"
	"github.com/orcidlink/orcidlink/internal/sandbox/sandboxtest"
)

// These tests hold the client to the offline registry over real HTTP. The
// registry is in turn held to ORCID's schemas and samples by its own tests,
// so the two cannot quietly agree on a mistake.

// recorder keeps every call the hook saw and every secret the test learnt,
// and checks at cleanup that no secret ever reached the hook.
type recorder struct {
	mu      sync.Mutex
	calls   []orcid.Call
	secrets []string
}

func (r *recorder) hook(_ context.Context, c orcid.Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c)
}

func (r *recorder) secret(s ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, s...)
}

func (r *recorder) count(method, pathSuffix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.calls {
		if c.Method == method && strings.HasSuffix(strings.SplitN(c.URL, "?", 2)[0], pathSuffix) {
			n++
		}
	}
	return n
}

func (r *recorder) check(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		t.Fatal("the hook saw no call")
	}
	for i, c := range r.calls {
		var sb strings.Builder
		sb.WriteString(c.URL + "\n" + string(c.RequestBody) + "\n" + string(c.ResponseBody) + "\n" + c.Err + "\n")
		for _, h := range []http.Header{c.RequestHeader, c.ResponseHeader} {
			for k, vs := range h {
				sb.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
			}
		}
		for _, s := range r.secrets {
			if len(s) >= 6 && strings.Contains(sb.String(), s) {
				t.Errorf("call %d (%s %s) shows a secret to the hook:\n%s", i, c.Method, c.URL, sb.String())
			}
		}
	}
}

type fixture struct {
	env    *sandboxtest.Env
	client *orcid.Client
	rec    *recorder
}

// newFixture starts a registry and a member client for it whose hook is
// checked for secrets when the test ends.
func newFixture(t *testing.T, cred func(*sandboxtest.Env) sandbox.Client, mutate ...func(*orcid.Config)) *fixture {
	t.Helper()
	env := sandboxtest.New(t)
	ec, err := orcid.CustomEnvironment(env.BaseURL, env.MemberAPI, env.PublicAPI)
	if err != nil {
		t.Fatal(err)
	}
	sc := env.Member
	api := orcid.MemberAPI
	if cred != nil {
		sc = cred(env)
		if sc.Type == "public" {
			api = orcid.PublicAPI
		}
	}
	rec := &recorder{}
	rec.secret(sc.Secret)
	cfg := orcid.Config{
		Credential:  orcid.Credential{ClientID: sc.ID, ClientSecret: sc.Secret, Env: ec, API: api},
		RedirectURL: env.Callback.URL,
		Hook:        rec.hook,
		Retry:       orcid.RetryPolicy{BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond},
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := orcid.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.check(t) })
	return &fixture{env: env, client: c, rec: rec}
}

// connect runs the researcher through ORCID's screens and the code exchange.
func (f *fixture) connect(t *testing.T, scopes ...string) *orcid.Authorization {
	t.Helper()
	u, err := f.client.AuthorizeURL(orcid.AuthRequest{Scopes: scopes, State: "state-1", Nonce: "nonce-1",
		GivenNames: f.env.Researcher.GivenNames, FamilyNames: f.env.Researcher.FamilyNames, Email: f.env.Researcher.Email})
	if err != nil {
		t.Fatal(err)
	}
	q := f.env.Authorize(t, u)
	if q.Get("state") != "state-1" || q.Get("code") == "" {
		t.Fatalf("callback got %v", q)
	}
	f.rec.secret(q.Get("code"))
	a, err := f.client.Exchange(t.Context(), q.Get("code"))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	f.rec.secret(a.AccessToken, a.RefreshToken, a.IDToken)
	return a
}

func TestConnectRefreshRevoke(t *testing.T) {
	f := newFixture(t, nil)
	a := f.connect(t, orcid.ScopeOpenID, orcid.ScopeReadLimited, orcid.ScopeActivitiesUpdate, orcid.ScopePersonUpdate)

	wantID := orcid.ID(f.env.Researcher.ORCID)
	if a.ID != wantID || a.IDURI != f.env.BaseURL+"/"+string(wantID) {
		t.Fatalf("iD %q (%s), want %q", a.ID, a.IDURI, wantID)
	}
	if a.Name != f.env.Researcher.Name() || a.AccessToken == "" || a.RefreshToken == "" || a.TokenType != "bearer" {
		t.Fatalf("authorization %+v", a)
	}
	if len(a.Scopes) != 4 || time.Until(a.ExpiresAt) < 19*365*24*time.Hour {
		t.Fatalf("scopes %v, expiry %v: want 4 scopes and a ~20-year token", a.Scopes, a.ExpiresAt)
	}
	claims, err := f.client.VerifyIDToken(t.Context(), a.IDToken, "nonce-1")
	if err != nil || claims.Subject != wantID {
		t.Fatalf("id_token: %+v, %v", claims, err)
	}
	if _, err := f.client.VerifyIDToken(t.Context(), a.IDToken, "another-nonce"); err == nil {
		t.Fatal("id_token accepted with the wrong nonce")
	}

	// A replayed code is refused, as the researcher must authorize again.
	r2, err := f.client.Refresh(t.Context(), a.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	f.rec.secret(r2.AccessToken, r2.RefreshToken)
	if r2.AccessToken == a.AccessToken || r2.RefreshToken == a.RefreshToken || r2.ID != wantID {
		t.Fatalf("refresh returned %+v", r2)
	}
	if _, err := f.client.ReadRecord(t.Context(), r2.AccessToken, wantID); err != nil {
		t.Fatalf("read with refreshed token: %v", err)
	}

	if err := f.client.Revoke(t.Context(), r2.AccessToken); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	_, err = f.client.ReadRecord(t.Context(), r2.AccessToken, wantID)
	if !errors.Is(err, orcid.ErrTokenInvalid) || !orcid.IsPermanent(err) {
		t.Fatalf("revoked token: err = %v, want ErrTokenInvalid", err)
	}
	if n := f.rec.count("GET", "/record"); n != 2 {
		t.Fatalf("the revoked-token read was sent %d times in all; a 401 must not be retried", n)
	}
}

func TestReadPublicTokenIsCached(t *testing.T) {
	f := newFixture(t, nil)
	t1, err := f.client.ReadPublicToken(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t2, _ := f.client.ReadPublicToken(t.Context())
	f.rec.secret(t1)
	if t1 == "" || t1 != t2 || f.rec.count("POST", "/oauth/token") != 1 {
		t.Fatalf("read-public token not cached: %q %q, %d token requests", t1, t2, f.rec.count("POST", "/oauth/token"))
	}
	if _, err := f.client.ReadRecord(t.Context(), t1, orcid.ID(f.env.Researcher.ORCID)); err != nil {
		t.Fatalf("read-public read: %v", err)
	}
}

// sampleFor is the ORCID write sample used for each kind.
var sampleFor = map[orcid.ItemKind]string{
	orcid.KindWork:               "work-full-3.0.json",
	orcid.KindFunding:            "funding-3.0-simple.json",
	orcid.KindDistinction:        "distinction-3.0.json",
	orcid.KindEducation:          "education-3.0.json",
	orcid.KindEmployment:         "employment-3.0.json",
	orcid.KindInvitedPosition:    "invited-position-3.0.json",
	orcid.KindMembership:         "membership-3.0.json",
	orcid.KindQualification:      "qualification-3.0.json",
	orcid.KindService:            "service-3.0.json",
	orcid.KindPeerReview:         "peer-review-full-3.0.json",
	orcid.KindResearchResource:   "research-resource-3.0.json",
	orcid.KindKeyword:            "keywords-3.0.json",
	orcid.KindOtherName:          "other-names-3.0.json",
	orcid.KindResearcherURL:      "researcher-url-3.0.json",
	orcid.KindAddress:            "address-3.0.json",
	orcid.KindExternalIdentifier: "external-identifier-3.0.json",
}

func loadSample(t *testing.T, kind orcid.ItemKind) orcid.Item {
	t.Helper()
	path := filepath.Join(orcidtest.ModelDir(t), "record_3.0", "samples", "write_samples", sampleFor[kind])
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("ORCID's sample: %v", err)
	}
	item := orcid.NewItem(kind)
	if err := json.Unmarshal(b, item); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	item.SetPutCode(0)
	return item
}

// TestEveryKind adds, reads, updates and deletes one item of every kind.
func TestEveryKind(t *testing.T) {
	f := newFixture(t, nil)
	a := f.connect(t, orcid.ScopeReadLimited, orcid.ScopeActivitiesUpdate, orcid.ScopePersonUpdate)
	ctx := t.Context()
	for _, kind := range orcid.Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			item := loadSample(t, kind)
			res, err := f.client.Add(ctx, a.AccessToken, a.ID, item)
			if err != nil || res.PutCode == 0 || res.Existing {
				t.Fatalf("add: %+v, %v", res, err)
			}
			got, err := f.client.ReadItem(ctx, a.AccessToken, a.ID, kind, res.PutCode)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if got.GetPutCode() != res.PutCode || got.DisplayTitle() != item.DisplayTitle() {
				t.Fatalf("read back put-code %d %q, want %d %q", got.GetPutCode(), got.DisplayTitle(), res.PutCode, item.DisplayTitle())
			}
			if src := got.GetSource(); src == nil || src.SourceClientID == nil || src.SourceClientID.Path != f.env.Member.ID {
				t.Fatalf("source = %+v, want our client", got.GetSource())
			}
			updated, err := f.client.Update(ctx, a.AccessToken, a.ID, got)
			if err != nil || updated.GetPutCode() != res.PutCode {
				t.Fatalf("update: %v", err)
			}
			if err := f.client.DeleteItem(ctx, a.AccessToken, a.ID, kind, res.PutCode); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if _, err := f.client.ReadItem(ctx, a.AccessToken, a.ID, kind, res.PutCode); !errors.Is(err, orcid.ErrNotFound) {
				t.Fatalf("read after delete: %v, want ErrNotFound", err)
			}
		})
	}
}

func TestDuplicateResolvesToExistingItem(t *testing.T) {
	f := newFixture(t, nil)
	a := f.connect(t, orcid.ScopeReadLimited, orcid.ScopeActivitiesUpdate)
	w := loadSample(t, orcid.KindWork)
	first, err := f.client.Add(t.Context(), a.AccessToken, a.ID, w)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.client.Add(t.Context(), a.AccessToken, a.ID, loadSample(t, orcid.KindWork))
	if err != nil || again.PutCode != first.PutCode || !again.Existing {
		t.Fatalf("second add: %+v, %v; want put-code %d reported as existing", again, err, first.PutCode)
	}
	works, err := f.client.ReadWorks(t.Context(), a.AccessToken, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range works.Groups {
		n += len(g.Summaries)
	}
	if n != 1 {
		t.Fatalf("record holds %d works, want 1", n)
	}
	pc, found, err := f.client.FindOwn(t.Context(), a.AccessToken, a.ID, loadSample(t, orcid.KindWork))
	if err != nil || !found || pc != first.PutCode {
		t.Fatalf("FindOwn = %d, %v, %v; want %d", pc, found, err, first.PutCode)
	}
}

func TestBulkWorks(t *testing.T) {
	f := newFixture(t, nil)
	a := f.connect(t, orcid.ScopeReadLimited, orcid.ScopeActivitiesUpdate)
	var works []*orcid.Work
	for i := range 3 {
		w := loadSample(t, orcid.KindWork).(*orcid.Work)
		for j := range w.ExternalIDs.ExternalID {
			if w.ExternalIDs.ExternalID[j].Relationship == orcid.RelationshipSelf {
				w.ExternalIDs.ExternalID[j].Value += "-" + string(rune('a'+i))
			}
		}
		works = append(works, w)
	}
	// ORCID validates bulk items one by one: a work with no title fails
	// alone. (An unknown work type would fail the whole body, as JSON.)
	works = append(works, loadSample(t, orcid.KindWork).(*orcid.Work))
	works[3].Title = nil
	res, err := f.client.AddWorks(t.Context(), a.AccessToken, a.ID, works)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 4 {
		t.Fatalf("bulk answered %d items", len(res.Items))
	}
	var codes []int64
	for i, it := range res.Items[:3] {
		if it.Work == nil || it.Work.GetPutCode() == 0 {
			t.Fatalf("item %d: %+v", i, it)
		}
		codes = append(codes, it.Work.GetPutCode())
	}
	if res.Items[3].Error == nil {
		t.Fatalf("the invalid work was accepted: %+v", res.Items[3])
	}
	read, err := f.client.ReadWorksBulk(t.Context(), a.AccessToken, a.ID, codes)
	if err != nil || len(read.Works()) != 3 {
		t.Fatalf("bulk read: %v, %v", read, err)
	}
}

// TestFaults: the registry's fault injection against the client's retries.
func TestFaults(t *testing.T) {
	f := newFixture(t, nil)
	a := f.connect(t, orcid.ScopeReadLimited, orcid.ScopeActivitiesUpdate)
	ctx := t.Context()

	if err := f.env.Registry.SetFaults(sandbox.Faults{Next: []int{500}}); err != nil {
		t.Fatal(err)
	}
	before := f.rec.count("GET", "/record")
	if _, err := f.client.ReadRecord(ctx, a.AccessToken, a.ID); err != nil {
		t.Fatalf("500 then success: %v", err)
	}
	if got := f.rec.count("GET", "/record") - before; got != 2 {
		t.Fatalf("500 then success took %d calls, want 2", got)
	}

	// A storm of 429s with Retry-After: absorbed by retries, in bounded time.
	if err := f.env.Registry.SetFaults(sandbox.Faults{Next: []int{429, 429, 429}, RetryAfterSeconds: 0}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := f.client.ReadRecord(ctx, a.AccessToken, a.ID); err != nil {
		t.Fatalf("429 storm: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("429 storm took %v", took)
	}

	// A storm that outlasts the retries ends in a rate-limit error.
	f.env.Registry.SetFaults(sandbox.Faults{Rate429: 1})
	if _, err := f.client.ReadRecord(ctx, a.AccessToken, a.ID); !errors.Is(err, orcid.ErrRateLimited) || orcid.IsPermanent(err) {
		t.Fatalf("endless 429: %v", err)
	}
	f.env.Registry.SetFaults(sandbox.Faults{})

	// A 400 is not retried and carries ORCID's message and code.
	w := loadSample(t, orcid.KindWork).(*orcid.Work)
	w.Type = "not-a-work-type"
	before = f.rec.count("POST", "/work")
	_, err := f.client.Add(ctx, a.AccessToken, a.ID, w)
	var apiErr *orcid.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, orcid.ErrValidation) || apiErr.ErrorCode == 0 || apiErr.Developer == "" {
		t.Fatalf("invalid work: %v", err)
	}
	if got := f.rec.count("POST", "/work") - before; got != 1 {
		t.Fatalf("a 400 was sent %d times", got)
	}
}

func TestPublicAPICredentials(t *testing.T) {
	f := newFixture(t, func(e *sandboxtest.Env) sandbox.Client { return e.Public })
	a := f.connect(t, orcid.ScopeOpenID)
	if a.ID != orcid.ID(f.env.Researcher.ORCID) {
		t.Fatalf("iD %q", a.ID)
	}
	if _, err := f.client.Add(t.Context(), a.AccessToken, a.ID, loadSample(t, orcid.KindWork)); !errors.Is(err, orcid.ErrNotPermitted) {
		t.Fatalf("write with public credentials: %v", err)
	}
	if _, err := f.client.ReadRecord(t.Context(), a.AccessToken, a.ID); err != nil {
		t.Fatalf("public read: %v", err)
	}
}
