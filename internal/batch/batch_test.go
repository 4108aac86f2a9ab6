package batch_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orcidlink/orcidlink/internal/batch"
	"github.com/orcidlink/orcidlink/internal/connect"
	"github.com/orcidlink/orcidlink/internal/jobs"
	"github.com/orcidlink/orcidlink/internal/jobs/jobstest"
	"github.com/orcidlink/orcidlink/internal/journal"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

type fixture struct {
	ctx      context.Context
	env      *jobstest.Env
	st       *store.Store
	q        *jobs.Queue
	svc      *batch.Service
	tid      int64
	ana, ben store.Person
}

func newFixture(t testing.TB, driver string) *fixture {
	t.Helper()
	ctx := context.Background()
	env := jobstest.New(t, driver, nil)
	var err error
	f := &fixture{ctx: ctx, env: env, st: env.Store, tid: env.Tenant.ID}
	cfg := jobstest.QueueConfig(env)
	cfg.Workers = 4
	f.q = jobstest.NewQueue(t, cfg)
	inviter, err := connect.New(connect.Config{Store: env.Store, PublicURL: "https://orcidlink.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	papers, err := journal.New(journal.Config{Store: env.Store, Queue: f.q, Inviter: inviter})
	if err != nil {
		t.Fatal(err)
	}
	// Small slices, so that the job snoozes and runs again several times.
	if f.svc, err = batch.New(batch.Config{Store: env.Store, Queue: f.q, Inviter: inviter, Journal: papers, SliceRows: 7}); err != nil {
		t.Fatal(err)
	}
	jobstest.StartQueue(t, f.q)
	f.ana = f.person(t, "Ana", "Lima", "ana@example.org", "A1")
	f.ben = f.person(t, "Ben", "Okafor", "ben@example.org", "B2")
	return f
}

func (f *fixture) person(t testing.TB, given, family, email, ref string) store.Person {
	t.Helper()
	p, err := f.st.CreatePerson(f.ctx, store.Person{TenantID: f.tid, GivenNames: given, FamilyNames: family, Email: email, ExternalRef: ref})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) upload(t *testing.T, kind batch.Kind, name string, body []byte) store.Batch {
	t.Helper()
	b, err := f.svc.Upload(f.ctx, batch.Upload{TenantID: f.tid, Kind: kind, Filename: name, Actor: "admin:1",
		Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n%s", name, got)
	}
}

// wait polls the batch until its import has ended.
func (f *fixture) wait(t *testing.T, id int64) store.Batch {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, err := f.svc.Batch(f.ctx, f.tid, id)
		if err != nil {
			t.Fatal(err)
		}
		if b.State == store.BatchDone || b.State == store.BatchFailed {
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("batch %d still %s after 60s (%d of %d rows)", id, b.State, b.Done, b.Total)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (f *fixture) result(t *testing.T, id int64) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := f.svc.WriteResultCSV(f.ctx, &buf, f.tid, id); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != strings.Join(batch.ResultHeader, ",") {
		t.Fatalf("result header %v", recs[0])
	}
	return recs[1:]
}

func (f *fixture) counts(t *testing.T) (people, items int) {
	t.Helper()
	page, err := f.st.ListPeople(f.ctx, f.tid, store.PeopleQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	its, err := f.st.ListItems(f.ctx, f.tid, store.ItemQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.People), len(its)
}

// TestMistakes: a file with every kind of mistake is reported completely,
// by row and column, and imports nothing; the corrected file imports every
// row.
func TestMistakes(t *testing.T) {
	cases := []struct {
		kind                batch.Kind
		mistakes, corrected string
		codes               []batch.Code
	}{
		{batch.Works, "works_mistakes.csv", "works_corrected.csv", []batch.Code{
			batch.CodeUnknownColumn, batch.CodeORCIDNotAccepted, batch.CodeBadEmail, batch.CodeBadORCID,
			batch.CodeUnknownWorkType, batch.CodeBadDate, batch.CodeMissingTitle, batch.CodeBadCountry, batch.CodeBadURL,
			batch.CodeUnknownExternalIDType, batch.CodeBadDOI, batch.CodeBadIdentifier, batch.CodeMissingSelfID,
			batch.CodeDuplicateRow, batch.CodeDuplicateKey, batch.CodeUnknownPerson, batch.CodePersonConflict,
			batch.CodeTooLong, batch.CodeBadCharacter, batch.CodeFieldCount, batch.CodeEncoding, batch.CodeRequired,
			batch.CodeNoPerson, batch.CodeBadValue, batch.CodeSyntax,
		}},
		{batch.Affiliations, "affiliations_mistakes.csv", "affiliations_corrected.csv", []batch.Code{
			batch.CodeUnknownAffiliation, batch.CodeEndBeforeStart, batch.CodeMissingOrganization, batch.CodeBadValue,
		}},
	}
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		for _, c := range cases {
			t.Run(string(c.kind), func(t *testing.T) {
				people0, items0 := f.counts(t)
				b := f.upload(t, c.kind, c.mistakes, readTestdata(t, c.mistakes))
				if b.State != store.BatchInvalid || b.Valid+b.Invalid != b.Total {
					t.Fatalf("batch %+v", b)
				}
				var rep bytes.Buffer
				if err := f.svc.WriteReportCSV(f.ctx, &rep, f.tid, b.ID); err != nil {
					t.Fatal(err)
				}
				golden(t, strings.TrimSuffix(c.mistakes, ".csv")+".report.csv", rep.Bytes())
				r, err := f.svc.Report(f.ctx, f.tid, b.ID, 5)
				if err != nil {
					t.Fatal(err)
				}
				for _, code := range c.codes {
					if r.Counts[code] == 0 {
						t.Errorf("no %s problem reported (counts %v)", code, r.Counts)
					}
				}
				if len(r.Problems) != min(5, r.Total) {
					t.Errorf("report shows %d of %d problems, want the first 5", len(r.Problems), r.Total)
				}
				// Nothing is imported from a file with problems...
				_, err = f.svc.StartImport(f.ctx, f.tid, b.ID, batch.ImportOptions{Invite: true})
				if !errors.Is(err, store.ErrConflict) {
					t.Fatalf("import of a file with problems: %v, want ErrConflict", err)
				}
				if p, i := f.counts(t); p != people0 || i != items0 {
					t.Fatalf("people %d -> %d, items %d -> %d after a refused import", people0, p, items0, i)
				}
				// ... and the corrected file imports every row.
				good := f.upload(t, c.kind, c.corrected, readTestdata(t, c.corrected))
				if good.State != store.BatchReady || good.Invalid != 0 || good.Total == 0 {
					var rep bytes.Buffer
					f.svc.WriteReportCSV(f.ctx, &rep, f.tid, good.ID)
					t.Fatalf("corrected file: %+v\n%s", good, rep.String())
				}
				if _, err := f.svc.StartImport(f.ctx, f.tid, good.ID, batch.ImportOptions{Invite: true}); err != nil {
					t.Fatal(err)
				}
				done := f.wait(t, good.ID)
				if done.State != store.BatchDone || done.Done != done.Total {
					t.Fatalf("import ended %+v", done)
				}
				_, items := f.counts(t)
				if items-items0 != good.Total {
					t.Errorf("%d items imported from %d rows", items-items0, good.Total)
				}
				for _, row := range f.result(t, good.ID) {
					if row[8] != "done" || row[6] != string(store.ItemPending) || row[5] == "" {
						t.Errorf("result row %v: want done, with a pending item", row)
					}
				}
				if _, err := f.svc.StartImport(f.ctx, f.tid, good.ID, batch.ImportOptions{}); !errors.Is(err, store.ErrConflict) {
					t.Errorf("second import of a batch: %v, want ErrConflict", err)
				}
			})
		}
	})
}

// TestOnlyValidRows: with "import only the valid rows", the valid rows of
// a file with problems are imported and the others skipped, as the result
// file says; a file whose header is wrong is never imported.
func TestOnlyValidRows(t *testing.T) {
	f := newFixture(t, "sqlite")
	b := f.upload(t, batch.Affiliations, "a.csv", readTestdata(t, "affiliations_mistakes.csv"))
	if b.State != store.BatchInvalid {
		t.Fatalf("batch %+v", b)
	}
	if _, err := f.svc.StartImport(f.ctx, f.tid, b.ID, batch.ImportOptions{OnlyValid: true, Invite: true}); err != nil {
		t.Fatal(err)
	}
	done := f.wait(t, b.ID)
	if done.State != store.BatchDone || done.Done != done.Total {
		t.Fatalf("import ended %+v", done)
	}
	outcomes := map[string]int{}
	for _, row := range f.result(t, b.ID) {
		outcomes[row[8]]++
		if row[8] == "skipped" && !strings.HasPrefix(row[9], "not imported") {
			t.Errorf("skipped row %v says nothing of why", row)
		}
	}
	if outcomes["done"] != b.Valid || outcomes["skipped"] != b.Invalid {
		t.Errorf("outcomes %v, want %d done and %d skipped", outcomes, b.Valid, b.Invalid)
	}
	// The valid row that named a new person created them, and invited them.
	carl, err := f.st.PersonByEmail(f.ctx, f.tid, "carl@example.org")
	if err != nil {
		t.Fatal(err)
	}
	invs, err := f.st.ListInvitations(f.ctx, f.tid, carl.ID)
	if err != nil || len(invs) != 1 {
		t.Fatalf("Carl's invitations: %v, %v", invs, err)
	}

	bad := f.upload(t, batch.Works, "w.csv", readTestdata(t, "works_mistakes.csv"))
	if _, err := f.svc.StartImport(f.ctx, f.tid, bad.ID, batch.ImportOptions{OnlyValid: true}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("import of the valid rows of a file with a bad header: %v, want ErrConflict", err)
	}
}

// TestReuploadUpdates: a connected researcher's works reach ORCID; the same
// file uploaded again with a changed title updates each work under its
// put-code instead of adding another, and the result file (computed at
// download) shows the synced state and put-codes. People are invited
// once, not again while the invitation is live.
func TestReuploadUpdates(t *testing.T) {
	f := newFixture(t, "sqlite")
	res, err := f.env.Connect(f.ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	csvFile := func(title string) []byte {
		return []byte("email,key,title,work-type,external-id-type,external-id-value\n" +
			res.Person.Email + ",k1," + title + " one,journal-article,doi,10.5555/k1\n" +
			res.Person.Email + ",k2," + title + " two,journal-article,doi,10.5555/k2\n" +
			"ana@example.org,k1," + title + " three,journal-article,doi,10.5555/k3\n")
	}
	putCodes := map[string]string{}
	for round, title := range []string{"First", "Second"} {
		b := f.upload(t, batch.Works, "works.csv", csvFile(title))
		if b.State != store.BatchReady {
			t.Fatalf("round %d: %+v", round, b)
		}
		if _, err := f.svc.StartImport(f.ctx, f.tid, b.ID, batch.ImportOptions{Invite: true}); err != nil {
			t.Fatal(err)
		}
		f.wait(t, b.ID)
		// Wait for both works to sync, then read the result file.
		deadline := time.Now().Add(60 * time.Second)
		var rows [][]string
		for {
			rows = f.result(t, b.ID)
			if rows[0][6] == string(store.ItemSynced) && rows[1][6] == string(store.ItemSynced) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: not synced: %v", round, rows)
			}
			time.Sleep(50 * time.Millisecond)
		}
		for _, row := range rows[:2] {
			if row[3] != string(store.StatusConnected) || row[4] == "" || row[7] == "" {
				t.Errorf("round %d: result row %v: want a connected person with an iD and a put-code", round, row)
			}
			if round == 0 {
				putCodes[row[5]] = row[7]
			} else if putCodes[row[5]] != row[7] {
				t.Errorf("item %s: put-code %s, then %s: a re-upload must update, not add", row[5], putCodes[row[5]], row[7])
			}
		}
		if rows[2][3] != string(store.StatusInvited) || rows[2][6] != string(store.ItemPending) {
			t.Errorf("round %d: Ana's row %v: want invited and pending", round, rows[2])
		}
	}
	tally, err := jobstest.ReadWorks(f.ctx, mustReader(t, f), res.Link)
	if err != nil {
		t.Fatal(err)
	}
	if dup, lost := tally.Check([]string{"10.5555/k1", "10.5555/k2"}); dup != 0 || lost != 0 ||
		tally.Titles["10.5555/k1"] != "Second one" || tally.Titles["10.5555/k2"] != "Second two" {
		t.Errorf("on ORCID: %d duplicates, %d lost, titles %v", dup, lost, tally.Titles)
	}
	invs, err := f.st.ListInvitations(f.ctx, f.tid, f.ana.ID)
	if err != nil || len(invs) != 1 {
		t.Errorf("Ana was invited %d times (%v), want once", len(invs), err)
	}
	invs, err = f.st.ListInvitations(f.ctx, f.tid, res.Person.ID)
	if err != nil || len(invs) != 0 {
		t.Errorf("the connected researcher got %d invitations (%v), want none", len(invs), err)
	}
}

func mustReader(t *testing.T, f *fixture) *orcid.Client {
	t.Helper()
	c, err := f.env.Reader()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// brokenRunner is the batch service with an import that always fails.
type brokenRunner struct{ *batch.Service }

func (brokenRunner) RunBatch(context.Context, int64) (bool, error) {
	return false, errors.New("the database is on fire")
}

// TestImportGivesUp: an import whose job runs out of attempts ends failed,
// with the reason, instead of importing for ever.
func TestImportGivesUp(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		f.q.SetBatchRunner(brokenRunner{f.svc})
		b := f.upload(t, batch.People, "people.csv", []byte("email,given-names,family-names\ncid@example.org,Cid,Diaz\n"))
		if _, err := f.svc.StartImport(f.ctx, f.tid, b.ID, batch.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		got := f.wait(t, b.ID)
		if got.State != store.BatchFailed || !strings.Contains(got.Message, "the database is on fire") {
			t.Fatalf("batch %s %q, want failed with the reason", got.State, got.Message)
		}
	})
}
