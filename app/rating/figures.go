package rating

import (
	"context"

	"gorm.io/gorm"
)

// Summary is the answers of a set of ratings: how many, their total and
// how many gave each number of stars.
type Summary struct {
	Count int
	Sum   int
	// Dist[i] is the number of answers with i+1 stars.
	Dist [MaxStars]int
}

// Average is the mean number of stars (0 without answers).
func (s Summary) Average() float64 {
	if s.Count == 0 {
		return 0
	}
	return float64(s.Sum) / float64(s.Count)
}

// Bar is one line of the distribution, for pages: the stars, the answers
// and their share (0–100) of all answers.
type Bar struct {
	Stars   int
	Count   int
	Percent float64
}

// Bars is the distribution from 5 stars down to 1.
func (s Summary) Bars() []Bar {
	out := make([]Bar, 0, MaxStars)
	for stars := MaxStars; stars >= MinStars; stars-- {
		n := s.Dist[stars-1]
		b := Bar{Stars: stars, Count: n}
		if s.Count > 0 {
			b.Percent = 100 * float64(n) / float64(s.Count)
		}
		out = append(out, b)
	}
	return out
}

// Add counts n answers of the given stars.
func (s *Summary) Add(stars, n int) {
	if stars < MinStars || stars > MaxStars || n <= 0 {
		return
	}
	s.Count += n
	s.Sum += stars * n
	s.Dist[stars-1] += n
}

// StarCount is a number of answers with the same stars (a row of a
// GROUP BY), for the queries that build Summaries.
type StarCount struct {
	Stars int
	N     int
}

// CommentsShown caps the comments listed beside a session's report.
const CommentsShown = 50

// EventRatings are a session's answers as its report page shows them: the
// summary and the comments, newest first, with their stars and nothing
// that names their author.
type EventRatings struct {
	Summary  Summary
	Comments []Comment
}

// Comment is one answer's comment.
type Comment struct {
	Stars int
	Text  string
}

// ForEvent gives a session's answers, in two queries.
func ForEvent(ctx context.Context, db *gorm.DB, eventID uint) (*EventRatings, error) {
	db = db.WithContext(ctx)
	var rows []StarCount
	if err := db.Raw(`SELECT stars, COUNT(*) AS n FROM session_ratings
		WHERE event_id = ? AND stars IS NOT NULL GROUP BY stars`, eventID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := &EventRatings{}
	for _, r := range rows {
		out.Summary.Add(r.Stars, r.N)
	}
	err := db.Raw(`SELECT stars, comment AS text FROM session_ratings
		WHERE event_id = ? AND stars IS NOT NULL AND comment <> '' ORDER BY rated_at DESC, id DESC LIMIT ?`,
		eventID, CommentsShown).Scan(&out.Comments).Error
	return out, err
}
