package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// TestAPIVisibility is ORCID's visibility rules for one work and one
// keyword, as each kind of caller sees them on a single read and in lists.
func TestAPIVisibility(t *testing.T) {
	e := newAPIEnv(t)
	me := e.res.ORCID
	write := e.writeToken()
	callers := map[string]struct {
		token  string
		public bool
	}{
		"source, read-limited":             {token: write},
		"source, client read-public":       {token: e.token(e.member, "", ScopeReadPublic)},
		"other member, read-limited":       {token: e.token(e.other, me, ScopeReadLimited)},
		"other member, activities only":    {token: e.token(e.other, me, ScopeActivitiesLimited)},
		"other member, update scopes":      {token: e.token(e.other, me, ScopeActivitiesUpdate+" "+ScopePersonUpdate)},
		"other member, client read-public": {token: e.token(e.other, "", ScopeReadPublic)},
		"public API, anonymous":            {public: true},
		"public API, read-limited token":   {token: e.token(e.other, me, ScopeReadLimited), public: true},
	}
	// want is the status of a single read; 200 means the lists show it too.
	type want struct{ status, code int }
	ok := want{200, 0}
	tests := []struct {
		caller string
		vis    orcid.Visibility
		work   want
		kw     want
	}{
		{"source, read-limited", orcid.VisibilityPublic, ok, ok},
		{"source, read-limited", orcid.VisibilityLimited, ok, ok},
		{"source, read-limited", orcid.VisibilityPrivate, ok, ok},
		{"source, client read-public", orcid.VisibilityPrivate, ok, ok},
		{"other member, read-limited", orcid.VisibilityPublic, ok, ok},
		{"other member, read-limited", orcid.VisibilityLimited, ok, ok},
		{"other member, read-limited", orcid.VisibilityPrivate, want{403, 9013}, want{403, 9013}},
		{"other member, activities only", orcid.VisibilityLimited, ok, want{403, 9038}},
		// Writing grants no reading of what others' limited items hold.
		{"other member, update scopes", orcid.VisibilityPublic, ok, ok},
		{"other member, update scopes", orcid.VisibilityLimited, want{403, 9038}, want{403, 9038}},
		{"other member, client read-public", orcid.VisibilityPublic, ok, ok},
		{"other member, client read-public", orcid.VisibilityLimited, want{403, 9038}, want{403, 9038}},
		{"other member, client read-public", orcid.VisibilityPrivate, want{403, 9038}, want{403, 9038}},
		{"public API, anonymous", orcid.VisibilityPublic, ok, ok},
		{"public API, anonymous", orcid.VisibilityLimited, want{403, 9039}, want{403, 9039}},
		{"public API, anonymous", orcid.VisibilityPrivate, want{403, 9039}, want{403, 9039}},
		{"public API, read-limited token", orcid.VisibilityLimited, want{403, 9039}, want{403, 9039}},
	}
	work := e.post(write, me, "work", "application/json", workJSON("Visible?", "10.5/vis"))
	kw := e.post(write, me, "keywords", "application/json", []byte(`{"content":"hidden-or-not"}`))
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s", tc.caller, tc.vis), func(t *testing.T) {
			c := callers[tc.caller]
			e.setVisibility(me, orcid.KindWork, work, tc.vis)
			e.setVisibility(me, orcid.KindKeyword, kw, tc.vis)
			base := e.member3("/" + me)
			if c.public {
				base = e.pub3("/" + me)
			}
			for _, it := range []struct {
				path, list, record string
				want               want
			}{
				{fmt.Sprintf("/work/%d", work), "/works", "Visible?", tc.work},
				{fmt.Sprintf("/keywords/%d", kw), "/keywords", "hidden-or-not", tc.kw},
			} {
				resp := e.do(apiCall{method: "GET", url: base + it.path, token: c.token, accept: "application/json"})
				if resp.status != it.want.status {
					t.Fatalf("GET %s: %d, want %d\n%s", it.path, resp.status, it.want.status, resp.body)
				}
				if it.want.code != 0 {
					if eb := resp.errorBody(t); eb.ErrorCode != it.want.code {
						t.Errorf("GET %s: error %d, want %d", it.path, eb.ErrorCode, it.want.code)
					}
				}
				for _, lp := range []string{it.list, "/record"} {
					list := e.do(apiCall{method: "GET", url: base + lp, token: c.token, accept: "application/json"})
					if list.status != 200 {
						t.Fatalf("GET %s: %d\n%s", lp, list.status, list.body)
					}
					if shown := strings.Contains(string(list.body), it.record); shown != (it.want.status == 200) {
						t.Errorf("GET %s shows the %s item: %v, want %v", lp, tc.vis, shown, !shown)
					}
				}
			}
		})
	}
}

// TestAPIPostVisibilityIgnored: a POST's visibility is ignored; the item
// takes the researcher's default.
func TestAPIPostVisibilityIgnored(t *testing.T) {
	e := newAPIEnv(t)
	if _, err := e.r.store.db.Exec(`UPDATE researchers SET default_visibility = 'limited' WHERE orcid = ?`, e.res.ORCID); err != nil {
		t.Fatal(err)
	}
	tok := e.writeToken()
	body := []byte(strings.Replace(string(workJSON("T", "10.1/v")), `{"title"`, `{"visibility":"public","title"`, 1))
	pc := e.post(tok, e.res.ORCID, "work", "application/json", body)
	resp := e.do(apiCall{method: "GET", url: e.member3(fmt.Sprintf("/%s/work/%d", e.res.ORCID, pc)), token: tok, accept: "application/json"})
	var w orcid.Work
	if err := json.Unmarshal(resp.body, &w); err != nil {
		t.Fatal(err)
	}
	if w.Visibility != orcid.VisibilityLimited {
		t.Errorf("visibility %q, want the researcher's default (limited)", w.Visibility)
	}
	// A PUT repeating the visibility, or leaving it out, is fine.
	for _, vis := range []string{`"visibility":"limited",`, ``} {
		put := fmt.Sprintf(`{"put-code":%d,%s"title":{"title":{"value":"T2"}},"type":"book","external-ids":{"external-id":[{"external-id-type":"doi","external-id-value":"10.1/v","external-id-relationship":"self"}]}}`, pc, vis)
		resp := e.do(apiCall{method: "PUT", url: e.member3(fmt.Sprintf("/%s/work/%d", e.res.ORCID, pc)), token: tok, contentType: "application/json", body: []byte(put)})
		if resp.status != 200 {
			t.Errorf("PUT with %q: %d %s", vis, resp.status, resp.body)
		}
	}
}

// TestAPITokens covers the token rules that are not errors alone.
func TestAPITokens(t *testing.T) {
	e := newAPIEnv(t)
	me := e.res.ORCID
	write := e.writeToken()
	pc := e.post(write, me, "work", "application/json", workJSON("Mine", "10.2/mine"))
	pc2 := e.post(write, me, "work", "application/json", workJSON("Mine too", "10.2/mine2"))

	t.Run("client_credentials read-public reads any record", func(t *testing.T) {
		tok := e.token(e.other, "", ScopeReadPublic)
		for _, id := range []string{me, e.res2.ORCID} {
			if resp := e.do(apiCall{method: "GET", url: e.member3("/" + id + "/record"), token: tok}); resp.status != 200 {
				t.Errorf("%s: %d %s", id, resp.status, resp.body)
			}
		}
	})
	t.Run("user-revoked token may still delete", func(t *testing.T) {
		tok := e.writeToken()
		if _, err := e.r.store.RevokeToken(context.Background(), tok, RevokedByUser, time.Now()); err != nil {
			t.Fatal(err)
		}
		if resp := e.do(apiCall{method: "GET", url: e.member3(fmt.Sprintf("/%s/work/%d", me, pc)), token: tok}); resp.status != 401 {
			t.Errorf("GET with a user-revoked token: %d", resp.status)
		}
		if resp := e.do(apiCall{method: "DELETE", url: e.member3(fmt.Sprintf("/%s/work/%d", me, pc)), token: tok}); resp.status != http.StatusNoContent {
			t.Errorf("DELETE with a user-revoked token: %d %s", resp.status, resp.body)
		}
		if resp := e.do(apiCall{method: "GET", url: e.member3(fmt.Sprintf("/%s/work/%d", me, pc)), token: write}); resp.status != 404 {
			t.Errorf("deleted work still there: %d", resp.status)
		}
	})
	t.Run("client-revoked token may not delete", func(t *testing.T) {
		tok := e.writeToken()
		if _, err := e.r.store.RevokeToken(context.Background(), tok, RevokedByClient, time.Now()); err != nil {
			t.Fatal(err)
		}
		if resp := e.do(apiCall{method: "DELETE", url: e.member3(fmt.Sprintf("/%s/work/%d", me, pc2)), token: tok}); resp.status != 401 {
			t.Errorf("DELETE with a client-revoked token: %d", resp.status)
		}
	})
	t.Run("access_token query parameter", func(t *testing.T) {
		if resp := e.do(apiCall{method: "GET", url: e.member3("/"+me+"/works?access_token=") + write}); resp.status != 200 {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})
	t.Run("Public API accepts a read-public token", func(t *testing.T) {
		tok := e.token(e.public, "", ScopeReadPublic)
		if resp := e.do(apiCall{method: "GET", url: e.pub3("/" + me + "/works"), token: tok}); resp.status != 200 {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})
}

// TestAPINegotiation: the six media types, q-values, and XML by default.
func TestAPINegotiation(t *testing.T) {
	e := newAPIEnv(t)
	tok := e.token(e.member, "", ScopeReadPublic)
	tests := []struct{ accept, want string }{
		{"", "application/vnd.orcid+xml"},
		{"*/*", "application/vnd.orcid+xml"},
		{"application/*", "application/vnd.orcid+xml"},
		{"application/vnd.orcid+xml", "application/vnd.orcid+xml"},
		{"application/orcid+xml", "application/orcid+xml"},
		{"application/xml", "application/xml"},
		{"application/vnd.orcid+json", "application/vnd.orcid+json"},
		{"application/orcid+json", "application/orcid+json"},
		{"application/json", "application/json"},
		{"application/json, */*", "application/json"},
		{"text/html, application/json;q=0.9", "application/json"},
		{"application/xml;q=0.5, application/json;q=0.8", "application/json"},
		{"application/json;q=0, */*;q=0.1", "application/vnd.orcid+xml"},
		{"text/html", ""},
	}
	for _, tc := range tests {
		resp := e.do(apiCall{method: "GET", url: e.member3("/" + e.res.ORCID + "/person"), token: tok, accept: tc.accept})
		if tc.want == "" {
			if resp.status != http.StatusNotAcceptable {
				t.Errorf("Accept %q: %d, want 406", tc.accept, resp.status)
			}
			continue
		}
		if resp.status != 200 || resp.header.Get("Content-Type") != tc.want {
			t.Errorf("Accept %q: %d %q, want %q", tc.accept, resp.status, resp.header.Get("Content-Type"), tc.want)
		}
	}
	// Each of the six types is accepted on writes.
	write := e.writeToken()
	for i, mt := range apiMediaTypes {
		body := workJSON("T", fmt.Sprint("10.3/", i))
		if !mt.json {
			body = fmt.Appendf(nil, strings.Replace(workXML, "10.1/xml", fmt.Sprint("10.3/", i), 1), "book", "")
		}
		resp := e.do(apiCall{method: "POST", url: e.member3("/" + e.res.ORCID + "/work"), token: write, contentType: mt.name + "; charset=UTF-8", body: body})
		if resp.status != 201 {
			t.Errorf("Content-Type %s: %d %s", mt.name, resp.status, resp.body)
		}
	}
}
