package registration_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/registration"
)

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// FuzzParseImport: whatever the file, ParseImport does not panic; it either
// refuses the file with a translated Invalid error, or accounts for every
// record (a row, a row error, or a blank record); rows have a normalised
// E.164 number, a clean NFC name within the limits, a known role or none,
// numbers unique in the file, and row numbers in order.
func FuzzParseImport(f *testing.F) {
	seeds := []string{
		"Name,Phone\nNguyễn Văn Đức,0912 345 678\n",
		"\ufeffHọ và tên;Số điện thoại;Tổ chức;Vai trò\r\nLê Thị Hoa;091.234.5680;Phường 5;Công an\r\n",
		"Nom complet;Numéro de téléphone\n\"Trần, Thị \"\"Lan\"\"\";+84 91 234 5679\n",
		"\"unterminated,0912345678\nAn,0912345679\n",
		"a\"b,0912345678\n",
		"Nguy\xe1n,0912345678\n",
		"An\x00,0912345678\n",
		"\xff\xfeN\x00a\x00",
		"sep=;\rName;Phone\rĐặng Văn Bình;0912345684\r",
		"Tên\tSĐT\nVõ Thị Mai\t84912345683\n",
		",,,\n;;;\n\n",
		"Name,Phone\n" + strings.Repeat("Nguyễn Văn Đức,0912345678\n", 50),
		strings.Repeat("x", 3000) + "," + strings.Repeat("9", 3000) + "\n",
		strings.Repeat("a,", 60) + "\n",
		"=cmd,0912345678\n@SUM(1),0912345679\n",
		"Phone\n0912345678\n",
		"Nguye\u0302\u0303n Văn Đức,01662345678,CTSE,teacher\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := registration.ParseImport(bytes.NewReader(data), importOpts)
		if err != nil {
			if !apperr.Is(err, apperr.Invalid) || !strings.HasPrefix(apperr.KeyOf(err), "error.import.") {
				t.Fatalf("refused with %v (key %s): not a translated Invalid error", err, apperr.KeyOf(err))
			}
			if file != nil {
				t.Fatal("an error and a file")
			}
			return
		}
		if len(data) > registration.ImportMaxBytes || !utf8.Valid(data) || bytes.IndexByte(data, 0) >= 0 {
			t.Fatalf("accepted a file it must refuse (%d bytes)", len(data))
		}
		if len(file.Rows)+len(file.Errors) == 0 {
			t.Fatal("accepted a file with no row")
		}
		if got := len(file.Rows) + len(file.Errors) + file.Blank; got != file.Records {
			t.Fatalf("rows %d + errors %d + blank %d != records %d", len(file.Rows), len(file.Errors), file.Blank, file.Records)
		}
		if file.Records > registration.ImportMaxRows {
			t.Fatalf("%d records, over the limit", file.Records)
		}
		seen := map[string]bool{}
		rowNums := map[int]bool{}
		last := 0
		for _, r := range file.Rows {
			switch {
			case !e164.MatchString(r.Phone):
				t.Fatalf("row %d: phone %q is not E.164", r.Row, r.Phone)
			case seen[r.Phone]:
				t.Fatalf("row %d: phone %q twice", r.Row, r.Phone)
			case r.Name == "" || !utf8.ValidString(r.Name) || !norm.NFC.IsNormalString(r.Name):
				t.Fatalf("row %d: name %q", r.Row, r.Name)
			case utf8.RuneCountInString(r.Name) > registration.NameMax || utf8.RuneCountInString(r.Name) < registration.NameMin:
				t.Fatalf("row %d: name length %q", r.Row, r.Name)
			case strings.ContainsAny(r.Name[:1], "=+-@"):
				t.Fatalf("row %d: name %q starts a formula", r.Row, r.Name)
			case !utf8.ValidString(r.Organisation) || utf8.RuneCountInString(r.Organisation) > registration.OrganisationMax:
				t.Fatalf("row %d: organisation %q", r.Row, r.Organisation)
			case r.Role != "" && !contains(registration.Roles, r.Role):
				t.Fatalf("row %d: role %q", r.Row, r.Role)
			case r.Row <= last:
				t.Fatalf("row numbers out of order: %d after %d", r.Row, last)
			}
			last = r.Row
			seen[r.Phone] = true
			rowNums[r.Row] = true
		}
		for _, e := range file.Errors {
			if e.Row < 1 || rowNums[e.Row] || !strings.HasPrefix(e.Key, "error.import.") || !utf8.ValidString(e.Name+e.Phone) {
				t.Fatalf("row error %+v", e)
			}
			rowNums[e.Row] = true
		}
		// Rows checked again (the confirm step) stay as they are.
		again, bad := registration.CheckImportRows(file.Rows, importOpts)
		if len(bad) != 0 || len(again) != len(file.Rows) {
			t.Fatalf("checking the rows again: %d ok, errors %+v", len(again), bad)
		}
		for i := range again {
			if again[i] != file.Rows[i] {
				t.Fatalf("checking again changed %+v into %+v", file.Rows[i], again[i])
			}
		}
	})
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
