package web

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// TestRegistrationsExportInPeoplesWords: the registrations export writes
// the stored choices by their names in the export's language, says who was
// checked in, is named with the event's code and the day, and holds real
// dates in the workbook (ISO text in CSV).
func TestRegistrationsExportInPeoplesWords(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		_, c, _ := organiserApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow})
		duc := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "Nguyễn Văn Đức", Sex: "male", AgeBand: "60_plus", Role: "youth"})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "Trần Thị Mai", Sex: "female", AgeBand: "18_24", Role: "parent"})
		registered := time.Date(2026, 11, 20, 2, 5, 0, 0, time.UTC) // 09:05 in Hồ Chí Minh City
		if err := db.Exec("UPDATE registrations SET created_at = ? WHERE event_id = ?", registered, e.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec(`INSERT INTO attendances (event_id, registration_id, checked_in_at, source, created_at) VALUES (?, ?, ?, 'code', ?)`,
			e.ID, duc.ID, staffNow, staffNow).Error; err != nil {
			t.Fatal(err)
		}
		export := func(lang, format string) *http.Response {
			t.Helper()
			resp := c.post("/"+lang+"/staff/events/"+itoa(int(e.ID))+"/registrations/export", url.Values{"format": {format}})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: %d", lang, format, resp.StatusCode)
			}
			return resp
		}
		// staffNow is 25 November 2026, 10:00 in Hồ Chí Minh City.
		for lang, want := range map[string][]string{
			"vi": {"Nam", "Từ 60 tuổi trở lên", "Thanh thiếu niên", "Trang web", "Có", "Không", "Đã điểm danh"},
			"fr": {"Homme", "60 ans et plus", "Jeune", "Site web", "Oui", "Non", "Émargé·e"},
			"en": {"Male", "60 and over", "Young person", "Website", "Yes", "No", "Checked in"},
		} {
			resp := export(lang, "csv")
			if cd, wantCD := resp.Header.Get("Content-Disposition"), `attachment; filename="registrations-`+e.Code+`-2026-11-25.csv"`; cd != wantCD {
				t.Errorf("%s: Content-Disposition %q, want %q", lang, cd, wantCD)
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(bodyOf(t, resp), "\uFEFF"))).ReadAll()
			if err != nil || len(rows) != 3 {
				t.Fatalf("%s: %d rows, %v", lang, len(rows), err)
			}
			head, r := rows[0], rows[1]
			if r[1] != "Nguyễn Văn Đức" {
				t.Fatalf("%s: first row %v", lang, r)
			}
			got := []string{r[6], r[7], r[8], r[10], r[13], rows[2][13], head[13]}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("%s csv: sex, age band, role, source, checked in, header = %q, want %q", lang, got, want)
			}
			if r[11] != "2026-11-20 09:05" {
				t.Errorf("%s csv: registered at %q, want ISO 8601 in the event's time zone", lang, r[11])
			}
		}

		// XLSX: the registration time is a date cell with a date format.
		resp := export("fr", "xlsx")
		if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="registrations-`+e.Code+`-2026-11-25.xlsx"`) {
			t.Errorf("xlsx Content-Disposition %q", cd)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(bodyOf(t, resp))))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheet := f.GetSheetList()[0]
		if typ, _ := f.GetCellType(sheet, "L2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("registered at is text (%v)", typ)
		}
		raw, _ := f.GetCellValue(sheet, "L2", excelize.Options{RawCellValue: true})
		if raw != "46346.37847222222" { // 20 November 2026, 09:05
			t.Errorf("registered at raw value %q, want the spreadsheet date of 2026-11-20 09:05", raw)
		}
		if shown, _ := f.GetCellValue(sheet, "L2"); shown != "2026-11-20 09:05" {
			t.Errorf("registered at shown as %q", shown)
		}
		if v, _ := f.GetCellValue(sheet, "G2"); v != "Homme" {
			t.Errorf("xlsx sex = %q", v)
		}
		if v, _ := f.GetCellValue(sheet, "N2"); v != "Oui" {
			t.Errorf("xlsx checked in = %q", v)
		}
	})
}

// TestDashboardExportsDated: the dashboard's exports are named with the
// day they were made, and their dates are date cells in the workbook.
func TestDashboardExportsDated(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, _ := dashboardApp(t, db)
		c := ta.client()
		c.login(testutil.Staff(t, db, user.RoleOrganiser))
		day := ta.srv.now().In(mustLoc(t, "Asia/Ho_Chi_Minh")).Format("2006-01-02")
		resp := c.get("/en/staff/dashboard/export/events.xlsx?from=2026-01-01&to=2026-12-31")
		if cd, want := resp.Header.Get("Content-Disposition"), `attachment; filename="lantern-events-2026-01-01_2026-12-31-`+day+`.xlsx"`; cd != want {
			t.Errorf("Content-Disposition %q, want %q", cd, want)
		}
		f, err := excelize.OpenReader(bytes.NewReader(body(t, resp, http.StatusOK)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheet := f.GetSheetList()[0]
		if typ, _ := f.GetCellType(sheet, "B2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("the event's date is text (%v)", typ)
		}
		if shown, _ := f.GetCellValue(sheet, "B2"); len(shown) != len("2026-03-10 09:00") || shown[4] != '-' {
			t.Errorf("date shown as %q", shown)
		}
		rows := readCSV(t, body(t, c.get("/en/staff/dashboard/export/events.csv"), http.StatusOK))
		if _, err := time.Parse("2006-01-02 15:04", rows[1][1]); err != nil {
			t.Errorf("csv date %q is not ISO 8601: %v", rows[1][1], err)
		}
	})
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
