package seed_test

import (
	"testing"
	"time"

	"gorm.io/gorm"

	lantern "github.com/lantern-ngo/lantern"
	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/seed"
	"github.com/lantern-ngo/lantern/app/testutil"
)

func TestScaleGenerator(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
		st, err := seed.Scale(t.Context(), db, lantern.Assets, 1, now, nil)
		if err != nil {
			t.Fatal(err)
		}
		// 15 sessions of 66 people; 13 answers per attempt.
		if st.Events != 15 || st.Registrations != 990 {
			t.Errorf("events %d, registrations %d; want 15 and 990", st.Events, st.Registrations)
		}
		if st.Answers != st.Attempts*13 || st.Attempts != st.Registrations+st.Checkins {
			t.Errorf("attempts %d, answers %d, check-ins %d: every registrant takes the pre quiz, attendees the post quiz", st.Attempts, st.Answers, st.Checkins)
		}
		if st.Checkins < 300 || st.Checkins > 600 {
			t.Errorf("check-ins %d, want about half", st.Checkins)
		}
		var seats, confirmed int64
		db.Table("events").Where("code LIKE 'X%'").Select("COALESCE(SUM(seats_taken), 0)").Scan(&seats)
		db.Table("registrations").Where("status = 'confirmed'").Count(&confirmed)
		if seats != confirmed {
			t.Errorf("seats taken %d, confirmed registrations %d", seats, confirmed)
		}
		var marks int64
		db.Table("attendance_marks").Where("present").Count(&marks)
		if marks != int64(st.Checkins) {
			t.Errorf("marks %d, check-ins %d: each check-in has its latest observation", marks, st.Checkins)
		}
		// The generated data is usable by the report, and new rows still get ids.
		var id uint
		db.Table("quiz_attempts").Select("event_id").Where("phase = 'post'").Limit(1).Scan(&id)
		g, err := quiz.EventGain(t.Context(), db, id)
		if err != nil || g.Paired == 0 {
			t.Errorf("gain on a generated event: %+v, %v", g, err)
		}
		e := testutil.Event(t, db, testutil.EventOpts{})
		testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		// A second run adds as much again.
		st2, err := seed.Scale(t.Context(), db, lantern.Assets, 1, now, nil)
		if err != nil || st2.Events != 15 {
			t.Fatalf("second run: %+v %v", st2, err)
		}
	})
}
