package message

import (
	"context"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/scope"
)

// FilterFellBack is the outbox filter of the messages that fell back to
// the next channel for want of Zalo's delivery receipt (whatever their
// status since).
const FilterFellBack = "fell_back"

// OutboxFilter narrows the outbox that organisers read (zero values: all).
type OutboxFilter struct {
	Status  string
	EventID uint
	// Scope keeps the messages about sessions of a staff member's part of
	// the programme; messages about no session are the whole programme's.
	Scope scope.Scope
}

// inScope narrows a query on messages to those about sessions in sc.
func inScope(q *gorm.DB, sc scope.Scope) *gorm.DB {
	if sc.IsGlobal() {
		return q
	}
	where, args := sc.SQL("e")
	return q.Where("sms_messages.event_id IN (SELECT e.id FROM events e WHERE "+where+")", args...)
}

// OutboxPage is one page of the outbox, newest first, with the totals of
// everything the filter keeps.
type OutboxPage struct {
	Messages []Message
	// More: there is a next page.
	More     bool
	Count    int64
	Segments int64
	// SegmentsByCountry are the SMS segments by the country of the
	// messages' sessions ("" for messages about no session), so that each
	// is priced in its own currency.
	SegmentsByCountry map[string]int64
}

// Outbox reads page (from 1) of the messages the filter keeps, size a page.
func Outbox(ctx context.Context, db *gorm.DB, f OutboxFilter, page, size int) (*OutboxPage, error) {
	q := inScope(db.WithContext(ctx).Model(&Message{}), f.Scope)
	switch f.Status {
	case "":
	case FilterFellBack:
		q = q.Where("sms_messages.fell_back_at IS NOT NULL")
	default:
		q = q.Where("sms_messages.status = ?", f.Status)
	}
	if f.EventID != 0 {
		q = q.Where("sms_messages.event_id = ?", f.EventID)
	}
	out := &OutboxPage{SegmentsByCountry: map[string]int64{}}
	var totals []struct {
		Country string
		N       int64
		Seg     int64
	}
	if err := q.Session(&gorm.Session{}).Joins("LEFT JOIN events oc ON oc.id = sms_messages.event_id").
		Select("COALESCE(oc.country, '') AS country, COUNT(*) AS n, COALESCE(SUM(sms_messages.segments), 0) AS seg").
		Group("COALESCE(oc.country, '')").Scan(&totals).Error; err != nil {
		return nil, err
	}
	for _, t := range totals {
		out.Count, out.Segments = out.Count+t.N, out.Segments+t.Seg
		if t.Seg > 0 {
			out.SegmentsByCountry[t.Country] += t.Seg
		}
	}
	if err := q.Session(&gorm.Session{}).Order("id DESC").Limit(size + 1).Offset((page - 1) * size).
		Find(&out.Messages).Error; err != nil {
		return nil, err
	}
	if len(out.Messages) > size {
		out.Messages, out.More = out.Messages[:size], true
	}
	return out, nil
}

// EventsWithMessages lists the ids of the events that have messages.
func EventsWithMessages(ctx context.Context, db *gorm.DB, sc scope.Scope) ([]uint, error) {
	var ids []uint
	err := inScope(db.WithContext(ctx).Model(&Message{}), sc).Where("event_id IS NOT NULL").
		Distinct("event_id").Pluck("event_id", &ids).Error
	return ids, err
}
