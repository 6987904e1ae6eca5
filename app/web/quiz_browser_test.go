package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// A participant takes the pre-session quiz on a phone, in Vietnamese, from
// the link of their ticket: one question per page, nothing wider than the
// screen, and the answers are in the database as they go.
func TestBrowserPreQuizOnAPhone(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		b := newBrowser(t, db)
		now := time.Now().UTC()
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 48 * time.Hour})
		quizFixture(t, db, e.ID)
		reg := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{})

		// From the ticket, tap the quiz.
		b.navigate(t, "/vi/r/"+reg.Code)
		b.noHorizontalScroll(t)
		b.click(t, ".ticket-quiz a.button")
		b.waitVisible(t, "main form button[type=submit]")
		if got := b.text(t, ".kind"); got != "TRƯỚC BUỔI SINH HOẠT" && got != "Trước buổi sinh hoạt" {
			t.Errorf("phase = %q", got)
		}
		b.noHorizontalScroll(t)
		b.click(t, "main form button[type=submit]")
		b.waitVisible(t, "form.quiz legend")
		questions := []string{"Lời hứa việc làm lương cao là dấu hiệu gì?", "Trẻ em có quyền được bảo vệ không?", "Gọi số nào khi cần giúp đỡ?"}
		for i, want := range questions {
			n := itoa(i + 1)
			b.do(t, chromedp.WaitReady(chromedp.CSS(`input[name=n][value="`+n+`"]`)))
			if got := b.text(t, "form.quiz legend"); got != want {
				t.Fatalf("question %s = %q, want %q", n, got, want)
			}
			if got := b.text(t, "label[for=progress]"); got != "Câu "+n+" trên 3" {
				t.Errorf("progress = %q", got)
			}
			b.noHorizontalScroll(t)
			if i == 0 {
				// Sending without a choice keeps the question and says why.
				b.click(t, "form.quiz button[type=submit]")
				b.waitVisible(t, "#q-err")
				if got := b.text(t, "#q-err"); !strings.Contains(got, "Xin hãy chọn một câu trả lời") {
					t.Errorf("message = %q", got)
				}
			}
			// Tap the words of the answer (the whole line is the label).
			b.click(t, `label.choice input[value="A"]`)
			b.click(t, "form.quiz button[type=submit]")
			if i < len(questions)-1 {
				// Saved as it goes: the answer is in the database already.
				b.do(t, chromedp.WaitReady(chromedp.CSS(`input[name=n][value="`+itoa(i+2)+`"]`)))
				var count int64
				db.Model(&quiz.Answer{}).Count(&count)
				if count != int64(i+1) {
					t.Errorf("answers saved after question %s = %d", n, count)
				}
			}
		}
		b.waitVisible(t, "main h1")
		if got := b.text(t, "main h1"); got != "Xin cảm ơn!" {
			t.Errorf("end page = %q", got)
		}
		b.noHorizontalScroll(t)
		var a quiz.Attempt
		if err := db.Where("registration_id = ?", reg.ID).Take(&a).Error; err != nil {
			t.Fatal(err)
		}
		if a.SubmittedAt == nil || a.NCorrect != 3 {
			t.Errorf("attempt: submitted %v, %d right", a.SubmittedAt, a.NCorrect)
		}
	})
}
