package sessionreport_test

import (
	"os"
	"reflect"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/sessionreport"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

func TestFlagPhones(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		{"Mẹ em gọi 0912 345 678 để hỏi thêm.", []string{"…5678"}},
		{"Số của chị ấy: 091.234.5678", []string{"…5678"}},
		{"call +84 91 234 5678 tomorrow", []string{"…5678"}},
		{"số cũ 0168 123 4567 vẫn dùng", []string{"…4567"}},     // pre-2018 mobile, converted
		{"Văn phòng: 028 3829 1234", []string{"…1234"}},         // a landline is still a phone number
		{"25 trẻ em và 30 phụ huynh, năm 2024, phòng 101", nil}, // counts and years
		{"Mã lớp 1234567890123", nil},                           // 13 digits: no such number
		{"Hotline 111 cho trẻ em", nil},                         // too short to be a personal number
	}
	for _, c := range cases {
		if got := sessionreport.FlagPhones(c.text, "VN"); !reflect.DeepEqual(got, c.want) {
			t.Errorf("FlagPhones(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestFlagNames(t *testing.T) {
	cases := []struct {
		text string
		want []string
	}{
		// Two or more capitalised words in a row, mid-sentence: flagged.
		{"Có em Nguyễn Thị Mai hỏi về việc làm ở xa.", []string{"Nguyễn Thị Mai"}},
		// A family name opening the sentence keeps the run whole.
		{"Trần Văn Bình, 12 tuổi, kể chuyện của em.", []string{"Trần Văn Bình"}},
		// The first capital of a sentence is grammar, not a name.
		{"Chị Lan nói rằng con chị đi làm xa.", nil},
		{"Các em hỏi nhiều. Buổi chiều mưa to.", nil},
		// A given name alone is allowed.
		{"em Hoa 15 tuổi hỏi cách báo tin", nil},
		// Places and organisations of the programme are not names.
		{"Buổi chiếu ở Phan Thiết rất đông, nhiều người từ Thành Phố Hồ Chí Minh.", nil},
		{"Đại diện Sở Lao Động phát biểu.", nil},
		// A foreign full name mid-sentence is flagged too.
		{"The film was shown by Claire Martin and Lê Văn Đức.", []string{"Claire Martin", "Lê Văn Đức"}},
		// Capitals in two lines are two runs.
		{"Phạm Thu\nTrang hỏi", []string{"Phạm Thu"}},
		// Acronyms are not capitalised words.
		{"UBND phường và CTSE tham gia", nil},
	}
	for _, c := range cases {
		if got := sessionreport.FlagNames(c.text); !reflect.DeepEqual(got, c.want) {
			t.Errorf("FlagNames(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// TestEventFiguresWithOtherAreasTables creates the attendance and quiz
// tables as the contracts describe them (their areas are merged later) and
// checks the figures against a worked example on both databases.
func TestEventFiguresWithOtherAreasTables(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		e := testutil.Event(t, db, testutil.EventOpts{StartsIn: -48 * time.Hour})
		r1 := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		r2 := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Kind: registration.KindGroup, Size: 10})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Status: registration.StatusWaitlisted})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Status: registration.StatusCancelled})
		walk := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Kind: registration.KindWalkIn})

		// Once the attendance and quiz branches are merged their migrations
		// create these tables with more columns: this test replaces them
		// with the contract's columns, which is all this package reads.
		for _, name := range []string{"quiz_answers", "quiz_attempts", "attendances", "headcounts"} {
			if db.Migrator().HasTable(name) {
				if err := db.Migrator().DropTable(name); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Before the other areas' tables exist: registrations only.
		figs, err := sessionreport.EventFigures(ctx, db, []uint{e.ID})
		if err != nil {
			t.Fatal(err)
		}
		f := figs[e.ID]
		// Registered: 1 + 10 (group) + 1 (waitlisted) = 12; confirmed 11.
		if f.Registered != 12 || f.Confirmed != 11 || f.Attended != nil || f.Headcount != nil || f.Quiz != nil {
			t.Fatalf("figures without other tables = %+v", f)
		}

		for _, stmt := range []string{
			`CREATE TABLE attendances (id INTEGER PRIMARY KEY, event_id INTEGER NOT NULL, registration_id INTEGER NOT NULL UNIQUE, checked_in_at TIMESTAMP, checked_in_by_id INTEGER, source VARCHAR(16), client_id VARCHAR(64))`,
			`CREATE TABLE headcounts (id INTEGER PRIMARY KEY, event_id INTEGER NOT NULL, sex VARCHAR(16), age_band VARCHAR(16), count INTEGER NOT NULL, recorded_by_id INTEGER, updated_at TIMESTAMP)`,
			`CREATE TABLE quiz_attempts (id INTEGER PRIMARY KEY, event_id INTEGER NOT NULL, registration_id INTEGER NULL, anon_code VARCHAR(16) NULL, phase VARCHAR(8) NOT NULL, score_pct REAL NULL, submitted_at TIMESTAMP NULL)`,
		} {
			if err := db.Exec(stmt).Error; err != nil {
				t.Fatal(err)
			}
		}
		now := time.Now().UTC()
		// Attended: r1 (1), the group r2 (10), the walk-in (1) = 12.
		for i, r := range []uint{r1.ID, r2.ID, walk.ID} {
			db.Exec(`INSERT INTO attendances (id, event_id, registration_id, checked_in_at) VALUES (?, ?, ?, ?)`, i+1, e.ID, r, now)
		}
		// Headcount: 7 women + 5 men = 12.
		db.Exec(`INSERT INTO headcounts (id, event_id, sex, age_band, count) VALUES (1, ?, 'female', '25_59', 7), (2, ?, 'male', '25_59', 5)`, e.ID, e.ID)
		// Quizzes: r1 pre 40 post 80; anonymous "K7" pre 60 post 70; "K9"
		// pre 50 only; one post without pre (r2) 90; one unsubmitted pre;
		// "K2" with an unscored pre and a post of 50.
		// Pre mean (40+60+50)/3 = 50; post mean (80+70+90+50)/4 = 72.5;
		// paired: r1 +40, K7 +10 → 2 people, mean gain 25.
		db.Exec(`INSERT INTO quiz_attempts (id, event_id, registration_id, anon_code, phase, score_pct, submitted_at) VALUES
			(1, ?, ?, NULL, 'pre', 40, ?), (2, ?, ?, NULL, 'post', 80, ?),
			(3, ?, NULL, 'K7', 'pre', 60, ?), (4, ?, NULL, 'K7', 'post', 70, ?),
			(5, ?, NULL, 'K9', 'pre', 50, ?), (6, ?, ?, NULL, 'post', 90, ?),
			(7, ?, NULL, 'K1', 'pre', 10, NULL), (8, ?, NULL, 'K2', 'pre', NULL, ?), (9, ?, NULL, 'K2', 'post', 50, ?)`,
			e.ID, r1.ID, now, e.ID, r1.ID, now, e.ID, now, e.ID, now, e.ID, now, e.ID, r2.ID, now, e.ID, e.ID, now, e.ID, now)

		figs, err = sessionreport.EventFigures(ctx, db, []uint{e.ID})
		if err != nil {
			t.Fatal(err)
		}
		f = figs[e.ID]
		if f.Attended == nil || *f.Attended != 12 || f.Headcount == nil || *f.Headcount != 12 || f.Reached() != 24 {
			t.Errorf("attended/headcount = %v/%v", f.Attended, f.Headcount)
		}
		q := f.Quiz
		if q == nil || q.PreN != 3 || q.PostN != 4 || q.PreMean != 50 || q.PostMean != 72.5 || q.Paired != 2 || q.PairedGain != 25 {
			t.Errorf("quiz = %+v", q)
		}
	})
}

func TestRemindOncePerDay(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -72 * time.Hour})
		org := testutil.Staff(t, db, user.RoleOrganiser)
		tr := testutil.Staff(t, db, user.RoleTrainer)
		db.Model(tr).Updates(map[string]any{"phone": "+84912000001", "lang": "vi"})
		testutil.AssignTrainer(t, db, e.ID, tr.ID)
		text := func(lang, title, date string) string { return lang + ":" + title + ":" + date }

		res, err := sessionreport.Remind(ctx, db, e.ID, org.ID, now, text)
		if err != nil {
			t.Fatal(err)
		}
		if res.Trainers != 1 || res.SMS != 1 || res.Already != 0 {
			t.Errorf("first reminder = %+v", res)
		}
		res, err = sessionreport.Remind(ctx, db, e.ID, org.ID, now.Add(2*time.Hour), text)
		if err != nil {
			t.Fatal(err)
		}
		if res.Trainers != 0 || res.SMS != 0 || res.Already != 1 {
			t.Errorf("second reminder the same day = %+v", res)
		}
		var n int64
		db.Table("sms_messages").Where("event_id = ? AND kind = ?", e.ID, "report_reminder").Count(&n)
		if n != 1 {
			t.Errorf("%d SMS queued, want 1", n)
		}
		// A session still running, or cancelled, cannot be reminded.
		running := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -time.Hour})
		testutil.AssignTrainer(t, db, running.ID, tr.ID)
		if _, err := sessionreport.Remind(ctx, db, running.ID, org.ID, now, text); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("running session: %v", err)
		}
		db.Model(&event.Event{}).Where("id = ?", running.ID).Update("status", event.StatusCancelled)
		if _, err := sessionreport.Remind(ctx, db, running.ID, org.ID, now.Add(3*time.Hour), text); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("cancelled session: %v", err)
		}
		// The next day (in Vietnam) another reminder goes out.
		res, _ = sessionreport.Remind(ctx, db, e.ID, org.ID, now.Add(24*time.Hour), text)
		if res.SMS != 1 {
			t.Errorf("next day = %+v", res)
		}
	})
}
