// Package safecsv is the one CSV writer of the files orcidlink serves
// (batch results, problem reports, templates): encoding/csv's, with every
// cell that a spreadsheet would run as a formula written as text instead.
//
// A value a tenant or a stranger typed (a name, a title, an unknown
// column's header) comes back in these files; opened in a spreadsheet, a
// cell starting with "=", "+", "-" or "@" is a formula, which may fetch
// URLs or run commands (OWASP, "CSV Injection"), and a leading tab or
// carriage return hides such a start. OWASP's remedy is applied: such a
// cell gets a leading single quote, which spreadsheets read as "text
// follows" and hide, so the value shows as it was written.
package safecsv

import (
	"encoding/csv"
	"io"
)

// Cell returns s as a cell no spreadsheet runs as a formula.
func Cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Writer writes CSV records, each cell through Cell.
type Writer struct {
	cw  *csv.Writer
	buf []string
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{cw: csv.NewWriter(w)} }

// Write writes one record (record itself is not changed).
func (w *Writer) Write(record []string) error {
	w.buf = w.buf[:0]
	for _, c := range record {
		w.buf = append(w.buf, Cell(c))
	}
	return w.cw.Write(w.buf)
}

// Flush writes what is buffered to the underlying writer.
func (w *Writer) Flush() { w.cw.Flush() }

// Error reports an error of a Write or Flush before.
func (w *Writer) Error() error { return w.cw.Error() }
