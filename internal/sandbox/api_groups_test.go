package sandbox

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

const (
	ctJSON = "application/vnd.orcid+json"
	ctXML  = "application/vnd.orcid+xml"
)

// bothFormats runs f once with JSON and once with XML bodies and answers.
func bothFormats(t *testing.T, f func(t *testing.T, ct string)) {
	t.Helper()
	for _, ct := range []string{ctJSON, ctXML} {
		t.Run(strings.TrimPrefix(ct, "application/vnd.orcid+"), func(t *testing.T) { f(t, ct) })
	}
}

// groupBody is a group-id-record in ct; a field given as "-" is left out,
// and putCode 0 means no put-code.
func groupBody(ct, name, groupID, desc, typ string, putCode int64) []byte {
	if ct == ctJSON {
		m := map[string]any{}
		for k, v := range map[string]string{"name": name, "group-id": groupID, "description": desc, "type": typ} {
			if v != "-" {
				m[k] = v
			}
		}
		if putCode != 0 {
			m["put-code"] = putCode
		}
		b, _ := json.Marshal(m)
		return b
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><group-id:group-id-record xmlns:group-id="http://www.orcid.org/ns/group-id"`)
	if putCode != 0 {
		fmt.Fprintf(&b, ` put-code="%d"`, putCode)
	}
	b.WriteString(">")
	for _, f := range [][2]string{{"name", name}, {"group-id", groupID}, {"description", desc}, {"type", typ}} {
		if f[1] != "-" {
			fmt.Fprintf(&b, "<group-id:%s>%s</group-id:%s>", f[0], xmlEscape(f[1]), f[0])
		}
	}
	b.WriteString("</group-id:group-id-record>")
	return []byte(b.String())
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// decodeGroupResp reads a group-id-record answer in either format.
func decodeGroupResp(t *testing.T, resp apiResp) groupIDRecordDoc {
	t.Helper()
	var d groupIDRecordDoc
	var err error
	if isXML(resp.header.Get("Content-Type")) {
		err = xml.Unmarshal(resp.body, &d)
	} else {
		err = json.Unmarshal(resp.body, &d)
	}
	if err != nil {
		t.Fatalf("status %d, not a group-id-record (%v):\n%s", resp.status, err, resp.body)
	}
	return d
}

// wantError asserts ORCID's error document with status and code, and that
// the developer-message contains text.
func wantError(t *testing.T, resp apiResp, status, code int, text string) {
	t.Helper()
	if resp.status != status {
		t.Fatalf("status %d, want %d (error %d)\n%s", resp.status, status, code, resp.body)
	}
	eb := resp.errorBody(t)
	if eb.ErrorCode != code || eb.ResponseCode != status {
		t.Fatalf("error %d (response-code %d), want %d\n%s", eb.ErrorCode, eb.ResponseCode, code, resp.body)
	}
	if !strings.Contains(eb.DeveloperMessage, text) {
		t.Fatalf("developer-message %q lacks %q", eb.DeveloperMessage, text)
	}
}

// createGroup POSTs a group as the member client and returns its put-code.
func (e *apiEnv) createGroup(t *testing.T, tok, ct, name, groupID string) int64 {
	t.Helper()
	resp := e.do(apiCall{method: "POST", url: e.member3("/group-id-record"), token: tok, contentType: ct, accept: ct,
		body: groupBody(ct, name, groupID, "A group for tests", "journal", 0)})
	if resp.status != http.StatusCreated {
		t.Fatalf("POST /group-id-record %s: %d\n%s", groupID, resp.status, resp.body)
	}
	loc := resp.header.Get("Location")
	var pc int64
	if _, err := fmt.Sscanf(loc, e.r.MemberAPIURL()+"/group-id-record/%d", &pc); err != nil {
		t.Fatalf("Location %q: %v", loc, err)
	}
	return pc
}

// TestGroupIDRecordScopesAtTokenEndpoint: member clients get the two-legged
// group scopes from client_credentials, public clients do not, and no
// researcher can grant them.
func TestGroupIDRecordScopesAtTokenEndpoint(t *testing.T) {
	e := newAPIEnv(t)
	grant := func(c Client, scope string) (int, map[string]any) {
		t.Helper()
		resp, err := e.http.PostForm(e.r.BaseURL()+"/oauth/token", url.Values{
			"client_id": {c.ID}, "client_secret": {c.Secret}, "grant_type": {"client_credentials"}, "scope": {scope}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, m
	}
	for _, scope := range []string{ScopeGroupIDRecordRead, ScopeGroupIDRecordUpdate} {
		status, m := grant(e.member, scope)
		if status != http.StatusOK || m["scope"] != scope || m["orcid"] != nil {
			t.Errorf("member client_credentials %s: %d %v", scope, status, m)
		}
		status, m = grant(e.public, scope)
		if status != http.StatusBadRequest || m["error"] != "invalid_scope" {
			t.Errorf("public client_credentials %s: %d %v, want 400 invalid_scope", scope, status, m)
		}
		// A member client for which ORCID has not enabled the scopes.
		status, m = grant(e.other, scope)
		if status != http.StatusBadRequest || m["error"] != "invalid_scope" {
			t.Errorf("member client without group-id-records %s: %d %v, want 400 invalid_scope", scope, status, m)
		}
		if clientMayRequest(e.member, scope) {
			t.Errorf("%s may be requested at /oauth/authorize; it is two-legged only", scope)
		}
	}
	// The token works end to end: create a group with it.
	_, m := grant(e.member, ScopeGroupIDRecordUpdate)
	tok, _ := m["access_token"].(string)
	e.createGroup(t, tok, ctJSON, "Token test", "orcid-generated:token-test")
	if !ParseScopes(ScopeGroupIDRecordUpdate).Has(ScopeGroupIDRecordRead) || ParseScopes(ScopeGroupIDRecordUpdate).Has(ScopeReadPublic) {
		t.Error("/group-id-record/update must imply /group-id-record/read and nothing else")
	}
}

// TestGroupIDRecordScopes: reading needs /group-id-record/read (or update),
// writing /group-id-record/update; record tokens and /read-public get 403
// 9038, no token 403, and the Public API has no such resource.
func TestGroupIDRecordScopes(t *testing.T) {
	e := newAPIEnv(t)
	upd := e.token(e.member, "", ScopeGroupIDRecordUpdate)
	pc := e.createGroup(t, upd, ctJSON, "Scopes", "orcid-generated:scopes")
	read := e.token(e.member, "", ScopeGroupIDRecordRead)
	public := e.token(e.member, "", ScopeReadPublic)
	threeLegged := e.token(e.member, e.res.ORCID, ScopeReadLimited, ScopeActivitiesUpdate, ScopePersonUpdate)
	one := fmt.Sprintf("/group-id-record/%d", pc)
	body := groupBody(ctJSON, "Scopes", "orcid-generated:scopes", "d", "journal", pc)
	newBody := groupBody(ctJSON, "New", "orcid-generated:scopes-new", "d", "journal", 0)
	cases := []struct {
		name   string
		call   apiCall
		status int
		code   int
	}{
		{"read token lists", apiCall{method: "GET", url: e.member3("/group-id-record"), token: read}, 200, 0},
		{"read token reads", apiCall{method: "GET", url: e.member3(one), token: read}, 200, 0},
		{"read token finds", apiCall{method: "GET", url: e.member3("/group-id-record?group-id=orcid-generated:scopes"), token: read}, 200, 0},
		{"update token reads", apiCall{method: "GET", url: e.member3(one), token: upd}, 200, 0},
		{"read token may not create", apiCall{method: "POST", url: e.member3("/group-id-record"), token: read, body: newBody}, 403, 9038},
		{"read token may not update", apiCall{method: "PUT", url: e.member3(one), token: read, body: body}, 403, 9038},
		{"read token may not delete", apiCall{method: "DELETE", url: e.member3(one), token: read}, 403, 9038},
		{"three-legged token may not read", apiCall{method: "GET", url: e.member3(one), token: threeLegged}, 403, 9038},
		{"three-legged token may not list", apiCall{method: "GET", url: e.member3("/group-id-record"), token: threeLegged}, 403, 9038},
		{"three-legged token may not create", apiCall{method: "POST", url: e.member3("/group-id-record"), token: threeLegged, body: newBody}, 403, 9038},
		{"read-public token may not read", apiCall{method: "GET", url: e.member3(one), token: public}, 403, 9038},
		{"Public API has no groups", apiCall{method: "GET", url: e.pub3("/group-id-record"), token: public}, 404, 9001},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.call.body != nil {
				c.call.contentType = ctJSON
			}
			c.call.accept = ctJSON
			resp := e.do(c.call)
			if c.code == 0 {
				if resp.status != c.status {
					t.Fatalf("status %d, want %d\n%s", resp.status, c.status, resp.body)
				}
				return
			}
			wantError(t, resp, c.status, c.code, "")
		})
	}
	resp := e.do(apiCall{method: "GET", url: e.member3(one)})
	if code, _ := resp.oauthError(t); resp.status != 403 || code != "forbidden" {
		t.Errorf("no token: %d %s", resp.status, resp.body)
	}
}

// TestGroupIDRecordCRUD creates, reads, finds, updates and deletes a group,
// in JSON and in XML, with ORCID's statuses and shapes.
func TestGroupIDRecordCRUD(t *testing.T) {
	bothFormats(t, func(t *testing.T, ct string) {
		e := newAPIEnv(t)
		tok := e.token(e.member, "", ScopeGroupIDRecordUpdate)
		pc := e.createGroup(t, tok, ct, "Journal of Examples", "orcid-generated:JX-1")
		one := e.member3(fmt.Sprintf("/group-id-record/%d", pc))

		got := e.do(apiCall{method: "GET", url: one, token: tok, accept: ct})
		if got.status != 200 || got.header.Get("Content-Type") != ct {
			t.Fatalf("GET: %d %s\n%s", got.status, got.header.Get("Content-Type"), got.body)
		}
		d := decodeGroupResp(t, got)
		if d.PutCode == nil || *d.PutCode != pc || *d.Name != "Journal of Examples" || *d.GroupID != "orcid-generated:JX-1" ||
			*d.Description != "A group for tests" || *d.Type != "journal" {
			t.Fatalf("read back %+v", d)
		}
		if ct == ctXML {
			if d.Source == nil || d.Source.SourceClientID == nil || d.Source.SourceClientID.Path != e.member.ID ||
				d.Source.SourceName.String() != e.member.Name || d.Created == nil || d.LastModified == nil {
				t.Errorf("XML lacks source or dates: %s", got.body)
			}
		} else if strings.Contains(string(got.body), "source") || strings.Contains(string(got.body), "created-date") {
			t.Errorf("JSON carries what ORCID's model marks @JsonIgnore: %s", got.body)
		}

		// Found by group id (case-insensitively, as ORCID's DAO) and by name.
		for _, q := range []string{"?group-id=ORCID-GENERATED:jx-1", "?name=journal%20of%20examples", "?group-id=orcid-generated:JX-1&name=nothing"} {
			f := decodeGroupResp(t, e.do(apiCall{method: "GET", url: e.member3("/group-id-record" + q), token: tok, accept: ct}))
			if f.PutCode == nil || *f.PutCode != pc {
				t.Errorf("GET %s: %+v, want put-code %d", q, f, pc)
			}
		}
		// An unknown group is an empty group-id-record with 200.
		miss := e.do(apiCall{method: "GET", url: e.member3("/group-id-record?group-id=orcid-generated:none"), token: tok, accept: ct})
		if f := decodeGroupResp(t, miss); miss.status != 200 || f.PutCode != nil || f.Name != nil {
			t.Errorf("unknown group: %d %s", miss.status, miss.body)
		}
		if ct == ctJSON && string(miss.body) != `{"name":null,"group-id":null,"description":null,"type":null,"put-code":null}` {
			t.Errorf("empty record in JSON: %s", miss.body)
		}

		// PUT replaces the content and answers the group.
		put := e.do(apiCall{method: "PUT", url: one, token: tok, contentType: ct, accept: ct,
			body: groupBody(ct, "Journal of Better Examples\u0098", "orcid-generated:JX-1", "Renamed", "publisher", pc)})
		if put.status != 200 {
			t.Fatalf("PUT: %d\n%s", put.status, put.body)
		}
		if u := decodeGroupResp(t, put); *u.Name != "Journal of Better Examples" || *u.Type != "publisher" || *u.Description != "Renamed" {
			t.Errorf("PUT answered %+v (the control character must be gone)", u)
		}
		if u := decodeGroupResp(t, e.do(apiCall{method: "GET", url: one, token: tok, accept: ct})); *u.Name != "Journal of Better Examples" {
			t.Errorf("GET after PUT: %+v", u)
		}

		del := e.do(apiCall{method: "DELETE", url: one, token: tok, accept: ct})
		if del.status != http.StatusNoContent {
			t.Fatalf("DELETE: %d\n%s", del.status, del.body)
		}
		wantError(t, e.do(apiCall{method: "GET", url: one, token: tok, accept: ct}), 400, 9026, "does not exist")
	})
}

// TestGroupIDRecordPaging: pages in order of creation, with ORCID's
// defaults (page 1 of 100) and its quirk that total counts the page.
func TestGroupIDRecordPaging(t *testing.T) {
	e := newAPIEnv(t)
	tok := e.token(e.member, "", ScopeGroupIDRecordRead, ScopeGroupIDRecordUpdate)
	var pcs []int64
	for i := range 5 {
		pcs = append(pcs, e.createGroup(t, tok, ctJSON, fmt.Sprintf("Group %d", i), fmt.Sprintf("orcid-generated:page-%d", i)))
	}
	page := func(q string) groupIDRecordsDoc {
		t.Helper()
		resp := e.do(apiCall{method: "GET", url: e.member3("/group-id-record" + q), token: tok, accept: ctJSON})
		if resp.status != 200 {
			t.Fatalf("GET %s: %d\n%s", q, resp.status, resp.body)
		}
		var d groupIDRecordsDoc
		if err := json.Unmarshal(resp.body, &d); err != nil {
			t.Fatalf("GET %s: %v\n%s", q, err, resp.body)
		}
		return d
	}
	codes := func(d groupIDRecordsDoc) []int64 {
		var out []int64
		for _, r := range d.Records {
			out = append(out, *r.PutCode)
		}
		return out
	}
	for _, c := range []struct {
		q                     string
		total, page, pageSize int
		want                  []int64
	}{
		{"", 5, 1, 100, pcs},
		{"?page-size=2&page=1", 2, 1, 2, pcs[:2]},
		{"?page-size=2&page=2", 2, 2, 2, pcs[2:4]},
		{"?page-size=2&page=3", 1, 3, 2, pcs[4:]},
		{"?page-size=2&page=4", 0, 4, 2, nil},
		{"?page=2", 0, 2, 100, nil},
	} {
		d := page(c.q)
		if d.Total != c.total || d.Page != c.page || d.PageSize != c.pageSize || fmt.Sprint(codes(d)) != fmt.Sprint(c.want) {
			t.Errorf("GET %s: total %d page %d page-size %d put-codes %v; want %d %d %d %v",
				c.q, d.Total, d.Page, d.PageSize, codes(d), c.total, c.page, c.pageSize, c.want)
		}
		if (len(c.want) > 0) != (d.LastModified != nil) {
			t.Errorf("GET %s: last-modified-date %v with %d groups", c.q, d.LastModified, len(c.want))
		}
	}
	wantError(t, e.do(apiCall{method: "GET", url: e.member3("/group-id-record?page-size=ten"), token: tok, accept: ctJSON}), 400, 9020, "")
	wantError(t, e.do(apiCall{method: "GET", url: e.member3("/group-id-record?page=0"), token: tok, accept: ctXML}), 400, 9006, "")
}

// TestGroupIDRecordXMLShape checks the XML ORCID's JAXB classes produce,
// which its XSD does not describe: the page is group-id:group-id, and a
// record has dates first and its source last (GroupIdRecord's propOrder).
func TestGroupIDRecordXMLShape(t *testing.T) {
	e := newAPIEnv(t)
	tok := e.token(e.member, "", ScopeGroupIDRecordUpdate)
	e.createGroup(t, tok, ctXML, "Shape", "orcid-generated:shape")
	resp := e.do(apiCall{method: "GET", url: e.member3("/group-id-record"), token: tok, accept: ctXML})
	tree, err := parseXMLTree(resp.body)
	if err != nil {
		t.Fatal(err)
	}
	names := func(n *xmlNode) []string {
		var out []string
		for _, c := range n.children {
			out = append(out, prefixed(c.name))
		}
		return out
	}
	if prefixed(tree.name) != "group-id:group-id" {
		t.Errorf("root %s, want group-id:group-id", prefixed(tree.name))
	}
	if got := strings.Join(names(tree), " "); got != "common:last-modified-date group-id:total group-id:page group-id:page-size group-id:group-id-record" {
		t.Errorf("page children: %s", got)
	}
	rec := tree.children[len(tree.children)-1]
	if got := strings.Join(names(rec), " "); got != "common:last-modified-date common:created-date group-id:name group-id:group-id group-id:description group-id:type common:source" {
		t.Errorf("record children: %s", got)
	}
}

// TestGroupIDRecordErrors: every refusal of the group-id-record API with
// ORCID's status and code, in JSON and XML.
func TestGroupIDRecordErrors(t *testing.T) {
	bothFormats(t, func(t *testing.T, ct string) {
		e := newAPIEnv(t)
		tok := e.token(e.member, "", ScopeGroupIDRecordUpdate)
		otherTok := e.token(e.other, "", ScopeGroupIDRecordUpdate)
		pc := e.createGroup(t, tok, ct, "Mine", "orcid-generated:mine")
		pc2 := e.createGroup(t, tok, ct, "Also mine", "orcid-generated:mine-too")
		used := e.createGroup(t, tok, ct, "Used", "orcid-generated:used")
		// A peer review (of another client, on a record) names the last group.
		rt := e.token(e.other, e.res.ORCID, ScopeActivitiesUpdate)
		e.post(rt, e.res.ORCID, "peer-review", ctJSON, peerReviewJSON("orcid-generated:used", "r-used", ""))
		schemaCode := 9047
		if ct == ctXML {
			schemaCode = 9012
		}
		one := func(pc int64) string { return e.member3(fmt.Sprintf("/group-id-record/%d", pc)) }
		post := func(body []byte) apiCall {
			return apiCall{method: "POST", url: e.member3("/group-id-record"), token: tok, body: body}
		}
		cases := []struct {
			name   string
			call   apiCall
			status int
			code   int
			text   string
		}{
			{"duplicate group id, other case", post(groupBody(ct, "Dup", "orcid-generated:MINE", "d", "journal", 0)), 409, 9025, "already exists"},
			{"put-code on create", post(groupBody(ct, "New", "orcid-generated:new", "d", "journal", 12)), 400, 9024, "Put-code is included"},
			{"group id outside ORCID's prefixes", post(groupBody(ct, "New", "doi:10.5555/x", "d", "journal", 0)), 400, schemaCode, "group-id"},
			{"group id too short", post(groupBody(ct, "New", "ringgold:1", "d", "journal", 0)), 400, schemaCode, "group-id"},
			{"missing description", post(groupBody(ct, "New", "orcid-generated:new", "-", "journal", 0)), 400, schemaCode, "description"},
			{"blank name", post(groupBody(ct, " ", "orcid-generated:new", "d", "journal", 0)), 400, schemaCode, "non-empty-string"},
			{"name over 1000", post(groupBody(ct, strings.Repeat("n", 1001), "orcid-generated:new", "d", "journal", 0)), 400, schemaCode, "maxLength"},
			{"type outside the enumeration", post(groupBody(ct, "New", "orcid-generated:new", "d", "blog", 0)), 400, schemaCode, "enumeration"},
			{"issn group with a bad check digit", post(groupBody(ct, "J", "issn:1234-5678", "d", "journal", 0)), 400, 9053, "invalid ISSN"},
			{"issn group without its hyphen", post(groupBody(ct, "J", "issn:17414857", "d", "journal", 0)), 400, 9053, "invalid ISSN"},
			{"unknown put-code read", apiCall{method: "GET", url: one(999999), token: tok}, 400, 9026, "does not exist"},
			{"unknown put-code update", apiCall{method: "PUT", url: one(999999), token: tok, body: groupBody(ct, "X", "orcid-generated:xx", "d", "journal", 999999)}, 400, 9026, "does not exist"},
			{"unknown put-code delete", apiCall{method: "DELETE", url: one(999999), token: tok}, 400, 9026, "does not exist"},
			{"put-code not a number", apiCall{method: "GET", url: e.member3("/group-id-record/abc"), token: tok}, 400, 9034, "not valid"},
			{"put-codes differ", apiCall{method: "PUT", url: one(pc), token: tok, body: groupBody(ct, "X", "orcid-generated:mine", "d", "journal", pc2)}, 400, 9019, fmt.Sprintf("was %d whereas the one in the body was %d", pc, pc2)},
			{"put-code missing on update", apiCall{method: "PUT", url: one(pc), token: tok, body: groupBody(ct, "X", "orcid-generated:mine", "d", "journal", 0)}, 400, 9019, "was null"},
			{"update onto another group's id", apiCall{method: "PUT", url: one(pc), token: tok, body: groupBody(ct, "X", "orcid-generated:mine-too", "d", "journal", pc)}, 409, 9025, "already exists"},
			{"another client updates", apiCall{method: "PUT", url: one(pc), token: otherTok, body: groupBody(ct, "X", "orcid-generated:mine", "d", "journal", pc)}, 403, 9010, "not the source"},
			{"another client deletes", apiCall{method: "DELETE", url: one(pc), token: otherTok}, 403, 9010, "not the source"},
			{"delete a group a peer review names", apiCall{method: "DELETE", url: one(used), token: tok}, 409, 9040, "peer reviews associated"},
			{"find an issn group with a bad check digit", apiCall{method: "GET", url: e.member3("/group-id-record?group-id=issn:1234-5678"), token: tok}, 400, 9053, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if c.call.body != nil {
					c.call.contentType = ct
				}
				c.call.accept = ct
				wantError(t, e.do(c.call), c.status, c.code, c.text)
			})
		}
	})
}

// TestGroupIDRecordIssn: an unknown issn: group is created by the registry
// itself when a client POSTs it (which still answers 409 9025, as ORCID's
// delegator does) or looks it up, provided the ISSN is valid.
func TestGroupIDRecordIssn(t *testing.T) {
	e := newAPIEnv(t)
	tok := e.token(e.member, "", ScopeGroupIDRecordUpdate)
	resp := e.do(apiCall{method: "POST", url: e.member3("/group-id-record"), token: tok, contentType: ctJSON, accept: ctJSON,
		body: groupBody(ctJSON, "Hearing Research", "issn:0378-5955", "d", "journal", 0)})
	wantError(t, resp, 409, 9025, "already exists")
	g := decodeGroupResp(t, e.do(apiCall{method: "GET", url: e.member3("/group-id-record?group-id=issn:0378-5955"), token: tok, accept: ctXML}))
	if g.PutCode == nil || *g.Type != "journal" || *g.Name != "ISSN 0378-5955" || g.Description != nil || g.Source != nil {
		t.Errorf("issn group made by the registry: %+v", g)
	}
	// A lookup creates one too, and answers it.
	g = decodeGroupResp(t, e.do(apiCall{method: "GET", url: e.member3("/group-id-record?group-id=issn:0953-1513"), token: tok, accept: ctJSON}))
	if g.PutCode == nil || *g.GroupID != "issn:0953-1513" {
		t.Errorf("lookup of a new issn group: %+v", g)
	}
	// Nobody may change a group the registry owns.
	wantError(t, e.do(apiCall{method: "DELETE", url: e.member3(fmt.Sprintf("/group-id-record/%d", *g.PutCode)), token: tok, accept: ctJSON}), 403, 9010, "")

	strict := newStrictAPIEnv(t)
	stok := strict.token(strict.member, "", ScopeGroupIDRecordUpdate)
	wantError(t, strict.do(apiCall{method: "GET", url: strict.member3("/group-id-record?group-id=issn:0953-1513"), token: stok, accept: ctJSON}), 400, 9053, "")
}

// peerReviewJSON is a minimal valid peer review in group groupID with
// review identifier id, convened by a known organisation unless orgID says
// otherwise ("" for Brown University's ROR iD).
func peerReviewJSON(groupID, id, orgID string) []byte {
	if orgID == "" {
		orgID = "https://ror.org/05gq02987"
	}
	return []byte(`{"reviewer-role":"reviewer","review-identifiers":{"external-id":[{"external-id-type":"source-work-id","external-id-value":"` + id +
		`","external-id-relationship":"self"}]},"review-type":"review","review-completion-date":{"year":{"value":"2026"}},"review-group-id":"` + groupID +
		`","convening-organization":{"name":"Brown University","address":{"city":"Providence","region":"RI","country":"US"},` +
		`"disambiguated-organization":{"disambiguated-organization-identifier":"` + orgID + `","disambiguation-source":"ROR"}}}`)
}

// TestPeerReviewGroupRules: a peer review's group must exist (400 9020,
// PeerReviewManagerImpl.validateGroupId), except an issn: group with a valid
// ISSN, which is created on first use and stored normalised (else 9053).
func TestPeerReviewGroupRules(t *testing.T) {
	e := newAPIEnv(t)
	tok := e.writeToken()
	me := e.member3("/" + e.res.ORCID)
	for _, ct := range []string{ctJSON, ctXML} {
		resp := e.do(apiCall{method: "POST", url: me + "/peer-review", token: tok, contentType: ctJSON, accept: ct,
			body: peerReviewJSON("orcid-generated:nowhere", "r1", "")})
		wantError(t, resp, 400, 9020, "The given group id does not exist in our records")
	}
	// Once the group exists, the review is accepted.
	gtok := e.token(e.other, "", ScopeGroupIDRecordUpdate)
	e.createGroup(t, gtok, ctJSON, "Somewhere", "orcid-generated:somewhere")
	pc := e.post(tok, e.res.ORCID, "peer-review", ctJSON, peerReviewJSON("orcid-generated:SOMEWHERE", "r1", ""))

	// An issn: group is normalised and made on first use.
	wantError(t, e.do(apiCall{method: "POST", url: me + "/peer-review", token: tok, contentType: ctJSON, accept: ctXML,
		body: peerReviewJSON("issn:2049363x", "r2", "")}), 400, 9053, "invalid ISSN")
	wantError(t, e.do(apiCall{method: "POST", url: me + "/peer-review", token: tok, contentType: ctJSON, accept: ctJSON,
		body: peerReviewJSON("issn:2049-3631", "r3", "")}), 400, 9053, "invalid ISSN")
	pc3 := e.post(tok, e.res.ORCID, "peer-review", ctJSON, peerReviewJSON("issn:20493630", "r3", ""))
	got := e.do(apiCall{method: "GET", url: fmt.Sprintf("%s/peer-review/%d", me, pc3), token: tok, accept: ctJSON})
	var pr orcid.PeerReview
	if err := json.Unmarshal(got.body, &pr); err != nil || pr.ReviewGroupID != "issn:2049-3630" {
		t.Errorf("stored review-group-id %q (%v), want issn:2049-3630", pr.ReviewGroupID, err)
	}
	if _, err := e.r.store.GroupByGroupID(t.Context(), "issn:2049-3630"); err != nil {
		t.Errorf("issn group not created: %v", err)
	}

	// On update the group must exist before anything is created.
	upd := func(group string) apiResp {
		var p orcid.PeerReview
		_ = json.Unmarshal(peerReviewJSON(group, "r1", ""), &p)
		p.PutCode = pc
		b, _ := json.Marshal(&p)
		return e.do(apiCall{method: "PUT", url: fmt.Sprintf("%s/peer-review/%d", me, pc), token: tok, contentType: ctJSON, accept: ctJSON, body: b})
	}
	wantError(t, upd("orcid-generated:elsewhere"), 400, 9020, "does not exist in our records")
	wantError(t, upd("issn:0953-1513"), 400, 9020, "does not exist in our records")
	if r := upd("issn:2049-3630"); r.status != 200 {
		t.Errorf("update within an existing group: %d\n%s", r.status, r.body)
	}

	// Strict: an ISSN is known only once its group is registered.
	s := newStrictAPIEnv(t)
	stok := s.writeToken()
	wantError(t, s.do(apiCall{method: "POST", url: s.member3("/" + s.res.ORCID + "/peer-review"), token: stok, contentType: ctJSON, accept: ctJSON,
		body: peerReviewJSON("issn:1741-4857", "r1", "")}), 400, 9053, "")
	s.addGroup(NewGroup{GroupID: "issn:17414857", Name: "International Journal of Examples", Description: "A journal", Type: "journal"})
	s.post(stok, s.res.ORCID, "peer-review", ctJSON, peerReviewJSON("issn:1741-4857", "r1", ""))
}

// newStrictAPIEnv is newAPIEnv on a strict registry that knows Brown
// University (registered through the control API).
func newStrictAPIEnv(t *testing.T) *apiEnv {
	t.Helper()
	e := newAPIEnvWith(t, Config{Strict: true})
	e.addOrganization(Organization{Identifier: "05gq02987", Source: "ROR", Name: "Brown University", City: "Providence", Region: "RI", Country: "US"})
	return e
}

// addGroup registers a group through POST /_sandbox/groups.
func (e *apiEnv) addGroup(g NewGroup) GroupIDRecord {
	e.t.Helper()
	b, _ := json.Marshal(g)
	resp := e.do(apiCall{method: "POST", url: e.r.BaseURL() + "/_sandbox/groups", contentType: "application/json", body: b})
	var out GroupIDRecord
	if resp.status != http.StatusCreated || json.Unmarshal(resp.body, &out) != nil {
		e.t.Fatalf("POST /_sandbox/groups %s: %d\n%s", b, resp.status, resp.body)
	}
	return out
}
