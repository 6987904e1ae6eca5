package web

import (
	"encoding/json"
	"github.com/PuerkitoBio/goquery"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

var ticketPath = regexp.MustCompile(`^/(vi|fr|en)/r/([2-9A-HJKMNP-Z]{7})\?flash=([a-z_]+)(&renumbered=1)?$`)

func regForm(name, phone string) url.Values {
	return url.Values{"name": {name}, "phone": {phone}, "consent": {"1"}}
}

// register posts the form and returns the ticket code and flash key.
func (c *client) register(eventID uint, lang string, form url.Values) (code, flash string) {
	c.ta.t.Helper()
	resp := c.post("/"+lang+"/events/"+itoa(int(eventID))+"/register", form)
	if resp.StatusCode != http.StatusSeeOther {
		body, _ := io.ReadAll(resp.Body)
		c.ta.t.Fatalf("register: status %d\n%.3000s", resp.StatusCode, body)
	}
	m := ticketPath.FindStringSubmatch(resp.Header.Get("Location"))
	if m == nil || m[1] != lang {
		c.ta.t.Fatalf("register redirected to %q", resp.Header.Get("Location"))
	}
	return m[2], m[3]
}

func TestRegisterAndTicketInThreeLanguages(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		ta.setNow(now)
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 40, StartsIn: 7*24*time.Hour + 8*time.Hour + 30*time.Minute})
		cases := []struct{ lang, phone, status, flash, sms string }{
			{"vi", "0912 345 678", "Bạn đã đăng ký thành công", "Bạn đã đăng ký thành công. Chúng tôi đang gửi vé tham dự qua tin nhắn SMS.", "Lantern: Ban da dang ky Chieu phim: Loi hua, 2 thg 12, 2026 18:30, Nha van hoa. Ma xac nhan "},
			{"fr", "+84 91 234 5679", "Vous êtes inscrit·e", "Vous êtes inscrit·e. Nous vous envoyons votre billet par SMS.", "Lantern : vous etes inscrit-e a Projection : La promesse, 2 dec. 2026 18:30, Maison de la culture. Code "},
			{"en", "091.234.5680", "You are registered", "You are registered. We are sending your ticket by SMS.", "Lantern: you are registered for Screening: The promise, Dec 2, 2026 6:30 pm, Cultural house. Code "},
		}
		for _, c := range cases {
			t.Run(c.lang, func(t *testing.T) {
				cl := ta.client()
				doc := cl.page("/"+c.lang+"/events/"+itoa(int(e.ID)), http.StatusOK)
				form := doc.Find(`form[action="/` + c.lang + `/events/` + itoa(int(e.ID)) + `/register#register"]`).First()
				if form.Length() == 0 || form.Find(`input[name=phone][type=tel][inputmode=tel][autocomplete=tel]`).Length() != 1 ||
					form.Find(`input[name=consent][type=checkbox]`).Length() != 1 || form.Find(`input[name=_csrf]`).Length() != 1 {
					t.Fatalf("registration form incomplete")
				}
				code, flash := cl.register(e.ID, c.lang, regForm("Nguyễn Văn Đức", c.phone))
				if flash != "register_done" {
					t.Errorf("flash = %s", flash)
				}
				resp := cl.get("/" + c.lang + "/r/" + code + "?flash=" + flash)
				if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("Cache-Control = %q, want no-store", cc)
				}
				doc = ta.parse(resp, http.StatusOK, "ticket")
				if got := text(doc, ".ticket .code"); got != code {
					t.Errorf("code on ticket = %q, want %q", got, code)
				}
				if got := text(doc, ".ticket .status"); got != c.status {
					t.Errorf("status = %q, want %q", got, c.status)
				}
				if got := text(doc, ".flash"); got != c.flash {
					t.Errorf("flash = %q, want %q", got, c.flash)
				}
				if doc.Find(`meta[name=robots][content=noindex]`).Length() != 1 {
					t.Error("ticket page is not noindex")
				}
				if doc.Find(".qr svg path").Length() != 1 {
					t.Error("no inline QR SVG")
				}
				if got := doc.Find(".qr svg").AttrOr("aria-label", ""); !strings.Contains(got, code) {
					t.Errorf("QR label %q", got)
				}
				var m message.Message
				if err := db.Where("kind = ?", registration.SMSConfirmation).Order("id DESC").Take(&m).Error; err != nil {
					t.Fatal(err)
				}
				want := c.sms + code + ". "
				if !strings.HasPrefix(m.Body, want) || !strings.HasSuffix(m.Body, "http://lantern.test/"+c.lang+"/r/"+code) || m.Lang != c.lang {
					t.Errorf("SMS = %q (%s), want prefix %q and the ticket link", m.Body, m.Lang, want)
				}
				if m.Encoding != "GSM7" {
					t.Errorf("SMS encoding %s: the unaccented variant should have been chosen", m.Encoding)
				}
			})
		}
		var seats int
		db.Model(&event.Event{}).Where("id = ?", e.ID).Pluck("seats_taken", &seats)
		if seats != 3 {
			t.Errorf("seats_taken = %d, want 3", seats)
		}
		// The event page and the JSON API say so.
		doc := ta.client().page("/en/events/"+itoa(int(e.ID)), http.StatusOK)
		if !strings.Contains(doc.Find(".facts").Text(), "37 seats left") {
			t.Errorf("seats on the page: %q", doc.Find(".facts").Text())
		}
		resp := ta.client().get("/api/v1/events/" + itoa(int(e.ID)))
		var api struct {
			SeatsLeft int `json:"seats_left"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&api); err != nil || api.SeatsLeft != 37 {
			t.Errorf("API seats_left = %d (%v), want 37", api.SeatsLeft, err)
		}
	})
}

func TestRegisterErrorsKeepInput(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{})
		cases := []struct {
			lang  string
			form  url.Values
			field string
			msg   string
		}{
			{"vi", regForm("Trần Thị Mai", "0123 45"), "phone", "Đây không phải là số di động hợp lệ. Vui lòng kiểm tra lại (ví dụ 0912 345 678)."},
			{"fr", regForm("Trần Thị Mai", "0123 45"), "phone", "Ce n'est pas un numéro de mobile valide. Vérifiez-le (par exemple 0912 345 678)."},
			{"en", regForm("Trần Thị Mai", "0123 45"), "phone", "This is not a valid mobile number. Please check it (for example 0912 345 678)."},
			{"en", regForm("<b>Mai</b>", "0912345678"), "name", "The name contains characters that are not allowed (such as < > { } | or a leading = + - @)."},
			{"vi", regForm("M", "0912345678"), "name", "Họ và tên quá ngắn (ít nhất 2 chữ cái)."},
			{"en", url.Values{"name": {"Trần Thị Mai"}, "phone": {"0912345678"}}, "consent", "Please tick the box to give your consent: we cannot register you without it."},
		}
		for _, c := range cases {
			cl := ta.client()
			resp := cl.post("/"+c.lang+"/events/"+itoa(int(e.ID))+"/register", c.form)
			doc := ta.parse(resp, http.StatusUnprocessableEntity, c.lang+" "+c.field)
			if doc.Find(`.register [role=alert]`).Length() != 1 {
				t.Errorf("%s %s: no error summary above the form", c.lang, c.field)
			}
			in := doc.Find(`#reg-` + c.field)
			if in.AttrOr("aria-invalid", "") != "true" {
				t.Errorf("%s %s: not marked invalid", c.lang, c.field)
			}
			if got := text(doc, "#reg-"+c.field+"-err"); got != c.msg {
				t.Errorf("%s %s: message %q, want %q", c.lang, c.field, got, c.msg)
			}
			if got := doc.Find("#reg-name").AttrOr("value", ""); got != c.form.Get("name") {
				t.Errorf("%s: name kept as %q, want %q", c.lang, got, c.form.Get("name"))
			}
			if got := doc.Find("#reg-phone").AttrOr("value", ""); got != c.form.Get("phone") {
				t.Errorf("%s: phone kept as %q", c.lang, got)
			}
		}
		var n int64
		db.Model(&registration.Registration{}).Count(&n)
		if n != 0 {
			t.Errorf("%d registrations stored", n)
		}
	})
}

// A phone number is not a secret: typing a registered number (however
// written, with the same or any other name) from another browser never shows
// the registration, its code, its QR code or its cancel button, and never
// brings back a cancelled one. The ticket goes to the phone instead.
func TestRegisterKnownNumberRevealsNothing(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{})
		code, _ := ta.client().register(e.ID, "vi", regForm("Nguyễn Thị Hoa", "0912 345 678"))
		var hoa registration.Registration
		db.Where("code = ?", code).Take(&hoa)
		want := map[string]string{
			"vi": "Số điện thoại này đã được đăng ký cho buổi này với tên này. Chúng tôi đã gửi lại đường dẫn vé đến số này bằng SMS.",
			"fr": "Ce numéro de téléphone est déjà inscrit à cette séance sous ce nom. Nous avons renvoyé le lien du billet à ce numéro par SMS.",
			"en": "This phone number is already registered for this session with this name. We have sent the ticket link to this number again by SMS.",
		}
		check := func(lang, name, number string) {
			t.Helper()
			cl := ta.client() // a fresh browser
			resp := cl.post("/"+lang+"/events/"+itoa(int(e.ID))+"/register", regForm(name, number))
			loc := resp.Header.Get("Location")
			if resp.StatusCode != http.StatusSeeOther || loc != "/"+lang+"/events/"+itoa(int(e.ID))+"/already-registered" {
				t.Fatalf("%s %s: %d to %q, want the neutral page", lang, number, resp.StatusCode, loc)
			}
			body := cl.body(loc, http.StatusOK)
			if strings.Contains(body, code) || strings.Contains(body, "Hoa") || strings.Contains(body, "HOA") {
				t.Errorf("%s %s: the neutral page names Hoa or shows her code", lang, number)
			}
			doc := ta.parseBody(body)
			main, _ := doc.Find("main").Html()
			for _, secret := range []string{"678", "/r/", "<svg", "cancel", "<form"} {
				if strings.Contains(main, secret) {
					t.Errorf("%s %s: the neutral page shows %q", lang, number, secret)
				}
			}
			if got := text(doc, "main .note"); got != want[lang] {
				t.Errorf("%s: neutral page says %q", lang, got)
			}
		}
		for i, lang := range []string{"vi", "fr", "en"} {
			check(lang, []string{"nguyen thi hoa", "NGUYỄN  THỊ HOA", "Nguyen Thi Hoa"}[i], []string{"0084 912-345-678", "+84 91 234 5678", "912345678"}[i])
		}
		// Once within 10 minutes: one message re-sent, to Hoa's number.
		var resent []message.Message
		db.Where("kind = ?", registration.SMSTicketResent).Find(&resent)
		if len(resent) != 0 {
			t.Errorf("re-sent %d times right after the confirmation, want 0 (once every 10 minutes)", len(resent))
		}
		ta.setNow(time.Now().Add(11 * time.Minute))
		check("en", "Nguyễn Thị Hoa", "0912345678")
		check("en", "Nguyễn Thị Hoa", "0912345678")
		db.Where("kind = ?", registration.SMSTicketResent).Find(&resent)
		if len(resent) != 1 || resent[0].To != "+84912345678" || !strings.Contains(resent[0].Body, "/vi/r/"+code) || !strings.Contains(resent[0].Body, "Hoa") {
			t.Errorf("re-sent messages: %+v", resent)
		}
		// Hoa cancels from her ticket: her phone is told, in her language.
		cl := ta.client()
		cl.body("/vi/r/"+code+"/cancel", http.StatusOK)
		wantRedirect(t, cl.post("/vi/r/"+code+"/cancel", url.Values{}), "/vi/r/"+code+"?flash=register_cancelled")
		var told message.Message
		if err := db.Where("kind = ? AND registration_id = ?", registration.SMSCancelledByTicket, hoa.ID).Take(&told).Error; err != nil ||
			!strings.Contains(told.Body, "/vi/r/"+code) || told.Lang != "vi" {
			t.Errorf("cancellation message: %+v (%v)", told, err)
		}
		// Her number typed again: still cancelled, still nothing shown.
		check("fr", "Nguyen Thi Hoa", "0912 345 678")
		db.Take(&hoa, hoa.ID)
		if hoa.Status != registration.StatusCancelled {
			t.Errorf("a cancelled registration came back from the form: %s", hoa.Status)
		}
		// The link on her phone offers to register again.
		doc := cl.page("/vi/r/"+code, http.StatusOK)
		if doc.Find(`form[action="/vi/r/`+code+`/restore"]`).Length() != 1 {
			t.Fatal("no 'register again' on the cancelled ticket")
		}
		wantRedirect(t, cl.post("/vi/r/"+code+"/restore", url.Values{}), "/vi/r/"+code+"?flash=register_done")
		var back registration.Registration
		db.Take(&back, hoa.ID)
		if back.Status != registration.StatusConfirmed || back.CancelledAt != nil {
			t.Errorf("restored: %s, cancelled at %v", back.Status, back.CancelledAt)
		}
	})
}

// Families share a phone: another name on the same number is another person
// with their own ticket; the ticket never shows the whole number.
func TestRegisterFamilyPhoneAndMaskedNumber(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{})
		mother, _ := ta.client().register(e.ID, "vi", regForm("Nguyễn Thị Hoa", "0912 345 678"))
		daughter, flash := ta.client().register(e.ID, "en", regForm("Nguyễn Thị Lan", "+84 912 345 678"))
		if daughter == mother || flash != "register_done" {
			t.Errorf("second member of the family: code %s (mother %s) flash %s", daughter, mother, flash)
		}
		body := ta.client().body("/en/r/"+daughter+"?flash=register_done", http.StatusOK)
		if !strings.Contains(body, "Nguyễn Thị Lan") || strings.Contains(body, "Hoa") || strings.Contains(body, mother) {
			t.Error("the daughter's ticket is not hers alone")
		}
		for _, whole := range []string{"0912345678", "0912 345 678", "+84912345678", "912 345 678", "912345678"} {
			if strings.Contains(body, whole) {
				t.Errorf("the ticket shows the whole number %q", whole)
			}
		}
		for i := 3; i <= 4; i++ {
			ta.client().register(e.ID, "vi", regForm([]string{"", "", "", "Trần Văn Ba", "Trần Văn Tư"}[i], "0912345678"))
		}
		resp := ta.client().post("/fr/events/"+itoa(int(e.ID))+"/register", regForm("Lê Văn Năm", "0912345678"))
		doc := ta.parse(resp, http.StatusUnprocessableEntity, "fifth")
		if got := text(doc, "#reg-phone-err"); got != "4 personnes sont déjà inscrites à cette séance avec ce numéro de téléphone. Merci d'utiliser un autre numéro." {
			t.Errorf("fifth person: %q", got)
		}
	})
}

// The "old 11-digit number converted" notice comes from the database, right
// after the registration that converted it, and masks the number; a query
// parameter cannot make it appear.
func TestRenumberedNoticeFromTheDatabase(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{})
		cl := ta.client()
		code, flash := cl.register(e.ID, "vi", regForm("Lê Văn Nam", "0168 123 4567"))
		doc := cl.page("/vi/r/"+code+"?flash="+flash, http.StatusOK)
		if got := text(doc, ".note"); got != "Số điện thoại 11 số cũ của bạn đã được chuyển sang số mới hiện nay: …4567." {
			t.Errorf("renumbered notice = %q", got)
		}
		other, _ := cl.register(e.ID, "vi", regForm("Lê Văn Tâm", "0912 345 678"))
		doc = cl.page("/vi/r/"+other+"?flash=register_done&renumbered=1", http.StatusOK)
		if doc.Find(".note").Length() != 0 {
			t.Errorf("a notice from the URL: %q", text(doc, ".note"))
		}
		ta.setNow(time.Now().Add(2 * time.Hour))
		doc = cl.page("/vi/r/"+code+"?flash=register_done", http.StatusOK)
		if doc.Find(".note").Length() != 0 {
			t.Errorf("the notice outlives the registration: %q", text(doc, ".note"))
		}
	})
}

func TestWaitlistAndPromotionOnCancel(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Capacity: 1})
		a := ta.client()
		codeA, _ := a.register(e.ID, "vi", regForm("Người Một", "0912000001"))
		b := ta.client()
		doc := b.page("/fr/events/"+itoa(int(e.ID)), http.StatusOK)
		if got := text(doc, ".register button"); got != "Rejoindre la liste d'attente" {
			t.Errorf("full event button = %q", got)
		}
		codeB, flash := b.register(e.ID, "fr", regForm("Personne Deux", "0912000002"))
		if flash != "register_waitlisted" {
			t.Errorf("flash = %s", flash)
		}
		doc = b.page("/fr/r/"+codeB+"?flash="+flash, http.StatusOK)
		if got := text(doc, ".ticket .position"); got != "Votre place dans la file : 1. Nous vous enverrons un SMS si une place se libère." {
			t.Errorf("position = %q", got)
		}
		// A place on the waiting list does not look like a seat: no QR code,
		// no "show this at the entrance", and "full" is a warning.
		if doc.Find(".qr").Length() != 0 || strings.Contains(doc.Text(), "Présentez ce code ou le QR code à l'entrée.") {
			t.Error("a waitlisted ticket shows the QR code or the entrance hint")
		}
		if got := text(doc, ".ticket .hint"); !strings.HasPrefix(got, "Ce n'est pas encore un billet d'entrée.") {
			t.Errorf("waitlisted hint = %q", got)
		}
		if doc.Find("p.flash.flash-warn").Length() != 1 || doc.Find("p.flash.flash-ok").Length() != 0 {
			t.Errorf("the 'event is full' message must be a warning: %q", text(doc, "p.flash"))
		}
		// A cancels, through the confirmation step.
		doc = a.page("/vi/r/"+codeA+"/cancel", http.StatusOK)
		if doc.Find(`form[action="/vi/r/`+codeA+`/cancel"] button`).Length() != 1 {
			t.Fatal("no confirmation form")
		}
		resp := a.post("/vi/r/"+codeA+"/cancel", nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/vi/r/"+codeA+"?flash=register_cancelled" {
			t.Fatalf("cancel: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		doc = a.page("/vi/r/"+codeA, http.StatusOK)
		if got := text(doc, ".ticket .status"); got != "Đăng ký này đã bị hủy" {
			t.Errorf("A status = %q", got)
		}
		if doc.Find(".qr").Length() != 0 || doc.Find(`a[href$="/cancel"]`).Length() != 0 {
			t.Error("a cancelled ticket still shows a QR code or a cancel link")
		}
		doc = b.page("/fr/r/"+codeB, http.StatusOK)
		if got := text(doc, ".ticket .status"); got != "Vous êtes inscrit·e" {
			t.Errorf("B status after promotion = %q", got)
		}
		if doc.Find(".qr svg").Length() != 1 {
			t.Error("the promoted ticket must show its QR code")
		}
		var m message.Message
		if err := db.Where("kind = ?", registration.SMSPromotion).Take(&m).Error; err != nil {
			t.Fatalf("no promotion SMS: %v", err)
		}
		if m.Lang != "fr" || !strings.Contains(m.Body, codeB) || m.To != "+84912000002" {
			t.Errorf("promotion SMS %s %q to %s", m.Lang, m.Body, m.To)
		}
		// Cancelling an unknown code: 404, translated.
		doc = a.page("/en/r/ZZZZZZZ", http.StatusNotFound)
		if got := text(doc, "h1"); got != "There is no registration with this code. Please check the code on your SMS." {
			t.Errorf("404 = %q", got)
		}
	})
}

func TestRegistrationClosedAtDeadline(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		ta.setNow(now)
		deadline := now.Add(-time.Minute)
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, Deadline: &deadline})
		cl := ta.client()
		doc := cl.page("/vi/events/"+itoa(int(e.ID)), http.StatusOK)
		if doc.Find(".register form").Length() != 0 || text(doc, ".register .note") != "Sự kiện này đã hết hạn đăng ký." {
			t.Errorf("closed event shows a form or no notice: %q", text(doc, ".register .note"))
		}
		resp := cl.post("/vi/events/"+itoa(int(e.ID))+"/register", regForm("Trần Thị Mai", "0912345678"))
		doc = ta.parse(resp, http.StatusUnprocessableEntity, "closed")
		_ = doc
		var n int64
		db.Model(&registration.Registration{}).Count(&n)
		if n != 0 {
			t.Errorf("registered after the deadline")
		}
	})
}

func TestRegisterRateLimited(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{})
		cl := ta.client()
		// 10 tries an hour per number, however it is written.
		spellings := []string{"0912345678", "+84912345678", "091 234 5678"}
		for i := 0; i < 10; i++ {
			cl.post("/en/events/"+itoa(int(e.ID))+"/register", regForm("Trần Thị Mai", spellings[i%3]))
		}
		resp := cl.post("/fr/events/"+itoa(int(e.ID))+"/register", regForm("Trần Thị Mai", "0912 345 678"))
		doc := ta.parse(resp, http.StatusTooManyRequests, "11th registration")
		if got := text(doc, "h1"); got != "Trop d'inscriptions depuis ce téléphone ou ce réseau. Patientez quelques minutes puis réessayez." {
			t.Errorf("429 page = %q", got)
		}
		if resp.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
	})
}

func TestGroupRegistration(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Capacity: 30})
		cl := ta.client()
		// Three problems at once: a cell below 0, a cell that is not a
		// number, the partner's attestation missing; then the sum.
		bad := url.Values{"kind": {"group"}, "name": {"Võ Thị Hoa"}, "phone": {"0912345678"}, "consent": {"1"},
			"organisation": {"CTSE"}, "group_size": {"20"}, "g_female_under_16": {"12"}, "g_male_under_16": {"-1"}, "g_male_16_17": {"abc"}}
		doc := ta.parse(cl.post("/vi/events/"+itoa(int(e.ID))+"/register", bad), http.StatusUnprocessableEntity, "bad group")
		if doc.Find("details.group[open]").Length() != 1 {
			t.Error("the group form is not open on error")
		}
		if got := text(doc, "#grp-grid-err"); !strings.Contains(got, "Xin nhập một số nguyên") {
			t.Errorf("grid error = %q", got)
		}
		if doc.Find("#g_male_under_16[aria-invalid=true]").Length() != 1 || doc.Find("#g_male_16_17[aria-invalid=true]").Length() != 1 {
			t.Error("the cells at fault are not marked")
		}
		if doc.Find("#g_male_under_16").AttrOr("value", "") != "-1" || doc.Find("#g_male_16_17").AttrOr("value", "") != "abc" ||
			doc.Find("#g_female_under_16").AttrOr("value", "") != "12" || doc.Find("#grp-org").AttrOr("value", "") != "CTSE" {
			t.Error("group counts not kept")
		}
		if got := text(doc, "#grp-pconsent-err"); got != "Vui lòng xác nhận tổ chức của bạn có sự đồng ý của người giám hộ: không thể đăng ký nhóm trẻ khi chưa có." {
			t.Errorf("partner's attestation error = %q", got)
		}
		// The cells are numbers now, but they add up to 19.
		bad.Set("partner_consent", "1")
		bad.Set("g_male_under_16", "7")
		bad.Del("g_male_16_17")
		doc = ta.parse(cl.post("/vi/events/"+itoa(int(e.ID))+"/register", bad), http.StatusUnprocessableEntity, "sum")
		if got := text(doc, "#grp-grid-sum"); got != "Tổng các ô là 19, nhưng nhóm có 20 người." {
			t.Errorf("sum error = %q", got)
		}
		if doc.Find("#g_male_under_16").AttrOr("value", "") != "7" {
			t.Error("group counts not kept")
		}
		good := url.Values{}
		for k, v := range bad {
			good[k] = v
		}
		good.Set("g_male_under_16", "6")
		good.Set("g_female_18_24", "1")
		good.Set("g_other_25_59", "1")
		code, _ := cl.register(e.ID, "vi", good)
		r, err := registration.GetByCode(t.Context(), db, code)
		if err != nil {
			t.Fatal(err)
		}
		if r.Kind != registration.KindGroup || r.GroupSize != 20 || r.Status != registration.StatusConfirmed ||
			r.GroupBreakdown != `{"grid":{"female":{"18_24":1,"under_16":12},"male":{"under_16":6},"other":{"25_59":1}}}` {
			t.Errorf("group stored as %+v", r)
		}
		var att registration.ConsentRecord
		if err := db.Where("registration_id = ?", r.ID).Take(&att).Error; err != nil || att.Audience != registration.ConsentPartner || att.Version != registration.BuiltinPartnerConsent {
			t.Errorf("partner's attestation: %+v (%v)", att, err)
		}
		var seats int
		db.Model(&event.Event{}).Where("id = ?", e.ID).Pluck("seats_taken", &seats)
		if seats != 20 {
			t.Errorf("seats_taken = %d, want 20", seats)
		}
	})
}

// TestRegistrationRuntimeIDs checks the message IDs the registration pages
// build at run time.
func TestRegistrationRuntimeIDs(t *testing.T) {
	ta := newTestApp(t, testutil.New(t, "sqlite").DB)
	var ids []string
	for _, x := range registration.Sexes {
		ids = append(ids, "register.sex."+x)
	}
	for _, x := range append(registration.AgeBands, registration.QuestionAgeBands...) {
		ids = append(ids, "register.age."+x)
	}
	for _, x := range registration.Roles {
		ids = append(ids, "register.role."+x)
	}
	for _, x := range []registration.Status{registration.StatusConfirmed, registration.StatusWaitlisted, registration.StatusCancelled} {
		ids = append(ids, "ticket.status."+string(x))
	}
	for _, x := range outboxStatuses {
		ids = append(ids, "outbox.status."+x)
	}
	for _, x := range []string{registration.SMSConfirmation, registration.SMSWaitlisted, registration.SMSPromotion,
		registration.SMSReminder, registration.SMSEventCancelled, registration.SMSReply} {
		ids = append(ids, "outbox.kind."+x)
	}
	for _, x := range []string{"confirmation", "waitlisted", "promotion", "reminder", "event_cancelled", "help", "closed", "unknown_event", "bad_name"} {
		ids = append(ids, "sms."+x)
	}
	for _, lang := range []string{"vi", "fr", "en"} {
		for _, id := range ids {
			if !ta.srv.bundle.IDs(lang)[id] {
				t.Errorf("%s: %s missing", lang, id)
			}
		}
	}
}

func TestAuthorityWorkshopAsksOrganisationFirst(t *testing.T) {
	ta := newTestApp(t, testutil.New(t, "sqlite").DB)
	e := testutil.Event(t, ta.db, testutil.EventOpts{Kind: event.KindAuthorityWorkshop})
	doc := ta.client().page("/en/events/"+itoa(int(e.ID)), http.StatusOK)
	if doc.Find("#reg-org").Length() != 1 || doc.Find("details.more #reg-org").Length() != 0 || doc.Find("#reg-role option").Length() != len(registration.Roles)+1 {
		t.Error("an authority workshop must ask organisation and role outside the optional details")
	}
	e2 := testutil.Event(t, ta.db, testutil.EventOpts{})
	doc = ta.client().page("/en/events/"+itoa(int(e2.ID)), http.StatusOK)
	if doc.Find("details.more #reg-org").Length() != 1 {
		t.Error("a film-and-debate keeps organisation among the optional details")
	}
}

// body fetches a page, expects want, and returns its HTML.
func (c *client) body(path string, want int) string {
	c.ta.t.Helper()
	resp := c.get(path)
	b := bodyOf(c.ta.t, resp)
	if resp.StatusCode != want {
		c.ta.t.Fatalf("GET %s: status %d, want %d\n%.2000s", path, resp.StatusCode, want, b)
	}
	return b
}

// parseBody parses HTML already read.
func (ta *testApp) parseBody(body string) *goquery.Document {
	ta.t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		ta.t.Fatal(err)
	}
	return doc
}

// Every error of the registration form at once: a bad name, a bad number
// and no consent come back together, each beside its field, in the
// person's language, with what was typed kept.
func TestRegisterShowsEveryErrorAtOnce(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{})
		for _, lang := range []string{"vi", "fr", "en"} {
			form := url.Values{"name": {"<b>"}, "phone": {"0912 34"}, "organisation": {strings.Repeat("x", 200)}}
			doc := ta.parse(ta.client().post("/"+lang+"/events/"+itoa(int(e.ID))+"/register", form), http.StatusUnprocessableEntity, lang)
			for _, id := range []string{"#reg-name-err", "#reg-phone-err", "#reg-consent-err", "#org-err"} {
				if text(doc, id) == "" {
					t.Errorf("%s: no message at %s", lang, id)
				}
			}
			if doc.Find("#reg-phone").AttrOr("value", "") != "0912 34" {
				t.Errorf("%s: the number typed was not kept", lang)
			}
		}
	})
}
