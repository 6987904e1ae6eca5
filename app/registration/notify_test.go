package registration_test

import (
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

func TestCheapestPicksUnaccentedWhenItSavesSegments(t *testing.T) {
	cases := []struct{ in, want string }{
		// 23 characters with diacritics: one UCS-2 segment either way, kept.
		{"Bạn đã đăng ký. Mã ABC", "Bạn đã đăng ký. Mã ABC"},
		// 95 characters: two UCS-2 segments, one GSM-7 segment unaccented.
		{"Lantern: Bạn đã đăng ký Chiếu phim: Lời hứa, 2 thg 12, 2026 18:30, Nhà văn hóa. Mã xác nhận ABC",
			"Lantern: Ban da dang ky Chieu phim: Loi hua, 2 thg 12, 2026 18:30, Nha van hoa. Ma xac nhan ABC"},
		// Typographic characters become plain ones.
		{"Lantern – “Lời hứa” · 18:30 … " + strings.Repeat("đ", 60), `Lantern - "Loi hua" - 18:30 ... ` + strings.Repeat("d", 60)},
	}
	for _, c := range cases {
		if got := registration.Cheapest(c.in); got != c.want {
			t.Errorf("Cheapest(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRemindersAndEventCancelled(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		n := notifier(t)
		// Starts in 20 hours (2026-11-25 23:00 UTC = 26 Nov 06:00 in Ho Chi Minh City).
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 20 * time.Hour, Capacity: 2})
		later := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 30 * time.Hour})
		reg := func(ev uint, name, phone, lang string, at time.Time) *registration.Registration {
			input := in(ev, name, phone)
			input.Lang = lang
			res, err := registration.Register(ctx, db, input, at)
			if err != nil {
				t.Fatal(err)
			}
			return res.Registration
		}
		a := reg(e.ID, "Người A", "0912000001", "vi", now.Add(-48*time.Hour))
		reg(e.ID, "Người B", "0912000002", "en", now.Add(-time.Hour))    // after the 24-hour mark
		reg(e.ID, "Người C", "0912000003", "fr", now.Add(-47*time.Hour)) // waitlisted
		reg(later.ID, "Người D", "0912000004", "vi", now.Add(-48*time.Hour))

		got, err := n.ScheduleReminders(ctx, db, now)
		if err != nil || got != 1 {
			t.Fatalf("reminders queued = %d, %v; want 1 (A only)", got, err)
		}
		if got, _ := n.ScheduleReminders(ctx, db, now.Add(5*time.Minute)); got != 0 {
			t.Errorf("second run queued %d, want 0", got)
		}
		var m message.Message
		if err := db.Where("kind = ?", registration.SMSReminder).Take(&m).Error; err != nil {
			t.Fatal(err)
		}
		want := "Lantern nhac ban: Chieu phim: Loi hua dien ra ngay mai, 26 thg 11, 2026 06:00, Nha van hoa. Ma " + a.Code +
			". Neu khong den duoc, xin huy: http://lantern.test/vi/r/" + a.Code
		if m.Body != want || *m.RegistrationID != a.ID || m.Encoding != "GSM7" {
			t.Errorf("reminder = %q (%s)\nwant       %q", m.Body, m.Encoding, want)
		}

		// Cancelling the event: A and B (confirmed) and C (waitlisted) are told.
		pn, pseg, err := registration.PreviewEventCancelled(ctx, db, e, n.Translator)
		if err != nil {
			t.Fatal(err)
		}
		var qn, qseg int
		err = db.Transaction(func(tx *gorm.DB) error {
			qn, qseg, err = registration.QueueEventCancelled(tx, e, n.Translator)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// Unaccented, GSM-7: vi 147 characters, en 140, fr under 160: one segment each.
		if pn != 3 || pseg != 3 || qn != 3 || qseg != 3 {
			t.Errorf("preview %d/%d, queued %d/%d; want 3 messages, 3 segments", pn, pseg, qn, qseg)
		}
		var bodies []string
		db.Model(&message.Message{}).Where("kind = ?", registration.SMSEventCancelled).Order("id").Pluck("body", &bodies)
		if len(bodies) != 3 || bodies[1] != "Lantern: sorry, Screening: The promise on Nov 26, 2026 6:00 am is cancelled. You need to do nothing. We will tell you about the next events." {
			t.Errorf("bodies = %q", bodies)
		}
		// Its params fill a Zalo template like the other kinds'.
		var params []string
		db.Model(&message.Message{}).Where("kind = ?", registration.SMSEventCancelled).Order("id").Pluck("params", &params)
		if len(params) != 3 || !strings.Contains(params[1], `"Event":"Screening: The promise"`) || !strings.Contains(params[1], `"Venue"`) {
			t.Errorf("params = %q", params)
		}
		err = db.Transaction(func(tx *gorm.DB) error {
			qn, qseg, err = registration.QueueEventCancelled(tx, e, n.Translator)
			return err
		})
		if err != nil || qn != 0 {
			t.Errorf("queued again: %d, %v; want 0", qn, err)
		}
	})
}
