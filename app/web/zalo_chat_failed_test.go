package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/zalochat"
)

// TestOutboxShowsFailedChatAnswers: an answer of the OA's chat that Zalo
// refuses (the person does not follow the OA) is shown on the outbox page
// with Zalo's reason, the Zalo user and any phone number in the text
// masked; an organiser working in one country, whose outbox holds only
// their sessions' messages, does not see the programme's chat.
func TestOutboxShowsFailedChatAnswers(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		z := newZaloChat(t, db)
		z.zalo.Unreachable["zu-778899"] = true
		if _, _, action := z.text("zu-778899", "m-1", "xin chao"); action != zalochat.ActionHelp {
			t.Fatalf("action %q, want help", action)
		}
		z.flush()
		var failed zalochat.Reply
		if err := db.Where("zalo_user_id = ?", "zu-778899").Take(&failed).Error; err != nil || failed.Status != zalochat.StatusFailed {
			t.Fatalf("the refused answer: %+v %v", failed, err)
		}
		// An answer whose text carries a number (as a person may write it).
		other := zalochat.Reply{ZaloUserID: "zu-112233", Kind: zalochat.KindText, Lang: "vi", Body: "So 0912 345 678 da dang ky",
			DedupeKey: "t:1", Status: zalochat.StatusFailed, NextAttemptAt: time.Now(), Attempts: 5,
			LastError: "zalo answered HTTP 503", CreatedAt: time.Now()}
		if err := db.Create(&other).Error; err != nil {
			t.Fatal(err)
		}
		org, _ := z.ta.organiser(t)
		doc := org.page("/en/staff/messages", http.StatusOK)
		section := doc.Find("section[aria-labelledby=chat-failed]")
		text := section.Text()
		for _, want := range []string{"Zalo chat answers that failed", "2 in all", "Chat answer", "zalo refused the OA message: -213",
			"…8899", "…2233", "So …5678 da dang ky", "zalo answered HTTP 503", "Để đăng ký, soạn DK"} {
			if !strings.Contains(text, want) {
				t.Errorf("the failed chat answers lack %q: %s", want, text)
			}
		}
		for _, leak := range []string{"zu-778899", "zu-112233", "0912 345 678", "912345678"} {
			if strings.Contains(doc.Text(), leak) {
				t.Errorf("the page shows %q in full", leak)
			}
		}
		var reads []audit.Read
		db.Where("kind = ? AND people = ?", audit.ReadOutbox, 2).Find(&reads)
		if len(reads) != 1 {
			t.Errorf("the look at the two chat answers logged %d times, want 1", len(reads))
		}
		kh := z.ta.client()
		kh.login(scopedOrganiser(t, db, "KH"))
		if n := kh.page("/en/staff/messages", http.StatusOK).Find("section[aria-labelledby=chat-failed]").Length(); n != 0 {
			t.Error("a country's organiser sees the programme's chat answers")
		}
	})
}
