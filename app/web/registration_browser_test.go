package web

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// A person on a 360 px phone registers for an event, sees the ticket with
// its QR code, and cancels it; a typo in the number first comes back with a
// clear message and nothing lost.
func TestBrowserRegisterOnAPhone(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: time.Now().UTC(), Capacity: 10})
		b.navigate(t, "/vi/events/"+itoa(int(e.ID)))
		b.noHorizontalScroll(t)
		b.fill(t, "#reg-name", "Nguyễn Thị Hoa")
		b.fill(t, "#reg-phone", "0912 345")
		b.click(t, "#reg-consent")
		b.click(t, ".register form button[type=submit]")
		b.waitVisible(t, "#reg-phone-err")
		if got := b.text(t, "#reg-phone-err"); !strings.HasPrefix(got, "Đây không phải là số di động hợp lệ") {
			t.Errorf("phone error = %q", got)
		}
		if got := evalAs[string](t, b, `document.querySelector("#reg-name").value`); got != "Nguyễn Thị Hoa" {
			t.Errorf("name kept as %q", got)
		}
		if !evalAs[bool](t, b, `document.querySelector("#reg-consent").checked`) {
			t.Error("consent box unticked after the error")
		}
		// The person corrects the number.
		evalAs[string](t, b, `document.querySelector("#reg-phone").value = ""`)
		b.fill(t, "#reg-phone", "0912 345 678")
		b.click(t, ".register form button[type=submit]")
		b.waitVisible(t, ".ticket .code")
		code := b.text(t, ".ticket .code")
		if !regexp.MustCompile(`^[2-9A-HJKMNP-Z]{7}$`).MatchString(code) {
			t.Fatalf("code = %q", code)
		}
		if got := b.text(t, ".ticket .status"); got != "Bạn đã đăng ký thành công" {
			t.Errorf("status = %q", got)
		}
		if w := evalAs[int](t, b, `Math.round(document.querySelector(".qr svg").getBoundingClientRect().width)`); w < 150 {
			t.Errorf("QR code %d px wide: too small to scan", w)
		}
		b.noHorizontalScroll(t)
		b.click(t, `a[href$="/cancel"]`)
		b.click(t, "form button.danger")
		b.waitVisible(t, ".ticket-cancelled")
		r, err := registration.GetByCode(t.Context(), db, code)
		if err != nil || r.Status != registration.StatusCancelled || *r.Phone != "+84912345678" {
			t.Errorf("stored: %+v %v", r, err)
		}
	})
}

// A guardian on a 360 px phone registers a child in Vietnamese, opens the
// link the SMS carried, confirms, and the child's ticket appears.
func TestBrowserGuardianRegistersChild(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: time.Now().UTC(), Capacity: 10})
		b.navigate(t, "/vi/events/"+itoa(int(e.ID)))
		b.click(t, "details.child summary")
		b.fill(t, "#ch-name", "Bé Na")
		b.click(t, `input[name=child_age][value="7_15"]`)
		b.fill(t, "#ch-gname", "Trần Thị Hạnh")
		b.fill(t, "#ch-gphone", "0912 000 401")
		b.click(t, "#ch-gconsent")
		b.noHorizontalScroll(t)
		// The child's own agreement is missing: said beside the box.
		b.click(t, "details.child form button[type=submit]")
		b.waitVisible(t, "#ch-cconsent-err")
		if got := b.text(t, "#ch-cconsent-err"); got != "Từ 7 tuổi, trẻ cũng cần đồng ý: vui lòng đánh dấu ô của trẻ." {
			t.Errorf("child agreement error = %q", got)
		}
		if got := evalAs[string](t, b, `document.querySelector("#ch-gname").value`); got != "Trần Thị Hạnh" {
			t.Errorf("guardian's name kept as %q", got)
		}
		b.noHorizontalScroll(t)
		b.click(t, "#ch-cconsent")
		b.click(t, "details.child form button[type=submit]")
		b.waitVisible(t, "main .note")
		if got := b.text(t, "h1"); got != "Đang chờ người giám hộ" {
			t.Errorf("after the child's form: %q", got)
		}
		b.noHorizontalScroll(t)
		// The guardian opens the link from the SMS.
		var body string
		db.Model(&message.Message{}).Where("kind = ?", registration.SMSGuardianConfirm).Pluck("body", &body)
		link := guardianLink.FindString(body)
		if link == "" {
			t.Fatalf("no link in %q", body)
		}
		b.navigate(t, link)
		b.noHorizontalScroll(t)
		b.click(t, `form[action$="/confirm"] button`)
		b.waitVisible(t, ".ticket .code")
		if got := b.text(t, ".ticket .status"); got != "Bạn đã đăng ký thành công" {
			t.Errorf("ticket status = %q", got)
		}
		if evalAs[int](t, b, `document.querySelectorAll(".qr svg").length`) != 1 {
			t.Error("no QR code on the confirmed ticket")
		}
		b.noHorizontalScroll(t)
	})
}

// The participants' privacy pages fit a 360 px phone in vi, fr and en: the
// child's form opened on the event page, the neutral pages, the guardian's
// page, and "my data" from the number to the code to the page itself.
func TestBrowserPrivacyPagesFitPhone(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Now: time.Now().UTC(), Capacity: 10})
		ev := itoa(int(e.ID))
		for i, lang := range []string{"vi", "fr", "en"} {
			number := []string{"0912000901", "0912000902", "0912000903"}[i]
			if resp := b.ta.client().post("/"+lang+"/events/"+ev+"/register", childValues("Bé Na", registration.Age7to15, "Trần Thị Hạnh", number)); resp.StatusCode != 303 {
				t.Fatalf("%s: child registration %d", lang, resp.StatusCode)
			}
			var body string
			db.Model(&message.Message{}).Where("kind = ? AND to_phone = ?", registration.SMSGuardianConfirm, "+84"+number[1:]).Pluck("body", &body)
			for _, p := range []string{"/" + lang + "/events/" + ev + "/already-registered", "/" + lang + "/events/" + ev + "/guardian-asked",
				guardianLink.FindString(body), "/" + lang + "/my-data", "/" + lang + "/my-data/code"} {
				b.navigate(t, p)
				b.noHorizontalScroll(t)
			}
			b.navigate(t, "/"+lang+"/events/"+ev)
			b.click(t, "details.child summary")
			b.noHorizontalScroll(t)
			// My data, from the number to the page.
			b.navigate(t, "/"+lang+"/my-data")
			b.fill(t, "#md-phone", number)
			b.click(t, "main form button[type=submit]")
			b.waitVisible(t, "#md-code")
			b.fill(t, "#md-code", lastCode(t, db, "+84"+number[1:]))
			b.click(t, "main form button[type=submit]")
			b.waitVisible(t, "main .card")
			b.noHorizontalScroll(t)
		}
	})
}
