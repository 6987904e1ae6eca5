package rating

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
)

// Requester queues the rating requests.
type Requester struct {
	// BaseURL is the public origin of the links (config BASE_URL).
	BaseURL    string
	Translator registration.TranslatorFor
}

// Link is the address of a request's page.
func (q *Requester) Link(lang, token string) string {
	return q.BaseURL + "/" + lang + "/rate/" + token
}

// scheduleBatch caps one run: a run that finds more leaves them to the next.
const scheduleBatch = 500

// candidate is a registration owed a request, with its event.
type candidate struct {
	ID      uint
	EventID uint
	Phone   string
	Lang    string
}

// due finds the registrations owed a request: present at a session that
// ended between SendUntil and SendAfter ago (published, not cancelled),
// with a phone number, not erased, and not yet asked. Never a child's
// registration (the phone is the guardian's, who may not have been there)
// nor a group's (its contact answers for nobody but themself, and the
// group's rating would count as one person's).
func due(ctx context.Context, db *gorm.DB, now time.Time) ([]candidate, error) {
	var out []candidate
	err := db.WithContext(ctx).Raw(`SELECT r.id AS id, r.event_id AS event_id, r.phone AS phone, r.lang AS lang
		FROM registrations r JOIN events e ON e.id = r.event_id
		WHERE e.status = ? AND e.cancelled_at IS NULL AND e.ends_at <= ? AND e.ends_at > ?
			AND r.status <> ? AND r.phone IS NOT NULL AND r.phone <> '' AND r.anonymised_at IS NULL
			AND r.kind <> ? AND r.age_band NOT IN ? AND r.age_detail NOT IN ? AND r.guardian_name = ''
			AND EXISTS (SELECT 1 FROM attendances a WHERE a.registration_id = r.id)
			AND NOT EXISTS (SELECT 1 FROM session_ratings s WHERE s.registration_id = r.id)
		ORDER BY r.event_id, r.id LIMIT ?`,
		event.StatusPublished, now.Add(-SendAfter), now.Add(-SendUntil),
		registration.StatusCancelled, registration.KindGroup,
		[]string{registration.AgeUnder16, "16_17"}, []string{registration.AgeUnder7, registration.Age7to15},
		scheduleBatch).Scan(&out).Error
	return out, err
}

// ScheduleRequests queues the rating request of every registration owed
// one (due) and returns how many it queued. It is safe on several
// instances and idempotent: the request's row is unique per registration
// and inserted first in the transaction; only the transaction whose insert
// wrote the row queues the message (which also carries a dedupe key).
// On PostgreSQL a second run's insert waits for the first's commit, then
// does nothing; both insert in the same order (by event, then
// registration), so they wait on each other and never deadlock. SQLite
// runs one writer at a time.
func (q *Requester) ScheduleRequests(ctx context.Context, db *gorm.DB, now time.Time) (int, error) {
	now = now.UTC()
	cands, err := due(ctx, db, now)
	if err != nil || len(cands) == 0 {
		return 0, err
	}
	events, err := eventsOf(ctx, db, cands)
	if err != nil {
		return 0, err
	}
	queued := 0
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, c := range cands {
			ok, err := q.request(tx, events[c.EventID], c, now)
			if err != nil {
				return err
			}
			if ok {
				queued++
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return queued, nil
}

// eventsOf loads the events of the candidates, with what a message says of
// them, in two queries.
func eventsOf(ctx context.Context, db *gorm.DB, cands []candidate) (map[uint]*event.Event, error) {
	var ids []uint
	seen := map[uint]bool{}
	for _, c := range cands {
		if !seen[c.EventID] {
			seen[c.EventID] = true
			ids = append(ids, c.EventID)
		}
	}
	var evs []event.Event
	if err := db.WithContext(ctx).Preload("Translations").Preload("Venue").Where("id IN ?", ids).Find(&evs).Error; err != nil {
		return nil, err
	}
	out := make(map[uint]*event.Event, len(evs))
	for i := range evs {
		out[evs[i].ID] = &evs[i]
	}
	return out, nil
}

// request writes one request's row and, when this transaction wrote it,
// queues its message.
func (q *Requester) request(tx *gorm.DB, e *event.Event, c candidate, now time.Time) (bool, error) {
	if e == nil {
		return false, nil
	}
	token, hash := newToken()
	row := Rating{EventID: c.EventID, RegistrationID: c.ID, TokenHash: hash, RequestedAt: now}
	res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "registration_id"}}, DoNothing: true}).Create(&row)
	if res.Error != nil || res.RowsAffected == 0 {
		return false, res.Error
	}
	lang := c.Lang
	if lang == "" {
		lang = "vi"
	}
	t := q.Translator(lang)
	data := registration.EventData(t, e)
	data["Link"] = q.Link(lang, token)
	params, _ := json.Marshal(data)
	key := fmt.Sprintf("%s:%d", KindRequest, c.ID)
	regID, eventID := c.ID, c.EventID
	m := &message.Message{To: c.Phone, Body: registration.Cheapest(t.TMap("sms.rating_request", data)), Lang: lang,
		Kind: KindRequest, Params: string(params), RegistrationID: &regID, EventID: &eventID, DedupeKey: &key, NextAttemptAt: now}
	return true, message.Enqueue(tx, m)
}
