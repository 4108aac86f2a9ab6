package batch_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/orcidlink/orcidlink/internal/batch"
	"github.com/orcidlink/orcidlink/internal/store"
	"github.com/orcidlink/orcidlink/internal/store/storetest"
)

// bigCellFile streams a people file whose first row has a given-names of
// n bytes, made as it is read and never held: letters from a xorshift, so
// that no database could compress a stored copy away. The second row is
// an ordinary one.
type bigCellFile struct {
	head, tail []byte
	n, sent    int64
	x          uint64
	// tap, if set, is called with the bytes read so far, at every
	// megabyte (the benchmark samples the heap there).
	tap func(read int64)
}

func newBigCellFile(format batch.Format, n int64) *bigCellFile {
	f := &bigCellFile{n: n, x: 88172645463325252}
	if format == batch.CSV {
		f.head = []byte("email,given-names,family-names\nana@example.org,")
		f.tail = []byte(",Lima\nben.new@example.org,Ben,Okafor\n")
	} else {
		f.head = []byte(`[{"email":"ana@example.org","given-names":"`)
		f.tail = []byte(`","family-names":"Lima"},` + "\n" + `{"email":"ben.new@example.org","given-names":"Ben","family-names":"Okafor"}]`)
	}
	return f
}

func (f *bigCellFile) Read(p []byte) (int, error) {
	total := int64(len(f.head)) + f.n + int64(len(f.tail))
	if f.sent >= total {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && f.sent < total {
		switch {
		case f.sent < int64(len(f.head)):
			c := copy(p[n:], f.head[f.sent:])
			n, f.sent = n+c, f.sent+int64(c)
		case f.sent < int64(len(f.head))+f.n:
			end := min(len(p), n+int(int64(len(f.head))+f.n-f.sent))
			for i := n; i < end; i++ {
				f.x ^= f.x << 13
				f.x ^= f.x >> 7
				f.x ^= f.x << 17
				p[i] = 'a' + byte(f.x%26)
			}
			f.sent += int64(end - n)
			n = end
		default:
			c := copy(p[n:], f.tail[f.sent-int64(len(f.head))-f.n:])
			n, f.sent = n+c, f.sent+int64(c)
		}
	}
	if f.tap != nil && (f.sent>>20) != ((f.sent-int64(n))>>20) {
		f.tap(f.sent)
	}
	return n, nil
}

// dbSize is the size of the store's database, in bytes.
func dbSize(t testing.TB, st *store.Store) int64 {
	t.Helper()
	q := "SELECT pg_database_size(current_database())"
	if st.Driver() == "sqlite" {
		q = "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()"
	}
	var n int64
	if err := st.DB().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOversizedCell: a file with a 200 MB value (generated as it is read)
// is refused on that value while it streams: the row is invalid with a
// too-long problem on its column that gives the length and a preview, the
// row after it is read as usual, nothing stored of the batch is longer
// than a preview, and the database grows by under 1 MB. (The decoder's
// own buffers are checked by FuzzDecodeCSV and TestScannerLimits; the
// memory it takes is BenchmarkOversizedCell's.)
func TestOversizedCell(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 200 MB per case")
	}
	const n = 200 << 20
	storetest.Engines(t, func(t *testing.T, driver string) {
		f := newFixture(t, driver)
		for _, format := range []batch.Format{batch.CSV, batch.JSON} {
			t.Run(string(format), func(t *testing.T) {
				before := dbSize(t, f.st)
				body := newBigCellFile(format, n)
				b, err := f.svc.Upload(f.ctx, batch.Upload{TenantID: f.tid, Kind: batch.People, Format: format, Filename: "big",
					Actor: "admin:1", Body: body})
				if err != nil {
					t.Fatal(err)
				}
				if body.sent < n {
					t.Fatalf("only %d bytes of the file were read", body.sent)
				}
				if b.State != store.BatchInvalid || b.Total != 2 || b.Invalid != 1 || b.Valid != 1 {
					t.Fatalf("batch %+v: want 2 rows, the first invalid", b)
				}
				rep, err := f.svc.Report(f.ctx, f.tid, b.ID, 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(rep.Problems) != 1 {
					t.Fatalf("problems %+v, want the one too-long", rep.Problems)
				}
				p := rep.Problems[0]
				length := int64(n)
				if format == batch.JSON {
					length += 2 // a JSON value's length is its text's, quotes included
				}
				if p.Row != 1 || p.Column != "given-names" || p.Code != batch.CodeTooLong || !strings.Contains(p.Message, fmt.Sprint(length)) {
					t.Errorf("problem %+v: want row 1, given-names, too-long, giving the length", p)
				}
				if c := utf8.RuneCountInString(p.Message); c > 400 {
					t.Errorf("the problem's message has %d characters: it should quote a preview only", c)
				}
				rows, err := f.st.BatchRows(f.ctx, f.tid, b.ID, 0, false, 10)
				if err != nil {
					t.Fatal(err)
				}
				stored := 0
				for _, r := range rows {
					stored += len(r.Data) + len(r.Problems)
					var vals map[string]string
					if err := json.Unmarshal(r.Data, &vals); err != nil {
						t.Fatal(err)
					}
					for col, v := range vals {
						if len(v) > 1024 {
							t.Errorf("row %d stores %s of %d bytes", r.Row, col, len(v))
						}
					}
				}
				if stored > 4<<10 {
					t.Errorf("the rows take %d bytes in the database", stored)
				}
				if grew := dbSize(t, f.st) - before; grew >= 1<<20 {
					t.Errorf("the database grew by %d KB for a refused 200 MB value", grew>>10)
				}
			})
		}
	})
}

// BenchmarkOversizedCell uploads files with a 200 MB value through
// Service.Upload into SQLite, one and three at once, and reports the
// peak of the heap in use and of the memory the runtime holds from the
// system (sampled at every megabyte read), and what the database grew by. doc/batch.md keeps its table:
//
//	go test -run '^$' -bench BenchmarkOversizedCell -benchtime 1x ./internal/batch/
func BenchmarkOversizedCell(b *testing.B) {
	const n = 200 << 20
	for _, c := range []struct {
		format batch.Format
		at     int
	}{{batch.CSV, 1}, {batch.JSON, 1}, {batch.CSV, 3}} {
		b.Run(fmt.Sprintf("%s-x%d", c.format, c.at), func(b *testing.B) {
			f := newFixture(b, "sqlite")
			for b.Loop() {
				runtime.GC()
				var mu sync.Mutex
				var peak, sys uint64
				sample := func(int64) {
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					mu.Lock()
					peak, sys = max(peak, ms.HeapInuse), max(sys, ms.Sys)
					mu.Unlock()
				}
				before := dbSize(b, f.st)
				var wg sync.WaitGroup
				errs := make(chan error, c.at)
				for range c.at {
					body := newBigCellFile(c.format, n)
					body.tap = sample
					wg.Go(func() {
						bt, err := f.svc.Upload(f.ctx, batch.Upload{TenantID: f.tid, Kind: batch.People, Format: c.format,
							Filename: "big", Actor: "admin:1", Body: body})
						if err == nil && bt.Invalid != 1 {
							err = fmt.Errorf("batch %+v: want the big row refused", bt)
						}
						errs <- err
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
				b.ReportMetric(float64(sys)/(1<<20), "sys-MB")
				b.ReportMetric(float64(dbSize(b, f.st)-before)/(1<<10), "db-KB")
			}
		})
	}
}

// TestCSVFormulasNeutralised: values a tenant typed come back in the
// problem report and the result file, and none of their cells starts
// with what a spreadsheet runs as a formula: the header's unknown column,
// the email and reference of a row (the result file), each with the
// quote that keeps it text.
func TestCSVFormulasNeutralised(t *testing.T) {
	f := newFixture(t, "sqlite")
	body := "email,person-ref,given-names,family-names,=cmd|' /C calc'!A0\n" +
		"-eve@example.org,+E9,\"=HYPERLINK(\"\"https://evil.example/\"\")\",@Lima,x\n" +
		"\"\tbad\",@R2,Ana,Lima,x\n"
	b := f.upload(t, batch.People, "evil.csv", []byte(body))
	var report, result bytes.Buffer
	if err := f.svc.WriteReportCSV(f.ctx, &report, f.tid, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.WriteResultCSV(f.ctx, &result, f.tid, b.ID); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		file string
		want []string // cells that must be there, neutralised
	}{
		"report": {report.String(), []string{"'=cmd|' /C calc'!A0"}},
		"result": {result.String(), []string{"'-eve@example.org", "'+E9", "'@R2"}},
	} {
		recs, err := csv.NewReader(strings.NewReader(c.file)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cells := map[string]bool{}
		for _, rec := range recs {
			for _, cell := range rec {
				cells[cell] = true
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("%s: the cell %q would run as a formula", name, cell)
				}
			}
		}
		for _, w := range c.want {
			if !cells[w] {
				t.Errorf("%s has no cell %q:\n%s", name, w, c.file)
			}
		}
	}
}

// TestRefusedRowsKeepPreviews: of a row with problems, what is kept (and
// stored) is what its report needs: each value cut to a preview, however
// long the column allowed it to be read, and each message bounded.
func TestRefusedRowsKeepPreviews(t *testing.T) {
	st, tid := tenantStore(t)
	long := strings.Repeat("é", 100_000) // 200 KB, under MaxCellBytes, far over any column
	for name, c := range map[string]struct {
		format batch.Format
		body   string
	}{
		"csv":  {batch.CSV, "email,given-names,family-names\nana@example.org," + long + ",Lima\n"},
		"json": {batch.JSON, `[{"email":"ana@example.org","given-names":"` + long + `","family-names":"Lima"}]`},
	} {
		var rows []batch.Row
		_, err := batch.Validate(context.Background(), strings.NewReader(c.body),
			batch.Options{TenantID: tid, Kind: batch.People, Format: c.format, People: st},
			func(rs []batch.Row) error { rows = append(rows, rs...); return nil })
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || len(rows[0].Problems) == 0 || rows[0].Problems[0].Code != batch.CodeTooLong {
			t.Fatalf("%s: rows %.300v, want one too-long", name, rows)
		}
		for col, v := range rows[0].Values {
			if n := utf8.RuneCountInString(v); n > 257 {
				t.Errorf("%s: %s keeps %d characters of a refused row", name, col, n)
			}
		}
		if rows[0].Values["email"] != "ana@example.org" {
			t.Errorf("%s: the email of a refused row is not kept whole: %q", name, rows[0].Values["email"])
		}
		for _, p := range rows[0].Problems {
			if n := utf8.RuneCountInString(p.Message); n > 601 {
				t.Errorf("%s: a message of %d characters", name, n)
			}
		}
	}
}
