package report

import (
	"context"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/rating"
)

// RatingSessionsMax caps the sessions listed with their ratings on a page.
const RatingSessionsMax = 50

// Ratings are the participants' ratings of the sessions held in a filter's
// scope (issue 15): all together, per session and per trainer. Only
// answered requests count.
type Ratings struct {
	Total        rating.Summary
	Sessions     []SessionRating
	MoreSessions int
	Trainers     []TrainerRating
}

// SessionRating is one session's answers.
type SessionRating struct {
	EventID  uint
	Code     string
	StartsAt time.Time
	Title    string
	TitleOwn string
	Summary  rating.Summary `gorm:"-"`
}

// DisplayTitle is the title in the requested language, else the session's own.
func (s SessionRating) DisplayTitle() string {
	if s.Title != "" {
		return s.Title
	}
	return s.TitleOwn
}

// Local is the session's start in the programme's time zone.
func (s SessionRating) Local() time.Time { return locale.In(s.StartsAt, ProgrammeTZ) }

// TrainerRating is the answers about the sessions a trainer ran (a session
// with two trainers counts for both).
type TrainerRating struct {
	UserID   uint
	Name     string
	Sessions int
	Summary  rating.Summary
}

// RatingFigures computes Ratings in four queries, whatever the number of
// sessions: newest sessions first, trainers by name.
func RatingFigures(ctx context.Context, db *gorm.DB, f Filter, lang string, now time.Time) (*Ratings, error) {
	db = db.WithContext(ctx)
	where, args := f.scope(now, true)
	var perEvent []struct {
		EventID uint
		Stars   int
		N       int
	}
	if err := db.Raw(`SELECT s.event_id AS event_id, s.stars AS stars, COUNT(*) AS n
		FROM session_ratings s JOIN events e ON e.id = s.event_id
		WHERE s.stars IS NOT NULL AND `+where+` GROUP BY s.event_id, s.stars`, args...).Scan(&perEvent).Error; err != nil {
		return nil, err
	}
	out := &Ratings{}
	byEvent := map[uint]*rating.Summary{}
	var ids []uint
	for _, r := range perEvent {
		out.Total.Add(r.Stars, r.N)
		if byEvent[r.EventID] == nil {
			byEvent[r.EventID] = &rating.Summary{}
			ids = append(ids, r.EventID)
		}
		byEvent[r.EventID].Add(r.Stars, r.N)
	}
	if len(ids) == 0 {
		return out, nil
	}
	if err := ratedSessions(db, out, byEvent, ids, lang); err != nil {
		return nil, err
	}
	if err := ratedTrainers(db, out, where, args); err != nil {
		return nil, err
	}
	return out, nil
}

// ratedSessions lists the rated sessions with their titles, newest first.
func ratedSessions(db *gorm.DB, out *Ratings, byEvent map[uint]*rating.Summary, ids []uint, lang string) error {
	var lines []SessionRating
	if err := db.Raw(`SELECT e.id AS event_id, e.code AS code, e.starts_at AS starts_at,
			COALESCE(tl.title, '') AS title, COALESCE(tv.title, '') AS title_own
		FROM events e
		LEFT JOIN event_translations tl ON tl.event_id = e.id AND tl.lang = ?
		LEFT JOIN event_translations tv ON tv.event_id = e.id AND tv.lang = e.lang
		WHERE e.id IN ?`, lang, ids).Scan(&lines).Error; err != nil {
		return err
	}
	sort.Slice(lines, func(i, j int) bool {
		if !lines[i].StartsAt.Equal(lines[j].StartsAt) {
			return lines[i].StartsAt.After(lines[j].StartsAt)
		}
		return lines[i].EventID > lines[j].EventID
	})
	for i := range lines {
		lines[i].Summary = *byEvent[lines[i].EventID]
	}
	if len(lines) > RatingSessionsMax {
		out.MoreSessions = len(lines) - RatingSessionsMax
		lines = lines[:RatingSessionsMax]
	}
	out.Sessions = lines
	return nil
}

// ratedTrainers adds up the answers per trainer of the rated sessions.
func ratedTrainers(db *gorm.DB, out *Ratings, where string, args []any) error {
	var rows []struct {
		UserID uint
		Name   string
		Stars  int
		N      int
	}
	if err := db.Raw(`SELECT t.user_id AS user_id, u.name AS name, s.stars AS stars, COUNT(*) AS n
		FROM session_ratings s JOIN events e ON e.id = s.event_id
		JOIN event_trainers t ON t.event_id = e.id JOIN users u ON u.id = t.user_id
		WHERE s.stars IS NOT NULL AND `+where+` GROUP BY t.user_id, u.name, s.stars`, args...).Scan(&rows).Error; err != nil {
		return err
	}
	var sessions []struct {
		UserID   uint
		Sessions int
	}
	if err := db.Raw(`SELECT t.user_id AS user_id, COUNT(DISTINCT s.event_id) AS sessions
		FROM session_ratings s JOIN events e ON e.id = s.event_id JOIN event_trainers t ON t.event_id = e.id
		WHERE s.stars IS NOT NULL AND `+where+` GROUP BY t.user_id`, args...).Scan(&sessions).Error; err != nil {
		return err
	}
	byUser := map[uint]*TrainerRating{}
	for _, r := range rows {
		tr := byUser[r.UserID]
		if tr == nil {
			tr = &TrainerRating{UserID: r.UserID, Name: r.Name}
			byUser[r.UserID] = tr
		}
		tr.Summary.Add(r.Stars, r.N)
	}
	for _, s := range sessions {
		if tr := byUser[s.UserID]; tr != nil {
			tr.Sessions = s.Sessions
		}
	}
	for _, tr := range byUser {
		out.Trainers = append(out.Trainers, *tr)
	}
	sort.Slice(out.Trainers, func(i, j int) bool {
		if out.Trainers[i].Name != out.Trainers[j].Name {
			return out.Trainers[i].Name < out.Trainers[j].Name
		}
		return out.Trainers[i].UserID < out.Trainers[j].UserID
	})
	return nil
}
