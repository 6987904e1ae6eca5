package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/dhis2"
	"github.com/lantern-ngo/lantern/app/dhis2/dhis2test"
	"github.com/lantern-ngo/lantern/app/report"
	"github.com/lantern-ngo/lantern/app/report/reporttest"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// dhis2Form is the whole mapping to the fake DHIS2, as the form sends it.
func dhis2Form(periodType string) url.Values {
	f := url.Values{"data_set": {dhis2test.DataSet}, "period_type": {periodType},
		"de_people_reached": {dhis2test.DEPeopleReached}, "de_authority_participants": {dhis2test.DEAuthority},
		"de_events_held": {dhis2test.DEEventsHeld}, "de_film_debate_events": {dhis2test.DEFilmEvents},
		"de_quiz_sessions": {dhis2test.DEQuizSessions}, "ou_HCM": {dhis2test.OUHoChiMinh}, "ou_PT": {dhis2test.OUPhanThiet}}
	for _, k := range dhis2.COCKeys() {
		id := dhis2test.COC(k)
		if k == report.Total {
			id = dhis2test.COCDefault
		}
		f.Set(dhis2.FieldCOC(k), id)
	}
	return f
}

// TestDHIS2MappingDryRunAndPush goes through the screen as an admin, with
// a fake DHIS2 started here: the choices read from its metadata, a mapping
// refused with every error beside its field and what was chosen kept, the
// mapping saved, a dry run of March 2026, two pushes (imported, then
// updated), and DHIS2's failures as translated messages.
func TestDHIS2MappingDryRunAndPush(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		reporttest.Seed(t, db)
		ta := newTestApp(t, db)
		// Every figure of the dataset, exact; hiding small counts is
		// TestBuildHidesSmallCounts (app/dhis2).
		ta.srv.cfg.SmallCountThreshold = 0
		ta.setNow(reporttest.Now)
		fake := dhis2test.New(t, report.SexAgeKeys())
		ta.srv.dhis2 = dhis2.NewClient(dhis2.Settings{URL: fake.URL, Token: dhis2test.Token})
		c := ta.client()
		c.login(testutil.Staff(t, db, user.RoleAdmin))
		const base = "/en/staff/admin/dhis2"

		doc := c.page(base, http.StatusOK)
		if got := text(doc, "#dhis2-summary"); got != "0 of 34 mapped." {
			t.Errorf("summary = %q", got) // data set + 5 indicators + 26 combos + 2 cities
		}
		if doc.Find(`select#de_people_reached option[value="`+dhis2test.DEPeopleReached+`"]`).Length() != 1 ||
			doc.Find(`select#ou_PT option[value="`+dhis2test.OUPhanThiet+`"]`).Length() != 1 ||
			doc.Find(`select#coc_female-under_16 option[value="`+dhis2test.COC("female:under_16")+`"]`).Length() != 1 {
			t.Error("DHIS2's metadata not offered")
		}
		if doc.Find(`#mapping .tag[data-state=unmapped]`).Length() != 34 {
			t.Error("unmapped rows not shown as such")
		}
		// Every problem at once, beside its field; the choices kept.
		bad := dhis2Form(dhis2.Monthly)
		bad.Set("de_events_held", "Unknown0000")
		bad.Set("ou_PT", "x")
		bad.Set("period_type", "weekly")
		doc = ta.parse(c.post(base+"/mapping", bad), http.StatusUnprocessableEntity, "bad mapping")
		for id, want := range map[string]string{
			"#de_events_held-err": "DHIS2 has no such object.",
			"#ou_PT-err":          "A DHIS2 id has 11 letters and digits, starting with a letter.",
			"#period_type-err":    "Choose monthly or quarterly.",
		} {
			if got := text(doc, id); got != want {
				t.Errorf("%s = %q, want %q", id, got, want)
			}
		}
		if doc.Find(`select#de_events_held option[value="Unknown0000"][selected]`).Length() != 1 ||
			doc.Find(`select#de_people_reached option[value="`+dhis2test.DEPeopleReached+`"][selected]`).Length() != 1 {
			t.Error("the choices are not kept")
		}
		wantRedirect(t, c.post(base+"/mapping", dhis2Form(dhis2.Monthly)), base+"?flash=dhis2_saved")
		doc = c.page(base, http.StatusOK)
		if got := text(doc, "#dhis2-summary"); got != "34 of 34 mapped." {
			t.Errorf("summary = %q", got)
		}
		if got := text(doc, `label[for=ou_HCM] ~ .tag`); got != "mapped: Hồ Chí Minh" {
			t.Errorf("HCM tag = %q", got)
		}

		// Dry run: the payload, nothing sent.
		doc = c.page(base, http.StatusOK)
		doc = ta.parse(c.post(base+"/dry-run", url.Values{"period": {"202603"}}), http.StatusOK, "dry run")
		var payload dhis2.Payload
		if err := json.Unmarshal([]byte(text(doc, "#dhis2-json")), &payload); err != nil {
			t.Fatalf("payload: %v\n%s", err, text(doc, "#dhis2-json"))
		}
		if payload.DataSet != dhis2test.DataSet || payload.Period != "202603" || len(payload.DataValues) != 106 {
			t.Errorf("payload %+v", payload)
		}
		found := false
		for _, v := range payload.DataValues {
			if v.DataElement == dhis2test.DEPeopleReached && v.CategoryOptionCombo == dhis2test.COC(report.NotRecorded) && v.OrgUnit == dhis2test.OUHoChiMinh {
				found = v.Value == "10" && v.Period == "202603"
			}
		}
		if !found {
			t.Error("G1 (two separate totals) not sent as 'sex × age not recorded'")
		}
		if fake.Posts != 0 {
			t.Error("the dry run sent something")
		}

		// Push twice: imported, then updated.
		doc = ta.parse(c.post(base+"/push", url.Values{"period": {"202603"}}), http.StatusOK, "push")
		if got := text(doc, `#dhis2-counts dd[data-count=imported]`); got != "106" {
			t.Errorf("imported = %q", got)
		}
		doc = ta.parse(c.post(base+"/push", url.Values{"period": {"202603"}}), http.StatusOK, "push again")
		if text(doc, `#dhis2-counts dd[data-count=updated]`) != "106" || text(doc, `#dhis2-counts dd[data-count=imported]`) != "0" {
			t.Errorf("second push: %s", doc.Find("#dhis2-counts").Text())
		}
		if v, _ := fake.Value(dhis2test.DEPeopleReached, dhis2test.COC("female:25_59"), dhis2test.OUHoChiMinh, "202603"); v != "5" {
			t.Errorf("DHIS2 holds %q, want 5", v)
		}
		if n := doc.Find(`#dhis2-pushes li[data-period="202603"]`).Length(); n != 2 {
			t.Errorf("%d pushes listed, want 2", n)
		}

		// A conflict: DHIS2's reasons shown.
		fake.ForgetCOC(dhis2test.COC("male:60_plus"))
		doc = ta.parse(c.post(base+"/push", url.Values{"period": {"202603"}}), http.StatusOK, "conflict")
		if got := text(doc, "#dhis2-push-err"); got != "DHIS2 refused some values (409): see the reasons below." {
			t.Errorf("conflict message = %q", got)
		}
		if !strings.Contains(text(doc, "#dhis2-conflicts"), "Category option combo not found or not accessible") {
			t.Errorf("conflicts = %q", text(doc, "#dhis2-conflicts"))
		}
		// Refused sign-in, server error, unreachable: a translated message.
		for status, want := range map[int]string{
			http.StatusUnauthorized:        "DHIS2 refused Lantern's sign-in (401): check DHIS2_TOKEN, or the user name and password.",
			http.StatusInternalServerError: "DHIS2 had an error (500): nothing may have been saved. Try again later.",
		} {
			fake.SetFail(status)
			doc = ta.parse(c.post(base+"/push", url.Values{"period": {"202603"}}), http.StatusBadGateway, "failure")
			if got := text(doc, "#dhis2-push-err"); got != want {
				t.Errorf("%d: %q", status, got)
			}
		}
		fake.Close()
		doc = ta.parse(c.post("/vi/staff/admin/dhis2/push", url.Values{"period": {"202603"}}), http.StatusBadGateway, "unreachable")
		if got := text(doc, "#dhis2-push-err"); got != "Không kết nối được với DHIS2: hãy kiểm tra DHIS2_URL và mạng, rồi thử lại." {
			t.Errorf("unreachable: %q", got)
		}
		if got := text(doc, "#dhis2-meta-err"); got == "" {
			t.Error("metadata unavailable not said")
		}
		if doc.Find(`input#de_people_reached[value="`+dhis2test.DEPeopleReached+`"]`).Length() != 1 {
			t.Error("without DHIS2's lists, the ids are not in text boxes")
		}
		// A period not of the period type: beside the field.
		doc = ta.parse(c.post(base+"/dry-run", url.Values{"period": {"2026Q1"}}), http.StatusUnprocessableEntity, "bad period")
		if got := text(doc, "#period-err"); got != "Write the period as the period type says (202611 for a month, 2026Q4 for a quarter)." {
			t.Errorf("period error = %q", got)
		}
		if doc.Find("#period").AttrOr("value", "") != "2026Q1" {
			t.Error("the period typed is not kept")
		}
		var audits int64
		db.Table("audit_logs").Where("action = ?", "dhis2.push").Count(&audits)
		if audits != 6 {
			t.Errorf("%d pushes audited, want 6", audits)
		}
	})
}

// TestDHIS2AdminsOnly: other roles are refused the screen and its actions;
// an unconfigured instance says so.
func TestDHIS2AdminsOnly(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		for _, r := range []user.Role{user.RoleOrganiser, user.RoleTrainer, user.RoleCoach} {
			c := ta.client()
			c.login(testutil.Staff(t, db, r))
			for _, p := range []string{"/mapping", "/dry-run", "/push"} {
				if resp := c.post("/en/staff/admin/dhis2"+p, url.Values{"period": {"202603"}}); resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s POST %s: %d, want 403", r, p, resp.StatusCode)
				}
			}
			if resp := c.get("/en/staff/admin/dhis2"); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s GET: %d", r, resp.StatusCode)
			}
		}
		c := ta.client()
		c.login(testutil.Staff(t, db, user.RoleAdmin))
		doc := c.page("/fr/staff/admin/dhis2", http.StatusOK)
		if got := text(doc, "#dhis2-instance"); !strings.Contains(got, "DHIS2 n'est pas configuré") {
			t.Errorf("instance = %q", got)
		}
		doc = ta.parse(c.post("/fr/staff/admin/dhis2/push", url.Values{"period": {"202603"}}), http.StatusUnprocessableEntity, "not mapped")
		if got := text(doc, "#dhis2-err"); got != "Faites d'abord correspondre le type de période, au moins un indicateur et une ville." {
			t.Errorf("not mapped = %q", got)
		}
	})
}

// TestGroupsWithoutGridShowNotRecorded: groups recorded as two separate
// totals are counted on the dashboard as "sex × age not recorded".
func TestGroupsWithoutGridShowNotRecorded(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		reporttest.Seed(t, db)
		ta := newTestApp(t, db)
		ta.setNow(reporttest.Now)
		c := ta.client()
		c.login(testutil.Staff(t, db, user.RoleAdmin))
		doc := c.page("/en/staff/dashboard", http.StatusOK)
		sel := `table[data-dim="sex_age"] td[data-code="people_reached"][data-key="not_recorded"]`
		if got := text(doc, sel); got != "19" {
			t.Errorf("not recorded = %q, want 19", got)
		}
		row := doc.Find(sel).Closest("tr")
		if !strings.Contains(row.Text(), "Sex × age not recorded") {
			t.Errorf("row = %q", row.Text())
		}
	})
}

// TestStaffGroupGrid: staff register a group with the sex × age grid; every
// problem comes back at once beside its field with what was typed; the
// list shows each group's grid, and a group registered before the grid as
// "sex × age not recorded".
func TestStaffGroupGrid(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Capacity: 40})
		old := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Kind: "group", Size: 10, Phone: "-", Name: "Nhà mở cũ"})
		if err := db.Exec("UPDATE registrations SET group_breakdown = ? WHERE id = ?",
			`{"sex":{"female":6,"male":4},"age_band":{"under_16":10},"unknown_crossing":true}`, old.ID).Error; err != nil {
			t.Fatal(err)
		}
		base := "/en/staff/events/" + itoa(int(e.ID)) + "/registrations"
		form := url.Values{"name": {""}, "phone": {"0912 345 002"}, "kind": {"group"}, "group_size": {"8"}, "organisation": {"CTSE"},
			"g_female_under_16": {"x"}, "g_male_16_17": {"3"}}
		doc := ta.parse(c.post(base+"/new", form), http.StatusUnprocessableEntity, "bad group")
		if text(doc, "#r-name-err") == "" {
			t.Error("no error beside the name")
		}
		if got := text(doc, "#r-grid-err"); !strings.Contains(got, "Please enter a whole number") || !strings.Contains(got, "The boxes add up to 3, but the group has 8 people.") {
			t.Errorf("grid errors = %q", got)
		}
		if doc.Find("#g_female_under_16").AttrOr("value", "") != "x" || doc.Find("#g_male_16_17").AttrOr("value", "") != "3" || doc.Find("#r-size").AttrOr("value", "") != "8" {
			t.Error("what was typed is not kept")
		}
		form.Set("name", "CTSE nhóm B")
		form.Set("g_female_under_16", "5")
		wantRedirect(t, c.post(base+"/new", form), base+"?flash=event_reg_added")
		doc = c.page(base, http.StatusOK)
		var grids []string
		doc.Find("small.grid-words").Each(func(_ int, s *goquery.Selection) {
			grids = append(grids, s.AttrOr("data-grid", "")+": "+strings.TrimSpace(s.Text()))
		})
		want := map[string]bool{
			"unknown: Sex × age not recorded (groups recorded before the grid)": true,
			"recorded: Female · Under 16: 5, Male · 16–17: 3":                   true,
		}
		if len(grids) != 2 || !want[grids[0]] || !want[grids[1]] {
			t.Errorf("grids listed: %q", grids)
		}
	})
}
