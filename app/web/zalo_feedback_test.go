package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/message/zalofake"
	"github.com/lantern-ngo/lantern/app/rating"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// TestZaloRatingFeedback: a rating request sent as a Zalo rating
// template is rated inside Zalo; the fake Zalo posts the user_feedback
// event to the webhook and it becomes the rating of the registration the
// message was about (stars, the reasons ticked and the note). Zalo's
// retry changes nothing; unsigned or malformed calls are refused with a
// 4xx and change nothing; a feedback on a message Lantern did not send as
// a rating request, or whose tracking id names another message, is
// acknowledged and changes nothing.
func TestZaloRatingFeedback(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		z := newZaloChat(t, db)
		z.zalo.Templates["tpl-rate-vi"] = true
		z.ta.srv.cfg.ZaloTemplates = map[string]string{"rating_request.vi": "tpl-rate-vi"}
		z.ta.setNow(ratingNow)
		e := heldSession(t, db, 2*time.Hour)
		a := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{AgeBand: "25_59", Lang: "vi"})
		b := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{AgeBand: "25_59", Lang: "vi"})
		present(t, db, a, b)
		if n, err := z.ta.srv.ratingRequester().ScheduleRequests(t.Context(), db, ratingNow); err != nil || n != 2 {
			t.Fatalf("queued %d, %v", n, err)
		}
		if _, err := z.ta.srv.messageSender().RunOnce(t.Context(), ratingNow); err != nil {
			t.Fatal(err)
		}
		msgOf := map[uint]message.Message{}
		for _, m := range ratingMessages(t, db) {
			if m.Channel != message.ChannelZalo {
				t.Fatalf("rating request %d went by %s", m.ID, m.Channel)
			}
			msgOf[*m.RegistrationID] = m
		}
		ma, mb := msgOf[a.ID], msgOf[b.ID]
		ratingOf := func(regID uint) rating.Rating {
			t.Helper()
			var r rating.Rating
			if err := db.Where("registration_id = ?", regID).Take(&r).Error; err != nil {
				t.Fatal(err)
			}
			return r
		}
		state := func() string {
			var out []string
			for _, id := range []uint{a.ID, b.ID} {
				r := ratingOf(id)
				out = append(out, fmt.Sprintf("%v/%q/%s", r.Stars != nil, r.Comment, r.RatingSource))
			}
			return strings.Join(out, " ")
		}
		submitted := fmt.Sprint(ratingNow.Add(-time.Minute).UnixMilli())
		track := func(m message.Message) string { return fmt.Sprintf("lantern-%d", m.ID) }
		good := zalofake.FeedbackEvent("app-1", ma.ProviderID, track(ma), 4, "Rất hay", []string{"Người hướng dẫn nhiệt tình"}, submitted)
		before := state()
		for _, c := range []struct {
			body, sig string
			want      int
		}{
			{good, "", 401},
			{good, "mac=00", 401},
			{zalofake.FeedbackEvent("app-1", ma.ProviderID, track(ma), 0, "", nil, submitted), "", 400},
			{zalofake.FeedbackEvent("app-1", ma.ProviderID, track(ma), 6, "", nil, submitted), "", 400},
			{zalofake.FeedbackEvent("app-1", "", track(ma), 4, "", nil, submitted), "", 400},
			{zalofake.FeedbackEvent("app-1", ma.ProviderID, "lantern-x", 4, "", nil, submitted), "", 400},
			{strings.Replace(good, `"submit_time":"`+submitted+`"`, `"submit_time":"yesterday"`, 1), "", 400},
		} {
			sig := c.sig
			if sig == "" && c.want != 401 {
				sig = zalofake.Sign("app-1", c.body, submitted, "oa-secret")
			}
			if st, out := z.post(c.body, sig); st != c.want {
				t.Errorf("%.80s: %d %v, want %d", c.body, st, out, c.want)
			}
		}
		if after := state(); after != before {
			t.Fatalf("refused calls changed the ratings: %s → %s", before, after)
		}
		post := func(body string) bool {
			t.Helper()
			st, out := z.post(body, zalofake.Sign("app-1", body, submitted, "oa-secret"))
			if st != 200 {
				t.Fatalf("genuine feedback: %d %v", st, out)
			}
			known, _ := out["known"].(bool)
			return known
		}
		if !post(good) {
			t.Fatal("the feedback was not applied")
		}
		r := ratingOf(a.ID)
		if r.Stars == nil || *r.Stars != 4 || r.Comment != "Người hướng dẫn nhiệt tình; Rất hay" || r.RatingSource != rating.SourceZalo ||
			r.RatedAt == nil || !r.RatedAt.Equal(ratingNow.Add(-time.Minute)) {
			t.Errorf("rating after the feedback: %+v", r)
		}
		// Zalo delivers it again: nothing changes.
		if post(good) {
			t.Error("a retried feedback was applied again")
		}
		// A tracking id naming another message, an unknown message id, a
		// message that is no rating request: acknowledged, nothing done.
		other := &message.Message{To: "+84912000301", Body: "x", Lang: "vi", Kind: "confirmation", Status: message.StatusSent,
			Channel: message.ChannelZalo, ProviderID: "zmsg-other", RegistrationID: &b.ID}
		if err := message.Enqueue(db, other); err != nil {
			t.Fatal(err)
		}
		for _, body := range []string{
			zalofake.FeedbackEvent("app-1", mb.ProviderID, track(ma), 2, "", nil, submitted),
			zalofake.FeedbackEvent("app-1", "zmsg-unknown", "", 2, "", nil, submitted),
			zalofake.FeedbackEvent("app-1", "zmsg-other", "", 2, "", nil, submitted),
		} {
			if post(body) {
				t.Errorf("applied: %.100s", body)
			}
		}
		if r := ratingOf(b.ID); r.Stars != nil {
			t.Errorf("b rated by a feedback on another message: %+v", r)
		}
		// b rates in Zalo without a tracking id: applied; the figures count it.
		if !post(zalofake.FeedbackEvent("app-1", mb.ProviderID, "", 5, "", nil, submitted)) {
			t.Error("a feedback without a tracking id was not applied")
		}
		if got := state(); got != `true/"Người hướng dẫn nhiệt tình; Rất hay"/zalo true/""/zalo` {
			t.Errorf("ratings: %s", got)
		}
	})
}
