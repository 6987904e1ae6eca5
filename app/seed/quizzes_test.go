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

func TestSeedQuizzes(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
		var attempts [2]int64
		for i := 0; i < 2; i++ {
			if err := seed.Run(ctx, db, lantern.Assets, seed.Options{Demo: true, Now: now}); err != nil {
				t.Fatalf("run %d: %v", i+1, err)
			}
			db.Model(&quiz.Attempt{}).Count(&attempts[i])
		}
		if attempts[0] == 0 || attempts[0] != attempts[1] {
			t.Errorf("demo attempts after each run = %v: want some, and no more the second time", attempts)
		}
		var qz []quiz.Quiz
		db.Preload("Items.Question").Find(&qz)
		if len(qz) != 1 || qz[0].Code != "TRAPS1" || len(qz[0].Items) != 6 {
			t.Fatalf("quizzes = %+v", qz)
		}
		for _, it := range qz[0].Items {
			for _, l := range []string{"vi", "fr", "en"} {
				if s, fell := it.Question.TextIn(l); s == "" || fell {
					t.Errorf("question %d has no %s text", it.Position, l)
				}
			}
		}
		var without int64
		db.Table("events").Where("pre_quiz_id IS NULL OR post_quiz_id IS NULL").Count(&without)
		if without != 0 {
			t.Errorf("%d seeded events without quizzes", without)
		}
		var future int64
		db.Table("quiz_attempts").Joins("JOIN events e ON e.id = quiz_attempts.event_id").Where("e.ends_at > ?", now).Count(&future)
		if future != 0 {
			t.Errorf("%d demo attempts for sessions not yet held", future)
		}
		var first uint
		db.Table("quiz_attempts").Select("MIN(event_id)").Scan(&first)
		g, err := quiz.EventGain(ctx, db, first)
		if err != nil {
			t.Fatal(err)
		}
		if g.Paired == 0 || g.PreCount <= g.Paired-1 || g.MeanGain == nil || *g.MeanGain <= 0 || len(g.Questions) != 6 {
			t.Errorf("demo gain: paired %d, pre %d, mean gain %v, questions %d", g.Paired, g.PreCount, g.MeanGain, len(g.Questions))
		}
	})
}
