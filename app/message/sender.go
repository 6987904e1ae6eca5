package message

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/nyaruka/phonenumbers"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Driver delivers one message. A nil error means the gateway accepted it.
type Driver interface {
	Send(ctx context.Context, m *Message) (providerID string, err error)
}

// ErrKept is what the outbox driver answers: the message stays in the
// database for organisers to read and is not sent anywhere.
var ErrKept = errors.New("kept in the outbox")

// PermanentError is a refusal that retrying cannot fix (a 4xx answer).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// OutboxDriver keeps every message (SMS_DRIVER=outbox, the default).
type OutboxDriver struct{}

// Send keeps m.
func (OutboxDriver) Send(context.Context, *Message) (string, error) { return "", ErrKept }

// HTTPDriver posts each message as JSON to a gateway:
//
//	POST SMS_GATEWAY_URL
//	Authorization: Bearer SMS_GATEWAY_TOKEN
//	Idempotency-Key: lantern-sms-<id>
//	{"id":"lantern-sms-<id>","to":"+84912345678","text":"…","encoding":"GSM7","segments":1}
//
// A 2xx answer is success (an optional JSON {"id": "…"} is kept as the
// provider's id); 429 and 5xx answers and network errors are retried with
// backoff; other 4xx answers fail the message at once. The idempotency key
// lets a gateway drop a retry of a message it already accepted.
type HTTPDriver struct {
	URL    string
	Token  string
	Client *http.Client
}

// NewHTTPDriver returns a driver with a 10-second timeout.
func NewHTTPDriver(url, token string) *HTTPDriver {
	return &HTTPDriver{URL: url, Token: token, Client: &http.Client{Timeout: 10 * time.Second}}
}

// Send posts m to the gateway.
func (d *HTTPDriver) Send(ctx context.Context, m *Message) (string, error) {
	key := "lantern-sms-" + strconv.FormatUint(uint64(m.ID), 10)
	msg := map[string]any{"id": key, "to": m.To, "text": m.Body, "encoding": m.Encoding, "segments": m.Segments}
	if m.Sender != "" {
		msg["sender"] = m.Sender // the brandname (Branding)
	}
	body, _ := json.Marshal(msg)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		return "", &PermanentError{err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	if d.Token != "" {
		req.Header.Set("Authorization", "Bearer "+d.Token)
	}
	resp, err := d.Client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		var out struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(data, &out)
		return out.ID, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return "", fmt.Errorf("gateway answered %d", resp.StatusCode)
	default:
		return "", &PermanentError{fmt.Errorf("gateway refused the message: %d", resp.StatusCode)}
	}
}

// Sender sends the due messages of the outbox through a driver. Several
// senders (on several instances) may run at once: each message is claimed
// by one atomic conditional UPDATE before it is sent, so no message is ever
// sent twice.
type Sender struct {
	DB *gorm.DB
	// Channels are tried in order (a Zalo template, then SMS); without
	// them, Driver is the one channel (SMS).
	Channels []Channel
	Driver   Driver
	// MaxAttempts before a message is marked failed (default 6).
	MaxAttempts int
	// Lease is how long a claimed message stays locked (default 2 minutes).
	Lease time.Duration
	// Batch is how many messages one run claims at most (default 50).
	Batch int
	// AnnouncementCap is how many announcements a number receives in its
	// local day (ANNOUNCEMENT_DAILY_CAP, default 1).
	AnnouncementCap int
	// ReceiptTimeout is how long an urgent message (Urgent) accepted by
	// Zalo waits for Zalo's delivery receipt before it goes by the next
	// channel (ZALO_RECEIPT_TIMEOUT, default 10 minutes); zero: never.
	ReceiptTimeout time.Duration
}

// Backoff is the wait before attempt n+1: 30 s, 1 min, 2 min, … up to an hour.
func Backoff(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	if d > time.Hour {
		d = time.Hour
	}
	return d
}

func (s *Sender) defaults() {
	if s.MaxAttempts <= 0 {
		s.MaxAttempts = 6
	}
	if s.Lease <= 0 {
		s.Lease = 2 * time.Minute
	}
	if s.Batch <= 0 {
		s.Batch = 50
	}
}

// RunOnce sends the messages due at now and tells how many it handled.
func (s *Sender) RunOnce(ctx context.Context, now time.Time) (int, error) {
	s.defaults()
	now = now.UTC()
	db := s.DB.WithContext(ctx)
	// A message left "sending" past its lease was claimed by a sender that
	// stopped mid-way: the gateway may or may not have it. It is not sent
	// again (never twice); organisers see it failed.
	if err := db.Model(&Message{}).Where("status = ? AND locked_until < ?", StatusSending, now).
		Updates(map[string]any{"status": StatusFailed, "locked_until": nil, "last_error": "interrupted while sending; not retried so that it is never sent twice"}).Error; err != nil {
		return 0, err
	}
	var routes countryRoutes // read once a run, when a message needs it
	if s.ReceiptTimeout > 0 && s.hasChannel(ChannelZalo) {
		if err := s.fallBack(db, &routes, now); err != nil {
			return 0, err
		}
	}
	claimed, err := s.claim(db, now)
	if err != nil {
		return 0, err
	}
	handled := 0
	// Decree 91/2020: nothing but codes at night where the person is. The
	// night's messages are held first, together (one statement for each
	// morning they wait for), not an attempt.
	held, rest := map[time.Time][]uint{}, make([]Message, 0, len(claimed))
	for _, m := range claimed {
		if wake := QuietUntil(m.Kind, m.To, now); !wake.IsZero() {
			held[wake] = append(held[wake], m.ID)
			continue
		}
		rest = append(rest, m)
	}
	for wake, ids := range held {
		if err := db.Model(&Message{}).Where("id IN ? AND status = ?", ids, StatusSending).
			Updates(map[string]any{"status": StatusQueued, "locked_until": nil, "next_attempt_at": wake,
				"held_reason": HeldQuietHours, "attempts": gorm.Expr("attempts - 1")}).Error; err != nil {
			s.release(ctx, claimed) // those held already are queued: untouched
			return handled, err
		}
		handled += len(ids)
	}
	out := &outcomes{db: s.DB.WithContext(context.WithoutCancel(ctx)), groups: map[string]*outcomeGroup{}}
	sent, err := s.sendEach(ctx, db, rest, &routes, now, out)
	if ferr := out.flush(); err == nil {
		err = ferr
	}
	return handled + sent, err
}

// sendEach sends the claimed messages in turn; their outcomes go to out.
func (s *Sender) sendEach(ctx context.Context, db *gorm.DB, rest []Message, routes *countryRoutes, now time.Time, out *outcomes) (int, error) {
	handled := 0
	var branding *Branding // read once a run, when a message needs it
	started := time.Now()
	for k := range rest {
		m := rest[k]
		// The batch shares one lease: a message whose turn comes after half
		// of it goes back to the queue, so that a send (bounded by the other
		// half) always ends before its lease does and no other sender takes
		// it for interrupted.
		if ctx.Err() != nil || time.Since(started) > s.Lease/2 {
			s.release(ctx, rest[k:])
			break
		}
		if err := out.flushIfWaiting(); err != nil {
			s.release(ctx, rest[k:])
			return handled, err
		}
		if held, err := s.holdOrDropAnnouncement(db, &m, now); err != nil || held {
			if err != nil {
				s.release(ctx, rest[k:])
				return handled, err
			}
			handled++
			continue
		}
		if branding == nil {
			b, err := LoadBranding(ctx, s.DB)
			if err != nil {
				s.release(ctx, rest[k:])
				return handled, err
			}
			branding = &b
		}
		queued := m
		branding.Apply(&m)
		chans, err := s.channelsFor(db, routes, m.To)
		if err != nil {
			s.release(ctx, rest[k:])
			return handled, err
		}
		began := time.Now()
		fields := s.deliver(ctx, &m, chans, now)
		slow := time.Since(began) >= outcomeWait
		if m.Body != queued.Body || m.Encoding != queued.Encoding || m.Segments != queued.Segments {
			// The text as it went (the branding changed it).
			fields["body"], fields["encoding"], fields["segments"] = m.Body, m.Encoding, m.Segments
		}
		out.add(m.ID, fields)
		handled++
		if slow {
			// A gateway this slow: written now, before the next send.
			if err := out.flush(); err != nil {
				s.release(ctx, rest[k+1:])
				return handled, err
			}
		}
	}
	return handled, nil
}

// outcomes are the sent messages' results waiting to be written. Those
// that write the same (the outbox's "kept", a retry at the same time) are
// written by one statement: a batch that went out at once costs a
// statement or a few, not one a message. They wait about outcomeWait at
// most, and a send that took longer has its outcome written before the
// next send: through a slow gateway a stop loses at most the one in flight
// (left "sending", then failed as interrupted: never sent twice).
type outcomes struct {
	db     *gorm.DB
	groups map[string]*outcomeGroup
	order  []string
	since  time.Time
}

type outcomeGroup struct {
	fields map[string]any
	ids    []uint
}

const outcomeWait = 50 * time.Millisecond

func (o *outcomes) add(id uint, fields map[string]any) {
	cols := make([]string, 0, len(fields))
	for c := range fields {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	var key strings.Builder
	for _, c := range cols {
		fmt.Fprintf(&key, "%s=%T:%v;", c, fields[c], fields[c])
	}
	g := o.groups[key.String()]
	if g == nil {
		g = &outcomeGroup{fields: fields}
		o.groups[key.String()] = g
		o.order = append(o.order, key.String())
	}
	if len(o.order) == 1 && len(g.ids) == 0 {
		o.since = time.Now()
	}
	g.ids = append(g.ids, id)
}

func (o *outcomes) flushIfWaiting() error {
	if len(o.order) > 0 && time.Since(o.since) >= outcomeWait {
		return o.flush()
	}
	return nil
}

// flush writes the outcomes, each group in one statement. On PostgreSQL it
// commits without waiting for the disk (synchronous_commit off for the
// statement's own transaction: set_config's third argument is SET LOCAL).
// Losing an outcome in a database crash leaves its message "sending" under
// its claim, which was committed before the send: after the lease it is
// failed as interrupted, never sent again. Waiting for a flush for each
// message sent made a crowd's tickets compete with its registrations for
// the WAL (issue 17).
func (o *outcomes) flush() error {
	defer func() { clear(o.groups); o.order = o.order[:0] }()
	for _, key := range o.order {
		g := o.groups[key]
		mine := o.db.Model(&Message{}).Where("id IN ? AND status = ?", g.ids, StatusSending)
		if o.db.Dialector.Name() == "postgres" {
			mine = mine.Where("set_config('synchronous_commit', 'off', true) <> ''")
		}
		if err := mine.Updates(g.fields).Error; err != nil {
			return err
		}
	}
	return nil
}

// claim takes up to a batch of the messages due at now in one statement
// (a burst of tickets costs one round trip for many, not one each) and
// returns them in their queue's order. The status is checked again on each
// row as it is updated, so that of several senders exactly one claims a
// message. On PostgreSQL the due rows are picked in a CTE, which runs once:
// a subquery with LIMIT and SKIP LOCKED inside IN may be run again for
// each row by the planner, each time skipping what it locked, and claim a
// whole queue (seen: 30,000 rows in one 87-second statement); SKIP LOCKED
// lets other senders take the next ones instead of waiting.
func (s *Sender) claim(db *gorm.DB, now time.Time) ([]Message, error) {
	q := `UPDATE sms_messages SET status = ?, locked_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM sms_messages WHERE status = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?)
		AND status = ? RETURNING *`
	if db.Dialector.Name() == "postgres" {
		q = `WITH due AS (SELECT id FROM sms_messages WHERE status = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
		UPDATE sms_messages m SET status = ?, locked_until = ?, attempts = m.attempts + 1
		FROM due WHERE m.id = due.id AND m.status = ? RETURNING m.*`
	}
	args := []any{StatusSending, now.Add(s.Lease), StatusQueued, now, s.Batch, StatusQueued}
	if db.Dialector.Name() == "postgres" {
		args = []any{StatusQueued, now, s.Batch, StatusSending, now.Add(s.Lease), StatusQueued}
	}
	var claimed []Message
	if err := db.Raw(q, args...).Find(&claimed).Error; err != nil {
		return nil, err
	}
	slices.SortFunc(claimed, func(a, b Message) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if len(claimed) > s.Batch {
		// Never expected (the statement takes at most a batch); if it
		// happened, a queue under one lease would be failed as interrupted.
		s.release(db.Statement.Context, claimed[s.Batch:])
		claimed = claimed[:s.Batch]
	}
	return claimed, nil
}

// release puts claimed messages that were not tried back in the queue as
// they were (their attempt not counted), even when ctx is done.
func (s *Sender) release(ctx context.Context, ms []Message) {
	if len(ms) == 0 {
		return
	}
	ids := make([]uint, len(ms))
	for i := range ms {
		ids[i] = ms[i].ID
	}
	_ = s.DB.WithContext(context.WithoutCancel(ctx)).Model(&Message{}).Where("id IN ? AND status = ?", ids, StatusSending).
		Updates(map[string]any{"status": StatusQueued, "locked_until": nil, "attempts": gorm.Expr("attempts - 1")}).Error
}

// countryRoutes is, per phone region, the channels its country lists
// (countries.channels, in order), read once a run.
type countryRoutes map[string][]string

// channelsFor is the channels a message goes through: those its
// recipient's country lists, in the country's order (no Zalo in a country
// where the organisation has no Official Account); every channel when the
// number's country is not one of the programme's or lists none Lantern has.
func (s *Sender) channelsFor(db *gorm.DB, routes *countryRoutes, to string) ([]Channel, error) {
	all := s.channels()
	if len(all) < 2 {
		return all, nil
	}
	if *routes == nil {
		var rows []struct{ PhoneRegion, Channels string }
		if err := db.Table("countries").Select("phone_region, channels").Where("active = ?", true).Scan(&rows).Error; err != nil {
			return nil, err
		}
		*routes = countryRoutes{}
		for _, r := range rows {
			(*routes)[r.PhoneRegion] = strings.Split(r.Channels, ",")
		}
	}
	num, err := phonenumbers.Parse(to, "") // E.164 carries its country
	if err != nil {
		return all, nil
	}
	var out []Channel
	for _, name := range (*routes)[phonenumbers.GetRegionCodeForNumber(num)] {
		for _, ch := range all {
			if ch.Name() == strings.TrimSpace(name) {
				out = append(out, ch)
			}
		}
	}
	if len(out) == 0 {
		return all, nil
	}
	return out, nil
}

func (s *Sender) hasChannel(name string) bool {
	for _, ch := range s.channels() {
		if ch.Name() == name {
			return true
		}
	}
	return false
}

func (s *Sender) channels() []Channel {
	if len(s.Channels) > 0 {
		return s.Channels
	}
	return []Channel{DriverChannel{ChannelName: ChannelSMS, Driver: s.Driver}}
}

// deliver tries m's channel, and the next ones while a channel cannot carry
// it (no Zalo on the number, no approved template, a refusal): the message
// is claimed throughout, so it is never sent twice.
func (s *Sender) deliver(ctx context.Context, m *Message, chans []Channel, now time.Time) map[string]any {
	step := min(max(m.Step, 0), len(chans)-1)
	log := m.ChannelLog
	if m.FellBackAt != nil && chans[step].Name() == ChannelZalo {
		// It fell back from Zalo for want of a receipt, and the number's
		// channels changed meanwhile: never Zalo twice.
		if step+1 >= len(chans) {
			return map[string]any{"status": StatusFailed, "locked_until": nil, "held_reason": "",
				"last_error": "no channel left after Zalo gave no delivery receipt"}
		}
		step++
	}
	note := func(ch Channel, err error) {
		if log != "" {
			log += "\n"
		}
		log += ch.Name() + ": " + clip(err.Error(), 200)
	}
	var fields map[string]any
	for fields == nil {
		ch := chans[step]
		sctx, cancel := context.WithTimeout(ctx, s.Lease/2)
		providerID, err := ch.Send(sctx, m)
		cancel()
		var perm *PermanentError
		switch {
		case err == nil:
			fields = map[string]any{"status": StatusSent, "sent_at": now, "provider_id": clip(providerID, 120), "locked_until": nil,
				"last_error": "", "channel": ch.Name()}
			if ch.Name() == ChannelZalo && s.ReceiptTimeout > 0 && Urgent(m.Kind) && step+1 < len(chans) && m.FellBackAt == nil {
				// Zalo's "accepted" is not "delivered": without its
				// receipt in time, the next channel sends it (fallBack).
				fields["receipt_due_at"] = now.Add(s.ReceiptTimeout)
			}
		case errors.Is(err, ErrKept):
			fields = map[string]any{"status": StatusKept, "locked_until": nil, "channel": ch.Name()}
		case errors.Is(err, ErrFallback) || errors.As(err, &perm):
			note(ch, err)
			if step+1 < len(chans) {
				step++ // the next channel, at once
				continue
			}
			fields = map[string]any{"status": StatusFailed, "locked_until": nil, "last_error": clip(err.Error(), 300), "channel": ch.Name()}
		case m.Attempts >= s.MaxAttempts:
			note(ch, err)
			if step+1 < len(chans) {
				step++
				continue
			}
			fields = map[string]any{"status": StatusFailed, "locked_until": nil, "last_error": clip(err.Error(), 300), "channel": ch.Name()}
		default:
			fields = map[string]any{"status": StatusQueued, "locked_until": nil, "last_error": clip(err.Error(), 300),
				"next_attempt_at": now.Add(Backoff(m.Attempts)), "channel": ch.Name()}
		}
	}
	fields["step"], fields["channel_log"], fields["held_reason"] = step, log, ""
	return fields
}

// fallBack puts back in the queue, for the next channel, the urgent
// messages Zalo accepted whose delivery receipt did not come by
// receipt_due_at. Each is taken by one conditional UPDATE (status still
// sent, still undelivered, still due), so that of several instances one
// re-queues it, once; the sender then claims it like any queued message
// (quiet hours hold it, one-time codes excepted). The Zalo attempt's id is
// kept (fallback_provider_id): a late receipt is recorded on it.
func (s *Sender) fallBack(db *gorm.DB, routes *countryRoutes, now time.Time) error {
	var due []Message
	if err := db.Where("receipt_due_at <= ? AND status = ? AND delivered_at IS NULL", now, StatusSent).
		Order("receipt_due_at, id").Limit(s.Batch).Find(&due).Error; err != nil {
		return err
	}
	for i := range due {
		m := &due[i]
		chans, err := s.channelsFor(db, routes, m.To)
		if err != nil {
			return err
		}
		next := -1
		for j, ch := range chans {
			if ch.Name() == m.Channel && j+1 < len(chans) {
				next = j + 1
				break
			}
		}
		q := db.Model(&Message{}).Where("id = ? AND status = ? AND delivered_at IS NULL AND receipt_due_at <= ?", m.ID, StatusSent, now)
		if next < 0 {
			// No channel behind Zalo any more for this number: it stays
			// as Zalo took it.
			if err := q.Update("receipt_due_at", nil).Error; err != nil {
				return err
			}
			continue
		}
		log := m.ChannelLog
		if log != "" {
			log += "\n"
		}
		log += m.Channel + ": accepted (" + m.ProviderID + "), no delivery receipt within " + s.ReceiptTimeout.String()
		if err := q.Updates(map[string]any{"status": StatusQueued, "step": next, "receipt_due_at": nil, "fell_back_at": now,
			"fallback_provider_id": m.ProviderID, "next_attempt_at": now, "channel_log": log, "held_reason": ""}).Error; err != nil {
			return err
		}
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
