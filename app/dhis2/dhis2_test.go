package dhis2_test

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/dhis2"
	"github.com/lantern-ngo/lantern/app/dhis2/dhis2test"
	"github.com/lantern-ngo/lantern/app/report"
	"github.com/lantern-ngo/lantern/app/report/reporttest"
	"github.com/lantern-ngo/lantern/app/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// fullMapping maps everything to the fake instance's metadata.
func fullMapping(periodType string) dhis2.MappingInput {
	in := dhis2.MappingInput{DataSet: dhis2test.DataSet, PeriodType: periodType,
		DataElements: map[string]string{
			report.CodePeopleReached: dhis2test.DEPeopleReached, report.CodeAuthorityParticipants: dhis2test.DEAuthority,
			report.CodeEventsHeld: dhis2test.DEEventsHeld, report.CodeFilmDebateEvents: dhis2test.DEFilmEvents,
			report.CodeQuizSessions: dhis2test.DEQuizSessions},
		COCs:     map[string]string{report.Total: dhis2test.COCDefault},
		OrgUnits: map[string]string{"HCM": dhis2test.OUHoChiMinh, "PT": dhis2test.OUPhanThiet}}
	for _, k := range report.SexAgeKeys() {
		in.COCs[k] = dhis2test.COC(k)
	}
	return in
}

func client(fake *dhis2test.Server) *dhis2.Client {
	return dhis2.NewClient(dhis2.Settings{URL: fake.URL, Token: dhis2test.Token})
}

func TestParsePeriod(t *testing.T) {
	for _, c := range []struct{ in, typ, id, from, to string }{
		{"202611", dhis2.Monthly, "202611", "2026-11-01", "2026-11-30"},
		{"2026-02", dhis2.Monthly, "202602", "2026-02-01", "2026-02-28"},
		{"2026Q4", dhis2.Quarterly, "2026Q4", "2026-10-01", "2026-12-31"},
		{"2026q1", dhis2.Quarterly, "2026Q1", "2026-01-01", "2026-03-31"},
	} {
		p, err := dhis2.ParsePeriod(c.in, c.typ)
		if err != nil || p.ID != c.id || p.From != c.from || p.To != c.to {
			t.Errorf("ParsePeriod(%q, %s) = %+v, %v", c.in, c.typ, p, err)
		}
	}
	for _, c := range []struct{ in, typ string }{{"202613", dhis2.Monthly}, {"2026Q4", dhis2.Monthly}, {"202611", dhis2.Quarterly}, {"2026Q5", dhis2.Quarterly}, {"", dhis2.Monthly}} {
		if _, err := dhis2.ParsePeriod(c.in, c.typ); apperr.KeyOf(err) != "error.dhis2.bad_period" {
			t.Errorf("ParsePeriod(%q, %s) = %v, want bad_period", c.in, c.typ, err)
		}
	}
}

// TestParseSummaryShapes reads both documented answers: the ImportSummary
// at the top level and the 2.38+ WebMessage around it.
func TestParseSummaryShapes(t *testing.T) {
	old := `{"responseType":"ImportSummary","status":"SUCCESS","description":"Import process completed successfully",
		"importCount":{"imported":2,"updated":1,"ignored":0,"deleted":0},"conflicts":[]}`
	s, err := dhis2.ParseSummary([]byte(old))
	if err != nil || s.Status != "SUCCESS" || s.Counts != (dhis2.Counts{Imported: 2, Updated: 1}) || !s.OK() {
		t.Errorf("old shape: %+v %v", s, err)
	}
	web := `{"httpStatus":"Conflict","httpStatusCode":409,"status":"WARNING","message":"One more conflicts encountered, please check import summary.",
		"response":{"responseType":"ImportSummary","status":"WARNING","importCount":{"imported":0,"updated":3,"ignored":1,"deleted":0},
		"conflicts":[{"object":"XXXXXXXXXXX","objects":{"categoryOptionCombo":"XXXXXXXXXXX"},"value":"Category option combo not found or not accessible","errorCode":"E7610","property":"categoryOptionCombo","indexes":[3]}]}}`
	s, err = dhis2.ParseSummary([]byte(web))
	if err != nil || s.Status != "WARNING" || s.Counts != (dhis2.Counts{Updated: 3, Ignored: 1}) || len(s.Conflicts) != 1 ||
		s.Conflicts[0].Value != "Category option combo not found or not accessible" || s.Conflicts[0].ErrorCode != "E7610" || s.OK() {
		t.Errorf("web message shape: %+v %v", s, err)
	}
	if _, err := dhis2.ParseSummary([]byte(`{"status":"OK"}`)); apperr.KeyOf(err) != "error.dhis2.bad_response" {
		t.Errorf("no counts: %v", err)
	}
}

func TestMappingChecksEveryFieldAtOnce(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		reporttest.Seed(t, db)
		fake := dhis2test.New(t, report.SexAgeKeys())
		in := fullMapping(dhis2.Monthly)
		in.DataSet = "bad id"
		in.DataElements[report.CodeEventsHeld] = "Unknown0000"
		in.OrgUnits["PT"] = "x"
		in.PeriodType = "weekly"
		err := dhis2.SaveMapping(t.Context(), db, client(fake), in, 0, reporttest.Now)
		got := map[string]string{}
		for _, f := range apperr.FieldsOf(err) {
			got[f.Field] = f.Key
		}
		want := map[string]string{"data_set": "error.dhis2.bad_id", "de_events_held": "error.dhis2.unknown_id",
			"ou_PT": "error.dhis2.bad_id", "period_type": "error.dhis2.bad_period_type"}
		if len(got) != len(want) {
			t.Errorf("errors %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %q, want %q", k, got[k], v)
			}
		}
		var n int64
		db.Model(&dhis2.Mapping{}).Count(&n)
		if n != 0 {
			t.Errorf("%d mappings written on error", n)
		}
		// Saved, with DHIS2's names; an empty id unmaps.
		in = fullMapping(dhis2.Monthly)
		if err := dhis2.SaveMapping(t.Context(), db, client(fake), in, 0, reporttest.Now); err != nil {
			t.Fatal(err)
		}
		in.OrgUnits["PT"] = ""
		if err := dhis2.SaveMapping(t.Context(), db, client(fake), in, 0, reporttest.Now); err != nil {
			t.Fatal(err)
		}
		m, err := dhis2.LoadMap(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		if m.OrgUnits["HCM"] != dhis2test.OUHoChiMinh || m.OrgUnits["PT"] != "" || m.Names["org_unit/HCM"] != "Hồ Chí Minh" ||
			m.COCs["female:under_16"] != dhis2test.COC("female:under_16") || m.PeriodType != dhis2.Monthly {
			t.Errorf("map %+v", m)
		}
		var audits int64
		db.Model(&audit.Entry{}).Where("action = ?", "dhis2.mapping").Count(&audits)
		if audits != 2 {
			t.Errorf("%d mapping audits, want 2", audits)
		}
	})
}

// TestPushPeriodTwiceUpdates pushes March 2026 (E1 in HCM: 23 people) to
// the fake DHIS2 twice: imported, then updated, never doubled; both shapes
// of the answer; each push recorded and audited.
func TestPushPeriodTwiceUpdates(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		reporttest.Seed(t, db)
		fake := dhis2test.New(t, report.SexAgeKeys())
		c := client(fake)
		if err := dhis2.SaveMapping(t.Context(), db, c, fullMapping(dhis2.Monthly), 0, reporttest.Now); err != nil {
			t.Fatal(err)
		}
		plan, err := dhis2.Prepare(t.Context(), db, "202603", report.SmallCounts{}, reporttest.Now)
		if err != nil {
			t.Fatal(err)
		}
		// Two cities × (3 totals + 2 × 25 cells).
		if n := len(plan.Payload.DataValues); n != 2*(3+2*25) {
			t.Errorf("%d values, want %d", n, 2*(3+2*25))
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(plan.JSON()), &body); err != nil || body["dataSet"] != dhis2test.DataSet || body["period"] != "202603" {
			t.Errorf("payload %s", plan.JSON())
		}
		res, err := dhis2.PushPeriod(t.Context(), db, c, "202603", report.SmallCounts{}, 0, reporttest.Now)
		if err != nil || res.Err != nil {
			t.Fatal(err, res.Err)
		}
		if res.Summary.Counts.Imported != 106 || res.Summary.Counts.Updated != 0 || !res.Summary.OK() {
			t.Errorf("first push: %+v", res.Summary)
		}
		for _, c := range []struct {
			de, coc, ou, want string
		}{
			{dhis2test.DEPeopleReached, dhis2test.COC("female:25_59"), dhis2test.OUHoChiMinh, "5"},      // headcount
			{dhis2test.DEPeopleReached, dhis2test.COC("female:18_24"), dhis2test.OUHoChiMinh, "1"},      // R1
			{dhis2test.DEPeopleReached, dhis2test.COC(report.NotRecorded), dhis2test.OUHoChiMinh, "10"}, // G1, two totals
			{dhis2test.DEEventsHeld, dhis2test.COCDefault, dhis2test.OUHoChiMinh, "1"},
			{dhis2test.DEQuizSessions, dhis2test.COCDefault, dhis2test.OUHoChiMinh, "1"},
			{dhis2test.DEEventsHeld, dhis2test.COCDefault, dhis2test.OUPhanThiet, "0"},
		} {
			if v, ok := fake.Value(c.de, c.coc, c.ou, "202603"); !ok || v != c.want {
				t.Errorf("DHIS2 %s/%s/%s = %q (%v), want %s", c.de, c.coc, c.ou, v, ok, c.want)
			}
		}
		fake.SetShape(dhis2test.ShapeImport)
		res, err = dhis2.PushPeriod(t.Context(), db, c, "202603", report.SmallCounts{}, 0, reporttest.Now)
		if err != nil || res.Err != nil || res.Summary.Counts.Imported != 0 || res.Summary.Counts.Updated != 106 || res.Summary.Status != "SUCCESS" {
			t.Fatalf("second push: %+v %v", res, err)
		}
		pushes, err := dhis2.Pushes(t.Context(), db, 10)
		if err != nil || len(pushes) != 2 || pushes[0].Updated != 106 || pushes[1].Imported != 106 || pushes[0].Period != "202603" || pushes[0].ValueCount != 106 {
			t.Errorf("pushes %+v %v", pushes, err)
		}
		var audits int64
		db.Model(&audit.Entry{}).Where("action = ?", "dhis2.push").Count(&audits)
		if audits != 2 {
			t.Errorf("%d push audits, want 2", audits)
		}
	})
}

// TestPushErrors: a conflict (an unknown combo), a refused sign-in, a
// server error and an instance that does not answer; each recorded.
func TestPushErrors(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		reporttest.Seed(t, db)
		fake := dhis2test.New(t, report.SexAgeKeys())
		c := client(fake)
		if err := dhis2.SaveMapping(t.Context(), db, c, fullMapping(dhis2.Quarterly), 0, reporttest.Now); err != nil {
			t.Fatal(err)
		}
		fake.ForgetCOC(dhis2test.COC("male:60_plus"))
		res, err := dhis2.PushPeriod(t.Context(), db, c, "2026Q1", report.SmallCounts{}, 0, reporttest.Now)
		if err != nil {
			t.Fatal(err)
		}
		if apperr.KeyOf(res.Err) != "error.dhis2.conflict" || res.Summary == nil || len(res.Summary.Conflicts) != 4 || res.Summary.Counts.Ignored != 4 {
			t.Errorf("conflict: %+v %v", res.Summary, res.Err)
		}
		for status, key := range map[int]string{http.StatusUnauthorized: "error.dhis2.unauthorized", http.StatusInternalServerError: "error.dhis2.server"} {
			fake.SetFail(status)
			res, err := dhis2.PushPeriod(t.Context(), db, c, "2026Q1", report.SmallCounts{}, 0, reporttest.Now)
			if err != nil || apperr.KeyOf(res.Err) != key || res.Push.Status != dhis2.StatusError || res.Push.ErrorKey != key {
				t.Errorf("%d: %+v %v", status, res, err)
			}
		}
		fake.SetFail(0)
		wrong := dhis2.NewClient(dhis2.Settings{URL: fake.URL, Username: dhis2test.Username, Password: "wrong"})
		if res, err := dhis2.PushPeriod(t.Context(), db, wrong, "2026Q1", report.SmallCounts{}, 0, reporttest.Now); err != nil || apperr.KeyOf(res.Err) != "error.dhis2.unauthorized" {
			t.Errorf("wrong password: %+v %v", res, err)
		}
		basic := dhis2.NewClient(dhis2.Settings{URL: fake.URL, Username: dhis2test.Username, Password: dhis2test.Password})
		if _, err := basic.Metadata(t.Context()); err != nil {
			t.Errorf("basic auth: %v", err)
		}
		fake.Close()
		res, err = dhis2.PushPeriod(t.Context(), db, c, "2026Q1", report.SmallCounts{}, 0, reporttest.Now)
		if err != nil || apperr.KeyOf(res.Err) != "error.dhis2.unreachable" {
			t.Errorf("unreachable: %+v %v", res, err)
		}
		pushes, _ := dhis2.Pushes(t.Context(), db, 10)
		if len(pushes) != 5 {
			t.Errorf("%d pushes recorded, want 5", len(pushes))
		}
		if _, err := dhis2.PushPeriod(t.Context(), db, c, "202603", report.SmallCounts{}, 0, reporttest.Now); apperr.KeyOf(err) != "error.dhis2.bad_period" {
			t.Errorf("a month when quarters are mapped: %v", err)
		}
	})
}

// TestBuildHidesSmallCounts: with the threshold at 4, a city's sex × age
// cells of people are not sent when 1 to 4 (nor, when only one would be,
// the smallest other one, which would give it away from the city's
// total); zeros and session counts are sent; what is left out is listed.
func TestBuildHidesSmallCounts(t *testing.T) {
	keys := report.SexAgeKeys()
	m := &dhis2.Map{DataSet: "DS", PeriodType: dhis2.Monthly, OrgUnits: map[string]string{"HCM": "OU1"},
		DataElements: map[string]string{report.CodePeopleReached: "DEpr", report.CodeEventsHeld: "DEev"}, COCs: map[string]string{report.Total: "TOT"}}
	for _, k := range keys {
		m.COCs[k] = "C" + k
	}
	figs := &report.ByCity{Cities: []report.City{{Code: "HCM"}}, Values: map[string]map[string]map[string]float64{
		"HCM": {
			report.CodeEventsHeld:    {report.Total: 2},
			report.CodePeopleReached: {keys[0]: 20, keys[1]: 9, keys[2]: 3},
		},
	}}
	plan := dhis2.Build(m, figs, dhis2.Period{ID: "202603"}, report.SmallCounts{Threshold: 4})
	sent := map[string]string{}
	for _, v := range plan.Payload.DataValues {
		sent[v.DataElement+"/"+v.CategoryOptionCombo] = v.Value
	}
	if sent["DEpr/C"+keys[0]] != "20" || sent["DEev/TOT"] != "2" || sent["DEpr/C"+keys[3]] != "0" {
		t.Errorf("shown figures not sent as they are: %v", sent)
	}
	for _, k := range []string{keys[1], keys[2]} {
		if v, ok := sent["DEpr/C"+k]; ok {
			t.Errorf("cell %s sent as %s: 3 is small and 9 would give it away", k, v)
		}
	}
	if len(plan.Suppressed) != 2 {
		t.Errorf("suppressed = %+v, want the two cells", plan.Suppressed)
	}
}
