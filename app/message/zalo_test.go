package message_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/message/zalofake"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// fakeZalo is the shared fake Zalo (package zalofake).
type fakeZalo = zalofake.Server

func newFakeZalo() *fakeZalo { return zalofake.New() }

func zaloChannel(db *gorm.DB, srv *httptest.Server, now time.Time) *message.ZaloZNS {
	z := message.NewZaloZNS(message.ZaloConfig{APIURL: srv.URL, OAuthURL: srv.URL, AppID: "app-1", AppSecret: "app-secret",
		OASecret: "oa-secret", RefreshToken: "ref-0",
		Templates: map[string]string{"confirmation.vi": "tpl-confirm-vi", "data_code": "tpl-code"}}, db)
	z.Now = func() time.Time { return now }
	return z
}

func enqueueKind(t *testing.T, db *gorm.DB, to, kind, lang string, params map[string]any, at time.Time) *message.Message {
	t.Helper()
	p, _ := json.Marshal(params)
	m := &message.Message{To: to, Body: "Lantern: test " + kind, Lang: lang, Kind: kind, Params: string(p), NextAttemptAt: at}
	if err := message.Enqueue(db, m); err != nil {
		t.Fatal(err)
	}
	return m
}

// Zalo first, SMS behind it: a number without Zalo, and a kind without an
// approved template, fall back to SMS at once; each is sent once, on one
// channel, and says so.
func TestZaloFirstThenSMS(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		zalo := newFakeZalo()
		zalo.NoZalo["84912000002"] = true
		zs := httptest.NewServer(zalo)
		defer zs.Close()
		gw := &gateway{accepted: map[string]int{}}
		gs := httptest.NewServer(gw)
		defer gs.Close()
		s := &message.Sender{DB: db, Channels: []message.Channel{zaloChannel(db, zs, t0),
			message.DriverChannel{ChannelName: message.ChannelSMS, Driver: message.NewHTTPDriver(gs.URL, "tok")}}}
		a := enqueueKind(t, db, "+84912000001", "confirmation", "vi", map[string]any{"Event": "Chiếu phim", "Code": "ABC2345"}, t0)
		b := enqueueKind(t, db, "+84912000002", "confirmation", "vi", map[string]any{"Event": "Chiếu phim"}, t0)
		c := enqueueKind(t, db, "+84912000003", "reminder", "vi", nil, t0)
		if n, err := s.RunOnce(t.Context(), t0); err != nil || n != 3 {
			t.Fatalf("RunOnce: %d %v", n, err)
		}
		ma, mb, mc := reload(t, db, a.ID), reload(t, db, b.ID), reload(t, db, c.ID)
		if ma.Status != message.StatusSent || ma.Channel != message.ChannelZalo || ma.ProviderID != "zmsg-1" {
			t.Errorf("a: %s via %s (%s)", ma.Status, ma.Channel, ma.ProviderID)
		}
		if mb.Status != message.StatusSent || mb.Channel != message.ChannelSMS || !strings.Contains(mb.ChannelLog, "no Zalo account on this number (-118)") {
			t.Errorf("b: %s via %s, log %q", mb.Status, mb.Channel, mb.ChannelLog)
		}
		if mc.Status != message.StatusSent || mc.Channel != message.ChannelSMS || !strings.Contains(mc.ChannelLog, "no approved Zalo template") {
			t.Errorf("c: %s via %s, log %q", mc.Status, mc.Channel, mc.ChannelLog)
		}
		if len(zalo.Sent) != 1 || zalo.Sent[0]["phone"] != "84912000001" || zalo.Sent[0]["data"].(map[string]string)["Code"] != "ABC2345" {
			t.Errorf("zalo got %+v", zalo.Sent)
		}
		if gw.calls != 2 || len(gw.accepted) != 2 {
			t.Errorf("the SMS gateway got %d calls for %d messages", gw.calls, len(gw.accepted))
		}
		if zalo.Refreshes != 1 {
			t.Errorf("%d token renewals, want 1 (the seed)", zalo.Refreshes)
		}
		// Nothing is sent again.
		if n, _ := s.RunOnce(t.Context(), t0.Add(time.Hour)); n != 0 || len(zalo.Sent) != 1 || gw.calls != 2 {
			t.Errorf("second run sent again: %d", n)
		}
	})
}

// A refused access token is renewed once and the message goes; several
// instances renewing at once spend the single-use refresh token once.
func TestZaloTokenRenewedOnceAcrossInstances(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		zalo := newFakeZalo()
		zs := httptest.NewServer(zalo)
		defer zs.Close()
		first := enqueueKind(t, db, "+84912000011", "confirmation", "vi", nil, t0)
		s := &message.Sender{DB: db, Channels: []message.Channel{zaloChannel(db, zs, t0)}}
		if _, err := s.RunOnce(t.Context(), t0); err != nil {
			t.Fatal(err)
		}
		if m := reload(t, db, first.ID); m.Status != message.StatusSent {
			t.Fatalf("first: %s %s", m.Status, m.LastError)
		}
		// Zalo revokes the token (it expired early): the next sends renew.
		zalo.Mu.Lock()
		zalo.Access = "revoked"
		zalo.Mu.Unlock()
		var ids []uint
		for i := 0; i < 6; i++ {
			ids = append(ids, enqueueKind(t, db, fmt.Sprintf("+8491200002%d", i), "confirmation", "vi", nil, t0).ID)
		}
		var wg sync.WaitGroup
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := &message.Sender{DB: db, Batch: 2, Channels: []message.Channel{zaloChannel(db, zs, t0)}}
				for {
					n, err := s.RunOnce(t.Context(), t0)
					if err != nil || n == 0 {
						return
					}
				}
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if m := reload(t, db, id); m.Status != message.StatusSent || m.Channel != message.ChannelZalo {
				t.Errorf("message %d: %s (%s)", id, m.Status, m.LastError)
			}
		}
		if zalo.Refreshes != 2 || zalo.Spent != 0 {
			t.Errorf("%d renewals (want 2), %d refresh tokens spent twice", zalo.Refreshes, zalo.Spent)
		}
		if len(zalo.Sent) != 7 {
			t.Errorf("zalo got %d messages, want 7 (none twice)", len(zalo.Sent))
		}
	})
}

// Decree 91/2020: service messages wait out the night where the recipient
// is (22:00–07:00); one-time codes do not.
func TestQuietHoursWhereTheRecipientIs(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		gw := &gateway{accepted: map[string]int{}}
		gs := httptest.NewServer(gw)
		defer gs.Close()
		s := &message.Sender{DB: db, Driver: message.NewHTTPDriver(gs.URL, "")}
		night := time.Date(2026, 12, 7, 16, 0, 0, 0, time.UTC) // 23:00 in Vietnam
		reminder := enqueueKind(t, db, "+84912000031", "reminder", "vi", nil, night)
		code := enqueueKind(t, db, "+84912000032", "data_code", "vi", nil, night)
		if _, err := s.RunOnce(t.Context(), night); err != nil {
			t.Fatal(err)
		}
		r := reload(t, db, reminder.ID)
		wake := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC) // 07:00 in Vietnam
		if r.Status != message.StatusQueued || r.HeldReason != message.HeldQuietHours || !r.NextAttemptAt.Equal(wake) || r.Attempts != 0 {
			t.Errorf("reminder at 23:00: %s held %q until %s, %d attempts", r.Status, r.HeldReason, r.NextAttemptAt, r.Attempts)
		}
		if c := reload(t, db, code.ID); c.Status != message.StatusSent {
			t.Errorf("one-time code at 23:00: %s", c.Status)
		}
		// 06:30 in Vietnam is still night; 07:30 in Manila is not.
		early := time.Date(2026, 12, 7, 23, 30, 0, 0, time.UTC)
		vn := enqueueKind(t, db, "+84912000033", "promotion", "vi", nil, early)
		ph := enqueueKind(t, db, "+639171234567", "promotion", "en", nil, early)
		if _, err := s.RunOnce(t.Context(), early); err != nil {
			t.Fatal(err)
		}
		if m := reload(t, db, vn.ID); m.Status != message.StatusQueued {
			t.Errorf("Vietnam at 06:30: %s", m.Status)
		}
		if m := reload(t, db, ph.ID); m.Status != message.StatusSent {
			t.Errorf("Philippines at 07:30: %s", m.Status)
		}
		// At 07:00 the held reminder goes.
		if _, err := s.RunOnce(t.Context(), wake); err != nil {
			t.Fatal(err)
		}
		if r := reload(t, db, reminder.ID); r.Status != message.StatusSent || r.HeldReason != "" {
			t.Errorf("reminder at 07:00: %s held %q", r.Status, r.HeldReason)
		}
	})
}

// The webhook's signature, and a delivery receipt.
func TestZaloDeliveryEvent(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		cfg := message.ZaloConfig{AppID: "app-1", OASecret: "oa-secret"}
		m := enqueueKind(t, db, "+84912000041", "confirmation", "vi", nil, t0)
		db.Model(&message.Message{}).Where("id = ?", m.ID).Updates(map[string]any{"status": message.StatusSent, "channel": message.ChannelZalo, "provider_id": "zmsg-9"})
		body := []byte(`{"app_id":"app-1","event_name":"user_received_message","timestamp":"1733540000000","message":{"msg_id":"zmsg-9","tracking_id":"lantern-1"}}`)
		sum := sha256.Sum256([]byte("app-1" + string(body) + "1733540000000" + "oa-secret"))
		if _, ok := message.ZaloSignatureOK(cfg, body, "mac="+hex.EncodeToString(sum[:])); !ok {
			t.Fatal("a genuine signature refused")
		}
		for _, bad := range []string{"", "mac=00", "mac=" + hex.EncodeToString(sum[:1])} {
			if _, ok := message.ZaloSignatureOK(cfg, body, bad); ok {
				t.Errorf("signature %q accepted", bad)
			}
		}
		if ok, err := message.ZaloEvent(t.Context(), db, body, t0); err != nil || !ok {
			t.Fatalf("event: %v %v", ok, err)
		}
		if got := reload(t, db, m.ID); got.DeliveredAt == nil {
			t.Error("not marked delivered")
		}
	})
}

// TestChannelsOfTheRecipientsCountry: a message goes through the channels
// its recipient's country lists, in that order: a Cambodian number (the
// seeded Cambodia lists SMS only) never reaches Zalo; a Vietnamese one does
// until Vietnam's list no longer names Zalo.
func TestChannelsOfTheRecipientsCountry(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		zalo := newFakeZalo()
		zs := httptest.NewServer(zalo)
		defer zs.Close()
		gw := &gateway{accepted: map[string]int{}}
		gs := httptest.NewServer(gw)
		defer gs.Close()
		s := &message.Sender{DB: db, Channels: []message.Channel{zaloChannel(db, zs, t0),
			message.DriverChannel{ChannelName: message.ChannelSMS, Driver: message.NewHTTPDriver(gs.URL, "tok")}}}
		kh := enqueueKind(t, db, "+85512345678", "confirmation", "km", map[string]any{"Event": "Screening", "Code": "ABC2345"}, t0)
		vn := enqueueKind(t, db, "+84912000001", "confirmation", "vi", map[string]any{"Event": "Chiếu phim", "Code": "ABC2346"}, t0)
		if n, err := s.RunOnce(t.Context(), t0); err != nil || n != 2 {
			t.Fatalf("RunOnce: %d %v", n, err)
		}
		mk, mv := reload(t, db, kh.ID), reload(t, db, vn.ID)
		if mk.Status != message.StatusSent || mk.Channel != message.ChannelSMS || mk.ChannelLog != "" {
			t.Errorf("Cambodian number: %s via %s, log %q; want SMS straight away", mk.Status, mk.Channel, mk.ChannelLog)
		}
		if mv.Status != message.StatusSent || mv.Channel != message.ChannelZalo {
			t.Errorf("Vietnamese number: %s via %s, want Zalo", mv.Status, mv.Channel)
		}
		if len(zalo.Sent) != 1 || zalo.Sent[0]["phone"] != "84912000001" {
			t.Errorf("zalo got %+v", zalo.Sent)
		}
		if err := db.Table("countries").Where("code = ?", "VN").Update("channels", "sms").Error; err != nil {
			t.Fatal(err)
		}
		again := enqueueKind(t, db, "+84912000002", "confirmation", "vi", map[string]any{"Event": "Chiếu phim", "Code": "ABC2347"}, t0)
		if _, err := s.RunOnce(t.Context(), t0); err != nil {
			t.Fatal(err)
		}
		if m := reload(t, db, again.ID); m.Channel != message.ChannelSMS || len(zalo.Sent) != 1 {
			t.Errorf("after Vietnam lists SMS only: via %s, zalo sent %d", m.Channel, len(zalo.Sent))
		}
	})
}
