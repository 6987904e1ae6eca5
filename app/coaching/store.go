package coaching

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/textnorm"
	"github.com/lantern-ngo/lantern/app/user"
)

// Competencies lists the framework in order (active ones only unless all).
func Competencies(ctx context.Context, db *gorm.DB, all bool) ([]Competency, error) {
	q := db.WithContext(ctx).Order("position, id")
	if !all {
		q = q.Where("active = ?", true)
	}
	var out []Competency
	return out, q.Find(&out).Error
}

// GetCompetency returns one competency.
func GetCompetency(ctx context.Context, db *gorm.DB, id uint) (*Competency, error) {
	var c Competency
	err := db.WithContext(ctx).Take(&c, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.Wrap(apperr.NotFound, "error.coaching.competency_not_found", err)
	}
	return &c, err
}

// SaveCompetency creates (ID 0) or updates a competency and records the
// change in the audit log.
func SaveCompetency(ctx context.Context, db *gorm.DB, c *Competency, actorID uint, now time.Time) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c.UpdatedAt = now
		for _, t := range []content.Text{c.Name, c.Description, c.Level1, c.Level2, c.Level3, c.Level4} {
			for l, s := range t {
				if s = textnorm.Clean(s); s == "" {
					delete(t, l)
				} else {
					t[l] = s
				}
			}
		}
		if c.ID == 0 {
			if c.Code == "" {
				c.Code = "c" + strconv.FormatInt(now.UnixNano(), 36)
			}
			var maxPos int
			if err := tx.Model(&Competency{}).Select("COALESCE(MAX(position), 0)").Scan(&maxPos).Error; err != nil {
				return err
			}
			if c.Position == 0 {
				c.Position = maxPos + 1
			}
			if err := tx.Create(c).Error; err != nil {
				return err
			}
			return audit.Record(tx, actorID, "create", "competency", strconv.FormatUint(uint64(c.ID), 10), nil, c)
		}
		var before Competency
		if err := tx.Take(&before, c.ID).Error; err != nil {
			return apperr.Wrap(apperr.NotFound, "error.coaching.competency_not_found", err)
		}
		err := tx.Model(c).Select("position", "name", "description", "level1", "level2", "level3", "level4", "active", "updated_at").Updates(c).Error
		if err != nil {
			return err
		}
		return audit.Record(tx, actorID, "update", "competency", strconv.FormatUint(uint64(c.ID), 10), before, c)
	})
}

// SessionInput is a validated coaching session from the form.
type SessionInput struct {
	CoacheeID    uint
	HeldOn       string
	Mode         string
	EventID      *uint
	Topics       string
	Strengths    string
	Difficulties string
	NextOn       string
	Ratings      map[uint]int // competency -> level 1..4 (absent: not rated)
	ActionPoints []ActionPoint
}

// RecordSession writes a coaching session with its ratings and action
// points in one transaction. The coach is the coachee's coach when they
// have one, else the person recording it. The caller has checked that actor
// may change the coachee's records.
func RecordSession(ctx context.Context, db *gorm.DB, in SessionInput, actor *user.User, now time.Time) (*Session, error) {
	if err := in.Check(now); err != nil {
		return nil, err
	}
	var s Session
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var coachee user.User
		if err := tx.Take(&coachee, in.CoacheeID).Error; err != nil {
			return apperr.Wrap(apperr.NotFound, "error.coaching.coachee_not_found", err)
		}
		if !AccessFor(actor, &coachee).Change {
			return apperr.New(apperr.Forbidden, "error.forbidden")
		}
		if in.Mode == ModeObservation {
			if in.EventID == nil {
				return apperr.New(apperr.Invalid, "error.coaching.event_required").With(map[string]any{"field": "event_id"})
			}
			var n int64
			err := tx.Table("event_trainers").Where("event_id = ? AND user_id = ?", *in.EventID, in.CoacheeID).Count(&n).Error
			if err != nil {
				return err
			}
			if n == 0 {
				return apperr.New(apperr.Invalid, "error.coaching.event_not_coachees").With(map[string]any{"field": "event_id"})
			}
		} else {
			in.EventID = nil
		}
		coachID := actor.ID
		if coachee.CoachID != nil {
			coachID = *coachee.CoachID
		}
		s = Session{
			CoachID: coachID, CoacheeID: coachee.ID, HeldOn: in.HeldOn, Mode: in.Mode, EventID: in.EventID,
			Topics: textnorm.CleanText(in.Topics), Strengths: textnorm.CleanText(in.Strengths),
			Difficulties: textnorm.CleanText(in.Difficulties), NextOn: in.NextOn,
			CreatedByID: actor.ID, CreatedAt: now, UpdatedAt: now,
		}
		if err := tx.Omit("Ratings", "ActionPoints", "Coach", "Coachee").Create(&s).Error; err != nil {
			return err
		}
		if len(in.Ratings) > 0 {
			var ids []uint
			if err := tx.Model(&Competency{}).Where("active = ?", true).Pluck("id", &ids).Error; err != nil {
				return err
			}
			for _, id := range ids {
				if lvl, ok := in.Ratings[id]; ok && lvl >= MinLevel && lvl <= MaxLevel {
					s.Ratings = append(s.Ratings, Rating{SessionID: s.ID, CompetencyID: id, Level: lvl})
				}
			}
			if len(s.Ratings) > 0 {
				if err := tx.Create(&s.Ratings).Error; err != nil {
					return err
				}
			}
		}
		for _, a := range in.ActionPoints {
			s.ActionPoints = append(s.ActionPoints, ActionPoint{
				SessionID: s.ID, CoacheeID: coachee.ID, Text: textnorm.Clean(a.Text), DueOn: a.DueOn, CreatedAt: now,
			})
		}
		if len(s.ActionPoints) > 0 {
			if err := tx.Create(&s.ActionPoints).Error; err != nil {
				return err
			}
		}
		return audit.Record(tx, actor.ID, "create", "coaching_session", strconv.FormatUint(uint64(s.ID), 10), nil,
			map[string]any{"coachee_id": s.CoacheeID, "coach_id": s.CoachID, "held_on": s.HeldOn, "mode": s.Mode,
				"ratings": len(s.Ratings), "action_points": len(s.ActionPoints)})
	})
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// UpdateSession changes a coaching session: its date, mode, texts and next
// date, its ratings (replaced by in.Ratings), and adds in.ActionPoints to
// the ones it has (those keep their done state). The caller has checked that
// actor may change the coachee's records; it is checked again here.
func UpdateSession(ctx context.Context, db *gorm.DB, id uint, in SessionInput, actor *user.User, now time.Time) error {
	if err := in.Check(now); err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var s Session
		if err := tx.Preload("Coachee").Preload("Ratings").Take(&s, id).Error; err != nil {
			return apperr.Wrap(apperr.NotFound, "error.coaching.session_not_found", err)
		}
		if !AccessFor(actor, s.Coachee).Change {
			return apperr.New(apperr.Forbidden, "error.forbidden")
		}
		if in.Mode == ModeObservation {
			if in.EventID == nil {
				return apperr.New(apperr.Invalid, "error.coaching.event_required").With(map[string]any{"field": "event_id"})
			}
			var n int64
			if err := tx.Table("event_trainers").Where("event_id = ? AND user_id = ?", *in.EventID, s.CoacheeID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return apperr.New(apperr.Invalid, "error.coaching.event_not_coachees").With(map[string]any{"field": "event_id"})
			}
		} else {
			in.EventID = nil
		}
		before := map[string]any{"held_on": s.HeldOn, "mode": s.Mode, "ratings": len(s.Ratings)}
		err := tx.Model(&Session{}).Where("id = ?", id).Updates(map[string]any{
			"held_on": in.HeldOn, "mode": in.Mode, "event_id": in.EventID,
			"topics": textnorm.CleanText(in.Topics), "strengths": textnorm.CleanText(in.Strengths),
			"difficulties": textnorm.CleanText(in.Difficulties), "next_on": in.NextOn, "updated_at": now,
		}).Error
		if err != nil {
			return err
		}
		// Only the competencies in use are in the form: ratings of retired
		// ones stay as they were.
		var ids []uint
		if err := tx.Model(&Competency{}).Where("active = ?", true).Order("id").Pluck("id", &ids).Error; err != nil {
			return err
		}
		if len(ids) > 0 {
			if err := tx.Where("session_id = ? AND competency_id IN ?", id, ids).Delete(&Rating{}).Error; err != nil {
				return err
			}
		}
		var ratings []Rating
		for _, cid := range ids {
			if lvl, ok := in.Ratings[cid]; ok && lvl >= MinLevel && lvl <= MaxLevel {
				ratings = append(ratings, Rating{SessionID: id, CompetencyID: cid, Level: lvl})
			}
		}
		if len(ratings) > 0 {
			if err := tx.Create(&ratings).Error; err != nil {
				return err
			}
		}
		var aps []ActionPoint
		for _, a := range in.ActionPoints {
			aps = append(aps, ActionPoint{SessionID: id, CoacheeID: s.CoacheeID, Text: textnorm.Clean(a.Text), DueOn: a.DueOn, CreatedAt: now})
		}
		if len(aps) > 0 {
			if err := tx.Create(&aps).Error; err != nil {
				return err
			}
		}
		return audit.Record(tx, actor.ID, "update", "coaching_session", strconv.FormatUint(uint64(id), 10), before,
			map[string]any{"held_on": in.HeldOn, "mode": in.Mode, "ratings": len(ratings), "new_action_points": len(aps)})
	})
}

// GetSession returns a session with its people, ratings and action points.
func GetSession(ctx context.Context, db *gorm.DB, id uint) (*Session, error) {
	var s Session
	err := db.WithContext(ctx).Preload("Coach").Preload("Coachee").Preload("Ratings").
		Preload("ActionPoints", func(tx *gorm.DB) *gorm.DB { return tx.Order("due_on, id") }).
		Take(&s, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.Wrap(apperr.NotFound, "error.coaching.session_not_found", err)
	}
	return &s, err
}

// GetActionPoint returns an action point.
func GetActionPoint(ctx context.Context, db *gorm.DB, id uint) (*ActionPoint, error) {
	var a ActionPoint
	err := db.WithContext(ctx).Take(&a, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.Wrap(apperr.NotFound, "error.coaching.action_point_not_found", err)
	}
	return &a, err
}

// SetActionPointDone marks an action point done on day (or open again when
// done is false). The caller has checked the right to change the coachee's
// records.
func SetActionPointDone(ctx context.Context, db *gorm.DB, id uint, done bool, day string, actorID uint) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var a ActionPoint
		if err := tx.Take(&a, id).Error; err != nil {
			return apperr.Wrap(apperr.NotFound, "error.coaching.action_point_not_found", err)
		}
		before := a
		upd := map[string]any{"done_on": "", "done_by_id": nil}
		if done {
			if a.Done() {
				return nil
			}
			upd = map[string]any{"done_on": day, "done_by_id": actorID}
		}
		if err := tx.Model(&ActionPoint{}).Where("id = ?", id).Updates(upd).Error; err != nil {
			return err
		}
		return audit.Record(tx, actorID, "update", "action_point", strconv.FormatUint(uint64(id), 10),
			map[string]any{"done_on": before.DoneOn}, map[string]any{"done_on": upd["done_on"]})
	})
}

// History returns a coachee's sessions, oldest first, with ratings and
// action points (three queries in all).
func History(ctx context.Context, db *gorm.DB, coacheeID uint) ([]Session, error) {
	var out []Session
	err := db.WithContext(ctx).Preload("Coach").Preload("Ratings").
		Preload("ActionPoints", func(tx *gorm.DB) *gorm.DB { return tx.Order("due_on, id") }).
		Where("coachee_id = ?", coacheeID).Order("held_on, id").Find(&out).Error
	return out, err
}

// Coachee is a row of a coach's page.
type Coachee struct {
	User        user.User
	LastHeldOn  string // "" when never coached
	NextOn      string // the next date agreed at the last session
	Sessions    int
	OpenActions int
	Overdue     bool // no session in the last OverdueWeeks weeks
}

// Coachees returns the people coached by coachID (all trainers with a coach
// when coachID is 0, for organisers), with their last session, and who is
// overdue for coaching: never coached, or last coached more than weeks
// weeks before today.
func Coachees(ctx context.Context, db *gorm.DB, coachID uint, country string, weeks int, today string) ([]Coachee, error) {
	db = db.WithContext(ctx)
	var users []user.User
	q := db.Where("active = ?", true).Order("name")
	if country != "" {
		q = q.Where("scope_country = ?", country)
	}
	if coachID != 0 {
		q = q.Where("coach_id = ?", coachID)
	} else {
		q = q.Where("coach_id IS NOT NULL OR roles LIKE ?", "%trainer%")
	}
	if err := q.Find(&users).Error; err != nil {
		return nil, err
	}
	out := make([]Coachee, len(users))
	if len(users) == 0 {
		return out, nil
	}
	ids := make([]uint, len(users))
	index := map[uint]int{}
	for i, u := range users {
		ids[i] = u.ID
		index[u.ID] = i
		out[i].User = u
	}
	type last struct {
		CoacheeID uint
		N         int
		Last      string
	}
	var lasts []last
	err := db.Model(&Session{}).Select("coachee_id, COUNT(*) AS n, MAX(held_on) AS last").
		Where("coachee_id IN ?", ids).Group("coachee_id").Scan(&lasts).Error
	if err != nil {
		return nil, err
	}
	for _, l := range lasts {
		out[index[l.CoacheeID]].Sessions = l.N
		out[index[l.CoacheeID]].LastHeldOn = l.Last
	}
	// The next date agreed at each coachee's latest session.
	var nexts []struct {
		CoacheeID uint
		NextOn    string
	}
	err = db.Model(&Session{}).Select("coachee_id, next_on").
		Where("coachee_id IN ? AND held_on = (SELECT MAX(s2.held_on) FROM coaching_sessions s2 WHERE s2.coachee_id = coaching_sessions.coachee_id)", ids).
		Order("id").Scan(&nexts).Error
	if err != nil {
		return nil, err
	}
	for _, n := range nexts {
		out[index[n.CoacheeID]].NextOn = n.NextOn
	}
	var opens []struct {
		CoacheeID uint
		N         int
	}
	err = db.Model(&ActionPoint{}).Select("coachee_id, COUNT(*) AS n").
		Where("coachee_id IN ? AND done_on = ''", ids).Group("coachee_id").Scan(&opens).Error
	if err != nil {
		return nil, err
	}
	for _, o := range opens {
		out[index[o.CoacheeID]].OpenActions = o.N
	}
	limit := AddDays(today, -7*weeks)
	for i := range out {
		out[i].Overdue = out[i].LastHeldOn == "" || out[i].LastHeldOn < limit
	}
	return out, nil
}

// DueAction is an open action point with its coachee's name.
type DueAction struct {
	ActionPoint
	CoacheeName string
}

// WeekEnd is the Sunday that ends the week (Monday to Sunday) of day.
func WeekEnd(day string) string {
	t, ok := ParseDate(day)
	if !ok {
		return day
	}
	wd := int(t.Weekday())
	if wd == 0 {
		wd = 7
	}
	return t.AddDate(0, 0, 7-wd).Format(DateLayout)
}

// DueThisWeek returns the open action points of coachID's coachees (all
// coachees when coachID is 0) due by the end of this week, overdue ones
// included, soonest first.
func DueThisWeek(ctx context.Context, db *gorm.DB, coachID uint, country string, today string) ([]DueAction, error) {
	var out []DueAction
	q := db.WithContext(ctx).Table("action_points ap").Select("ap.*, u.name AS coachee_name").
		Joins("JOIN users u ON u.id = ap.coachee_id").
		Where("ap.done_on = '' AND ap.due_on <= ?", WeekEnd(today))
	if country != "" {
		q = q.Where("u.scope_country = ?", country)
	}
	if coachID != 0 {
		q = q.Where("u.coach_id = ?", coachID)
	}
	err := q.Order("ap.due_on, ap.id").Limit(500).Scan(&out).Error
	return out, err
}

// TopicsList splits free-text topics written one per line or separated by
// commas, for display.
func TopicsList(s string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}
