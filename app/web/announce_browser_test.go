package web

import (
	"os"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// An organiser announces a session from a 360 px phone, in Vietnamese:
// the form fits, the preview shows the reach and the cost per channel
// without sideways scrolling, and the send queues the [QC] SMS.
func TestBrowserAnnounceSessionOnPhoneInVietnamese(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		now := time.Now().UTC()
		past := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 20, StartsIn: 48 * time.Hour})
		next := testutil.Event(t, db, testutil.EventOpts{Now: now, Capacity: 20, StartsIn: 96 * time.Hour,
			Titles: map[string]string{"vi": "Chiếu phim: Ngôi nhà bình yên, và thảo luận về quyền trẻ em", "en": "Screening"}})
		if err := db.Model(&event.Event{}).Where("id = ?", next.ID).Update("venue_id", past.VenueID).Error; err != nil {
			t.Fatal(err)
		}
		f := regForm("Lê Thị Hoa", "0912 000 701")
		f.Set("announce", "1")
		b.ta.client().register(past.ID, "vi", f)
		confirmOptin(t, b.ta, db, "+84912000701")
		org := testutil.Staff(t, db, user.RoleOrganiser)
		b.login(t, "vi", org)

		b.navigate(t, "/vi/staff/events/"+itoa(int(next.ID))+"/announce")
		if got := b.text(t, "h1"); got != "Thông báo buổi này" {
			t.Errorf("title %q", got)
		}
		b.noHorizontalScroll(t)
		b.fill(t, "#an-text_vi", "Có phim mới, mời cả gia đình!")
		b.click(t, `.announce-form button[value=preview]`)
		b.waitVisible(t, "#reach")
		if got := b.text(t, "#reach strong"); got != "Thông báo đến 1 người." {
			t.Errorf("reach %q", got)
		}
		if got := b.text(t, "table.announce-costs tbody th"); got != "SMS" {
			t.Errorf("cost row %q", got)
		}
		b.noHorizontalScroll(t)
		if axe := findAxe(); axe != "" { // the preview's table passes axe too
			src, err := os.ReadFile(axe)
			if err != nil {
				t.Fatal(err)
			}
			b.axeCheck(t, string(src), "announce preview")
		}
		b.click(t, `.announce-form button[value=send]`)
		b.waitVisible(t, ".flash")
		if got := b.text(t, ".flash"); !strings.HasPrefix(got, "Thông báo đã được xếp hàng") {
			t.Errorf("flash %q", got)
		}
		var ms []message.Message
		db.Where("kind = ?", registration.SMSAnnouncement).Find(&ms)
		if len(ms) != 1 || !strings.HasPrefix(ms[0].Body, "[QC] ") {
			t.Errorf("queued: %+v", ms)
		}
	})
}
