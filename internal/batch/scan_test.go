package batch

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// csvTricky are inputs where encoding/csv's reading has corners: line
// endings, empty lines, quotes, and what follows an error.
var csvTricky = []string{
	"", "\n", "\r\n", "\r", "a", "a\r", "a\r\r\n", "a,b\r\nc,d", "a,\n,b\n\n\nc", "\"\"", "\"a\"\"b\",c\n",
	"\"a\nb\",c\r\nd", "\"a\r\nb\"\r\n", "a\"b,c\nd,e\n", "\"a\"b,c\nd\n", "\"abc", "\"abc\r", "\"a\"\r", "\"a\"\rb\nc",
	"x,\"a\"\n\n\"b\nc\"\"\",d\n", "a\rb,c\n", ",,\n", "\"\n\"\n", "a,\"b\nc\"d\ne,f", "\xff,\"\xfe\"\n",
}

// readAllCSV reads every record with encoding/csv as the decoder once
// did, and with the scanner, in the same shape: the fields (nil for a
// record that cannot be read), the line it starts on, and the error.
func readAllCSV(t *testing.T, in string) (want, got []string) {
	t.Helper()
	cr := csv.NewReader(strings.NewReader(in))
	cr.FieldsPerRecord = -1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			want = append(want, fmt.Sprintf("line %d: %v", pe.StartLine, pe.Err))
			continue
		}
		if err != nil {
			t.Fatalf("encoding/csv: %v", err)
		}
		line, _ := cr.FieldPos(0)
		want = append(want, fmt.Sprintf("line %d: %q", line, rec))
	}
	sc := newCSVScanner(bufio.NewReader(strings.NewReader(in)), defaultLimits())
	for {
		r, err := sc.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("scanner: %v", err)
		}
		if r.err != nil {
			got = append(got, fmt.Sprintf("line %d: %v", r.line, r.err))
			continue
		}
		got = append(got, fmt.Sprintf("line %d: %q", r.line, r.fields))
	}
	return want, got
}

// TestCSVScannerReadsAsEncodingCSV: within its limits the bounded scanner
// reads every record, line number and error as encoding/csv does, so that
// bounding the reading changed nothing else.
func TestCSVScannerReadsAsEncodingCSV(t *testing.T) {
	for _, in := range csvTricky {
		if want, got := readAllCSV(t, in); !reflect.DeepEqual(want, got) {
			t.Errorf("%q:\nencoding/csv %q\nscanner      %q", in, want, got)
		}
	}
}

// FuzzCSVScanner is TestCSVScannerReadsAsEncodingCSV on any input.
func FuzzCSVScanner(f *testing.F) {
	for _, in := range csvTricky {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if want, got := readAllCSV(t, in); !reflect.DeepEqual(want, got) {
			t.Fatalf("%q:\nencoding/csv %q\nscanner      %q", in, want, got)
		}
	})
}

var small = limits{cell: 12, row: 48, fields: 6}

// TestScannerLimits: a value over the cell limit is refused by its length
// and first characters, a row over the row limit keeps nothing, and the
// rows after either are read as usual.
func TestScannerLimits(t *testing.T) {
	cases := []struct {
		name   string
		format Format
		in     string
		want   string // the problems of the file and rows, in order
	}{
		{"csv cell", CSV, "email,given-names\na@b.org,ABCDEFGHIJKLMNOP\nc@d.org,Ben\n",
			`1:given-names:too-long:given-names is 16 bytes long, more than any column takes (12); it starts "ABCDEFGHIJKL"`},
		{"csv quoted cell", CSV, "email,given-names\na@b.org,\"AB\"\"CD\nEFGHIJKLM\"\nc@d.org,Ben\n",
			`1:given-names:too-long:given-names is 15 bytes long, more than any column takes (12); it starts "AB\"CD\nEFGHIJ"`},
		{"csv unknown column's cell", CSV, "email,given-names,x\na@b.org,Ana,ABCDEFGHIJKLMNOP\n", `0:x:unknown-column`},
		{"csv row", CSV, "email,given-names\n12345678,12345678,12345678,12345678,12345678,123456\na@b.org,Ben\n",
			`1::too-long:the row is 52 bytes long; a row may have at most 48`},
		{"csv wide row", CSV, "email,given-names\n,,,,,,,,,,\na@b.org,Ben\n", `1::field-count:the row has 11 fields where the header has 2`},
		{"csv header", CSV, "email,given-names,ABCDEFGHIJKLM\n", `0::too-long`},
		{"json member", JSON, `[{"email":"a@b.org","given-names":"ABCDEFGHIJKLMNOP"},{"email":"c@d.org","given-names":"Ben"}]`,
			`1:given-names:too-long:given-names is 18 bytes long, more than any column takes (12); it starts "ABCDEFGHIJK"`},
		{"json nested member", JSON, `{"email":"a@b.org","given-names":["ABCDEFGHIJ"]}` + "\n" + `{"email":"c@d.org","given-names":"Ben"}`,
			`1:given-names:too-long:given-names is 14 bytes long, more than any column takes (12); it starts "[\"ABCDEFGHIJ"`},
		{"json object", JSON, `[{"email":"a@b.org","family-names":"1234567","given-names":"1234567","language":"en"},{"email":"c@d.org","given-names":"Ben"}]`,
			`1::too-long:object 1 is 84 bytes long; a row may have at most 48`},
		{"json string", JSON, `"12345678901234567890123456789012345678901234567890"`, `1::too-long`},
		{"json deep", JSON, strings.Repeat("[", 40), `1::syntax`},
		{"json unbalanced", JSON, `{"email":"a@b.org","given-names":["A"}`, `1::syntax`},
		{"json open", JSON, `{"email":"a@b.org","given-names":"ABCDEFGHIJ`, `1::syntax`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var dec decoder
			if c.format == CSV {
				dec = newCSVDecoder(strings.NewReader(c.in), People, small)
			} else {
				dec = newJSONDecoder(strings.NewReader(c.in), People, small)
			}
			var got []string
			rows := 0
			for {
				rec, err := dec.next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				rows++
				for _, v := range rec.values {
					if len(v) > small.cell {
						t.Errorf("row %d: a value of %d bytes came through", rec.row, len(v))
					}
				}
				for _, p := range rec.problems {
					got = append(got, fmt.Sprintf("%d:%s:%s:%s", p.Row, p.Column, p.Code, p.Message))
				}
			}
			for _, p := range dec.fileProblems() {
				got = append(got, fmt.Sprintf("%d:%s:%s:%s", p.Row, p.Column, p.Code, p.Message))
			}
			all := strings.Join(got, "\n")
			if !strings.HasPrefix(all, c.want) {
				t.Errorf("problems\n%s\nwant first\n%s", all, c.want)
			}
			if strings.Contains(c.in, "Ben") && rows < 2 {
				t.Errorf("%d rows read: the row after the refused one was lost", rows)
			}
		})
	}
}

// decodeAll reads every record of a file through its decoder with the
// small limits, checking what no input may break: a value longer than
// the cell limit never comes through, a message never quotes more than a
// preview, and the scanner's buffers stay within the row limit.
func decodeAll(t *testing.T, format Format, kind Kind, in []byte) {
	var dec decoder
	var held func() int
	if format == CSV {
		d := newCSVDecoder(bytes.NewReader(in), kind, small)
		dec = d
		held = func() int {
			if d.sc == nil {
				return 0
			}
			return cap(d.sc.buf)
		}
	} else {
		d := newJSONDecoder(bytes.NewReader(in), kind, small)
		dec = d
		held = func() int {
			if d.sp == nil {
				return 0
			}
			return cap(d.sp.seg)
		}
	}
	// What append may allocate past the limit it stops at.
	bound := 2*(small.row+previewRunes*utf8.UTFMax) + 64
	rows := 0
	for {
		rec, err := dec.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("decoder failed on an in-memory reader: %v", err)
		}
		rows++
		if rows > len(in)+1 {
			t.Fatalf("%d rows from %d bytes", rows, len(in))
		}
		if len(rec.values) != len(Columns(kind)) {
			t.Fatalf("row %d has %d values for %d columns", rec.row, len(rec.values), len(Columns(kind)))
		}
		for _, v := range rec.values {
			if len(v) > small.cell {
				t.Fatalf("row %d: a value of %d bytes came through a cell limit of %d", rec.row, len(v), small.cell)
			}
		}
		for _, p := range append(rec.problems, dec.fileProblems()...) {
			if n := utf8.RuneCountInString(p.Message); n > 2*previewRunes+200 {
				t.Fatalf("a message of %d characters: %.300q", n, p.Message)
			}
		}
		if h := held(); h > bound {
			t.Fatalf("the scanner holds %d bytes, over %d", h, bound)
		}
	}
}

// FuzzDecodeCSV: no CSV file, however hostile, panics the decoder or gets
// a value past the cell limit through it.
func FuzzDecodeCSV(f *testing.F) {
	for _, in := range csvTricky {
		f.Add("email,given-names,family-names\n" + in)
	}
	f.Add("email,given-names\na@b.org,\"" + strings.Repeat("x", 100) + "\"\nc@d.org,Ben\n")
	f.Add("\xEF\xBB\xBFemail,orcid,given-names,given-names,\n,,,\n")
	f.Fuzz(func(t *testing.T, in string) {
		decodeAll(t, CSV, People, []byte(in))
	})
}

// FuzzDecodeJSON is FuzzDecodeCSV for JSON and NDJSON files, of articles,
// whose list columns take arrays.
func FuzzDecodeJSON(f *testing.F) {
	for _, in := range []string{
		`[{"key":"a","title":"T","contributors":[{"name":"A","roles":["x"]}],"other-issns":["1234-5678"]}]`,
		`{"key":"a","title":"T"}` + "\n" + `{"key":"b","title":"` + strings.Repeat("x", 100) + `"}`,
		`[{"key":"a"},]`, `[{"key":"a"}][]`, `{"key":"a"}}`, `[null,1,"x",{"key":{"a":"b"}}]`, `{"key":"\u00e9\"\\"}`,
		`[` + strings.Repeat(`[`, 50), `{"a":` + strings.Repeat(`{"a":`, 40), "\xff\xfe[]", "\xEF\xBB\xBF[]", `  `, `nul`, `-1e9999`,
	} {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		decodeAll(t, JSON, Articles, []byte(in))
	})
}

// oneByte reads one byte at a time, to cut every character.
type oneByte struct{ r io.Reader }

func (o oneByte) Read(p []byte) (int, error) { return o.r.Read(p[:min(len(p), 1)]) }

// TestUTF8Checker: the first invalid byte of a JSON file is found at its
// offset however the reads cut the characters, and valid text, cut
// anywhere, is never taken for invalid.
func TestUTF8Checker(t *testing.T) {
	cases := []struct {
		in  string
		bad int64
	}{
		{"plain", -1}, {"é€😀", -1}, {"ab\xffcd", 2}, {"é\xe2\x82", 2}, {"€\xe2a", 3}, {"\xf0\x9f\x98", 0}, {"a\x80", 1},
	}
	for _, c := range cases {
		for name, r := range map[string]io.Reader{"whole": strings.NewReader(c.in), "bytes": oneByte{strings.NewReader(c.in)}} {
			u := &utf8Checker{r: r, bad: -1}
			if _, err := io.ReadAll(u); err != nil {
				t.Fatal(err)
			}
			if u.bad != c.bad {
				t.Errorf("%q read %s: first bad byte at %d, want %d", c.in, name, u.bad, c.bad)
			}
		}
	}
}

// TestDecoderHoldsAValueOnce: with the real limits, a value 32 times
// the cell limit streams through each decoder while its buffer never
// grows past what one value up to the limit takes; the value comes out
// refused, never whole.
func TestDecoderHoldsAValueOnce(t *testing.T) {
	const size = 32 * MaxCellBytes
	for _, format := range []Format{CSV, JSON} {
		head, tail := "email,given-names\na@b.org,", "\nc@d.org,Ben\n"
		if format == JSON {
			head, tail = `{"email":"a@b.org","given-names":"`, `"}`+"\n"+`{"email":"c@d.org","given-names":"Ben"}`
		}
		in := io.MultiReader(strings.NewReader(head), io.LimitReader(zeros{}, size), strings.NewReader(tail))
		var dec decoder
		var held func() int
		if format == CSV {
			d := newCSVDecoder(in, People, defaultLimits())
			dec, held = d, func() int { return cap(d.sc.buf) }
		} else {
			d := newJSONDecoder(in, People, defaultLimits())
			dec, held = d, func() int { return cap(d.sp.seg) }
		}
		var refused bool
		for {
			rec, err := dec.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range rec.problems {
				refused = refused || (p.Code == CodeTooLong && p.Column == "given-names")
			}
			if h := held(); h > 2*MaxCellBytes {
				t.Errorf("%s: the decoder holds %d bytes for a %d-byte value", format, h, size)
			}
		}
		if !refused {
			t.Errorf("%s: the value was not refused", format)
		}
	}
}

// zeros is an endless stream of "0".
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '0'
	}
	return len(p), nil
}
