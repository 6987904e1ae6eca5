package privacy_test

import (
	"encoding/json"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/privacy"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/report"
	"github.com/lantern-ngo/lantern/app/report/reporttest"
	"github.com/lantern-ngo/lantern/app/sessionreport"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// Retention per kind of data, on the programme's seeded dataset with the
// clock moved forward: numbers go first, then names; flagged report text
// goes; every indicator is the same before and after; a second run changes
// nothing.
func TestRetentionPerKindKeepsEveryIndicator(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		reporttest.Seed(t, db)
		var ev struct{ ID uint }
		db.Table("events").Select("id").Order("ends_at").Limit(1).Scan(&ev)
		author := testutil.Staff(t, db)
		rep := sessionreport.Report{EventID: ev.ID, AuthorID: author.ID, Lang: "vi",
			Covered: "Phim và thảo luận", HowItWent: "Chị Nguyễn Thị Hoa gọi 0912 345 678 sau buổi", Questions: "Nhiều câu hỏi về việc làm"}
		if err := db.Create(&rep).Error; err != nil {
			t.Fatal(err)
		}
		indicators := func() string {
			t.Helper()
			ind, err := report.Compute(ctx, db, report.Filter{}, reporttest.Now)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(ind)
			return string(b)
		}
		before := indicators()
		p := privacy.Periods{PhoneDays: 90, NameDays: 365, ReportTextDays: 365}
		var last struct{ EndsAt time.Time }
		db.Table("events").Select("ends_at").Order("ends_at DESC").Limit(1).Scan(&last)
		lastEnd := last.EndsAt

		// 100 days after the last session: every number is gone, no name yet.
		done, err := privacy.ApplyRetention(ctx, db, p, lastEnd.Add(100*24*time.Hour))
		if err != nil || done.Phones == 0 || done.Names != 0 || done.Reports != 0 {
			t.Fatalf("after 100 days: %+v (%v)", done, err)
		}
		var phones, names int64
		db.Model(&registration.Registration{}).Where("phone IS NOT NULL").Count(&phones)
		db.Model(&registration.Registration{}).Where("name <> ''").Count(&names)
		if phones != 0 || names == 0 {
			t.Errorf("after 100 days: %d numbers, %d names", phones, names)
		}
		if got := indicators(); got != before {
			t.Errorf("indicators changed when numbers went:\n%s\n%s", before, got)
		}
		// 400 days after: names and flagged report text go too.
		later := lastEnd.Add(400 * 24 * time.Hour)
		done, err = privacy.ApplyRetention(ctx, db, p, later)
		if err != nil || done.Names == 0 || done.Reports != 1 {
			t.Fatalf("after 400 days: %+v (%v)", done, err)
		}
		db.Model(&registration.Registration{}).Where("name <> '' OR organisation <> '' OR guardian_name <> ''").Count(&names)
		if names != 0 {
			t.Errorf("%d registrations keep a name", names)
		}
		var got sessionreport.Report
		db.Take(&got, rep.ID)
		if got.HowItWent != "" || got.Covered != rep.Covered || got.Questions != rep.Questions {
			t.Errorf("report after retention: %+v", got)
		}
		if after := indicators(); after != before {
			t.Errorf("indicators changed:\n%s\n%s", before, after)
		}
		// Idempotent.
		if again, err := privacy.ApplyRetention(ctx, db, p, later); err != nil || again != (privacy.Applied{}) {
			t.Errorf("second run: %+v (%v)", again, err)
		}
	})
}

// Admins set the periods; bad values are refused with every error at once
// and change nothing; the defaults hold until then.
func TestRetentionPeriodsSettings(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		admin := testutil.Staff(t, db)
		defaults := privacy.Periods{PhoneDays: 90, NameDays: 365, ReportTextDays: 365}
		if p, err := privacy.LoadPeriods(ctx, db, defaults); err != nil || p != defaults {
			t.Fatalf("defaults: %+v %v", p, err)
		}
		err := privacy.SavePeriods(ctx, db, admin.ID, privacy.Periods{PhoneDays: 0, NameDays: 40000, ReportTextDays: 30}, defaults, time.Now())
		if n := len(fieldsOf(err)); n != 2 {
			t.Errorf("bad periods: %d field errors (%v)", n, err)
		}
		if err := privacy.SavePeriods(ctx, db, admin.ID, privacy.Periods{PhoneDays: 400, NameDays: 365, ReportTextDays: 30}, defaults, time.Now()); err == nil {
			t.Error("numbers kept longer than names were accepted")
		}
		want := privacy.Periods{PhoneDays: 30, NameDays: 180, ReportTextDays: 90}
		if err := privacy.SavePeriods(ctx, db, admin.ID, want, defaults, time.Now()); err != nil {
			t.Fatal(err)
		}
		if p, _ := privacy.LoadPeriods(ctx, db, defaults); p != want {
			t.Errorf("saved %+v, loaded %+v", want, p)
		}
	})
}

func fieldsOf(err error) []string {
	var out []string
	for _, f := range apperr.FieldsOf(err) {
		out = append(out, f.Field)
	}
	return out
}

// TestRetentionPerCountry (issue 20): a country whose law sets its own
// period keeps the names and numbers of its sessions that many days; the
// others keep the programme's periods. Counts stay.
func TestRetentionPerCountry(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
		day := 24 * time.Hour
		if err := db.Table("countries").Where("code = ?", "KH").Update("retention_days", 30).Error; err != nil {
			t.Fatal(err)
		}
		vn := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -40 * day})
		kh := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -40 * day})
		khRecent := testutil.Event(t, db, testutil.EventOpts{Now: now, StartsIn: -20 * day})
		if err := db.Table("events").Where("id IN ?", []uint{kh.ID, khRecent.ID}).Update("country", "KH").Error; err != nil {
			t.Fatal(err)
		}
		regVN := testutil.Registration(t, db, vn.ID, testutil.RegistrationOpts{Sex: "female", AgeBand: "25_59"})
		regKH := testutil.Registration(t, db, kh.ID, testutil.RegistrationOpts{Sex: "male", AgeBand: "25_59"})
		regKHRecent := testutil.Registration(t, db, khRecent.ID, testutil.RegistrationOpts{Sex: "male", AgeBand: "18_24"})

		got, err := privacy.ApplyRetention(ctx, db, privacy.Periods{PhoneDays: 180, NameDays: 365, ReportTextDays: 365}, now)
		if err != nil {
			t.Fatal(err)
		}
		if got.Names != 1 || got.Phones != 1 {
			t.Errorf("applied %+v, want the one Cambodian registration past 30 days", got)
		}
		load := func(id uint) registration.Registration {
			var r registration.Registration
			db.First(&r, id)
			return r
		}
		if r := load(regKH.ID); r.AnonymisedAt == nil || r.Phone != nil || r.Name != "" || r.Sex != "male" {
			t.Errorf("the Cambodian registration of 40 days ago is kept: %+v", r)
		}
		for _, id := range []uint{regVN.ID, regKHRecent.ID} {
			if r := load(id); r.AnonymisedAt != nil || r.Phone == nil || r.Name == "" {
				t.Errorf("registration %d erased before its period: %+v", id, r)
			}
		}
	})
}
