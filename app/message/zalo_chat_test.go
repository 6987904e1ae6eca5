package message_test

import (
	"testing"

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
