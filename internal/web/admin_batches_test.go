package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/batch"
	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/store"
)

// lazyBatches is the batch service, set once the environment's store
// exists.
type lazyBatches struct{ *batch.Service }

// newBatchEnv is the admin UI with batch files over a running queue.
func newBatchEnv(t *testing.T) *adminEnv {
	t.Helper()
	lb := &lazyBatches{}
	env := newAdminEnv(t, adminEnvOptions{batches: lb})
	ctx := context.Background()
	q, err := jobs.New(ctx, jobs.Config{Store: env.st, PollInterval: 50 * time.Millisecond, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	papers, err := journal.New(journal.Config{Store: env.st, Queue: q, Inviter: env.svc})
	if err != nil {
		t.Fatal(err)
	}
	if lb.Service, err = batch.New(batch.Config{Store: env.st, Queue: q, Inviter: env.svc, Journal: papers}); err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
	return env
}

// upload posts a file as the upload form does: the kind, then the file.
func (c *adminClient) upload(path, kind, name string, body []byte) adminAnswer {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(body)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, c.base+path, &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func batchTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "batch", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantContains(t *testing.T, what string, a adminAnswer, status int, parts ...string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, a.status, status, a.body)
	}
	for _, p := range parts {
		if !strings.Contains(a.body, p) {
			t.Errorf("%s: no %q in\n%s", what, p, a.body)
		}
	}
}

// TestAdminBatches: upload, report, import (all, or only the valid rows),
// progress and result through the admin UI; another tenant's batch is 404.
func TestAdminBatches(t *testing.T) {
	env := newBatchEnv(t)
	cred := env.addCredential(t, "Journals", "APP-0000000000000001", "journals-secret")
	mine := env.addTenant(t, "journal", cred.ID)
	other := env.addTenant(t, "other", cred.ID)
	for _, p := range []store.Person{{GivenNames: "Ana", Email: "ana@example.org", ExternalRef: "A1"},
		{GivenNames: "Ben", Email: "ben@example.org", ExternalRef: "B2"}} {
		p.TenantID = mine.ID
		if _, err := env.st.CreatePerson(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	env.addAdmin(t, "manager@example.org", store.RoleTenantManager, mine.ID)
	c := env.client(t)
	c.signIn("manager@example.org", adminTestPassword)
	base := "/admin/tenants/" + adminItoa(mine.ID)

	wantContains(t, "tenant page", c.get(base), http.StatusOK, `href="`+base+`/batches"`)
	wantContains(t, "batches page", c.get(base+"/batches"), http.StatusOK, `id="upload-form"`, base+"/batch-templates/works.csv")
	tmpl := c.get(base + "/batch-templates/affiliations.csv")
	wantContains(t, "template", tmpl, http.StatusOK, "email,person-ref,given-names,family-names,key,affiliation-section")
	if a := c.get(base + "/batch-templates/nothing.csv"); a.status != http.StatusNotFound {
		t.Errorf("template of an unknown kind: %d", a.status)
	}

	// A file with problems in the header and rows: reported, and not
	// importable at all.
	up := c.upload(base+"/batches", "works", "works.csv", batchTestdata(t, "works_mistakes.csv"))
	if up.status != http.StatusSeeOther || !strings.HasPrefix(up.location, base+"/batches/") {
		t.Fatalf("upload: %d to %q\n%s", up.status, up.location, up.body)
	}
	worksURL := up.location
	page := c.get(worksURL)
	wantContains(t, "report page", page, http.StatusOK, "The file has problems", `id="problems"`, "unknown-work-type", "bad-orcid-id",
		`id="file-problems"`, "orcid-id-not-accepted", worksURL+"/report.csv")
	if strings.Contains(page.body, `id="import-all"`) || strings.Contains(page.body, `id="import-valid"`) {
		t.Errorf("a file with header problems offers an import")
	}
	rep := c.get(worksURL + "/report.csv")
	if rep.status != http.StatusOK || strings.Count(rep.body, "\n") < 27 {
		t.Errorf("report.csv: %d, %d lines\n%s", rep.status, strings.Count(rep.body, "\n"), rep.body)
	}
	if a := c.post(worksURL+"/import", url.Values{"only_valid": {"1"}}); a.status != http.StatusSeeOther {
		t.Errorf("import of a file with a bad header: %d", a.status)
	}
	// The reason is the refusal's own (store.RefusalError), not a piece of
	// the error's text.
	wantContains(t, "after a refused import", c.get(worksURL), http.StatusOK,
		"This file cannot be imported: the file itself has problems (encoding, header); upload it corrected.")

	// A file with row problems: only its valid rows, on request.
	up = c.upload(base+"/batches", "affiliations", "affs.csv", batchTestdata(t, "affiliations_mistakes.csv"))
	affURL := up.location
	wantContains(t, "affiliations report", c.get(affURL), http.StatusOK, `id="import-valid"`, "Import only the 1 valid rows",
		"unknown-affiliation-kind", "end-before-start")
	if a := c.post(affURL+"/import", url.Values{"invite": {"1"}}); a.status != http.StatusSeeOther {
		t.Fatalf("import all of an invalid file: %d", a.status)
	}
	wantContains(t, "after import all of an invalid file", c.get(affURL), http.StatusOK,
		"This file cannot be imported: the file has problems; import only its valid rows, or upload it corrected.", `id="import-valid"`)
	if a := c.post(affURL+"/import", url.Values{"invite": {"1"}, "only_valid": {"1"}}); a.status != http.StatusSeeOther {
		t.Fatalf("import the valid rows: %d", a.status)
	}
	waitBatch(t, c, affURL)
	wantContains(t, "imported batch", c.get(affURL), http.StatusOK, `<progress id="batch-progress" max="100" value="100"`, affURL+"/result.csv")
	res := c.get(affURL + "/result.csv")
	wantContains(t, "result.csv", res, http.StatusOK, "row,email,person-ref,person-state", "carl@example.org,,invited,,a5,pending,,done,invited",
		"skipped")

	// A valid file: "Import all".
	up = c.upload(base+"/batches", "works", "works.csv", batchTestdata(t, "works_corrected.csv"))
	goodURL := up.location
	wantContains(t, "valid file", c.get(goodURL), http.StatusOK, `id="import-all"`)
	c.post(goodURL+"/import", url.Values{"invite": {"1"}})
	waitBatch(t, c, goodURL)
	if n := strings.Count(c.get(goodURL+"/result.csv").body, ",done,"); n != 24 {
		t.Errorf("%d rows done, want 24", n)
	}

	// Articles, by the journal's rules: the valid row of a file with
	// mistakes, on request, saved through the journal workflow.
	wantContains(t, "articles template", c.get(base+"/batch-templates/articles.csv"), http.StatusOK, "key,title,subtitle,")
	up = c.upload(base+"/batches", "articles", "articles.csv", batchTestdata(t, "articles_mistakes.csv"))
	artURL := up.location
	wantContains(t, "articles report", c.get(artURL), http.StatusOK, `id="import-valid"`, "Import only the 1 valid rows",
		"bad-doi", "unknown-person", "contributor 2: no person stranger@example.org")
	c.post(artURL+"/import", url.Values{"only_valid": {"1"}})
	waitBatch(t, c, artURL)
	if a, err := env.st.Article(context.Background(), mine.ID, "a01"); err != nil || a.DOI != "10.5555/a01" || len(a.Contributors) != 2 {
		t.Errorf("article a01 imported from the admin UI: %+v, %v", a, err)
	}

	// Another tenant's path, or no sign-in, shows nothing.
	otherURL := strings.Replace(goodURL, base, "/admin/tenants/"+adminItoa(other.ID), 1)
	for _, p := range []string{otherURL, otherURL + "/result.csv", otherURL + "/status", "/admin/tenants/" + adminItoa(other.ID) + "/batches"} {
		if a := c.get(p); a.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, a.status)
		}
	}
	if a := env.client(t).get(goodURL + "/result.csv"); a.status == http.StatusOK {
		t.Errorf("anonymous result download: %d", a.status)
	}
}

// waitBatch polls the status endpoint, as the progress bar does, until the
// import has ended.
func waitBatch(t *testing.T, c *adminClient, batchURL string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		a := c.get(batchURL + "/status")
		var st struct {
			State   string `json:"state"`
			Percent int    `json:"percent"`
		}
		if err := json.Unmarshal([]byte(a.body), &st); err != nil {
			t.Fatalf("status: %v\n%s", err, a.body)
		}
		if st.State == "done" {
			if st.Percent != 100 {
				t.Errorf("done at %d%%", st.Percent)
			}
			return
		}
		if st.State != "importing" || time.Now().After(deadline) {
			t.Fatalf("batch %s: %+v", batchURL, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
