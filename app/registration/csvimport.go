package registration

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// CSV import of an invitation list (docs/IMPORT.md). Partners send
// organisers a spreadsheet of invitees; ParseImport reads it, as Excel and
// LibreOffice write it in Vietnamese, French and English locales, into
// valid rows and per-row errors. It is a pure function over an io.Reader:
// no database, no locale bundle (role labels come in ImportOptions).

// Limits of an import file. The server's body limit is 1 MiB; the file and
// the confirm form (which carries the valid rows back) stay well under it.
const (
	ImportMaxBytes = 512 << 10
	ImportMaxRows  = 2000
	ImportMaxCols  = 50
)

// ImportColumns is the documented column order of a file without a header
// row: name, phone, then the optional organisation and role.
var ImportColumns = []string{"name", "phone", "organisation", "role"}

const (
	colName = iota
	colPhone
	colOrganisation
	colRole
	colCount
)

// ImportOptions tunes ParseImport.
type ImportOptions struct {
	// RoleLabels maps role labels as people write them (in any language;
	// matched without case, diacritics, spaces or punctuation) to role keys.
	// The keys of Roles are always accepted.
	RoleLabels map[string]string
	// Region is where numbers written without + belong: the session's
	// country's phone region.
	Region string
}

// ImportRow is a valid row of an import file.
type ImportRow struct {
	Row          int    // record number in the file, as a spreadsheet numbers rows (header = 1)
	Name         string // CleanName
	Phone        string // E.164
	Organisation string // textnorm.Clean, at most OrganisationMax runes
	Role         string // one of Roles, or ""
	// Notices, not errors.
	Renumbered  bool   // an 11-digit number from before 2018, converted
	OldPhone    string // the number as written before renumbering
	RoleUnknown string // a role that was not recognised (left empty), as written
}

// ImportRowError is a row that cannot be imported: a message key with its
// arguments, and the name and phone as written (to find the row).
type ImportRowError struct {
	Row   int
	Key   string
	Args  map[string]any
	Name  string
	Phone string
}

// ImportFile is a parsed import file.
type ImportFile struct {
	Header    bool
	Separator rune
	Records   int // data records read (header excluded, blank ones included)
	Blank     int // blank records skipped
	Rows      []ImportRow
	Errors    []ImportRowError
}

// File-level refusals (apperr.Invalid, with these keys).
const (
	ErrImportEmpty         = "error.import.empty"
	ErrImportTooLarge      = "error.import.too_large"
	ErrImportTooManyRows   = "error.import.too_many_rows"
	ErrImportEncoding      = "error.import.encoding"
	ErrImportBinary        = "error.import.binary"
	ErrImportNoNameColumn  = "error.import.no_name_column"
	ErrImportNoPhoneColumn = "error.import.no_phone_column"
	ErrImportTooManyCols   = "error.import.too_many_columns"
	ErrImportNoRows        = "error.import.no_rows"
)

// Row-level error keys.
const (
	ErrImportRowDuplicate = "error.import.row.duplicate"
	ErrImportRowQuotes    = "error.import.row.quotes"
)

// rowKeys turns the messages of the shared checks, written to the person
// ("your name"), into messages about a row of a list.
var rowKeys = map[string]string{
	"error.register.name_required":     "error.import.row.name_required",
	"error.register.name_short":        "error.import.row.name_short",
	"error.register.name_long":         "error.import.row.name_long",
	"error.register.name_chars":        "error.import.row.name_chars",
	"error.register.name_letters":      "error.import.row.name_letters",
	"error.register.organisation_long": "error.import.row.organisation_long",
	phone.ErrRequired.Error():          "error.import.row.phone_required",
	phone.ErrInvalid.Error():           "error.import.row.phone_invalid",
	phone.ErrNotMobile.Error():         "error.import.row.phone_not_mobile",
}

// ImportMessageKeys lists every message key ParseImport and CheckImportRows
// can return, for the locale tests.
func ImportMessageKeys() []string {
	out := []string{ErrImportEmpty, ErrImportTooLarge, ErrImportTooManyRows, ErrImportEncoding, ErrImportBinary,
		ErrImportNoNameColumn, ErrImportNoPhoneColumn, ErrImportTooManyCols, ErrImportNoRows,
		ErrImportRowDuplicate, ErrImportRowQuotes, ErrImportChanged}
	for _, v := range rowKeys {
		out = append(out, v)
	}
	return out
}

func invalid(key string, args map[string]any) error {
	e := apperr.New(apperr.Invalid, key)
	if args != nil {
		e = e.With(args)
	}
	return e
}

// ParseImport reads an import file: UTF-8 with or without a BOM; comma,
// semicolon (Excel in Vietnamese and French locales) or tab separators;
// CRLF, LF or CR line ends; quoted fields. A header row in Vietnamese,
// French or English is recognised without case or diacritics; without one,
// columns are read in the order of ImportColumns. Blank records are
// skipped. File-level problems are returned as an apperr.Invalid error;
// everything else is a row or a row error.
func ParseImport(r io.Reader, opt ImportOptions) (*ImportFile, error) {
	data, err := io.ReadAll(io.LimitReader(r, ImportMaxBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > ImportMaxBytes {
		return nil, invalid(ErrImportTooLarge, map[string]any{"MaxKB": ImportMaxBytes >> 10})
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		// UTF-16, what Excel calls "Unicode text".
		return nil, invalid(ErrImportEncoding, nil)
	}
	data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, invalid(ErrImportBinary, nil)
	}
	if !utf8.Valid(data) {
		return nil, invalid(ErrImportEncoding, nil)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, invalid(ErrImportEmpty, nil)
	}
	// Old Mac line ends (CR alone).
	if bytes.IndexByte(data, '\n') < 0 && bytes.IndexByte(data, '\r') >= 0 {
		data = bytes.ReplaceAll(data, []byte{'\r'}, []byte{'\n'})
	}
	sep := rune(0)
	// Excel's "sep=;" hint line (hidden by Excel, so not counted as a row).
	if first, rest, ok := bytes.Cut(data, []byte{'\n'}); ok || len(first) > 0 {
		f := strings.TrimSpace(string(first))
		if len(f) == 5 && strings.EqualFold(f[:4], "sep=") && strings.ContainsRune(",;\t|", rune(f[4])) {
			sep, data = rune(f[4]), rest
		}
	}
	if sep == 0 {
		sep = detectSeparator(data)
	}

	out := &ImportFile{Separator: sep}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = sep
	cr.LazyQuotes = true
	cr.FieldsPerRecord = -1
	cols := [colCount]int{0, 1, 2, 3}
	seen := map[string]int{}
	roles := opt.roleIndex()
	rec := 0
	for {
		cells, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		rec++
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, err
			}
			out.Records++
			if out.Records > ImportMaxRows {
				return nil, invalid(ErrImportTooManyRows, map[string]any{"Max": ImportMaxRows})
			}
			out.Errors = append(out.Errors, ImportRowError{Row: rec, Key: ErrImportRowQuotes})
			continue
		}
		if len(cells) > ImportMaxCols {
			return nil, invalid(ErrImportTooManyCols, map[string]any{"Row": rec, "Max": ImportMaxCols})
		}
		if rec == 1 {
			if h, ok, err := readHeader(cells, opt.Region); err != nil {
				return nil, err
			} else if ok {
				out.Header, cols = true, h
				continue
			}
		}
		out.Records++
		if out.Records > ImportMaxRows {
			return nil, invalid(ErrImportTooManyRows, map[string]any{"Max": ImportMaxRows})
		}
		if blank(cells) {
			out.Blank++
			continue
		}
		cell := func(c int) string {
			if i := cols[c]; i >= 0 && i < len(cells) {
				return cells[i]
			}
			return ""
		}
		row, rerr := importCells(rec, cell(colName), cell(colPhone), cell(colOrganisation), cell(colRole), roles, opt.Region)
		if rerr == nil {
			if first, dup := seen[row.Phone]; dup {
				rerr = &ImportRowError{Row: rec, Key: ErrImportRowDuplicate, Args: map[string]any{"Row": first},
					Name: row.Name, Phone: shown(cell(colPhone), 40)}
			} else {
				seen[row.Phone] = rec
			}
		}
		if rerr != nil {
			out.Errors = append(out.Errors, *rerr)
			continue
		}
		out.Rows = append(out.Rows, row)
	}
	if len(out.Rows)+len(out.Errors) == 0 {
		return nil, invalid(ErrImportNoRows, nil)
	}
	return out, nil
}

// ImportCells checks one row given as its cells: the per-row step of
// ParseImport, also used to check again the rows a confirm form carries
// back. It returns a row or an error, never both.
func ImportCells(rowNum int, name, ph, org, role string, opt ImportOptions) (ImportRow, *ImportRowError) {
	return importCells(rowNum, name, ph, org, role, opt.roleIndex(), opt.Region)
}

func importCells(rowNum int, name, ph, org, role string, roles map[string]string, region string) (ImportRow, *ImportRowError) {
	fail := func(err error) (ImportRow, *ImportRowError) {
		key := err.Error() // the phone package's errors are their keys
		var ae *apperr.Error
		if errors.As(err, &ae) {
			key = ae.Key
		}
		if k, ok := rowKeys[key]; ok {
			key = k
		}
		return ImportRow{}, &ImportRowError{Row: rowNum, Key: key, Name: shown(name, 60), Phone: shown(ph, 40)}
	}
	n, err := CleanName(name)
	if err != nil {
		return fail(err)
	}
	num, err := phone.ParseIn(ph, region)
	if err != nil {
		return fail(err)
	}
	o := textnorm.Clean(org)
	if utf8.RuneCountInString(o) > OrganisationMax {
		return fail(apperr.New(apperr.Invalid, "error.register.organisation_long"))
	}
	row := ImportRow{Row: rowNum, Name: n, Phone: num.E164, Organisation: o, Renumbered: num.Renumbered, OldPhone: num.Old}
	if r := textnorm.Clean(role); r != "" {
		if k, ok := roles[headerKey(r)]; ok {
			row.Role = k
		} else {
			row.RoleUnknown = shown(r, 40)
		}
	}
	return row, nil
}

// CheckImportRows checks rows again (a confirm form carries them back from
// the preview, and a form can be changed): each through ImportCells, and no
// number twice.
func CheckImportRows(rows []ImportRow, opt ImportOptions) ([]ImportRow, []ImportRowError) {
	var ok []ImportRow
	var bad []ImportRowError
	seen := map[string]int{}
	roles := opt.roleIndex()
	for _, in := range rows {
		row, rerr := importCells(in.Row, in.Name, in.Phone, in.Organisation, in.Role, roles, opt.Region)
		if rerr == nil {
			if first, dup := seen[row.Phone]; dup {
				rerr = &ImportRowError{Row: in.Row, Key: ErrImportRowDuplicate, Args: map[string]any{"Row": first}, Name: row.Name}
			} else {
				seen[row.Phone] = in.Row
			}
		}
		if rerr != nil {
			bad = append(bad, *rerr)
			continue
		}
		// What the preview said about the original number and an
		// unrecognised role stays.
		row.Renumbered, row.OldPhone = in.Renumbered, in.OldPhone
		if row.Role == "" && in.RoleUnknown != "" {
			row.RoleUnknown = in.RoleUnknown
		}
		ok = append(ok, row)
	}
	return ok, bad
}

// shown is a cell as written, cleaned and clipped for display.
func shown(s string, n int) string {
	s = textnorm.Clean(s)
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n-1]) + "…"
	}
	return s
}

func blank(cells []string) bool {
	for _, c := range cells {
		if textnorm.Clean(c) != "" {
			return false
		}
	}
	return true
}

// detectSeparator picks the separator of the first line: the most frequent
// of comma, semicolon and tab outside quotes (comma on a tie or none).
func detectSeparator(data []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range string(data) {
		if r == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if r == '\n' {
			break
		}
		counts[r]++
	}
	sep := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[sep] {
			sep = r
		}
	}
	return sep
}

// headerKey folds a header cell or a role label for matching: no case, no
// diacritics (đ included), letters and digits only.
func headerKey(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, textnorm.Fold(s))
}

// Header names, folded by headerKey. exact: the whole cell; contains: a
// part of it (long enough not to occur in a name). Organisation and role
// are tried before name, so that "Tên đơn vị" (the unit's name) or "Nom de
// la structure" is the organisation.
var headerWords = []struct {
	col      int
	exact    []string
	contains []string
}{
	{colPhone, []string{"tel", "sdt", "sodt", "mobile", "portable", "gsm", "numero"},
		[]string{"phone", "dienthoai", "telephone", "didong", "mobilenumber", "cellphone"}},
	{colOrganisation, []string{"org", "coquan", "structure", "organisme", "partenaire", "partner"},
		[]string{"organisation", "organization", "tochuc", "donvi", "noicongtac", "coquancongtac"}},
	{colRole, []string{"role", "vaitro", "doituong", "categorie", "category", "fonction"},
		[]string{"vaitro", "roledu", "participantrole"}},
	{colName, []string{"ten", "nom", "name", "hoten", "hovaten", "nometprenom", "prenometnom", "prenomnom", "nomprenom"},
		[]string{"hoten", "hovaten", "fullname", "nomcomplet", "participantname", "tennguoi"}},
}

func headerColumn(cell string) int {
	k := headerKey(cell)
	if k == "" {
		return -1
	}
	for _, h := range headerWords {
		for _, w := range h.exact {
			if k == w {
				return h.col
			}
		}
		for _, w := range h.contains {
			if strings.Contains(k, w) {
				return h.col
			}
		}
	}
	return -1
}

// readHeader tells whether the first record is a header (one of its cells
// names a column and none is a phone number) and where the columns are.
func readHeader(cells []string, region string) ([colCount]int, bool, error) {
	cols := [colCount]int{-1, -1, -1, -1}
	found := false
	for i, c := range cells {
		if looksLikePhone(c) {
			if _, err := phone.ParseIn(c, region); err == nil {
				return cols, false, nil
			}
		}
		if col := headerColumn(c); col >= 0 && cols[col] < 0 {
			cols[col], found = i, true
		}
	}
	if !found {
		return cols, false, nil
	}
	if cols[colName] < 0 {
		return cols, false, invalid(ErrImportNoNameColumn, nil)
	}
	if cols[colPhone] < 0 {
		return cols, false, invalid(ErrImportNoPhoneColumn, nil)
	}
	return cols, true, nil
}

// roleIndex maps folded role keys and labels to role keys.
func (o ImportOptions) roleIndex() map[string]string {
	idx := map[string]string{}
	for label, r := range o.RoleLabels {
		if k := headerKey(label); k != "" && oneOf(r, Roles) {
			idx[k] = r
		}
	}
	for _, r := range Roles {
		idx[headerKey(r)] = r
	}
	return idx
}
