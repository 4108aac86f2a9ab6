package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// populate writes every XML write sample (one of each kind, and the bulk)
// to e.res as the member client, and returns the put-codes by kind.
func populate(t testing.TB, e *apiEnv, tok string) map[orcid.ItemKind][]int64 {
	t.Helper()
	out := map[orcid.ItemKind][]int64{}
	e.registerSampleOrganizations()
	for _, name := range writeSamples(t) {
		st, ok := targetFor(name)
		if !ok || st.skip != "" || st.group || !strings.HasSuffix(name, ".xml") {
			continue
		}
		body, err := os.ReadFile(filepath.Join(writeSamplesDir(t), name))
		if err != nil {
			t.Fatal(err)
		}
		if st.bulk {
			resp := e.do(apiCall{method: "POST", url: e.member3("/" + e.res.ORCID + "/works"), token: tok, contentType: "application/xml", body: body})
			if resp.status != 200 {
				t.Fatalf("%s: %d %s", name, resp.status, resp.body)
			}
			continue
		}
		info, _ := st.kind.Info()
		resp := e.do(apiCall{method: "POST", url: e.member3("/" + e.res.ORCID + "/" + info.Path), token: tok, contentType: "application/xml", body: body})
		if resp.status == 409 {
			continue // a second sample of a kind with the same identifiers
		}
		if resp.status != 201 {
			t.Fatalf("%s: %d %s", name, resp.status, resp.body)
		}
		loc := resp.header.Get("Location")
		var pc int64
		fmt.Sscan(loc[strings.LastIndexByte(loc, '/')+1:], &pc)
		out[st.kind] = append(out[st.kind], pc)
	}
	return out
}

// TestAPIReadEndpoints reads every resource of both APIs, in XML (checked
// against the XSDs by the test client) and JSON, on a record holding an
// item of every kind.
func TestAPIReadEndpoints(t *testing.T) {
	e := newAPIEnv(t)
	tok := e.writeToken()
	if _, err := e.r.store.db.Exec(`UPDATE researchers SET biography = 'Studies things.', credit_name = 'J. Carberry' WHERE orcid = ?`, e.res.ORCID); err != nil {
		t.Fatal(err)
	}
	codes := populate(t, e, tok)
	paths := []string{"", "/record", "/person", "/activities", "/personal-details", "/biography", "/email"}
	for _, k := range orcid.Kinds() {
		info, _ := k.Info()
		paths = append(paths, "/"+info.SectionPath)
		if len(codes[k]) == 0 {
			t.Errorf("no %s written", k)
			continue
		}
		pc := codes[k][0]
		paths = append(paths, fmt.Sprintf("/%s/%d", info.Path, pc))
		if k.IsActivity() {
			paths = append(paths, fmt.Sprintf("/%s/summary/%d", info.Path, pc))
		}
	}
	paths = append(paths, fmt.Sprintf("/works/%d", codes[orcid.KindWork][0]))
	emailTok := e.token(e.member, e.res.ORCID, ScopeReadLimited, ScopeEmailReadPrivate)
	for _, api := range []string{"member", "public"} {
		for _, p := range paths {
			for _, accept := range []string{"application/vnd.orcid+xml", "application/vnd.orcid+json"} {
				url, token := e.member3("/"+e.res.ORCID+p), emailTok
				if api == "public" {
					url, token = e.pub3("/"+e.res.ORCID+p), ""
				}
				resp := e.do(apiCall{method: "GET", url: url, token: token, accept: accept})
				if resp.status != 200 {
					t.Errorf("%s GET %s (%s): %d\n%s", api, p, accept, resp.status, resp.body)
					continue
				}
				if strings.HasSuffix(accept, "json") && !json.Valid(resp.body) {
					t.Errorf("%s GET %s: invalid JSON", api, p)
				}
			}
		}
	}
	// The record shows what was written, in the right places.
	resp := e.do(apiCall{method: "GET", url: e.member3("/" + e.res.ORCID), token: emailTok, accept: "application/json"})
	var rec orcid.Record
	if err := json.Unmarshal(resp.body, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.OrcidIdentifier == nil || rec.OrcidIdentifier.Path != e.res.ORCID || rec.OrcidIdentifier.URI != e.r.IDURI(e.res.ORCID) {
		t.Errorf("orcid-identifier %+v", rec.OrcidIdentifier)
	}
	p := rec.Person
	if p == nil || p.Name == nil || p.Name.CreditName.String() != "J. Carberry" || p.Biography == nil || p.Biography.Content != "Studies things." {
		t.Fatalf("person %+v", p)
	}
	if len(p.Emails.Email) != 1 || p.Emails.Email[0].Email != e.res.Email {
		t.Errorf("/email/read-private token: emails %+v", p.Emails.Email)
	}
	acts := rec.ActivitiesSummary
	if acts == nil || acts.Works == nil || len(acts.Works.Groups) == 0 || acts.Employments == nil || len(acts.Employments.Groups) == 0 {
		t.Fatalf("activities %+v", acts)
	}
	// Without /email/read-private the (private) email is not shown.
	resp = e.do(apiCall{method: "GET", url: e.member3("/" + e.res.ORCID + "/email"), token: tok, accept: "application/json"})
	if strings.Contains(string(resp.body), e.res.Email) {
		t.Errorf("private email shown to a /read-limited token: %s", resp.body)
	}
}
