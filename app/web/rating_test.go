package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/privacy"
	"github.com/lantern-ngo/lantern/app/rating"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// ratingNow is a Monday afternoon in Vietnam (14:00, UTC+7): not in the
// quiet hours.
var ratingNow = time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC)

var ratingLink = regexp.MustCompile(`/(vi|fr|en|km|lo|fil)/rate/([a-z2-7]{32})`)

// present marks registrations as attended.
func present(t *testing.T, db *gorm.DB, regs ...*registration.Registration) {
	t.Helper()
	for _, r := range regs {
		a := attendance.Attendance{EventID: r.EventID, RegistrationID: r.ID, CheckedInAt: ratingNow.Add(-3 * time.Hour), Source: attendance.SourceRoster}
		if err := db.Create(&a).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// heldSession is a published session that ended `ago` before ratingNow.
func heldSession(t *testing.T, db *gorm.DB, ago time.Duration) *event.Event {
	t.Helper()
	return testutil.Event(t, db, testutil.EventOpts{Now: ratingNow, StartsIn: -ago - 2*time.Hour, Duration: 2 * time.Hour})
}

func ratingMessages(t *testing.T, db *gorm.DB) []message.Message {
	t.Helper()
	var ms []message.Message
	if err := db.Where("kind = ?", rating.KindRequest).Order("id").Find(&ms).Error; err != nil {
		t.Fatal(err)
	}
	return ms
}

// tokenOf reads the rating link's token from a message's text.
func tokenOf(t *testing.T, m message.Message) string {
	t.Helper()
	got := ratingLink.FindStringSubmatch(m.Body)
	if got == nil {
		t.Fatalf("no rating link in %q", m.Body)
	}
	return got[2]
}

// After a session, the adults present with a phone number get one rating
// request each, whatever the number of runs of the job and of instances;
// nobody absent, no child (the phone is the guardian's), no group contact,
// nobody without a number, and nothing before an hour or after three days.
func TestRatingRequestsQueuedOnceForAdultsPresent(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := heldSession(t, db, 2*time.Hour)
		adult := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{AgeBand: "25_59", Lang: "vi"})
		english := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{AgeBand: "18_24", Lang: "en"})
		noPhone := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Phone: "-", AgeBand: "25_59"})
		absent := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{AgeBand: "25_59"})
		child := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{AgeBand: registration.AgeUnder16})
		teen := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{AgeBand: "16_17"})
		group := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Kind: registration.KindGroup, Size: 12})
		present(t, db, adult, english, noPhone, child, teen, group)
		_ = absent
		tooSoon := heldSession(t, db, 30*time.Minute)
		tooLate := heldSession(t, db, 4*24*time.Hour)
		present(t, db, testutil.Registration(t, db, tooSoon.ID, testutil.RegistrationOpts{AgeBand: "25_59"}),
			testutil.Registration(t, db, tooLate.ID, testutil.RegistrationOpts{AgeBand: "25_59"}))

		// Two instances run the job at once, then once more each.
		var wg sync.WaitGroup
		for i := 0; i < 2; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := ta.srv.ratingRequester().ScheduleRequests(t.Context(), db, ratingNow); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		for i := 0; i < 2; i++ {
			n, err := ta.srv.ratingRequester().ScheduleRequests(t.Context(), db, ratingNow.Add(time.Duration(i)*5*time.Minute))
			if err != nil || n != 0 {
				t.Fatalf("run %d again: %d queued, %v", i, n, err)
			}
		}
		ms := ratingMessages(t, db)
		if len(ms) != 2 {
			t.Fatalf("%d rating requests, want 2 (the two adults present with a phone): %+v", len(ms), ms)
		}
		byReg := map[uint]message.Message{}
		for _, m := range ms {
			byReg[*m.RegistrationID] = m
		}
		for _, c := range []struct {
			r    *registration.Registration
			lang string
			want string
		}{{adult, "vi", "Lantern: cảm ơn bạn đã tham gia"}, {english, "en", "Lantern: thank you for coming to Screening: The promise"}} {
			m, ok := byReg[c.r.ID]
			if !ok {
				t.Fatalf("no request for registration %d", c.r.ID)
			}
			body := m.Body
			if c.lang == "vi" {
				body = strings.ToLower(body)
				c.want = "lantern: cam on ban da tham gia" // sent unaccented: fewer segments
			}
			if !strings.Contains(body, c.want) || m.To != *c.r.Phone || m.Lang != c.lang || message.Class(m.Kind) != message.ClassService {
				t.Errorf("request to %d: %q to %s (%s)", c.r.ID, m.Body, m.To, m.Lang)
			}
			link := ratingLink.FindStringSubmatch(m.Body)
			if link == nil || link[1] != c.lang || !strings.Contains(m.Params, link[0]) {
				t.Errorf("request to %d: link %v, params %s", c.r.ID, link, m.Params)
			}
			// The link names nobody: no number, no code, no registration id.
			if strings.Contains(link[0], strings.TrimPrefix(*c.r.Phone, "+")) || strings.Contains(link[0], c.r.Code) || strings.Contains(link[0], "/"+itoa(int(c.r.ID))) {
				t.Errorf("the link %s tells who it is for", link[0])
			}
		}
		var rows int64
		db.Model(&rating.Rating{}).Count(&rows)
		if rows != 2 {
			t.Errorf("%d request rows, want 2", rows)
		}
	})
}

// A request queued in the evening waits out the night where the
// recipient is (Decree 91/2020), like the other service messages.
func TestRatingRequestWaitsOutTheNight(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		night := time.Date(2026, 12, 7, 15, 30, 0, 0, time.UTC) // 22:30 in Vietnam
		e := testutil.Event(t, db, testutil.EventOpts{Now: night, StartsIn: -4 * time.Hour, Duration: 2 * time.Hour})
		r := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{AgeBand: "25_59"})
		present(t, db, r)
		if n, err := ta.srv.ratingRequester().ScheduleRequests(t.Context(), db, night); err != nil || n != 1 {
			t.Fatalf("queued %d, %v", n, err)
		}
		s := &message.Sender{DB: db, Driver: message.OutboxDriver{}}
		if _, err := s.RunOnce(t.Context(), night); err != nil {
			t.Fatal(err)
		}
		m := ratingMessages(t, db)[0]
		wake := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC) // 07:00 in Vietnam
		if m.Status != message.StatusQueued || m.HeldReason != message.HeldQuietHours || !m.NextAttemptAt.Equal(wake) {
			t.Errorf("at 22:30: %s, held %q until %s", m.Status, m.HeldReason, m.NextAttemptAt)
		}
	})
}

// requestFor queues the request of one adult present at a held session and
// returns its token.
func requestFor(t *testing.T, ta *testApp, db *gorm.DB, e *event.Event, lang string) string {
	t.Helper()
	r := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{AgeBand: "25_59", Lang: lang, Name: "Phạm Thị Lan"})
	present(t, db, r)
	if _, err := ta.srv.ratingRequester().ScheduleRequests(t.Context(), db, ratingNow); err != nil {
		t.Fatal(err)
	}
	var m message.Message
	if err := db.Where("kind = ? AND registration_id = ?", rating.KindRequest, r.ID).Take(&m).Error; err != nil {
		t.Fatal(err)
	}
	return tokenOf(t, m)
}

func storedRating(t *testing.T, db *gorm.DB, token string) rating.Rating {
	t.Helper()
	req, err := rating.Find(t.Context(), db, token, ratingNow)
	if err != nil {
		t.Fatal(err)
	}
	return req.Rating
}

// The rating page: the session named, the person not; bad input comes back
// with its message beside the field and what was typed, nothing written; a
// second answer replaces the first; a closed window says so and changes
// nothing; an unknown link is a 404; a form without its token is refused.
func TestRatingPage(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		ta.setNow(ratingNow)
		e := heldSession(t, db, 3*time.Hour)
		token := requestFor(t, ta, db, e, "vi")
		path := "/vi/rate/" + token
		cl := ta.client()

		doc := cl.page(path, http.StatusOK)
		if got := text(doc, "h1"); got != "Buổi sinh hoạt thế nào?" {
			t.Errorf("heading %q", got)
		}
		body, _ := doc.Html()
		if !strings.Contains(body, "Chiếu phim: Lời hứa") || strings.Contains(body, "Phạm Thị Lan") || strings.Contains(body, "+8491") {
			t.Errorf("the page must name the session and nobody")
		}
		if doc.Find("fieldset legend").Length() != 1 || doc.Find(`fieldset input[type=radio][name=stars]`).Length() != 5 ||
			doc.Find(`label[for=stars-3] .sr-only`).Text() != "3 trên 5 sao" || doc.Find(`meta[name=robots][content*=noindex]`).Length() != 1 {
			t.Errorf("stars: legend, five labelled radios and noindex expected")
		}

		// No stars, a comment: 422, the message beside the stars, the comment kept.
		resp := cl.post(path, url.Values{"comment": {"Phim rất hay"}})
		doc = ta.parse(resp, http.StatusUnprocessableEntity, "no stars")
		if got := text(doc, "#stars-err"); got != "Vui lòng chọn từ 1 đến 5 sao." {
			t.Errorf("stars error %q", got)
		}
		if got := text(doc, "#comment"); got != "Phim rất hay" {
			t.Errorf("comment kept %q", got)
		}
		// Stars out of range and a comment too long: both said, the choice kept.
		long := strings.Repeat("á", rating.CommentMax+1)
		doc = ta.parse(cl.post(path, url.Values{"stars": {"9"}, "comment": {long}}), http.StatusUnprocessableEntity, "bad input")
		if text(doc, "#stars-err") == "" || !strings.Contains(text(doc, "#comment-err"), "500") || text(doc, "#comment") != long {
			t.Errorf("bad input: %q / %q", text(doc, "#stars-err"), text(doc, "#comment-err"))
		}
		if r := storedRating(t, db, token); r.Stars != nil {
			t.Fatalf("bad input wrote %+v", r)
		}

		// An answer, then another: one rating, the last one.
		resp = cl.post(path, url.Values{"stars": {"4"}, "comment": {"  Phim\u200b rất   hay  "}})
		wantRedirect(t, resp, path+"?saved=1")
		doc = cl.page(path+"?saved=1", http.StatusOK)
		if !strings.Contains(text(doc, ".flash"), "4 trên 5 sao") || doc.Find(`#stars-4[checked]`).Length() != 1 {
			t.Errorf("after the answer: %q", text(doc, ".flash"))
		}
		if r := storedRating(t, db, token); r.Stars == nil || *r.Stars != 4 || r.Comment != "Phim rất hay" || r.RatedAt == nil {
			t.Errorf("stored %+v", r)
		}
		wantRedirect(t, cl.post(path, url.Values{"stars": {"2"}}), path+"?saved=1")
		var rows []rating.Rating
		db.Where("event_id = ?", e.ID).Find(&rows)
		if len(rows) != 1 || rows[0].Stars == nil || *rows[0].Stars != 2 || rows[0].Comment != "" {
			t.Errorf("after a second answer: %+v", rows)
		}

		// Without the form's token: refused, nothing changed.
		resp = cl.post(path, url.Values{"stars": {"5"}, "_csrf": {"forged"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("forged token: %d", resp.StatusCode)
		}
		// An unknown link.
		if resp := cl.get("/vi/rate/" + strings.Repeat("a", 32)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown link: %d", resp.StatusCode)
		}

		// Thirty days after the session: closed, kindly; an answer changes nothing.
		ta.setNow(e.EndsAt.Add(rating.OpenFor + time.Minute))
		doc = cl.page(path, http.StatusOK)
		if !strings.Contains(text(doc, ".note"), "đã hết nhận đánh giá") || doc.Find("form.rating-form").Length() != 0 {
			t.Errorf("closed page: %q", text(doc, ".note"))
		}
		doc = ta.parse(cl.post(path, url.Values{"stars": {"5"}}), http.StatusUnprocessableEntity, "closed")
		if !strings.Contains(doc.Text(), "đánh giá của bạn không thay đổi") {
			t.Errorf("closed answer not said")
		}
		if r := storedRating(t, db, token); *r.Stars != 2 {
			t.Errorf("closed answer changed the rating to %d", *r.Stars)
		}
	})
}

// rate stores answers to a session directly (the page is tested above).
func rate(t *testing.T, db *gorm.DB, e *event.Event, stars ...int) {
	t.Helper()
	for _, s := range stars {
		r := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{AgeBand: "25_59"})
		at := e.EndsAt.Add(2 * time.Hour)
		row := rating.Rating{EventID: e.ID, RegistrationID: r.ID, TokenHash: "test-" + r.Code, Stars: &s, Comment: "Bình luận " + r.Code, RequestedAt: at, RatedAt: &at}
		if err := db.Create(&row).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// The ratings appear, with their number of answers, on the session's
// report page, on the dashboard (per session and per trainer, under the
// dashboard's filters) and in the donor report, page and workbook, where
// an average of fewer answers than the small-count threshold is hidden.
func TestRatingFigures(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		ta.setNow(ratingNow)
		recent := heldSession(t, db, 2*24*time.Hour)
		older := heldSession(t, db, 10*24*time.Hour)
		future := testutil.Event(t, db, testutil.EventOpts{Now: ratingNow, StartsIn: 24 * time.Hour})
		both, one := testutil.Staff(t, db, "trainer"), testutil.Staff(t, db, "trainer")
		testutil.AssignTrainer(t, db, recent.ID, both.ID)
		testutil.AssignTrainer(t, db, older.ID, both.ID)
		testutil.AssignTrainer(t, db, older.ID, one.ID)
		rate(t, db, recent, 5, 5, 4, 4, 3) // 4.2
		rate(t, db, older, 2, 4)           // 3.0
		// A request not answered counts nowhere; a session not held neither.
		unanswered := testutil.Registration(t, db, recent.ID, testutil.RegistrationOpts{AgeBand: "25_59"})
		db.Create(&rating.Rating{EventID: recent.ID, RegistrationID: unanswered.ID, TokenHash: "unanswered", RequestedAt: ratingNow})
		rate(t, db, future, 1)

		c := ta.client()
		c.login(testutil.Staff(t, db, "organiser"))

		// The session's report page.
		doc := c.page("/en/staff/events/"+itoa(int(recent.ID))+"/report", http.StatusOK)
		fig := doc.Find(".rating-figure")
		if v, _ := fig.Attr("data-count"); v != "5" || !strings.Contains(fig.Text(), "4.2 out of 5") || !strings.Contains(fig.Text(), "5 answers") {
			t.Errorf("report page: %s %q", v, fig.Text())
		}
		if n := doc.Find(".figures .rating-dist li").Length(); n != 5 {
			t.Errorf("report page: %d distribution lines", n)
		}
		if n := doc.Find(".rating-comments li").Length(); n != 5 {
			t.Errorf("report page: %d comments, want 5", n)
		}

		// The dashboard: all sessions, per trainer, per session.
		doc = c.page("/en/staff/dashboard", http.StatusOK)
		total := doc.Find("[data-ratings-count]")
		if n, _ := total.Attr("data-ratings-count"); n != "7" || !strings.Contains(total.Text(), "3.9 out of 5") {
			t.Errorf("dashboard total: %s %q", n, total.Text())
		}
		trainer := func(u uint) string {
			var cells []string
			doc.Find(`tr[data-trainer="` + itoa(int(u)) + `"]`).Children().Each(func(_ int, s *goquery.Selection) {
				cells = append(cells, strings.TrimSpace(s.Text()))
			})
			return strings.Join(cells, " ")
		}
		if got := trainer(both.ID); !strings.HasSuffix(got, "2 7 3.9") {
			t.Errorf("trainer of both sessions: %q", got)
		}
		if got := trainer(one.ID); !strings.HasSuffix(got, "1 2 3.0") {
			t.Errorf("trainer of one session: %q", got)
		}
		if n := doc.Find("table.ratings-sessions tbody tr").Length(); n != 2 {
			t.Errorf("%d sessions listed, want the two held", n)
		}
		first, _ := doc.Find("table.ratings-sessions tbody tr").First().Attr("data-event")
		if first != itoa(int(recent.ID)) {
			t.Errorf("newest session first: got %s", first)
		}
		// The dashboard's period filter applies: only the older session.
		day := func(tm time.Time) string { return tm.In(time.FixedZone("ICT", 7*3600)).Format("2006-01-02") }
		q := "?from=" + day(older.StartsAt) + "&to=" + day(older.StartsAt)
		doc = c.page("/en/staff/dashboard"+q, http.StatusOK)
		if n, _ := doc.Find("[data-ratings-count]").Attr("data-ratings-count"); n != "2" {
			t.Errorf("filtered dashboard: %s answers, want 2", n)
		}

		// The donor report: 7 answers shown; the older session's 2 hidden.
		doc = c.page("/en/staff/dashboard/donor", http.StatusOK)
		if got := text(doc, ".donor-ratings dd[data-ratings-count]"); got != "7" {
			t.Errorf("donor answers %q", got)
		}
		if got := text(doc, ".donor-ratings dd[data-value]"); got != "3.9" {
			t.Errorf("donor average %q", got)
		}
		doc = c.page("/en/staff/dashboard/donor"+q, http.StatusOK)
		if got := text(doc, ".donor-ratings dd[data-ratings-count]"); !strings.Contains(got, "ewer than") {
			t.Errorf("donor, two answers: %q, want hidden", got)
		}
		if got := text(doc, ".donor-ratings dd[data-value]"); got != "–" {
			t.Errorf("donor, two answers: average %q, want hidden", got)
		}

		// The events export: answers and average per session.
		resp0 := c.get("/en/staff/dashboard/export/events.csv")
		csvRows := readCSV(t, body(t, resp0, http.StatusOK))
		head := csvRows[0]
		if head[len(head)-2] != "Rating answers" || head[len(head)-1] != "Average rating (1–5)" {
			t.Errorf("events export header %v", head)
		}
		for _, r := range csvRows[1:] {
			got := r[len(r)-2] + "|" + r[len(r)-1]
			switch r[0] {
			case recent.Code:
				if got != "5|4.2" {
					t.Errorf("events export, recent session: %s", got)
				}
			case older.Code:
				if !strings.Contains(got, "ewer than") || !strings.HasSuffix(got, "|") { // two answers: hidden
					t.Errorf("events export, older session: %s", got)
				}
			}
		}

		// The donor workbook, beside the knowledge gain.
		resp := c.get("/en/staff/dashboard/donor.xlsx")
		f, err := excelize.OpenReader(bytes.NewReader(body(t, resp, http.StatusOK)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, _ := f.GetRows(f.GetSheetList()[2])
		got := map[string]string{}
		for _, r := range rows {
			if len(r) > 1 {
				got[r[0]] = r[1]
			}
		}
		if got["Answers to the rating request"] != "7" || got["Average rating (out of 5)"] != "3.9" {
			t.Errorf("donor workbook: %v", got)
		}
		rows, _ = f.GetRows(f.GetSheetList()[4])
		cell := func(code string, i int) string {
			for _, r := range rows {
				if len(r) > 0 && r[0] == code {
					if i < len(r) {
						return r[i]
					}
					return ""
				}
			}
			t.Fatalf("no line for %s in %v", code, rows)
			return ""
		}
		if cell(recent.Code, 8) != "5" || cell(recent.Code, 9) != "4.2" || !strings.Contains(cell(older.Code, 8), "ewer than") || cell(older.Code, 9) != "" {
			t.Errorf("donor workbook events: %v", rows)
		}
	})
}

// ratingPath makes a session that ended two hours before now with one adult
// present, runs the job, and returns the path of that person's rating page
// (for the sweeps of every page).
func ratingPath(t *testing.T, ta *testApp, db *gorm.DB, now time.Time) string {
	t.Helper()
	e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -4 * time.Hour, Duration: 2 * time.Hour,
		Titles: map[string]string{"vi": "Hội thảo: Nhận diện mua bán người", "fr": "Atelier : reconnaître la traite", "en": "Workshop: spotting trafficking"}})
	r := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{AgeBand: "25_59", Name: "Lê Thị Mai"})
	present(t, db, r)
	if _, err := ta.srv.ratingRequester().ScheduleRequests(t.Context(), db, now); err != nil {
		t.Fatal(err)
	}
	var m message.Message
	if err := db.Where("kind = ? AND registration_id = ?", rating.KindRequest, r.ID).Take(&m).Error; err != nil {
		t.Fatal(err)
	}
	link := ratingLink.FindStringSubmatch(m.Body)
	if link == nil {
		t.Fatalf("no link in %q", m.Body)
	}
	return "/rate/" + link[2]
}

// Erasing a person's data (privacy.Erase) blanks their rating's comment
// and kills its link; their stars stay in the figures, tied to nobody; the
// "my data" export lists the rating before.
func TestRatingErasedWithThePerson(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		ta.setNow(ratingNow)
		e := heldSession(t, db, 3*time.Hour)
		token := requestFor(t, ta, db, e, "vi")
		path := "/vi/rate/" + token
		cl := ta.client()
		wantRedirect(t, cl.post(path, url.Values{"stars": {"5"}, "comment": {"Tôi là Lan, số 0912 345 678"}}), path+"?saved=1")
		r := storedRating(t, db, token)
		var phone string
		db.Table("registrations").Where("id = ?", r.RegistrationID).Pluck("phone", &phone)
		subject := privacy.Subject{Phone: phone}
		exp, err := privacy.BuildExport(t.Context(), db, 0, subject, "vi", ratingNow)
		if err != nil || len(exp.Ratings) != 1 || *exp.Ratings[0].Stars != 5 || exp.Ratings[0].Comment == "" {
			t.Fatalf("export: %+v %v", exp, err)
		}
		if _, err := privacy.Erase(t.Context(), db, 0, subject, ratingNow, ta.srv.notifier()); err != nil {
			t.Fatal(err)
		}
		var after rating.Rating
		db.Take(&after, r.ID)
		if after.Comment != "" || after.Stars == nil || *after.Stars != 5 {
			t.Errorf("after erasure: %+v", after)
		}
		if resp := cl.get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("the link after erasure: %d", resp.StatusCode)
		}
	})
}

// With an approved Zalo template for rating_request in Vietnamese, the
// Vietnamese request goes as that template, filled from its params (the
// link among them); the English one, without a template, goes by SMS.
func TestRatingRequestByZaloElseSMS(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		var mu sync.Mutex
		var sent []map[string]any
		zs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			switch r.URL.Path {
			case "/v4/oa/access_token":
				w.Write([]byte(`{"access_token":"acc-1","refresh_token":"ref-1","expires_in":"90000"}`))
			case "/message/template":
				var body map[string]any
				json.NewDecoder(r.Body).Decode(&body)
				mu.Lock()
				sent = append(sent, body)
				mu.Unlock()
				w.Write([]byte(`{"error":0,"message":"Success","data":{"msg_id":"zmsg-1"}}`))
			default:
				http.NotFound(w, r)
			}
		}))
		defer zs.Close()
		ta := newTestApp(t, db)
		cfg := ta.srv.cfg
		cfg.ZaloAppID, cfg.ZaloAppSecret, cfg.ZaloOASecret, cfg.ZaloRefreshToken = "app-1", "app-secret", "oa-secret", "ref-0"
		cfg.ZaloAPIURL, cfg.ZaloOAuthURL = zs.URL, zs.URL
		cfg.ZaloTemplates = map[string]string{"rating_request.vi": "tpl-rate-vi"}
		e := heldSession(t, db, 2*time.Hour)
		vi := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{AgeBand: "25_59", Lang: "vi"})
		en := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{AgeBand: "25_59", Lang: "en"})
		present(t, db, vi, en)
		if n, err := ta.srv.ratingRequester().ScheduleRequests(t.Context(), db, ratingNow); err != nil || n != 2 {
			t.Fatalf("queued %d, %v", n, err)
		}
		s := &message.Sender{DB: db, Channels: ta.srv.channels()}
		if _, err := s.RunOnce(t.Context(), ratingNow); err != nil {
			t.Fatal(err)
		}
		channel := map[uint]string{}
		for _, m := range ratingMessages(t, db) {
			channel[*m.RegistrationID] = m.Channel
		}
		if channel[vi.ID] != message.ChannelZalo || channel[en.ID] != message.ChannelSMS {
			t.Errorf("channels: vi %q, en %q", channel[vi.ID], channel[en.ID])
		}
		if len(sent) != 1 || sent[0]["template_id"] != "tpl-rate-vi" {
			t.Fatalf("zalo got %+v", sent)
		}
		data, _ := sent[0]["template_data"].(map[string]any)
		if link, _ := data["Link"].(string); !ratingLink.MatchString(link) || data["Event"] != "Chiếu phim: Lời hứa" {
			t.Errorf("template data %+v", data)
		}
	})
}
