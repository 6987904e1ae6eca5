package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message/zalofake"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/zalochat"
)

// zaloChat drives the OA webhook with signed events and sends the OA's
// answers to a fake Zalo.
type zaloChat struct {
	ta   *testApp
	zalo *zalofake.Server
	ts   int
}

func newZaloChat(t *testing.T, db *gorm.DB) *zaloChat {
	t.Helper()
	zalo := zalofake.New()
	zs := httptest.NewServer(zalo)
	t.Cleanup(zs.Close)
	ta := newTestApp(t, db)
	cfg := ta.srv.cfg
	cfg.ZaloAppID, cfg.ZaloAppSecret, cfg.ZaloOASecret, cfg.ZaloRefreshToken = "app-1", "app-secret", "oa-secret", "ref-0"
	cfg.ZaloAPIURL, cfg.ZaloOAuthURL, cfg.ZaloOAAPIURL = zs.URL, zs.URL, zs.URL
	return &zaloChat{ta: ta, zalo: zalo, ts: 1733540000000}
}

// post sends a webhook body with the given signature ("" for none).
func (z *zaloChat) post(body, sig string) (int, map[string]any) {
	z.ta.t.Helper()
	req := httptest.NewRequest(http.MethodPost, zaloEventsPath, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("X-ZEvent-Signature", sig)
	}
	resp, err := z.ta.app.Test(req, -1)
	if err != nil {
		z.ta.t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// signed posts a genuine event and returns the action Lantern took.
func (z *zaloChat) signed(body, ts string) string {
	z.ta.t.Helper()
	st, out := z.post(body, zalofake.Sign("app-1", body, ts, "oa-secret"))
	if st != http.StatusOK {
		z.ta.t.Fatalf("signed event: %d %v", st, out)
	}
	action, _ := out["action"].(string)
	return action
}

func (z *zaloChat) nextTS() string {
	z.ts++
	return fmt.Sprint(z.ts)
}

// text is a follower writing to the OA; it returns the body (to deliver it
// again) and the action.
func (z *zaloChat) text(user, msgID, text string) (string, string, string) {
	ts := z.nextTS()
	body := zalofake.TextEvent("app-1", user, msgID, text, ts)
	return body, ts, z.signed(body, ts)
}

func (z *zaloChat) share(user, phone string) (string, string, string) {
	ts := z.nextTS()
	body := zalofake.SubmitInfoEvent("app-1", user, "Zalo Name", phone, ts)
	return body, ts, z.signed(body, ts)
}

// flush runs the answers' sender as the worker does.
func (z *zaloChat) flush() {
	z.ta.t.Helper()
	if _, err := z.ta.srv.zaloChatSender().RunOnce(z.ta.t.Context(), time.Now()); err != nil {
		z.ta.t.Fatal(err)
	}
}

func countRows(t *testing.T, db *gorm.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// Registration by chat with the OA: DK asks for the number with Zalo's
// request-user-info message, the shared number is registered as by SMS
// (source zalo, the seat taken) and the ticket answered in the chat; a
// delivery repeated by Zalo registers and answers once; a refused call
// changes nothing.
func TestZaloChatRegistration(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		z := newZaloChat(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Capacity: 1})

		// Unsigned, badly signed and malformed calls: refused, nothing written.
		body := zalofake.TextEvent("app-1", "u1", "m0", "DK "+e.Code+" Hoa", "1733540000000")
		for _, sig := range []string{"", "mac=deadbeef", zalofake.Sign("app-1", body+" ", "1733540000000", "oa-secret")} {
			if st, _ := z.post(body, sig); st != http.StatusUnauthorized {
				t.Errorf("signature %q: %d, want 401", sig, st)
			}
		}
		noSender := `{"app_id":"app-1","event_name":"user_send_text","timestamp":"1733540000000","message":{"msg_id":"m9","text":"DK"}}`
		if st, _ := z.post(noSender, zalofake.Sign("app-1", noSender, "1733540000000", "oa-secret")); st != http.StatusBadRequest {
			t.Errorf("event without sender: %d, want 400", st)
		}
		for _, table := range []string{"zalo_chat_requests", "zalo_chat_events", "zalo_chat_replies"} {
			if n := countRows(t, db, table); n != 0 {
				t.Errorf("%s has %d rows after refused calls", table, n)
			}
		}

		// DK: the number is asked for, once even if Zalo delivers twice.
		dk, dkTS, action := z.text("u1", "m1", "dk "+strings.ToLower(e.Code)+" Hoa")
		if action != "asked" {
			t.Fatalf("DK: %q, want asked", action)
		}
		if again := z.signed(dk, dkTS); again != "duplicate" {
			t.Errorf("DK again: %q", again)
		}
		z.flush()
		chat := z.zalo.ChatTo("u1")
		if len(chat) != 1 || chat[0].Template != "request_user_info" || !strings.Contains(chat[0].Subtitle, e.Code) {
			t.Fatalf("after DK the OA sent %+v, want one request_user_info naming %s", chat, e.Code)
		}

		// The number shared: registered as by SMS, the ticket in the chat.
		share, shareTS, action := z.share("u1", "84912000071")
		if action != "registered" {
			t.Fatalf("share: %q, want registered", action)
		}
		if again := z.signed(share, shareTS); again != "duplicate" {
			t.Errorf("share again: %q", again)
		}
		var regs []registration.Registration
		db.Where("event_id = ?", e.ID).Find(&regs)
		if len(regs) != 1 {
			t.Fatalf("%d registrations, want 1", len(regs))
		}
		r := regs[0]
		if r.Name != "Hoa" || *r.Phone != "+84912000071" || r.Source != registration.SourceZalo || r.Lang != "vi" ||
			r.Status != registration.StatusConfirmed || r.ConsentVersion != registration.ZaloConsent {
			t.Errorf("registration %+v", r)
		}
		var ev event.Event
		db.Take(&ev, e.ID)
		if ev.SeatsTaken != 1 {
			t.Errorf("seats taken %d, want 1", ev.SeatsTaken)
		}
		z.flush()
		chat = z.zalo.ChatTo("u1")
		if len(chat) != 2 || !strings.Contains(chat[1].Text, r.Code) || !strings.Contains(chat[1].Text, "/vi/r/"+r.Code) {
			t.Fatalf("after sharing the OA sent %+v, want the ticket %s", chat, r.Code)
		}
		if n := countRows(t, db, "zalo_chat_requests"); n != 0 {
			t.Errorf("%d requests left after registering", n)
		}

		// Someone else shares the same number for the same name: nothing
		// about that registration is said, no ticket is sent to the chat.
		z.text("u2", "m2", "DK "+e.Code+" Hoa")
		if _, _, action := z.share("u2", "84912000071"); action != "existing" {
			t.Errorf("same number from another account: %q, want existing", action)
		}
		z.flush()
		chat = z.zalo.ChatTo("u2")
		if len(chat) != 2 {
			t.Fatalf("u2 got %+v", chat)
		}
		if got := chat[1].Text; strings.Contains(got, r.Code) || strings.Contains(got, "/r/") || !strings.HasPrefix(got, "Lantern: Số điện thoại này đã được đăng ký") {
			t.Errorf("existing answered %q", got)
		}

		// REG in English from another number: the session is full, the
		// waiting list answered in English.
		z.text("u3", "m3", "REG "+e.Code+" John Smith")
		if _, _, action := z.share("u3", "84987000072"); action != "waitlisted" {
			t.Errorf("REG: %q, want waitlisted", action)
		}
		z.flush()
		if chat := z.zalo.ChatTo("u3"); len(chat) != 2 || !strings.Contains(chat[1].Text, "waiting list") {
			t.Errorf("REG answered %+v", chat)
		}
		if n := countRows(t, db, "registrations"); n != 2 {
			t.Errorf("%d registrations, want 2", n)
		}
	})
}

// What cannot be registered is answered in the chat with the SMS's
// reasons; the help goes once a day; information shared without a keyword
// registers nothing.
func TestZaloChatAnswers(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		z := newZaloChat(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Capacity: 5})

		if _, _, action := z.text("u4", "m4", "DK ZZ99 Mai"); action != "unknown_event" {
			t.Errorf("unknown code: %q", action)
		}
		if _, _, action := z.text("u5", "m5", "xin chào"); action != "help" {
			t.Errorf("hello: %q", action)
		}
		if _, _, action := z.text("u5", "m6", "alo?"); action != "help_today" {
			t.Errorf("hello again: %q", action)
		}
		if _, _, action := z.share("u6", "84912000073"); action != "no_request" {
			t.Errorf("share without keyword: %q", action)
		}
		z.text("u7", "m7", "INS "+e.Code+" Anne")
		if _, _, action := z.share("u7", "12"); action != "bad_phone" {
			t.Errorf("share a bad number: %q", action)
		}
		z.flush()
		for user, want := range map[string]string{
			"u4": "Lantern: Không có sự kiện nào mang mã ZZ99.",
			"u5": "Lantern: Để đăng ký, soạn DK",
			"u6": "Lantern: Để đăng ký, trước hết hãy gửi DK",
		} {
			chat := z.zalo.ChatTo(user)
			if len(chat) != 1 || !strings.HasPrefix(chat[0].Text, want) {
				t.Errorf("%s got %+v, want one answer starting %q", user, chat, want)
			}
		}
		if chat := z.zalo.ChatTo("u7"); len(chat) != 2 || !strings.HasPrefix(chat[1].Text, "Lantern : le numéro partagé") {
			t.Errorf("u7 got %+v", chat)
		}
		if n := countRows(t, db, "registrations"); n != 0 {
			t.Errorf("%d registrations, want none", n)
		}

		// One Zalo user cannot make Lantern work (or answer) without end:
		// beyond ten events in ten minutes, nothing is done.
		actions := map[string]int{}
		for i := 0; i < 11; i++ {
			_, _, action := z.text("u8", fmt.Sprintf("flood-%d", i), "DK ZZ99 Mai")
			actions[action]++
		}
		if actions["unknown_event"] != 10 || actions["limited"] != 1 {
			t.Errorf("a flood of keywords: %v", actions)
		}
	})
}

// The sweep forgets keywords that waited past their hour.
func TestZaloChatRequestExpires(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		z := newZaloChat(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{Capacity: 5})
		z.text("u9", "m9", "DK "+e.Code+" Hoa")
		if err := zalochat.Sweep(t.Context(), db, time.Now().Add(zalochat.RequestTTL+time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, "zalo_chat_requests"); n != 0 {
			t.Errorf("%d requests after their hour", n)
		}
		if _, _, action := z.share("u9", "84912000074"); action != "no_request" {
			t.Errorf("share after the sweep: %q", action)
		}
	})
}
