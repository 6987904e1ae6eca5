package registration_test

import (
	"strings"
	"testing"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/registration"
)

var importOpts = registration.ImportOptions{RoleLabels: map[string]string{
	"Công an": "police", "Cán bộ chính quyền địa phương": "local_official", "Enseignant·e": "teacher",
}, Region: "VN"}

func TestParseImport(t *testing.T) {
	type row struct {
		row                    int
		name, phone, org, role string
	}
	type rowErr struct {
		row int
		key string
	}
	cases := []struct {
		name    string
		in      string
		header  bool
		sep     rune
		rows    []row
		errs    []rowErr
		blank   int
		unknown string // RoleUnknown of the first row
	}{
		{name: "english header, comma, LF",
			in:     "Name,Phone\nNguyễn Văn Đức,0912 345 678\nTrần Thị Lan,+84 91 234 5679\n",
			header: true, sep: ',',
			rows: []row{{2, "Nguyễn Văn Đức", "+84912345678", "", ""}, {3, "Trần Thị Lan", "+84912345679", "", ""}}},
		{name: "vietnamese header without diacritics or case, semicolon, CRLF, BOM",
			in:     "\ufeffHO VA TEN;so dien thoai;Đơn vị;Vai trò\r\nLê Thị Hoa;091.234.5680;Phường 5;Công an\r\n",
			header: true, sep: ';',
			rows: []row{{2, "Lê Thị Hoa", "+84912345680", "Phường 5", "police"}}},
		{name: "french header, columns in another order, unknown columns ignored",
			in:     "Code;Numéro de téléphone;Structure;Nom complet;Rôle\nX;0912345681;École Lan San;Phạm Văn An;Enseignant·e\n",
			header: true, sep: ';',
			rows: []row{{2, "Phạm Văn An", "+84912345681", "École Lan San", "teacher"}}},
		{name: "headerless in the documented order, quoted fields with separators and quotes",
			in:   "\"Nguyễn, Văn \"\"Tèo\"\"\",\"0912 345 682\",\"CTSE, Gò Vấp\",local_official\n",
			sep:  ',',
			rows: []row{{1, "Nguyễn, Văn \"Tèo\"", "+84912345682", "CTSE, Gò Vấp", "local_official"}}},
		{name: "tab separated (pasted from a spreadsheet)",
			in:     "Họ tên\tSĐT\nVõ Thị Mai\t84912345683\n",
			header: true, sep: '\t',
			rows: []row{{2, "Võ Thị Mai", "+84912345683", "", ""}}},
		{name: "old Mac CR line ends and Excel's sep= line",
			in:     "sep=;\rName;Phone\rĐặng Văn Bình;0912345684\r",
			header: true, sep: ';',
			rows: []row{{2, "Đặng Văn Bình", "+84912345684", "", ""}}},
		{name: "row errors, duplicates, blank rows; the rest imports",
			in: "Name,Phone,Organisation\n" +
				"Nguyễn Văn Đức,0912 345 678,\n" +
				",,\n" +
				"X,0912345690,\n" +
				"=cmd|' /C calc'!A0,0912345691,\n" +
				"Trần Thị Lan,12345,\n" +
				"Trần Thị Lan,0283 829 1234,\n" +
				"Lê Văn Tám,,\n" +
				"Đức bis,+84 912 345 678,\n" +
				"Lê Thị Hoa,0912345692," + strings.Repeat("x", 161) + "\n" +
				"Phạm Thị Thu,01662345678,\n",
			header: true, sep: ',',
			rows: []row{{2, "Nguyễn Văn Đức", "+84912345678", "", ""}, {11, "Phạm Thị Thu", "+84362345678", "", ""}},
			errs: []rowErr{{4, "error.import.row.name_short"}, {5, "error.import.row.name_chars"}, {6, "error.import.row.phone_invalid"},
				{7, "error.import.row.phone_not_mobile"}, {8, "error.import.row.phone_required"}, {9, registration.ErrImportRowDuplicate},
				{10, "error.import.row.organisation_long"}},
			blank: 1},
		{name: "an unknown role is a notice, not an error",
			in:     "Tên;Điện thoại;Vai trò\nHoàng Văn Nam;0912345693;Phó chủ tịch phường\n",
			header: true, sep: ';',
			rows:    []row{{2, "Hoàng Văn Nam", "+84912345693", "", ""}},
			unknown: "Phó chủ tịch phường"},
		{name: "fewer cells than columns",
			in:   "Nguyễn Văn Đức\n",
			sep:  ',',
			errs: []rowErr{{1, "error.import.row.phone_required"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := registration.ParseImport(strings.NewReader(c.in), importOpts)
			if err != nil {
				t.Fatalf("ParseImport: %v", err)
			}
			if f.Header != c.header || f.Separator != c.sep || f.Blank != c.blank {
				t.Errorf("header %v sep %q blank %d, want %v %q %d", f.Header, f.Separator, f.Blank, c.header, c.sep, c.blank)
			}
			if len(f.Rows) != len(c.rows) {
				t.Fatalf("rows = %+v, want %+v", f.Rows, c.rows)
			}
			for i, w := range c.rows {
				g := f.Rows[i]
				if g.Row != w.row || g.Name != w.name || g.Phone != w.phone || g.Organisation != w.org || g.Role != w.role {
					t.Errorf("row %d = %+v, want %+v", i, g, w)
				}
			}
			if len(f.Errors) != len(c.errs) {
				t.Fatalf("errors = %+v, want %+v", f.Errors, c.errs)
			}
			for i, w := range c.errs {
				if g := f.Errors[i]; g.Row != w.row || g.Key != w.key {
					t.Errorf("error %d = row %d %s, want row %d %s", i, g.Row, g.Key, w.row, w.key)
				}
			}
			if c.unknown != "" && f.Rows[0].RoleUnknown != c.unknown {
				t.Errorf("RoleUnknown = %q, want %q", f.Rows[0].RoleUnknown, c.unknown)
			}
		})
	}
}

func TestParseImportDuplicateNamesTheFirstRow(t *testing.T) {
	f, err := registration.ParseImport(strings.NewReader("A An,0912345678\nB Bình,+84912345678\n"), importOpts)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Errors) != 1 || f.Errors[0].Args["Row"] != 1 || f.Errors[0].Row != 2 {
		t.Errorf("errors = %+v", f.Errors)
	}
}

func TestParseImportRenumbered(t *testing.T) {
	f, err := registration.ParseImport(strings.NewReader("Phạm Thị Thu;0166 234 5678\n"), importOpts)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 1 || !f.Rows[0].Renumbered || f.Rows[0].OldPhone != "01662345678" || f.Rows[0].Phone != "+84362345678" {
		t.Errorf("rows = %+v", f.Rows)
	}
}

func TestParseImportRefusesBadFiles(t *testing.T) {
	many := "Name,Phone\n" + strings.Repeat("Nguyễn Văn Đức,0912345678\n", registration.ImportMaxRows+1)
	cases := map[string]struct{ in, key string }{
		"empty":                {"", registration.ErrImportEmpty},
		"only spaces":          {" \r\n\t\n", registration.ErrImportEmpty},
		"BOM only":             {"\ufeff", registration.ErrImportEmpty},
		"header only":          {"Name,Phone\n", registration.ErrImportNoRows},
		"blank rows only":      {"Name,Phone\n,\n , \n", registration.ErrImportNoRows},
		"invalid UTF-8":        {"Name,Phone\nNguy\xe1n,0912345678\n", registration.ErrImportEncoding},
		"Windows-1258":         {"Name,Phone\nL\xea Th\xd2 Hoa,0912345678\n", registration.ErrImportEncoding},
		"UTF-16 with BOM":      {"\xff\xfeN\x00a\x00m\x00e\x00", registration.ErrImportEncoding},
		"NUL bytes":            {"Name,Phone\nAn\x00,0912345678\n", registration.ErrImportBinary},
		"too many rows":        {many, registration.ErrImportTooManyRows},
		"too large":            {strings.Repeat("a", registration.ImportMaxBytes+1), registration.ErrImportTooLarge},
		"header without phone": {"Name,Organisation\nAn Bình,CTSE\n", registration.ErrImportNoPhoneColumn},
		"header without name":  {"Phone;Đơn vị\n0912345678;CTSE\n", registration.ErrImportNoNameColumn},
		"too many columns":     {strings.Repeat("a,", registration.ImportMaxCols+1) + "\n", registration.ErrImportTooManyCols},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f, err := registration.ParseImport(strings.NewReader(c.in), importOpts)
			if err == nil {
				t.Fatalf("accepted: %d rows, %d errors", len(f.Rows), len(f.Errors))
			}
			if !apperr.Is(err, apperr.Invalid) || apperr.KeyOf(err) != c.key {
				t.Errorf("error %v (key %s), want %s", err, apperr.KeyOf(err), c.key)
			}
		})
	}
	// Exactly the limit is accepted (duplicates are row errors, not a refusal).
	ok := "Name,Phone\n" + strings.Repeat("Nguyễn Văn Đức,0912345678\n", registration.ImportMaxRows)
	f, err := registration.ParseImport(strings.NewReader(ok), importOpts)
	if err != nil || len(f.Rows) != 1 || len(f.Errors) != registration.ImportMaxRows-1 {
		t.Errorf("%d rows at the limit: err %v", registration.ImportMaxRows, err)
	}
}

func TestCheckImportRowsChecksAgain(t *testing.T) {
	rows := []registration.ImportRow{
		{Row: 2, Name: "Nguyễn Văn Đức", Phone: "+84912345678", Role: "police"},
		{Row: 3, Name: "<b>x</b>", Phone: "+84912345679"},
		{Row: 4, Name: "Trần Thị Lan", Phone: "+84912345678"},
		{Row: 5, Name: "Lê Thị Hoa", Phone: "+84912345680", Role: "not_a_role"},
	}
	ok, bad := registration.CheckImportRows(rows, registration.ImportOptions{Region: "VN"})
	if len(ok) != 2 || ok[0].Role != "police" || ok[1].Role != "" || ok[1].RoleUnknown == "" {
		t.Errorf("ok = %+v", ok)
	}
	if len(bad) != 2 || bad[0].Row != 3 || bad[1].Key != registration.ErrImportRowDuplicate {
		t.Errorf("bad = %+v", bad)
	}
}
