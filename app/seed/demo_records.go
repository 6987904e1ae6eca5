package seed

import (
	"fmt"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/sessionreport"
)

// demoDay is a date in the programme's time zone, as records keep it.
func demoDay(now time.Time, loc *time.Location, days int) string {
	return now.In(loc).AddDate(0, 0, days).Format("2006-01-02")
}

// seedDemoCoaching records, for each coachee who has none yet, four
// coaching sessions over the last five months whose ratings rise over
// time, with action points mostly done on time, one late, and one of the
// last session overdue (so that the coach's page shows who needs a call).
func seedDemoCoaching(tx *gorm.DB, now time.Time, loc *time.Location) error {
	var coachees []struct {
		ID, CoachID uint
		Lang        string
	}
	if err := tx.Table("users").Select("id, coach_id, lang").
		Where("coach_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM coaching_sessions s WHERE s.coachee_id = users.id)").
		Order("id").Scan(&coachees).Error; err != nil {
		return err
	}
	var comps []uint
	if err := tx.Table("competencies").Where("active = ?", true).Order("position").Pluck("id", &comps).Error; err != nil {
		return err
	}
	type text struct{ topics, strengths, difficulties, action string }
	texts := map[string][]text{
		"vi": {
			{"Chuẩn bị buổi chiếu phim, cách mở đầu thảo luận", "Nắm chắc nội dung phim", "Còn đọc theo giấy, ít hỏi người tham dự", "Soạn ba câu hỏi mở cho phần thảo luận"},
			{"Dẫn thảo luận với phụ huynh", "Lắng nghe tốt, tóm tắt rõ", "Chưa để ý người ngồi cuối phòng", "Mời ít nhất ba người chưa phát biểu"},
			{"Quan sát buổi sinh hoạt tại CSWC", "Tự tin hơn, quản lý thời gian tốt", "Phần chuyển tuyến còn nhanh", "Giới thiệu đường dây 111 và cách gọi"},
			{"Xử lý câu hỏi khó về trường hợp cụ thể", "Bình tĩnh, không nêu tên ai", "Chưa ghi lại việc cần theo dõi", "Ghi các việc cần theo dõi trong báo cáo buổi"},
		},
		"en": {
			{"Preparing a screening, opening the debate", "Knows the film well", "Still reads from notes, asks the audience little", "Write three open questions for the debate"},
			{"Leading a debate with parents", "Listens well, sums up clearly", "Misses the people at the back of the room", "Invite at least three people who have not spoken"},
			{"Observation of a session at CSWC", "More confident, keeps time well", "Referrals are rushed", "Present the 111 hotline and how to call it"},
			{"Handling hard questions about a real case", "Calm, names nobody", "Does not note follow-ups yet", "Write the follow-ups in the session report"},
		},
	}
	modes := []string{coaching.ModeOnSite, coaching.ModeRemote, coaching.ModeObservation, coaching.ModeOnSite}
	for _, c := range coachees {
		rng := rand.New(rand.NewPCG(uint64(c.ID), 21))
		tx := tx
		lang := c.Lang
		if _, ok := texts[lang]; !ok {
			lang = "vi"
		}
		base := map[uint]int{}
		for _, id := range comps {
			base[id] = 1 + rng.IntN(2)
		}
		for i, days := range []int{-150, -105, -60, -20} {
			held := demoDay(now, loc, days)
			tt := texts[lang][i]
			at := now.AddDate(0, 0, days)
			s := coaching.Session{CoachID: c.CoachID, CoacheeID: c.ID, HeldOn: held, Mode: modes[i],
				Topics: tt.topics, Strengths: tt.strengths, Difficulties: tt.difficulties,
				CreatedByID: c.CoachID, CreatedAt: at, UpdatedAt: at}
			if i < 3 {
				s.NextOn = demoDay(now, loc, days+45)
			}
			for _, id := range comps {
				// Rising over the sessions, a step every other one or so.
				s.Ratings = append(s.Ratings, coaching.Rating{CompetencyID: id, Level: min(coaching.MaxLevel, base[id]+(i+rng.IntN(2))/2)})
			}
			due := days + 21
			ap := coaching.ActionPoint{CoacheeID: c.ID, Text: tt.action, DueOn: demoDay(now, loc, due), CreatedAt: at}
			switch {
			case i == 1:
				ap.DoneOn = demoDay(now, loc, due+6) // done, a week late
			case due < 0:
				ap.DoneOn = demoDay(now, loc, due-3)
			}
			if ap.DoneOn != "" {
				ap.DoneByID = &c.ID
			}
			s.ActionPoints = append(s.ActionPoints, ap)
			if i == 3 {
				// From the last session: one overdue now, one to come.
				s.ActionPoints[0].DueOn = demoDay(now, loc, -6)
				s.ActionPoints = append(s.ActionPoints, coaching.ActionPoint{CoacheeID: c.ID, Text: texts[lang][0].action,
					DueOn: demoDay(now, loc, 10), CreatedAt: at})
			}
			if err := tx.Create(&s).Error; err != nil {
				return fmt.Errorf("demo coaching: %w", err)
			}
		}
	}
	return nil
}

// seedDemoReports writes a session report for every session that is over
// and has none, by its trainer, but the most recent one: its report is
// still due, so the reminder shows. Reports name nobody.
func seedDemoReports(tx *gorm.DB, eventIDs []uint, now time.Time) error {
	var evs []struct {
		ID, UserID uint
		Kind       string
		EndsAt     time.Time
	}
	if err := tx.Table("events e").Select("e.id, t.user_id, e.kind, e.ends_at").
		Joins("JOIN event_trainers t ON t.event_id = e.id").
		Where("e.id IN ? AND e.ends_at < ? AND e.status = ? AND NOT EXISTS (SELECT 1 FROM session_reports r WHERE r.event_id = e.id)", eventIDs, now, "published").
		Order("e.ends_at DESC, e.id").Scan(&evs).Error; err != nil {
		return err
	}
	if len(evs) < 2 {
		return nil
	}
	film := sessionreport.Report{Lang: "vi",
		Covered:   "Chiếu phim, thảo luận các thủ đoạn dụ dỗ bằng lời hứa việc làm, giới thiệu đường dây nóng 111.",
		HowItWent: "Phụ huynh tham gia sôi nổi; nhiều người kể về tin nhắn tuyển dụng lạ trên mạng xã hội.",
		Questions: "Làm sao kiểm tra một công ty tuyển dụng? Trẻ dưới 16 tuổi có được đi làm xa không?",
		Topics:    "trafficking_traps,labour_migration,reporting_channels"}
	workshop := sessionreport.Report{Lang: "vi",
		Covered:   "Quy trình tiếp nhận và chuyển tuyến khi phát hiện trẻ có nguy cơ; vai trò của từng cơ quan.",
		HowItWent: "Cán bộ phường và công an trao đổi nhiều về phối hợp; cần thêm tài liệu về quy trình.",
		Questions: "Ai là đầu mối tại phường sau khi sắp xếp lại địa giới? Cách ghi nhận khi gia đình không muốn trình báo?",
		Topics:    "reporting_channels,children_rights,family_support"}
	for i, e := range evs[1:] { // the most recent session's report is still due
		r := film
		if e.Kind == "authority_workshop" {
			r = workshop
		}
		at := e.EndsAt.Add(20 * time.Hour)
		r.EventID, r.AuthorID, r.CreatedAt, r.UpdatedAt = e.ID, e.UserID, at, at
		r.FollowUps = []sessionreport.FollowUp{{Position: 1, Action: "Gửi tài liệu về đường dây 111 cho đối tác", Owner: "Trainer", DueOn: at.AddDate(0, 0, 14).Format("2006-01-02")}}
		r.Referrals = []sessionreport.Referral{{Service: "social_work", Count: 1 + i%3}}
		if i%2 == 0 {
			r.Referrals = append(r.Referrals, sessionreport.Referral{Service: "psychosocial", Count: 1})
		}
		if err := tx.Create(&r).Error; err != nil {
			return fmt.Errorf("demo report: %w", err)
		}
	}
	return nil
}
