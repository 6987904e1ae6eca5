package message

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Zalo Notification Service (ZNS): a template message sent to a phone
// number through the NGO's verified Official Account. Templates are
// approved by Zalo beforehand (links only in buttons); Lantern fills their
// parameters from Message.Params. The access token lasts about a day and is
// renewed with a refresh token that works once: the pair is kept in the
// database and renewed under a lock, so that several instances share it
// and never spend a refresh token twice. Nothing Zalo-specific leaves this
// file but the configuration.
type ZaloConfig struct {
	APIURL string // https://business.openapi.zalo.me
	// OAAPIURL is the Official Account API (chat messages):
	// https://openapi.zalo.me
	OAAPIURL string
	OAuthURL string // https://oauth.zaloapp.com
	AppID    string
	// AppSecret authenticates the token refresh (header secret_key).
	AppSecret string
	// OASecret signs the webhook's events (X-ZEvent-Signature).
	OASecret string
	// RefreshToken seeds the token store the first time.
	RefreshToken string
	// Templates maps "kind.lang" (or "kind") to an approved template id
	// (ZALO_TEMPLATES): the fallback of the zalo_templates table, whose
	// row wins for its kind and language.
	Templates map[string]string
}

// ZaloZNS is the Zalo template channel.
type ZaloZNS struct {
	Config ZaloConfig
	DB     *gorm.DB
	Client *http.Client
	Now    func() time.Time

	// templates is this instance's copy of the back office's mapping.
	templates templateCache
}

// NewZaloZNS returns the channel with a 10-second timeout.
func NewZaloZNS(cfg ZaloConfig, db *gorm.DB) *ZaloZNS {
	return &ZaloZNS{Config: cfg, DB: db, Client: &http.Client{Timeout: 10 * time.Second}, Now: time.Now}
}

// Name is the channel's name.
func (z *ZaloZNS) Name() string { return ChannelZalo }

// Zalo's answer codes (its published error table) and what they mean here.
var zaloFallback = map[int]string{
	-108: "phone number not valid for Zalo",
	-114: "the person cannot receive Zalo notifications",
	-118: "no Zalo account on this number",
	-119: "this account cannot receive Zalo notifications",
	-139: "the person refused this kind of notification",
	-109: "template id not valid",
	-112: "template data not valid",
	-117: "template not allowed for this Official Account",
	-131: "template not approved",
	-115: "Official Account out of credit",
	-135: "Official Account out of quota",
	-144: "Official Account over its daily quota",
}

const (
	zaloBadToken = -124 // access token not valid: renew it and try once more
	zaloNight    = -133 // not sent at night: try later
)

// Send sends m as the template mapped to its kind and language (the
// back office's mapping, else ZALO_TEMPLATES); a kind without one falls
// back to the next channel.
func (z *ZaloZNS) Send(ctx context.Context, m *Message) (string, error) {
	rows, err := z.templates.get(z.DB.WithContext(ctx))
	if err != nil {
		return "", err
	}
	route, ok := resolveZaloTemplate(rows, z.Config.Templates, m.Kind, m.Lang)
	if !ok {
		return "", Fallback("no approved Zalo template for " + m.Kind + " in " + m.Lang)
	}
	tpl := route.TemplateID
	var params map[string]any
	_ = json.Unmarshal([]byte(m.Params), &params)
	data := templateData(params, route.Mapping, route.Mapped)
	body, _ := json.Marshal(map[string]any{
		"phone": strings.TrimPrefix(m.To, "+"), "template_id": tpl, "template_data": data,
		"tracking_id": "lantern-" + strconv.FormatUint(uint64(m.ID), 10),
	})
	refused := ""
	for try := 0; ; try++ {
		token, err := z.accessToken(ctx, refused)
		if err != nil {
			return "", err
		}
		code, msgID, err := z.post(ctx, body, token)
		if err != nil {
			return "", err
		}
		switch {
		case code == 0:
			return msgID, nil
		case code == zaloBadToken && try == 0:
			refused = token
			continue
		case code == zaloBadToken || code == zaloNight:
			return "", fmt.Errorf("zalo answered %d", code)
		case zaloFallback[code] != "":
			return "", Fallback(fmt.Sprintf("%s (%d)", zaloFallback[code], code))
		default:
			return "", &PermanentError{fmt.Errorf("zalo refused the message: %d", code)}
		}
	}
}

func (z *ZaloZNS) post(ctx context.Context, body []byte, token string) (code int, msgID string, err error) {
	return zaloPost(ctx, z.Client, strings.TrimRight(z.Config.APIURL, "/")+"/message/template", body, token)
}

// zaloPost sends one call to a Zalo API with the OA's access token and
// reads Zalo's answer: its error code (0 is success) and the message's id
// (ZNS names it msg_id, the OA API message_id). Garbage is the provider's
// trouble, not the message's: it is an error to retry later, as are 5xx
// and 429.
func zaloPost(ctx context.Context, client *http.Client, url string, body []byte, token string) (code int, msgID string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", &PermanentError{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("access_token", token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		return 0, "", fmt.Errorf("zalo answered HTTP %d", resp.StatusCode)
	}
	var out struct {
		Error *int `json:"error"`
		Data  struct {
			MsgID     string `json:"msg_id"`
			MessageID string `json:"message_id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Error == nil {
		return 0, "", fmt.Errorf("zalo answered something unreadable (HTTP %d)", resp.StatusCode)
	}
	if out.Data.MsgID != "" {
		return *out.Error, out.Data.MsgID, nil
	}
	return *out.Error, out.Data.MessageID, nil
}

// zaloTokensKey is the settings row holding the token pair.
const zaloTokensKey = "zalo.tokens"

type zaloTokens struct {
	Access    string    `json:"access_token"`
	Refresh   string    `json:"refresh_token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// accessToken returns a valid access token. refused is a token Zalo just
// refused ("" when none): it is renewed unless another instance renewed it
// meanwhile. Renewal happens under the settings row's lock: one instance
// spends the refresh token, the others wait and read the new pair.
func (z *ZaloZNS) accessToken(ctx context.Context, refused string) (string, error) {
	now := z.Now().UTC()
	usable := func(t zaloTokens) bool {
		return t.Access != "" && t.Access != refused && t.ExpiresAt.After(now.Add(5*time.Minute))
	}
	if t, err := z.loadTokens(z.DB.WithContext(ctx)); err == nil && usable(t) {
		return t.Access, nil
	}
	var access string
	err := z.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		seed, _ := json.Marshal(zaloTokens{Refresh: z.Config.RefreshToken})
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Table("settings").
			Create(map[string]any{"key": zaloTokensKey, "value": string(seed), "updated_at": now}).Error; err != nil {
			return err
		}
		if err := tx.Exec(`UPDATE settings SET updated_at = updated_at WHERE "key" = ?`, zaloTokensKey).Error; err != nil {
			return err
		}
		t, err := z.loadTokens(tx)
		if err != nil {
			return err
		}
		if usable(t) {
			access = t.Access
			return nil
		}
		fresh, err := z.refresh(ctx, t.Refresh, now)
		if err != nil {
			return err
		}
		b, _ := json.Marshal(fresh)
		access = fresh.Access
		return tx.Exec(`UPDATE settings SET value = ?, updated_at = ? WHERE "key" = ?`, string(b), now, zaloTokensKey).Error
	})
	return access, err
}

func (z *ZaloZNS) loadTokens(db *gorm.DB) (zaloTokens, error) {
	var row struct{ Value string }
	var t zaloTokens
	if err := db.Table("settings").Select("value").Where(`"key" = ?`, zaloTokensKey).Take(&row).Error; err != nil {
		return t, err
	}
	err := json.Unmarshal([]byte(row.Value), &t)
	return t, err
}

// refresh spends the refresh token for a new pair.
func (z *ZaloZNS) refresh(ctx context.Context, refreshToken string, now time.Time) (zaloTokens, error) {
	if refreshToken == "" {
		return zaloTokens{}, &PermanentError{errors.New("no Zalo refresh token: set ZALO_REFRESH_TOKEN")}
	}
	form := url.Values{"refresh_token": {refreshToken}, "app_id": {z.Config.AppID}, "grant_type": {"refresh_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(z.Config.OAuthURL, "/")+"/v4/oa/access_token",
		strings.NewReader(form.Encode()))
	if err != nil {
		return zaloTokens{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("secret_key", z.Config.AppSecret)
	resp, err := z.Client.Do(req)
	if err != nil {
		return zaloTokens{}, err
	}
	defer resp.Body.Close()
	var out struct {
		Access    string          `json:"access_token"`
		Refresh   string          `json:"refresh_token"`
		ExpiresIn json.RawMessage `json:"expires_in"` // a string in Zalo's answers
		Error     int             `json:"error"`
		ErrorName string          `json:"error_name"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	if err := json.Unmarshal(raw, &out); err != nil || out.Access == "" || out.Refresh == "" {
		return zaloTokens{}, fmt.Errorf("zalo token renewal failed (HTTP %d, error %d %s)", resp.StatusCode, out.Error, out.ErrorName)
	}
	secs, _ := strconv.Atoi(strings.Trim(string(out.ExpiresIn), `"`))
	if secs <= 0 {
		secs = 3600
	}
	return zaloTokens{Access: out.Access, Refresh: out.Refresh, ExpiresAt: now.Add(time.Duration(secs) * time.Second)}, nil
}

// ZaloSignatureOK checks an OA webhook call: X-ZEvent-Signature is
// "mac=" + hex(sha256(app id + body + timestamp + OA secret)), timestamp
// being the event's own field.
func ZaloSignatureOK(cfg ZaloConfig, body []byte, header string) (timestamp string, ok bool) {
	var ev struct {
		Timestamp json.RawMessage `json:"timestamp"`
	}
	if cfg.OASecret == "" || json.Unmarshal(body, &ev) != nil {
		return "", false
	}
	timestamp = strings.Trim(string(ev.Timestamp), `"`)
	sum := sha256.Sum256([]byte(cfg.AppID + string(body) + timestamp + cfg.OASecret))
	want := "mac=" + hex.EncodeToString(sum[:])
	return timestamp, subtle.ConstantTimeCompare([]byte(want), []byte(strings.TrimSpace(header))) == 1
}

// ZaloEvent applies an authenticated webhook event: a delivery receipt
// marks its message delivered. It returns whether the event was known.
//
// A receipt for a message that fell back to SMS for want of it
// (Sender.ReceiptTimeout) never makes it Zalo's again once the SMS has
// gone: it is recorded on the Zalo attempt (late_receipt_at). When the
// SMS has not gone yet (held for the night, waiting for a retry), the
// receipt stops it, by the same conditional UPDATE on "queued" that the
// sender's claim uses, so that exactly one of the two wins.
func ZaloEvent(ctx context.Context, db *gorm.DB, body []byte, now time.Time) (bool, error) {
	var ev struct {
		EventName string `json:"event_name"`
		Message   struct {
			MsgID string `json:"msg_id"`
		} `json:"message"`
	}
	if err := json.Unmarshal(body, &ev); err != nil {
		return false, err
	}
	if ev.EventName != "user_received_message" || ev.Message.MsgID == "" {
		return false, nil
	}
	at := now.UTC()
	db = db.WithContext(ctx)
	res := db.Model(&Message{}).
		Where("provider_id = ? AND channel = ? AND delivered_at IS NULL AND fell_back_at IS NULL", ev.Message.MsgID, ChannelZalo).
		Updates(map[string]any{"delivered_at": at, "receipt_due_at": nil})
	if res.Error != nil || res.RowsAffected > 0 {
		return res.RowsAffected > 0, res.Error
	}
	// Fallen back, the SMS not gone yet: the receipt stops it.
	var m Message
	err := db.Where("fallback_provider_id = ? AND fell_back_at IS NOT NULL", ev.Message.MsgID).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if m.Status == StatusQueued {
		log := m.ChannelLog + "\n" + ChannelZalo + ": delivery receipt came before the next channel sent it; not sent again"
		res = db.Model(&Message{}).Where("id = ? AND status = ?", m.ID, StatusQueued).
			Updates(map[string]any{"status": StatusSent, "channel": ChannelZalo, "provider_id": m.FallbackProviderID,
				"delivered_at": at, "fell_back_at": nil, "fallback_provider_id": "", "held_reason": "", "last_error": "",
				"step": max(m.Step-1, 0), "channel_log": log})
		if res.Error != nil || res.RowsAffected > 0 {
			return res.RowsAffected > 0, res.Error
		}
	}
	// The next channel has it: the receipt is the Zalo attempt's, late.
	res = db.Model(&Message{}).Where("id = ? AND late_receipt_at IS NULL", m.ID).Update("late_receipt_at", at)
	return res.RowsAffected > 0, res.Error
}
