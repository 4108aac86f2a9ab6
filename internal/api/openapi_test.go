package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/orcidlink/orcidlink/internal/api"
	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/webhooks/webhookstest"
)

const docURL = "https://orcidlink.test/openapi.json"

// operation is one documented operation, as the walk checks it.
type operation struct {
	id, method, path string
	re               *regexp.Regexp
	responses        map[string]any // status → response object
	succeeded        bool           // answered 2xx at least once
}

// specWalker checks every answer against the document: the operation it
// belongs to must be documented, its status listed, and its body valid
// against the schema documented for that status.
type specWalker struct {
	t        *testing.T
	compiler *jsonschema.Compiler
	doc      map[string]any
	mu       sync.Mutex
	ops      []*operation
	schemas  map[string]*jsonschema.Schema
}

func newSpecWalker(t *testing.T, raw []byte) *specWalker {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	w := &specWalker{t: t, compiler: jsonschema.NewCompiler(), schemas: map[string]*jsonschema.Schema{}}
	w.compiler.DefaultDraft(jsonschema.Draft2020)
	if err := w.compiler.AddResource(docURL, inst); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &w.doc); err != nil {
		t.Fatal(err)
	}
	if w.doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi %v, want 3.1.0", w.doc["openapi"])
	}
	param := regexp.MustCompile(`\\\{[a-z_]+\\\}`)
	for path, item := range w.doc["paths"].(map[string]any) {
		for method, o := range item.(map[string]any) {
			op := o.(map[string]any)
			w.ops = append(w.ops, &operation{id: op["operationId"].(string), method: strings.ToUpper(method), path: path,
				re:        regexp.MustCompile("^" + param.ReplaceAllString(regexp.QuoteMeta(path), `[^/]+`) + "$"),
				responses: op["responses"].(map[string]any)})
		}
	}
	return w
}

// schema compiles a schema of the document by its JSON pointer.
func (w *specWalker) schema(ptr string) *jsonschema.Schema {
	w.t.Helper()
	if s, ok := w.schemas[ptr]; ok {
		return s
	}
	s, err := w.compiler.Compile(docURL + "#" + ptr)
	if err != nil {
		w.t.Fatalf("compile %s: %v", ptr, err)
	}
	w.schemas[ptr] = s
	return s
}

// find is the documented operation of a request; the most specific path
// wins (a literal segment over a wildcard), as in the router.
func (w *specWalker) find(method, path string) *operation {
	var best *operation
	for _, op := range w.ops {
		if op.method == method && op.re.MatchString(path) {
			if best == nil || strings.Count(op.path, "{") < strings.Count(best.path, "{") {
				best = op
			}
		}
	}
	return best
}

func (w *specWalker) check(method, path string, a answer) {
	w.t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	op := w.find(method, path)
	if op == nil {
		w.t.Errorf("%s %s is not documented (answered %d)", method, path, a.status)
		return
	}
	resp, ok := op.responses[strconv.Itoa(a.status)].(map[string]any)
	if !ok {
		w.t.Errorf("%s %s (%s) answered %d, which is not documented\n%s", method, path, op.id, a.status, a.body)
		return
	}
	if ref, ok := resp["$ref"].(string); ok {
		resp = w.resolve(ref)
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(a.body) != 0 {
			w.t.Errorf("%s %s (%s) %d: documented without a body, got %s", method, path, op.id, a.status, a.body)
		}
	} else {
		ct, _, _ := mime.ParseMediaType(a.header.Get("Content-Type"))
		media, ok := content[ct].(map[string]any)
		if !ok {
			w.t.Errorf("%s %s (%s) %d: content type %q is not documented", method, path, op.id, a.status, ct)
			return
		}
		ref := media["schema"].(map[string]any)["$ref"].(string)
		// A file (CSV, say) is a string instance; JSON is parsed.
		var inst any = string(a.body)
		if ct == "application/json" || strings.HasSuffix(ct, "+json") {
			var err error
			if inst, err = jsonschema.UnmarshalJSON(bytes.NewReader(a.body)); err != nil {
				w.t.Errorf("%s %s (%s): body is not JSON: %v", method, path, op.id, err)
				return
			}
		}
		if err := w.schema(strings.TrimPrefix(ref, "#")).Validate(inst); err != nil {
			w.t.Errorf("%s %s (%s) %d: body does not match %s: %v\n%s", method, path, op.id, a.status, ref, err, a.body)
		}
	}
	if a.status < 300 {
		op.succeeded = true
	}
}

func (w *specWalker) resolve(ref string) map[string]any {
	var cur any = w.doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		cur = cur.(map[string]any)[part]
	}
	return cur.(map[string]any)
}

// sampleItems is a valid item of every kind, as ORCID JSON.
func sampleItems() map[orcid.ItemKind]any {
	org := &orcid.Organization{Name: "Example University", Address: &orcid.OrganizationAddress{City: "Wellington", Country: "NZ"},
		DisambiguatedOrganization: &orcid.DisambiguatedOrganization{Identifier: "https://ror.org/04bj28v14", Source: "ROR"}}
	self := orcid.RelationshipSelf
	// ORCID's XSD requires a proposal (title, hosts, identifiers) and at
	// least one resource item.
	researchResource := &orcid.ResearchResource{
		Proposal: &orcid.Proposal{Title: orcid.NewTitle("A facility"), Hosts: &orcid.Hosts{Organization: []orcid.Organization{*org}},
			ExternalIDs: orcid.NewExternalIDs(orcid.ExternalID{Type: "proposal-id", Value: "p1", Relationship: self})},
		ResourceItems: []orcid.ResourceItem{{ResourceName: "A microscope", ResourceType: "equipment",
			Hosts:       &orcid.Hosts{Organization: []orcid.Organization{*org}},
			ExternalIDs: orcid.NewExternalIDs(orcid.ExternalID{Type: "rrid", Value: "RRID:SCR_000001", Relationship: self})}}}
	out := map[orcid.ItemKind]any{
		orcid.KindWork:    jobstest.Work("walk", "A work"),
		orcid.KindFunding: &orcid.Funding{Type: "grant", Title: orcid.NewTitle("A grant"), Organization: org},
		orcid.KindPeerReview: &orcid.PeerReview{ReviewerRole: "reviewer", ReviewType: "review", ReviewGroupID: "issn:1234-5679",
			ReviewIdentifiers:    orcid.NewExternalIDs(orcid.ExternalID{Type: "source-work-id", Value: "r1", Relationship: self}),
			ReviewCompletionDate: orcid.NewFuzzyDate(2026, 1, 2), ConveningOrganization: org},
		orcid.KindResearchResource: researchResource,
		orcid.KindKeyword:          &orcid.Keyword{Content: "bibliometrics"},
		orcid.KindOtherName:        &orcid.OtherName{Content: "J. Carberry"},
		orcid.KindResearcherURL:    &orcid.ResearcherURL{URLName: "Home", URL: orcid.NewText("https://example.org/~josiah")},
		orcid.KindAddress:          &orcid.Address{Country: &orcid.Country{Value: "NZ"}},
		orcid.KindExternalIdentifier: &orcid.PersonExternalIdentifier{ExternalID: orcid.ExternalID{Type: "Scopus Author ID",
			Value: "123456", URL: orcid.NewText("https://www.scopus.com/authid/detail.uri?authorId=123456"), Relationship: self}},
	}
	for _, k := range orcid.Kinds() {
		if k.IsAffiliation() {
			a := orcid.NewAffiliation(k)
			a.Organization = org
			out[k] = a
		}
	}
	return out
}

// sections are the collection segments under /people/{id}/, from the
// document: every path ending in a kind's collection.
func sectionFor(k orcid.ItemKind) string {
	if k == orcid.KindAddress {
		return "addresses"
	}
	info, _ := k.Info()
	return info.SectionPath
}

// TestOpenAPI walks the document both ways: every route is in it, and every
// documented operation is exercised, answering with a documented status
// and a body valid against the documented schema.
func TestOpenAPI(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{rate: 1000, burst: 1000})
	anon := e.client(t, "")
	doc := anon.do("GET", "/openapi.json", nil)
	if doc.status != 200 || !strings.HasPrefix(doc.header.Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %d %s", doc.status, doc.header.Get("Content-Type"))
	}
	w := newSpecWalker(t, doc.body)

	// Every route is documented, and nothing else is.
	routes := e.api.Routes()
	for _, rt := range routes {
		if op := w.find(rt.Method, api.Prefix+rt.Path); op == nil || op.path != api.Prefix+rt.Path || op.id != rt.Op.ID {
			t.Errorf("route %s %s (%s) is not documented as such", rt.Method, rt.Path, rt.Op.ID)
		}
	}
	if len(w.ops) != len(routes) {
		t.Errorf("the document has %d operations, the router %d routes", len(w.ops), len(routes))
	}

	anon.check = w.check
	anon.do("GET", "/openapi.json", nil)
	c := e.client(t, e.keyA)
	c.check = w.check

	// People.
	p1 := c.want(201, "POST", "/people", map[string]any{"given_names": "Ada", "family_names": "Lovelace", "email": "ada@example.org"})
	id1 := strconv.FormatInt(int64(p1["id"].(float64)), 10)
	p2 := c.want(201, "POST", "/people", map[string]any{"family_names": "Carberry", "email": "josiah@example.org", "external_ref": "a-2"})
	id2 := strconv.FormatInt(int64(p2["id"].(float64)), 10)
	c.want(409, "POST", "/people", map[string]any{"family_names": "Again", "email": "ADA@example.org"})
	c.want(422, "POST", "/people", map[string]any{"email": "not an email"})
	c.want(400, "POST", "/people", "{")
	page := c.want(200, "GET", "/people?limit=1", nil)
	if len(page["items"].([]any)) != 1 || page["next_cursor"] == "" {
		t.Fatalf("first page %v", page)
	}
	page = c.want(200, "GET", "/people?limit=1&cursor="+page["next_cursor"].(string), nil)
	if len(page["items"].([]any)) != 1 || page["next_cursor"] != "" {
		t.Fatalf("second page %v", page)
	}
	for q, n := range map[string]int{"email=ada@example.org": 1, "external_ref=a-2": 1, "q=lovelace": 1, "status=none": 2,
		"status=connected": 0, "email=nobody@example.org": 0} {
		if got := c.want(200, "GET", "/people?"+q, nil); len(got["items"].([]any)) != n {
			t.Errorf("people?%s: %d, want %d", q, len(got["items"].([]any)), n)
		}
	}
	c.want(422, "GET", "/people?status=happy", nil)
	c.want(200, "GET", "/people/"+id1, nil)
	c.want(404, "GET", "/people/999999", nil)
	if got := c.want(200, "PATCH", "/people/"+id1, map[string]any{"language": "fr"}); got["language"] != "fr" || got["email"] != "ada@example.org" {
		t.Fatalf("patched %v", got)
	}

	// Invitations.
	c.want(201, "POST", "/people/"+id1+"/invitations", nil)
	inv := c.want(201, "POST", "/people/"+id2+"/invitations", map[string]any{"send_email": false})
	c.want(201, "POST", "/people/"+id1+"/invitations/resend", nil)
	if got := c.want(200, "GET", "/people/"+id1+"/invitations", nil); len(got["items"].([]any)) != 2 {
		t.Fatalf("invitations %v", got)
	}

	// Items of every kind, for a person not yet connected: they wait.
	for kind, body := range sampleItems() {
		base := "/people/" + id1 + "/" + sectionFor(kind)
		it := c.want(201, "POST", base, map[string]any{"key": "k1", "item": body})
		if it["state"] != "pending" || it["kind"] != string(kind) {
			t.Errorf("%s: %v", kind, it)
		}
		c.want(201, "POST", base, map[string]any{"item": body}) // a key is made up
		c.want(409, "POST", base, map[string]any{"key": "k1", "item": body})
		c.want(200, "PUT", base+"/k1", map[string]any{"item": body})
		c.want(201, "PUT", base+"/k2", map[string]any{"item": body})
		if got := c.want(200, "GET", base+"?limit=2", nil); len(got["items"].([]any)) != 2 {
			t.Errorf("%s list: %v", kind, got)
		}
		c.want(200, "GET", base+"/k1", nil)
		c.want(200, "DELETE", base+"/k2", nil)
		c.want(404, "GET", base+"/nope", nil)
	}

	// The tenant's organisation and review model.
	if got := c.want(200, "GET", "/tenant", nil); got["review_mode"] != "double-anonymous" || got["organization"] != nil {
		t.Fatalf("new tenant %v", got)
	}
	bad := c.want(422, "PATCH", "/tenant", map[string]any{"organization": map[string]any{"name": "Example Press",
		"city": "London", "country": "UK", "ror": "https://ror.org/05gq02988"}, "review_mode": "secret"})
	if got := pointers(bad); !slices.Equal(got, []string{"/organization/country", "/organization/ror", "/review_mode"}) {
		t.Fatalf("tenant problems %v", got)
	}
	if got := c.want(200, "PATCH", "/tenant", map[string]any{"organization": map[string]any{"name": "Example Press",
		"city": "Providence", "country": "US", "ror": "05gq02987"}, "review_mode": "open"}); got["review_mode"] != "open" ||
		got["organization"].(map[string]any)["ror"] != "https://ror.org/05gq02987" {
		t.Fatalf("patched tenant %v", got)
	}
	// What researchers are asked for, mapped to the fewest scopes, and the
	// reminder schedule; widening with upgrade_invitations says how many
	// were emailed.
	if got := c.want(200, "GET", "/tenant", nil); fmt.Sprint(got["asks"]) != "[works affiliations person read-limited]" ||
		fmt.Sprint(got["reminder_days"]) != "[7 21]" {
		t.Fatalf("tenant defaults %v", got)
	}
	bad = c.want(422, "PATCH", "/tenant", map[string]any{"asks": []string{"works", "everything"}, "reminder_days": []int{0}})
	if got := pointers(bad); !slices.Equal(got, []string{"/asks/1", "/reminder_days/0"}) {
		t.Fatalf("asks problems %v", got)
	}
	narrow := c.want(200, "PATCH", "/tenant", map[string]any{"asks": []string{"affiliations", "works"}, "reminder_days": []int{}})
	if fmt.Sprint(narrow["scopes"]) != "[openid /activities/update]" || fmt.Sprint(narrow["asks"]) != "[works affiliations]" ||
		fmt.Sprint(narrow["reminder_days"]) != "[]" || narrow["upgrade_invitations_sent"] != nil {
		t.Fatalf("narrowed tenant %v", narrow)
	}
	wide := c.want(200, "PATCH", "/tenant", map[string]any{"asks": []string{"works", "person"}, "upgrade_invitations": true})
	if fmt.Sprint(wide["scopes"]) != "[openid /activities/update /person/update]" || wide["upgrade_invitations_sent"] == nil {
		t.Fatalf("widened tenant %v", wide)
	}
	// Connect links (connect_links_test.go has the rules): allowed once
	// the tenant names the origin; a result verified once.
	back := map[string]any{"return_url": "https://host.example.org/back?step=2"}
	c.want(422, "POST", "/people/"+id1+"/connect-links", back)
	if got := c.want(200, "PATCH", "/tenant", map[string]any{"return_origins": []string{"https://host.example.org/"}}); fmt.Sprint(got["return_origins"]) != "[https://host.example.org]" {
		t.Fatalf("return origins %v", got)
	}
	cl := c.want(201, "POST", "/people/"+id1+"/connect-links", back)
	c.want(201, "POST", "/connect-links", map[string]any{"email": "newcomer@example.org", "family_names": "Newcomer",
		"return_url": "https://host.example.org/back"})
	if to, ok, err := e.svc.HostReturnURL(e.ctx, e.a.ID, int64(cl["invitation_id"].(float64)), connect.Outcome{Status: connect.ResultDenied}); err != nil || !ok {
		t.Fatalf("HostReturnURL: %v %v", ok, err)
	} else {
		u, _ := url.Parse(to)
		res := map[string]any{"result": u.Query().Get(connect.ResultParam), "audience": "https://host.example.org"}
		c.want(200, "POST", "/connect-results/verify", res)
		c.want(422, "POST", "/connect-results/verify", res)
	}
	anon.want(200, "GET", "/connect-keys", nil)
	// Existing connections (connect.ImportConnections has the full story):
	// a token ORCID does not know is refused and nothing is stored.
	imp := c.want(200, "POST", "/connections/import", map[string]any{"connections": []any{map[string]any{
		"email": "ada@example.org", "orcid": "0000-0002-1825-0097", "access_token": "not-a-token-of-ours",
		"scope": "/activities/update", "expires_in": 3600}}})
	if r := imp["results"].([]any)[0].(map[string]any); r["status"] != "refused" || r["row"] != float64(1) {
		t.Fatalf("import of an unknown token: %v", imp)
	}
	c.want(422, "POST", "/connections/import", map[string]any{"connections": []any{}})
	// An iD on file is never authenticated.
	if h := c.want(200, "PUT", "/people/"+id1+"/orcid-hint", map[string]any{"orcid": "https://orcid.org/0000-0002-1825-0097",
		"source": "old CRIS"}); h["authenticated"] != false || h["orcid"] != "0000-0002-1825-0097" {
		t.Fatalf("hint %v", h)
	}
	c.want(422, "PUT", "/people/"+id1+"/orcid-hint", map[string]any{"orcid": "0000-0002-1825-0098"})
	c.want(200, "GET", "/people/"+id1+"/orcid-hint", nil)
	c.want(204, "DELETE", "/people/"+id1+"/orcid-hint", nil)
	c.want(404, "GET", "/people/"+id1+"/orcid-hint", nil)
	c.want(404, "DELETE", "/people/"+id1+"/orcid-hint", nil)
	// An affiliation that names no organisation gets the tenant's.
	dist := c.want(201, "POST", "/people/"+id1+"/"+sectionFor(orcid.KindDistinction), map[string]any{"key": "fellow",
		"item": map[string]any{"role-title": "Fellow"}})
	item, _ := dist["content"].(map[string]any)
	org, _ := item["organization"].(map[string]any)
	dis, _ := org["disambiguated-organization"].(map[string]any)
	if org["name"] != "Example Press" || dis["disambiguated-organization-identifier"] != "https://ror.org/05gq02987" {
		t.Fatalf("distinction without organisation %v", dist)
	}

	// The editorial board: a service affiliation for each member, ended
	// when they leave.
	if got := pointers(c.want(422, "POST", "/editors", map[string]any{"person_id": p1["id"], "start_on": "15/01/2026"})); !slices.Equal(got,
		[]string{"/journal", "/role", "/start_on"}) {
		t.Fatalf("editor problems %v", got)
	}
	ed := c.want(201, "POST", "/editors", map[string]any{"person_id": p1["id"], "role": "Associate Editor", "journal": "Journal of Tests",
		"start_on": "2026-01-15"})
	if ed["service"] == nil || ed["end_on"] != nil {
		t.Fatalf("editor %v", ed)
	}
	eid := strconv.FormatInt(int64(ed["id"].(float64)), 10)
	c.want(200, "GET", "/editors", nil)
	c.want(200, "GET", "/editors/"+eid, nil)
	if got := c.want(200, "PATCH", "/editors/"+eid, map[string]any{"end_on": "2026-11-30"}); got["end_on"] != "2026-11-30" {
		t.Fatalf("ended editor %v", got)
	}
	c.want(422, "PATCH", "/editors/"+eid, map[string]any{"end_on": "2025-01-01"})
	c.want(404, "GET", "/editors/999999", nil)

	// Articles: a DOI in any form is stored bare; a bad one is refused
	// with a pointer and nothing is stored.
	bad = c.want(422, "POST", "/articles", map[string]any{"key": "bad", "title": "Bad", "doi": "10.55/x", "issn": "1234-5678",
		"publication_date": map[string]any{"year": 1843}, "language": "english", "translated_title": "Mauvais"})
	if got := pointers(bad); !slices.Equal(got, []string{"/doi", "/issn", "/language", "/publication_date", "/translated_title_language"}) {
		t.Fatalf("article problems %v", got)
	}
	c.want(404, "GET", "/articles/bad", nil)
	art := map[string]any{"key": "a1", "title": "On the Engine", "journal_title": "Journal of Tests", "issn": "1234-5679",
		"doi": "https://doi.org/10.5555/a1", "review_mode": "anonymous", "subtitle": "A Study", "abstract": "What it computes.",
		"language": "en", "translated_title": "Sur la machine", "translated_title_language": "fr", "other_issns": []string{"2049-3630"}, "publication_date": map[string]any{"year": 2026, "month": 11},
		"contributors": []any{map[string]any{"person_id": p1["id"]}, map[string]any{"person_id": p2["id"]}}}
	if got := c.want(201, "POST", "/articles", art); got["doi"] != "10.5555/a1" || got["review_mode"] != "anonymous" ||
		got["subtitle"] != "A Study" || got["other_issns"].([]any)[0] != "2049-3630" {
		t.Fatalf("created article %v", got)
	}
	c.want(409, "POST", "/articles", art)
	delete(art, "key")
	art["title"] = "On the Analytical Engine"
	c.want(200, "PUT", "/articles/a1", art)
	c.want(201, "PUT", "/articles/a2", map[string]any{"title": "Second"})
	c.want(200, "GET", "/articles", nil)
	if got := c.want(200, "POST", "/articles/a1/publish", nil); got["state"] != "published" || got["contributors"].([]any)[0].(map[string]any)["work"] == nil {
		t.Fatalf("published %v", got)
	}
	c.want(201, "POST", "/articles/a1/reviews", map[string]any{"person_id": p2["id"], "completed_on": "2026-11-20"})
	if got := c.want(200, "GET", "/articles/a1", nil); len(got["reviews"].([]any)) != 1 {
		t.Fatalf("article with review %v", got)
	}
	c.want(200, "POST", "/articles/a1/unpublish", nil)
	c.want(404, "GET", "/articles/none", nil)
	for _, f := range []string{"jats", "crossref"} {
		if a := c.do("GET", "/articles/a1/contributors."+f+".xml", nil); a.status != 200 {
			t.Fatalf("contributors.%s.xml: %d %s", f, a.status, a.body)
		}
		c.want(404, "GET", "/articles/none/contributors."+f+".xml", nil)
	}

	// Webhooks: an endpoint at a receiver, which hears the connection below.
	rcv := webhookstest.New(t)
	c.want(422, "POST", "/webhooks", map[string]any{"url": "ftp://x", "event_types": []string{"person.happy"}})
	hook := c.want(201, "POST", "/webhooks", map[string]any{"url": hookURL(rcv), "event_types": []string{"person.connected"}})
	rcv.SetSecret(hook["secret"].(string))
	hid := strconv.FormatInt(int64(hook["id"].(float64)), 10)
	if got := c.want(200, "GET", "/webhooks", nil); len(got["items"].([]any)) != 1 {
		t.Fatalf("webhooks %v", got)
	}
	c.want(200, "GET", "/webhooks/"+hid, nil)
	if got := c.want(200, "PATCH", "/webhooks/"+hid, map[string]any{"description": "HR",
		"event_types": []string{"person.connected", "person.disconnected"}}); got["description"] != "HR" || got["url"] != hookURL(rcv) {
		t.Fatalf("patched endpoint %v", got)
	}
	c.want(404, "GET", "/webhooks/999999", nil)

	// The ORCID link and the record: connect the second person.
	c.want(404, "GET", "/people/"+id2+"/orcid", nil)
	c.want(409, "POST", "/people/"+id2+"/record", nil)
	e.connect(t, inv["url"].(string))
	c.want(200, "GET", "/people/"+id2+"/orcid", nil)
	c.want(404, "GET", "/people/"+id2+"/record", nil)
	c.want(202, "POST", "/people/"+id2+"/record", nil)
	eventually(t, "record imported", func() bool { return c.do("GET", "/people/"+id2+"/record", nil).status == 200 })
	c.want(200, "GET", "/people/"+id2+"/record", nil)
	calls := c.want(200, "GET", "/calls?person_id="+id2+"&limit=1", nil)
	if len(calls["items"].([]any)) != 1 || calls["next_cursor"] == "" {
		t.Fatalf("calls %v", calls)
	}
	c.want(200, "GET", "/calls?cursor="+calls["next_cursor"].(string), nil)
	if got := c.want(200, "DELETE", "/people/"+id2+"/orcid", nil); got["state"] != "removed" || got["revoked_at_orcid"] != true {
		t.Fatalf("disconnected %v", got)
	}
	c.want(409, "DELETE", "/people/"+id2+"/orcid", nil)

	// The connection and the disconnection reached the receiver; their
	// deliveries are listed, and one is sent again.
	eventually(t, "two deliveries", func() bool {
		return len(events(rcv, "person.connected")) == 1 && len(events(rcv, "person.disconnected")) == 1
	})
	ds := c.want(200, "GET", "/webhooks/"+hid+"/deliveries?limit=1", nil)
	if items := ds["items"].([]any); len(items) != 1 || items[0].(map[string]any)["event_type"] != "person.disconnected" || ds["next_cursor"] == "" {
		t.Fatalf("deliveries %v", ds)
	}
	ds = c.want(200, "GET", "/webhooks/"+hid+"/deliveries?state=delivered&cursor="+ds["next_cursor"].(string), nil)
	first := ds["items"].([]any)[0].(map[string]any)
	if first["event_type"] != "person.connected" || first["state"] != "delivered" {
		t.Fatalf("deliveries %v", ds)
	}
	did := strconv.FormatInt(int64(first["id"].(float64)), 10)
	c.want(202, "POST", "/webhooks/"+hid+"/deliveries/"+did+"/redeliver", nil)
	eventually(t, "redelivered", func() bool { return len(events(rcv, "person.connected")) == 2 })
	if again := events(rcv, "person.connected"); again[0].ID != again[1].ID {
		t.Fatalf("a redelivery has another event id: %s, %s", again[0].ID, again[1].ID)
	}
	c.want(404, "POST", "/webhooks/"+hid+"/deliveries/999999/redeliver", nil)
	if evs := c.want(200, "GET", "/events?type=person.connected&person_id="+id2, nil); len(evs["items"].([]any)) != 1 {
		t.Fatalf("events %v", evs)
	}
	c.want(422, "GET", "/events?type=person.happy", nil)
	rotated := c.want(200, "POST", "/webhooks/"+hid+"/secret", nil)
	if rotated["secret"] == hook["secret"] || !strings.HasPrefix(rotated["secret"].(string), "whsec_") {
		t.Fatalf("rotated %v", rotated)
	}
	c.want(204, "DELETE", "/webhooks/"+hid, nil)
	c.want(404, "GET", "/webhooks/"+hid, nil)
	c.want(204, "DELETE", "/people/"+id2, nil)
	c.want(404, "GET", "/people/"+id2, nil)

	// Batch files: templates, an upload with a problem, its report, an
	// import of the valid rows and the result file.
	if a := c.do("GET", "/batch-templates/people", nil); a.status != 200 || !strings.HasPrefix(string(a.body), "email,") ||
		a.header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("people template: %d %s\n%s", a.status, a.header.Get("Content-Type"), a.body)
	}
	if a := c.do("GET", "/batch-templates/works?format=json", nil); a.status != 200 || !strings.HasPrefix(string(a.body), "[") {
		t.Fatalf("works template: %d\n%s", a.status, a.body)
	}
	c.want(404, "GET", "/batch-templates/planets", nil)
	c.want(422, "GET", "/batch-templates/works?format=xml", nil)
	up := c.as("text/csv")
	b := up.want(201, "POST", "/batches?kind=people&filename=staff.csv",
		"email,given-names,family-names,person-ref\ngrace@example.org,Grace,Hopper,g-1\nnot an email,Bad,Row,g-2\n")
	if b["state"] != "invalid" || b["total"] != float64(2) || b["invalid"] != float64(1) || b["filename"] != "staff.csv" {
		t.Fatalf("uploaded %v", b)
	}
	bid := strconv.FormatInt(int64(b["id"].(float64)), 10)
	c.want(200, "GET", "/batches/"+bid, nil)
	if got := c.want(200, "GET", "/batches?limit=10", nil); len(got["items"].([]any)) != 1 {
		t.Fatalf("batches %v", got)
	}
	rep := c.want(200, "GET", "/batches/"+bid+"/problems", nil)
	if rep["total_problems"] != float64(1) || rep["problems"].([]any)[0].(map[string]any)["column"] != "email" {
		t.Fatalf("report %v", rep)
	}
	if a := c.do("GET", "/batches/"+bid+"/problems?format=csv", nil); a.status != 200 || !strings.Contains(string(a.body), "\n2,3,email,") {
		t.Fatalf("report CSV: %d\n%s", a.status, a.body)
	}
	c.want(409, "POST", "/batches/"+bid+"/import", nil)
	c.want(202, "POST", "/batches/"+bid+"/import", map[string]any{"only_valid": true, "invite": false})
	eventually(t, "batch imported", func() bool { return c.want(200, "GET", "/batches/"+bid, nil)["state"] == "done" })
	if got := c.want(200, "GET", "/batches/"+bid, nil); got["progress"] != float64(100) || got["done"] != float64(2) {
		t.Fatalf("imported %v", got)
	}
	if a := c.do("GET", "/batches/"+bid+"/result", nil); a.status != 200 || !strings.Contains(string(a.body), "grace@example.org") {
		t.Fatalf("result: %d\n%s", a.status, a.body)
	}
	c.as("application/x-ndjson").want(201, "POST", "/batches?kind=people", `{"email":"hedy@example.org","family-names":"Lamarr"}`+"\n")
	c.as("application/json").want(201, "POST", "/batches?kind=people", `[{"email":"alan@example.org","family-names":"Turing"}]`)
	c.as("text/plain").want(415, "POST", "/batches?kind=people", "email\n")
	up.want(422, "POST", "/batches?kind=planets", "email\n")
	c.want(404, "GET", "/batches/999999", nil)

	for _, op := range w.ops {
		if !op.succeeded {
			t.Errorf("documented operation %s (%s %s) was never answered with success", op.id, op.method, op.path)
		}
	}
	if t.Failed() {
		ids := []string{}
		for _, op := range w.ops {
			ids = append(ids, op.id)
		}
		slices.Sort(ids)
		t.Logf("operations: %v", ids)
	}
}
