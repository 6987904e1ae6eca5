package web

import (
	"net/http"

	"github.com/PuerkitoBio/goquery"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// TestMessagingCostsByMonth: the cost page adds up, month by month in the
// programme's time zone, what was accepted by each channel (segments at the
// SMS price, messages at Zalo's); kept or failed messages cost nothing;
// trainers cannot read it.
func TestMessagingCostsByMonth(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, c, _ := organiserApp(t, db) // 25 November 2026
		// Vietnam's prices (its country's page): 850 a segment, 300 a Zalo message.
		db.Table("countries").Where("code = ?", "VN").Updates(map[string]any{"sms_cost": 850, "zalo_cost": 300})
		add := func(status, channel, kind string, segments int, sent time.Time) {
			m := &message.Message{To: "+84912000091", Body: "x", Lang: "vi", Kind: kind, Status: status, Channel: channel, SentAt: &sent}
			if err := message.Enqueue(db, m); err != nil {
				t.Fatal(err)
			}
			db.Model(m).Update("segments", segments)
		}
		nov := time.Date(2026, 11, 10, 3, 0, 0, 0, time.UTC)
		add(message.StatusSent, message.ChannelSMS, "confirmation", 1, nov)
		add(message.StatusSent, message.ChannelSMS, "confirmation", 2, nov)
		add(message.StatusSent, message.ChannelZalo, "reminder", 1, nov)
		add(message.StatusKept, message.ChannelSMS, "confirmation", 5, nov)
		add(message.StatusFailed, message.ChannelSMS, "confirmation", 5, nov)
		// 31 October 20:00 UTC is 1 November 03:00 in Vietnam: November.
		add(message.StatusSent, message.ChannelSMS, "reminder", 1, time.Date(2026, 10, 31, 20, 0, 0, 0, time.UTC))
		add(message.StatusSent, message.ChannelSMS, "reminder", 2, time.Date(2026, 10, 15, 3, 0, 0, 0, time.UTC))

		doc := ta.parse(c.get("/en/staff/messages/costs"), http.StatusOK, "costs")
		months := doc.Find("section.cost-month")
		if months.Length() != 2 {
			t.Fatalf("%d months, want 2", months.Length())
		}
		novSec, octSec := months.Eq(0), months.Eq(1)
		if h := strings.TrimSpace(novSec.Find("h3").Text()); h != "November 2026" {
			t.Errorf("first month %q", h)
		}
		cells := func(sel *goquery.Selection) string {
			var out []string
			sel.Find("th, td").Each(func(_ int, c *goquery.Selection) { out = append(out, strings.TrimSpace(c.Text())) })
			return strings.Join(out, " ")
		}
		foot := cells(novSec.Find("tfoot"))
		// 4 SMS segments × 850 + 1 Zalo × 300 = 3,700, over 4 messages.
		if foot != "Month total 4 4 3,700" {
			t.Errorf("November's total %q, want \"Month total 4 4 3,700\"", foot)
		}
		if got := cells(octSec.Find("tfoot")); got != "Month total 1 2 1,700" {
			t.Errorf("October's total %q", got)
		}
		if !strings.Contains(novSec.Text(), "Zalo") || !strings.Contains(novSec.Text(), "Reminder") {
			t.Errorf("November's rows: %q", strings.Join(strings.Fields(novSec.Find("tbody").Text()), " "))
		}
		tc := ta.client()
		tc.login(testutil.Staff(t, db, user.RoleTrainer))
		if resp := tc.get("/en/staff/messages/costs"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("trainer: %d, want 403", resp.StatusCode)
		}
	})
}
