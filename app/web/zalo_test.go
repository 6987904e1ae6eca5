package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// Zalo's webhook: a delivery receipt with a genuine signature marks the
// message delivered; unsigned, badly signed or malformed calls are refused
// with a 4xx and change nothing.
func TestZaloWebhook(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		ta.srv.cfg.ZaloAppID, ta.srv.cfg.ZaloOASecret = "app-1", "oa-secret"
		m := &message.Message{To: "+84912000051", Body: "x", Lang: "vi", Kind: "confirmation", Status: message.StatusSent,
			Channel: message.ChannelZalo, ProviderID: "zmsg-5"}
		if err := message.Enqueue(db, m); err != nil {
			t.Fatal(err)
		}
		post := func(body, sig string) int {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/zalo/events", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if sig != "" {
				req.Header.Set("X-ZEvent-Signature", sig)
			}
			resp, err := ta.app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode
		}
		sign := func(body string) string {
			sum := sha256.Sum256([]byte("app-1" + body + "1733540000000" + "oa-secret"))
			return "mac=" + hex.EncodeToString(sum[:])
		}
		body := `{"app_id":"app-1","event_name":"user_received_message","timestamp":"1733540000000","message":{"msg_id":"zmsg-5"}}`
		for _, c := range []struct {
			body, sig string
			want      int
		}{{body, "", 401}, {body, "mac=deadbeef", 401}, {body, sign(body + " "), 401}, {"", "", 400}} {
			if got := post(c.body, c.sig); got != c.want {
				t.Errorf("%q signed %q: %d, want %d", c.body, c.sig, got, c.want)
			}
		}
		var got message.Message
		db.Take(&got, m.ID)
		if got.DeliveredAt != nil {
			t.Fatal("marked delivered by a refused call")
		}
		if code := post(body, sign(body)); code != http.StatusOK {
			t.Fatalf("genuine call: %d", code)
		}
		db.Take(&got, m.ID)
		if got.DeliveredAt == nil || time.Since(*got.DeliveredAt) > time.Hour {
			t.Errorf("delivered at %v", got.DeliveredAt)
		}
	})
}

// The back office shows each message's channel, its route through the
// channels and why it waits.
func TestOutboxShowsChannelsAndHolds(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		_, org, _ := organiserApp(t, db)
		wake := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
		held := &message.Message{To: "+84912000061", Body: "a", Lang: "vi", Kind: "reminder", HeldReason: message.HeldQuietHours, NextAttemptAt: wake}
		fell := &message.Message{To: "+84912000062", Body: "b", Lang: "vi", Kind: "confirmation", Status: message.StatusSent,
			Channel: message.ChannelSMS, ChannelLog: "zalo: not on this channel: no Zalo account on this number (-118)"}
		for _, m := range []*message.Message{held, fell} {
			if err := message.Enqueue(db, m); err != nil {
				t.Fatal(err)
			}
		}
		doc := org.page("/en/staff/messages", http.StatusOK)
		body := doc.Find("table.outbox").Text()
		for _, want := range []string{"Held for the night (22:00–07:00): goes at", "Sent · SMS", "no Zalo account on this number (-118)", "Reminder"} {
			if !strings.Contains(body, want) {
				t.Errorf("outbox lacks %q", want)
			}
		}
	})
}
