package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Event is something that happened, raised once; its deliveries carry it
// to each endpoint that subscribed.
type Event struct {
	ID             uint
	Type           string
	EventID        *uint
	RegistrationID *uint
	// Payload is the JSON of the aggregate facts ("data"); empty until the
	// dispatcher fills it when the one-statement registration raised it.
	Payload string
	// Personal is the JSON of the personal fields (name, phone), kept only
	// when a personal endpoint subscribes.
	Personal string
	// Pending: Payload holds only the facts the one-statement registration
	// knew; the dispatcher completes it from the ids.
	Pending   bool
	CreatedAt time.Time
}

// TableName keeps GORM on the migrated table.
func (Event) TableName() string { return "webhook_events" }

// Delivery statuses.
const (
	StatusQueued    = "queued"
	StatusSending   = "sending"
	StatusDelivered = "delivered"
	StatusFailed    = "failed"
)

// Delivery is one event for one endpoint: unique by (endpoint, event).
type Delivery struct {
	ID             uint
	EndpointID     uint
	WebhookEventID uint
	Status         string
	Attempts       int
	NextAttemptAt  time.Time
	LockedUntil    *time.Time
	LastStatus     int
	LastBody       string
	LastError      string
	LastAttemptAt  *time.Time
	DeliveredAt    *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TableName keeps GORM on the migrated table.
func (Delivery) TableName() string { return "webhook_deliveries" }

// Subject is what an event is about: ids, and a few facts of its own (a
// quiz's phase and score). Names and numbers are never in Extra.
type Subject struct {
	EventID        uint
	RegistrationID uint
	Extra          map[string]any
}

type subscriber struct {
	ID       uint
	Personal bool
}

func like(typ string) string { return "%," + typ + ",%" }

// Subscribers is who will receive an event of one type, read before the
// change so that the reading does not lengthen a lock the change takes
// (registration: the event's row); Raise then writes with no read.
type Subscribers struct {
	typ  string
	subs []subscriber
}

// Lookup reads the enabled endpoints subscribed to typ.
func Lookup(tx *gorm.DB, typ string) (*Subscribers, error) {
	var subs []subscriber
	if err := tx.Model(&Endpoint{}).Select("id, personal").Where("enabled = ? AND events LIKE ?", true, like(typ)).
		Order("id").Scan(&subs).Error; err != nil {
		return nil, err
	}
	return &Subscribers{typ: typ, subs: subs}, nil
}

// Raise is Raise for the subscribers looked up: nothing at all when there
// are none.
func (ss *Subscribers) Raise(tx *gorm.DB, s Subject, now time.Time) error {
	if ss == nil || len(ss.subs) == 0 {
		return nil
	}
	return raise(tx, ss.typ, ss.subs, s, now)
}

// Raise records that typ happened to s, inside the caller's transaction (a
// transactional outbox: the event exists if and only if the change
// committed), with one queued delivery per enabled endpoint subscribed to
// typ. When no endpoint subscribes it costs one read of a small table and
// writes nothing.
func Raise(tx *gorm.DB, typ string, s Subject, now time.Time) error {
	ss, err := Lookup(tx, typ)
	if err != nil {
		return err
	}
	return ss.Raise(tx, s, now)
}

func raise(tx *gorm.DB, typ string, subs []subscriber, s Subject, now time.Time) error {
	personal := false
	for _, sub := range subs {
		personal = personal || sub.Personal
	}
	data, pers, err := build(tx, typ, s, personal)
	if err != nil {
		return err
	}
	now = now.UTC()
	ev := Event{Type: typ, Payload: data, Personal: pers, CreatedAt: now}
	if s.EventID != 0 {
		ev.EventID = &s.EventID
	}
	if s.RegistrationID != 0 {
		ev.RegistrationID = &s.RegistrationID
	}
	if err := tx.Create(&ev).Error; err != nil {
		return err
	}
	ds := make([]Delivery, len(subs))
	for i, sub := range subs {
		ds[i] = Delivery{EndpointID: sub.ID, WebhookEventID: ev.ID, Status: StatusQueued, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
	}
	return tx.Create(&ds).Error
}

// RegistrationCreatedSQL is registration.created raised inside the
// one-statement registration of PostgreSQL (registration/fastpath.go): two
// more data-modifying CTEs, named after n, that select from the CTE reg
// (the new registration's id and status) and claim (the event's seats
// after the claim). They write the event (pending: the facts of this
// moment; the dispatcher completes them from the ids) and its deliveries
// in the same statement as the registration, so neither can be lost nor
// written without the other; with no subscribed endpoint they write
// nothing, for the price of a look at a small table.
func RegistrationCreatedSQL(n int, reg, claim string, eventID uint, now time.Time) (string, []any) {
	q := fmt.Sprintf(`, wh%[1]d AS (
	INSERT INTO webhook_events (type, event_id, registration_id, payload, personal, pending, created_at)
	SELECT CAST(? AS text), CAST(? AS bigint), %[2]s.id,
		json_build_object('event', json_build_object('seats_taken', %[3]s.seats_taken, 'capacity', %[3]s.capacity),
			'registration', json_build_object('status', %[2]s.status))::text, '', true, CAST(? AS timestamptz)
	FROM %[2]s, %[3]s
	WHERE EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled AND events LIKE ?) RETURNING id
), whd%[1]d AS (
	INSERT INTO webhook_deliveries (endpoint_id, webhook_event_id, status, attempts, next_attempt_at, last_status, last_body, last_error, created_at, updated_at)
	SELECT ep.id, wh%[1]d.id, 'queued', 0, CAST(? AS timestamptz), 0, '', '', CAST(? AS timestamptz), CAST(? AS timestamptz)
	FROM wh%[1]d JOIN webhook_endpoints ep ON ep.enabled AND ep.events LIKE ?
)`, n, reg, claim)
	now = now.UTC()
	return q, []any{RegistrationCreated, eventID, now, like(RegistrationCreated), now, now, now, like(RegistrationCreated)}
}

// CheckinCreatedPG is checkin.created raised inside a PostgreSQL check-in
// statement (attendance's observation and offline tick): two more CTEs,
// from the CTE att (its column inserted: the attendance row is new), with
// the statement's own numbered parameters of the event's id, the
// registration's id and the time. Pending, like RegistrationCreatedSQL's;
// nothing is written when no endpoint subscribes.
func CheckinCreatedPG(att, eventParam, regParam, nowParam string) string {
	pattern := like(CheckinCreated)
	return fmt.Sprintf(`, wh AS (
		INSERT INTO webhook_events (type, event_id, registration_id, payload, personal, pending, created_at)
		SELECT '%[5]s', %[2]s, %[3]s, '{}', '', TRUE, %[4]s FROM %[1]s
		WHERE %[1]s.inserted AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled AND events LIKE '%[6]s')
		RETURNING id
	), whd AS (
		INSERT INTO webhook_deliveries (endpoint_id, webhook_event_id, status, attempts, next_attempt_at, last_status, last_body, last_error, created_at, updated_at)
		SELECT ep.id, wh.id, 'queued', 0, %[4]s, 0, '', '', %[4]s, %[4]s
		FROM wh JOIN webhook_endpoints ep ON ep.enabled AND ep.events LIKE '%[6]s'
	)`, att, eventParam, regParam, nowParam, CheckinCreated, pattern)
}

// complete fills a pending payload's data from the tables, keeping the
// facts the statement that raised it knew (they win: they are of the
// moment it happened).
func complete(full, known string) (string, error) {
	var f, k map[string]any
	if err := json.Unmarshal([]byte(full), &f); err != nil {
		return "", err
	}
	if err := json.Unmarshal([]byte(known), &k); err != nil {
		return "", err
	}
	for key, v := range k {
		inner, ok := v.(map[string]any)
		base, ok2 := f[key].(map[string]any)
		if !ok || !ok2 {
			f[key] = v
			continue
		}
		for ik, iv := range inner {
			base[ik] = iv
		}
	}
	b, err := json.Marshal(f)
	return string(b), err
}

// build makes the payload's data (aggregate facts) and, when asked, the
// personal fields, from the tables as they are in tx.
func build(tx *gorm.DB, typ string, s Subject, personal bool) (data, pers string, err error) {
	d := map[string]any{}
	if s.EventID != 0 {
		var e struct {
			ID         uint
			Code       string
			Kind       string
			Status     string
			StartsAt   time.Time
			EndsAt     time.Time
			Capacity   int
			SeatsTaken int
		}
		if err := tx.Table("events").Select("id, code, kind, status, starts_at, ends_at, capacity, seats_taken").
			Where("id = ?", s.EventID).Take(&e).Error; err != nil {
			return "", "", err
		}
		d["event"] = map[string]any{"id": e.ID, "code": e.Code, "kind": e.Kind, "status": e.Status,
			"starts_at": e.StartsAt.UTC().Format(time.RFC3339), "ends_at": e.EndsAt.UTC().Format(time.RFC3339),
			"capacity": e.Capacity, "seats_taken": e.SeatsTaken}
	}
	p := map[string]any{}
	if s.RegistrationID != 0 {
		var r struct {
			ID        uint
			Kind      string
			Status    string
			GroupSize int
			Name      string
			Phone     *string
		}
		if err := tx.Table("registrations").Select("id, kind, status, group_size, name, phone").
			Where("id = ?", s.RegistrationID).Take(&r).Error; err != nil {
			return "", "", err
		}
		d["registration"] = map[string]any{"id": r.ID, "kind": r.Kind, "status": r.Status, "seats": max(r.GroupSize, 1)}
		if personal {
			p["name"] = r.Name
			if r.Phone != nil {
				p["phone"] = *r.Phone
			}
		}
	}
	for k, v := range s.Extra {
		d[k] = v
	}
	b, err := json.Marshal(d)
	if err != nil {
		return "", "", err
	}
	if len(p) > 0 {
		pb, _ := json.Marshal(p)
		pers = string(pb)
	}
	return string(b), pers, nil
}

// Body is the JSON a delivery posts: the event's id, type and time, and
// its data; an endpoint marked personal also gets the personal fields in
// data.registration.
func Body(ev *Event, personal bool) ([]byte, error) {
	var data map[string]any
	if err := json.Unmarshal([]byte(ev.Payload), &data); err != nil {
		return nil, err
	}
	if personal && ev.Personal != "" {
		var p map[string]any
		if err := json.Unmarshal([]byte(ev.Personal), &p); err != nil {
			return nil, err
		}
		if reg, ok := data["registration"].(map[string]any); ok {
			for k, v := range p {
				reg[k] = v
			}
		}
	}
	return json.Marshal(map[string]any{"id": ev.ID, "type": ev.Type,
		"created_at": ev.CreatedAt.UTC().Format(time.RFC3339), "data": data})
}

// LogDays is how long the delivery log is kept.
const LogDays = 90

// Forget removes the personal fields of the events of these registrations
// (an erasure, the retention period): what was not delivered yet goes with
// ids and figures only. Runs in the caller's transaction.
func Forget(tx *gorm.DB, registrationIDs []uint) error {
	if len(registrationIDs) == 0 {
		return nil
	}
	return tx.Model(&Event{}).Where("registration_id IN ? AND personal <> ?", registrationIDs, "").Update("personal", "").Error
}

// Sweep clears the personal fields of events past their retries (MaxAge
// and an hour) and not waiting to be delivered (a replay by hand after that
// carries ids and figures only), and deletes the deliveries and events older
// than LogDays. Safe on several instances at once.
func Sweep(ctx context.Context, db *gorm.DB, now time.Time) error {
	db = db.WithContext(ctx)
	now = now.UTC()
	if err := db.Model(&Event{}).Where("personal <> ? AND created_at < ?", "", now.Add(-MaxAge-time.Hour)).
		Where("NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.webhook_event_id = webhook_events.id AND d.status IN ?)",
			[]string{StatusQueued, StatusSending}).
		Update("personal", "").Error; err != nil {
		return err
	}
	old := now.AddDate(0, 0, -LogDays)
	if err := db.Where("created_at < ? AND status IN ?", old, []string{StatusDelivered, StatusFailed}).Delete(&Delivery{}).Error; err != nil {
		return err
	}
	return db.Where("created_at < ? AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.webhook_event_id = webhook_events.id)", old).
		Delete(&Event{}).Error
}
