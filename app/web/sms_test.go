package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

const inboundToken = "inbound-secret-0123456789"

// inbound posts to the SMS webhook as a gateway would.
func (ta *testApp) inbound(token string, jsonBody bool, from, text string) (int, map[string]any) {
	ta.t.Helper()
	var req *http.Request
	if jsonBody {
		b, _ := json.Marshal(map[string]string{"from": from, "text": text})
		req = httptest.NewRequest(http.MethodPost, "/api/v1/sms/inbound", strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(http.MethodPost, "/api/v1/sms/inbound", strings.NewReader(url.Values{"from": {from}, "text": {text}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if token != "" {
		req.Header.Set("X-Lantern-Token", token)
	}
	resp, err := ta.app.Test(req, -1)
	if err != nil {
		ta.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(body, &out)
	return resp.StatusCode, out
}

func lastSMS(t *testing.T, db *gorm.DB, to string) message.Message {
	t.Helper()
	var m message.Message
	if err := db.Where("to_phone = ?", to).Order("id DESC").Take(&m).Error; err != nil {
		t.Fatalf("no SMS to %s: %v", to, err)
	}
	return m
}

func TestSMSKeywordRegistration(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		ta.srv.cfg.SMSInboundToken = inboundToken
		e := testutil.Event(t, db, testutil.EventOpts{Capacity: 1})
		code := strings.ToLower(e.Code)

		// Authentication.
		if st, out := ta.inbound("", false, "0912345678", "DK "+code+" Mai"); st != http.StatusForbidden || out["error"] == nil {
			t.Errorf("no token: %d %v", st, out)
		}
		if st, _ := ta.inbound("wrong", false, "0912345678", "DK "+code+" Mai"); st != http.StatusForbidden {
			t.Errorf("wrong token: %d", st)
		}
		// DK registers (form body), the confirmation SMS is queued in Vietnamese.
		st, out := ta.inbound(inboundToken, false, "0912345678", "  dk "+code+"  Trần  Thị Mai ")
		if st != http.StatusOK || out["action"] != "registered" {
			t.Fatalf("DK: %d %v", st, out)
		}
		var r registration.Registration
		if err := db.Where("event_id = ? AND phone = ?", e.ID, "+84912345678").Take(&r).Error; err != nil {
			t.Fatal(err)
		}
		if r.Name != "Trần Thị Mai" || r.Source != registration.SourceSMS || r.Lang != "vi" || r.Status != registration.StatusConfirmed {
			t.Errorf("registration %+v", r)
		}
		if m := lastSMS(t, db, "+84912345678"); m.Kind != registration.SMSConfirmation || !strings.Contains(m.Body, r.Code) {
			t.Errorf("reply %s %q", m.Kind, m.Body)
		}
		// The same number again (JSON body, another spelling): the same registration, the code sent again.
		st, out = ta.inbound(inboundToken, true, "+84 91 234 5678", "DK "+e.Code+" tran thi mai")
		if st != http.StatusOK || out["action"] != "existing" {
			t.Errorf("again: %d %v", st, out)
		}
		var n int64
		db.Model(&registration.Registration{}).Count(&n)
		if n != 1 {
			t.Errorf("registrations = %d, want 1", n)
		}
		// REG in English: the event is full, waitlisted, answered in English.
		st, out = ta.inbound(inboundToken, true, "0987654321", "REG "+e.Code+" John Smith")
		if st != http.StatusOK || out["action"] != "waitlisted" {
			t.Errorf("REG: %d %v", st, out)
		}
		if m := lastSMS(t, db, "+84987654321"); m.Lang != "en" || !strings.HasPrefix(m.Body, "Lantern: Screening: The promise is full. You are number 1 on the waiting list") {
			t.Errorf("REG reply %s %q", m.Lang, m.Body)
		}
		// Unknown keyword, unknown event, missing name: help replies.
		for _, c := range []struct{ text, action, want string }{
			{"HELLO", "help", "Lantern: De dang ky, soan DK <ma su kien> <ho va ten>"},
			{"DK ZZ99 Mai", "unknown_event", "Lantern: Khong co su kien nao mang ma ZZ99."},
			{"DK " + e.Code, "bad_name", "Lantern: Xin gui ho va ten sau ma su kien"},
			{"INS " + e.Code, "bad_name", "Lantern : envoyez votre nom après le code"},
			{"INS", "help", "Lantern : pour vous inscrire"},
		} {
			st, out := ta.inbound(inboundToken, false, "0903000111", c.text)
			if st != http.StatusOK || out["action"] != c.action {
				t.Errorf("%q: %d %v, want %s", c.text, st, out, c.action)
			}
			if m := lastSMS(t, db, "+84903000111"); !strings.HasPrefix(m.Body, c.want) {
				t.Errorf("%q: reply %q, want prefix %q", c.text, m.Body, c.want)
			}
		}
		if st, out := ta.inbound(inboundToken, false, "0903000222", "DK "+e.Code+" <b>"); st != http.StatusOK || out["action"] != "bad_name" {
			t.Errorf("markup in the name: %d %v", st, out)
		}
		// Beyond five messages from the same number within 10 minutes: 429 in JSON.
		st, out = ta.inbound(inboundToken, false, "0903000111", "DK "+e.Code+" Mai")
		if st != http.StatusTooManyRequests || out["error"] == nil {
			t.Errorf("rate limit: %d %v", st, out)
		}
		// A sender number that cannot exist: 422.
		if st, _ := ta.inbound(inboundToken, false, "12", "DK X Y"); st != http.StatusUnprocessableEntity {
			t.Errorf("bad sender: %d", st)
		}
	})
}

func TestSMSWebhookDisabledWithoutToken(t *testing.T) {
	ta := newTestApp(t, testutil.New(t, "sqlite").DB)
	if st, _ := ta.inbound("", false, "0912345678", "DK X Y"); st != http.StatusForbidden {
		t.Errorf("no SMS_INBOUND_TOKEN configured: %d, want 403", st)
	}
}

func TestOutboxPage(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		e := testutil.Event(t, db, testutil.EventOpts{})
		other := testutil.Event(t, db, testutil.EventOpts{})
		// Three messages: 1 + 2 segments on e (one failed), 1 on the other event.
		long := strings.Repeat("Đ", 100) // UCS-2, 100 characters: 2 segments
		for _, m := range []*message.Message{
			{To: "+84912345678", Body: "Lantern: ma ABC", Lang: "vi", Kind: registration.SMSConfirmation, EventID: &e.ID},
			{To: "+84912345679", Body: long, Lang: "vi", Kind: registration.SMSReminder, EventID: &e.ID, Status: message.StatusFailed, LastError: "gateway answered 500"},
			{To: "+84912345670", Body: "Other", Lang: "en", Kind: registration.SMSConfirmation, EventID: &other.ID},
		} {
			if err := message.Enqueue(db, m); err != nil {
				t.Fatal(err)
			}
		}
		// Trainers may not read it.
		tr := ta.client()
		tr.login(testutil.Staff(t, db, user.RoleTrainer))
		tr.page("/en/staff/messages", http.StatusForbidden)
		if doc := tr.page("/en/staff/", http.StatusOK); doc.Find(`a[href="/en/staff/messages"]`).Length() != 0 {
			t.Error("a trainer sees the outbox link")
		}

		cl := ta.client()
		cl.login(testutil.Staff(t, db, user.RoleOrganiser))
		if doc := cl.page("/en/staff/", http.StatusOK); doc.Find(`a[href="/en/staff/messages"]`).Length() != 1 {
			t.Error("no outbox link on the staff home")
		}
		doc := cl.page("/en/staff/messages", http.StatusOK)
		if got := doc.Find("table.outbox tbody tr").Length(); got != 3 {
			t.Errorf("rows = %d, want 3", got)
		}
		// 4 segments at 850 VND.
		if got := text(doc, ".totals"); got != "Messages: 3 · SMS segments: 4 · cost about 3,400 VND." {
			t.Errorf("totals = %q", got)
		}
		if strings.Contains(doc.Text(), "+84912345678") {
			t.Error("full phone numbers on the outbox page")
		}
		doc = cl.page("/vi/staff/messages?event="+itoa(int(e.ID))+"&status=failed", http.StatusOK)
		if got := doc.Find("table.outbox tbody tr").Length(); got != 1 {
			t.Errorf("filtered rows = %d, want 1", got)
		}
		if got := text(doc, ".totals"); got != "Số tin nhắn: 1 · số tin SMS tính cước: 2 · chi phí khoảng 1.700 đồng." {
			t.Errorf("filtered totals = %q", got)
		}
		if got := text(doc, "td.segments"); got != "2 UCS-2" {
			t.Errorf("segments cell = %q", got)
		}
		if !strings.Contains(text(doc, "tbody tr"), "gateway answered 500") {
			t.Error("the error of a failed message is not shown")
		}
		_ = event.Event{}
	})
}
