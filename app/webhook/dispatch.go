package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
)

// Sign is the signature header of body sent at t with secret:
// "t=<unix>,v1=<hex HMAC-SHA256 of "<unix>.<body>">".
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a Lantern-Signature header against body, refusing a
// timestamp further than tolerance from now (what a receiver does).
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) bool {
	var ts int64
	var sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts, _ = strconv.ParseInt(v, 10, 64)
		case "v1":
			sig = v
		}
	}
	if ts == 0 || sig == "" {
		return false
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return false
	}
	want := Sign(secret, time.Unix(ts, 0), body)
	return hmac.Equal([]byte(want), []byte("t="+strconv.FormatInt(ts, 10)+",v1="+sig))
}

// MaxAge is how long a delivery is retried after its event.
const MaxAge = 24 * time.Hour

// Backoff is the wait after attempt n: 1 min, 2 min, 4 min, … at most 2 h.
func Backoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < 2*time.Hour; i++ {
		d *= 2
	}
	return min(d, 2*time.Hour)
}

// Dispatcher delivers the due deliveries. Several dispatchers (on several
// instances) may run at once: each delivery is claimed by one atomic
// conditional UPDATE (queued → sending, with a lease) before it is sent, as
// the SMS outbox does, so only the instance whose update changed the row
// sends it; and a delivery left "sending" past its lease is failed, never
// sent again (the receiver may have it), until an admin replays it.
type Dispatcher struct {
	DB     *gorm.DB
	Client *http.Client
	// Lease is how long a claimed delivery stays locked (default 1 minute;
	// twice the client's timeout at least).
	Lease time.Duration
	// Batch is how many deliveries one run claims at most (default 50).
	Batch int
}

func (d *Dispatcher) defaults() {
	if d.Lease <= 0 {
		d.Lease = time.Minute
	}
	if d.Batch <= 0 {
		d.Batch = 50
	}
}

// RunOnce delivers what is due at now and tells how many it handled.
func (d *Dispatcher) RunOnce(ctx context.Context, now time.Time) (int, error) {
	d.defaults()
	now = now.UTC()
	db := d.DB.WithContext(ctx)
	if err := db.Model(&Delivery{}).Where("status = ? AND locked_until < ?", StatusSending, now).
		Updates(map[string]any{"status": StatusFailed, "locked_until": nil, "updated_at": now,
			"last_error": "interrupted while sending; not retried so that it is never delivered twice"}).Error; err != nil {
		return 0, err
	}
	var ids []uint
	if err := db.Model(&Delivery{}).Where("status = ? AND next_attempt_at <= ?", StatusQueued, now).
		Order("next_attempt_at, id").Limit(d.Batch).Pluck("id", &ids).Error; err != nil {
		return 0, err
	}
	handled := 0
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		res := db.Model(&Delivery{}).Where("id = ? AND status = ? AND next_attempt_at <= ?", id, StatusQueued, now).
			Updates(map[string]any{"status": StatusSending, "locked_until": now.Add(d.Lease), "attempts": gorm.Expr("attempts + 1"), "updated_at": now})
		if res.Error != nil {
			return handled, res.Error
		}
		if res.RowsAffected != 1 {
			continue // another dispatcher has it
		}
		if err := d.deliver(ctx, id, now); err != nil {
			return handled, err
		}
		handled++
	}
	return handled, nil
}

// deliver sends the claimed delivery id and records the outcome.
func (d *Dispatcher) deliver(ctx context.Context, id uint, now time.Time) error {
	db := d.DB.WithContext(ctx)
	var dl Delivery
	if err := db.Take(&dl, "id = ?", id).Error; err != nil {
		return err
	}
	finish := func(fields map[string]any) error {
		fields["locked_until"], fields["updated_at"], fields["last_attempt_at"] = nil, now, now
		return d.DB.WithContext(context.WithoutCancel(ctx)).Model(&Delivery{}).
			Where("id = ? AND status = ?", id, StatusSending).Updates(fields).Error
	}
	var ep Endpoint
	err := db.Take(&ep, "id = ?", dl.EndpointID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && !ep.Enabled) {
		return finish(map[string]any{"status": StatusFailed, "last_error": "endpoint disabled"})
	}
	if err != nil {
		return err
	}
	ev, err := d.event(ctx, dl.WebhookEventID)
	if err != nil {
		return err
	}
	body, err := Body(ev, ep.Personal)
	if err != nil {
		return finish(map[string]any{"status": StatusFailed, "last_error": clip(err.Error(), 300)})
	}
	code, answer, sendErr := d.post(ctx, &ep, &dl, ev, body, now)
	switch {
	case sendErr == nil && code >= 200 && code < 300:
		return finish(map[string]any{"status": StatusDelivered, "delivered_at": now, "last_status": code, "last_body": answer, "last_error": ""})
	case errors.Is(sendErr, ErrForbiddenAddress):
		return finish(map[string]any{"status": StatusFailed, "last_status": 0, "last_body": "", "last_error": clip(sendErr.Error(), 300)})
	}
	msg := ""
	if sendErr != nil {
		msg = clip(sendErr.Error(), 300)
	} else {
		msg = "HTTP " + strconv.Itoa(code)
	}
	next := now.Add(Backoff(dl.Attempts))
	if next.Sub(dl.CreatedAt) > MaxAge {
		return finish(map[string]any{"status": StatusFailed, "last_status": code, "last_body": answer, "last_error": msg})
	}
	return finish(map[string]any{"status": StatusQueued, "next_attempt_at": next, "last_status": code, "last_body": answer, "last_error": msg})
}

// event loads a delivery's event, completing its payload first when the
// one-statement registration raised it (pending). Several dispatchers
// may fill it at once: the first write wins, the others read it.
func (d *Dispatcher) event(ctx context.Context, id uint) (*Event, error) {
	db := d.DB.WithContext(ctx)
	var ev Event
	if err := db.Take(&ev, "id = ?", id).Error; err != nil {
		return nil, err
	}
	if !ev.Pending {
		return &ev, nil
	}
	var personal int64
	if err := db.Table("webhook_deliveries d").Joins("JOIN webhook_endpoints ep ON ep.id = d.endpoint_id").
		Where("d.webhook_event_id = ? AND ep.personal = ?", id, true).Count(&personal).Error; err != nil {
		return nil, err
	}
	s := Subject{}
	if ev.EventID != nil {
		s.EventID = *ev.EventID
	}
	if ev.RegistrationID != nil {
		s.RegistrationID = *ev.RegistrationID
	}
	data, pers, err := build(db, ev.Type, s, personal > 0)
	if err != nil {
		return nil, err
	}
	if data, err = complete(data, ev.Payload); err != nil {
		return nil, err
	}
	if err := db.Model(&Event{}).Where("id = ? AND pending = ?", id, true).
		Updates(map[string]any{"payload": data, "personal": pers, "pending": false}).Error; err != nil {
		return nil, err
	}
	if err := db.Take(&ev, "id = ?", id).Error; err != nil {
		return nil, err
	}
	return &ev, nil
}

// post sends body and returns the answer's status and its first bytes.
func (d *Dispatcher) post(ctx context.Context, ep *Endpoint, dl *Delivery, ev *Event, body []byte, now time.Time) (int, string, error) {
	sctx, cancel := context.WithTimeout(ctx, d.Lease/2)
	defer cancel()
	req, err := http.NewRequestWithContext(sctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Lantern-Webhooks/1")
	req.Header.Set("Lantern-Event", ev.Type)
	req.Header.Set("Lantern-Delivery", strconv.FormatUint(uint64(dl.ID), 10))
	req.Header.Set("Lantern-Signature", Sign(ep.Secret, now, body))
	resp, err := d.Client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
	return resp.StatusCode, clip(string(b), 500), nil
}

// clip cuts s to n bytes at most, on a character boundary, as valid UTF-8
// without NUL (PostgreSQL refuses both).
func clip(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "�"), "\x00", "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// Replay queues a finished delivery (delivered or failed) again, at once,
// by an admin's hand: one more attempt, with the same delivery id so that
// a receiver that did process it can tell. Audited.
func Replay(ctx context.Context, db *gorm.DB, actorID, endpointID, id uint, now time.Time) error {
	now = now.UTC()
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var dl Delivery
		if err := tx.Take(&dl, "id = ? AND endpoint_id = ?", id, endpointID).Error; err != nil {
			return notFound(err)
		}
		res := tx.Model(&Delivery{}).Where("id = ? AND status IN ?", id, []string{StatusDelivered, StatusFailed}).
			Updates(map[string]any{"status": StatusQueued, "next_attempt_at": now, "created_at": now, "updated_at": now, "locked_until": nil})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "error.webhook.replay_pending")
		}
		return audit.Record(tx, actorID, "webhook.replay", "webhook_delivery", idStr(id),
			map[string]any{"status": dl.Status, "attempts": dl.Attempts, "endpoint_id": endpointID},
			map[string]any{"status": StatusQueued, "endpoint_id": endpointID})
	})
}

// Logged is a delivery as the log shows it.
type Logged struct {
	Delivery
	Type string
}

// Deliveries returns an endpoint's latest deliveries (at most limit),
// newest first.
func Deliveries(ctx context.Context, db *gorm.DB, endpointID uint, limit int) ([]Logged, error) {
	var out []Logged
	err := db.WithContext(ctx).Table("webhook_deliveries d").Select("d.*, e.type").
		Joins("JOIN webhook_events e ON e.id = d.webhook_event_id").
		Where("d.endpoint_id = ?", endpointID).Order("d.id DESC").Limit(limit).Scan(&out).Error
	return out, err
}

// String is for logs.
func (d *Delivery) String() string { return fmt.Sprintf("delivery %d (%s)", d.ID, d.Status) }
