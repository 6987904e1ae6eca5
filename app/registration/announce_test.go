package registration_test

import (
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// sameCity creates n published sessions in one city, starting in 5 days.
func sameCity(t *testing.T, db *gorm.DB, n int) []*event.Event {
	t.Helper()
	var out []*event.Event
	for i := 0; i < n; i++ {
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: time.Duration(5+i) * 24 * time.Hour})
		if i > 0 {
			if err := db.Model(&event.Event{}).Where("id = ?", e.ID).Update("venue_id", out[0].VenueID).Error; err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, e)
	}
	return out
}

func optIn(t *testing.T, db *gorm.DB, eventID uint, name, phone string) *registration.Result {
	t.Helper()
	i := in(eventID, name, phone)
	i.AnnounceConsent = registration.BuiltinAnnouncementsConsent
	res, err := registration.Register(t.Context(), db, i, now)
	if err != nil {
		t.Fatal(err)
	}
	confirm(t, db, *res.Registration.Phone)
	return res
}

// confirm is the number's owner following the link sent to it (double
// opt-in).
func confirm(t *testing.T, db *gorm.DB, e164 string) {
	t.Helper()
	var o registration.Optin
	if err := db.Where("phone = ?", e164).Take(&o).Error; err != nil {
		t.Fatal(err)
	}
	if o.Active() {
		return // confirmed before
	}
	if o.ConfirmToken == nil {
		t.Fatal("no confirmation link for a number that ticked the box")
	}
	if err := registration.ConfirmOptin(t.Context(), db, *o.ConfirmToken, now); err != nil {
		t.Fatal(err)
	}
}

func announcements(t *testing.T, db *gorm.DB) []message.Message {
	t.Helper()
	var ms []message.Message
	if err := db.Where("kind = ?", registration.SMSAnnouncement).Order("id").Find(&ms).Error; err != nil {
		t.Fatal(err)
	}
	return ms
}

// local is a time of day in Ho Chi Minh City, counted in days from now's.
func local(days, hour, min int) time.Time {
	hcm := time.FixedZone("ICT", 7*3600)
	d := now.In(hcm)
	return time.Date(d.Year(), d.Month(), d.Day()+days, hour, min, 0, 0, hcm).UTC()
}

// The opt-in is recorded with its version, language and city; a child or a
// 16–17-year-old cannot tick it (every error at once, nothing written); the
// same person typed again does not opt the number in.
func TestAnnouncementOptIn(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		evs := sameCity(t, db, 1)
		res := optIn(t, db, evs[0].ID, "Lê Thị Hoa", "0912345001")
		o, err := registration.OptinOf(t.Context(), db, *res.Registration.Phone)
		if err != nil || o == nil {
			t.Fatalf("no opt-in: %v", err)
		}
		var ev event.Event
		db.Preload("Venue").Take(&ev, evs[0].ID)
		if !o.Active() || o.ConsentVersion != registration.BuiltinAnnouncementsConsent || o.Lang != "vi" || o.CityID == nil ||
			*o.CityID != ev.Venue.CityID || o.Country != "VN" || o.OptedInAt == nil || len(o.StopToken) < 20 {
			t.Errorf("opt-in %+v", o)
		}
		i := in(evs[0].ID, "Trẻ", "0912345002")
		i.AgeBand, i.AnnounceConsent = "16_17", registration.BuiltinAnnouncementsConsent
		_, err = registration.Register(t.Context(), db, i, now)
		if fs := apperr.FieldsOf(err); len(fs) != 1 || fs[0].Field != "announce" {
			t.Errorf("a 16-17 opts in: %v", err)
		}
		var n int64
		db.Model(&registration.Optin{}).Count(&n)
		if n != 1 {
			t.Errorf("%d opt-ins, want 1", n)
		}
		// Registered without the box, then typed again with it: no opt-in.
		if _, err := registration.Register(t.Context(), db, in(evs[0].ID, "Trần Văn Nam", "0912345003"), now); err != nil {
			t.Fatal(err)
		}
		i = in(evs[0].ID, "Trần Văn Nam", "0912345003")
		i.AnnounceConsent = registration.BuiltinAnnouncementsConsent
		again, err := registration.Register(t.Context(), db, i, now)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Existing {
			t.Fatal("not the existing registration")
		}
		if o, _ := registration.OptinOf(t.Context(), db, "+84912345003"); o != nil {
			t.Error("a person typed again opted the number in")
		}
	})
}

// Quiet hours and the daily cap, with a moved clock: two announcements
// queued at 23:00 wait for 07:00; at 07:00 one goes and the other waits
// for the next day (the cap is 1, in the recipient's local day); a number
// that stops is sent nothing more, even a message already claimed.
func TestAnnouncementQuietHoursAndDailyCap(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		evs := sameCity(t, db, 4)
		optIn(t, db, evs[0].ID, "Lê Thị Hoa", "0912345011")
		n := notifier(t)
		night := local(0, 23, 0)
		for _, e := range evs[1:3] {
			if _, err := n.Announce(ctx, db, registration.AnnounceInput{EventID: e.ID, Scope: registration.ScopeCity}, night); err != nil {
				t.Fatal(err)
			}
		}
		ms := announcements(t, db)
		if len(ms) != 2 || !strings.HasPrefix(ms[0].Body, "[QC] ") || !strings.Contains(ms[0].Body, "http://lantern.test/vi/stop/") {
			t.Fatalf("queued: %+v", ms)
		}
		s := &message.Sender{DB: db, Driver: message.OutboxDriver{}, AnnouncementCap: 1}
		if _, err := s.RunOnce(ctx, night); err != nil {
			t.Fatal(err)
		}
		for _, m := range announcements(t, db) {
			if m.Status != message.StatusQueued || m.HeldReason != message.HeldQuietHours || !m.NextAttemptAt.Equal(local(1, 7, 0)) {
				t.Errorf("at night: %s %s %v", m.Status, m.HeldReason, m.NextAttemptAt)
			}
		}
		if _, err := s.RunOnce(ctx, local(1, 7, 1)); err != nil {
			t.Fatal(err)
		}
		ms = announcements(t, db)
		if ms[0].Status != message.StatusKept || ms[1].Status != message.StatusQueued || ms[1].HeldReason != message.HeldDailyCap ||
			!ms[1].NextAttemptAt.Equal(local(2, 7, 0)) {
			t.Fatalf("at 07:01: %s, %s %s %v", ms[0].Status, ms[1].Status, ms[1].HeldReason, ms[1].NextAttemptAt)
		}
		if _, err := s.RunOnce(ctx, local(1, 21, 0)); err != nil {
			t.Fatal(err)
		}
		if m := announcements(t, db)[1]; m.Status != message.StatusQueued {
			t.Errorf("the second went the same day: %s", m.Status)
		}
		if _, err := s.RunOnce(ctx, local(2, 7, 0)); err != nil {
			t.Fatal(err)
		}
		if m := announcements(t, db)[1]; m.Status != message.StatusKept {
			t.Errorf("the second did not go the next day: %s", m.Status)
		}
		// A third, claimed by a sender while the number stops: dropped.
		if _, err := n.Announce(ctx, db, registration.AnnounceInput{EventID: evs[3].ID, Scope: registration.ScopeCity}, local(3, 9, 0)); err != nil {
			t.Fatal(err)
		}
		db.Model(&registration.Optin{}).Where("phone = ?", "+84912345011").Update("stopped_at", local(3, 9, 1))
		if _, err := s.RunOnce(ctx, local(3, 9, 2)); err != nil {
			t.Fatal(err)
		}
		if m := announcements(t, db)[2]; m.Status != message.StatusFailed || m.LastError != message.StoppedError {
			t.Errorf("sent to a stopped number: %s %q", m.Status, m.LastError)
		}
	})
}

// A stop cancels the announcements still queued to the number at once;
// announcing again reaches nobody, and the same session is never announced
// twice to a number.
func TestAnnouncementStopCancelsQueued(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		evs := sameCity(t, db, 2)
		optIn(t, db, evs[0].ID, "Lê Thị Hoa", "0912345021")
		optIn(t, db, evs[0].ID, "Phạm Văn An", "0912345022")
		n := notifier(t)
		ann := registration.AnnounceInput{EventID: evs[1].ID, Scope: registration.ScopeCity}
		if got, err := n.Announce(ctx, db, ann, now); err != nil || got != 2 {
			t.Fatalf("announced to %d: %v", got, err)
		}
		if _, err := n.Announce(ctx, db, ann, now); apperr.KeyOf(err) != "error.announce.nobody" {
			t.Errorf("announced twice: %v", err)
		}
		o, _ := registration.OptinOf(ctx, db, "+84912345021")
		if err := registration.StopByLink(ctx, db, o.StopToken, now); err != nil {
			t.Fatal(err)
		}
		s := &message.Sender{DB: db, Driver: message.OutboxDriver{}}
		if _, err := s.RunOnce(ctx, now); err != nil {
			t.Fatal(err)
		}
		for _, m := range announcements(t, db) {
			want := message.StatusKept
			if m.To == "+84912345021" {
				want = message.StatusFailed
			}
			if m.Status != want {
				t.Errorf("%s: %s, want %s", m.To[len(m.To)-3:], m.Status, want)
			}
		}
		if err := registration.StopByLink(ctx, db, "not-a-token-at-all-000", now); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unknown token: %v", err)
		}
	})
}

// A partner's scope reaches the numbers that opted in at that partner's
// sessions, in any city of the session's country; the city's scope those
// of the city; the preview counts what the send queues, and prices SMS
// by segment and Zalo by message.
func TestAnnouncementScopesAndPreview(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		p := event.Partner{Code: "HOPE", Name: map[string]string{"vi": "Hy Vọng", "en": "Hope"}, Active: true}
		if err := db.Create(&p).Error; err != nil {
			t.Fatal(err)
		}
		evs := sameCity(t, db, 2)                                                                  // the city
		elsewhere := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 72 * time.Hour}) // another city, the partner's
		db.Model(&event.Event{}).Where("id = ?", elsewhere.ID).Update("partner_id", p.ID)
		optIn(t, db, evs[0].ID, "Lê Thị Hoa", "0912345031")
		optIn(t, db, elsewhere.ID, "Trần Văn Nam", "0912345032")
		n := notifier(t)
		prices := message.Prices{SMSSegment: 850, ZaloMessage: 300}
		city := registration.AnnounceInput{EventID: evs[1].ID, Scope: registration.ScopeCity}
		partner := registration.AnnounceInput{EventID: evs[1].ID, Scope: registration.ScopePartner, PartnerID: &p.ID}
		rc, err := n.PreviewAnnouncement(ctx, db, city, prices, true, now)
		if err != nil {
			t.Fatal(err)
		}
		rp, err := n.PreviewAnnouncement(ctx, db, partner, prices, false, now)
		if err != nil {
			t.Fatal(err)
		}
		if rc.People != 1 || rp.People != 1 || len(rc.Costs) != 2 || len(rp.Costs) != 1 {
			t.Fatalf("reach: city %+v, partner %+v", rc, rp)
		}
		zalo, sms := rc.Costs[0], rc.Costs[1]
		if zalo.Channel != message.ChannelZalo || zalo.Cost != 300 || sms.Channel != message.ChannelSMS || sms.Segments < 2 || sms.Cost != 850*sms.Segments {
			t.Errorf("costs %+v", rc.Costs)
		}
		if _, err := n.PreviewAnnouncement(ctx, db, registration.AnnounceInput{EventID: evs[1].ID, Scope: registration.ScopePartner}, prices, false, now); len(apperr.FieldsOf(err)) != 1 {
			t.Errorf("a partner scope without a partner: %v", err)
		}
		if got, err := n.Announce(ctx, db, partner, now); err != nil || got != 1 {
			t.Fatalf("partner: %d %v", got, err)
		}
		ms := announcements(t, db)
		if len(ms) != 1 || ms[0].To != "+84912345032" || ms[0].Segments != sms.Segments {
			t.Errorf("queued %+v", ms)
		}
		// A past session is not announced.
		past := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -48 * time.Hour})
		if _, err := n.Announce(ctx, db, registration.AnnounceInput{EventID: past.ID, Scope: registration.ScopeCity}, now); apperr.KeyOf(err) != "error.announce.not_open" {
			t.Errorf("a past session: %v", err)
		}
	})
}

// Double opt-in: ticking the box asks the number (one message a day at
// most); the link works for a week, and only it opts the number in; a
// number that stopped stays stopped when someone ticks the box for it.
func TestOptinNeedsTheOwner(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		evs := sameCity(t, db, 2)
		notify := notifier(t)
		ask := func(eventID uint, at time.Time) {
			t.Helper()
			i := in(eventID, "Lê Thị Hoa", "0912345101")
			i.AnnounceConsent, i.Notify = registration.BuiltinAnnouncementsConsent, notify
			if _, err := registration.Register(t.Context(), db, i, at); err != nil {
				t.Fatal(err)
			}
		}
		asks := func() (n int64) {
			db.Model(&message.Message{}).Where("kind = ?", registration.SMSAnnounceConfirm).Count(&n)
			return n
		}
		ask(evs[0].ID, now)
		o, _ := registration.OptinOf(t.Context(), db, "+84912345101")
		if o == nil || o.Active() || o.ConfirmToken == nil || asks() != 1 {
			t.Fatalf("after the box: %+v, %d requests", o, asks())
		}
		if err := registration.ConfirmOptin(t.Context(), db, *o.ConfirmToken, now.Add(registration.OptinConfirmFor+time.Minute)); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("a link older than a week: %v", err)
		}
		if err := registration.ConfirmOptin(t.Context(), db, *o.ConfirmToken, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if o, _ = registration.OptinOf(t.Context(), db, "+84912345101"); !o.Active() {
			t.Fatal("the owner's link did not opt in")
		}
		if _, err := registration.StopByPhone(t.Context(), db, "+84912345101", registration.StopSMS, now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		ask(evs[1].ID, now.Add(3*time.Hour))
		if o, _ = registration.OptinOf(t.Context(), db, "+84912345101"); o.Active() || asks() != 1 {
			t.Errorf("a stopped number ticked by someone within the day: active %v, %d requests (want still stopped, no second request)", o.Active(), asks())
		}
		ask(evs[1].ID, now.Add(registration.OptinAskEvery+4*time.Hour)) // the same person again, a day later: Existing, no ask
		i := in(evs[0].ID, "Trần Văn Nam", "0912345101")
		i.AnnounceConsent, i.Notify = registration.BuiltinAnnouncementsConsent, notify
		if _, err := registration.Register(t.Context(), db, i, now.Add(registration.OptinAskEvery+5*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if o, _ = registration.OptinOf(t.Context(), db, "+84912345101"); o.Active() || asks() != 2 {
			t.Errorf("a day later: active %v, %d requests (want still stopped, a new request)", o.Active(), asks())
		}
	})
}
