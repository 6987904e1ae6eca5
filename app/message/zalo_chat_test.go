package message_test

import (
	"testing"
	"time"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/message/zalofake"
)

// The chat events are read in Zalo's shapes; a chat event without the
// fields Zalo always sends is refused, other events are left to the
// delivery receipts.
func TestParseZaloChatEvent(t *testing.T) {
	text := zalofake.TextEvent("app-1", "u1", "m1", "DK FD10 Hoa", "1733540000000")
	ev, ok, err := message.ParseZaloChatEvent([]byte(text))
	if err != nil || !ok || ev.Name != message.ZaloUserSendText || ev.UserID != "u1" || ev.Text != "DK FD10 Hoa" || ev.Key != "text:m1" {
		t.Errorf("text: %+v %v %v", ev, ok, err)
	}
	info := zalofake.SubmitInfoEvent("app-1", "u1", "Hoa", "84912000001", "1733540000001")
	ev, ok, err = message.ParseZaloChatEvent([]byte(info))
	if err != nil || !ok || ev.Phone != "84912000001" || ev.Key != "info:u1:1733540000001" {
		t.Errorf("info: %+v %v %v", ev, ok, err)
	}
	if _, ok, err := message.ParseZaloChatEvent([]byte(`{"event_name":"user_received_message","message":{"msg_id":"z"}}`)); ok || err != nil {
		t.Errorf("a receipt read as chat: %v %v", ok, err)
	}
	for _, bad := range []string{
		`{"event_name":"user_send_text","message":{"msg_id":"m","text":"x"}}`,
		`{"event_name":"user_send_text","sender":{"id":"u"},"message":{"text":"x"}}`,
		`{"event_name":"user_submit_info","sender":{"id":"u"},"info":{"phone":"84912000001"}}`,
		`not json`,
	} {
		if _, ok, err := message.ParseZaloChatEvent([]byte(bad)); ok || err == nil {
			t.Errorf("%s: ok=%v err=%v, want an error", bad, ok, err)
		}
	}
}

// A rating given in a ZNS rating template: its stars as a number or a
// string, its reasons and note as one comment, its time from submit_time
// (else the event's timestamp); anything unreadable is malformed.
func TestParseZaloFeedbackEvent(t *testing.T) {
	fb, ok, err := message.ParseZaloFeedbackEvent([]byte(`{"event_name":"user_feedback","timestamp":"1733540000000",
		"message":{"msg_id":"zmsg-3","tracking_id":"lantern-42","rate":"5","note":" hay ","feedbacks":["a"," ",""],"submit_time":1733539990000}}`))
	if err != nil || !ok || fb.MsgID != "zmsg-3" || fb.MessageID != 42 || fb.Stars != 5 || fb.Comment != "a; hay" ||
		!fb.At.Equal(time.UnixMilli(1733539990000)) {
		t.Errorf("feedback: %+v %v %v", fb, ok, err)
	}
	fb, ok, err = message.ParseZaloFeedbackEvent([]byte(`{"event_name":"user_feedback","timestamp":"1733540000000","message":{"msg_id":"z","rate":1}}`))
	if err != nil || !ok || fb.MessageID != 0 || !fb.At.Equal(time.UnixMilli(1733540000000)) {
		t.Errorf("without tracking id and submit time: %+v %v %v", fb, ok, err)
	}
	if _, ok, err := message.ParseZaloFeedbackEvent([]byte(`{"event_name":"user_received_message","message":{"msg_id":"z"}}`)); ok || err != nil {
		t.Errorf("a receipt read as a feedback: %v %v", ok, err)
	}
	for _, bad := range []string{
		`{"event_name":"user_feedback","timestamp":"1","message":{"rate":3}}`,
		`{"event_name":"user_feedback","timestamp":"1","message":{"msg_id":"z","rate":3.5}}`,
		`{"event_name":"user_feedback","timestamp":"1","message":{"msg_id":"z"}}`,
		`{"event_name":"user_feedback","message":{"msg_id":"z","rate":3}}`,
		`{"event_name":"user_feedback","timestamp":"1","message":{"msg_id":"z","rate":3,"tracking_id":"lantern-"}}`,
	} {
		if _, _, err := message.ParseZaloFeedbackEvent([]byte(bad)); err != message.ErrZaloEventMalformed {
			t.Errorf("%s: %v, want malformed", bad, err)
		}
	}
}
