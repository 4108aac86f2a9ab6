package batch_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/orcidlink/orcidlink/internal/batch"
	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// tenantStore is an empty store with a tenant, to resolve people against.
func tenantStore(t testing.TB) (*store.Store, int64) {
	t.Helper()
	st := storetest.Open(t, "sqlite", nil)
	ctx := context.Background()
	c, err := st.CreateCredential(ctx, store.Credential{Name: "c", Env: testEnv, API: orcid.MemberAPI, ClientID: "APP-1",
		ClientSecret: "s", ClientName: "Test"})
	if err != nil {
		t.Fatal(err)
	}
	tn, err := st.CreateTenant(ctx, store.Tenant{Slug: "test", Name: "Test", SupportEmail: "help@t.example", CredentialID: c.ID,
		Languages: []string{"en"}})
	if err != nil {
		t.Fatal(err)
	}
	return st, tn.ID
}

// validate runs Validate and collects every problem.
func validate(t testing.TB, st *store.Store, tid int64, kind batch.Kind, f batch.Format, body []byte) (batch.Summary, []batch.Problem) {
	t.Helper()
	var all []batch.Problem
	sum, err := batch.Validate(context.Background(), bytes.NewReader(body), batch.Options{TenantID: tid, Kind: kind, Format: f, People: st},
		func(rows []batch.Row) error {
			for _, r := range rows {
				all = append(all, r.Problems...)
			}
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return sum, append(sum.FileProblems, all...)
}

func codes(ps []batch.Problem) string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%d:%s:%s", p.Row, p.Column, p.Code))
	}
	return strings.Join(out, " ")
}

// TestTemplates: every kind's template, CSV and JSON, is a valid file
// (its example row creates its person), and names every column.
func TestTemplates(t *testing.T) {
	st, tid := tenantStore(t)
	for _, k := range batch.Kinds() {
		for _, f := range []batch.Format{batch.CSV, batch.JSON} {
			var buf bytes.Buffer
			if err := batch.WriteTemplate(&buf, k, f); err != nil {
				t.Fatal(err)
			}
			sum, probs := validate(t, st, tid, k, f, buf.Bytes())
			if !sum.OK() || sum.Total != 1 {
				t.Errorf("%s %s template: %d rows, problems %s\n%s", k, f, sum.Total, codes(probs), buf.String())
			}
			if f == batch.CSV {
				head := strings.SplitN(buf.String(), "\n", 2)[0]
				if got := strings.Count(head, ",") + 1; got != len(batch.Columns(k)) {
					t.Errorf("%s template header has %d columns, the table %d", k, got, len(batch.Columns(k)))
				}
			}
		}
	}
}

// TestFormats: the same rows as CSV (with a BOM), a JSON array and NDJSON
// give the same problems; UTF-16 and broken JSON are reported, not
// guessed at.
func TestFormats(t *testing.T) {
	st, tid := tenantStore(t)
	csvBody := "\xEF\xBB\xBFemail,given-names,family-names,language\r\nana@example.org,Ana,Lima,en\r\nbad@,Ben,,xx\r\n"
	array := `[{"email":"ana@example.org","given-names":"Ana","family-names":"Lima","language":"en"},
		{"email":"bad@","given-names":"Ben","language":"xx"}]`
	ndjson := `{"email":"ana@example.org","given-names":"Ana","family-names":"Lima","language":"en"}
{"email":"bad@","given-names":"Ben","language":"xx","family-names":null}`
	want := "2:email:bad-email 2:language:bad-value"
	for name, c := range map[string]struct {
		f    batch.Format
		body string
	}{"csv": {batch.CSV, csvBody}, "array": {batch.JSON, array}, "ndjson": {batch.JSON, ndjson}} {
		sum, probs := validate(t, st, tid, batch.People, c.f, []byte(c.body))
		if got := codes(probs); got != want || sum.Total != 2 || sum.Valid != 1 {
			t.Errorf("%s: %d rows, %d valid, problems %q, want %q", name, sum.Total, sum.Valid, got, want)
		}
	}
	for name, c := range map[string]struct {
		kind batch.Kind
		f    batch.Format
		body string
		want string
	}{
		"utf-16":       {batch.People, batch.CSV, "\xFF\xFEe\x00m\x00", "0::encoding"},
		"latin-1 json": {batch.People, batch.JSON, `[{"email":"ana@example.org","given-names":"Ren` + "\xE9" + `"}]`, "0::encoding"},
		"broken json":  {batch.People, batch.JSON, `[{"email":"ana@example.org","given-names":"A"}, {"email": ]`, "2::syntax"},
		// Rows after the end of the first array, or after a stray
		// bracket, are not silently dropped.
		"two json arrays": {batch.People, batch.JSON, `[{"email":"ana@example.org","given-names":"A"}][{"email":"ben@example.org","given-names":"B"}]`, "0::syntax"},
		"unclosed array":  {batch.People, batch.JSON, `[{"email":"ana@example.org","given-names":"A"}`, "0::syntax"},
		"stray bracket":   {batch.People, batch.JSON, "{\"email\":\"ana@example.org\",\"given-names\":\"A\"}\n}\n{\"email\":\"ben@example.org\",\"given-names\":\"B\"}", "0::syntax"},
		"nested json":     {batch.People, batch.JSON, `{"email":"ana@example.org","given-names":["A"]}`, "1:given-names:not-text"},
		"empty":           {batch.People, batch.CSV, "", "0::empty-file"},
		"header only":     {batch.People, batch.CSV, "email,given-names\n", "0::empty-file"},
		"year before 1900": {batch.Works, batch.CSV, "email,given-names,family-names,key,title,work-type,publication-date,external-id-type,external-id-value\n" +
			"ana@example.org,Ana,Lima,k1,Notes,journal-article,1843-10,doi,10.1000/1\n", "1:publication-date:bad-date"},
		"year after 2100": {batch.Works, batch.CSV, "email,given-names,family-names,key,title,work-type,publication-date,external-id-type,external-id-value\n" +
			"ana@example.org,Ana,Lima,k1,Notes,journal-article,2101,doi,10.1000/1\n", "1:publication-date:bad-date"},
		"missing columns": {batch.Works, batch.CSV, "key,title,title\nk,T,T\n", "0:title:duplicate-column 0:work-type:missing-column 0:email:missing-column 1:work-type:required 1:external-id-value:missing-self-identifier 1:email:no-person"},
	} {
		_, probs := validate(t, st, tid, c.kind, c.f, []byte(c.body))
		if got := codes(probs); !strings.HasPrefix(got, c.want) {
			t.Errorf("%s: problems %q, want %q first", name, got, c.want)
		}
	}
}

// genWorks writes n rows of a works file, about n/10 people who exist
// nowhere but that each row creates, as a stream.
func genWorks(w io.Writer, n int) error {
	if _, err := io.WriteString(w, "email,given-names,family-names,key,title,work-type,publication-date,url,external-id-type,external-id-value,contributors\n"); err != nil {
		return err
	}
	var b bytes.Buffer
	for i := range n {
		b.Reset()
		fmt.Fprintf(&b, "person%d@example.org,Given%d,Family,work-%d,\"A study, part %d\",journal-article,2024-%02d-%02d,https://journal.example.org/a/%d,doi,10.5555/%d,Josiah Carberry <0000-0002-1825-0097>\n",
			i/10, i/10, i, i, i%12+1, i%28+1, i, i)
		if _, err := w.Write(b.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkValidate100k validates a generated works file of 100,000 rows,
// streamed through a pipe (never held whole), against a SQLite store.
// It reports the heap in use at the end: what duplicate detection keeps.
func BenchmarkValidate100k(b *testing.B) {
	st, tid := tenantStore(b)
	const n = 100_000
	for b.Loop() {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(genWorks(pw, n)) }()
		var ms runtime.MemStats
		sum, err := batch.Validate(context.Background(), pr, batch.Options{TenantID: tid, Kind: batch.Works, Format: batch.CSV, People: st},
			func(rows []batch.Row) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		if sum.Total != n || !sum.OK() {
			b.Fatalf("summary %+v", sum)
		}
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
	}
}

// TestValidateStreams: validating a large generated file keeps memory
// flat: the heap after 100,000 rows is far below the file's size times
// what holding rows would cost.
func TestValidateStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("a 100,000-row file")
	}
	st, tid := tenantStore(t)
	const n = 100_000
	var size countWriter
	genWorks(&size, n)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(genWorks(pw, n)) }()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	sum, err := batch.Validate(context.Background(), pr, batch.Options{TenantID: tid, Kind: batch.Works, Format: batch.CSV, People: st},
		func(rows []batch.Row) error {
			if rows[0].Row%20000 == 1 {
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse-min(ms.HeapInuse, base.HeapInuse))
				t.Logf("row %d: heap %d KB above the start", rows[0].Row, (ms.HeapInuse-min(ms.HeapInuse, base.HeapInuse))>>10)
			}
			return nil
		})
	if err != nil || sum.Total != n || !sum.OK() {
		t.Fatalf("summary %+v, %v", sum, err)
	}
	// The rows as parsed (a map per row) would take several times the
	// file's size; streaming keeps a hash or two per row for duplicate
	// detection (about 100 bytes a row, half the size of a row of this
	// file), so the heap must stay below the file's size.
	if peak > uint64(size) {
		t.Errorf("heap in use reached %d MB for a %d MB file", peak>>20, size>>20)
	}
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

var testEnv = orcid.Environment{Name: "custom", SiteURL: "http://127.0.0.1:8080",
	MemberAPIURL: "http://127.0.0.1:8080/v3.0", PublicAPIURL: "http://127.0.0.1:8080/pub/v3.0"}
