package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

func childValues(child, age, guardian, phone string) url.Values {
	return url.Values{"kind": {"child"}, "child_name": {child}, "child_age": {age}, "guardian_name": {guardian},
		"guardian_phone": {phone}, "guardian_consent": {"1"}, "child_consent": {"1"}}
}

var guardianLink = regexp.MustCompile(`/(vi|fr|en)/g/([a-z2-7]{32})`)

// guardianToken reads the guardian's link from the last message to a number.
func guardianToken(t *testing.T, db *gorm.DB, e164 string) string {
	t.Helper()
	var m message.Message
	if err := db.Where("to_phone = ? AND kind = ?", e164, registration.SMSGuardianConfirm).Order("id DESC").Take(&m).Error; err != nil {
		t.Fatalf("no guardian message to %s: %v", e164, err)
	}
	got := guardianLink.FindStringSubmatch(m.Body)
	if got == nil {
		t.Fatalf("no link in %q", m.Body)
	}
	return got[2]
}

// A guardian registers a child in each language: the registration waits,
// holds a seat, and the guardian's phone gets the link; confirming shows the
// ticket.
func TestGuardianRegistersChildAndConfirms(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Capacity: 10})
		cases := []struct{ lang, age, phone, asked, confirmed string }{
			{"vi", registration.AgeUnder7, "0912 000 101", "Chúng tôi đã gửi đường dẫn xác nhận bằng SMS", "Cảm ơn bạn: đăng ký của trẻ đã được xác nhận. Đây là vé tham dự."},
			{"fr", registration.Age7to15, "+84 912 000 102", "Nous avons envoyé un lien de confirmation par SMS", "Merci : l'inscription de l'enfant est confirmée. Voici le billet."},
			{"en", registration.Age7to15, "0912.000.103", "We have sent a confirmation link by SMS", "Thank you: the child's registration is confirmed. Here is the ticket."},
		}
		for i, c := range cases {
			cl := ta.client()
			resp := cl.post("/"+c.lang+"/events/"+itoa(int(e.ID))+"/register", childValues("Bé Na", c.age, "Trần Thị Hạnh", c.phone))
			wantRedirect(t, resp, "/"+c.lang+"/events/"+itoa(int(e.ID))+"/guardian-asked")
			body := cl.body("/"+c.lang+"/events/"+itoa(int(e.ID))+"/guardian-asked", http.StatusOK)
			if !strings.Contains(body, c.asked) || strings.Contains(body, "Bé Na") || strings.Contains(body, "Hạnh") {
				t.Errorf("%s: the waiting page names someone or lacks the notice", c.lang)
			}
			var r registration.Registration
			db.Where("event_id = ?", e.ID).Order("id DESC").Take(&r)
			if r.Status != registration.StatusPending || r.AgeBand != registration.AgeUnder16 || r.AgeDetail != c.age ||
				r.Name != "Bé Na" || r.GuardianName != "Trần Thị Hạnh" || r.HoldUntil == nil {
				t.Errorf("%s: registration %+v", c.lang, r)
			}
			var ev event.Event
			db.Take(&ev, e.ID)
			if ev.SeatsTaken != i+1 {
				t.Errorf("%s: seats taken %d, want %d (a pending child holds a seat)", c.lang, ev.SeatsTaken, i+1)
			}
			var consents []registration.ConsentRecord
			db.Where("registration_id = ?", r.ID).Order("id").Find(&consents)
			wantConsents := 1
			if c.age == registration.Age7to15 {
				wantConsents = 2
			}
			if len(consents) != wantConsents || consents[0].Audience != registration.ConsentGuardian || consents[0].Version != registration.BuiltinGuardianConsent {
				t.Errorf("%s: consent records %+v", c.lang, consents)
			}
			// No QR code before the guardian confirms.
			doc := cl.page("/"+c.lang+"/r/"+r.Code, http.StatusOK)
			if doc.Find(".qr svg").Length() != 0 {
				t.Errorf("%s: a pending child's ticket shows a QR code", c.lang)
			}
			token := guardianToken(t, db, *r.Phone)
			g := ta.client() // the guardian's own phone
			doc = g.page("/"+c.lang+"/g/"+token, http.StatusOK)
			if doc.Find(`form[action="/`+c.lang+`/g/`+token+`/confirm"]`).Length() != 1 {
				t.Fatalf("%s: no confirmation form on the guardian's page", c.lang)
			}
			resp = g.post("/"+c.lang+"/g/"+token+"/confirm", url.Values{})
			wantRedirect(t, resp, "/"+c.lang+"/r/"+r.Code+"?flash=guardian_confirmed")
			doc = g.page("/"+c.lang+"/r/"+r.Code+"?flash=guardian_confirmed", http.StatusOK)
			if got := text(doc, ".flash"); got != c.confirmed {
				t.Errorf("%s: flash %q", c.lang, got)
			}
			if doc.Find(".qr svg").Length() != 1 {
				t.Errorf("%s: no QR code once confirmed", c.lang)
			}
			db.Take(&r, r.ID)
			if r.Status != registration.StatusConfirmed || r.GuardianMethod != registration.GuardianByLink || r.GuardianConfirmedAt == nil {
				t.Errorf("%s: after confirmation %+v", c.lang, r)
			}
		}
	})
}

// The child's form shows every error at once, in the person's language,
// keeps what was typed, and stores nothing; a child picking their age on
// the adult form is sent to the guardian's form.
func TestGuardianFormErrors(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{})
		msgs := map[string][]string{
			"vi": {"Vui lòng chọn tuổi của trẻ.", "Cần sự đồng ý của cha mẹ hoặc người giám hộ để đăng ký cho trẻ."},
			"fr": {"Merci de choisir l'âge de l'enfant.", "Le consentement du parent ou tuteur est nécessaire pour inscrire un enfant."},
			"en": {"Please choose the child's age.", "The parent's or guardian's consent is needed to register a child."},
		}
		for lang, want := range msgs {
			cl := ta.client()
			form := url.Values{"kind": {"child"}, "child_name": {"Na"}, "guardian_name": {"Trần Thị Hạnh"}, "guardian_phone": {"12"}}
			doc := ta.parse(cl.post("/"+lang+"/events/"+itoa(int(e.ID))+"/register", form), http.StatusUnprocessableEntity, lang)
			if got := text(doc, "#ch-age-err"); got != want[0] {
				t.Errorf("%s: age error %q", lang, got)
			}
			if got := text(doc, "#ch-gconsent-err"); got != want[1] {
				t.Errorf("%s: consent error %q", lang, got)
			}
			if text(doc, "#ch-gphone-err") == "" {
				t.Errorf("%s: no phone error", lang)
			}
			if doc.Find("details.child[open]").Length() != 1 || doc.Find("#ch-gname").AttrOr("value", "") != "Trần Thị Hạnh" ||
				doc.Find("#ch-gphone").AttrOr("value", "") != "12" {
				t.Errorf("%s: the child's form is not open with what was typed", lang)
			}
			// 7–15 without the child's own agreement.
			form = childValues("Na", registration.Age7to15, "Trần Thị Hạnh", "0912000201")
			form.Del("child_consent")
			doc = ta.parse(cl.post("/"+lang+"/events/"+itoa(int(e.ID))+"/register", form), http.StatusUnprocessableEntity, lang+" child consent")
			if text(doc, "#ch-cconsent-err") == "" {
				t.Errorf("%s: no error for the child's agreement", lang)
			}
			// A child alone on the adult form.
			f := regForm("Nguyễn Văn Tí", "0912000202")
			f.Set("age_band", registration.Age7to15)
			doc = ta.parse(cl.post("/"+lang+"/events/"+itoa(int(e.ID))+"/register", f), http.StatusUnprocessableEntity, lang+" child alone")
			if !strings.HasPrefix(text(doc, "#reg-age-err"), ta.srv.bundle.For(lang).T("error.register.child_alone")) {
				t.Errorf("%s: a child registers alone without being sent to the guardian's form", lang)
			}
			if doc.Find(`details.child[open] input[name=child_age][value="7_15"][checked]`).Length() != 1 {
				t.Errorf("%s: the guardian's form is not opened with the age chosen", lang)
			}
		}
		var n int64
		db.Model(&registration.Registration{}).Count(&n)
		if n != 0 {
			t.Errorf("%d registrations stored after errors", n)
		}
	})
}

// A pending child's seat is released when the hold ends: the first in line
// gets it, and the guardian is told. Staff can record a paper signature
// instead; a guardian can withdraw consent, which erases the child's data
// and keeps the counts.
func TestGuardianHoldPaperAndWithdrawal(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, org, staff := organiserApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, Capacity: 2, StartsIn: 7 * 24 * time.Hour})
		ev := itoa(int(e.ID))
		wantRedirect(t, ta.client().post("/vi/events/"+ev+"/register", childValues("Bi", registration.AgeUnder7, "Lê Văn Tùng", "0912000301")), "/vi/events/"+ev+"/guardian-asked")
		wantRedirect(t, ta.client().post("/vi/events/"+ev+"/register", childValues("Bông", registration.Age7to15, "Phạm Thị Mai", "0912000302")), "/vi/events/"+ev+"/guardian-asked")
		waiting, _ := ta.client().register(e.ID, "vi", regForm("Người Chờ", "0912000303"))
		var bi, bong registration.Registration
		db.Where("name = ?", "Bi").Take(&bi)
		db.Where("name = ?", "Bông").Take(&bong)

		// Staff saw Bông's guardian sign on paper.
		wantRedirect(t, org.post("/en/staff/events/"+ev+"/registrations/"+itoa(int(bong.ID))+"/guardian-paper", url.Values{}),
			"/en/staff/events/"+ev+"/registrations?flash=event_reg_guardian_paper")
		db.Take(&bong, bong.ID)
		if bong.Status != registration.StatusConfirmed || bong.GuardianMethod != registration.GuardianByPaper ||
			bong.GuardianConfirmedByID == nil || *bong.GuardianConfirmedByID != staff.ID {
			t.Errorf("paper consent: %+v", bong)
		}
		var paper registration.ConsentRecord
		if err := db.Where("registration_id = ? AND method = ?", bong.ID, registration.GuardianByPaper).Take(&paper).Error; err != nil || paper.RecordedByID == nil {
			t.Errorf("paper consent record: %+v (%v)", paper, err)
		}
		var logged int64
		db.Model(&audit.Entry{}).Where("action = ? AND entity_id = ?", "registration.guardian_paper", itoa(int(bong.ID))).Count(&logged)
		if logged != 1 {
			t.Errorf("paper consent audited %d times", logged)
		}

		// 48 hours later Bi's guardian has not confirmed: the seat goes to
		// the first in line, the guardian is told.
		later := staffNow.Add(registration.GuardianHold + time.Minute)
		n, err := registration.ReleaseExpiredHolds(t.Context(), db, later, ta.srv.notifier())
		if err != nil || n != 1 {
			t.Fatalf("released %d (%v)", n, err)
		}
		if n, _ := registration.ReleaseExpiredHolds(t.Context(), db, later, ta.srv.notifier()); n != 0 {
			t.Errorf("released again: %d", n)
		}
		db.Take(&bi, bi.ID)
		w, _ := registration.GetByCode(t.Context(), db, waiting)
		if bi.Status != registration.StatusCancelled || w.Status != registration.StatusConfirmed {
			t.Errorf("after the hold: child %s, first in line %s", bi.Status, w.Status)
		}
		var told int64
		db.Model(&message.Message{}).Where("registration_id = ? AND kind = ?", bi.ID, registration.SMSGuardianExpired).Count(&told)
		if told != 1 {
			t.Errorf("guardian told %d times", told)
		}
		// Bi's guardian's link now says so and cannot confirm.
		token := guardianToken(t, db, "+84912000301")
		resp := ta.client().post("/en/g/"+token+"/confirm", url.Values{})
		if resp.StatusCode != http.StatusConflict {
			t.Errorf("confirming after the hold: %d", resp.StatusCode)
		}

		// Bông's guardian withdraws consent: the data goes, the counts stay.
		token = guardianToken(t, db, "+84912000302")
		g := ta.client()
		wantRedirect(t, g.post("/fr/g/"+token+"/withdraw", url.Values{}), "/fr/g/"+token+"?flash=guardian_withdrawn")
		db.Take(&bong, bong.ID)
		if bong.Name != "" || bong.Phone != nil || bong.GuardianName != "" || bong.AnonymisedAt == nil ||
			bong.AgeBand != registration.AgeUnder16 || bong.AgeDetail != registration.Age7to15 || bong.Status != registration.StatusCancelled {
			t.Errorf("after withdrawal: %+v", bong)
		}
		var withdrawn int64
		db.Model(&registration.ConsentRecord{}).Where("registration_id = ? AND withdrawn = ?", bong.ID, true).Count(&withdrawn)
		if withdrawn != 1 {
			t.Errorf("withdrawal records: %d", withdrawn)
		}
		body := g.body("/fr/g/"+token, http.StatusOK)
		if !strings.Contains(body, "ont été effacées à la demande du tuteur") || strings.Contains(body, "Bông") {
			t.Error("the guardian's page after withdrawal")
		}
	})
}

// A guardian at the keyboard types the SMS's code on the page where the
// child was registered: confirmed there and then. Another browser (without
// the link's secret) cannot use a code.
func TestGuardianConfirmsWithTheCode(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Capacity: 5})
		ev := itoa(int(e.ID))
		for i, lang := range []string{"vi", "fr", "en"} {
			number := []string{"0912000701", "0912000702", "0912000703"}[i]
			cl := ta.client()
			wantRedirect(t, cl.post("/"+lang+"/events/"+ev+"/register", childValues("Tí", registration.AgeUnder7, "Lê Văn Tùng", number)), "/"+lang+"/events/"+ev+"/guardian-asked")
			doc := cl.page("/"+lang+"/events/"+ev+"/guardian-asked", http.StatusOK)
			if doc.Find("#g-code").Length() != 1 {
				t.Fatalf("%s: no code field for the browser that registered", lang)
			}
			if ta.client().page("/"+lang+"/events/"+ev+"/guardian-asked", http.StatusOK).Find("#g-code").Length() != 0 {
				t.Errorf("%s: a code field for another browser", lang)
			}
			var m message.Message
			db.Where("to_phone = ? AND kind = ?", "+84"+number[1:], registration.SMSGuardianConfirm).Take(&m)
			code := sixDigits.FindString(m.Body)
			doc = ta.parse(cl.post("/"+lang+"/events/"+ev+"/guardian-code", url.Values{"code": {"12345"}}), http.StatusUnprocessableEntity, lang+" short")
			if text(doc, "#g-code-err") == "" || doc.Find("#g-code").AttrOr("value", "") != "12345" {
				t.Errorf("%s: a short code is not answered beside the field", lang)
			}
			wrong := "000000"
			if code == wrong {
				wrong = "111111"
			}
			doc = ta.parse(cl.post("/"+lang+"/events/"+ev+"/guardian-code", url.Values{"code": {wrong}}), http.StatusUnprocessableEntity, lang+" wrong")
			if got := text(doc, "#g-code-err"); !strings.Contains(got, "4") {
				t.Errorf("%s: wrong code: %q", lang, got)
			}
			resp := cl.post("/"+lang+"/events/"+ev+"/guardian-code", url.Values{"code": {code}})
			loc := wantRedirect(t, resp, "/"+lang+"/r/")
			if !strings.HasSuffix(loc, "?flash=guardian_confirmed") {
				t.Errorf("%s: redirected to %s", lang, loc)
			}
			var r registration.Registration
			db.Where("phone = ?", "+84"+number[1:]).Take(&r)
			if r.Status != registration.StatusConfirmed || r.GuardianMethod != registration.GuardianByCode {
				t.Errorf("%s: %s by %q", lang, r.Status, r.GuardianMethod)
			}
		}
		// Five wrong codes spend it; the link still works.
		cl := ta.client()
		cl.post("/en/events/"+ev+"/register", childValues("Bin", registration.AgeUnder7, "Lê Văn Tùng", "0912000704"))
		for i := 0; i < registration.GuardianCodeTries; i++ {
			cl.post("/en/events/"+ev+"/guardian-code", url.Values{"code": {"999999"}})
		}
		doc := ta.parse(cl.post("/en/events/"+ev+"/guardian-code", url.Values{"code": {"999998"}}), http.StatusUnprocessableEntity, "spent")
		if got := text(doc, "#g-code-err"); got != "Too many wrong codes: please confirm through the link in the SMS." {
			t.Errorf("spent: %q", got)
		}
	})
}

// Staff see a child's registration for what it is: the age band's split and
// the guardian, and the action that records a paper signature.
func TestStaffSeeChildRegistrations(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, org, _ := organiserApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: staffNow, StartsIn: 7 * 24 * time.Hour})
		ev := itoa(int(e.ID))
		ta.client().post("/vi/events/"+ev+"/register", childValues("Bi", registration.Age7to15, "Lê Văn Tùng", "0912000801"))
		doc := org.page("/en/staff/events/"+ev+"/registrations", http.StatusOK)
		row := doc.Find("tbody tr").First()
		if got := row.Find(".tag").Text(); got != "A child (7–15), with guardian Lê Văn Tùng" {
			t.Errorf("tag %q", got)
		}
		if row.Find(`form[action$="/guardian-paper"]`).Length() != 1 || row.Find(".badge").Text() != "Awaiting guardian" {
			t.Errorf("row: %q", row.Text())
		}
	})
}
