package batch

import (
	"bufio"
	"bytes"
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
	sc   *csvScanner
	cols []Column
	idx  []int // column index of each header field; -1 for unknown
	file []Problem
	row  int
	done bool
	// readErr is the reader's failure while reading the header.
	readErr error
}

func newCSVDecoder(r io.Reader, kind Kind, lim limits) *csvDecoder {
	d := &csvDecoder{kind: kind, cols: Columns(kind)}
	br, p := openText(r)
	if p != nil {
		d.file, d.done = append(d.file, *p), true
		return d
	}
	d.sc = newCSVScanner(br, lim)
	head, err := d.sc.next()
	switch {
	case errors.Is(err, io.EOF):
		d.file, d.done = append(d.file, Problem{Code: CodeEmptyFile, Message: "the file is empty: it needs a header row and data rows"}), true
	case err != nil:
		// The reader failed: next reports it.
		d.readErr = err
	case head.err != nil:
		d.file, d.done = append(d.file, Problem{Line: 1, Code: CodeSyntax, Message: "the header row cannot be read: " + head.err.Error()}), true
	case head.tooLong || len(head.over) > 0 || head.nfields > len(head.fields):
		d.file, d.done = append(d.file, Problem{Line: head.line, Code: CodeTooLong,
			Message: fmt.Sprintf("the header row is %d bytes long, with %d fields: it cannot be the names of columns", head.size, head.nfields)}), true
	default:
		d.header(head.fields)
	}
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
	// An article is nobody's item: its contributors name its people.
	if ei, ri := index["email"], index["person-ref"]; d.kind != Articles && !seen[ei] && !seen[ri] {
		d.file = append(d.file, Problem{Line: 1, Column: "email", Code: CodeMissingColumn,
			Message: "the header needs an email or a person-ref column to say whom each row is about"})
	}
}

func (d *csvDecoder) fileProblems() []Problem { return d.file }

func (d *csvDecoder) next() (*record, error) {
	if d.readErr != nil {
		d.done = true
		return nil, d.readErr
	}
	if d.done {
		return nil, io.EOF
	}
	r, err := d.sc.next()
	if errors.Is(err, io.EOF) {
		d.done = true
		return nil, io.EOF
	}
	if err != nil {
		// The reader failed (a client gone, a body over its limit): no
		// fault of the row, and reading on would fail again forever.
		d.done = true
		return nil, err
	}
	d.row++
	rec := &record{row: d.row, line: r.line, values: make([]string, len(d.cols)), positional: true}
	switch {
	case r.err != nil:
		rec.positional = false
		rec.problems = append(rec.problems, Problem{Row: d.row, Line: r.line, Code: CodeSyntax,
			Message: "the row cannot be read: " + r.err.Error() + " (a quote inside a field must be doubled, and a quoted field closed)"})
		return rec, nil
	case r.tooLong:
		rec.positional = false
		rec.problems = append(rec.problems, Problem{Row: d.row, Line: r.line, Code: CodeTooLong,
			Message: fmt.Sprintf("the row is %d bytes long; a row may have at most %d", r.size, d.sc.lim.row)})
		return rec, nil
	case r.nfields != len(d.idx):
		rec.positional = false
		rec.problems = append(rec.problems, Problem{Row: d.row, Line: r.line, Code: CodeFieldCount,
			Message: fmt.Sprintf("the row has %d fields where the header has %d", r.nfields, len(d.idx))})
		return rec, nil
	}
	for _, o := range r.over {
		if ci := d.idx[o.field]; ci >= 0 {
			rec.problems = append(rec.problems, tooLongValue(d.row, r.line, d.cols[ci].Name, o, d.sc.lim))
		}
	}
	for i, f := range r.fields {
		ci := d.idx[i]
		if ci < 0 || f == "" {
			continue
		}
		if !utf8.ValidString(f) {
			rec.problems = append(rec.problems, Problem{Row: d.row, Line: r.line, Column: d.cols[ci].Name, Code: CodeEncoding,
				Message: "the value is not UTF-8 text; save the file as UTF-8 (\"CSV UTF-8\" in spreadsheets)"})
			continue
		}
		rec.values[ci] = strings.TrimSpace(f)
	}
	return rec, nil
}

// tooLongValue is the problem of a value refused while it was read: its
// length and first characters, never the value.
func tooLongValue(row, line int, column string, o overValue, lim limits) Problem {
	return Problem{Row: row, Line: line, Column: column, Code: CodeTooLong,
		Message: fmt.Sprintf("%s is %d bytes long, more than any column takes (%d); it starts %q", column, o.length, lim.cell, o.preview)}
}

// jsonDecoder reads an array of objects, or objects one after another
// (NDJSON), one object at a time.
type jsonDecoder struct {
	kind    Kind
	sp      *jsonSplitter
	utf     *utf8Checker
	cols    []Column
	index   map[string]int
	file    []Problem
	unknown map[string]bool
	array   bool
	row     int
	done    bool
}

func newJSONDecoder(r io.Reader, kind Kind, lim limits) *jsonDecoder {
	cols := Columns(kind)
	d := &jsonDecoder{kind: kind, cols: cols, index: columnIndex(cols), unknown: map[string]bool{}}
	br, p := openText(r)
	if p != nil {
		d.file, d.done = append(d.file, *p), true
		return d
	}
	d.utf = &utf8Checker{r: br, bad: -1}
	d.sp = &jsonSplitter{br: bufio.NewReaderSize(d.utf, 64<<10), lim: lim}
	c, err := d.sp.peek()
	switch {
	case err != nil:
		// Empty, or the reader failed at once: next says which.
		if errors.Is(err, io.EOF) {
			d.file, d.done = append(d.file, Problem{Code: CodeEmptyFile, Message: "the file is empty"}), true
		}
	case c == '[':
		d.array = true
		d.sp.br.ReadByte()
	}
	return d
}

func (d *jsonDecoder) fileProblems() []Problem {
	if d.utf != nil && d.utf.bad >= 0 && !d.utf.reported {
		d.utf.reported = true
		d.file = append(d.file, Problem{Code: CodeEncoding,
			Message: fmt.Sprintf("the file is not UTF-8 (first bad byte at offset %d); save it as UTF-8", d.utf.bad)})
	}
	return d.file
}

// stop ends the file at a problem of its syntax.
func (d *jsonDecoder) stop(row int, msg string) (*record, error) {
	d.done = true
	d.file = append(d.file, Problem{Row: row, Code: CodeSyntax, Message: msg})
	return nil, io.EOF
}

func (d *jsonDecoder) next() (*record, error) {
	if d.done {
		return nil, io.EOF
	}
	c, err := d.sp.peek()
	eof := errors.Is(err, io.EOF)
	if err != nil && !eof {
		d.done = true
		return nil, err // the reader failed, as for CSV
	}
	switch {
	case d.array && d.row > 0 && !eof && c == ',':
		// The comma between two elements; a value must follow.
		d.sp.br.ReadByte()
		if _, err = d.sp.peek(); err != nil && !errors.Is(err, io.EOF) {
			d.done = true
			return nil, err
		}
		if err != nil {
			return d.stop(d.row+1, fmt.Sprintf("object %d cannot be read (the file ends after a comma); nothing after it was read", d.row+1))
		}
	case d.array && !eof && c == ']':
		d.sp.br.ReadByte()
		d.done = true
		// After the array's "]", a second array (two exports pasted
		// together) would otherwise be dropped without a word.
		if _, err := d.sp.peek(); !errors.Is(err, io.EOF) {
			if err != nil {
				return nil, err
			}
			d.file = append(d.file, Problem{Code: CodeSyntax, Message: "the file goes on after its last object; nothing after it was read"})
		}
		return nil, io.EOF
	case d.array && eof:
		d.done = true
		d.file = append(d.file, Problem{Code: CodeSyntax, Message: "the array is not closed with \"]\""})
		return nil, io.EOF
	case d.array && d.row > 0:
		return d.stop(d.row+1, fmt.Sprintf("object %d cannot be read (invalid character %q after an object: a comma or \"]\" was expected); nothing after it was read", d.row+1, c))
	case eof:
		d.done = true
		return nil, io.EOF
	case !d.array && (c == ']' || c == '}'):
		return d.stop(0, "the file goes on after its last object; nothing after it was read")
	}
	v, err := d.sp.value()
	if err != nil {
		d.done = true
		return nil, err
	}
	d.row++
	switch {
	case v.broken != "":
		return d.stop(d.row, fmt.Sprintf("object %d cannot be read (%s); nothing after it was read", d.row, v.broken))
	case v.eof:
		return d.stop(d.row, fmt.Sprintf("object %d cannot be read (the file ends inside it); nothing after it was read", d.row))
	}
	rec := &record{row: d.row, values: make([]string, len(d.cols)), positional: true}
	if v.tooLong {
		rec.positional = false
		rec.problems = append(rec.problems, Problem{Row: d.row, Code: CodeTooLong,
			Message: fmt.Sprintf("object %d is %d bytes long; a row may have at most %d", d.row, v.size, d.sp.lim.row)})
		return rec, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(v.raw, &obj); err != nil {
		return d.stop(d.row, fmt.Sprintf("object %d cannot be read (%v); nothing after it was read", d.row, err))
	}
	if obj == nil {
		rec.problems = append(rec.problems, Problem{Row: d.row, Code: CodeSyntax, Message: "each element must be an object of column names to values"})
		return rec, nil
	}
	over := map[string]overValue{}
	for _, o := range v.over {
		over[o.key] = o
	}
	for k, raw := range obj {
		name := normHeader(k)
		ci, ok := d.index[name]
		if !ok {
			if !d.unknown[name] && len(d.unknown) < maxFields {
				d.unknown[name] = true
				code, msg := CodeUnknownColumn, fmt.Sprintf("%q is not a column of %s files", preview([]byte(k)), d.kind)
				if orcidColumn(name) {
					code, msg = CodeORCIDNotAccepted, "ORCID iDs cannot be uploaded for people: each person proves their own iD by connecting through ORCID"
				}
				d.file = append(d.file, Problem{Row: d.row, Column: preview([]byte(k)), Code: code, Message: msg})
			}
			continue
		}
		if o, ok := over[k]; ok {
			rec.problems = append(rec.problems, tooLongValue(d.row, 0, d.cols[ci].Name, o, d.sp.lim))
			continue
		}
		v, err := jsonText(raw)
		if err != nil && d.cols[ci].list {
			v, err = jsonList(raw)
		}
		if err != nil {
			msg := "the value must be text, a number or null, not an object or an array"
			if d.cols[ci].list {
				msg = "the value must be text or an array, not an object"
			}
			rec.problems = append(rec.problems, Problem{Row: d.row, Column: d.cols[ci].Name, Code: CodeNotText, Message: msg})
			continue
		}
		rec.values[ci] = strings.TrimSpace(v)
	}
	return rec, nil
}

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

// jsonList keeps an array as its compact JSON text, for a column that
// takes a list (its parser reads the text as JSON when it starts with
// "["): the stored row stays a map of texts, and a list of objects (an
// article's contributors) needs no separator of its own.
func jsonList(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '[' {
		return "", errors.New("not a list")
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "", err
	}
	return b.String(), nil
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
		c.scan(p[:n], err != nil)
	}
	c.off += int64(n)
	if err != nil && c.bad < 0 && len(c.carry) > 0 {
		c.bad = c.off - int64(len(c.carry)) // the file ends inside a character
	}
	return n, err
}

// scan checks b, read at offset c.off, in place: copying each read (as
// this once did) made a 200 MB file 200 MB of garbage.
func (c *utf8Checker) scan(b []byte, last bool) {
	i := 0
	if len(c.carry) > 0 {
		// The character the last read cut: complete it from b.
		var buf [2 * utf8.UTFMax]byte
		k := copy(buf[:], c.carry)
		k += copy(buf[k:], b[:min(len(b), utf8.UTFMax)])
		r, size := utf8.DecodeRune(buf[:k])
		if r == utf8.RuneError && size <= 1 {
			if !utf8.FullRune(buf[:k]) && !last {
				c.carry = append(c.carry, b...) // b is shorter than the rest of it
				return
			}
			c.bad, c.carry = c.off-int64(len(c.carry)), nil
			return
		}
		i, c.carry = size-len(c.carry), c.carry[:0]
	}
	for i < len(b) {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			if !utf8.FullRune(b[i:]) && !last {
				c.carry = append(c.carry[:0], b[i:]...) // may complete in the next read
				return
			}
			c.bad = c.off + int64(i)
			return
		}
		i += size
	}
}
