package message

import (
	"time"

	"gorm.io/gorm"
)

// Announcements (Decree 91/2020/ND-CP): a session offered to people who
// asked to hear about future sessions (table announcement_optins, owned by
// the registration package). Besides quiet hours, the sender checks two
// things at the moment it sends, not when the message was queued:
//
//   - the number still wants them: a stop (link, SMS keyword, "my data")
//     cancels what is queued, and a message claimed meanwhile is dropped
//     here;
//   - the number's daily cap (ANNOUNCEMENT_DAILY_CAP, in the recipient's
//     local day): a message over the cap waits for 07:00 the next day.

// HeldDailyCap: the number had its announcements of the day.
const HeldDailyCap = "daily_cap"

// StoppedError is what an announcement to a number that stopped them
// records; it is not sent.
const StoppedError = "announcements stopped by the recipient; not sent"

// DefaultAnnouncementCap is ANNOUNCEMENT_DAILY_CAP's default.
const DefaultAnnouncementCap = 1

// slot is the outcome of asking for one announcement's place in the day.
type slot int

const (
	slotTaken   slot = iota // send it
	slotFull                // over the cap: wait for tomorrow
	slotStopped             // the number stopped announcements: drop it
)

// takeAnnouncementSlot counts m in its recipient's local day, when the
// number still wants announcements and is under the cap. One conditional
// UPDATE on the number's row: two instances sending two announcements to
// one number at once cannot both pass a cap of one (the row's lock
// serialises them; the second sees the first one's count).
func takeAnnouncementSlot(db *gorm.DB, m *Message, cap int, now time.Time) (slot, error) {
	day := now.In(RecipientZone(m.To)).Format(time.DateOnly)
	res := db.Exec(`UPDATE announcement_optins
SET day = ?, day_count = CASE WHEN day = ? THEN day_count + 1 ELSE 1 END, updated_at = ?
WHERE phone = ? AND opted_in_at IS NOT NULL AND stopped_at IS NULL AND (day <> ? OR day_count < ?)`,
		day, day, now, m.To, day, cap)
	if res.Error != nil {
		return 0, res.Error
	}
	if res.RowsAffected == 1 {
		return slotTaken, nil
	}
	var live int64
	if err := db.Table("announcement_optins").
		Where("phone = ? AND opted_in_at IS NOT NULL AND stopped_at IS NULL", m.To).Count(&live).Error; err != nil {
		return 0, err
	}
	if live == 0 {
		return slotStopped, nil
	}
	return slotFull, nil
}

// NextLocalMorning is 07:00 of the recipient's next local day, in UTC.
func NextLocalMorning(e164 string, now time.Time) time.Time {
	local := now.In(RecipientZone(e164))
	return time.Date(local.Year(), local.Month(), local.Day()+1, QuietTo, 0, 0, 0, local.Location()).UTC()
}

// holdOrDropAnnouncement applies the announcement rules to a claimed
// message; it tells whether the message was held or dropped (handled).
func (s *Sender) holdOrDropAnnouncement(db *gorm.DB, m *Message, now time.Time) (bool, error) {
	if Class(m.Kind) != ClassAnnouncement {
		return false, nil
	}
	cap := s.AnnouncementCap
	if cap <= 0 {
		cap = DefaultAnnouncementCap
	}
	got, err := takeAnnouncementSlot(db, m, cap, now)
	if err != nil {
		return false, err
	}
	mine := db.Model(&Message{}).Where("id = ? AND status = ?", m.ID, StatusSending)
	switch got {
	case slotStopped:
		return true, mine.Updates(map[string]any{"status": StatusFailed, "locked_until": nil, "last_error": StoppedError,
			"held_reason": ""}).Error
	case slotFull:
		return true, mine.Updates(map[string]any{"status": StatusQueued, "locked_until": nil, "next_attempt_at": NextLocalMorning(m.To, now),
			"held_reason": HeldDailyCap, "attempts": gorm.Expr("attempts - 1")}).Error
	}
	return false, nil
}
