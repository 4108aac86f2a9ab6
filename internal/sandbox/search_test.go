package sandbox

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/orcid"
)

// searchFixture is a registry with records that differ in every field the
// search tests look at, some of them private or in states ORCID removes
// from its index.
type searchFixture struct {
	e                          *apiEnv
	ada, jose, hidden          string // active records
	locked, unclaimed, deactiv string // not in the index
	all                        []string
}

func newSearchFixture(t *testing.T) *searchFixture {
	t.Helper()
	e := newAPIEnv(t)
	ctx := context.Background()
	mk := func(in NewResearcher) string {
		t.Helper()
		in.Password = "password1"
		res, err := e.r.CreateResearcher(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return res.ORCID
	}
	f := &searchFixture{e: e}
	f.ada = mk(NewResearcher{GivenNames: "Ada", FamilyNames: "Lovelace", Email: "ada@example.org",
		CreditName: "A. Lovelace", Biography: "Analytical engines and poetry"})
	f.jose = mk(NewResearcher{GivenNames: "José", FamilyNames: "Núñez", Email: "jose@example.org"})
	f.hidden = mk(NewResearcher{GivenNames: "Hidden", FamilyNames: "Person", Email: "hidden@example.org", NamesVisibility: "private"})
	f.locked = mk(NewResearcher{GivenNames: "Locky", FamilyNames: "Lockwood", Email: "locked@example.org"})
	f.unclaimed = mk(NewResearcher{GivenNames: "Fresh", FamilyNames: "Unclaimed", Email: "fresh@example.org"})
	f.deactiv = mk(NewResearcher{GivenNames: "Gone", FamilyNames: "Away", Email: "gone@example.org"})

	tok := func(id string) string {
		return e.token(e.member, id, ScopeReadLimited, ScopeActivitiesUpdate, ScopePersonUpdate)
	}
	at := tok(f.ada)
	e.post(at, f.ada, "work", "application/json", workJSON("On the Analytical Engine", "10.1087/20120404"))
	e.post(at, f.ada, "keywords", "application/json", []byte(`{"content":"Relativity"}`))
	e.post(at, f.ada, "other-names", "application/json", []byte(`{"content":"Augusta"}`))
	e.post(at, f.ada, "employment", "application/json", employmentJSON(""))
	e.post(at, f.ada, "education", "application/json", []byte(`{"end-date":{"year":{"value":"2012"}},
	"organization":{"name":"Brown University","address":{"city":"Providence","country":"US"},
	"disambiguated-organization":{"disambiguated-organization-identifier":"https://ror.org/05gq02987","disambiguation-source":"ROR"}}}`))
	e.post(at, f.ada, "funding", "application/json", fundingJSON())
	secret := e.post(at, f.ada, "keywords", "application/json", []byte(`{"content":"Clandestine"}`))
	e.setVisibility(f.ada, orcid.KindKeyword, secret, orcid.VisibilityPrivate)
	e.post(tok(f.hidden), f.hidden, "keywords", "application/json", []byte(`{"content":"Obscure"}`))
	e.post(tok(f.locked), f.locked, "keywords", "application/json", []byte(`{"content":"Lockedword"}`))

	for id, st := range map[string]RecordState{f.locked: StateLocked, f.unclaimed: StateUnclaimed, f.deactiv: StateDeactivated} {
		if _, err := e.r.SetResearcherState(ctx, id, StateChange{State: st}); err != nil {
			t.Fatal(err)
		}
	}
	f.all = []string{e.res.ORCID, e.res2.ORCID, f.ada, f.jose, f.hidden}
	return f
}

// searchJSON is the JSON answer of /search.
type searchJSON struct {
	Result []struct {
		OrcidIdentifier struct {
			Path string `json:"path"`
		} `json:"orcid-identifier"`
	} `json:"result"`
	NumFound int `json:"num-found"`
}

func (f *searchFixture) search(t *testing.T, base string, params url.Values, token, accept string) apiResp {
	t.Helper()
	return f.e.do(apiCall{method: "GET", url: base + "?" + params.Encode(), token: token, accept: accept})
}

func decodeSearch(t *testing.T, r apiResp) ([]string, int) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d:\n%s", r.status, r.body)
	}
	var s searchJSON
	if err := json.Unmarshal(r.body, &s); err != nil {
		t.Fatalf("%v:\n%s", err, r.body)
	}
	var ids []string
	for _, x := range s.Result {
		ids = append(ids, x.OrcidIdentifier.Path)
	}
	return ids, s.NumFound
}

// TestSearchFields: each indexed field finds the record that holds the
// value publicly and nothing else; private data, private names, and
// records that are locked, deactivated or unclaimed are never found.
func TestSearchFields(t *testing.T) {
	f := newSearchFixture(t)
	e := f.e
	cases := []struct {
		q    string
		want []string
	}{
		{"family-name:Lovelace", []string{f.ada}},
		{"family-name:lovelace", []string{f.ada}},
		{"family-name:Babbage", nil},
		{"given-names:Ada", []string{f.ada}},
		{`credit-name:"A. Lovelace"`, []string{f.ada}},
		{"other-names:Augusta", []string{f.ada}},
		{"keyword:relativity", []string{f.ada}},
		{"biography:poetry", []string{f.ada}},
		{"work-titles:analytical", []string{f.ada}},
		{"digital-object-ids:10.1087", []string{f.ada}},
		{`doi-self:"10.1087/20120404"`, []string{f.ada}},
		{`doi-self:10.1087`, nil}, // a string field matches whole values only
		{`affiliation-org-name:"Boston University"`, []string{f.ada}},
		{`ror-org-id:"https://ror.org/05qwgg493"`, []string{f.ada}},
		{`ror-org-id:"https://ror.org/05gq02987"`, []string{f.ada}},
		{"current-institution-affiliation-name:Boston", []string{f.ada}},
		{"current-institution-affiliation-name:Brown", nil},
		{"past-institution-affiliation-name:Brown", []string{f.ada}},
		{"grant-numbers:G-1", []string{f.ada}},
		{"funding-titles:grant", []string{f.ada}},
		// ORCID's indexer files every funding organisation under fundref-org-id.
		{`fundref-org-id:"https://ror.org/05qwgg493"`, []string{f.ada}},
		{"orcid:" + f.ada, []string{f.ada}},
		{"Lovelace", []string{f.ada}},
		{"text:augusta", []string{f.ada}},
		// Diacritics are folded in given-and-family-names only.
		{`given-and-family-names:"jose nunez"`, []string{f.jose}},
		{"given-and-family-names:Núñez", []string{f.jose}},
		{"family-name:Núñez", []string{f.jose}},
		{"family-name:Nunez", nil},
		// Boolean logic, grouping, wildcards, fuzzy terms.
		{"family-name:Lovelace AND keyword:Relativity", []string{f.ada}},
		{"family-name:Lovelace AND keyword:Nothing", nil},
		{"family-name:Lovelace OR family-name:Núñez", []string{f.ada, f.jose}},
		{"family-name:(Lovelace OR Núñez)", []string{f.ada, f.jose}},
		{"+family-name:Lovelace -keyword:relativity", nil},
		{"given-names:Josiah -orcid:" + f.e.res2.ORCID, []string{e.res.ORCID}},
		{"given-names:Josiah NOT orcid:" + f.e.res2.ORCID, []string{e.res.ORCID}},
		{"family-name:Love*", []string{f.ada}},
		{"family-name:L?velace", []string{f.ada}},
		{"family-name:Lovelase~1", []string{f.ada}},
		{"family-name:/love.*/", []string{f.ada}},
		{"*:*", f.all},
		{"NOT family-name:Carberry", []string{f.ada, f.jose, f.hidden}},
		{"profile-submission-date:[* TO NOW]", f.all},
		{"profile-submission-date:[NOW+1DAY TO *]", nil},
		// Private data is not indexed.
		{"keyword:Clandestine", nil},
		{"email:*", nil},
		{"email:ada@example.org", nil},
		{"given-names:Hidden", nil},
		{"keyword:Obscure", []string{f.hidden}},
		// Records ORCID removes from its index.
		{"keyword:Lockedword", nil},
		{"orcid:" + f.locked, nil},
		{"orcid:" + f.unclaimed, nil},
		{"orcid:" + f.deactiv, nil},
		{"family-name:Away", nil},
	}
	for _, c := range cases {
		t.Run(c.q, func(t *testing.T) {
			got, n := decodeSearch(t, f.search(t, e.pub3("/search"), url.Values{"q": {c.q}}, "", "application/json"))
			slices.Sort(got)
			want := slices.Clone(c.want)
			slices.Sort(want)
			if !slices.Equal(got, want) || n != len(want) {
				t.Errorf("q=%s: got %v (num-found %d), want %v", c.q, got, n, want)
			}
		})
	}
}

// TestSearchAPIs: the same search on the Member API (XML, validated against
// search-3.0.xsd by e.do) and the Public API with a token; the scope rules
// of each resource; the empty query.
func TestSearchAPIs(t *testing.T) {
	f := newSearchFixture(t)
	e := f.e
	readPublic := e.token(e.member, "", ScopeReadPublic)
	groupOnly := e.token(e.member, "", ScopeGroupIDRecordRead)
	q := url.Values{"q": {"family-name:Lovelace"}}

	r := f.search(t, e.member3("/search/"), q, readPublic, "application/vnd.orcid+xml")
	if r.status != 200 {
		t.Fatalf("member search: %d\n%s", r.status, r.body)
	}
	var doc struct {
		XMLName  xml.Name `xml:"http://www.orcid.org/ns/search search"`
		NumFound int      `xml:"num-found,attr"`
		Results  []struct {
			Path string `xml:"http://www.orcid.org/ns/common orcid-identifier>path"`
		} `xml:"http://www.orcid.org/ns/search result"`
	}
	if err := xml.Unmarshal(r.body, &doc); err != nil || doc.NumFound != 1 || len(doc.Results) != 1 || doc.Results[0].Path != f.ada {
		t.Errorf("member search XML: %v %+v\n%s", err, doc, r.body)
	}
	if ids, _ := decodeSearch(t, f.search(t, e.pub3("/search"), q, readPublic, "application/json")); !slices.Equal(ids, []string{f.ada}) {
		t.Errorf("public search with a token: %v", ids)
	}

	cases := []struct {
		name   string
		url    string
		token  string
		status int
		code   int
	}{
		{"member search without /read-public", e.member3("/search"), groupOnly, 403, 9038},
		{"member expanded search checks no scope", e.member3("/expanded-search"), groupOnly, 200, 0},
		{"member search without a token", e.member3("/search"), "", 403, 0},
		{"public client on the member API", e.member3("/search"), e.token(e.public, "", ScopeReadPublic), 403, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.search(t, c.url, q, c.token, "application/json")
			if r.status != c.status {
				t.Fatalf("status %d, want %d\n%s", r.status, c.status, r.body)
			}
			if c.code != 0 {
				if eb := r.errorBody(t); eb.ErrorCode != c.code {
					t.Errorf("error %d, want %d", eb.ErrorCode, c.code)
				}
			}
		})
	}

	// An empty query finds nothing, and ORCID's JSON then has a null list.
	r = f.search(t, e.pub3("/search"), url.Values{}, "", "application/json")
	if r.status != 200 || !strings.Contains(string(r.body), `"result":null`) || !strings.Contains(string(r.body), `"num-found":0`) {
		t.Errorf("empty query: %d %s", r.status, r.body)
	}
	r = f.search(t, e.pub3("/search"), url.Values{}, "", "application/xml")
	if r.status != 200 || !strings.Contains(string(r.body), `num-found="0"`) {
		t.Errorf("empty query (XML): %d %s", r.status, r.body)
	}
}

// TestSearchPagingAndLimits: start and rows page through the hits; ORCID's
// limits and its error for each bad parameter; query errors.
func TestSearchPagingAndLimits(t *testing.T) {
	f := newSearchFixture(t)
	e := f.e
	tok := e.token(e.member, "", ScopeReadPublic)
	all := func(extra url.Values) url.Values {
		v := url.Values{"q": {"*:*"}}
		for k, vs := range extra {
			v[k] = vs
		}
		return v
	}
	pages := []struct {
		start, rows string
		want        []string
	}{
		{"", "", f.all},
		{"0", "2", f.all[:2]},
		{"2", "2", f.all[2:4]},
		{"4", "2", f.all[4:]},
		{"5", "2", nil},
		{"", "0", nil},
	}
	for _, p := range pages {
		v := url.Values{}
		if p.start != "" {
			v.Set("start", p.start)
		}
		if p.rows != "" {
			v.Set("rows", p.rows)
		}
		ids, n := decodeSearch(t, f.search(t, e.pub3("/search"), all(v), "", "application/json"))
		if !slices.Equal(ids, p.want) || n != len(f.all) {
			t.Errorf("start=%s rows=%s: %v (num-found %d), want %v (%d)", p.start, p.rows, ids, n, p.want, len(f.all))
		}
	}

	cases := []struct {
		name   string
		url    string
		token  string
		params url.Values
		status int
		code   int
		dev    string
	}{
		{"rows over 1000", e.pub3("/search"), "", url.Values{"rows": {"1001"}}, 400, 9012, "between 0 and 1,000"},
		{"rows 1000", e.pub3("/search"), "", url.Values{"rows": {"1000"}}, 200, 0, ""},
		{"negative rows", e.pub3("/search"), "", url.Values{"rows": {"-1"}}, 400, 9012, "between 0 and 1,000"},
		{"rows not a number (public)", e.pub3("/search"), "", url.Values{"rows": {"ten"}}, 400, 9012, "between 0 and 1,000"},
		{"rows not a number (member)", e.member3("/search"), tok, url.Values{"rows": {"ten"}}, 400, 9012, "between 0 and {0}"},
		{"anonymous start over 10000", e.pub3("/search"), "", url.Values{"start": {"10001"}}, 400, 9043, "between 0 and 10,000"},
		{"anonymous start 10000", e.pub3("/search"), "", url.Values{"start": {"10000"}}, 200, 0, ""},
		{"anonymous negative start", e.pub3("/search"), "", url.Values{"start": {"-1"}}, 400, 9043, ""},
		{"anonymous start not a number", e.pub3("/search"), "", url.Values{"start": {"x"}}, 400, 9012, "without credentials"},
		{"start over 10000 with a token", e.pub3("/search"), tok, url.Values{"start": {"20000"}}, 200, 0, ""},
		{"member start over 10000", e.member3("/search"), tok, url.Values{"start": {"20000"}}, 200, 0, ""},
		{"negative start with a token reaches Solr", e.pub3("/search"), tok, url.Values{"start": {"-1"}}, 500, 9008, "cannot be negative"},
		{"rows checked before start", e.pub3("/search"), "", url.Values{"rows": {"5000"}, "start": {"-1"}}, 400, 9012, ""},
		{"expanded search limits", e.pub3("/expanded-search"), "", url.Values{"rows": {"1001"}}, 400, 9012, ""},
		{"csv search limits", e.pub3("/csv-search"), "", url.Values{"start": {"10001"}}, 400, 9043, ""},
		{"syntax error", e.pub3("/search"), "", url.Values{"q": {"family-name:(Lovelace"}}, 500, 9008, "Cannot parse"},
		{"undefined field", e.pub3("/search"), "", url.Values{"q": {"title:engine"}}, 500, 9008, "undefined field title"},
		{"unescaped slash", e.pub3("/search"), "", url.Values{"q": {"doi-self:10.1087/20120404"}}, 500, 9008, ""},
		{"query too long", e.pub3("/search"), "", url.Values{"q": {strings.Repeat("a ", maxQueryLength)}}, 414, 9001, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := all(c.params)
			accept := "application/json"
			if strings.HasSuffix(c.url, "/csv-search") {
				// Errors of the CSV resource come in ORCID's default XML.
				accept = "text/csv"
			}
			r := f.search(t, c.url, p, c.token, accept)
			if r.status != c.status {
				t.Fatalf("status %d, want %d\n%s", r.status, c.status, r.body)
			}
			if c.code == 0 {
				return
			}
			eb := r.errorBody(t)
			if eb.ErrorCode != c.code || !strings.Contains(eb.DeveloperMessage, c.dev) {
				t.Errorf("error %d %q, want %d containing %q", eb.ErrorCode, eb.DeveloperMessage, c.code, c.dev)
			}
		})
	}
}

// TestExpandedSearch: the names, emails (public only) and institutions of
// each hit, in both formats (XML validated against
// expanded-search-3.0.xsd), and fl restricting them.
func TestExpandedSearch(t *testing.T) {
	f := newSearchFixture(t)
	e := f.e
	r := f.search(t, e.pub3("/expanded-search/"), url.Values{"q": {"family-name:Lovelace"}}, "", "application/json")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	want := `{"expanded-result":[{"orcid-id":"` + f.ada + `","given-names":"Ada","family-names":"Lovelace","credit-name":"A. Lovelace",` +
		`"other-name":["Augusta"],"email":[],"institution-name":["Boston University","Brown University"]}],"num-found":1}`
	if string(r.body) != want {
		t.Errorf("expanded search JSON:\n got %s\nwant %s", r.body, want)
	}
	r = f.search(t, e.pub3("/expanded-search"), url.Values{"q": {"given-names:Josiah"}}, "", "application/xml")
	if r.status != 200 || strings.Count(string(r.body), "<expanded-result") != 2 || !strings.Contains(string(r.body), `num-found="2"`) {
		t.Errorf("expanded search XML: %d\n%s", r.status, r.body)
	}
	// fl keeps only the allowed fields asked for; orcid left out means no
	// orcid-id, as Solr then returns none.
	r = f.search(t, e.pub3("/expanded-search"), url.Values{"q": {"family-name:Lovelace"}, "fl": {"given-names,keyword"}}, "", "application/json")
	want = `{"expanded-result":[{"orcid-id":null,"given-names":"Ada","family-names":null,"credit-name":null,` +
		`"other-name":[],"email":[],"institution-name":[]}],"num-found":1}`
	if string(r.body) != want {
		t.Errorf("expanded search with fl:\n got %s\nwant %s", r.body, want)
	}
	r = f.search(t, e.pub3("/expanded-search"), url.Values{"q": {"family-name:Nobody"}}, "", "application/json")
	if string(r.body) != `{"expanded-result":null,"num-found":0}` {
		t.Errorf("no hits: %s", r.body)
	}
}

// TestCSVSearch: Solr's CSV of the fl fields, the header line, multi-valued
// fields joined and quoted, and text/csv as the only acceptable type.
func TestCSVSearch(t *testing.T) {
	f := newSearchFixture(t)
	e := f.e
	cases := []struct {
		name   string
		params url.Values
		accept string
		status int
		want   string
	}{
		{"fields asked for", url.Values{"q": {"family-name:Lovelace"}, "fl": {"orcid,given-names,family-name,current-institution-affiliation-name"}}, "text/csv", 200,
			"orcid,given-names,family-name,current-institution-affiliation-name\n" + f.ada + ",Ada,Lovelace,Boston University\n"},
		{"disallowed fields dropped, no header", url.Values{"q": {"family-name:Lovelace"}, "fl": {"orcid,keyword,other-names"}, "csv.header": {"false"}}, "", 200,
			f.ada + ",Augusta\n"},
		{"multi-valued field", url.Values{"q": {"orcid:" + f.ada}, "fl": {"orcid,other-names,past-institution-affiliation-name,current-institution-affiliation-name"}, "csv.header": {"false"}}, "*/*", 200,
			f.ada + ",Augusta,Brown University,Boston University\n"},
		{"all allowed fields by default", url.Values{"q": {"family-name:Núñez"}}, "text/*", 200,
			"orcid,email,given-names,family-name,given-and-family-names,current-institution-affiliation-name,past-institution-affiliation-name,credit-name,other-names\n" +
				f.jose + ",,José,Núñez,José Núñez,,,,\n"},
		{"JSON is not produced", url.Values{"q": {"family-name:Lovelace"}}, "application/json", 406, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := f.search(t, e.pub3("/csv-search"), c.params, "", c.accept)
			if r.status != c.status {
				t.Fatalf("status %d, want %d\n%s", r.status, c.status, r.body)
			}
			if c.status == 200 && (string(r.body) != c.want || r.header.Get("Content-Type") != "text/csv") {
				t.Errorf("got %q (%s), want %q", r.body, r.header.Get("Content-Type"), c.want)
			}
		})
	}
	// Two values in one cell are one quoted field.
	tok := e.token(e.member, f.ada, ScopePersonUpdate)
	e.post(tok, f.ada, "other-names", "application/json", []byte(`{"content":"Countess"}`))
	r := f.search(t, e.member3("/csv-search"), url.Values{"q": {"orcid:" + f.ada}, "fl": {"other-names"}, "csv.header": {"false"}}, e.token(e.member, "", ScopeReadPublic), "text/csv")
	if string(r.body) != "\"Augusta,Countess\"\n" {
		t.Errorf("multi-valued cell: %q", r.body)
	}
}
