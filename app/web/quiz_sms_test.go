package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

// The post-quiz link goes by SMS only to people who attended, have a phone
// and have not answered yet; sending twice queues nothing more.
func TestPostQuizSMSOnlyToAttendees(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ta := newTestApp(t, db)
		now := time.Now().UTC()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -3 * time.Hour, Duration: 2 * time.Hour})
		quizFixture(t, db, e.ID)
		came := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Lang: "vi"})
		noPhone := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Phone: "-"})
		absent := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		done := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})
		for _, r := range []uint{came.ID, noPhone.ID, done.ID} {
			if err := db.Exec("INSERT INTO attendances (event_id, registration_id, checked_in_at, source, created_at) VALUES (?, ?, ?, 'search', ?)",
				e.ID, r, now, now).Error; err != nil {
				t.Fatal(err)
			}
		}
		if _, problems, err := quiz.SavePaper(context.Background(), db, e.ID, quiz.PhasePost,
			[]quiz.PaperRow{{Person: done.Code, Cells: []string{"A", "A", "A"}}}, 0, now); err != nil || problems != nil {
			t.Fatal(err, problems)
		}
		trainer := testutil.Staff(t, db, user.RoleTrainer)
		testutil.AssignTrainer(t, db, e.ID, trainer.ID)
		c := ta.client()
		c.login(trainer)
		path := "/en/staff/events/" + itoa(int(e.ID)) + "/quiz-sms"

		ta.setNow(now.Add(-3 * time.Hour)) // before the session: the post quiz is not open
		doc := c.page(path, http.StatusOK)
		if doc.Find("main form button").Length() != 0 {
			t.Error("sending is offered before the post quiz opens")
		}
		if resp := c.post(path, url.Values{"unaccented": {"1"}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("send before the post quiz opens: status %d", resp.StatusCode)
		}

		ta.setNow(now)
		doc = c.page(path, http.StatusOK)
		if got := text(doc, "dl.facts dd"); got != "1" {
			t.Errorf("recipients = %q, want 1 (attended, with a phone, not answered yet)", got)
		}
		for i := 0; i < 2; i++ {
			quizRedirect(t, c.post(path, url.Values{"unaccented": {"1"}}), http.StatusSeeOther)
		}
		var ms []message.Message
		db.Find(&ms)
		if len(ms) != 1 {
			t.Fatalf("messages = %d, want 1", len(ms))
		}
		m := ms[0]
		if m.To != *came.Phone || m.Kind != "quiz_post" || m.Encoding != "GSM7" ||
			!strings.Contains(m.Body, "/vi/r/"+came.Code+"/quiz/post") || !strings.Contains(m.Body, "Cam on ban") {
			t.Errorf("message = %+v", m)
		}
		_ = absent
		// Another session's trainer may not send.
		other := ta.client()
		other.login(testutil.Staff(t, db, user.RoleTrainer))
		if resp := other.post(path, url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("other trainer: status %d", resp.StatusCode)
		}
	})
}
