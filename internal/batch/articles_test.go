package batch_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/batch"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

const (
	roleSoftware = "http://credit.niso.org/contributor-roles/software/"
	roleDraft    = "http://credit.niso.org/contributor-roles/writing-original-draft/"
	roleMethod   = "http://credit.niso.org/contributor-roles/methodology/"
)

// TestArticleMistakes: an articles file with every kind of mistake is
// reported completely, by row and column, with the journal's rules (bad
// DOI, ISSN check digit, language, translated title without its language,
// a year ORCID refuses, CRediT roles, ...), unknown contributors named by
// entry, and duplicate keys; nothing of it is imported.
func TestArticleMistakes(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		b := f.upload(t, batch.Articles, "articles_mistakes.csv", readTestdata(t, "articles_mistakes.csv"))
		if b.State != store.BatchInvalid || b.Total != 26 || b.Valid != 1 {
			t.Fatalf("batch %+v, want 26 rows, 1 valid", b)
		}
		var rep bytes.Buffer
		if err := f.svc.WriteReportCSV(f.ctx, &rep, f.tid, b.ID); err != nil {
			t.Fatal(err)
		}
		golden(t, "articles_mistakes.report.csv", rep.Bytes())
		r, err := f.svc.Report(f.ctx, f.tid, b.ID, 200)
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range []batch.Code{batch.CodeBadDOI, batch.CodeBadIdentifier, batch.CodeUnknownPerson, batch.CodeBadValue,
			batch.CodeRequired, batch.CodeBadDate, batch.CodeDuplicateKey, batch.CodeBadEmail, batch.CodeMissingTitle,
			batch.CodeBadURL, batch.CodeUnknownWorkType, batch.CodeTooLong} {
			if r.Counts[code] == 0 {
				t.Errorf("no %s problem reported (counts %v)", code, r.Counts)
			}
		}
		if _, err := f.svc.StartImport(f.ctx, f.tid, b.ID, batch.ImportOptions{Invite: true}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("import of a file with problems: %v, want ErrConflict", err)
		}
		if as, err := f.st.ListArticles(f.ctx, f.tid, 100); err != nil || len(as) != 0 {
			t.Fatalf("articles after a refused import: %d, %v", len(as), err)
		}
	})
}

// TestArticleJSON: in JSON, contributors may be an array of objects like
// the REST API's (or of the texts of a CSV cell) and other ISSNs an array;
// each mistake in them is reported on its column, naming the entry. The
// same row reads the same in CSV and in JSON.
func TestArticleJSON(t *testing.T) {
	st, tid := tenantStore(t)
	ana, err := st.CreatePerson(t.Context(), store.Person{TenantID: tid, GivenNames: "Ana", FamilyNames: "Lima",
		Email: "ana@example.org", ExternalRef: "A1"})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct{ body, want string }{
		"objects": {fmt.Sprintf(`{"key":"j1","title":"T","contributors":[{"person_id":%d,"roles":[%q]},{"name":"Grace Hopper"},"ref:A2|%s"]}`,
			ana.ID, roleSoftware, roleDraft), "1:contributors:unknown-person"},
		"valid": {fmt.Sprintf(`{"key":"j2","title":"T","issn":"0317-8471","other-issns":["2049-3630"],"publish":true,"contributors":[{"email":"ANA@example.org"},"Grace Hopper|%s",{"name":"Ada","roles":null}]}`,
			roleDraft), ""},
		"person and name":  {`{"key":"j3","title":"T","contributors":[{"email":"ana@example.org","name":"Ana"}]}`, "1:contributors:bad-value"},
		"two identifiers":  {`{"key":"j4","title":"T","contributors":[{"email":"ana@example.org","person_ref":"A1"}]}`, "1:contributors:bad-value"},
		"unknown field":    {`{"key":"j5","title":"T","contributors":[{"orcid":"0000-0002-1825-0097","name":"Josiah"}]}`, "1:contributors:bad-value"},
		"bad person_id":    {`{"key":"j6","title":"T","contributors":[{"person_id":"seven"},{"person_id":99999}]}`, "1:contributors:bad-value 1:contributors:unknown-person"},
		"roles not a list": {`{"key":"j7","title":"T","contributors":[{"name":"Ada","roles":"software"}]}`, "1:contributors:bad-value"},
		"bad role":         {`{"key":"j8","title":"T","contributors":[{"name":"Ada","roles":["software"]}]}`, "1:contributors:bad-value"},
		"not a list":       {`{"key":"j9","title":"T","contributors":{"name":"Ada"}}`, "1:contributors:not-text"},
		"other issns":      {`{"key":"j10","title":"T","other-issns":["2049-3630","1234-5678"]}`, "1:other-issns:bad-identifier 1:issn:required"},
		"twice":            {fmt.Sprintf(`{"key":"j11","title":"T","contributors":[{"person_id":%d},"ana@example.org"]}`, ana.ID), "1:contributors:bad-value"},
	} {
		_, probs := validate(t, st, tid, batch.Articles, batch.JSON, []byte(c.body))
		if got := codes(probs); got != c.want {
			t.Errorf("%s: problems %q, want %q", name, got, c.want)
			for _, p := range probs {
				t.Logf("  %s: %s", p.Column, p.Message)
			}
		}
	}
	_, probs := validate(t, st, tid, batch.Articles, batch.JSON, []byte(`{"key":"j","title":"T","contributors":[{"name":"Ada","roles":["software"]}]}`))
	if len(probs) != 1 || probs[0].Message != `contributor 1 (Ada): role "software" is not a CRediT role (http://credit.niso.org/contributor-roles/…/)` {
		t.Errorf("a bad role: %+v", probs)
	}
	// The same mistakes, as a CSV cell and as a JSON array.
	csvBody := "key,title,contributors,other-issns\nk,T,\"nobody@example.org; Ada|x\",\"2049-3630; 1234-5678\"\n"
	jsonBody := `[{"key":"k","title":"T","contributors":["nobody@example.org",{"name":"Ada","roles":["x"]}],"other-issns":["2049-3630","1234-5678"]}]`
	_, fromCSV := validate(t, st, tid, batch.Articles, batch.CSV, []byte(csvBody))
	_, fromJSON := validate(t, st, tid, batch.Articles, batch.JSON, []byte(jsonBody))
	strip := func(ps []batch.Problem) []batch.Problem {
		for i := range ps {
			ps[i].Line = 0
		}
		return ps
	}
	if a, b := strip(fromCSV), strip(fromJSON); !slices.Equal(a, b) || len(a) != 4 {
		t.Errorf("CSV problems %+v\nJSON problems %+v", a, b)
	}
}

// TestArticleImport: a good articles file imports end to end: every
// article saved through the journal workflow with its contributors in
// order (people by email, reference and any case, names alone, CRediT
// roles), its DOI kept bare, its ISSNs; the published ones are queued for
// every author and reach the connected author's ORCID record, the draft
// for nobody. Uploading the article again as JSON corrects it, under the
// same key, and publishes it.
func TestArticleImport(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		res, err := f.env.Connect(f.ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		b := f.upload(t, batch.Articles, "articles_good.csv", readTestdata(t, "articles_good.csv"))
		if b.State != store.BatchReady || b.Total != 3 {
			var rep bytes.Buffer
			f.svc.WriteReportCSV(f.ctx, &rep, f.tid, b.ID)
			t.Fatalf("batch %+v\n%s", b, rep.String())
		}
		if _, err := f.svc.StartImport(f.ctx, f.tid, b.ID, batch.ImportOptions{Invite: true}); err != nil {
			t.Fatal(err)
		}
		if done := f.wait(t, b.ID); done.State != store.BatchDone || done.Done != 3 {
			t.Fatalf("import ended %+v", done)
		}
		wantMsg := []string{"saved and published: queued for 2 authors; 1 author invited", "saved as draft; 1 author invited",
			"saved and published: queued for 2 authors"}
		for i, row := range f.result(t, b.ID) {
			if row[8] != "done" || row[5] != fmt.Sprintf("g%d", i+1) || !strings.HasPrefix(row[9], wantMsg[i]) {
				t.Errorf("result row %v, want done, key g%d and %q", row, i+1, wantMsg[i])
			}
		}

		g1, err := f.st.Article(f.ctx, f.tid, "g1")
		if err != nil {
			t.Fatal(err)
		}
		wantContribs := []store.Contributor{{PersonID: f.ana.ID, Roles: []string{roleSoftware}}, {Name: "Grace Hopper"},
			{PersonID: res.Person.ID, Roles: []string{roleDraft, roleMethod}}}
		if g1.State != store.ArticlePublished || g1.DOI != "10.5555/g1" || g1.ISSN != "0317-8471" ||
			!slices.Equal(g1.OtherISSNs, []string{"2049-3630"}) || g1.Type != "journal-article" || g1.TranslatedTitleLanguage != "fr" ||
			g1.PubYear != 2024 || g1.PubMonth != 5 || g1.PubDay != 17 || g1.ReviewMode != store.ReviewOpen ||
			!contribsEqual(g1.Contributors, wantContribs) {
			t.Errorf("g1 %+v", g1)
		}
		g2, err := f.st.Article(f.ctx, f.tid, "g2")
		if err != nil {
			t.Fatal(err)
		}
		if g2.State != store.ArticleDraft || g2.PubYear != 2023 || g2.PubMonth != 0 ||
			!contribsEqual(g2.Contributors, []store.Contributor{{PersonID: f.ben.ID}, {Name: "Ada Lovelace"}}) {
			t.Errorf("g2 %+v", g2)
		}
		g3, err := f.st.Article(f.ctx, f.tid, "g3")
		if err != nil || g3.State != store.ArticlePublished || g3.DOI != "10.5555/g3" ||
			!contribsEqual(g3.Contributors, []store.Contributor{{PersonID: f.ben.ID}, {PersonID: res.Person.ID}}) {
			t.Errorf("g3 %+v, %v", g3, err)
		}

		// The published articles are queued for each author: pending for
		// those not connected, on ORCID for the connected one; the draft
		// for nobody.
		for _, c := range []struct {
			person  int64
			key     string
			pending bool
		}{{f.ana.ID, "g1", true}, {f.ben.ID, "g3", true}, {res.Person.ID, "g1", false}, {res.Person.ID, "g3", false}} {
			it, err := f.st.ItemByKey(f.ctx, f.tid, c.person, orcid.KindWork, journal.WorkKey(c.key))
			if err != nil {
				t.Fatalf("%s for person %d: %v", c.key, c.person, err)
			}
			if (it.State == store.ItemPending) != c.pending {
				t.Errorf("%s for person %d is %s", c.key, c.person, it.State)
			}
		}
		if _, err := f.st.ItemByKey(f.ctx, f.tid, f.ben.ID, orcid.KindWork, journal.WorkKey("g2")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the draft was queued for its author: %v", err)
		}
		f.waitWorks(t, res.Link, []string{"10.5555/g1", "10.5555/g3"}, "Examples at Scale")

		// A correction as NDJSON: the same key updates the draft, with
		// contributors as the REST API writes them, and publishes it.
		body := fmt.Sprintf(`{"key":"g2","title":"A Draft, Corrected","journal-title":"Journal of Examples","issn":"0317-8471","contributors":[{"person_id":%d},{"name":"Ada Lovelace","roles":[%q]},{"person_ref":"A1"}],"publish":true}`+"\n",
			f.ben.ID, roleSoftware)
		j := f.upload(t, batch.Articles, "correction.ndjson", []byte(body))
		if j.State != store.BatchReady {
			t.Fatalf("correction %+v", j)
		}
		if _, err := f.svc.StartImport(f.ctx, f.tid, j.ID, batch.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		f.wait(t, j.ID)
		g2, err = f.st.Article(f.ctx, f.tid, "g2")
		if err != nil || g2.Title != "A Draft, Corrected" || g2.State != store.ArticlePublished ||
			!contribsEqual(g2.Contributors, []store.Contributor{{PersonID: f.ben.ID}, {Name: "Ada Lovelace", Roles: []string{roleSoftware}},
				{PersonID: f.ana.ID}}) {
			t.Errorf("g2 corrected %+v, %v", g2, err)
		}
		if as, err := f.st.ListArticles(f.ctx, f.tid, 100); err != nil || len(as) != 3 {
			t.Errorf("%d articles after the correction (%v), want 3", len(as), err)
		}
		for _, p := range []int64{f.ben.ID, f.ana.ID} {
			if it, err := f.st.ItemByKey(f.ctx, f.tid, p, orcid.KindWork, journal.WorkKey("g2")); err != nil || it.State != store.ItemPending {
				t.Errorf("g2 for person %d: %+v, %v", p, it, err)
			}
		}
	})
}

// waitWorks waits until the researcher's ORCID record holds a work of
// each DOI, once, and the first titled title.
func (f *fixture) waitWorks(t *testing.T, link store.Link, dois []string, title string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		tally, err := jobstest.ReadWorks(f.ctx, mustReader(t, f), link)
		if err != nil {
			t.Fatal(err)
		}
		dup, lost := tally.Check(dois)
		if dup == 0 && lost == 0 && tally.Titles[dois[0]] == title {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("on ORCID after 60s: %d duplicates, %d lost, titles %v", dup, lost, tally.Titles)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func contribsEqual(a, b []store.Contributor) bool {
	return slices.EqualFunc(a, b, func(x, y store.Contributor) bool {
		return x.PersonID == y.PersonID && x.Name == y.Name && slices.Equal(x.Roles, y.Roles)
	})
}
