package quiz_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/webhook"
)

// TestQuizSubmittedRaisesWebhook: each paper entered for the first time and
// each quiz submitted on a phone raises quiz.submitted once, with its
// score and no anonymous code; a paper typed again raises nothing.
func TestQuizSubmittedRaisesWebhook(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		if _, _, err := webhook.Create(ctx, db, webhook.Allow{}, 0, webhook.Input{URL: "https://partner.example.org/h",
			Events: []string{webhook.QuizSubmitted}}, now); err != nil {
			t.Fatal(err)
		}
		e := testutil.Event(t, db, testutil.EventOpts{StartsIn: -3 * time.Hour, Duration: 2 * time.Hour, Now: now})
		other := testutil.Event(t, db, testutil.EventOpts{StartsIn: -3 * time.Hour, Duration: 2 * time.Hour, Now: now})
		makeQuiz(t, db, e.ID, other.ID)
		r := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		rows := []quiz.PaperRow{row(r.Code, "1100"), row("P5X01", "0100")}
		for range 2 {
			if _, problems, err := quiz.SavePaper(ctx, db, e.ID, quiz.PhasePre, rows, 0, now); err != nil || problems != nil {
				t.Fatal(err, problems)
			}
		}
		a, err := quiz.Start(ctx, db, e, quiz.StartInput{Phase: quiz.PhasePost, AnonCode: "LTH07", Sex: "female", Lang: "vi"}, now)
		if err != nil {
			t.Fatal(err)
		}
		for pos, ans := range []string{"A", "A", "A", "C A"} {
			if _, err := quiz.SaveAnswer(ctx, db, a.Token, pos+1, ans, now); err != nil {
				t.Fatal(err)
			}
		}
		var evs []webhook.Event
		db.Where("type = ?", webhook.QuizSubmitted).Order("id").Find(&evs)
		if len(evs) != 3 {
			t.Fatalf("%d quiz.submitted, want 3", len(evs))
		}
		for _, ev := range evs {
			if ev.EventID == nil || *ev.EventID != e.ID || len(ev.Payload) < 20 {
				t.Errorf("event %+v", ev)
			}
		}
		body, _ := webhook.Body(&evs[2], true)
		if s := string(body); !strings.Contains(s, `"source":"web"`) || strings.Contains(s, "LTH07") {
			t.Errorf("online submission: %s", s)
		}
	})
}
