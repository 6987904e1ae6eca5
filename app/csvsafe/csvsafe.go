// Package csvsafe is the one CSV writer of the application: every CSV file
// Lantern sends is meant to be opened in a spreadsheet, so it is UTF-8 with a
// byte-order mark (Excel then reads Vietnamese right) and no cell typed by a
// person can run as a formula there (CSV injection: a name such as
// =HYPERLINK(…) or @SUM(…) would otherwise be evaluated when an organiser
// opens the file).
//
// A text cell whose first character (after spaces) is one a spreadsheet
// reads as the start of a formula — = + - @, a tab, a carriage return or a
// line feed — gets a leading apostrophe, as OWASP recommends; the value is
// then shown as text. Numbers given as Go numbers stay numbers (a negative
// figure is not text), and so does a phone number in E.164 form (+ and 7 to
// 15 digits), which the application itself writes and which no spreadsheet
// runs.
package csvsafe

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// BOM is the UTF-8 byte-order mark written at the start of every file.
const BOM = "\ufeff"

// Writer writes a CSV file for spreadsheets. Set Comma and UseCRLF before
// the first row; the byte-order mark goes out with the first row.
type Writer struct {
	// Comma is the field separator: ',' unless set (';' suits Excel in
	// Vietnamese and French).
	Comma rune
	// UseCRLF ends lines with \r\n.
	UseCRLF bool

	out     io.Writer
	cw      *csv.Writer
	rec     []string
	started bool
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{Comma: ',', out: w} }

func (w *Writer) start() error {
	if w.started {
		return nil
	}
	w.started = true
	if _, err := io.WriteString(w.out, BOM); err != nil {
		return err
	}
	w.cw = csv.NewWriter(w.out)
	w.cw.Comma = w.Comma
	w.cw.UseCRLF = w.UseCRLF
	return nil
}

// Write writes one row: strings are text (made safe), Go numbers are
// numbers, nil is an empty cell.
func (w *Writer) Write(row []any) error {
	if err := w.start(); err != nil {
		return err
	}
	w.rec = w.rec[:0]
	for _, v := range row {
		w.rec = append(w.rec, Cell(v))
	}
	return w.cw.Write(w.rec)
}

// WriteStrings writes a row of text cells (made safe).
func (w *Writer) WriteStrings(row []string) error {
	if err := w.start(); err != nil {
		return err
	}
	w.rec = w.rec[:0]
	for _, s := range row {
		w.rec = append(w.rec, Text(s))
	}
	return w.cw.Write(w.rec)
}

// Flush writes out what is buffered and returns the first error met.
func (w *Writer) Flush() error {
	if err := w.start(); err != nil {
		return err
	}
	w.cw.Flush()
	return w.cw.Error()
}

// DateTimeLayout and DateLayout are how dates go into a CSV cell: ISO
// 8601, sortable as text. A spreadsheet file (XLSX) holds them as dates.
const (
	DateTimeLayout = "2006-01-02 15:04"
	DateLayout     = "2006-01-02"
)

// Date is a calendar day (a date without a time of day). Exports write it
// as 2006-01-02 in CSV, and as a date cell in a workbook.
type Date struct{ time.Time }

// Cell is the text of one cell: Go numbers as numbers, anything else as
// safe text.
func Cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return Text(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case uint:
		return strconv.FormatUint(uint64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		// ISO 8601, in the time's own zone (the caller's local time).
		return x.Format(DateTimeLayout)
	case Date:
		return x.Format(DateLayout)
	}
	return Text(fmt.Sprint(v))
}

// Text makes a text cell safe: a leading apostrophe when a spreadsheet
// would read the cell as a formula.
func Text(s string) string {
	t := strings.TrimLeft(s, " ")
	if t == "" || isE164(t) {
		return s
	}
	switch t[0] {
	case '=', '+', '-', '@', '\t', '\r', '\n':
		return "'" + s
	}
	return s
}

// isE164 tells whether s is a phone number in E.164 form: + then 7 to 15
// digits, the first not 0.
func isE164(s string) bool {
	if len(s) < 8 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
