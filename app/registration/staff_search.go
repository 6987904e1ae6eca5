package registration

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// StaffQuery narrows the registrations of an event on the staff pages.
type StaffQuery struct {
	// Q is a name (matched without case or diacritics, đ included) or a
	// phone number (as people write it, or its last digits).
	Q      string
	Status Status
	Limit  int // 0: no limit (exports)
	Offset int
}

// likeEscape escapes LIKE wildcards in user text (used with ESCAPE '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// digitsOnly tells whether q holds only digits and phone punctuation, and
// returns the digits.
func digitsOnly(q string) (string, bool) {
	var b strings.Builder
	for _, r := range q {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '.' || r == '-' || r == '+' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	return b.String(), b.Len() > 0
}

func (q StaffQuery) apply(db *gorm.DB, eventID uint) *gorm.DB {
	tx := db.Model(&Registration{}).Where("event_id = ?", eventID)
	if q.Status != "" {
		tx = tx.Where("status = ?", q.Status)
	}
	text := textnorm.Clean(q.Q)
	if text == "" {
		return tx
	}
	if digits, ok := digitsOnly(text); ok {
		if n, err := phone.Parse(text); err == nil {
			return tx.Where("phone = ?", n.E164)
		}
		// A part of a number: its last digits are what people read out.
		if len(digits) > 0 && digits[0] == '0' {
			digits = digits[1:]
		}
		return tx.Where(`phone LIKE ? ESCAPE '\'`, "%"+likeEscape(digits)+"%")
	}
	return tx.Where(`name_folded LIKE ? ESCAPE '\'`, "%"+likeEscape(textnorm.Fold(text))+"%")
}

// StaffSearch returns the registrations of an event matching q, in the order
// they came (waiting list order for waitlisted ones), and how many match.
func StaffSearch(ctx context.Context, db *gorm.DB, eventID uint, q StaffQuery) ([]Registration, int64, error) {
	db = db.WithContext(ctx)
	var total int64
	if err := q.apply(db, eventID).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	tx := q.apply(db, eventID).Order("created_at, id")
	if q.Limit > 0 {
		tx = tx.Limit(q.Limit).Offset(q.Offset)
	}
	var out []Registration
	err := tx.Find(&out).Error
	return out, total, err
}

// StatusCounts counts an event's registrations (rows and seats) by status.
type StatusCounts struct {
	Rows  map[Status]int
	Seats map[Status]int
}

// CountByStatus counts the registrations of an event by status in one query.
func CountByStatus(ctx context.Context, db *gorm.DB, eventID uint) (StatusCounts, error) {
	var rows []struct {
		Status Status
		N      int
		Seats  int
	}
	err := db.WithContext(ctx).Model(&Registration{}).
		Select("status, COUNT(*) AS n, COALESCE(SUM(group_size), 0) AS seats").
		Where("event_id = ?", eventID).Group("status").Scan(&rows).Error
	out := StatusCounts{Rows: map[Status]int{}, Seats: map[Status]int{}}
	for _, r := range rows {
		out.Rows[r.Status], out.Seats[r.Status] = r.N, r.Seats
	}
	return out, err
}
