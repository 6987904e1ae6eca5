package privacy_test

import (
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/privacy"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// The announcements' opt-in is personal data: exported (without its stop
// token), deleted with an admin's erasure (its queued announcement is not
// sent), and a stopped one is deleted by retention after the phone
// numbers' period while an active one stays.
func TestAnnouncementOptinExportEraseRetention(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		e := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: 5 * 24 * time.Hour})
		optIn := func(name, number string) {
			t.Helper()
			_, err := registration.Register(ctx, db, registration.Input{EventID: e.ID, Name: name, Phone: number, Lang: "vi",
				ConsentVersion: "v1", AnnounceConsent: "ann-2026"}, now)
			if err != nil {
				t.Fatal(err)
			}
			var o registration.Optin // its owner confirms (double opt-in)
			if err := db.Where("phone = ?", "+84"+number[1:]).Take(&o).Error; err != nil || o.ConfirmToken == nil {
				t.Fatalf("no pending opt-in: %v", err)
			}
			if err := registration.ConfirmOptin(ctx, db, *o.ConfirmToken, now); err != nil {
				t.Fatal(err)
			}
		}
		optIn("Lê Thị Hoa", "0912000801")
		optIn("Trần Văn Nam", "0912000802")
		optIn("Phạm Thị Lan", "0912000803")
		ex, err := privacy.BuildExport(ctx, db, 0, privacy.Subject{Phone: "+84912000801"}, "vi", now)
		if err != nil || ex.Announcements == nil || !ex.Announcements.Active || ex.Announcements.ConsentVersion != "ann-2026" {
			t.Fatalf("export: %+v %v", ex, err)
		}
		queued := &message.Message{To: "+84912000801", Body: "[QC] x", Lang: "vi", Kind: registration.SMSAnnouncement}
		if err := message.Enqueue(db, queued); err != nil {
			t.Fatal(err)
		}
		if _, err := privacy.Erase(ctx, db, 0, privacy.Subject{Phone: "+84912000801"}, now, nil); err != nil {
			t.Fatal(err)
		}
		if o, _ := registration.OptinOf(ctx, db, "+84912000801"); o != nil {
			t.Error("the opt-in outlived the erasure")
		}
		var m message.Message
		db.Take(&m, queued.ID)
		if m.Status != message.StatusFailed || m.To != "" {
			t.Errorf("the erased number's announcement: %s %q", m.Status, m.To)
		}
		// Retention: the stop of 802 is older than the phones' period.
		if _, err := registration.StopByPhone(ctx, db, "+84912000802", registration.StopSMS, now.AddDate(0, 0, -100)); err != nil {
			t.Fatal(err)
		}
		if _, err := privacy.ApplyRetention(ctx, db, privacy.Periods{PhoneDays: 90, NameDays: 365, ReportTextDays: 365}, now); err != nil {
			t.Fatal(err)
		}
		if o, _ := registration.OptinOf(ctx, db, "+84912000802"); o != nil {
			t.Error("an old stop was kept")
		}
		if o, _ := registration.OptinOf(ctx, db, "+84912000803"); !o.Active() {
			t.Error("retention removed an active opt-in")
		}
	})
}
