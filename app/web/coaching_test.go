package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/seed"
	"github.com/lantern-ngo/lantern/app/sessionreport"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// coachingWorld is the cast of the coaching tests: an organiser, an admin,
// two coaches, a trainer coached by the first coach (Hoa), another trainer
// coached by the second (Duc), and sessions run by Hoa.
type coachingWorld struct {
	ta                   *testApp
	db                   *gorm.DB
	now                  time.Time
	org, admin           *user.User
	coach, coach2        *user.User
	hoa, duc             *user.User
	ended, future, other *event.Event
	comps                []coaching.Competency
}

func newCoachingWorld(t *testing.T, db *gorm.DB) *coachingWorld {
	t.Helper()
	w := &coachingWorld{ta: newTestApp(t, db), db: db}
	// Wednesday 25 November 2026, 10:00 in Vietnam.
	w.now = time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	w.ta.setNow(w.now)
	w.org = testutil.Staff(t, db, user.RoleOrganiser)
	w.admin = testutil.Staff(t, db, user.RoleAdmin)
	w.coach = testutil.Staff(t, db, user.RoleCoach)
	w.coach2 = testutil.Staff(t, db, user.RoleCoach)
	w.hoa = testutil.Staff(t, db, user.RoleTrainer)
	w.duc = testutil.Staff(t, db, user.RoleTrainer)
	db.Model(w.hoa).Updates(map[string]any{"coach_id": w.coach.ID, "phone": "+84912000001", "lang": "vi"})
	db.Model(w.duc).Updates(map[string]any{"coach_id": w.coach2.ID})
	w.hoa.CoachID, w.duc.CoachID = &w.coach.ID, &w.coach2.ID
	w.ended = testutil.Event(t, db, testutil.EventOpts{Now: w.now, StartsIn: -72 * time.Hour})
	w.future = testutil.Event(t, db, testutil.EventOpts{Now: w.now, StartsIn: 72 * time.Hour})
	w.other = testutil.Event(t, db, testutil.EventOpts{Now: w.now, StartsIn: -48 * time.Hour})
	testutil.AssignTrainer(t, db, w.ended.ID, w.hoa.ID)
	testutil.AssignTrainer(t, db, w.future.ID, w.hoa.ID)
	testutil.AssignTrainer(t, db, w.other.ID, w.duc.ID)
	if err := seed.Competencies(db, lantern.Assets); err != nil {
		t.Fatal(err)
	}
	var err error
	if w.comps, err = coaching.Competencies(t.Context(), db, false); err != nil || len(w.comps) != 5 {
		t.Fatalf("competencies = %d, %v", len(w.comps), err)
	}
	return w
}

func (w *coachingWorld) as(u *user.User) *client {
	c := w.ta.client()
	c.login(u)
	c.get("/en/staff/") // a person loads a page before sending a form
	return c
}

func wantStatus(t *testing.T, resp *http.Response, want int, what string) string {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s: status %d, want %d\n%.1500s", what, resp.StatusCode, want, body)
	}
	return string(body)
}

func reportPath(e *event.Event) string { return fmt.Sprintf("/en/staff/events/%d/report", e.ID) }

func TestSessionReportAccessAndSave(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		w := newCoachingWorld(t, db)
		hoa, duc := w.as(w.hoa), w.as(w.duc)

		// Each role on the report of Hoa's ended session.
		doc := hoa.page(reportPath(w.ended), http.StatusOK)
		if doc.Find(`form textarea[name=covered]`).Length() != 1 || doc.Find(`.report-form .note`).Length() != 1 {
			t.Fatal("the assigned trainer gets the form with its warning")
		}
		if got := text(doc, "#h-figures + dl dd"); got != "0" {
			t.Errorf("registered = %q", got)
		}
		if !strings.Contains(doc.Find(".figures").Text(), "no quiz data") {
			t.Error("figures must say there is no quiz data")
		}
		duc.page(reportPath(w.ended), http.StatusForbidden)
		w.as(w.coach2).page(reportPath(w.ended), http.StatusForbidden)
		w.as(w.org).page(reportPath(w.ended), http.StatusOK)
		// Hoa's coach reads, without a form.
		d := w.as(w.coach).page(reportPath(w.ended), http.StatusOK)
		if d.Find("form textarea").Length() != 0 {
			t.Error("the coach must not get the form")
		}
		// …and may record an observation of it, the session preselected.
		obs := fmt.Sprintf("/en/staff/coaching/coachees/%d/sessions/new?event=%d", w.hoa.ID, w.ended.ID)
		if d.Find(`a[href="`+obs+`"]`).Length() != 1 || doc.Find(`a[href*="sessions/new"]`).Length() != 0 {
			t.Error("observation link: only for the coach")
		}
		d = w.as(w.coach).page(obs, http.StatusOK)
		if v, _ := d.Find("input[name=mode][checked]").Attr("value"); v != "observation" || d.Find(fmt.Sprintf("option[value='%d'][selected]", w.ended.ID)).Length() != 1 {
			t.Errorf("observation form: mode %q", v)
		}
		// Another trainer cannot write it.
		wantStatus(t, duc.post(reportPath(w.ended), url.Values{"covered": {"x"}}), http.StatusForbidden, "duc posts")

		// Errors: no "covered", a follow-up without an action, a bad count.
		form := url.Values{
			"how_it_went": {"Rất tốt"}, "fu_owner_0": {"Chị Lan"}, "ref_health": {"-2"},
		}
		body := wantStatus(t, hoa.post(reportPath(w.ended), form), http.StatusUnprocessableEntity, "invalid report")
		for _, want := range []string{"What was covered is required.", "Please describe the action", "Please enter a whole number", "Rất tốt", "Chị Lan"} {
			if !strings.Contains(body, want) {
				t.Errorf("422 page lacks %q", want)
			}
		}

		// A valid report, with a phone number and a full name to flag.
		form = url.Values{
			"covered":     {"Chiếu phim Lời hứa, thảo luận về thủ đoạn lừa đi làm xa."},
			"how_it_went": {"Có em Nguyễn Thị Mai hỏi nhiều."},
			"questions":   {"Mẹ em gọi 0912 345 678 để hỏi thêm."},
			"topics":      {"trafficking_traps", "labour_migration", "not_a_topic"},
			"fu_action_0": {"Gọi lại cho gia đình"}, "fu_owner_0": {"Chị Lan"}, "fu_due_0": {"2026-12-01"},
			"ref_social_work": {"2"}, "ref_health": {"1"}, "ref_police": {"0"},
		}
		resp := hoa.post(reportPath(w.ended), form)
		wantStatus(t, resp, http.StatusSeeOther, "save report")
		if loc := resp.Header.Get("Location"); loc != reportPath(w.ended)+"?flash=report_saved" {
			t.Errorf("redirect to %q", loc)
		}
		r, err := sessionreport.ForEvent(t.Context(), db, w.ended.ID)
		if err != nil || r == nil {
			t.Fatalf("report = %v, %v", r, err)
		}
		if r.AuthorID != w.hoa.ID || r.Topics != "trafficking_traps,labour_migration" || len(r.FollowUps) != 1 ||
			r.FollowUps[0].DueOn != "2026-12-01" || len(r.Referrals) != 2 || r.ReferralTotal() != 3 || r.Lang != "en" {
			t.Errorf("stored report = %+v", r)
		}
		doc = hoa.page(reportPath(w.ended), http.StatusOK)
		flags := doc.Find(".warn li")
		if flags.Length() != 2 || !strings.Contains(flags.Text(), "…5678") || !strings.Contains(flags.Text(), "Nguyễn Thị Mai") ||
			strings.Contains(flags.Text(), "0912") {
			t.Errorf("flags = %q", flags.Text())
		}
		if !strings.Contains(doc.Find(".report").Text(), "Social work centre: 2") {
			t.Error("referrals not shown")
		}
		// Editing replaces the rows.
		form.Set("ref_health", "")
		form.Set("fu_action_0", "")
		form.Set("fu_owner_0", "")
		form.Set("fu_due_0", "")
		form.Del("_csrf") // post() put Hoa's token in
		wantStatus(t, w.as(w.org).post(reportPath(w.ended), form), http.StatusSeeOther, "organiser edits")
		r, _ = sessionreport.ForEvent(t.Context(), db, w.ended.ID)
		if len(r.FollowUps) != 0 || r.ReferralTotal() != 2 || r.AuthorID != w.hoa.ID {
			t.Errorf("after edit = %+v", r)
		}

		// The future session: no report yet.
		if d := hoa.page(reportPath(w.future), http.StatusOK); d.Find("form textarea").Length() != 0 {
			t.Error("no form before the session starts")
		}
		body = wantStatus(t, hoa.post(reportPath(w.future), url.Values{"covered": {"trop tôt"}}), http.StatusUnprocessableEntity, "future")
		if !strings.Contains(body, "has not started yet") {
			t.Error("future report: no message")
		}
	})
}

func TestMissingReportsAndReminder(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		w := newCoachingWorld(t, db)
		org := w.as(w.org)
		// Duc writes the report of his session; Hoa's ended one stays missing.
		wantStatus(t, w.as(w.duc).post(reportPath(w.other), url.Values{"covered": {"ok"}}), http.StatusSeeOther, "duc report")

		doc := org.page("/en/staff/reports/missing", http.StatusOK)
		cards := doc.Find(".cards .card")
		if cards.Length() != 1 || !strings.Contains(cards.Text(), w.hoa.Name) {
			t.Fatalf("missing list = %q", cards.Text())
		}
		w.as(w.hoa).page("/en/staff/reports/missing", http.StatusForbidden)
		wantStatus(t, w.as(w.hoa).post(reportPath(w.ended)+"/remind", nil), http.StatusForbidden, "trainer reminds")

		resp := org.post(reportPath(w.ended)+"/remind", nil)
		wantStatus(t, resp, http.StatusSeeOther, "remind")
		if loc := resp.Header.Get("Location"); loc != "/en/staff/reports/missing?flash=report_reminded" {
			t.Errorf("redirect %q", loc)
		}
		resp = org.post(reportPath(w.ended)+"/remind", nil)
		wantStatus(t, resp, http.StatusSeeOther, "remind again")
		if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, "flash=report_already_reminded") {
			t.Errorf("second redirect %q", loc)
		}
		var msgs []struct {
			ToPhone, Body, Lang, Encoding string
			DedupeKey                     string
		}
		db.Table("sms_messages").Where("kind = ?", "report_reminder").Scan(&msgs)
		if len(msgs) != 1 {
			t.Fatalf("%d reminder SMS, want 1", len(msgs))
		}
		m := msgs[0]
		wantKey := fmt.Sprintf("report-reminder:%d:%d:2026-11-25", w.ended.ID, w.hoa.ID)
		if m.ToPhone != "+84912000001" || m.Lang != "vi" || m.Encoding != "GSM7" || m.DedupeKey != wantKey ||
			!strings.Contains(m.Body, "xin vui long viet bao cao") || !strings.Contains(m.Body, "Chieu phim") {
			t.Errorf("SMS = %+v", m)
		}
		// The list says when, and no longer offers the button today.
		doc = org.page("/en/staff/reports/missing", http.StatusOK)
		if doc.Find(".card form").Length() != 0 || !strings.Contains(doc.Text(), "Last reminded on") {
			t.Error("reminded session still offers a reminder")
		}
		// Hoa's in-app notice.
		doc = w.as(w.hoa).page("/en/staff/reports/mine", http.StatusOK)
		if doc.Find(".cards .card").Length() != 1 || !strings.Contains(doc.Find(".card .note").Text(), "reminded you on") {
			t.Errorf("trainer notice = %q", doc.Find(".cards").Text())
		}
		// A session with a report cannot be reminded.
		wantStatus(t, org.post(reportPath(w.other)+"/remind", nil), http.StatusConflict, "remind written")
	})
}

// coachingForm is a valid coaching session form from the coach.
func (w *coachingWorld) sessionForm(day string, levels ...int) url.Values {
	f := url.Values{
		"held_on": {day}, "mode": {"on_site"}, "topics": {"Quy trình chuyển gửi"},
		"strengths": {"Lắng nghe tốt"}, "difficulties": {"Quản lý thời gian"},
		"ap_text_0": {"Đọc lại quy trình"}, "ap_due_0": {"2026-11-27"},
		"ap_text_1": {"Dự một buổi của đồng nghiệp"}, "ap_due_1": {"2026-11-20"},
		"next_on": {"2026-12-10"},
	}
	for i, l := range levels {
		if l > 0 {
			f.Set(fmt.Sprintf("rating_%d", w.comps[i].ID), fmt.Sprint(l))
		}
	}
	return f
}

func coacheePath(u *user.User) string { return fmt.Sprintf("/en/staff/coaching/coachees/%d", u.ID) }

func TestCoachingAccessAndRecord(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		w := newCoachingWorld(t, db)
		coach, hoa, duc := w.as(w.coach), w.as(w.hoa), w.as(w.duc)
		newPath := coacheePath(w.hoa) + "/sessions"

		// Who may record a session for Hoa.
		wantStatus(t, duc.post(newPath, w.sessionForm("2026-11-20", 2)), http.StatusForbidden, "another trainer records")
		wantStatus(t, hoa.post(newPath, w.sessionForm("2026-11-20", 4)), http.StatusForbidden, "the coachee records")
		wantStatus(t, w.as(w.coach2).post(newPath, w.sessionForm("2026-11-20", 2)), http.StatusForbidden, "another coach records")
		hoa.page(coacheePath(w.hoa)+"/sessions/new", http.StatusForbidden)
		coach.page(coacheePath(w.hoa)+"/sessions/new", http.StatusOK)

		// Errors keep the input.
		bad := w.sessionForm("2026-12-01", 5)
		bad.Set("mode", "observation")
		body := wantStatus(t, coach.post(newPath, bad), http.StatusUnprocessableEntity, "bad session")
		for _, want := range []string{"cannot be in the future", "choose the session observed", "from 1 to 4", "Lắng nghe tốt"} {
			if !strings.Contains(body, want) {
				t.Errorf("422 lacks %q", want)
			}
		}

		// Two sessions: competency 1 goes 2 → 3, competency 2 stays 3.
		wantStatus(t, coach.post(newPath, w.sessionForm("2026-10-01", 2, 3)), http.StatusSeeOther, "first session")
		obs := w.sessionForm("2026-11-22", 3, 3, 0, 2)
		obs.Set("mode", "observation")
		obs.Set("event_id", fmt.Sprint(w.ended.ID))
		obs.Del("ap_text_0")
		obs.Del("ap_due_0")
		wantStatus(t, coach.post(newPath, obs), http.StatusSeeOther, "observation")
		var sessions []coaching.Session
		db.Preload("Ratings").Preload("ActionPoints").Order("held_on").Find(&sessions)
		if len(sessions) != 2 || sessions[0].CoachID != w.coach.ID || len(sessions[0].Ratings) != 2 || len(sessions[0].ActionPoints) != 2 ||
			sessions[1].EventID == nil || *sessions[1].EventID != w.ended.ID || len(sessions[1].Ratings) != 3 {
			t.Fatalf("sessions = %+v", sessions)
		}
		// An observation of a session Hoa did not run is refused.
		obs.Set("event_id", fmt.Sprint(w.other.ID))
		obs.Del("_csrf")
		wantStatus(t, coach.post(newPath, obs), http.StatusUnprocessableEntity, "observation of another's session")

		// Hoa reads her own page: chart, trend, action points — no buttons.
		doc := hoa.page(coacheePath(w.hoa), http.StatusOK)
		if doc.Find("svg polyline").Length() != 3 || doc.Find("svg circle").Length() != 5 {
			t.Errorf("chart: %d lines, %d dots", doc.Find("svg polyline").Length(), doc.Find("svg circle").Length())
		}
		if doc.Find("[style]").Length() != 0 || doc.Find("style").Length() != 0 {
			t.Error("no inline style allowed")
		}
		rows := doc.Find("#h-trend ~ .table-wrap tbody tr")
		if rows.Length() != 3 {
			t.Fatalf("trend rows = %d", rows.Length())
		}
		var cells []string
		rows.First().Find("td").Each(func(_ int, td *goquery.Selection) { cells = append(cells, strings.TrimSpace(td.Text())) })
		if got := strings.Join(cells, " "); got != "2 3 +1" {
			t.Errorf("first competency trend = %q, want 2 3 +1", got)
		}
		open := doc.Find("#h-actions + ul li")
		if open.Length() != 3 || !strings.Contains(open.Text(), "overdue") || doc.Find("#h-actions ~ ul form").Length() != 0 {
			t.Errorf("open actions = %q", open.Text())
		}
		if !strings.Contains(doc.Find("#h-ran ~ .table-wrap").Text(), "Missing") {
			t.Error("the sessions Hoa ran must show the missing report")
		}
		// Another trainer cannot read Hoa's records, nor a session of hers.
		duc.page(coacheePath(w.hoa), http.StatusForbidden)
		duc.page(fmt.Sprintf("/en/staff/coaching/sessions/%d", sessions[0].ID), http.StatusForbidden)
		w.as(w.coach2).page(coacheePath(w.hoa), http.StatusForbidden)
		hoa.page(fmt.Sprintf("/en/staff/coaching/sessions/%d", sessions[0].ID), http.StatusOK)
		w.as(w.org).page(coacheePath(w.hoa), http.StatusOK)
		// Nor the coach's page.
		duc.page("/en/staff/coaching", http.StatusForbidden)

		// Correcting a session: only the coach (and organisers, admins).
		editPath := fmt.Sprintf("/en/staff/coaching/sessions/%d", sessions[0].ID)
		hoa.page(editPath+"/edit", http.StatusForbidden)
		duc.page(editPath+"/edit", http.StatusForbidden)
		wantStatus(t, hoa.post(editPath, w.sessionForm("2026-10-01", 4, 4)), http.StatusForbidden, "coachee edits")
		d := coach.page(editPath+"/edit", http.StatusOK)
		if v, _ := d.Find(fmt.Sprintf(`input[name="rating_%d"][checked]`, w.comps[0].ID)).Attr("value"); v != "2" {
			t.Errorf("edit form: rating %q, want 2", v)
		}
		fix := w.sessionForm("2026-10-02", 1, 0, 4)
		fix.Del("ap_text_1")
		fix.Del("ap_due_1")
		wantStatus(t, coach.post(editPath, fix), http.StatusSeeOther, "coach edits")
		var fixed coaching.Session
		db.Preload("Ratings").Preload("ActionPoints").First(&fixed, sessions[0].ID)
		if fixed.HeldOn != "2026-10-02" || len(fixed.Ratings) != 2 || fixed.RatingOf(w.comps[0].ID) != 1 ||
			fixed.RatingOf(w.comps[1].ID) != 0 || fixed.RatingOf(w.comps[2].ID) != 4 || len(fixed.ActionPoints) != 3 {
			t.Errorf("edited session = %+v", fixed)
		}
		// Put it back as it was for what follows.
		db.Where("session_id = ? AND id NOT IN ?", fixed.ID, []uint{sessions[0].ActionPoints[0].ID, sessions[0].ActionPoints[1].ID}).Delete(&coaching.ActionPoint{})
		back := w.sessionForm("2026-10-01", 2, 3)
		back.Del("ap_text_0")
		back.Del("ap_text_1")
		back.Del("ap_due_0")
		back.Del("ap_due_1")
		wantStatus(t, coach.post(editPath, back), http.StatusSeeOther, "coach edits back")

		// Marking an action point done: the coachee cannot, the coach can.
		ap := sessions[0].ActionPoints[0]
		donePath := fmt.Sprintf("/en/staff/coaching/action-points/%d/done", ap.ID)
		wantStatus(t, hoa.post(donePath, url.Values{"done": {"1"}}), http.StatusForbidden, "coachee marks done")
		wantStatus(t, duc.post(donePath, url.Values{"done": {"1"}}), http.StatusForbidden, "other marks done")
		wantStatus(t, coach.post(donePath, url.Values{"done": {"1"}}), http.StatusSeeOther, "coach marks done")
		var got coaching.ActionPoint
		db.First(&got, ap.ID)
		if got.DoneOn != "2026-11-25" || got.DoneByID == nil || *got.DoneByID != w.coach.ID {
			t.Errorf("action point = %+v", got)
		}
		wantStatus(t, coach.post(donePath, url.Values{"done": {"0"}}), http.StatusSeeOther, "reopen")
		db.First(&got, ap.ID)
		if got.DoneOn != "" {
			t.Errorf("reopened = %+v", got)
		}

		// The coach's page: Hoa coached on 22 Nov (not overdue); action
		// points due by Sunday 29 Nov: 2 per session, 3 open in all (one of
		// the observation had no text) and one of them overdue.
		doc = coach.page("/en/staff/coaching", http.StatusOK)
		if doc.Find(".cards .card").Length() != 1 || doc.Find(".card.overdue").Length() != 0 {
			t.Errorf("coachees = %q", doc.Find(".cards").Text())
		}
		if due := doc.Find("#h-due + ul li"); due.Length() != 3 || doc.Find("#h-due + ul li.overdue").Length() != 2 {
			t.Errorf("due this week = %d (%q)", due.Length(), due.Text())
		}
		// The second coach sees Duc, never coached: overdue.
		doc = w.as(w.coach2).page("/en/staff/coaching", http.StatusOK)
		if doc.Find(".card.overdue").Length() != 1 || !strings.Contains(doc.Find(".card.overdue").Text(), w.duc.Name) {
			t.Errorf("coach2 page = %q", doc.Find(".cards").Text())
		}
	})
}

func TestCoachingFiguresExports(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		w := newCoachingWorld(t, db)
		coach := w.as(w.coach)
		newPath := coacheePath(w.hoa) + "/sessions"
		// October: levels 2, 3; November: 3, 3 → changes +1 and 0: average 0.5.
		wantStatus(t, coach.post(newPath, w.sessionForm("2026-10-01", 2, 3)), http.StatusSeeOther, "s1")
		wantStatus(t, coach.post(newPath, w.sessionForm("2026-11-22", 3, 3)), http.StatusSeeOther, "s2")

		w.as(w.hoa).page("/en/staff/coaching/figures", http.StatusForbidden)
		wantStatus(t, coach.get("/en/staff/coaching/figures.csv"), http.StatusForbidden, "coach csv")
		org := w.as(w.org)
		doc := org.page("/en/staff/coaching/figures", http.StatusOK)
		if text(doc, "#fig-sessions") != "2" || text(doc, "#fig-coachees") != "1" || !strings.HasPrefix(text(doc, "#fig-change"), "+0.50") {
			t.Errorf("figures: %q %q %q", text(doc, "#fig-sessions"), text(doc, "#fig-coachees"), text(doc, "#fig-change"))
		}
		// Action points of the two sessions: "read the procedure" due 27 Nov
		// (not yet due, open) ×2, "attend a colleague's session" due 20 Nov
		// (overdue, open) ×2 → 2 due, none on time.
		if !strings.HasPrefix(text(doc, "#fig-ontime"), "0 of 2") {
			t.Errorf("on time = %q", text(doc, "#fig-ontime"))
		}

		resp := org.get("/en/staff/coaching/figures.csv")
		body := wantStatus(t, resp, http.StatusOK, "csv")
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("content type %q", ct)
		}
		cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF")))
		cr.FieldsPerRecord = -1
		recs, err := cr.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		find := func(label string) []string {
			for _, r := range recs {
				if len(r) > 0 && r[0] == label {
					return r
				}
			}
			t.Errorf("CSV has no row %q", label)
			return nil
		}
		if r := find("Coaching sessions"); r != nil && r[1] != "2" {
			t.Errorf("sessions row %q", r)
		}
		if r := find("Average competency change (first to latest rating)"); r != nil && (r[1] != "0.5" || r[2] != "2") {
			t.Errorf("change row %q", r)
		}
		if r := find("2026-10"); r != nil && r[1] != "1" {
			t.Errorf("October row %q", r)
		}
		if r := find(w.comps[0].Name["en"]); r != nil && r[1] != "1" {
			t.Errorf("first competency row %q", r)
		}

		// The same in French as an Excel workbook.
		resp = org.get("/fr/staff/coaching/figures.xlsx?from=2026-11-01")
		body = wantStatus(t, resp, http.StatusOK, "xlsx")
		x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows("Coaching")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < 3 || rows[0][0] != "Période" || rows[0][1] != "2026-11-01" || rows[1][0] != "Séances d'accompagnement" || rows[1][1] != "1" {
			t.Errorf("xlsx rows = %q", rows)
		}
		v, _ := x.GetCellValue("Coaching", "B2")
		if typ, _ := x.GetCellType("Coaching", "B2"); v != "1" || typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("B2 = %q (type %v): must be a number", v, typ)
		}
	})
}

func TestCompetencyAdmin(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		w := newCoachingWorld(t, db)
		w.as(w.org).page("/en/staff/competencies", http.StatusForbidden)
		admin := w.as(w.admin)
		doc := admin.page("/vi/staff/competencies", http.StatusOK)
		if doc.Find(".cards > li").Length() != 5 || !strings.Contains(doc.Text(), "Nhận diện trẻ em có nguy cơ") {
			t.Errorf("list = %q", doc.Find(".cards").Text())
		}
		c := w.comps[0]
		path := fmt.Sprintf("/en/staff/competencies/%d", c.ID)
		doc = admin.page(path, http.StatusOK)
		form := url.Values{"position": {"1"}, "active": {"true"}}
		doc.Find("form input[type=text], form textarea").Each(func(_ int, s *goquery.Selection) {
			name, _ := s.Attr("name")
			if s.Is("textarea") {
				form.Set(name, s.Text())
			} else {
				v, _ := s.Attr("value")
				form.Set(name, v)
			}
		})
		form.Set("name_fr", "Repérer les enfants en danger")
		form.Set("l4_vi", "")
		body := wantStatus(t, admin.post(path, form), http.StatusUnprocessableEntity, "missing level")
		if !strings.Contains(body, "Repérer les enfants en danger") {
			t.Error("input lost")
		}
		form.Set("l4_vi", "Hướng dẫn được đồng nghiệp")
		wantStatus(t, admin.post(path, form), http.StatusSeeOther, "save competency")
		got, _ := coaching.GetCompetency(t.Context(), db, c.ID)
		if got.Name["fr"] != "Repérer les enfants en danger" || got.Level4["vi"] != "Hướng dẫn được đồng nghiệp" || got.Name["vi"] != c.Name["vi"] {
			t.Errorf("saved = %+v", got)
		}
		// A new one, inactive: it is not offered in the coaching form.
		wantStatus(t, admin.post("/en/staff/competencies/new", url.Values{
			"name_vi": {"Ghi chép hồ sơ"}, "l1_vi": {"a"}, "l2_vi": {"b"}, "l3_vi": {"c"}, "l4_vi": {"d"}, "position": {"0"},
		}), http.StatusSeeOther, "new competency")
		doc = w.as(w.coach).page(coacheePath(w.hoa)+"/sessions/new", http.StatusOK)
		if n := doc.Find("fieldset.rubric").Length(); n != 5 {
			t.Errorf("rubrics in the form = %d, want 5 (the new one is inactive)", n)
		}
	})
}

// The coaching pages run a fixed number of queries, whatever the number of
// sessions, coachees or events (no query per row).
func TestCoachingPagesQueryCount(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		w := newCoachingWorld(t, db)
		coach, org := w.as(w.coach), w.as(w.org)
		qc := testutil.CountQueries(t, db)
		add := func(n int) {
			for i := 0; i < n; i++ {
				day := fmt.Sprintf("2026-%02d-10", i%10+1)
				_, err := coaching.RecordSession(t.Context(), db, coaching.SessionInput{
					CoacheeID: w.hoa.ID, HeldOn: day, Mode: coaching.ModeOnSite,
					Ratings:      map[uint]int{w.comps[0].ID: i%4 + 1, w.comps[1].ID: 2},
					ActionPoints: []coaching.ActionPoint{{Text: "x", DueOn: day}},
				}, w.org, w.now)
				if err != nil {
					t.Fatal(err)
				}
				trainer := testutil.Staff(t, db, user.RoleTrainer)
				db.Model(trainer).Update("coach_id", w.coach.ID)
				e := testutil.Event(t, db, testutil.EventOpts{Now: w.now, StartsIn: -time.Duration(i+5) * 24 * time.Hour})
				testutil.AssignTrainer(t, db, e.ID, w.hoa.ID)
				testutil.AssignTrainer(t, db, e.ID, trainer.ID)
			}
		}
		count := func() map[string]int64 {
			out := map[string]int64{}
			for _, p := range []struct {
				c    *client
				path string
			}{{coach, coacheePath(w.hoa)}, {coach, "/en/staff/coaching"}, {org, "/en/staff/reports/missing"}, {org, "/en/staff/coaching/figures"}} {
				qc.Reset()
				p.c.page(p.path, http.StatusOK)
				out[p.path] = qc.N()
			}
			return out
		}
		add(1)
		before := count()
		add(5)
		after := count()
		for path, n := range before {
			if n == 0 {
				t.Errorf("%s: no query counted", path)
			}
			if after[path] != n {
				t.Errorf("%s: %d queries with 1 row, %d with 6", path, n, after[path])
			}
		}
	})
}
