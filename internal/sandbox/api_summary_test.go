package sandbox

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// TestPutCodesPerKind: each kind draws put-codes from its own sequence, as
// ORCID's tables do; the affiliations share one. A put-code only addresses
// an item of its kind: another kind's path finds nothing (404 9016), and
// another affiliation kind's read path is ORCID's checkType error (400 9006).
func TestPutCodesPerKind(t *testing.T) {
	e := newAPIEnv(t)
	me := e.res.ORCID
	tok := e.writeToken()
	work := e.post(tok, me, "work", "application/json", workJSON("One", "10.1/one"))
	funding := e.post(tok, me, "funding", "application/json", fundingJSON())
	kw := e.post(tok, me, "keywords", "application/json", []byte(`{"content":"first"}`))
	emp := e.post(tok, me, "employment", "application/json", employmentJSON(""))
	edu := e.post(tok, me, "education", "application/json", employmentJSON(""))
	work2 := e.post(tok, me, "work", "application/json", workJSON("Two", "10.1/two"))
	if work != 1 || funding != 1 || kw != 1 || emp != 1 || work2 != 2 {
		t.Errorf("put-codes work %d, funding %d, keyword %d, employment %d, second work %d: want 1, 1, 1, 1, 2", work, funding, kw, emp, work2)
	}
	if edu != 2 {
		t.Errorf("education put-code %d: affiliations share ORCID's org_affiliation_relation_seq, want 2", edu)
	}
	tests := []struct {
		method, path string
		status, code int
		contains     string
	}{
		{"GET", fmt.Sprintf("/work/%d", work), 200, 0, `"title":{"value":"One"}`},
		{"GET", fmt.Sprintf("/funding/%d", funding), 200, 0, `"title":{"value":"Grant"}`},
		{"GET", fmt.Sprintf("/keywords/%d", kw), 200, 0, `"content":"first"`},
		{"GET", fmt.Sprintf("/funding/%d", work2), 404, 9016, ""},
		{"GET", fmt.Sprintf("/funding/summary/%d", work2), 404, 9016, ""},
		{"DELETE", fmt.Sprintf("/funding/%d", work2), 404, 9016, ""},
		{"GET", fmt.Sprintf("/education/%d", emp), 400, 9006, fmt.Sprintf("Given affiliation %d doesn't match the desired type education", emp)},
		{"GET", fmt.Sprintf("/employment/summary/%d", edu), 400, 9006, "desired type employment"},
		{"DELETE", fmt.Sprintf("/keywords/%d", kw), 204, 0, ""},
		// Deleting the keyword left the work with the same put-code alone.
		{"GET", fmt.Sprintf("/work/%d", work), 200, 0, `"put-code":1`},
		{"GET", fmt.Sprintf("/keywords/%d", kw), 404, 9016, ""},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			resp := e.do(apiCall{method: tc.method, url: e.member3("/" + me + tc.path), token: tok, accept: "application/json"})
			if resp.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", resp.status, tc.status, resp.body)
			}
			if tc.code != 0 {
				if eb := resp.errorBody(t); eb.ErrorCode != tc.code {
					t.Errorf("error-code %d, want %d", eb.ErrorCode, tc.code)
				}
			}
			if !strings.Contains(string(resp.body), tc.contains) {
				t.Errorf("body lacks %s:\n%s", tc.contains, resp.body)
			}
		})
	}
}

// TestMigrationPutCodes: migration 00004 keeps the put-codes of existing
// items, and each kind's sequence resumes after its highest put-code.
func TestMigrationPutCodes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "registry.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	const me = "0000-0002-1825-0097"
	for _, q := range []string{
		`INSERT INTO researchers (orcid, given_names, email, password_hash, created_at, modified_at) VALUES ('` + me + `', 'J', 'j@example.org', 'x', 0, 0)`,
		`INSERT INTO items (put_code, orcid, kind, source_client_id, visibility, body, created_at, modified_at) VALUES (7, '` + me + `', 'work', 'APP-1', 'public', '{}', 0, 0)`,
		`INSERT INTO items (put_code, orcid, kind, source_client_id, visibility, body, created_at, modified_at) VALUES (8, '` + me + `', 'funding', 'APP-1', 'public', '{}', 0, 0)`,
		`INSERT INTO items (put_code, orcid, kind, source_client_id, visibility, body, created_at, modified_at) VALUES (9, '` + me + `', 'keyword', '', 'public', '{}', 0, 0)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s, err := openStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		kind   string
		pc     int64
		found  bool
		dindex int64
	}{
		{"work", 7, true, 1}, {"funding", 8, true, 1}, {"keyword", 9, true, 0},
		{"funding", 7, false, 0}, {"work", 8, false, 0}, {"education", 9, false, 0},
	} {
		it, err := s.Item(ctx, me, tc.kind, tc.pc)
		if found := err == nil; found != tc.found {
			t.Errorf("%s %d: found %v, want %v (%v)", tc.kind, tc.pc, found, tc.found, err)
			continue
		}
		if tc.found && it.DisplayIndex != tc.dindex {
			t.Errorf("%s %d: display-index %d, want %d", tc.kind, tc.pc, it.DisplayIndex, tc.dindex)
		}
	}
	for _, tc := range []struct {
		kind string
		want int64
	}{{"work", 8}, {"funding", 9}, {"keyword", 10}, {"education", 1}, {"work", 9}} {
		pc, err := s.CreateItem(ctx, StoredItem{ORCID: me, Kind: tc.kind, Visibility: "public", Body: []byte("{}")})
		if err != nil {
			t.Fatal(err)
		}
		if pc != tc.want {
			t.Errorf("new %s: put-code %d, want %d", tc.kind, pc, tc.want)
		}
	}
}

// TestRecordSummary: GET /{iD}/summary on the Member API counts and lists
// public items only, in summary-3.0.xsd's shape (XML validated by e.do);
// the Public API has no such resource.
func TestRecordSummary(t *testing.T) {
	e := newAPIEnv(t)
	me := e.res.ORCID
	tok := e.writeToken()
	e.post(tok, me, "work", "application/json", workJSON("One", "10.1/one"))
	e.post(tok, me, "work", "application/json", workJSON("Two", "10.1/two"))
	hidden := e.post(tok, me, "work", "application/json", workJSON("Three", "10.1/three"))
	e.setVisibility(me, orcid.KindWork, hidden, orcid.VisibilityPrivate)
	e.post(tok, me, "employment", "application/json", employmentJSON(`"start-date":{"year":{"value":"2010"}},"end-date":{"year":{"value":"2012"}},`))
	e.post(tok, me, "employment", "application/json", employmentJSON(`"department-name":"Later","start-date":{"year":{"value":"2015"}},`))
	e.post(tok, me, "external-identifiers", "application/json",
		[]byte(`{"external-id-type":"Scopus Author ID","external-id-value":"123","external-id-url":{"value":"https://scopus.example/123"},"external-id-relationship":"self"}`))
	readPublic := e.token(e.member, "", ScopeReadPublic)

	resp := e.do(apiCall{method: "GET", url: e.member3("/" + me + "/summary"), token: readPublic, accept: "application/json"})
	if resp.status != 200 {
		t.Fatalf("%d %s", resp.status, resp.body)
	}
	var s map[string]any
	if err := json.Unmarshal(resp.body, &s); err != nil {
		t.Fatal(err)
	}
	get := func(path string) any {
		var v any = s
		for _, k := range strings.Split(path, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		}
		return v
	}
	for path, want := range map[string]any{
		"works.validated-count":                         2.0, // the private work is not counted
		"works.self-asserted-count":                     0.0,
		"fundings.validated-count":                      0.0,
		"employments.count":                             2.0,
		"professional-activities.count":                 0.0,
		"professional-activities.professional-activity": nil,
		"peer-reviews.total":                            0.0,
		"email-domains.count":                           0.0,
		"credit-name":                                   "Josiah Carberry",
		"orcid-identifier.path":                         me,
		"external-identifiers.external-identifier": []any{map[string]any{"put-code": 1.0, "external-id-type": "Scopus Author ID",
			"external-id-value": "123", "external-id-url": "https://scopus.example/123", "validated": true}},
	} {
		if got := get(path); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	// The employment without an end date counts as ending today: first.
	emps, _ := get("employments.employment").([]any)
	if len(emps) != 2 || emps[0].(map[string]any)["end-date"] != nil || emps[1].(map[string]any)["end-date"] == nil {
		t.Errorf("employments not latest first: %v", emps)
	}

	for _, tc := range []struct {
		name   string
		call   apiCall
		status int
		code   int
	}{
		{"XML", apiCall{method: "GET", url: e.member3("/" + me + "/summary"), token: readPublic}, 200, 0},
		{"Public API has none", apiCall{method: "GET", url: e.pub3("/" + me + "/summary")}, 404, 0},
		{"unknown record", apiCall{method: "GET", url: e.member3("/0000-0002-1825-0097/summary"), token: readPublic, accept: "application/json"}, 404, 9016},
		{"POST", apiCall{method: "POST", url: e.member3("/" + me + "/summary"), token: tok, contentType: "application/json", body: []byte("{}")}, 405, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.do(tc.call)
			if resp.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", resp.status, tc.status, resp.body)
			}
			if tc.code != 0 {
				if eb := resp.errorBody(t); eb.ErrorCode != tc.code {
					t.Errorf("error-code %d, want %d", eb.ErrorCode, tc.code)
				}
			}
			if tc.name == "XML" {
				checkSummaryXML(t, resp.body)
			}
		})
	}
}

// TestClientAndStatus: /client/{id} answers the client's name and
// description (Member API with /read-public, Public API without a token);
// the status checks answer anonymously in JSON.
func TestClientAndStatus(t *testing.T) {
	e := newAPIEnv(t)
	readPublic := e.token(e.member, "", ScopeReadPublic)
	tests := []struct {
		name   string
		call   apiCall
		status int
		body   string // exact, or an error code to find
	}{
		{"member client", apiCall{method: "GET", url: e.member3("/client/" + e.other.ID), token: readPublic, accept: "application/json"},
			200, `{"name":"Other Member","description":""}`},
		{"public client", apiCall{method: "GET", url: e.pub3("/client/" + e.member.ID), accept: "application/json"},
			200, `{"name":"Member Journal","description":""}`},
		{"unknown client", apiCall{method: "GET", url: e.member3("/client/APP-0000000000000000"), token: readPublic, accept: "application/json"},
			404, `"error-code":9016`},
		{"no token", apiCall{method: "GET", url: e.member3("/client/" + e.other.ID), accept: "application/json"}, 403, ""},
		{"status", apiCall{method: "GET", url: e.member3("/status")}, 200, `{"tomcatUp":true}`},
		{"apiStatus", apiCall{method: "GET", url: e.member3("/apiStatus")}, 200,
			`{"tomcatUp":true,"dbConnectionOk":true,"readOnlyDbConnectionOk":true,"overallOk":true}`},
		{"pubStatus", apiCall{method: "GET", url: e.pub3("/pubStatus")}, 200,
			`{"tomcatUp":true,"dbConnectionOk":true,"readOnlyDbConnectionOk":true,"overallOk":true}`},
		{"public status", apiCall{method: "GET", url: e.pub3("/status")}, 200, `{"tomcatUp":true}`},
		{"pubStatus on the Member API", apiCall{method: "GET", url: e.member3("/pubStatus"), token: readPublic, accept: "application/json"}, 404, ""},
		{"status in XML", apiCall{method: "GET", url: e.member3("/status"), accept: "application/xml"}, 406, ""},
		{"status with a bad token", apiCall{method: "GET", url: e.member3("/status"), token: "nope"}, 401, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.do(tc.call)
			if resp.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", resp.status, tc.status, resp.body)
			}
			if tc.status == 200 && string(resp.body) != tc.body {
				t.Errorf("body %s, want %s", resp.body, tc.body)
			}
			if tc.status != 200 && !strings.Contains(string(resp.body), tc.body) {
				t.Errorf("body %s lacks %s", resp.body, tc.body)
			}
			if strings.Contains(tc.name, "status") && tc.status == 200 {
				if ct := resp.header.Get("Content-Type"); ct != "application/vnd.orcid+json" {
					t.Errorf("Content-Type %q", ct)
				}
			}
		})
	}
}

// checkSummaryXML checks the record summary's XML against the sequence of
// summary-3.0.xsd's record-summary element (the schema is not in the shared
// reference, so xmllint cannot): the root, and its children in order.
func checkSummaryXML(t *testing.T, doc []byte) {
	t.Helper()
	order := []string{"created-date", "last-modified-date", "credit-name", "orcid-identifier", "external-identifiers", "employments",
		"professional-activities", "fundings", "works", "peer-reviews", "education-qualifications", "research-resources", "email-domains"}
	dec := xml.NewDecoder(bytes.NewReader(doc))
	depth, last := 0, -1
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch el := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 1 && (el.Name.Space != orcid.NSSummary || el.Name.Local != "record-summary") {
				t.Fatalf("root {%s}%s", el.Name.Space, el.Name.Local)
			}
			if depth == 2 {
				i := slices.Index(order, el.Name.Local)
				if i <= last {
					t.Errorf("%s out of summary-3.0.xsd's order", el.Name.Local)
				}
				last = i
			}
		case xml.EndElement:
			depth--
		}
	}
	if last < 0 {
		t.Errorf("no children:\n%s", doc)
	}
}
