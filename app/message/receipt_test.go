package message_test

import (
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/scope"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// TestUrgentZaloMessageFallsBackWithoutReceipt: an urgent message Zalo
// accepted but whose delivery receipt the fake Zalo withholds goes by SMS
// once the receipt timeout passes — once, whatever the number of
// instances; one whose receipt came, and a kind that is not urgent, do
// not. A late receipt is recorded on the Zalo attempt and does not make
// the message Zalo's again. At night the fallback waits for 07:00 (a
// one-time code does not), and a receipt that comes meanwhile stops it.
func TestUrgentZaloMessageFallsBackWithoutReceipt(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		zalo := newFakeZalo()
		zs := httptest.NewServer(zalo)
		defer zs.Close()
		gw := &gateway{accepted: map[string]int{}}
		gs := httptest.NewServer(gw)
		defer gs.Close()
		cfg := message.ZaloConfig{APIURL: zs.URL, OAuthURL: zs.URL, AppID: "app-1", AppSecret: "app-secret",
			OASecret: "oa-secret", RefreshToken: "ref-0",
			Templates: map[string]string{"confirmation": "tpl-confirm-vi", "reminder": "tpl-confirm-vi", "data_code": "tpl-code"}}
		newSender := func(now time.Time) *message.Sender {
			z := message.NewZaloZNS(cfg, db)
			z.Now = func() time.Time { return now }
			return &message.Sender{DB: db, ReceiptTimeout: 10 * time.Minute, Channels: []message.Channel{z,
				message.DriverChannel{ChannelName: message.ChannelSMS, Driver: message.NewHTTPDriver(gs.URL, "tok")}}}
		}
		run := func(now time.Time) {
			t.Helper()
			if _, err := newSender(now).RunOnce(t.Context(), now); err != nil {
				t.Fatal(err)
			}
		}
		// The OA's webhook, as the web handler runs it.
		receipts := func(now time.Time) int {
			t.Helper()
			n, err := zalo.DeliverReceipts("oa-secret", "1733540000000", func(body, sig string) error {
				if _, ok := message.ZaloSignatureOK(cfg, []byte(body), sig); !ok {
					t.Fatal("the fake's receipt is not signed as Zalo signs")
				}
				_, err := message.ZaloEvent(t.Context(), db, []byte(body), now)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		smsCalls := func() int {
			gw.mu.Lock()
			defer gw.mu.Unlock()
			return len(gw.bodies)
		}

		zalo.Withhold["84912000101"], zalo.Withhold["84912000103"] = true, true
		lost := enqueueKind(t, db, "+84912000101", "confirmation", "vi", map[string]any{"Code": "ABC2345"}, t0)
		got := enqueueKind(t, db, "+84912000102", "confirmation", "vi", map[string]any{"Code": "ABC2346"}, t0)
		remind := enqueueKind(t, db, "+84912000103", "reminder", "vi", nil, t0)
		run(t0)
		receipts(t0.Add(time.Minute))
		if m := reload(t, db, lost.ID); m.Status != message.StatusSent || m.Channel != message.ChannelZalo || m.ReceiptDueAt == nil ||
			!m.ReceiptDueAt.Equal(t0.Add(10*time.Minute)) {
			t.Fatalf("urgent message accepted by Zalo: %s via %s, receipt due %v", m.Status, m.Channel, m.ReceiptDueAt)
		}
		if m := reload(t, db, remind.ID); m.ReceiptDueAt != nil {
			t.Errorf("a reminder waits for a receipt: %v", m.ReceiptDueAt)
		}
		if m := reload(t, db, got.ID); m.DeliveredAt == nil || m.ReceiptDueAt != nil {
			t.Errorf("receipted message: delivered %v, receipt due %v", m.DeliveredAt, m.ReceiptDueAt)
		}
		run(t0.Add(9 * time.Minute))
		if n := smsCalls(); n != 0 {
			t.Fatalf("%d SMS before the receipt timeout", n)
		}
		// The timeout passes: three instances at once send one SMS.
		at := t0.Add(10 * time.Minute)
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := newSender(at).RunOnce(t.Context(), at); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		m := reload(t, db, lost.ID)
		if m.Status != message.StatusSent || m.Channel != message.ChannelSMS || m.FellBackAt == nil || m.FallbackProviderID != "zmsg-1" ||
			m.ReceiptDueAt != nil || !strings.Contains(m.ChannelLog, "zalo: accepted (zmsg-1), no delivery receipt within 10m0s") {
			t.Fatalf("after the timeout: %s via %s, fell back %v from %q, log %q", m.Status, m.Channel, m.FellBackAt, m.FallbackProviderID, m.ChannelLog)
		}
		if n := smsCalls(); n != 1 || gw.accepted["lantern-sms-"+itoa(lost.ID)] != 1 {
			t.Fatalf("SMS gateway: %d calls %v, want the one fallback", n, gw.accepted)
		}
		for _, id := range []uint{got.ID, remind.ID} {
			if m := reload(t, db, id); m.Channel != message.ChannelZalo || m.FellBackAt != nil {
				t.Errorf("message %d fell back: %s", id, m.Channel)
			}
		}
		// Zalo's receipt comes late: recorded on the Zalo attempt; the
		// message stays the SMS's, and nothing is sent again.
		zalo.Withhold["84912000101"] = false
		late := at.Add(5 * time.Minute)
		if n := receipts(late); n != 1 {
			t.Fatalf("%d receipts delivered late, want 1", n)
		}
		m = reload(t, db, lost.ID)
		if m.Status != message.StatusSent || m.Channel != message.ChannelSMS || m.DeliveredAt != nil || m.LateReceiptAt == nil ||
			!m.LateReceiptAt.Equal(late) {
			t.Errorf("after the late receipt: %s via %s, delivered %v, late receipt %v", m.Status, m.Channel, m.DeliveredAt, m.LateReceiptAt)
		}
		run(late.Add(time.Hour))
		if n := smsCalls(); n != 1 || len(zalo.Sent) != 3 {
			t.Errorf("sent again: %d SMS, %d Zalo", n, len(zalo.Sent))
		}

		// 21:55 in Vietnam: a ticket and a one-time code, neither receipted.
		evening := time.Date(2026, 12, 7, 14, 55, 0, 0, time.UTC)
		zalo.Withhold["84912000104"], zalo.Withhold["84912000105"] = true, true
		ticket := enqueueKind(t, db, "+84912000104", "confirmation", "vi", map[string]any{"Code": "ABC2347"}, evening)
		code := enqueueKind(t, db, "+84912000105", "data_code", "vi", nil, evening)
		run(evening)
		night := evening.Add(10 * time.Minute) // 22:05
		run(night)
		wake := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
		if m := reload(t, db, ticket.ID); m.Status != message.StatusQueued || m.HeldReason != message.HeldQuietHours ||
			!m.NextAttemptAt.Equal(wake) || m.FellBackAt == nil {
			t.Fatalf("ticket's fallback at 22:05: %s held %q until %v", m.Status, m.HeldReason, m.NextAttemptAt)
		}
		if m := reload(t, db, code.ID); m.Status != message.StatusSent || m.Channel != message.ChannelSMS {
			t.Errorf("one-time code's fallback at 22:05: %s via %s, want SMS at once", m.Status, m.Channel)
		}
		// Zalo's receipt for the ticket comes at 23:00: no SMS at 07:00.
		zalo.Withhold["84912000104"] = false
		receipts(evening.Add(time.Hour))
		run(wake)
		m = reload(t, db, ticket.ID)
		if m.Status != message.StatusSent || m.Channel != message.ChannelZalo || m.DeliveredAt == nil || m.FellBackAt != nil ||
			m.ProviderID != zalo.MsgID("84912000104", 0) {
			t.Errorf("ticket receipted during the night: %s via %s (%s), delivered %v, fell back %v", m.Status, m.Channel, m.ProviderID, m.DeliveredAt, m.FellBackAt)
		}
		if n := smsCalls(); n != 2 {
			t.Errorf("%d SMS, want 2 (the first fallback and the code)", n)
		}
		// The cost page counts a fallen-back message for both channels.
		rows, err := message.MonthlyCosts(t.Context(), db, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
			map[string]message.Rate{"VN": {Loc: time.UTC, Prices: message.Prices{SMSSegment: 850, ZaloMessage: 300}}}, "VN", scope.Scope{})
		if err != nil {
			t.Fatal(err)
		}
		var costs []string
		for _, r := range rows {
			costs = append(costs, fmt.Sprintf("%s %s %s %d", r.Month, r.Channel, r.Kind, r.Messages))
		}
		want := "2026-12 sms data_code 1|2026-12 zalo confirmation 1|2026-12 zalo data_code 1|" +
			"2026-11 sms confirmation 1|2026-11 zalo confirmation 2|2026-11 zalo reminder 1"
		if strings.Join(costs, "|") != want {
			t.Errorf("costs:\n%s\nwant\n%s", strings.Join(costs, "|"), want)
		}
	})
}

func itoa(n uint) string { return strconv.FormatUint(uint64(n), 10) }
