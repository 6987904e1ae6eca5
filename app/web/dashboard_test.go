package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"github.com/lantern-ngo/lantern/app/apitoken"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/report"
	"github.com/lantern-ngo/lantern/app/report/reporttest"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

func dashboardApp(t *testing.T, db *gorm.DB) (*testApp, *reporttest.Dataset) {
	t.Helper()
	ds := reporttest.Seed(t, db)
	ta := newTestApp(t, db)
	ta.setNow(reporttest.Now)
	return ta, ds
}

func body(t *testing.T, resp *http.Response, want int) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("status %d, want %d: %.500s", resp.StatusCode, want, b)
	}
	return b
}

// TestDashboardFigures: the page shows the worked example's figures, and
// every figure on the page equals the API's.
func TestDashboardFigures(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, _ := dashboardApp(t, db)
		c := ta.client()
		c.login(testutil.Staff(t, db, user.RoleOrganiser))
		doc := c.page("/en/staff/dashboard", http.StatusOK)

		// Hand-computed (see reporttest): 44 people reached, 2 of 15
		// film-and-debate events, 9 authority participants, 33.3 points.
		for code, want := range map[string]string{
			"people_reached": "44", "film_debate_events": "2", "authority_participants": "9",
			"knowledge_gain": "33.3 points", "events_held": "4", "quiz_sessions": "1", "coaching_sessions": "2",
		} {
			if got := text(doc, `li.indicator[data-code="`+code+`"] .value`); got != want {
				t.Errorf("%s shows %q, want %q", code, got, want)
			}
		}
		if got := text(doc, `li.indicator[data-code="film_debate_events"] .of`); got != "of 15" {
			t.Errorf("film target = %q", got)
		}
		if w, _ := doc.Find(`li.indicator[data-code="film_debate_events"] rect.bar-fill`).Attr("width"); w != "13.3" {
			t.Errorf("film bar width = %q, want 13.3 (2 of 15)", w)
		}
		cell := func(dim, code, key string) string {
			return text(doc, `table[data-dim="`+dim+`"] td[data-code="`+code+`"][data-key="`+key+`"]`)
		}
		for _, c := range []struct{ dim, code, key, want string }{
			{"sex", "people_reached", "female", "23"}, {"sex", "people_reached", "not_stated", "9"},
			{"sex", "people_reached", "total", "44"}, {"age_band", "people_reached", "under_16", "13"},
			{"role", "authority_participants", "social_worker", "4"}, {"city", "people_reached", "HCM", "32"},
			{"kind", "people_reached", "film_debate", "30"}, {"sex", "knowledge_gain", "female", "45.0 (n = 2)"},
			{"kind", "quiz_sessions", "film_debate", "1 of 2"},
		} {
			if got := cell(c.dim, c.code, c.key); got != c.want {
				t.Errorf("%s/%s/%s = %q, want %q", c.dim, c.code, c.key, got, c.want)
			}
		}

		// The API gives the same figures.
		var api report.Indicators
		if err := json.Unmarshal(body(t, c.get("/api/v1/indicators"), http.StatusOK), &api); err != nil {
			t.Fatal(err)
		}
		compared := 0
		doc.Find(`li.indicator`).Each(func(_ int, s *goquery.Selection) {
			code, _ := s.Attr("data-code")
			v, _ := s.Attr("data-value")
			if got := api.Get(code); got == nil || report.RawValue(got.Value) != v {
				t.Errorf("indicator %s: page %q, API %+v", code, v, got)
			}
			compared++
		})
		doc.Find(`table.dis td[data-key]`).Each(func(_ int, s *goquery.Selection) {
			dim, _ := s.Closest("table").Attr("data-dim")
			code, _ := s.Attr("data-code")
			key, _ := s.Attr("data-key")
			v, _ := s.Attr("data-value")
			ind := api.Get(code)
			want := ""
			if key == "total" {
				want = report.RawValue(ind.Value)
			} else {
				for _, c := range ind.Dis(dim).Cells {
					if c.Key == key {
						want = report.RawValue(c.Value)
					}
				}
			}
			if v != want {
				t.Errorf("%s/%s/%s: page %q, API %q", dim, code, key, v, want)
			}
			compared++
		})
		if compared < 100 {
			t.Errorf("only %d figures compared", compared)
		}
		if got := api.Get("people_reached").Numerator; got != 44 {
			t.Errorf("API people reached = %v, want 44", got)
		}
	})
}

func TestDashboardFilters(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, ds := dashboardApp(t, db)
		c := ta.client()
		c.login(testutil.Staff(t, db, user.RoleAdmin))
		q := "?from=2026-01-01&to=2026-06-30&partner=" + strconv.Itoa(int(ds.PartnerID))
		doc := c.page("/vi/staff/dashboard"+q, http.StatusOK)
		if got := text(doc, `li.indicator[data-code="people_reached"] .value`); got != "32" {
			t.Errorf("P1 in 2026: people reached %q, want 32 (E1 23 + E3 9)", got)
		}
		var api report.Indicators
		if err := json.Unmarshal(body(t, c.get("/api/v1/indicators"+q), http.StatusOK), &api); err != nil {
			t.Fatal(err)
		}
		if got := *api.Get("people_reached").Value; got != 32 {
			t.Errorf("API with the same filter: %v, want 32", got)
		}
		// Bad dates: a clear message next to the filter, what was typed kept.
		doc = c.page("/en/staff/dashboard?from=2026-12-31&to=2026-01-01", http.StatusUnprocessableEntity)
		if got := text(doc, "#f-err"); got != "The end of the period is before its start." {
			t.Errorf("error = %q", got)
		}
		if v, _ := doc.Find("#f-from").Attr("value"); v != "2026-12-31" {
			t.Errorf("from kept = %q", v)
		}
		resp := c.get("/api/v1/indicators?from=nope")
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("API bad date: %d", resp.StatusCode)
		}
	})
}

func TestDashboardAccess(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, _ := dashboardApp(t, db)
		anon := ta.client()
		if resp := anon.get("/en/staff/dashboard"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("anonymous dashboard: %d, want 303 to login", resp.StatusCode)
		}
		if resp := anon.get("/api/v1/indicators"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("anonymous API: %d, want 403", resp.StatusCode)
		}
		for _, role := range []user.Role{user.RoleTrainer, user.RoleCoach} {
			c := ta.client()
			c.login(testutil.Staff(t, db, role))
			for _, path := range []string{"/en/staff/dashboard", "/en/staff/dashboard/export/events.csv",
				"/en/staff/dashboard/donor", "/en/staff/dashboard/donor.xlsx", "/api/v1/indicators"} {
				if resp := c.get(path); resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s: GET %s = %d, want 403", role, path, resp.StatusCode)
				}
			}
			resp := c.post("/en/staff/dashboard/export", url.Values{"dataset": {"attendance"}, "format": {"csv"}, "personal": {"1"}})
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusForbidden || bytes.Contains(b, []byte("+849100")) {
				t.Errorf("%s: personal export = %d", role, resp.StatusCode)
			}
		}
		// The staff home shows the link to organisers only.
		c := ta.client()
		c.login(testutil.Staff(t, db, user.RoleOrganiser))
		if doc := c.page("/en/staff/", http.StatusOK); doc.Find(`.menu a[href="/en/staff/dashboard"]`).Length() != 1 {
			t.Error("organiser's menu has no dashboard link")
		}
	})
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestExportPersonalData: aggregates by default; names and phone numbers
// only with the explicit choice, recorded in the audit log.
func TestExportPersonalData(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, ds := dashboardApp(t, db)
		org := testutil.Staff(t, db, user.RoleOrganiser)
		c := ta.client()
		c.login(org)
		phone := *ds.Regs["R1"].Phone

		// Aggregate attendance (GET): one row per event held, no personal data.
		agg := body(t, c.get("/en/staff/dashboard/export/attendance.csv"), http.StatusOK)
		rows := readCSV(t, agg)
		if bytes.Contains(agg, []byte(phone)) || bytes.Contains(agg, []byte("Người tham gia")) {
			t.Error("aggregate export holds personal data")
		}
		if len(rows) != 5 || rows[0][0] != "Event code" || rows[0][4] != "People present" {
			t.Fatalf("aggregate rows = %v", rows)
		}
		byCode := map[string][]string{}
		for _, r := range rows[1:] {
			byCode[r[0]] = r
		}
		// E1: 23 present, 12 female (sex_female is column 5).
		if r := byCode["RTE1"]; r == nil || r[4] != "23" || r[5] != "12" {
			t.Errorf("E1 line = %v, want 23 present and 12 women", r)
		}

		// Organiser without the choice: aggregates only, nothing audited.
		resp := c.post("/en/staff/dashboard/export", url.Values{"dataset": {"attendance"}, "format": {"csv"}})
		b := body(t, resp, http.StatusOK)
		if bytes.Contains(b, []byte(phone)) || readCSV(t, b)[0][3] == "Full name" {
			t.Error("export without the choice holds personal data")
		}
		var n int64
		db.Table("audit_logs").Where("action = ?", "export.personal").Count(&n)
		if n != 0 {
			t.Errorf("%d audit rows without the choice", n)
		}

		// With the choice: names and phones, and an audit row.
		resp = c.post("/en/staff/dashboard/export", url.Values{"dataset": {"attendance"}, "format": {"csv"}, "personal": {"1"}})
		b = body(t, resp, http.StatusOK)
		rows = readCSV(t, b)
		if rows[0][3] != "Full name" || rows[0][4] != "Phone number" || !bytes.Contains(b, []byte(phone)) {
			t.Errorf("personal export header %v", rows[0])
		}
		// Checked in at events held (headcounts are not people): E1 R1, R2,
		// R4, G1; E2 R5, R6, G2; E3 R8, R9, R10, G3; E7 R14 = 12.
		if len(rows) != 13 {
			t.Errorf("personal rows = %d, want 12 + header", len(rows)-1)
		}
		// Coaching: sessions per month by default; the names only with the choice.
		rows = readCSV(t, body(t, c.get("/en/staff/dashboard/export/coaching.csv"), http.StatusOK))
		if len(rows) != 3 || strings.Join(rows[1], ",") != "2026-02,1,1" || strings.Join(rows[2], ",") != "2026-05,1,1" {
			t.Errorf("coaching aggregate = %v", rows)
		}
		b = body(t, c.post("/en/staff/dashboard/export", url.Values{"dataset": {"coaching"}, "format": {"csv"}, "personal": {"1"}}), http.StatusOK)
		rows = readCSV(t, b)
		if len(rows) != 3 || rows[1][1] != "Phạm Thu Trang" || rows[1][2] != "Nguyễn Thị Hoa" || rows[1][3] != "On site" {
			t.Errorf("coaching with names = %v", rows)
		}

		var entry struct {
			ActorID  uint
			EntityID string
			After    string
		}
		db.Table("audit_logs").Where("action = ? AND entity_id = ?", "export.personal", "attendance").Scan(&entry)
		if entry.ActorID != org.ID || entry.EntityID != "attendance" || !strings.Contains(entry.After, `"format":"csv"`) {
			t.Errorf("audit = %+v", entry)
		}
	})
}

// TestXLSXMatchesPage: the workbooks open with excelize and their cells
// hold the page's figures.
func TestXLSXMatchesPage(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, _ := dashboardApp(t, db)
		c := ta.client()
		c.login(testutil.Staff(t, db, user.RoleOrganiser))
		doc := c.page("/fr/staff/dashboard", http.StatusOK)
		pagePeople := text(doc, `li.indicator[data-code="people_reached"] .value`)
		pageFemale := text(doc, `table[data-dim="sex"] td[data-code="people_reached"][data-key="female"]`)

		open := func(path string) *excelize.File {
			t.Helper()
			resp := c.get(path)
			if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "spreadsheetml") {
				t.Fatalf("%s: content type %q", path, ct)
			}
			b := body(t, resp, http.StatusOK)
			f, err := excelize.OpenReader(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v (%d bytes: %.200q)", path, err, len(b), b)
			}
			t.Cleanup(func() { f.Close() })
			return f
		}
		f := open("/fr/staff/dashboard/donor.xlsx")
		sheets := f.GetSheetList()
		if len(sheets) != 5 || sheets[0] != "Synthèse" {
			t.Fatalf("sheets = %v", sheets)
		}
		rows, _ := f.GetRows("Synthèse")
		found := false
		for _, r := range rows {
			if len(r) > 1 && r[0] == "Personnes touchées" {
				found = true
				if r[1] != pagePeople || r[1] != "44" {
					t.Errorf("workbook people reached %q, page %q", r[1], pagePeople)
				}
			}
		}
		if !found {
			t.Errorf("no people-reached line in %v", rows)
		}
		rows, _ = f.GetRows("Portée")
		found = false
		for _, r := range rows {
			if len(r) > 2 && r[0] == "Sexe" && r[1] == "Femme" {
				found = true
				if r[2] != pageFemale {
					t.Errorf("workbook women reached %q, page %q", r[2], pageFemale)
				}
			}
		}
		if !found {
			t.Errorf("no women line in %v", rows)
		}

		// Events workbook: the people present at held events add up to the
		// page's figure.
		f = open("/fr/staff/dashboard/export/events.xlsx")
		rows, _ = f.GetRows(f.GetSheetList()[0])
		sum := 0
		for _, r := range rows[1:] {
			if r[6] == "Tenu" {
				n, _ := strconv.Atoi(r[12])
				sum += n
			}
		}
		if strconv.Itoa(sum) != pagePeople {
			t.Errorf("events workbook: %d present at held events, page %s", sum, pagePeople)
		}
		if len(rows) != 7 { // header + E7, E1, E2, E4, E3, E5 (E6 is a draft)
			t.Errorf("events rows = %d", len(rows))
		}
	})
}

func TestDonorReportPages(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, _ := dashboardApp(t, db)
		// The exact figures of the dataset; hiding small counts is
		// TestDonorReportHidesSmallCounts.
		ta.srv.cfg.SmallCountThreshold = 0
		c := ta.client()
		c.login(testutil.Staff(t, db, user.RoleOrganiser))
		for lang, want := range map[string]string{"vi": "Báo cáo nhà tài trợ", "fr": "Rapport aux bailleurs", "en": "Report to donors"} {
			doc := c.page("/"+lang+"/staff/dashboard/donor?from=2026-01-01&to=2026-06-30", http.StatusOK)
			if got := text(doc, "h1"); got != want {
				t.Errorf("%s: h1 %q", lang, got)
			}
			if got := doc.Find(`tr[data-code="people_reached"] td.num`).First().Text(); got != "39" {
				t.Errorf("%s: people reached in 2026 = %q, want 39 (E1 23 + E2 7 + E3 9)", lang, got)
			}
			// Events held: E1, E2, E3.
			if n := doc.Find("#d-events + .table-wrap tbody tr").Length(); n != 3 {
				t.Errorf("%s: %d events listed, want 3", lang, n)
			}
			if got := text(doc, "#d-coaching + .facts dd"); got != "2" {
				t.Errorf("%s: coaching sessions = %q, want 2", lang, got)
			}
			if lang == "en" {
				// Pairs of held events (E1): 40→80, 50→60, 20→70.
				for sel, want := range map[string]string{
					"#d-gain + .facts dd:nth-of-type(1)": "3",
					"#d-gain + .facts dd:nth-of-type(2)": "37%", // (40 + 50 + 20) / 3
					"#d-gain + .facts dd:nth-of-type(3)": "70%", // (80 + 60 + 70) / 3
					"#d-gain + .facts dd:nth-of-type(4)": "33.3 points",
					"#d-gain + .facts dd:nth-of-type(5)": "0.53", // 33.3 / (100 − 36.7)
					"#d-gain + .facts dd:nth-of-type(6)": "100%",
				} {
					if got := text(doc, sel); got != want {
						t.Errorf("%s = %q, want %q", sel, got, want)
					}
				}
				row := doc.Find("#d-gain ~ .table-wrap tbody tr").First()
				got := []string{strings.TrimSpace(row.Find("th").Text())}
				row.Find("td").Each(func(_ int, td *goquery.Selection) { got = append(got, strings.TrimSpace(td.Text())) })
				// The quiz area's per-question table counts every quiz of the
				// period (E4 included): right before 2 of 6 (R2, R8), after 5 of 5.
				if strings.Join(got, " | ") != "A promise of a well-paid job abroad can be a trap. | 33% | 100%" {
					t.Errorf("question row = %q", got)
				}
			}
			if doc.Find("style, [style]").Length() != 0 || doc.Find("script:not([src])").Length() != 0 {
				t.Errorf("%s: inline style or script", lang)
			}
		}
	})
}

// With its cache on, the dashboard says when its figures were computed,
// keeps them for DASHBOARD_MAX_AGE, and "Refresh now" computes them again.
func TestDashboardSharedFiguresAndRefresh(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		cfg := testConfig(t)
		cfg.DashboardMaxAge = time.Hour
		ta := newTestAppConfig(t, db, cfg)
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		ta.setNow(now)
		testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -48 * time.Hour})
		c := ta.client()
		c.login(testutil.Staff(t, db, user.RoleOrganiser))
		held := func(doc *goquery.Document) string {
			v, _ := doc.Find(`li[data-code="events_held"]`).Attr("data-value")
			return v
		}
		doc := c.page("/en/staff/dashboard/", http.StatusOK)
		if got := text(doc, ".as-of"); !strings.Contains(got, "Figures as of 10:00") {
			t.Fatalf("as-of line: %q", got)
		}
		before := held(doc)
		testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -24 * time.Hour})
		if got := held(c.page("/en/staff/dashboard/", http.StatusOK)); got != before {
			t.Errorf("within the max age the figure changed: %q → %q", before, got)
		}
		link, _ := doc.Find(".as-of a").Attr("href")
		if got := held(c.page(link, http.StatusOK)); got == before || got == "" {
			t.Errorf("after Refresh now (%s) the figure is still %q", link, got)
		}
	})
}

// TestDonorReportHidesSmallCounts: with the default threshold (4), what
// leaves the organisation shows "fewer than 5" for small counts of people
// (and the cell that would give one away): the donor page and workbook,
// the aggregate exports and the indicators API for a partner's token. An
// organiser's dashboard and the API on their session keep exact figures.
func TestDonorReportHidesSmallCounts(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, _ := dashboardApp(t, db)
		org := testutil.Staff(t, db, user.RoleOrganiser)
		c := ta.client()
		c.login(org)
		q := "?from=2026-01-01&to=2026-06-30"
		doc := c.page("/en/staff/dashboard/donor"+q, http.StatusOK)
		if got := doc.Find(`tr[data-code="people_reached"] td.num`).First().Text(); got != "39" {
			t.Errorf("people reached (39, not small) = %q", got)
		}
		if got := text(doc, "#d-gain + .facts dd:nth-of-type(1)"); got != "fewer than 5" {
			t.Errorf("3 pairs on the donor page = %q, want fewer than 5", got)
		}
		html := doc.Text()
		if !strings.Contains(html, "fewer than 5") {
			t.Error("no hidden count on the donor page")
		}
		// Exact on the organiser's own dashboard.
		dash := c.page("/en/staff/dashboard"+q, http.StatusOK)
		if strings.Contains(dash.Text(), "fewer than 5") {
			t.Error("the organiser's dashboard hides figures")
		}
		// The aggregate export hides; the personal one is exact.
		agg := string(body(t, c.get("/en/staff/dashboard/export/attendance.csv"+q), http.StatusOK))
		if !strings.Contains(agg, "fewer than 5") {
			t.Errorf("the aggregate attendance export shows small counts:\n%s", agg)
		}
		// The API: a partner's token gets hidden cells, the session exact.
		_, secret := makeToken(t, db, org.ID, apitoken.Input{Name: "Partner", Scopes: []string{string(apitoken.ScopeIndicatorsRead)}}, reporttest.Now)
		hiddenCells := func(out map[string]any) int {
			n := 0
			inds, _ := out["indicators"].([]any)
			for _, x := range inds {
				ind, _ := x.(map[string]any)
				dis, _ := ind["disaggregations"].([]any)
				for _, d := range dis {
					cells, _ := d.(map[string]any)["cells"].([]any)
					for _, cl := range cells {
						if cl.(map[string]any)["suppressed"] == true {
							n++
						}
					}
				}
			}
			return n
		}
		resp, out := ta.client().apiCall("GET", "/api/v1/indicators"+q, secret, nil)
		if resp.StatusCode != http.StatusOK || hiddenCells(out) == 0 {
			t.Errorf("partner's token: %d, %d hidden cells, want some", resp.StatusCode, hiddenCells(out))
		}
		resp, out = c.apiCall("GET", "/api/v1/indicators"+q, "", nil)
		if resp.StatusCode != http.StatusOK || hiddenCells(out) != 0 {
			t.Errorf("organiser's session: %d, %d hidden cells, want none", resp.StatusCode, hiddenCells(out))
		}
	})
}
