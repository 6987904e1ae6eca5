package message

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// ZaloOA is the Official Account's chat (OA API v3, "tin tư vấn"): a text
// message, or the request_user_info template that asks a follower to share
// their phone number, sent to a Zalo user id. It shares the ZNS access
// token (one token store, renewed under its lock) and speaks Zalo's
// shapes so that nothing Zalo-specific leaves this package.
type ZaloOA struct {
	zns *ZaloZNS
}

// NewZaloOA returns the OA chat client on the same token store as ZNS.
func NewZaloOA(cfg ZaloConfig, db *gorm.DB) *ZaloOA { return &ZaloOA{zns: NewZaloZNS(cfg, db)} }

// Configured tells whether the OA can chat (an app and its OA secret).
func (o *ZaloOA) Configured() bool { return o.zns.Config.AppID != "" && o.zns.Config.OASecret != "" }

// ZaloInfoRequest is the card of a request_user_info message: Zalo shows
// it with a button that opens the share-information form.
type ZaloInfoRequest struct {
	Title    string // at most 100 characters
	Subtitle string // at most 500 characters
	ImageURL string
}

// SendText sends a chat text (at most 2000 characters) to a Zalo user.
func (o *ZaloOA) SendText(ctx context.Context, userID, text string) (string, error) {
	return o.send(ctx, userID, map[string]any{"text": clipRunes(text, 2000)})
}

// RequestUserInfo asks a Zalo user to share their information (phone
// number among it); the answer comes back as a user_submit_info event.
func (o *ZaloOA) RequestUserInfo(ctx context.Context, userID string, card ZaloInfoRequest) (string, error) {
	element := map[string]any{"title": clipRunes(card.Title, 100), "subtitle": clipRunes(card.Subtitle, 500)}
	if card.ImageURL != "" {
		element["image_url"] = card.ImageURL
	}
	return o.send(ctx, userID, map[string]any{"attachment": map[string]any{
		"type": "template",
		"payload": map[string]any{
			"template_type": "request_user_info",
			"elements":      []any{element},
		},
	}})
}

// Zalo's answers to an OA message that mean the access token is not valid.
var zaloOABadToken = map[int]bool{-124: true, -216: true}

func (o *ZaloOA) send(ctx context.Context, userID string, msg map[string]any) (string, error) {
	body, _ := json.Marshal(map[string]any{"recipient": map[string]string{"user_id": userID}, "message": msg})
	refused := ""
	for try := 0; ; try++ {
		token, err := o.zns.accessToken(ctx, refused)
		if err != nil {
			return "", err
		}
		code, msgID, err := o.post(ctx, body, token)
		switch {
		case err != nil:
			return "", err
		case code == 0:
			return msgID, nil
		case zaloOABadToken[code] && try == 0:
			refused = token
		default:
			// Not a follower, outside the chat window, blocked: sending
			// again will not change it.
			return "", &PermanentError{fmt.Errorf("zalo refused the OA message: %d", code)}
		}
	}
}

func (o *ZaloOA) post(ctx context.Context, body []byte, token string) (code int, msgID string, err error) {
	return zaloPost(ctx, o.zns.Client, strings.TrimRight(o.zns.Config.OAAPIURL, "/")+"/v3.0/oa/message/cs", body, token)
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// Chat events of the OA's webhook that Lantern answers.
const (
	ZaloUserSendText   = "user_send_text"
	ZaloUserSubmitInfo = "user_submit_info"
)

// ZaloChatEvent is a follower's chat event read from the webhook: a text
// (Text) or the information they shared (Phone). Key names the delivery,
// the same on Zalo's retries.
type ZaloChatEvent struct {
	Name   string
	UserID string
	Text   string
	Phone  string
	Key    string
}

// ErrZaloEventMalformed is a chat event without the fields Zalo always sends.
var ErrZaloEventMalformed = errors.New("zalo chat event malformed")

// ParseZaloChatEvent reads a webhook body. ok is false for the events that
// are not a follower's chat (delivery receipts, follows…).
func ParseZaloChatEvent(body []byte) (ev ZaloChatEvent, ok bool, err error) {
	var raw struct {
		EventName string          `json:"event_name"`
		Timestamp json.RawMessage `json:"timestamp"`
		Sender    struct {
			ID string `json:"id"`
		} `json:"sender"`
		Message struct {
			MsgID string `json:"msg_id"`
			Text  string `json:"text"`
		} `json:"message"`
		Info struct {
			Phone string `json:"phone"`
		} `json:"info"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return ev, false, err
	}
	if raw.EventName != ZaloUserSendText && raw.EventName != ZaloUserSubmitInfo {
		return ev, false, nil
	}
	ev = ZaloChatEvent{Name: raw.EventName, UserID: raw.Sender.ID}
	if ev.UserID == "" || len(ev.UserID) > 64 {
		return ev, false, ErrZaloEventMalformed
	}
	if raw.EventName == ZaloUserSendText {
		if raw.Message.MsgID == "" || len(raw.Message.MsgID) > 100 {
			return ev, false, ErrZaloEventMalformed
		}
		ev.Text, ev.Key = clipRunes(raw.Message.Text, 500), "text:"+raw.Message.MsgID
		return ev, true, nil
	}
	// A submission carries no message id: the person and the moment name it.
	ts := strings.Trim(string(raw.Timestamp), `"`)
	if ts == "" || len(ts) > 20 {
		return ev, false, ErrZaloEventMalformed
	}
	ev.Phone, ev.Key = clipRunes(strings.TrimSpace(raw.Info.Phone), 40), "info:"+ev.UserID+":"+ts
	return ev, true, nil
}

// ZaloUserFeedback is the webhook event of a rating given inside a ZNS
// rating template ("đánh giá dịch vụ").
const ZaloUserFeedback = "user_feedback"

// ZaloFeedback is a rating given inside a ZNS rating template, read from
// the webhook.
type ZaloFeedback struct {
	// MsgID is Zalo's id of the template message rated (what its send
	// answered); MessageID Lantern's, from the tracking id "lantern-<id>"
	// (0 when Zalo left it out).
	MsgID     string
	MessageID uint
	Stars     int
	// Comment is the reasons the person ticked, then their note.
	Comment string
	// At is when the person submitted it (submit_time, else the event's
	// timestamp).
	At time.Time
}

// ParseZaloFeedbackEvent reads a user_feedback webhook body. ok is false
// for other events; a feedback without the message's id, with stars other
// than 1 to 5 or without a readable time is ErrZaloEventMalformed.
//
// The shape (docs/MESSAGING.md): Zalo's webhook envelope (app_id,
// event_name, timestamp, oa_id) with, under "message", the fields Zalo's
// ZNS rating API gives each rating — msg_id, tracking_id, rate, note,
// feedbacks (the reasons ticked) and submit_time (milliseconds).
func ParseZaloFeedbackEvent(body []byte) (fb ZaloFeedback, ok bool, err error) {
	var raw struct {
		EventName string          `json:"event_name"`
		Timestamp json.RawMessage `json:"timestamp"`
		Message   struct {
			MsgID      string          `json:"msg_id"`
			TrackingID string          `json:"tracking_id"`
			Rate       json.RawMessage `json:"rate"`
			Note       string          `json:"note"`
			Feedbacks  []string        `json:"feedbacks"`
			SubmitTime json.RawMessage `json:"submit_time"`
		} `json:"message"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return fb, false, err
	}
	if raw.EventName != ZaloUserFeedback {
		return fb, false, nil
	}
	m := raw.Message
	if m.MsgID == "" || len(m.MsgID) > 100 || len(m.Feedbacks) > 20 {
		return fb, false, ErrZaloEventMalformed
	}
	fb.MsgID = m.MsgID
	if id, found := strings.CutPrefix(m.TrackingID, "lantern-"); found {
		n, err := strconv.ParseUint(id, 10, 32)
		if err != nil {
			return fb, false, ErrZaloEventMalformed
		}
		fb.MessageID = uint(n)
	}
	fb.Stars, err = strconv.Atoi(strings.Trim(string(m.Rate), `"`))
	if err != nil || fb.Stars < 1 || fb.Stars > 5 {
		return fb, false, ErrZaloEventMalformed
	}
	ms := strings.Trim(string(m.SubmitTime), `"`)
	if ms == "" || ms == "null" {
		ms = strings.Trim(string(raw.Timestamp), `"`)
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil || n <= 0 {
		return fb, false, ErrZaloEventMalformed
	}
	fb.At = time.UnixMilli(n).UTC()
	var parts []string
	for _, f := range m.Feedbacks {
		if f = strings.TrimSpace(f); f != "" {
			parts = append(parts, f)
		}
	}
	if note := strings.TrimSpace(m.Note); note != "" {
		parts = append(parts, note)
	}
	fb.Comment = clipRunes(strings.Join(parts, "; "), 2000)
	return fb, true, nil
}
