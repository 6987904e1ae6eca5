// Package sessionreport holds the reports trainers write after a session:
// what was covered, how it went, the questions raised, follow-up actions and
// referrals to services (counts only), with the session's figures beside
// them and the reminders organisers send when a report is missing. It never
// imports Fiber.
package sessionreport

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/textnorm"
	"github.com/lantern-ngo/lantern/app/user"
)

// Topics are the tags a trainer puts on the questions and concerns raised.
var Topics = []string{
	"trafficking_traps", "online_safety", "labour_migration", "children_rights",
	"violence_abuse", "reporting_channels", "family_support", "other",
}

// Services are the kinds of service a participant can be referred to.
var Services = []string{
	"social_work", "health", "psychosocial", "legal", "police", "education", "shelter", "dolisa", "other",
}

// MaxFollowUps bounds the follow-up actions of one report.
const MaxFollowUps = 10

// Report is one session's report.
type Report struct {
	ID          uint
	EventID     uint
	AuthorID    uint
	Lang        string
	Covered     string
	HowItWent   string
	Questions   string
	Topics      string // comma-separated tags of Topics
	CreatedAt   time.Time
	UpdatedAt   time.Time
	UpdatedByID *uint
	FollowUps   []FollowUp `gorm:"foreignKey:ReportID"`
	Referrals   []Referral `gorm:"foreignKey:ReportID"`
}

// TableName keeps GORM on the migrated table.
func (Report) TableName() string { return "session_reports" }

// TopicList splits Topics.
func (r *Report) TopicList() []string {
	if r == nil || r.Topics == "" {
		return nil
	}
	return strings.Split(r.Topics, ",")
}

// Flags returns what looks like personal data in the report's free text.
func (r *Report) Flags(region string) []Flag {
	if r == nil {
		return nil
	}
	var out []Flag
	out = append(out, FlagText("covered", r.Covered, region)...)
	out = append(out, FlagText("how_it_went", r.HowItWent, region)...)
	out = append(out, FlagText("questions", r.Questions, region)...)
	for _, f := range r.FollowUps {
		out = append(out, FlagText("follow_ups", f.Action, region)...)
	}
	return out
}

// ReferralTotal is the number of referrals of all kinds.
func (r *Report) ReferralTotal() int {
	n := 0
	for _, x := range r.Referrals {
		n += x.Count
	}
	return n
}

// FollowUp is an action agreed after the session.
type FollowUp struct {
	ID       uint
	ReportID uint
	Position int
	Action   string
	Owner    string
	DueOn    string // YYYY-MM-DD or ""
}

// TableName keeps GORM on the migrated table.
func (FollowUp) TableName() string { return "report_follow_ups" }

// Referral counts the people referred to one kind of service. It never names
// them.
type Referral struct {
	ID       uint
	ReportID uint
	Service  string
	Count    int
}

// TableName keeps GORM on the migrated table.
func (Referral) TableName() string { return "report_referrals" }

// Input is a validated report as the form gives it.
type Input struct {
	EventID   uint
	Lang      string
	Covered   string
	HowItWent string
	Questions string
	Topics    []string
	FollowUps []FollowUp
	Referrals map[string]int // service -> count (0 or absent: none)
}

// ForEvent returns the event's report with its rows, or nil when none.
func ForEvent(ctx context.Context, db *gorm.DB, eventID uint) (*Report, error) {
	var r Report
	err := db.WithContext(ctx).
		Preload("FollowUps", func(tx *gorm.DB) *gorm.DB { return tx.Order("position, id") }).
		Preload("Referrals").
		Where("event_id = ?", eventID).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	slices.SortFunc(r.Referrals, func(a, b Referral) int {
		return slices.Index(Services, a.Service) - slices.Index(Services, b.Service)
	})
	return &r, nil
}

// Trainers returns the ids of the trainers assigned to an event.
func Trainers(ctx context.Context, db *gorm.DB, eventID uint) ([]uint, error) {
	var ids []uint
	err := db.WithContext(ctx).Table("event_trainers").Where("event_id = ?", eventID).Order("user_id").Pluck("user_id", &ids).Error
	return ids, err
}

// Access says what a staff member may do with an event's report.
type Access struct {
	Read, Write, Remind bool
}

// AccessFor decides: the trainers assigned to the event read and write its
// report; organisers and admins read, write (a paper report typed in) and
// remind; a coach reads the reports of sessions run by their coachees.
func AccessFor(ctx context.Context, db *gorm.DB, u *user.User, eventID uint) (Access, error) {
	if u == nil {
		return Access{}, nil
	}
	if u.Has(user.RoleOrganiser, user.RoleAdmin) {
		return Access{Read: true, Write: true, Remind: true}, nil
	}
	trainers, err := Trainers(ctx, db, eventID)
	if err != nil {
		return Access{}, err
	}
	if slices.Contains(trainers, u.ID) {
		return Access{Read: true, Write: true}, nil
	}
	if u.Has(user.RoleCoach) && len(trainers) > 0 {
		var n int64
		err := db.WithContext(ctx).Table("users").Where("id IN ? AND coach_id = ?", trainers, u.ID).Count(&n).Error
		if err != nil {
			return Access{}, err
		}
		if n > 0 {
			return Access{Read: true}, nil
		}
	}
	return Access{}, nil
}

// Save writes the event's report (creating it the first time) with its
// follow-up actions and referrals, in one transaction, and records the
// change in the audit log. A report can only be written once the session
// has started.
func Save(ctx context.Context, db *gorm.DB, in Input, actorID uint, now time.Time) (*Report, error) {
	var out *Report
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var e event.Event
		if err := tx.Select("id", "status", "starts_at").Take(&e, in.EventID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.Wrap(apperr.NotFound, "error.not_found", err)
			}
			return err
		}
		if now.Before(e.StartsAt) {
			return apperr.New(apperr.Invalid, "error.report.not_started")
		}
		if e.Status == event.StatusCancelled {
			return apperr.New(apperr.Invalid, "error.report.cancelled")
		}
		var r Report
		err := tx.Where("event_id = ?", in.EventID).Take(&r).Error
		isNew := errors.Is(err, gorm.ErrRecordNotFound)
		if err != nil && !isNew {
			return err
		}
		before := r
		var topics []string
		for _, t := range Topics {
			if slices.Contains(in.Topics, t) {
				topics = append(topics, t)
			}
		}
		r.EventID = in.EventID
		r.Lang = in.Lang
		r.Covered = textnorm.CleanText(in.Covered)
		r.HowItWent = textnorm.CleanText(in.HowItWent)
		r.Questions = textnorm.CleanText(in.Questions)
		r.Topics = strings.Join(topics, ",")
		r.UpdatedAt = now
		r.UpdatedByID = &actorID
		if isNew {
			r.AuthorID = actorID
			r.CreatedAt = now
			if err := tx.Create(&r).Error; err != nil {
				return err
			}
		} else if err := tx.Select("lang", "covered", "how_it_went", "questions", "topics", "updated_at", "updated_by_id").Updates(&r).Error; err != nil {
			return err
		}
		if err := tx.Where("report_id = ?", r.ID).Delete(&FollowUp{}).Error; err != nil {
			return err
		}
		if err := tx.Where("report_id = ?", r.ID).Delete(&Referral{}).Error; err != nil {
			return err
		}
		r.FollowUps, r.Referrals = nil, nil
		for i, f := range in.FollowUps {
			f.ID, f.ReportID, f.Position = 0, r.ID, i
			f.Action, f.Owner = textnorm.Clean(f.Action), textnorm.Clean(f.Owner)
			r.FollowUps = append(r.FollowUps, f)
		}
		for _, s := range Services {
			if n := in.Referrals[s]; n > 0 {
				r.Referrals = append(r.Referrals, Referral{ReportID: r.ID, Service: s, Count: n})
			}
		}
		if len(r.FollowUps) > 0 {
			if err := tx.Create(&r.FollowUps).Error; err != nil {
				return err
			}
		}
		if len(r.Referrals) > 0 {
			if err := tx.Create(&r.Referrals).Error; err != nil {
				return err
			}
		}
		action := "update"
		if isNew {
			action = "create"
		}
		// The audit trail keeps which report changed and its shape, not the
		// free text (which may hold what the flags warn about).
		if err := audit.Record(tx, actorID, action, "session_report", strconv.FormatUint(uint64(r.ID), 10),
			auditShape(&before, isNew), auditShape(&r, false)); err != nil {
			return err
		}
		out = &r
		return nil
	})
	return out, err
}

func auditShape(r *Report, empty bool) any {
	if empty {
		return nil
	}
	return map[string]any{
		"event_id": r.EventID, "lang": r.Lang, "topics": r.Topics,
		"covered_len": len(r.Covered), "how_it_went_len": len(r.HowItWent), "questions_len": len(r.Questions),
		"follow_ups": len(r.FollowUps), "referrals": r.ReferralTotal(),
	}
}

// Reported tells which of the events have a session report (one query).
func Reported(ctx context.Context, db *gorm.DB, eventIDs []uint) (map[uint]bool, error) {
	out := map[uint]bool{}
	if len(eventIDs) == 0 {
		return out, nil
	}
	var ids []uint
	if err := db.WithContext(ctx).Model(&Report{}).Where("event_id IN ?", eventIDs).Pluck("event_id", &ids).Error; err != nil {
		return nil, err
	}
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}
