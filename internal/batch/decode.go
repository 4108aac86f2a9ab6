package batch

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// record is one data row as read: its values by column index (of the
// kind's table), and what was wrong with it already at reading.
type record struct {
	row, line int
	values    []string
	problems  []Problem
	// positional is false when the values cannot be trusted to be in
	// their columns (a wrong number of fields): no column checks then.
	positional bool
}

// decoder reads the records of a file one at a time.
type decoder interface {
	// next returns the next record, or io.EOF.
	next() (*record, error)
	// fileProblems are the problems of the file as a whole found so far
	// (encoding, header, syntax that ends the file).
	fileProblems() []Problem
}

// columnIndex maps header names and aliases to column indexes.
func columnIndex(cols []Column) map[string]int {
	m := make(map[string]int, len(cols)*2)
	for i, c := range cols {
		m[c.Name] = i
		for _, a := range c.Aliases {
			m[a] = i
		}
	}
	return m
}

// orcidColumn is true for a header that holds iDs of people: refused,
// since a person's iD is only ever what ORCID tells us after they sign in.
func orcidColumn(name string) bool {
	switch strings.NewReplacer(" ", "", "-", "", "_", "").Replace(name) {
	case "orcid", "orcidid", "orcidiD", "orcidurl", "orcidid(url)":
		return true
	}
	return false
}

func normHeader(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// openText skips a UTF-8 byte order mark and refuses UTF-16 and UTF-32,
// which spreadsheets write under "Unicode text" and which would otherwise
// read as garbage.
func openText(r io.Reader) (*bufio.Reader, *Problem) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}),
		bytes.HasPrefix(head, []byte{0, 0, 0xFE, 0xFF}):
		return nil, &Problem{Code: CodeEncoding, Message: "the file is UTF-16 or UTF-32; save it as UTF-8 (\"CSV UTF-8\" in spreadsheets)"}
	}
	return br, nil
}

// csvDecoder reads RFC 4180 CSV with a header row.
type csvDecoder struct {
	kind Kind
	cr   *csv.Reader
	cols []Column
	idx  []int // column index of each header field; -1 for unknown
	file []Problem
	row  int
	done bool
}

func newCSVDecoder(r io.Reader, kind Kind) *csvDecoder {
	d := &csvDecoder{kind: kind, cols: Columns(kind)}
	br, p := openText(r)
	if p != nil {
		d.file, d.done = append(d.file, *p), true
		return d
	}
	d.cr = csv.NewReader(br)
	d.cr.FieldsPerRecord = -1
	d.cr.ReuseRecord = true
	head, err := d.cr.Read()
	if err != nil {
		d.done = true
		if errors.Is(err, io.EOF) {
			d.file = append(d.file, Problem{Code: CodeEmptyFile, Message: "the file is empty: it needs a header row and data rows"})
		} else {
			d.file = append(d.file, Problem{Line: 1, Code: CodeSyntax, Message: "the header row cannot be read: " + csvMessage(err)})
		}
		return d
	}
	d.header(head)
	return d
}

// header maps the header's fields to columns and reports every problem of
// the header at once.
func (d *csvDecoder) header(head []string) {
	index := columnIndex(d.cols)
	seen := map[int]bool{}
	d.idx = make([]int, len(head))
	for i, h := range head {
		d.idx[i] = -1
		if !utf8.ValidString(h) {
			d.file = append(d.file, Problem{Line: 1, Code: CodeEncoding, Message: fmt.Sprintf("header field %d is not UTF-8", i+1)})
			continue
		}
		name := normHeader(h)
		ci, ok := index[name]
		switch {
		case name == "":
			d.file = append(d.file, Problem{Line: 1, Code: CodeUnknownColumn, Message: fmt.Sprintf("header field %d is empty", i+1)})
		case !ok && orcidColumn(name):
			d.file = append(d.file, Problem{Line: 1, Column: h, Code: CodeORCIDNotAccepted,
				Message: "ORCID iDs cannot be uploaded for people: each person proves their own iD by connecting through ORCID; remove this column"})
		case !ok:
			d.file = append(d.file, Problem{Line: 1, Column: h, Code: CodeUnknownColumn,
				Message: fmt.Sprintf("%q is not a column of %s files", h, d.kind)})
		case seen[ci]:
			d.file = append(d.file, Problem{Line: 1, Column: d.cols[ci].Name, Code: CodeDuplicateColumn,
				Message: fmt.Sprintf("the column %s appears more than once", d.cols[ci].Name)})
		default:
			seen[ci] = true
			d.idx[i] = ci
		}
	}
	for ci, c := range d.cols {
		if c.Required && !seen[ci] {
			d.file = append(d.file, Problem{Line: 1, Column: c.Name, Code: CodeMissingColumn,
				Message: fmt.Sprintf("the header has no %s column, which is required", c.Name)})
		}
	}
	if ei, ri := index["email"], index["person-ref"]; !seen[ei] && !seen[ri] {
		d.file = append(d.file, Problem{Line: 1, Column: "email", Code: CodeMissingColumn,
			Message: "the header needs an email or a person-ref column to say whom each row is about"})
	}
}

func csvMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func (d *csvDecoder) fileProblems() []Problem { return d.file }

func (d *csvDecoder) next() (*record, error) {
	if d.done {
		return nil, io.EOF
	}
	fields, err := d.cr.Read()
	if errors.Is(err, io.EOF) {
		d.done = true
		return nil, io.EOF
	}
	var pe *csv.ParseError
	if err != nil && !errors.As(err, &pe) {
		// The reader failed (a client gone, a body over its limit): no
		// fault of the row, and reading on would fail again forever.
		d.done = true
		return nil, err
	}
	d.row++
	rec := &record{row: d.row, values: make([]string, len(d.cols)), positional: true}
	if err != nil {
		line := pe.StartLine
		rec.line, rec.positional = line, false
		rec.problems = append(rec.problems, Problem{Row: d.row, Line: line, Code: CodeSyntax,
			Message: "the row cannot be read: " + csvMessage(err) + " (a quote inside a field must be doubled, and a quoted field closed)"})
		return rec, nil
	}
	rec.line, _ = d.cr.FieldPos(0)
	if len(fields) != len(d.idx) {
		rec.positional = false
		rec.problems = append(rec.problems, Problem{Row: d.row, Line: rec.line, Code: CodeFieldCount,
			Message: fmt.Sprintf("the row has %d fields where the header has %d", len(fields), len(d.idx))})
		return rec, nil
	}
	for i, f := range fields {
		ci := d.idx[i]
		if ci < 0 {
			continue
		}
		if !utf8.ValidString(f) {
			rec.problems = append(rec.problems, Problem{Row: d.row, Line: rec.line, Column: d.cols[ci].Name, Code: CodeEncoding,
				Message: "the value is not UTF-8 text; save the file as UTF-8 (\"CSV UTF-8\" in spreadsheets)"})
			continue
		}
		rec.values[ci] = strings.TrimSpace(f)
	}
	return rec, nil
}

// jsonDecoder reads an array of objects, or objects one after another
// (NDJSON), one object at a time.
type jsonDecoder struct {
	kind    Kind
	dec     *json.Decoder
	utf     *utf8Checker
	cols    []Column
	index   map[string]int
	file    []Problem
	unknown map[string]bool
	array   bool
	row     int
	done    bool
}

func newJSONDecoder(r io.Reader, kind Kind) *jsonDecoder {
	cols := Columns(kind)
	d := &jsonDecoder{kind: kind, cols: cols, index: columnIndex(cols), unknown: map[string]bool{}}
	br, p := openText(r)
	if p != nil {
		d.file, d.done = append(d.file, *p), true
		return d
	}
	d.utf = &utf8Checker{r: br, bad: -1}
	d.dec = json.NewDecoder(d.utf)
	d.dec.UseNumber()
	// Skip white space to see whether this is an array.
	for {
		b, err := br.Peek(1)
		if err != nil {
			d.file, d.done = append(d.file, Problem{Code: CodeEmptyFile, Message: "the file is empty"}), true
			return d
		}
		if b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n' {
			br.ReadByte()
			continue
		}
		if b[0] == '[' {
			d.array = true
			d.dec.Token()
		}
		return d
	}
}

func (d *jsonDecoder) fileProblems() []Problem {
	if d.utf != nil && d.utf.bad >= 0 && !d.utf.reported {
		d.utf.reported = true
		d.file = append(d.file, Problem{Code: CodeEncoding,
			Message: fmt.Sprintf("the file is not UTF-8 (first bad byte at offset %d); save it as UTF-8", d.utf.bad)})
	}
	return d.file
}

func (d *jsonDecoder) next() (*record, error) {
	if d.done {
		return nil, io.EOF
	}
	if (d.array && !d.dec.More()) || (!d.array && !d.more()) {
		d.done = true
		if err := d.end(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	var obj map[string]json.RawMessage
	if err := d.dec.Decode(&obj); err != nil {
		d.done = true
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		if !errors.As(err, &se) && !errors.As(err, &te) && !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, err // the reader failed, as for CSV
		}
		d.file = append(d.file, Problem{Row: d.row + 1, Code: CodeSyntax,
			Message: fmt.Sprintf("object %d cannot be read (%v); nothing after it was read", d.row+1, err)})
		return nil, io.EOF
	}
	d.row++
	rec := &record{row: d.row, values: make([]string, len(d.cols)), positional: true}
	if obj == nil {
		rec.problems = append(rec.problems, Problem{Row: d.row, Code: CodeSyntax, Message: "each element must be an object of column names to values"})
		return rec, nil
	}
	for k, raw := range obj {
		name := normHeader(k)
		ci, ok := d.index[name]
		if !ok {
			if !d.unknown[name] {
				d.unknown[name] = true
				code, msg := CodeUnknownColumn, fmt.Sprintf("%q is not a column of %s files", k, d.kind)
				if orcidColumn(name) {
					code, msg = CodeORCIDNotAccepted, "ORCID iDs cannot be uploaded for people: each person proves their own iD by connecting through ORCID"
				}
				d.file = append(d.file, Problem{Row: d.row, Column: k, Code: code, Message: msg})
			}
			continue
		}
		v, err := jsonText(raw)
		if err != nil {
			rec.problems = append(rec.problems, Problem{Row: d.row, Column: d.cols[ci].Name, Code: CodeNotText,
				Message: "the value must be text, a number or null, not an object or an array"})
			continue
		}
		rec.values[ci] = strings.TrimSpace(v)
	}
	return rec, nil
}

// end checks that the file ends where its objects do: More is false at a
// stray "]" or "}" as well as at the end, and after an array's "]" a
// second array (two exports pasted together) would otherwise be dropped
// without a word. Only a failure to read is an error.
func (d *jsonDecoder) end() error {
	if d.array {
		if _, err := d.dec.Token(); err != nil { // the closing "]"
			return d.endProblem(err, "the array is not closed with \"]\"")
		}
	}
	if _, err := d.dec.Token(); !errors.Is(err, io.EOF) {
		return d.endProblem(err, "the file goes on after its last object; nothing after it was read")
	}
	return nil
}

func (d *jsonDecoder) endProblem(err error, msg string) error {
	var se *json.SyntaxError
	if err != nil && !errors.As(err, &se) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err // the reader failed
	}
	d.file = append(d.file, Problem{Code: CodeSyntax, Message: msg})
	return nil
}

// more reports whether another NDJSON value follows.
func (d *jsonDecoder) more() bool { return d.dec.More() }

func jsonText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case '{', '[':
		return "", errors.New("not text")
	case 'n':
		return "", nil
	}
	return string(raw), nil // numbers and booleans as written
}

// utf8Checker passes bytes through and notes the offset of the first
// invalid UTF-8 sequence: encoding/json would otherwise replace it without
// a word.
type utf8Checker struct {
	r        io.Reader
	carry    []byte
	off      int64
	bad      int64
	reported bool
}

func (c *utf8Checker) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.bad < 0 && n > 0 {
		buf := append(c.carry, p[:n]...)
		start := c.off - int64(len(c.carry))
		i := 0
		for i < len(buf) {
			if buf[i] < utf8.RuneSelf {
				i++
				continue
			}
			r, size := utf8.DecodeRune(buf[i:])
			if r == utf8.RuneError && size <= 1 {
				if !utf8.FullRune(buf[i:]) && err == nil {
					break // may complete in the next read
				}
				c.bad = start + int64(i)
				break
			}
			i += size
		}
		c.carry = append(c.carry[:0], buf[i:]...)
		if c.bad >= 0 {
			c.carry = nil
		}
	}
	c.off += int64(n)
	return n, err
}
