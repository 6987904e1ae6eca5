package seed

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/rating"
)

// demoComments are what people write under their stars, now and then.
var demoComments = []string{
	"Phim rất xúc động, con tôi cần xem.",
	"Cảm ơn, tôi đã lưu số đường dây nóng 111.",
	"Nên có thêm thời gian để hỏi đáp.",
	"Hội trường hơi nóng, nhưng nội dung rất hữu ích.",
	"Tôi sẽ kể lại cho hàng xóm.",
}

// seedDemoRatings answers the rating requests of the sessions that are over
// (issue 15), so that the dashboard and the session reports show ratings:
// a request for each adult present with a phone number, as the job sends
// them, and two in three answered, mostly four or five stars, a few with a
// comment. Only people present are asked (TestDemoIsBelievable). The demo's
// links open nothing: their tokens were never sent anywhere.
func seedDemoRatings(tx *gorm.DB, eventIDs []uint, now time.Time) error {
	var asked []struct {
		RegistrationID uint
		EventID        uint
		EndsAt         time.Time
	}
	if err := tx.Raw(`SELECT r.id AS registration_id, r.event_id AS event_id, e.ends_at AS ends_at
		FROM registrations r JOIN events e ON e.id = r.event_id
		WHERE e.id IN ? AND e.status = 'published' AND e.ends_at < ?
			AND r.kind = 'individual' AND r.phone IS NOT NULL AND r.age_band NOT IN ('under_16', '16_17')
			AND EXISTS (SELECT 1 FROM attendances a WHERE a.registration_id = r.id)
			AND NOT EXISTS (SELECT 1 FROM session_ratings s WHERE s.registration_id = r.id)
		ORDER BY r.id`, eventIDs, now.Add(-rating.SendAfter)).Scan(&asked).Error; err != nil {
		return err
	}
	rows := make([]rating.Rating, 0, len(asked))
	for _, a := range asked {
		rng := rand.New(rand.NewPCG(uint64(a.RegistrationID), 15))
		sum := sha256.Sum256(fmt.Appendf(nil, "demo-rating-%d-%d", a.RegistrationID, rng.Uint64()))
		row := rating.Rating{EventID: a.EventID, RegistrationID: a.RegistrationID, TokenHash: hex.EncodeToString(sum[:]),
			RequestedAt: a.EndsAt.Add(rating.SendAfter)}
		if rng.IntN(3) < 2 {
			stars := []int{2, 3, 3, 4, 4, 4, 5, 5, 5, 5}[rng.IntN(10)]
			at := row.RequestedAt.Add(time.Duration(5+rng.IntN(600)) * time.Minute)
			row.Stars, row.RatedAt = &stars, &at
			if rng.IntN(4) == 0 {
				row.Comment = demoComments[rng.IntN(len(demoComments))]
			}
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return nil
	}
	return tx.CreateInBatches(rows, 200).Error
}
