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

// What one row of a file may hold. encoding/csv and encoding/json read a
// whole record or value into memory before anyone can look at its length,
// so a file with one 200 MB cell held 200 MB (and more, as copies) before
// any check; the scanners here count while they read, keep at most these
// many bytes, and read past the rest without holding it.
const (
	// MaxCellBytes bounds one value as written in the file (a CSV field;
	// a JSON member's value, as JSON text): far above the longest any
	// column takes (10,000 characters, or an article's 500 contributors).
	MaxCellBytes = 256 << 10
	// MaxRowBytes bounds what is kept of one row: its values, the
	// previews of values over MaxCellBytes, and its separators.
	MaxRowBytes = 1 << 20
	// maxFields bounds the fields of a CSV row: no kind has a tenth as
	// many columns, so a wider row is a field-count problem, counted but
	// not kept.
	maxFields = 1000
	// previewRunes is how much of a refused value its problem quotes: what
	// the report needs to find it, never the value itself.
	previewRunes = 200
	// keptRunes bounds each value kept of a row with problems, and
	// maxMessageRunes each message (refused).
	keptRunes       = 256
	maxMessageRunes = 600
	// maxChunkBytes bounds the values of the rows validated together,
	// besides Options.ChunkSize.
	maxChunkBytes = 8 << 20
	// maxDepth bounds the nesting of a JSON value: an article's
	// contributors, the deepest of them, are objects in an array in an
	// object in an array.
	maxDepth = 32
)

// limits are the bounds a scanner applies; tests and fuzzing shrink them.
type limits struct {
	cell, row, fields int
}

func defaultLimits() limits { return limits{cell: MaxCellBytes, row: MaxRowBytes, fields: maxFields} }

// overValue is a value refused for its length: where it was, how long it
// was, and its first characters.
type overValue struct {
	field   int    // CSV: the field's index in the row
	key     string // JSON: the member's name
	length  int64  // bytes, as written in the file
	preview string // its first previewRunes characters, valid UTF-8
}

// preview is the first previewRunes characters of b, for a message.
func preview(b []byte) string {
	s := strings.ToValidUTF8(string(b[:min(len(b), previewRunes*utf8.UTFMax)]), "\uFFFD")
	if utf8.RuneCountInString(s) <= previewRunes {
		return s
	}
	n := 0
	for i := range s {
		if n == previewRunes {
			return s[:i]
		}
		n++
	}
	return s
}

// csvRow is one record as the scanner read it.
type csvRow struct {
	line    int      // the line it starts on
	fields  []string // the values kept; a value over the cell limit is ""
	nfields int      // fields in the record, kept or not
	over    []overValue
	// size is the record's length in bytes, and tooLong says that what
	// it keeps went past the row limit: fields is then nil.
	size    int64
	tooLong bool
	// err is csv.ErrBareQuote or csv.ErrQuote: the record cannot be read
	// (the rest of its line is skipped, as encoding/csv does).
	err error
}

// csvScanner reads RFC 4180 records exactly as encoding/csv does with
// FieldsPerRecord -1 and no LazyQuotes (fuzzing checks it against
// encoding/csv), but bounded: a field past lim.cell keeps only its
// preview, and a record whose kept bytes pass lim.row keeps nothing.
type csvScanner struct {
	br  *bufio.Reader
	lim limits
	nl  int // newlines read so far

	// The record being read: its kept bytes, where each kept field ends,
	// and the field being read.
	buf        []byte
	ends       []int
	over       []overValue
	fieldStart int
	fieldLen   int64
	fieldOver  bool
	nfields    int
	size       int64
	skip       bool // keeping nothing more of this record
	tooLong    bool
}

func newCSVScanner(br *bufio.Reader, lim limits) *csvScanner {
	return &csvScanner{br: br, lim: lim}
}

// readByte reads the next byte as encoding/csv sees it: "\r\n" as "\n",
// and a "\r" that ends the file not at all.
func (s *csvScanner) readByte() (byte, error) {
	c, err := s.br.ReadByte()
	if err != nil {
		return 0, err
	}
	if c == '\r' {
		next, err := s.br.Peek(1)
		switch {
		case err == nil && next[0] == '\n':
			s.br.ReadByte()
			c = '\n'
		case errors.Is(err, io.EOF):
			return 0, io.EOF
		case err != nil:
			return 0, err
		}
	}
	if c == '\n' {
		s.nl++
	}
	s.size++
	return c, nil
}

// add appends a byte to the field being read, within the limits.
func (s *csvScanner) add(c byte) {
	s.fieldLen++
	if s.skip {
		return
	}
	if s.fieldLen > int64(s.lim.cell) {
		if !s.fieldOver {
			// Keep the preview only: the rest is counted, not held.
			s.fieldOver = true
			s.buf = s.buf[:s.fieldStart+min(len(s.buf)-s.fieldStart, previewRunes*utf8.UTFMax)]
		}
		return
	}
	s.buf = append(s.buf, c)
	if len(s.buf)+len(s.ends) > s.lim.row {
		s.skip, s.tooLong = true, true
		s.buf, s.ends, s.over = s.buf[:0], s.ends[:0], s.over[:0]
	}
}

// endField closes the field being read.
func (s *csvScanner) endField() {
	if !s.skip {
		if s.fieldOver {
			s.over = append(s.over, overValue{field: s.nfields, length: s.fieldLen, preview: preview(s.buf[s.fieldStart:])})
			s.buf = s.buf[:s.fieldStart]
		}
		s.ends = append(s.ends, len(s.buf))
		if len(s.ends) >= s.lim.fields {
			s.skip = true // the rest is counted, for the field-count problem
		}
	}
	s.nfields++
	s.fieldStart, s.fieldLen, s.fieldOver = len(s.buf), 0, false
}

// next reads the next record; io.EOF at the end, any other error is the
// reader's.
func (s *csvScanner) next() (*csvRow, error) {
	// Empty lines are skipped, as encoding/csv skips them.
	var c byte
	var err error
	for {
		if c, err = s.readByte(); err != nil {
			return nil, err
		}
		if c != '\n' {
			break
		}
	}
	s.buf, s.ends, s.over = s.buf[:0], s.ends[:0], s.over[:0]
	s.fieldStart, s.fieldLen, s.fieldOver, s.nfields, s.skip, s.tooLong = 0, 0, false, 0, false, false
	s.size = 1
	row := &csvRow{line: s.nl + 1}
	eof := false
	read := func() error {
		c, err = s.readByte()
		if errors.Is(err, io.EOF) {
			eof, err = true, nil
		}
		return err
	}
	for {
		if eof || c != '"' {
			// An unquoted field, to the next comma or the end of the line.
			for !eof && c != ',' && c != '\n' {
				if c == '"' {
					return s.fail(row, csv.ErrBareQuote)
				}
				s.add(c)
				if err := read(); err != nil {
					return nil, err
				}
			}
			s.endField()
			if eof || c == '\n' {
				return s.done(row), nil
			}
			if err := read(); err != nil { // past the comma
				return nil, err
			}
			continue
		}
		// A quoted field: a quote is doubled, and the closing one is
		// followed by a comma or the end of the line.
		for {
			if err := read(); err != nil {
				return nil, err
			}
			if eof {
				row.err = csv.ErrQuote
				return s.done(row), nil
			}
			if c != '"' {
				s.add(c)
				continue
			}
			if err := read(); err != nil {
				return nil, err
			}
			if !eof && c == '"' {
				s.add('"')
				continue
			}
			break
		}
		s.endField()
		if eof || c == '\n' {
			return s.done(row), nil
		}
		if c != ',' {
			return s.fail(row, csv.ErrQuote)
		}
		if err := read(); err != nil {
			return nil, err
		}
	}
}

// fail ends a record that cannot be read: encoding/csv drops the rest of
// the line it stopped on, and so does this.
func (s *csvScanner) fail(row *csvRow, why error) (*csvRow, error) {
	row.err = why
	for {
		c, err := s.readByte()
		if errors.Is(err, io.EOF) || (err == nil && c == '\n') {
			return s.done(row), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// done fills in the record from what was kept.
func (s *csvScanner) done(row *csvRow) *csvRow {
	row.nfields, row.size, row.tooLong = s.nfields, s.size, s.tooLong
	if s.tooLong || row.err != nil {
		return row
	}
	str := string(s.buf) // one allocation for the whole record
	row.fields = make([]string, len(s.ends))
	prev := 0
	for i, end := range s.ends {
		row.fields[i] = str[prev:end]
		prev = end
	}
	row.over = append([]overValue(nil), s.over...)
	return row
}

// jsonValue is one top-level value of a JSON file as the splitter read
// it.
type jsonValue struct {
	// raw is the value's text, each member over the cell limit replaced
	// by null (and listed in over); nil when tooLong.
	raw  []byte
	over []overValue
	// size is the value's length in bytes, and tooLong says that what it
	// keeps went past the row limit.
	size    int64
	tooLong bool
	// broken is why the value cannot be JSON (nesting too deep, brackets
	// that do not match); eof that the file ended inside it.
	broken string
	eof    bool
}

// jsonSplitter cuts a JSON stream into its top-level values without
// decoding them, each bounded: a member's value past lim.cell is replaced
// by null, and a value whose kept bytes pass lim.row keeps nothing. What it
// keeps is then decoded by encoding/json, which judges the syntax.
type jsonSplitter struct {
	br  *bufio.Reader
	lim limits
	seg []byte
}

// peek returns the next byte that is not white space, without reading
// it; io.EOF at the end.
func (s *jsonSplitter) peek() (byte, error) {
	for {
		b, err := s.br.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			s.br.ReadByte()
			continue
		}
		return b[0], nil
	}
}

// jsonDelimiter ends a top-level scalar (a number, true, null, or
// garbage).
func jsonDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', '[', ']', '{', '}', '"':
		return true
	}
	return false
}

// value reads the next top-level value; the caller peeked that there is
// one.
func (s *jsonSplitter) value() (jsonValue, error) {
	var v jsonValue
	s.seg = s.seg[:0]
	var stack [maxDepth]byte
	depth := 0
	inStr, esc := false, false
	// The members of a top-level object: at depth 1, a string is a key
	// when one is expected, and a value runs from its colon to the next
	// comma or the closing brace.
	expectKey, isKey := false, false
	keyStart, keyEnd := 0, 0
	inVal, valOver := false, false
	valStart, valLen := 0, int64(0)
	var valPreview string
	skip := false
	member := func() bool { return depth == 1 && stack[0] == '{' }
	keep := func(c byte) {
		if skip {
			return
		}
		if inVal {
			valLen++
			if valLen > int64(s.lim.cell) {
				if !valOver {
					valOver = true
					// A text's preview starts inside its quotes.
					valPreview = preview(bytes.TrimPrefix(bytes.TrimLeft(s.seg[valStart:], " \t\r\n"), []byte{'"'}))
					s.seg = s.seg[:valStart]
				}
				return
			}
		}
		s.seg = append(s.seg, c)
		if len(s.seg) > s.lim.row {
			skip, v.tooLong = true, true
			s.seg, v.over = s.seg[:0], nil
		}
	}
	endValue := func() {
		if inVal && valOver && !skip {
			var key string
			if err := json.Unmarshal(s.seg[keyStart:keyEnd], &key); err == nil {
				v.over = append(v.over, overValue{key: key, length: valLen, preview: valPreview})
			}
			s.seg = append(s.seg, "null"...)
		}
		inVal, valOver = false, false
	}
	finish := func() (jsonValue, error) {
		if !v.tooLong {
			v.raw = s.seg
		}
		return v, nil
	}
	first := true
	for {
		if first || depth > 0 || inStr {
			// Inside the value: read on.
		} else if b, err := s.br.Peek(1); err != nil || jsonDelimiter(b[0]) {
			// A top-level scalar ends where its delimiter starts.
			if err != nil && !errors.Is(err, io.EOF) {
				return v, err
			}
			return finish()
		}
		c, err := s.br.ReadByte()
		if errors.Is(err, io.EOF) {
			v.eof = depth > 0 || inStr
			return finish()
		}
		if err != nil {
			return v, err
		}
		v.size++
		first = false
		if inStr {
			keep(c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
				if isKey {
					isKey, expectKey, keyEnd = false, false, len(s.seg)
				}
				if depth == 0 {
					return finish() // a top-level string
				}
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
			if member() && expectKey && !inVal {
				isKey, keyStart = true, len(s.seg)
			}
			keep(c)
		case '{', '[':
			if depth == maxDepth {
				v.broken = fmt.Sprintf("it is nested more than %d deep", maxDepth)
				return v, nil
			}
			keep(c)
			stack[depth] = c
			depth++
			if depth == 1 && c == '{' {
				expectKey = true
			}
		case '}', ']':
			open := byte('{')
			if c == ']' {
				open = '['
			}
			if depth == 0 || stack[depth-1] != open {
				v.broken = fmt.Sprintf("invalid character %q", c)
				return v, nil
			}
			if member() {
				endValue()
			}
			keep(c)
			depth--
			if depth == 0 {
				return finish()
			}
		case ':':
			keep(c)
			if member() && !inVal {
				inVal, valOver, valStart, valLen = true, false, len(s.seg), 0
			}
		case ',':
			if member() {
				endValue()
				expectKey = true
			}
			keep(c)
		default:
			keep(c)
		}
	}
}
