package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// errorFixture is a record with items of several sources, and tokens.
type errorFixture struct {
	*apiEnv
	write       string // member client, e.res, read-limited + both updates
	readOnly    string // member client, e.res, /read-limited only
	actOnly     string // member client, e.res, /activities/update only
	otherWrite  string // other client, e.res, /activities/update
	otherIDTok  string // member client, e.res2
	readPublic  string // member client, client_credentials /read-public
	publicToken string // public client, e.res, /authenticate
	work        int64  // public work by the member client on e.res
	otherWork   int64  // work by the other client on e.res
	foreignWork int64  // work by the member client on e.res2
	funding     int64  // funding by the member client on e.res
}

func newErrorFixture(t *testing.T) *errorFixture {
	e := newAPIEnv(t)
	f := &errorFixture{apiEnv: e}
	f.write = e.writeToken()
	f.readOnly = e.token(e.member, e.res.ORCID, ScopeReadLimited)
	f.actOnly = e.token(e.member, e.res.ORCID, ScopeActivitiesUpdate)
	f.otherWrite = e.token(e.other, e.res.ORCID, ScopeActivitiesUpdate)
	f.otherIDTok = e.token(e.member, e.res2.ORCID, ScopeActivitiesUpdate, ScopeReadLimited)
	f.readPublic = e.token(e.member, "", ScopeReadPublic)
	f.publicToken = e.token(e.public, e.res.ORCID, ScopeAuthenticate)
	f.work = e.post(f.write, e.res.ORCID, "work", "application/json", workJSON("Mine", "10.1/mine"))
	f.otherWork = e.post(f.otherWrite, e.res.ORCID, "work", "application/json", workJSON("Theirs", "10.1/theirs"))
	f.foreignWork = e.post(e.token(e.member, e.res2.ORCID, ScopeActivitiesUpdate), e.res2.ORCID, "work", "application/json", workJSON("Elsewhere", "10.1/else"))
	f.funding = e.post(f.write, e.res.ORCID, "funding", "application/json", fundingJSON())
	return f
}

func fundingJSON() []byte {
	return []byte(`{"type":"grant","title":{"title":{"value":"Grant"}},
	"external-ids":{"external-id":[{"external-id-type":"grant_number","external-id-value":"G-1","external-id-relationship":"self"}]},
	"organization":{"name":"Funder","address":{"city":"Boston","country":"US"},
	"disambiguated-organization":{"disambiguated-organization-identifier":"https://ror.org/05qwgg493","disambiguation-source":"ROR"}}}`)
}

func employmentJSON(extra string) []byte {
	return []byte(`{"role-title":"Professor",` + extra + `
	"organization":{"name":"Boston University","address":{"city":"Boston","country":"US"},
	"disambiguated-organization":{"disambiguated-organization-identifier":"https://ror.org/05qwgg493","disambiguation-source":"ROR"}}}`)
}

const workXML = `<?xml version="1.0" encoding="UTF-8"?>
<work:work xmlns:common="http://www.orcid.org/ns/common" xmlns:work="http://www.orcid.org/ns/work">
  <work:title><common:title>XML work</common:title></work:title>
  <work:type>%s</work:type>
  <common:external-ids><common:external-id>
    <common:external-id-type>doi</common:external-id-type>
    <common:external-id-value>10.1/xml</common:external-id-value>
    <common:external-id-relationship>self</common:external-id-relationship>
  </common:external-id></common:external-ids>%s
</work:work>`

// TestAPIErrors: bad requests get ORCID's status and error code in ORCID's
// error document (or Spring's OAuth JSON for token problems), never a stack
// trace.
func TestAPIErrors(t *testing.T) {
	f := newErrorFixture(t)
	e := f.apiEnv
	me := "/" + e.res.ORCID
	pc := func(n int64) string { return fmt.Sprint(n) }
	j := "application/json"
	x := "application/vnd.orcid+xml"
	bigBulk := func(n int) []byte {
		var b strings.Builder
		b.WriteString(`{"bulk":[`)
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"work":%s}`, workJSON(fmt.Sprint("W", i), fmt.Sprint("10.9/", i)))
		}
		b.WriteString("]}")
		return []byte(b.String())
	}
	manyCodes := strings.Repeat("1,", 100) + "1"
	revoked := e.token(e.member, e.res.ORCID, ScopeReadLimited)
	if _, err := e.r.store.RevokeToken(context.Background(), revoked, RevokedByClient, time.Now()); err != nil {
		t.Fatal(err)
	}
	expired := e.token(e.member, e.res.ORCID, ScopeReadLimited)
	if _, err := e.r.store.db.Exec(`UPDATE tokens SET expires_at = 1 WHERE access_token = ?`, expired); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		call   apiCall
		status int
		code   int    // ORCID error-code; 0 when an OAuth error is expected
		oauth  string // OAuth "error"
		dev    string // substring of developer-message or error_description
	}{
		// Reading the body.
		{"malformed XML", apiCall{method: "POST", url: me + "/work", contentType: x, body: []byte("<work:work")}, 400, 9012, "", "The client application made a bad request"},
		{"malformed JSON", apiCall{method: "POST", url: me + "/work", contentType: j, body: []byte(`{"title":`)}, 400, 9001, "", "Full validation error"},
		{"empty JSON", apiCall{method: "POST", url: me + "/work", contentType: j}, 400, 9047, "", "data seems to be empty"},
		{"empty XML", apiCall{method: "POST", url: me + "/work", contentType: x}, 400, 9012, "", "Premature end of file"},
		{"unknown JSON field", apiCall{method: "POST", url: me + "/work", contentType: j, body: []byte(`{"title":{"title":{"value":"T"}},"type":"book","colour":"red"}`)}, 400, 9047, "", `Unrecognized field "colour"`},
		{"unknown JSON field nested", apiCall{method: "POST", url: me + "/work", contentType: j, body: []byte(`{"title":{"title":{"value":"T"},"shade":"x"},"type":"book"}`)}, 400, 9047, "", `"shade"`},
		{"unknown XML element", apiCall{method: "POST", url: me + "/work", contentType: x, body: fmt.Appendf(nil, workXML, "book", "<work:colour>red</work:colour>")}, 400, 9012, "", "work:colour"},
		{"wrong XML root", apiCall{method: "POST", url: me + "/work", contentType: x, body: []byte(`<funding:funding xmlns:funding="http://www.orcid.org/ns/funding"/>`)}, 400, 9012, "", "Cannot find the declaration of element 'funding:funding'"},
		{"bulk XML malformed", apiCall{method: "POST", url: me + "/works", contentType: x, body: []byte("<bulk")}, 400, 9001, "", "HTTP 400 Bad Request"},
		{"JSON array for an item", apiCall{method: "POST", url: me + "/work", contentType: j, body: []byte(`[]`)}, 400, 9047, "", ""},
		// Put-codes.
		{"non-numeric put-code", apiCall{method: "GET", url: me + "/work/abc"}, 400, 9034, "", "The put code provided is not valid"},
		{"non-numeric put-code on delete", apiCall{method: "DELETE", url: me + "/work/1x"}, 400, 9034, "", ""},
		{"unknown put-code", apiCall{method: "GET", url: me + "/work/999999"}, 404, 9016, "", "404 Not Found: The resource was not found."},
		{"put-code of another record", apiCall{method: "GET", url: me + "/work/" + pc(f.foreignWork)}, 404, 9016, "", ""},
		// Put-codes are numbered per kind: the first funding and the first
		// work both have put-code 1, and a work's put-code that no funding
		// has finds nothing on the funding path.
		{"put-code of another kind", apiCall{method: "GET", url: me + "/funding/" + pc(f.otherWork)}, 404, 9016, "", ""},
		{"put-code mismatch", apiCall{method: "PUT", url: me + "/work/" + pc(f.work), contentType: j, body: []byte(`{"put-code":` + pc(f.work+1000) + `,"title":{"title":{"value":"T"}},"type":"book","external-ids":{"external-id":[{"external-id-type":"doi","external-id-value":"10.1/mine","external-id-relationship":"self"}]}}`)},
			400, 9019, "", fmt.Sprintf("The put code in the URL was %d whereas the one in the body was %d.", f.work, f.work+1000)},
		{"put-code missing on PUT", apiCall{method: "PUT", url: me + "/work/" + pc(f.work), contentType: j, body: workJSON("T", "10.1/mine")},
			400, 9019, "", fmt.Sprintf("The put code in the URL was %d whereas the one in the body was null.", f.work)},
		{"put-code on POST", apiCall{method: "POST", url: me + "/work", contentType: j, body: []byte(`{"put-code":12,"title":{"title":{"value":"T"}},"type":"book","external-ids":{"external-id":[{"external-id-type":"doi","external-id-value":"10.1/new","external-id-relationship":"self"}]}}`)},
			400, 9024, "", "Put-code is included when not expected"},
		// Sources.
		{"update another source's work", apiCall{method: "PUT", url: me + "/work/" + pc(f.otherWork), contentType: j, body: []byte(`{"put-code":` + pc(f.otherWork) + `,"title":{"title":{"value":"Changed"}},"type":"book","external-ids":{"external-id":[{"external-id-type":"doi","external-id-value":"10.1/theirs","external-id-relationship":"self"}]}}`)},
			403, 9010, "", "403 Forbidden: You are not the source of the work, so you are not allowed to update it."},
		{"unchanged PUT of another source's work", apiCall{method: "PUT", url: me + "/work/" + pc(f.otherWork), contentType: j, body: []byte(`{"put-code":` + pc(f.otherWork) + `,"title":{"title":{"value":"Theirs"}},"type":"journal-article","external-ids":{"external-id":[{"external-id-type":"doi","external-id-value":"10.1/theirs","external-id-relationship":"self"}]}}`)},
			403, 9014, "", "You are not the source of the work"},
		{"delete another source's work", apiCall{method: "DELETE", url: me + "/work/" + pc(f.otherWork)}, 403, 9010, "", ""},
		{"duplicate self identifier", apiCall{method: "POST", url: me + "/work", contentType: j, body: workJSON("Again", "10.1/MINE")},
			409, 9021, "", fmt.Sprintf("409 Conflict: You have already added this activity (matched by external identifiers), please see element with put-code %d. If you are trying to edit the item, please use PUT instead of POST.", f.work)},
		{"visibility change on PUT", apiCall{method: "PUT", url: me + "/work/" + pc(f.work), contentType: j, body: []byte(`{"put-code":` + pc(f.work) + `,"visibility":"private","title":{"title":{"value":"New title"}},"type":"book","external-ids":{"external-id":[{"external-id-type":"doi","external-id-value":"10.1/mine","external-id-relationship":"self"}]}}`)},
			403, 9035, "", "You can't change the visibility of an item"},
		// Records.
		{"invalid iD checksum", apiCall{method: "GET", url: "/0000-0002-1825-0098/works", token: f.readPublic}, 404, 9016, "", ""},
		{"unknown record", apiCall{method: "GET", url: "/0000-0002-1825-0097/record", token: f.readPublic}, 404, 9016, "", ""},
		{"no biography", apiCall{method: "GET", url: me + "/biography"}, 404, 9041, "", ""},
		// Tokens and scopes.
		{"missing scope for works", apiCall{method: "POST", url: me + "/work", token: f.readOnly, contentType: j, body: workJSON("T", "10.1/x")}, 403, 9038, "", ""},
		{"activities token for person item", apiCall{method: "POST", url: me + "/keywords", token: f.actOnly, contentType: j, body: []byte(`{"content":"k"}`)}, 403, 9038, "", ""},
		{"read-public token cannot write", apiCall{method: "POST", url: me + "/work", token: f.readPublic, contentType: j, body: workJSON("T", "10.1/y")}, 403, 9038, "", ""},
		{"token for another record", apiCall{method: "GET", url: me + "/works", token: f.otherIDTok}, 401, 9017, "", "Access token is for a different record"},
		{"revoked token", apiCall{method: "GET", url: me + "/works", token: revoked}, 401, 0, "invalid_token", "Invalid access token: " + revoked},
		{"expired token", apiCall{method: "GET", url: me + "/works", token: expired}, 401, 0, "invalid_token", "Invalid access token"},
		{"unknown token", apiCall{method: "GET", url: me + "/works", token: "not-a-token"}, 401, 0, "invalid_token", "Invalid access token: not-a-token"},
		{"no token on the Member API", apiCall{method: "GET", url: me + "/works", token: "-"}, 403, 0, "forbidden", "Forbidden: The server understood the request but refuses to authorize it."},
		{"Public API client on the Member API", apiCall{method: "GET", url: me + "/works", token: f.publicToken}, 403, 0, "forbidden", "Access Denied"},
		{"invalid token on the Public API", apiCall{method: "GET", url: "pub:" + me + "/works", token: "bogus"}, 401, 0, "invalid_token", ""},
		// Bulk.
		{"bulk over 100", apiCall{method: "POST", url: me + "/works", contentType: j, body: bigBulk(101)}, 400, 9006, "", "You are allowed to add up to 100 elements per request."},
		{"bulk read over 100", apiCall{method: "GET", url: me + "/works/" + manyCodes}, 400, 9042, "", "Too many put codes specified: maximum is 100"},
		{"bulk read non-numeric", apiCall{method: "GET", url: me + "/works/1,x"}, 400, 9006, "", `For input string: "x"`},
		// Framework.
		{"unknown path", apiCall{method: "GET", url: me + "/workz"}, 404, 9001, "", "HTTP 404 Not Found"},
		{"wrong method", apiCall{method: "PUT", url: me + "/works", contentType: j, body: []byte("{}")}, 405, 9001, "", "HTTP 405 Method Not Allowed"},
		{"write on the Public API", apiCall{method: "POST", url: "pub:" + me + "/work", token: "-", contentType: j, body: workJSON("T", "10.1/z")}, 405, 9001, "", ""},
		{"unsupported Content-Type", apiCall{method: "POST", url: me + "/work", contentType: "text/plain", body: []byte("hi")}, 415, 9001, "", "HTTP 415"},
		{"form Content-Type (curl -d)", apiCall{method: "POST", url: me + "/work", contentType: "application/x-www-form-urlencoded", body: []byte("a=b")}, 415, 9001, "", ""},
		{"unacceptable Accept", apiCall{method: "GET", url: me + "/works", accept: "text/html"}, 406, 9001, "", "HTTP 406"},
		// Validation.
		{"no external identifiers", apiCall{method: "POST", url: me + "/work", contentType: j, body: []byte(`{"title":{"title":{"value":"T"}},"type":"book"}`)}, 400, 9023, "", ""},
		{"no self identifier", apiCall{method: "POST", url: me + "/work", contentType: j, body: []byte(`{"title":{"title":{"value":"T"}},"type":"book","external-ids":{"external-id":[{"external-id-type":"isbn","external-id-value":"1","external-id-relationship":"part-of"}]}}`)},
			400, 9023, "", "At least one identifier with 'self' relationship is required"},
		{"unknown identifier type", apiCall{method: "POST", url: me + "/work", contentType: j, body: []byte(`{"title":{"title":{"value":"T"}},"type":"book","external-ids":{"external-id":[{"external-id-type":"shoe-size","external-id-value":"1","external-id-relationship":"self"}]}}`)},
			400, 9023, "", "Invalid external-id  shoe-size"},
		{"invalid work type (JSON)", apiCall{method: "POST", url: me + "/work", contentType: j, body: []byte(`{"title":{"title":{"value":"T"}},"type":"novel"}`)}, 400, 9047, "", "WorkType"},
		{"invalid work type (XML)", apiCall{method: "POST", url: me + "/work", contentType: x, body: fmt.Appendf(nil, workXML, "novel", "")}, 400, 9051, "", "invalid value 'novel' for enum 'WorkType'"},
		{"invalid relationship", apiCall{method: "POST", url: me + "/work", contentType: x, body: []byte(strings.Replace(fmt.Sprintf(workXML, "book", ""), ">self<", ">sibling<", 1))}, 400, 9051, "", "sibling"},
		{"missing title (XSD)", apiCall{method: "POST", url: me + "/work", contentType: j, body: []byte(`{"type":"book"}`)}, 400, 9047, "", "work:title"},
		{"missing type (XSD)", apiCall{method: "POST", url: me + "/work", contentType: x, body: []byte(strings.Replace(fmt.Sprintf(workXML, "book", ""), "<work:type>book</work:type>", "", 1))}, 400, 9012, "", "work:type"},
		{"impossible date", apiCall{method: "POST", url: me + "/work", contentType: j, body: []byte(`{"title":{"title":{"value":"T"}},"type":"book","publication-date":{"year":{"value":"2021"},"month":{"value":"02"},"day":{"value":"30"}},"external-ids":{"external-id":[{"external-id-type":"doi","external-id-value":"10.1/d","external-id-relationship":"self"}]}}`)},
			400, 9049, "", "invalid date: 2021-02-30"},
		{"year out of the XSD range", apiCall{method: "POST", url: me + "/work", contentType: j, body: []byte(`{"title":{"title":{"value":"T"}},"type":"book","publication-date":{"year":{"value":"1066"}},"external-ids":{"external-id":[{"external-id-type":"doi","external-id-value":"10.1/d","external-id-relationship":"self"}]}}`)},
			400, 9047, "", "1066"},
		{"funding end without start", apiCall{method: "POST", url: me + "/funding", contentType: j, body: []byte(strings.Replace(string(fundingJSON()), `"type":"grant",`, `"type":"grant","end-date":{"year":{"value":"2020"}},`, 1))}, 400, 9050, "", "missing start-date"},
		{"affiliation ends before it starts", apiCall{method: "POST", url: me + "/employment", contentType: j, body: employmentJSON(`"start-date":{"year":{"value":"2020"}},"end-date":{"year":{"value":"2019"}},`)}, 400, 9055, "", ""},
		{"employment without disambiguated organization", apiCall{method: "POST", url: me + "/employment", contentType: j, body: []byte(`{"organization":{"name":"Somewhere","address":{"city":"Boston","country":"US"}}}`)}, 400, 9045, "", "disambiguated-organization must be present"},
		{"employment without organization", apiCall{method: "POST", url: me + "/employment", contentType: j, body: []byte(`{"role-title":"x"}`)}, 400, 9046, "", ""},
		{"employment without city", apiCall{method: "POST", url: me + "/employment", contentType: j, body: []byte(`{"organization":{"name":"BU","address":{"country":"US"},"disambiguated-organization":{"disambiguated-organization-identifier":"https://ror.org/05qwgg493","disambiguation-source":"ROR"}}}`)}, 400, 9060, "", ""},
		{"invalid country", apiCall{method: "POST", url: me + "/address", contentType: j, body: []byte(`{"country":{"value":"XX"}}`)}, 400, 9047, "", "Iso3166Country"},
		{"invalid peer-review subject type", apiCall{method: "POST", url: me + "/peer-review", contentType: j, body: []byte(`{"reviewer-role":"reviewer","review-identifiers":{"external-id":[{"external-id-type":"source-work-id","external-id-value":"1","external-id-relationship":"self"}]},"review-type":"review","review-completion-date":{"year":{"value":"2020"}},"review-group-id":"issn:0953-1513","convening-organization":{"name":"Org","address":{"city":"X","country":"US"}},"subject-type":"novel"}`)}, 400, 9047, "", "PeerReviewSubjectType"},
		{"invalid contributor role", apiCall{method: "POST", url: me + "/work", contentType: j, body: []byte(`{"title":{"title":{"value":"T"}},"type":"book","external-ids":{"external-id":[{"external-id-type":"doi","external-id-value":"10.1/role","external-id-relationship":"self"}]},"contributors":{"contributor":[{"credit-name":{"value":"A"},"contributor-attributes":{"contributor-role":"bystander"}}]}}`)},
			400, 9058, "", "Invalid contributor role: bystander"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.call
			switch {
			case strings.HasPrefix(c.url, "pub:"):
				c.url = e.pub3(strings.TrimPrefix(c.url, "pub:"))
			default:
				c.url = e.member3(c.url)
			}
			switch c.token {
			case "":
				c.token = f.write
			case "-":
				c.token = ""
			}
			resp := e.do(c)
			if resp.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", resp.status, tc.status, resp.body)
			}
			if tc.oauth != "" {
				if ct := resp.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("OAuth error Content-Type %q", ct)
				}
				code, desc := resp.oauthError(t)
				if code != tc.oauth || !strings.Contains(desc, tc.dev) {
					t.Errorf("got %s %q, want %s containing %q", code, desc, tc.oauth, tc.dev)
				}
				return
			}
			eb := resp.errorBody(t)
			if eb.ErrorCode != tc.code || eb.ResponseCode != tc.status {
				t.Errorf("error-code %d response-code %d, want %d %d\n%s", eb.ErrorCode, eb.ResponseCode, tc.code, tc.status, resp.body)
			}
			if !strings.Contains(eb.DeveloperMessage, tc.dev) {
				t.Errorf("developer-message %q does not contain %q", eb.DeveloperMessage, tc.dev)
			}
			if eb.UserMessage == "" || eb.MoreInfo != moreInfo {
				t.Errorf("user-message %q, more-info %q", eb.UserMessage, eb.MoreInfo)
			}
			if strings.Contains(string(resp.body), "goroutine") || strings.Contains(string(resp.body), ".go:") {
				t.Errorf("body leaks a stack trace:\n%s", resp.body)
			}
		})
	}
}

// TestAPIErrorFormat: errors come in the negotiated format, XML by default.
func TestAPIErrorFormat(t *testing.T) {
	f := newErrorFixture(t)
	e := f.apiEnv
	for _, tc := range []struct{ accept, ct string }{
		{"", "application/vnd.orcid+xml"},
		{"application/json", "application/json"},
		{"application/vnd.orcid+json", "application/vnd.orcid+json"},
		{"application/xml", "application/xml"},
	} {
		resp := e.do(apiCall{method: "GET", url: e.member3("/" + e.res.ORCID + "/work/abc"), token: f.write, accept: tc.accept})
		if got := resp.header.Get("Content-Type"); got != tc.ct {
			t.Errorf("Accept %q: Content-Type %q, want %q", tc.accept, got, tc.ct)
		}
		if eb := resp.errorBody(t); eb.ErrorCode != 9034 {
			t.Errorf("Accept %q: %+v", tc.accept, eb)
		}
		// Errors raised before the resource is reached follow Accept too.
		resp = e.do(apiCall{method: "DELETE", url: e.member3("/" + e.res.ORCID + "/works"), token: f.write, accept: tc.accept})
		if got := resp.header.Get("Content-Type"); resp.status != 405 || got != tc.ct {
			t.Errorf("Accept %q, wrong method: %d %q, want 405 %q", tc.accept, resp.status, got, tc.ct)
		}
	}
}

// TestAPIInternalErrorIsORCIDError: a failure inside the emulator is a 500
// with ORCID's 9008 document, not a Go error text.
func TestAPIInternalErrorIsORCIDError(t *testing.T) {
	e := newAPIEnv(t)
	tok := e.token(e.member, "", ScopeReadPublic)
	if _, err := e.r.store.db.Exec(`DROP TABLE items`); err != nil {
		t.Fatal(err)
	}
	resp := e.do(apiCall{method: "GET", url: e.member3("/" + e.res.ORCID + "/works"), token: tok, accept: "application/json"})
	if resp.status != 500 {
		t.Fatalf("status %d\n%s", resp.status, resp.body)
	}
	if eb := resp.errorBody(t); eb.ErrorCode != 9008 || eb.UserMessage != "Something went wrong in ORCID." {
		t.Errorf("%+v", eb)
	}
}

// TestAPIRateLimit: past the burst, ORCID's proxy answers 503.
func TestAPIRateLimit(t *testing.T) {
	e := newAPIEnv(t)
	tok := e.token(e.member, "", ScopeReadPublic)
	if err := e.r.SetFaults(Faults{RateLimit: 1, Burst: 1}); err != nil {
		t.Fatal(err)
	}
	const n = 12
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", e.member3("/"+e.res.ORCID+"/works"), nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := e.http.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	ok, limited := 0, 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 503:
			limited++
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	if ok == 0 || limited == 0 {
		t.Errorf("%d OK and %d 503 out of %d concurrent requests at 1/s, burst 1: want both", ok, limited, n)
	}
}

// TestAPIBulkReadErrors: missing and hidden works come back as error
// entries in place, the rest as works.
func TestAPIBulkReadErrors(t *testing.T) {
	f := newErrorFixture(t)
	e := f.apiEnv
	e.setVisibility(e.res.ORCID, orcid.KindWork, f.otherWork, orcid.VisibilityPrivate)
	url := e.member3(fmt.Sprintf("/%s/works/%d,%d,424242", e.res.ORCID, f.work, f.otherWork))
	resp := e.do(apiCall{method: "GET", url: url, token: f.write, accept: "application/json"})
	if resp.status != 200 {
		t.Fatalf("%d %s", resp.status, resp.body)
	}
	var b orcid.Bulk
	if err := json.Unmarshal(resp.body, &b); err != nil {
		t.Fatal(err)
	}
	if len(b.Items) != 3 || b.Items[0].Work == nil || b.Items[1].Error == nil || b.Items[2].Error == nil {
		t.Fatalf("%s", resp.body)
	}
	if b.Items[1].Error.ErrorCode != 9013 || b.Items[2].Error.ErrorCode != 9034 ||
		!strings.Contains(b.Items[2].Error.DeveloperMessage, "'424242' is not a valid put code") {
		t.Errorf("%s", resp.body)
	}
	// XML too, validated against bulk-3.0.xsd by the client.
	if resp := e.do(apiCall{method: "GET", url: url, token: f.write}); resp.status != 200 {
		t.Fatalf("%d %s", resp.status, resp.body)
	}
}
