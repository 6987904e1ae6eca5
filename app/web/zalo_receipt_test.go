package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/message/zalofake"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// TestZaloNoReceiptFallsBackToSMS: the worker's sender, set up from the
// configuration (ZALO_RECEIPT_TIMEOUT), sends a ticket by Zalo; the fake
// Zalo withholds its delivery receipt; ten minutes later (a moved clock)
// the ticket goes by the fake SMS gateway, and the outbox page says it
// fell back for want of a receipt. Zalo's receipt, posted late to the
// webhook, is shown beside it and does not make the message Zalo's again.
func TestZaloNoReceiptFallsBackToSMS(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta, org, _ := organiserApp(t, db)
		zalo := zalofake.New()
		zs := httptest.NewServer(zalo)
		defer zs.Close()
		g := &fakeGateway{ids: map[string]string{}}
		gw := httptest.NewServer(g)
		defer gw.Close()
		cfg := ta.srv.cfg
		cfg.ZaloAppID, cfg.ZaloAppSecret, cfg.ZaloOASecret, cfg.ZaloRefreshToken = "app-1", "app-secret", "oa-secret", "ref-0"
		cfg.ZaloAPIURL, cfg.ZaloOAuthURL, cfg.ZaloOAAPIURL = zs.URL, zs.URL, zs.URL
		cfg.ZaloTemplates = map[string]string{"confirmation": "tpl-confirm-vi"}
		cfg.SMSDriver, cfg.SMSGatewayURL = "http", gw.URL
		cfg.ZaloReceiptTimeout = 10 * time.Minute
		zalo.Withhold["84912000201"] = true

		now := staffNow // 10:00 in Vietnam
		m := &message.Message{To: "+84912000201", Body: "Lantern: ve ABC2345", Lang: "vi", Kind: "confirmation",
			Params: `{"Code":"ABC2345"}`, NextAttemptAt: now}
		if err := message.Enqueue(db, m); err != nil {
			t.Fatal(err)
		}
		for _, at := range []time.Time{now, now.Add(5 * time.Minute), now.Add(10 * time.Minute)} {
			if _, err := ta.srv.messageSender().RunOnce(t.Context(), at); err != nil {
				t.Fatal(err)
			}
		}
		got := reload(t, db, m.ID)
		if got.Channel != message.ChannelSMS || got.Status != message.StatusSent || got.FellBackAt == nil || len(g.ids) != 1 || len(zalo.Sent) != 1 {
			t.Fatalf("after 10 minutes without a receipt: %s via %s, fell back %v; %d SMS, %d Zalo", got.Status, got.Channel, got.FellBackAt, len(g.ids), len(zalo.Sent))
		}
		page := org.page("/en/staff/messages", http.StatusOK).Find("table.outbox").Text()
		if !strings.Contains(page, "Fallen back (no receipt)") || !strings.Contains(page, "no delivery receipt within 10m0s") {
			t.Errorf("the outbox does not say it fell back: %s", page)
		}
		// The "fallen back" filter keeps it, and only it.
		other := &message.Message{To: "+84912000202", Body: "x", Lang: "vi", Kind: "reminder", Status: message.StatusSent, Channel: message.ChannelZalo}
		if err := message.Enqueue(db, other); err != nil {
			t.Fatal(err)
		}
		if rows := org.page("/en/staff/messages?status=fell_back", http.StatusOK).Find("table.outbox tbody tr"); rows.Length() != 1 ||
			!strings.Contains(rows.Text(), "…0201") {
			t.Errorf("the fallen-back filter shows %d rows: %s", rows.Length(), rows.Text())
		}
		// The receipt comes late, through the webhook.
		ta.setNow(now.Add(20 * time.Minute))
		zalo.Withhold["84912000201"] = false
		n, err := zalo.DeliverReceipts("oa-secret", "1733540000000", func(body, sig string) error {
			req := httptest.NewRequest(http.MethodPost, zaloEventsPath, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-ZEvent-Signature", sig)
			resp, err := ta.app.Test(req, -1)
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("webhook answered %d", resp.StatusCode)
			}
			return err
		})
		if err != nil || n != 1 {
			t.Fatalf("late receipt: %d %v", n, err)
		}
		got = reload(t, db, m.ID)
		if got.Channel != message.ChannelSMS || got.LateReceiptAt == nil || got.DeliveredAt != nil {
			t.Errorf("after the late receipt: via %s, late %v, delivered %v", got.Channel, got.LateReceiptAt, got.DeliveredAt)
		}
		page = org.page("/en/staff/messages", http.StatusOK).Find("table.outbox").Text()
		if !strings.Contains(page, "Zalo's receipt came late") || strings.Contains(page, "+84912000201") {
			t.Errorf("the outbox after the late receipt: %s", page)
		}
	})
}
