// Package zalofake is a fake Zalo for tests, speaking Zalo's documented
// shapes: the OA token renewal (a refresh token works once and is
// replaced), the ZNS template endpoint, the OA API v3 chat endpoint
// (message/cs: a text or the request_user_info template) and the
// webhook's signed events. It lives outside the _test files so that the
// web tests drive the whole flow against it.
package zalofake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"unicode/utf8"
)

// Server is the fake Zalo; its fields are read by tests under Mu.
type Server struct {
	Mu        sync.Mutex
	AppID     string
	Secret    string
	Access    string
	Refresh   string
	Refreshes int
	Spent     int // refresh tokens presented twice
	NoZalo    map[string]bool
	Templates map[string]bool
	Sent      []map[string]any // ZNS template messages
	N         int
	// Chat is every OA chat message accepted (message/cs).
	Chat []ChatMessage
	// Unreachable user ids: not following the OA, or outside its window.
	Unreachable map[string]bool
	// Withhold: phone numbers (84…) whose delivery receipts Zalo does not
	// send (the handset is off, Zalo is late); DeliverReceipts skips them
	// until they are taken out.
	Withhold map[string]bool
	// receipted: the msg_ids whose receipt was sent.
	receipted map[string]bool
}

// ChatMessage is an OA chat message as Zalo received it.
type ChatMessage struct {
	UserID   string
	Text     string // a text message
	Template string // "request_user_info" for the share request
	Title    string
	Subtitle string
}

var phone84 = regexp.MustCompile(`^84[0-9]{9}$`)

// New returns a fake Zalo for app "app-1" with secret "app-secret", whose
// first refresh token is "ref-0".
func New() *Server {
	return &Server{AppID: "app-1", Secret: "app-secret", Refresh: "ref-0", NoZalo: map[string]bool{},
		Templates: map[string]bool{"tpl-confirm-vi": true, "tpl-code": true}, Unreachable: map[string]bool{},
		Withhold: map[string]bool{}, receipted: map[string]bool{}}
}

// ChatTo returns the chat messages sent to a user, in order.
func (f *Server) ChatTo(userID string) []ChatMessage {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	var out []ChatMessage
	for _, m := range f.Chat {
		if m.UserID == userID {
			out = append(out, m)
		}
	}
	return out
}

func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/v4/oa/access_token":
		f.token(w, r)
	case "/message/template":
		f.template(w, r)
	case "/v3.0/oa/message/cs":
		f.chat(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (f *Server) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if r.Method != http.MethodPost || r.Header.Get("secret_key") != f.Secret || r.PostForm.Get("app_id") != f.AppID ||
		r.PostForm.Get("grant_type") != "refresh_token" {
		w.Write([]byte(`{"error":-14002,"error_name":"Invalid app","error_description":"invalid app id or secret"}`))
		return
	}
	if r.PostForm.Get("refresh_token") != f.Refresh {
		f.Spent++
		w.Write([]byte(`{"error":-14014,"error_name":"Invalid refresh token"}`))
		return
	}
	f.Refreshes++
	f.Access, f.Refresh = fmt.Sprintf("acc-%d", f.Refreshes), fmt.Sprintf("ref-%d", f.Refreshes)
	fmt.Fprintf(w, `{"access_token":%q,"refresh_token":%q,"expires_in":"90000"}`, f.Access, f.Refresh)
}

func (f *Server) template(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("access_token") == "" || r.Header.Get("access_token") != f.Access {
		w.Write([]byte(`{"error":-124,"message":"Access token is invalid"}`))
		return
	}
	var body struct {
		Phone        string            `json:"phone"`
		TemplateID   string            `json:"template_id"`
		TemplateData map[string]string `json:"template_data"`
		TrackingID   string            `json:"tracking_id"`
	}
	if json.NewDecoder(r.Body).Decode(&body) != nil || !phone84.MatchString(body.Phone) {
		w.Write([]byte(`{"error":-108,"message":"Phone number is invalid"}`))
		return
	}
	if f.NoZalo[body.Phone] {
		w.Write([]byte(`{"error":-118,"message":"Zalo account is not existed"}`))
		return
	}
	if !f.Templates[body.TemplateID] {
		w.Write([]byte(`{"error":-109,"message":"Template ID is invalid"}`))
		return
	}
	f.N++
	f.Sent = append(f.Sent, map[string]any{"phone": body.Phone, "template": body.TemplateID, "data": body.TemplateData, "tracking": body.TrackingID,
		"msg_id": fmt.Sprintf("zmsg-%d", f.N)})
	fmt.Fprintf(w, `{"error":0,"message":"Success","data":{"msg_id":"zmsg-%d","sent_time":"1733540000000"}}`, f.N)
}

// chat is the OA API v3 "message/cs" endpoint: a recipient's user_id and a
// message that is a text or one template attachment.
func (f *Server) chat(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.Header.Get("access_token") == "" || r.Header.Get("access_token") != f.Access {
		w.Write([]byte(`{"error":-216,"message":"Access token is invalid"}`))
		return
	}
	var body struct {
		Recipient struct {
			UserID string `json:"user_id"`
		} `json:"recipient"`
		Message struct {
			Text       string `json:"text"`
			Attachment *struct {
				Type    string `json:"type"`
				Payload struct {
					TemplateType string `json:"template_type"`
					Elements     []struct {
						Title    string `json:"title"`
						Subtitle string `json:"subtitle"`
						ImageURL string `json:"image_url"`
					} `json:"elements"`
				} `json:"payload"`
			} `json:"attachment"`
		} `json:"message"`
	}
	if json.NewDecoder(r.Body).Decode(&body) != nil || body.Recipient.UserID == "" {
		w.Write([]byte(`{"error":-201,"message":"Parameters are invalid"}`))
		return
	}
	if f.Unreachable[body.Recipient.UserID] {
		w.Write([]byte(`{"error":-213,"message":"User has not followed OA"}`))
		return
	}
	m := ChatMessage{UserID: body.Recipient.UserID, Text: body.Message.Text}
	switch a := body.Message.Attachment; {
	case a == nil && m.Text != "" && utf8.RuneCountInString(m.Text) <= 2000:
	case a != nil && m.Text == "" && a.Type == "template" && a.Payload.TemplateType == "request_user_info" &&
		len(a.Payload.Elements) == 1 && a.Payload.Elements[0].Title != "" &&
		utf8.RuneCountInString(a.Payload.Elements[0].Title) <= 100 && utf8.RuneCountInString(a.Payload.Elements[0].Subtitle) <= 500:
		m.Template, m.Title, m.Subtitle = a.Payload.TemplateType, a.Payload.Elements[0].Title, a.Payload.Elements[0].Subtitle
	default:
		w.Write([]byte(`{"error":-201,"message":"Parameters are invalid"}`))
		return
	}
	f.Chat = append(f.Chat, m)
	fmt.Fprintf(w, `{"error":0,"message":"Success","data":{"message_id":"oamsg-%d","user_id":%q}}`, len(f.Chat), m.UserID)
}

// Sign is the X-ZEvent-Signature of a webhook body: "mac=" +
// hex(sha256(app id + body + timestamp + OA secret)).
func Sign(appID, body, timestamp, oaSecret string) string {
	sum := sha256.Sum256([]byte(appID + body + timestamp + oaSecret))
	return "mac=" + hex.EncodeToString(sum[:])
}

// TextEvent is the webhook body of a follower's text (user_send_text).
func TextEvent(appID, userID, msgID, text, timestamp string) string {
	b, _ := json.Marshal(map[string]any{
		"app_id": appID, "user_id_by_app": "app-" + userID, "event_name": "user_send_text", "timestamp": timestamp,
		"sender": map[string]string{"id": userID}, "recipient": map[string]string{"id": "oa-1"},
		"message": map[string]string{"msg_id": msgID, "text": text},
	})
	return string(b)
}

// SubmitInfoEvent is the webhook body of a follower sharing their
// information (user_submit_info) after a request_user_info message.
func SubmitInfoEvent(appID, userID, name, phone, timestamp string) string {
	b, _ := json.Marshal(map[string]any{
		"app_id": appID, "user_id_by_app": "app-" + userID, "event_name": "user_submit_info", "timestamp": timestamp,
		"sender": map[string]string{"id": userID}, "recipient": map[string]string{"id": "oa-1"},
		"info": map[string]string{"name": name, "phone": phone, "address": "", "city": "", "district": "", "ward": ""},
	})
	return string(b)
}

// DeliverReceipts sends, through post (the OA's webhook), the signed
// delivery receipt (user_received_message) of every template message
// accepted and not yet receipted, except those to a Withhold number. It
// returns how many it sent.
func (f *Server) DeliverReceipts(oaSecret, timestamp string, post func(body, signature string) error) (int, error) {
	f.Mu.Lock()
	var bodies []string
	for _, m := range f.Sent {
		id, _ := m["msg_id"].(string)
		if f.receipted[id] || f.Withhold[m["phone"].(string)] {
			continue
		}
		f.receipted[id] = true
		bodies = append(bodies, ReceiptEvent(f.AppID, id, m["tracking"].(string), timestamp))
	}
	f.Mu.Unlock()
	for i, b := range bodies {
		if err := post(b, Sign(f.AppID, b, timestamp, oaSecret)); err != nil {
			return i, err
		}
	}
	return len(bodies), nil
}

// MsgID is the msg_id Zalo gave the n-th template message to a phone (84…),
// from 0; "" when there is none.
func (f *Server) MsgID(phone string, n int) string {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	for _, m := range f.Sent {
		if m["phone"] == phone {
			if n == 0 {
				return m["msg_id"].(string)
			}
			n--
		}
	}
	return ""
}

// ReceiptEvent is the webhook body of a ZNS delivery receipt
// (user_received_message): the message reached the person's Zalo.
func ReceiptEvent(appID, msgID, trackingID, timestamp string) string {
	b, _ := json.Marshal(map[string]any{
		"app_id": appID, "event_name": "user_received_message", "timestamp": timestamp,
		"sender": map[string]string{"id": "oa-1"}, "recipient": map[string]string{"id": "user-of-" + msgID},
		"message": map[string]string{"msg_id": msgID, "tracking_id": trackingID, "delivery_time": timestamp},
	})
	return string(b)
}

// FeedbackEvent is the webhook body of a rating given inside a ZNS rating
// template (user_feedback): the stars (rate, 1–5), the reasons the person
// ticked (feedbacks) and their note, for the template message msgID sent
// with trackingID.
func FeedbackEvent(appID, msgID, trackingID string, rate int, note string, feedbacks []string, timestamp string) string {
	if feedbacks == nil {
		feedbacks = []string{}
	}
	b, _ := json.Marshal(map[string]any{
		"app_id": appID, "oa_id": "oa-1", "event_name": "user_feedback", "timestamp": timestamp,
		"message": map[string]any{"msg_id": msgID, "tracking_id": trackingID, "rate": rate, "note": note,
			"feedbacks": feedbacks, "submit_time": timestamp},
	})
	return string(b)
}
