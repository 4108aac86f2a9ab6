package api_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/api"
	"github.com/orcidlink/orcidlink/internal/store"
)

// TestBatchUpload: an upload streams under its own limit, larger than a
// JSON body's (past it: 413, whether the length is announced or not); a
// replayed upload with the same Idempotency-Key creates no second batch,
// and the same key with another file is refused.
func TestBatchUpload(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{rate: 1000, burst: 1000, maxUpload: 4 << 20})
	c := e.client(t, e.keyA).as("text/csv")

	// 2 MiB: over the JSON limit (1 MiB), under the upload limit.
	var file strings.Builder
	file.WriteString("email,given-names,family-names,person-ref\n")
	rows := 0
	for file.Len() < 2<<20 {
		rows++
		n := strconv.Itoa(rows)
		file.WriteString("p" + n + "@example.org,Given" + n + ",Family" + n + ",ref-" + n + "\n")
	}
	b := c.want(201, "POST", "/batches?kind=people", file.String())
	if b["state"] != "ready" || b["total"] != float64(rows) {
		t.Fatalf("big upload: %v, want %d rows ready", b, rows)
	}

	// Over the upload limit: announced, and streamed without a length.
	huge := strings.Repeat("x", 5<<20)
	wantProblem(t, "announced too large", c.do("POST", "/batches?kind=people", huge), 413, "body-too-large")
	req, err := http.NewRequest("POST", e.base+api.Prefix+"/batches?kind=people",
		io.MultiReader(strings.NewReader("email\n"), strings.NewReader(huge))) // no ContentLength: chunked
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.keyA)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantProblem(t, "streamed too large", answer{status: resp.StatusCode, header: resp.Header, body: body}, 413, "body-too-large")

	// Idempotency: the replay answers the first batch again.
	c.headers["Idempotency-Key"] = "upload-1"
	small := "email,family-names\nada@example.org,Lovelace\n"
	first := c.do("POST", "/batches?kind=people", small)
	again := c.do("POST", "/batches?kind=people", small)
	if first.status != 201 || string(again.body) != string(first.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replayed upload: %d %s / %s", first.status, first.body, again.body)
	}
	wantProblem(t, "same key, another file", c.do("POST", "/batches?kind=people", small+"grace@example.org,Hopper\n"),
		422, "idempotency-key-reused")
	list, err := e.st.ListBatches(e.ctx, e.a.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	// The big file and the idempotent one; the uploads refused midway
	// left nothing behind.
	var checked []int64
	for _, x := range list {
		if x.State == store.BatchValidating {
			t.Fatalf("a refused upload left batch %+v", x)
		}
		checked = append(checked, x.ID)
	}
	if len(checked) != 2 || checked[0] != int64(first.json(t)["id"].(float64)) {
		t.Fatalf("checked batches %v", checked)
	}
}

// TestBatchArticles: the REST API takes articles files like the others:
// its template, an upload checked by the journal's rules, and an import
// that saves each article as PUT /articles/{key} would (the DOI kept
// bare, the contributors in order).
func TestBatchArticles(t *testing.T) {
	e := newEnv(t, "sqlite", envOptions{rate: 1000, burst: 1000})
	c := e.client(t, e.keyA)
	ada, err := e.st.CreatePerson(e.ctx, store.Person{TenantID: e.a.ID, GivenNames: "Ada", FamilyNames: "Lovelace",
		Email: "ada@example.org", ExternalRef: "E-1"})
	if err != nil {
		t.Fatal(err)
	}
	if a := c.do("GET", "/batch-templates/articles?format=json", nil); a.status != 200 || !strings.Contains(string(a.body), `"contributors": [`) {
		t.Fatalf("articles template: %d\n%s", a.status, a.body)
	}
	up := c.as("text/csv")
	bad := up.want(201, "POST", "/batches?kind=articles", "key,title,doi,contributors\nx1,T,10.5555,nobody@example.org\n")
	if bad["state"] != "invalid" || bad["invalid"] != float64(1) {
		t.Fatalf("uploaded %v", bad)
	}
	rep := c.want(200, "GET", "/batches/"+strconv.FormatInt(int64(bad["id"].(float64)), 10)+"/problems", nil)
	if rep["total_problems"] != float64(2) {
		t.Fatalf("report %v", rep)
	}
	b := up.want(201, "POST", "/batches?kind=articles",
		"key,title,doi,contributors\nsub-1,On Engines,https://doi.org/10.5555/ENG-1,Charles Babbage; ref:E-1|http://credit.niso.org/contributor-roles/software/\n")
	if b["state"] != "ready" {
		t.Fatalf("uploaded %v", b)
	}
	bid := strconv.FormatInt(int64(b["id"].(float64)), 10)
	c.want(202, "POST", "/batches/"+bid+"/import", map[string]any{"invite": false})
	eventually(t, "batch imported", func() bool { return c.want(200, "GET", "/batches/"+bid, nil)["state"] == "done" })
	got := c.want(200, "GET", "/articles/sub-1", nil)
	cs := got["contributors"].([]any)
	if got["doi"] != "10.5555/ENG-1" || got["state"] != "draft" || len(cs) != 2 ||
		cs[0].(map[string]any)["name"] != "Charles Babbage" || cs[1].(map[string]any)["person_id"] != float64(ada.ID) {
		t.Fatalf("article %v", got)
	}
}
