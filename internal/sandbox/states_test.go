package sandbox

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClock is a settable clock for Config.Now.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (e *apiEnv) setState(orcidID string, ch StateChange) Researcher {
	e.t.Helper()
	res, err := e.r.SetResearcherState(context.Background(), orcidID, ch)
	if err != nil {
		e.t.Fatalf("set state %s: %v", ch.State, err)
	}
	return res
}

// stateCase is one request against a record in a state, and what ORCID
// answers it with.
type stateCase struct {
	name, method, path string // path after /v3.0/{iD}
	public             bool
	body               []byte
	accept             string
	status, code       int
}

// requestsFor lists the requests every state is tried with: the record,
// a list, an item, a summary and the three writes on the Member API, and
// reads on the Public API.
func requestsFor(pc int64, status, code int) []stateCase {
	put := workJSON("Changed", "10.1/changed")
	put = bytes.Replace(put, []byte(`{`), []byte(`{"put-code":`+itoa(pc)+`,`), 1)
	return []stateCase{
		{name: "GET record", method: "GET", path: "/record", status: status, code: code},
		{name: "GET record XML", method: "GET", path: "/record", accept: "application/vnd.orcid+xml", status: status, code: code},
		{name: "GET works", method: "GET", path: "/works", status: status, code: code},
		{name: "GET work", method: "GET", path: "/work/" + itoa(pc), status: status, code: code},
		{name: "GET work summary", method: "GET", path: "/work/summary/" + itoa(pc), status: status, code: code},
		{name: "GET person", method: "GET", path: "/person", status: status, code: code},
		{name: "POST work", method: "POST", path: "/work", body: workJSON("New", "10.1/new"), status: status, code: code},
		{name: "PUT work", method: "PUT", path: "/work/" + itoa(pc), body: put, status: status, code: code},
		{name: "DELETE work", method: "DELETE", path: "/work/" + itoa(pc), status: status, code: code},
		{name: "public GET record", public: true, method: "GET", path: "/record", status: status, code: code},
		{name: "public GET work", public: true, method: "GET", path: "/work/" + itoa(pc), status: status, code: code},
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// jwtClaims decodes the claims of a JWS without checking it (the OpenID
// tests check signatures).
func jwtClaims(t *testing.T, jws string) string {
	t.Helper()
	parts := strings.Split(jws, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %q", jws)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runStateCases sends each case as token (anonymous on the Public API) and
// checks status, error code and content type; it returns the responses by
// case name for further checks.
func (e *apiEnv) runStateCases(t *testing.T, orcidID, token string, cases []stateCase) map[string]apiResp {
	t.Helper()
	out := map[string]apiResp{}
	for _, c := range cases {
		u, tok := e.member3("/"+orcidID+c.path), token
		if c.public {
			u, tok = e.pub3("/"+orcidID+c.path), ""
		}
		accept := c.accept
		if accept == "" {
			accept = "application/vnd.orcid+json"
		}
		ct := ""
		if c.body != nil {
			ct = "application/vnd.orcid+json"
		}
		// Go's client would follow a 301; the registry's answer is what
		// is under test.
		e.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp := e.do(apiCall{method: c.method, url: u, token: tok, accept: accept, contentType: ct, body: c.body})
		e.http.CheckRedirect = nil
		out[c.name] = resp
		if resp.status != c.status {
			t.Errorf("%s: status %d, want %d\n%s", c.name, resp.status, c.status, resp.body)
			continue
		}
		if c.code == 0 {
			continue
		}
		if eb := resp.errorBody(t); eb.ErrorCode != c.code || eb.ResponseCode != c.status {
			t.Errorf("%s: error-code %d response-code %d, want %d %d", c.name, eb.ErrorCode, eb.ResponseCode, c.code, c.status)
		}
		if c.accept != "" && !isXML(resp.header.Get("Content-Type")) {
			t.Errorf("%s: asked for XML, got %s", c.name, resp.header.Get("Content-Type"))
		}
	}
	return out
}

// TestRecordStatesOnTheAPIs tries every state with every kind of request
// and checks ORCID's status and error code (OrcidSecurityManagerImpl
// .checkProfile, OrcidCoreExceptionMapper, OrcidExceptionMapper).
func TestRecordStatesOnTheAPIs(t *testing.T) {
	t.Run("deprecated", func(t *testing.T) {
		e := newAPIEnv(t)
		tok := e.writeToken()
		pc := e.post(tok, e.res.ORCID, "work", "application/vnd.orcid+json", workJSON("Before", "10.1/before"))
		e.setState(e.res.ORCID, StateChange{State: StateDeprecated, Primary: e.res2.ORCID})
		var cases []stateCase
		for _, c := range requestsFor(pc, http.StatusConflict, 9007) {
			if c.method == "GET" {
				c.status = http.StatusMovedPermanently
			}
			cases = append(cases, c)
		}
		cases = append(cases, stateCase{name: "HEAD record", method: "HEAD", path: "/record", status: http.StatusConflict})
		got := e.runStateCases(t, e.res.ORCID, tok, cases)

		old, primary := e.r.IDURI(e.res.ORCID), e.r.IDURI(e.res2.ORCID)
		get := got["GET work"]
		if want := e.member3("/" + e.res2.ORCID + "/work/" + itoa(pc)); get.header.Get("Location") != want {
			t.Errorf("GET Location %q, want %q", get.header.Get("Location"), want)
		}
		eb := get.errorBody(t)
		if want := "301 Moved Permanently: This account is deprecated. Please refer to account: " + primary + ". ORCID " + old; eb.DeveloperMessage != want {
			t.Errorf("GET developer-message\n%q, want\n%q", eb.DeveloperMessage, want)
		}
		if want := "This account is deprecated. Please refer to account: " + primary + "."; eb.UserMessage != want {
			t.Errorf("GET user-message %q, want %q", eb.UserMessage, want)
		}
		post := got["POST work"]
		if want := e.member3("/" + e.res2.ORCID + "/work"); post.header.Get("Location") != want {
			t.Errorf("POST Location %q, want %q", post.header.Get("Location"), want)
		}
		if eb := post.errorBody(t); eb.DeveloperMessage != eb.UserMessage || !strings.Contains(eb.UserMessage, primary) {
			t.Errorf("409 body: developer-message %q should be the user-message %q", eb.DeveloperMessage, eb.UserMessage)
		}
		if loc := got["public GET record"].header.Get("Location"); loc != e.pub3("/"+e.res2.ORCID+"/record") {
			t.Errorf("Public API Location %q", loc)
		}
		// ORCID clears a deprecated record: its items are gone.
		if rows, _ := e.r.store.Items(context.Background(), e.res.ORCID); len(rows) != 0 {
			t.Errorf("deprecated record keeps %d items", len(rows))
		}
	})

	t.Run("locked", func(t *testing.T) {
		e := newAPIEnv(t)
		tok := e.writeToken()
		pc := e.post(tok, e.res.ORCID, "work", "application/vnd.orcid+json", workJSON("Before", "10.1/before"))
		e.setState(e.res.ORCID, StateChange{State: StateLocked})
		got := e.runStateCases(t, e.res.ORCID, tok, requestsFor(pc, http.StatusConflict, 9018))
		eb := got["PUT work"].errorBody(t)
		id := e.res.ORCID
		if want := "409 Conflict: The ORCID record is locked and cannot be edited. ORCID " + id + " Full validation error: " + id + " is locked"; eb.DeveloperMessage != want {
			t.Errorf("developer-message\n%q, want\n%q", eb.DeveloperMessage, want)
		}
		if eb.UserMessage != "The ORCID record is locked." {
			t.Errorf("user-message %q", eb.UserMessage)
		}
		// Locking keeps the record as it is, and unlocking gives it back.
		e.setState(id, StateChange{State: StateActive})
		if r := e.do(apiCall{method: "GET", url: e.member3("/" + id + "/work/" + itoa(pc)), token: tok, accept: "application/json"}); r.status != 200 {
			t.Errorf("after unlocking: %d %s", r.status, r.body)
		}
	})

	t.Run("deactivated", func(t *testing.T) {
		e := newAPIEnv(t)
		tok := e.writeToken()
		pc := e.post(tok, e.res.ORCID, "work", "application/vnd.orcid+json", workJSON("Before", "10.1/before"))
		e.setState(e.res.ORCID, StateChange{State: StateDeactivated})
		// Deactivation disables the record's tokens (RECORD_DEACTIVATED),
		// so the client's token is refused before the record is looked at.
		r := e.do(apiCall{method: "GET", url: e.member3("/" + e.res.ORCID + "/record"), token: tok})
		if code, _ := r.oauthError(t); r.status != 401 || code != "invalid_token" {
			t.Errorf("deactivated record's token: %d %s", r.status, r.body)
		}
		// A two-legged token reaches checkProfile: 409 9044 on reads too
		// (ORCID-Source #7000, #7004), and on writes before the scope check.
		twoLegged := e.token(e.member, "", ScopeReadPublic)
		got := e.runStateCases(t, e.res.ORCID, twoLegged, requestsFor(pc, http.StatusConflict, 9044))
		eb := got["GET record"].errorBody(t)
		if want := "409 Conflict: The ORCID record is deactivated and cannot be edited. Full validation error: " + e.res.ORCID + " is deactivated"; eb.DeveloperMessage != want {
			t.Errorf("developer-message\n%q, want\n%q", eb.DeveloperMessage, want)
		}
		// The Public API's professional activities skip checkProfile
		// (PublicV3ApiServiceDelegatorImpl), so they answer as usual.
		e.runStateCases(t, e.res.ORCID, "", []stateCase{
			{name: "public GET distinctions", public: true, method: "GET", path: "/distinctions", status: 200},
			{name: "public GET research-resources", public: true, method: "GET", path: "/research-resources", status: 200},
			{name: "public GET educations", public: true, method: "GET", path: "/educations", status: 409, code: 9044},
		})
		res, _ := e.r.store.Researcher(context.Background(), e.res.ORCID)
		if res.GivenNames != "Given Names Deactivated" || res.FamilyNames != "Family Name Deactivated" || res.DefaultVisibility != "private" {
			t.Errorf("deactivated record not cleared as ORCID clears it: %+v", res)
		}
	})

	t.Run("unclaimed", func(t *testing.T) {
		clock := &testClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
		e := newAPIEnvWith(t, Config{Now: clock.now})
		mine := e.writeToken()
		theirs := e.token(e.other, e.res.ORCID, ScopeReadLimited, ScopeActivitiesUpdate)
		pc := e.post(mine, e.res.ORCID, "work", "application/vnd.orcid+json", workJSON("Before", "10.1/before"))
		e.setState(e.res.ORCID, StateChange{State: StateUnclaimed, CreatedBy: e.member.ID})
		e.runStateCases(t, e.res.ORCID, theirs, requestsFor(pc, http.StatusConflict, 9036))
		// The client that created the record may use it, and its POSTs
		// keep their own visibility, or get private (setIncomingWorkPrivacy).
		limited := bytes.Replace(workJSON("Limited", "10.1/limited"), []byte(`{`), []byte(`{"visibility":"limited",`), 1)
		pcLimited := e.post(mine, e.res.ORCID, "work", "application/vnd.orcid+json", limited)
		pcNone := e.post(mine, e.res.ORCID, "work", "application/vnd.orcid+json", workJSON("None", "10.1/none"))
		for pc, want := range map[int64]string{pcLimited: "limited", pcNone: "private"} {
			if it, _ := e.r.store.Item(context.Background(), e.res.ORCID, "work", pc); it.Visibility != want {
				t.Errorf("work %d on an unclaimed record: visibility %q, want %q", pc, it.Visibility, want)
			}
		}
		rec := e.do(apiCall{method: "GET", url: e.member3("/" + e.res.ORCID + "/record"), token: mine, accept: "application/json"})
		if rec.status != 200 || !strings.Contains(string(rec.body), `"claimed":false`) {
			t.Errorf("creator reads the unclaimed record: %d %.300s", rec.status, rec.body)
		}
		// After ORCID's claim wait period (10 days) anyone may.
		clock.advance(10*24*time.Hour + time.Minute)
		e.runStateCases(t, e.res.ORCID, theirs, []stateCase{
			{name: "GET after the wait", method: "GET", path: "/work/" + itoa(pc), status: 200},
			{name: "public GET after the wait", public: true, method: "GET", path: "/record", status: 200},
		})
	})
}

// TestStateChangesAtTheTokenEndpointAndSignIn: deactivated and deprecated
// records cannot sign in (OrcidUserDetailsServiceImpl.checkStatuses),
// locked ones can; a deactivated record's refresh token is disabled with
// its access token.
func TestStateChangesAtTheTokenEndpointAndSignIn(t *testing.T) {
	e := newAPIEnv(t)
	ctx := context.Background()
	signin := func(email string) (int, string) {
		e.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		defer func() { e.http.CheckRedirect = nil }()
		resp, err := e.http.PostForm(e.r.BaseURL()+"/signin", url.Values{"username": {email}, "password": {"password1"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	locked := e.researcher("locked@example.org")
	e.setState(locked.ORCID, StateChange{State: StateLocked})
	if st, body := signin("locked@example.org"); st != http.StatusSeeOther {
		t.Errorf("locked record: sign-in %d, want 303\n%.300s", st, body)
	}
	for _, tc := range []struct {
		state RecordState
		want  string
	}{
		{StateDeactivated, "Account deactivated - please contact support."},
		{StateDeprecated, "This account is deprecated. Please refer to account: " + e.res2.ORCID},
		{StateUnclaimed, "The ORCID record exists but has not been claimed."},
	} {
		res := e.researcher(string(tc.state) + "@example.org")
		e.setState(res.ORCID, StateChange{State: tc.state, Primary: map[bool]string{true: e.res2.ORCID}[tc.state == StateDeprecated]})
		st, body := signin(res.Email)
		if st != http.StatusUnauthorized || !strings.Contains(body, tc.want) || !strings.Contains(body, `data-record-state="`+string(tc.state)+`"`) {
			t.Errorf("%s: sign-in %d, want 401 with %q\n%.600s", tc.state, st, tc.want, body)
		}
	}

	// Refreshing a deactivated record's token: the parent is disabled.
	tok := Token{AccessToken: newUUID(), RefreshToken: newUUID(), ClientID: e.member.ID, ORCID: e.res.ORCID,
		Scopes: ParseScopes("/read-limited"), CreatedAt: e.r.now(), ExpiresAt: e.r.now().Add(time.Hour)}
	if err := e.r.store.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	e.setState(e.res.ORCID, StateChange{State: StateDeactivated})
	_, err := e.r.grant(ctx, url.Values{"client_id": {e.member.ID}, "client_secret": {e.member.Secret},
		"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}, "")
	if te, ok := err.(*tokenError); !ok || te.Status != 400 || te.Description != "Parent token is disabled" {
		t.Errorf("refresh of a deactivated record's token: %v", err)
	}
	if got, _ := e.r.store.Token(ctx, tok.AccessToken); got.RevokeReason != RevokedRecordDeactivated {
		t.Errorf("revoke reason %q", got.RevokeReason)
	}
}

// TestResearcherSettingsOnTheAPI: the default visibility decides what a
// member's POST gets whatever the body says; private names give the token
// an empty name and the id_token no name claims (OrcidTokenEnhancer,
// OpenIDConnectTokenEnhancer); a biography shows in the person section.
func TestResearcherSettingsOnTheAPI(t *testing.T) {
	e := newAPIEnv(t)
	ctx := context.Background()
	private, names, bio, credit := "private", "private", "Studies examples.", "J. Carberry"
	if _, err := e.r.UpdateResearcherSettings(ctx, e.res.ORCID, SettingsChange{DefaultVisibility: &private,
		NamesVisibility: &names, Biography: &bio, CreditName: &credit}); err != nil {
		t.Fatal(err)
	}
	tok := e.writeToken()
	public := bytes.Replace(workJSON("Public?", "10.1/p"), []byte(`{`), []byte(`{"visibility":"public",`), 1)
	pc := e.post(tok, e.res.ORCID, "work", "application/vnd.orcid+json", public)
	if it, _ := e.r.store.Item(ctx, e.res.ORCID, "work", pc); it.Visibility != "private" {
		t.Errorf("POST with visibility public on a default-private record got %q", it.Visibility)
	}
	if r := e.do(apiCall{method: "GET", url: e.pub3("/" + e.res.ORCID + "/work/" + itoa(pc))}); r.status != 403 || r.errorBody(t).ErrorCode != 9039 {
		t.Errorf("Public API read of the private work: %d %s", r.status, r.body)
	}
	stored, _ := e.r.store.Token(ctx, tok)
	stored.Scopes = ParseScopes("openid /read-limited")
	resp, err := e.r.tokenResponse(ctx, e.member, stored, e.r.now(), "")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Name == nil || *resp.Name != "" {
		t.Errorf("token name with private names: %v, want \"\"", resp.Name)
	}
	claims := jwtClaims(t, resp.IDToken)
	for _, c := range []string{"name", "given_name", "family_name"} {
		if strings.Contains(claims, `"`+c+`"`) {
			t.Errorf("id_token carries %s with private names: %s", c, claims)
		}
	}
	// The biography follows the default visibility: private, so not even
	// a /read-limited token sees it; public once the default is.
	person := func() string {
		return string(e.do(apiCall{method: "GET", url: e.member3("/" + e.res.ORCID + "/person"), token: tok, accept: "application/json"}).body)
	}
	if p := person(); strings.Contains(p, bio) || strings.Contains(p, credit) {
		t.Errorf("private biography or names shown: %.400s", p)
	}
	// Public names: the credit name is the token's name.
	pub := "public"
	if _, err := e.r.UpdateResearcherSettings(ctx, e.res.ORCID, SettingsChange{NamesVisibility: &pub, DefaultVisibility: &pub}); err != nil {
		t.Fatal(err)
	}
	if p := person(); !strings.Contains(p, bio) || !strings.Contains(p, credit) {
		t.Errorf("person lacks the public biography or credit name: %.600s", p)
	}
	if resp, _ := e.r.tokenResponse(ctx, e.member, stored, e.r.now(), ""); resp.Name == nil || *resp.Name != credit {
		t.Errorf("token name with public names: %v, want %q", resp.Name, credit)
	}
	bad := "everyone"
	if _, err := e.r.UpdateResearcherSettings(ctx, e.res.ORCID, SettingsChange{DefaultVisibility: &bad}); err == nil {
		t.Error("visibility \"everyone\" accepted")
	}
}

// TestControlAPIStatesAndSettings covers PUT .../state, PATCH
// .../{orcid} and the state fields of POST /_sandbox/researchers.
func TestControlAPIStatesAndSettings(t *testing.T) {
	e := newAPIEnv(t)
	call := func(method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, e.r.BaseURL()+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := e.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	id, other := e.res.ORCID, e.res2.ORCID
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"unknown state", "PUT", "/_sandbox/researchers/" + id + "/state", `{"state":"frozen"}`, 400, "state"},
		{"no state", "PUT", "/_sandbox/researchers/" + id + "/state", `{}`, 400, "state"},
		{"deprecated without primary", "PUT", "/_sandbox/researchers/" + id + "/state", `{"state":"deprecated"}`, 400, "primary"},
		{"deprecated to itself", "PUT", "/_sandbox/researchers/" + id + "/state", `{"state":"deprecated","primary":"` + id + `"}`, 400, "primary"},
		{"deprecated to nobody", "PUT", "/_sandbox/researchers/" + id + "/state", `{"state":"deprecated","primary":"0000-0002-1825-0097"}`, 400, "primary"},
		{"primary on locked", "PUT", "/_sandbox/researchers/" + id + "/state", `{"state":"locked","primary":"` + other + `"}`, 400, "primary"},
		{"unknown creator", "PUT", "/_sandbox/researchers/" + id + "/state", `{"state":"unclaimed","created_by":"APP-NOPE"}`, 400, "created_by"},
		{"unknown field", "PUT", "/_sandbox/researchers/" + id + "/state", `{"state":"locked","reason":"spam"}`, 400, "body"},
		{"unknown researcher", "PUT", "/_sandbox/researchers/0000-0002-1825-0097/state", `{"state":"locked"}`, 404, ""},
		{"bad visibility", "PATCH", "/_sandbox/researchers/" + id, `{"default_visibility":"everyone"}`, 400, "default_visibility"},
		{"long biography", "PATCH", "/_sandbox/researchers/" + id, `{"biography":"` + strings.Repeat("x", 5001) + `"}`, 400, "biography"},
		{"bad state on create", "POST", "/_sandbox/researchers", `{"given_names":"A","email":"a@example.org","password":"password1","state":"gone"}`, 400, "state"},
	} {
		st, m := call(tc.method, tc.path, tc.body)
		if st != tc.status {
			t.Errorf("%s: %d, want %d (%v)", tc.name, st, tc.status, m)
			continue
		}
		if tc.field != "" {
			if f, _ := m["field"].(map[string]any); f["field"] != tc.field {
				t.Errorf("%s: field %v, want %s", tc.name, m["field"], tc.field)
			}
		}
	}
	if _, err := e.r.store.ResearcherByEmail(context.Background(), "a@example.org"); err == nil {
		t.Error("a refused creation left a record behind")
	}
	st, m := call("PUT", "/_sandbox/researchers/"+id+"/state", `{"state":"deprecated","primary":"`+other+`"}`)
	if st != 200 || m["state"] != "deprecated" || m["primary"] != other || m["state_changed_at"] == nil {
		t.Errorf("deprecate: %d %v", st, m)
	}
	st, m = call("PATCH", "/_sandbox/researchers/"+other, `{"default_visibility":"LIMITED","credit_name":" Jo "}`)
	if st != 200 || m["default_visibility"] != "limited" || m["credit_name"] != "Jo" || m["names_visibility"] != "public" {
		t.Errorf("patch: %d %v", st, m)
	}
	st, m = call("POST", "/_sandbox/researchers", `{"given_names":"Un","email":"un@example.org","password":"password1",
		"state":"unclaimed","created_by":"`+e.member.ID+`","default_visibility":"private"}`)
	if st != 201 || m["state"] != "unclaimed" || m["created_by"] != e.member.ID || m["default_visibility"] != "private" {
		t.Errorf("create unclaimed: %d %v", st, m)
	}
}

// TestSeedStatesAndSettings: the seed file's researchers take settings and
// states; a deprecated one names a primary listed before it.
func TestSeedStatesAndSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(path, []byte(`{"researchers": [
	  {"orcid": "0000-0002-1825-0097", "given_names": "Josiah", "email": "josiah@example.org", "password": "password1",
	   "default_visibility": "limited", "names_visibility": "private", "credit_name": "J. C.", "biography": "Hi."},
	  {"given_names": "Dup", "email": "dup@example.org", "password": "password1", "state": "deprecated", "primary": "0000-0002-1825-0097"},
	  {"given_names": "Locked", "email": "locked@example.org", "password": "password1", "state": "locked"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSeed(path)
	if err != nil {
		t.Fatal(err)
	}
	r := openTest(t, Config{})
	for range 2 {
		if err := r.ApplySeed(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	j, _ := r.store.Researcher(t.Context(), "0000-0002-1825-0097")
	if j.DefaultVisibility != "limited" || j.NamesVisibility != "private" || j.CreditName != "J. C." || j.Biography != "Hi." || j.State != StateActive {
		t.Errorf("seeded settings: %+v", j)
	}
	d, _ := r.store.ResearcherByEmail(t.Context(), "dup@example.org")
	l, _ := r.store.ResearcherByEmail(t.Context(), "locked@example.org")
	if d.State != StateDeprecated || d.PrimaryORCID != j.ORCID || l.State != StateLocked {
		t.Errorf("seeded states: %s→%s, %s", d.State, d.PrimaryORCID, l.State)
	}
	bad := Seed{Researchers: []NewResearcher{{GivenNames: "X", Email: "x@example.org", Password: "password1", State: StateDeprecated, Primary: "0009-0000-0000-0005"}}}
	if err := r.ApplySeed(t.Context(), bad); err == nil || !strings.Contains(err.Error(), "primary") {
		t.Errorf("deprecated to an unknown primary: %v", err)
	}
}
