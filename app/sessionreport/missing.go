package sessionreport

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/scope"
	"github.com/lantern-ngo/lantern/app/user"
)

// Reminder records that an organiser reminded a trainer to write a report;
// it is also the in-app notice the trainer sees. One per trainer, event and
// day (in the programme's time zone).
type Reminder struct {
	ID           uint
	EventID      uint
	TrainerID    uint
	Day          string
	RemindedByID uint
	CreatedAt    time.Time
}

// TableName keeps GORM on the migrated table.
func (Reminder) TableName() string { return "report_reminders" }

// Trainer is an assigned trainer as the missing list shows them.
type Trainer struct {
	ID       uint
	Name     string
	HasPhone bool
}

// Pending is a session that has ended without a report.
type Pending struct {
	Event        *event.Event
	Trainers     []Trainer
	LastReminder *Reminder
}

// MissingLimit bounds the missing list (oldest ones drop off first).
const MissingLimit = 200

// Missing returns the sessions that have ended, were not cancelled, and have
// no report yet, newest first — with their trainers and the last reminder,
// in a fixed number of queries.
func Missing(ctx context.Context, db *gorm.DB, now time.Time, sc scope.Scope) ([]Pending, error) {
	db = db.WithContext(ctx)
	var evs []*event.Event
	where, args := sc.SQL("events")
	err := db.Preload("Translations").Where(where, args...).
		Where("events.ends_at <= ? AND events.status = ?", now, event.StatusPublished).
		Where("NOT EXISTS (SELECT 1 FROM session_reports sr WHERE sr.event_id = events.id)").
		Order("events.ends_at DESC").Limit(MissingLimit).Find(&evs).Error
	if err != nil {
		return nil, err
	}
	return withTrainers(db, evs)
}

// ForTrainer returns the trainer's ended sessions still without a report,
// with the reminders they got (their in-app notice).
func ForTrainer(ctx context.Context, db *gorm.DB, trainerID uint, now time.Time) ([]Pending, error) {
	db = db.WithContext(ctx)
	var evs []*event.Event
	err := db.Preload("Translations").
		Where("events.ends_at <= ? AND events.status = ?", now, event.StatusPublished).
		Where("EXISTS (SELECT 1 FROM event_trainers et WHERE et.event_id = events.id AND et.user_id = ?)", trainerID).
		Where("NOT EXISTS (SELECT 1 FROM session_reports sr WHERE sr.event_id = events.id)").
		Order("events.ends_at DESC").Limit(MissingLimit).Find(&evs).Error
	if err != nil {
		return nil, err
	}
	return withTrainers(db, evs)
}

func withTrainers(db *gorm.DB, evs []*event.Event) ([]Pending, error) {
	out := make([]Pending, len(evs))
	if len(evs) == 0 {
		return out, nil
	}
	ids := make([]uint, len(evs))
	index := map[uint]int{}
	for i, e := range evs {
		ids[i] = e.ID
		index[e.ID] = i
		out[i].Event = e
	}
	type row struct {
		EventID uint
		UserID  uint
		Name    string
		Phone   string
	}
	var rows []row
	err := db.Table("event_trainers et").Select("et.event_id, et.user_id, u.name, u.phone").
		Joins("JOIN users u ON u.id = et.user_id").
		Where("et.event_id IN ?", ids).Order("u.name").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		i := index[r.EventID]
		out[i].Trainers = append(out[i].Trainers, Trainer{ID: r.UserID, Name: r.Name, HasPhone: r.Phone != ""})
	}
	var rems []Reminder
	if err := db.Where("event_id IN ?", ids).Order("created_at").Find(&rems).Error; err != nil {
		return nil, err
	}
	for _, r := range rems {
		r := r
		out[index[r.EventID]].LastReminder = &r
	}
	return out, nil
}

// RemindResult says what a reminder did.
type RemindResult struct {
	Trainers int // trainers reminded now
	SMS      int // SMS queued
	Already  int // trainers already reminded today (nothing sent again)
}

// SMSText gives the reminder's SMS body in a trainer's language for an event
// title and date (the web layer translates).
type SMSText func(lang, title, date string) string

// Remind reminds every trainer of a session without a report: an in-app
// notice (a reminder row) and, for a trainer with a phone number, an SMS in
// their language. It does nothing twice for the same trainer, event and day:
// the reminder row is unique per day and the SMS carries a dedupe key.
func Remind(ctx context.Context, db *gorm.DB, eventID, actorID uint, now time.Time, text SMSText) (RemindResult, error) {
	var res RemindResult
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var e event.Event
		if err := tx.Preload("Translations").Take(&e, eventID).Error; err != nil {
			return apperr.Wrap(apperr.NotFound, "error.not_found", err)
		}
		if e.Status == event.StatusCancelled {
			return apperr.New(apperr.Invalid, "error.report.cancelled")
		}
		if now.Before(e.EndsAt) {
			return apperr.New(apperr.Invalid, "error.report.not_ended")
		}
		var n int64
		if err := tx.Model(&Report{}).Where("event_id = ?", eventID).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "error.report.already_written")
		}
		var trainers []user.User
		err := tx.Where("id IN (SELECT user_id FROM event_trainers WHERE event_id = ?) AND active = ?", eventID, true).
			Order("id").Find(&trainers).Error
		if err != nil {
			return err
		}
		if len(trainers) == 0 {
			return apperr.New(apperr.Invalid, "error.report.no_trainer")
		}
		local := now.In(e.Location())
		day := local.Format("2006-01-02")
		for _, t := range trainers {
			rem := Reminder{EventID: eventID, TrainerID: t.ID, Day: day, RemindedByID: actorID, CreatedAt: now}
			r := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rem)
			if r.Error != nil {
				return r.Error
			}
			if r.RowsAffected == 0 {
				res.Already++
				continue
			}
			res.Trainers++
			if t.Phone == "" {
				continue
			}
			lang := t.Lang
			if !locale.IsSupported(lang) {
				lang = locale.Default
			}
			tr := e.Content(lang)
			key := fmt.Sprintf("report-reminder:%d:%d:%s", eventID, t.ID, day)
			m := &message.Message{
				To: t.Phone, Lang: lang, Kind: "report_reminder", DedupeKey: &key, EventID: &eventID,
				Body: text(lang, tr.Title, locale.In(e.StartsAt, e.TimeZone).Format("02/01")), NextAttemptAt: now,
			}
			if err := message.Enqueue(tx, m); err != nil {
				return err
			}
			res.SMS++
		}
		if res.Trainers == 0 {
			return nil
		}
		return audit.Record(tx, actorID, "remind", "session_report", strconv.FormatUint(uint64(eventID), 10), nil,
			map[string]any{"trainers": res.Trainers, "sms": res.SMS, "day": day})
	})
	return res, err
}
