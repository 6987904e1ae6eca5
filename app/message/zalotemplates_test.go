package message_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/privacy"
	"github.com/lantern-ngo/lantern/app/rating"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

func saveTemplate(t *testing.T, db *gorm.DB, in message.ZaloTemplateInput) {
	t.Helper()
	if err := message.SaveZaloTemplate(t.Context(), db, 0, in, t0); err != nil {
		t.Fatal(err)
	}
}

// The mapping's rules: every problem at once, each beside its field.
func TestZaloTemplateInputCheck(t *testing.T) {
	in := message.ZaloTemplateInput{Kind: "confirmation", Lang: "vi", TemplateID: "12a", Params: []message.ZaloParam{
		{Zalo: "customer_name", Lantern: "Event"},
		{Zalo: "bad-name", Lantern: "Nope"},
		{Zalo: "", Lantern: ""}, // a spare row
		{Zalo: "customer_name", Lantern: "Code"},
		{Zalo: strings.Repeat("a", 31), Lantern: "Code"},
	}}
	err := in.Check()
	got := map[string]string{}
	for _, f := range apperr.FieldsOf(err) {
		got[f.Field] = f.Key
	}
	want := map[string]string{"template_id": "error.zalotpl.template_id", "zalo_1": "error.zalotpl.param_name",
		"lantern_1": "error.zalotpl.param_unknown", "zalo_3": "error.zalotpl.param_twice", "zalo_4": "error.zalotpl.param_name"}
	for f, k := range want {
		if got[f] != k {
			t.Errorf("%s: got %q, want %q", f, got[f], k)
		}
	}
	if len(got) != len(want) {
		t.Errorf("errors %v, want %v", got, want)
	}
	for _, bad := range []message.ZaloTemplateInput{{Kind: "reply", TemplateID: "1"}, {Kind: "nope", TemplateID: "1"}, {Kind: "reminder", Lang: "de", TemplateID: "1"}} {
		if bad.Check() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	ok := message.ZaloTemplateInput{Kind: "waitlisted", TemplateID: " 123456 ", Params: []message.ZaloParam{{Zalo: "so_thu_tu", Lantern: "Position"}}}
	if err := ok.Check(); err != nil || ok.TemplateID != "123456" {
		t.Errorf("a good mapping: %v (%q)", err, ok.TemplateID)
	}
	if p := ok.Preview(); !strings.Contains(p, `"so_thu_tu": "3"`) {
		t.Errorf("preview %s", p)
	}
}

// The driver sends a mapped template with the template's own parameter
// names; a row switched off sends the kind by SMS, even where
// ZALO_TEMPLATES maps it; a kind without any mapping goes by SMS. Saved
// audited.
func TestZaloTemplateMappedFromTheDatabase(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		zalo := newFakeZalo()
		zalo.Templates["777001"] = true
		zs := httptest.NewServer(zalo)
		defer zs.Close()
		gw := &gateway{accepted: map[string]int{}}
		gs := httptest.NewServer(gw)
		defer gs.Close()
		saveTemplate(t, db, message.ZaloTemplateInput{Kind: "reminder", TemplateID: "777001", Active: true, Params: []message.ZaloParam{
			{Zalo: "ten_buoi", Lantern: "Event"}, {Zalo: "ma_ve", Lantern: "Code"}, {Zalo: "thoi_gian", Lantern: "When"}}})
		// ZALO_TEMPLATES maps confirmation.vi; the table switches it off.
		saveTemplate(t, db, message.ZaloTemplateInput{Kind: "confirmation", Lang: "vi", TemplateID: "777002", Active: false})
		s := &message.Sender{DB: db, Channels: []message.Channel{zaloChannel(db, zs, t0),
			message.DriverChannel{ChannelName: message.ChannelSMS, Driver: message.NewHTTPDriver(gs.URL, "tok")}}}
		a := enqueueKind(t, db, "+84912000101", "reminder", "en", map[string]any{"Event": "Screening", "Code": "ABC2345", "When": "12/12 18:30", "Venue": "Hall"}, t0)
		b := enqueueKind(t, db, "+84912000102", "confirmation", "vi", map[string]any{"Event": "Chiếu phim"}, t0)
		c := enqueueKind(t, db, "+84912000103", "promotion", "vi", map[string]any{"Event": "Chiếu phim"}, t0)
		if _, err := s.RunOnce(t.Context(), t0); err != nil {
			t.Fatal(err)
		}
		if m := reload(t, db, a.ID); m.Channel != message.ChannelZalo || m.Status != message.StatusSent {
			t.Errorf("reminder: %s via %s (%s)", m.Status, m.Channel, m.ChannelLog)
		}
		for _, id := range []uint{b.ID, c.ID} {
			if m := reload(t, db, id); m.Channel != message.ChannelSMS || !strings.Contains(m.ChannelLog, "no approved Zalo template") {
				t.Errorf("message %d: %s via %s (%s)", id, m.Status, m.Channel, m.ChannelLog)
			}
		}
		if len(zalo.Sent) != 1 {
			t.Fatalf("zalo got %+v", zalo.Sent)
		}
		data := zalo.Sent[0]["data"].(map[string]string)
		want := map[string]string{"ten_buoi": "Screening", "ma_ve": "ABC2345", "thoi_gian": "12/12 18:30"}
		if len(data) != len(want) || data["ten_buoi"] != want["ten_buoi"] || data["ma_ve"] != want["ma_ve"] || data["thoi_gian"] != want["thoi_gian"] {
			t.Errorf("template_data %v, want %v", data, want)
		}
		if zalo.Sent[0]["template"] != "777001" {
			t.Errorf("template %v", zalo.Sent[0]["template"])
		}
		var audits int64
		db.Table("audit_logs").Where("action = ?", "zalo_template.save").Count(&audits)
		if audits != 2 {
			t.Errorf("%d audit entries, want 2", audits)
		}
	})
}

// Two instances, each with its own copy of the mapping: a change saved
// (from a third, the back office) reaches both at their next message.
func TestZaloTemplateChangeSeenByEveryInstance(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		zalo := newFakeZalo()
		zalo.Templates["777001"], zalo.Templates["777003"] = true, true
		zs := httptest.NewServer(zalo)
		defer zs.Close()
		gw := &gateway{accepted: map[string]int{}}
		gs := httptest.NewServer(gw)
		defer gs.Close()
		sms := message.DriverChannel{ChannelName: message.ChannelSMS, Driver: message.NewHTTPDriver(gs.URL, "tok")}
		one := &message.Sender{DB: db, Channels: []message.Channel{zaloChannel(db, zs, t0), sms}}
		two := &message.Sender{DB: db, Channels: []message.Channel{zaloChannel(db, zs, t0), sms}}
		mapping := message.ZaloTemplateInput{Kind: "promotion", Lang: "vi", TemplateID: "777001", Active: true,
			Params: []message.ZaloParam{{Zalo: "ma_ve", Lantern: "Code"}}}
		saveTemplate(t, db, mapping)
		send := func(s *message.Sender, to string) message.Message {
			t.Helper()
			m := enqueueKind(t, db, to, "promotion", "vi", map[string]any{"Code": "XYZ7890"}, t0)
			if _, err := s.RunOnce(t.Context(), t0); err != nil {
				t.Fatal(err)
			}
			return reload(t, db, m.ID)
		}
		for i, s := range []*message.Sender{one, two} { // both read and keep the mapping
			if m := send(s, "+8491200020"+string(rune('1'+i))); m.Channel != message.ChannelZalo {
				t.Fatalf("before the change: %s", m.Channel)
			}
		}
		mapping.TemplateID, mapping.Params = "777003", []message.ZaloParam{{Zalo: "booking_code", Lantern: "Code"}}
		saveTemplate(t, db, mapping)
		for i, s := range []*message.Sender{one, two} {
			if m := send(s, "+8491200021"+string(rune('1'+i))); m.Channel != message.ChannelZalo {
				t.Fatalf("after the change: %s", m.Channel)
			}
		}
		for i, want := range []string{"777001", "777001", "777003", "777003"} {
			if zalo.Sent[i]["template"] != want {
				t.Errorf("message %d went as %v, want %s", i, zalo.Sent[i]["template"], want)
			}
		}
		if d := zalo.Sent[3]["data"].(map[string]string); d["booking_code"] != "XYZ7890" {
			t.Errorf("second instance sent %v", d)
		}
		mapping.Active = false
		saveTemplate(t, db, mapping)
		for i, s := range []*message.Sender{one, two} {
			if m := send(s, "+8491200022"+string(rune('1'+i))); m.Channel != message.ChannelSMS {
				t.Errorf("switched off, instance %d sent by %s", i+1, m.Channel)
			}
		}
	})
}

// Every kind of message queued anywhere is in message.Kinds (the back
// office lists them), with the params its messages carry.
func TestEveryKindListed(t *testing.T) {
	queued := []string{registration.SMSConfirmation, registration.SMSWaitlisted, registration.SMSPromotion, registration.SMSReminder,
		registration.SMSEventCancelled, registration.SMSEventChanged, registration.SMSReply, registration.SMSTicketResent,
		registration.SMSCancelledByTicket, registration.SMSGuardianConfirm, registration.SMSGuardianExpired,
		registration.SMSAnnouncement, registration.SMSAnnounceConfirm, registration.SMSOrganiser, rating.KindRequest, privacy.SMSDataCode, "staff_password_link"}
	for _, k := range queued {
		if _, ok := message.KindParamsOf(k); !ok {
			t.Errorf("%s is queued but not in message.Kinds", k)
		}
	}
	if len(message.Kinds) != len(queued) {
		t.Errorf("message.Kinds has %d kinds, %d are queued", len(message.Kinds), len(queued))
	}
}
