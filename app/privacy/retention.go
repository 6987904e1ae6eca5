package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/sessionreport"
)

// Retention is set per kind of data, counted in days after the session
// ended: phone numbers go first (they are what reaches a person), then
// names and organisations (with a guardian's data, which goes with the
// child's), and the free text of session reports that looks like it holds
// personal details. Aggregates (counts by sex, age band, role, city, kind;
// quiz scores without identity) are kept forever.
type Periods struct {
	PhoneDays      int `json:"phone_days"`
	NameDays       int `json:"name_days"`
	ReportTextDays int `json:"report_text_days"`
}

// Limits of a period.
const (
	MinRetentionDays = 1
	MaxRetentionDays = 36500
)

const periodsKey = "retention.periods"

// Check returns every problem at once (field → key).
func (p Periods) Check() error {
	var fe apperr.FieldList
	for _, f := range []struct {
		name string
		v    int
	}{{"phone_days", p.PhoneDays}, {"name_days", p.NameDays}, {"report_text_days", p.ReportTextDays}} {
		if f.v < MinRetentionDays || f.v > MaxRetentionDays {
			fe.Add(f.name, "error.retention.days", map[string]any{"Min": MinRetentionDays, "Max": MaxRetentionDays})
		}
	}
	if p.PhoneDays > p.NameDays && p.NameDays >= MinRetentionDays {
		// A number kept after its name would be a number without a person:
		// useless, and still personal data.
		fe.Add("phone_days", "error.retention.phone_after_name", nil)
	}
	if e := fe.Err(); e != nil {
		return e
	}
	return nil
}

type setting struct {
	Key         string `gorm:"primaryKey"`
	Value       string
	UpdatedByID *uint
	UpdatedAt   time.Time
}

func (setting) TableName() string { return "settings" }

// LoadPeriods returns the periods admins set, or the defaults (from the
// environment) for those never set.
func LoadPeriods(ctx context.Context, db *gorm.DB, defaults Periods) (Periods, error) {
	var s setting
	err := db.WithContext(ctx).Where(`"key" = ?`, periodsKey).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return defaults, nil
	}
	if err != nil {
		return defaults, err
	}
	p := defaults
	if err := json.Unmarshal([]byte(s.Value), &p); err != nil {
		return defaults, nil
	}
	if p.Check() != nil {
		return defaults, nil
	}
	return p, nil
}

// SavePeriods stores the periods (audited). Nothing changes on error.
func SavePeriods(ctx context.Context, db *gorm.DB, actorID uint, p Periods, before Periods, now time.Time) error {
	if err := p.Check(); err != nil {
		return err
	}
	b, _ := json.Marshal(p)
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		s := setting{Key: periodsKey, Value: string(b), UpdatedByID: &actorID, UpdatedAt: now.UTC()}
		res := tx.Model(&setting{}).Where(`"key" = ?`, periodsKey).
			Updates(map[string]any{"value": s.Value, "updated_by_id": actorID, "updated_at": s.UpdatedAt})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			if err := tx.Create(&s).Error; err != nil {
				return err
			}
		}
		return audit.Record(tx, actorID, "retention.update", "settings", periodsKey, before, p)
	})
}

// Applied tells what one retention run did.
type Applied struct {
	Phones  int64 // registrations whose number was erased
	Names   int64 // registrations anonymised
	Reports int64 // session reports whose flagged text was erased
}

// ApplyRetention runs every retention rule once, in batches until nothing
// is left. It is idempotent (each rule touches only what still holds the
// data) and safe on several instances; it changes no count, so every
// indicator stays the same.
func ApplyRetention(ctx context.Context, db *gorm.DB, p Periods, now time.Time) (Applied, error) {
	var out Applied
	now = now.UTC()
	names, phones, err := countryPeriods(ctx, db, p)
	if err != nil {
		return out, err
	}
	for ctx.Err() == nil {
		n, err := erasePhonesBatch(ctx, db, phones, 200, now)
		out.Phones += n
		if err != nil {
			return out, err
		}
		if n == 0 {
			break
		}
	}
	n, err := runRetention(ctx, db, names, now)
	out.Names += n
	if err != nil {
		return out, err
	}
	if _, err := ScrubOldMessages(ctx, db, p.PhoneDays, now); err != nil {
		return out, err
	}
	if err := forgetStoppedOptins(ctx, db, p.PhoneDays, now); err != nil {
		return out, err
	}
	for ctx.Err() == nil {
		reviewed, erased, err := reviewReportsBatch(ctx, db, p.ReportTextDays, 100, now)
		out.Reports += erased
		if err != nil {
			return out, err
		}
		if reviewed == 0 {
			break
		}
	}
	return out, ctx.Err()
}

// countryPeriods are the periods of names and of phone numbers, with the
// countries whose law sets its own (countries.retention_days, issue 20):
// there names are kept that many days, and numbers as long as the
// programme keeps them but never longer than the names.
func countryPeriods(ctx context.Context, db *gorm.DB, p Periods) (names, phones endedBefore, err error) {
	var rows []struct {
		Code          string
		RetentionDays int
	}
	if err = db.WithContext(ctx).Table("countries").Select("code, retention_days").Where("retention_days > 0").Scan(&rows).Error; err != nil {
		return
	}
	names, phones = endedBefore{Days: p.NameDays}, endedBefore{Days: p.PhoneDays}
	if len(rows) > 0 {
		names.ByCountry, phones.ByCountry = map[string]int{}, map[string]int{}
		for _, r := range rows {
			names.ByCountry[r.Code] = r.RetentionDays
			phones.ByCountry[r.Code] = min(p.PhoneDays, r.RetentionDays)
		}
	}
	return names, phones, nil
}

// forgetStoppedOptins deletes the announcement opt-ins stopped more than
// days ago (the phone numbers' period): a stopped number receives nothing
// whether its row is kept or not, and its stop link then answers "not
// valid". Active opt-ins stay: their basis is the consent, until withdrawn.
func forgetStoppedOptins(ctx context.Context, db *gorm.DB, days int, now time.Time) error {
	return db.WithContext(ctx).Where("stopped_at IS NOT NULL AND stopped_at < ?", now.AddDate(0, 0, -days)).
		Delete(&registration.Optin{}).Error
}

// erasePhonesBatch erases the numbers of up to limit registrations whose
// event ended more than days ago (names stay until their own period).
func erasePhonesBatch(ctx context.Context, db *gorm.DB, cut endedBefore, limit int, now time.Time) (int64, error) {
	ended, endedArgs := cut.sql(now)
	var n int64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := database.LockRow(tx, "registrations", 0); err != nil {
			return err
		}
		var ids []uint
		if err := tx.Table("registrations").Joins("JOIN events ON events.id = registrations.event_id").
			Where("registrations.phone IS NOT NULL").Where(ended, endedArgs...).
			Order("registrations.id").Limit(limit).Pluck("registrations.id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		res := tx.Table("registrations").Where("id IN ? AND phone IS NOT NULL", ids).
			Updates(map[string]any{"phone": nil, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		return tx.Exec(`UPDATE sms_messages SET to_phone = '', body = '' WHERE registration_id IN ? AND status NOT IN ('queued', 'sending')`, ids).Error
	})
	return n, err
}

// reviewReportsBatch erases, in up to limit session reports of events that
// ended more than days ago and were not reviewed yet, the free-text fields
// that look like they hold a phone number or a person's name
// (sessionreport.Flags); every report is marked reviewed.
func reviewReportsBatch(ctx context.Context, db *gorm.DB, days, limit int, now time.Time) (reviewed, erased int64, err error) {
	cutoff := now.AddDate(0, 0, -days)
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := database.LockRow(tx, "session_reports", 0); err != nil {
			return err
		}
		var reports []sessionreport.Report
		if err := tx.Preload("FollowUps").Joins("JOIN events ON events.id = session_reports.event_id").
			Where("session_reports.text_reviewed_at IS NULL AND events.ends_at < ?", cutoff).
			Order("session_reports.id").Limit(limit).Find(&reports).Error; err != nil {
			return err
		}
		regions, err := eventRegions(tx, reports)
		if err != nil {
			return err
		}
		for i := range reports {
			r := &reports[i]
			region := regions[r.EventID]
			fields := map[string]any{"text_reviewed_at": now}
			flagged := map[string]bool{}
			for _, f := range r.Flags(region) {
				flagged[f.Field] = true
			}
			for _, f := range []string{"covered", "how_it_went", "questions"} {
				if flagged[f] {
					fields[f] = ""
				}
			}
			if err := tx.Table("session_reports").Where("id = ?", r.ID).Updates(fields).Error; err != nil {
				return err
			}
			if flagged["follow_ups"] {
				for _, fu := range r.FollowUps {
					if len(sessionreport.FlagText("follow_ups", fu.Action, region)) > 0 {
						if err := tx.Table("report_follow_ups").Where("id = ?", fu.ID).Update("action", "").Error; err != nil {
							return err
						}
					}
				}
			}
			if len(flagged) > 0 {
				erased++
			}
		}
		reviewed = int64(len(reports))
		return nil
	})
	return reviewed, erased, err
}

// Upcoming is what the next retention runs will anonymise: per day and
// kind, how many people (or reports).
type Upcoming struct {
	Day    time.Time
	Kind   string // "phone", "name", "report_text"
	People int
}

// Preview lists what is due now and in the next days (the admins' page).
func Preview(ctx context.Context, db *gorm.DB, p Periods, now time.Time, days int) ([]Upcoming, error) {
	now = now.UTC()
	until := now.AddDate(0, 0, days)
	type row struct {
		EndsAt time.Time
		N      int
	}
	var out []Upcoming
	add := func(kind string, shift int, rows []row) {
		byDay := map[time.Time]int{}
		for _, r := range rows {
			d := r.EndsAt.AddDate(0, 0, shift)
			if d.Before(now) {
				d = now
			}
			day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
			byDay[day] += r.N
		}
		for d, n := range byDay {
			out = append(out, Upcoming{Day: d, Kind: kind, People: n})
		}
	}
	q := func(cond string, shift int) ([]row, error) {
		var rows []row
		err := db.WithContext(ctx).Table("registrations").Select("events.ends_at AS ends_at, COUNT(*) AS n").
			Joins("JOIN events ON events.id = registrations.event_id").
			Where(cond+" AND events.ends_at < ?", until.AddDate(0, 0, -shift)).
			Group("events.ends_at").Scan(&rows).Error
		return rows, err
	}
	rows, err := q("registrations.phone IS NOT NULL", p.PhoneDays)
	if err != nil {
		return nil, err
	}
	add("phone", p.PhoneDays, rows)
	if rows, err = q("registrations.anonymised_at IS NULL", p.NameDays); err != nil {
		return nil, err
	}
	add("name", p.NameDays, rows)
	var reps []row
	if err := db.WithContext(ctx).Table("session_reports").Select("events.ends_at AS ends_at, COUNT(*) AS n").
		Joins("JOIN events ON events.id = session_reports.event_id").
		Where("session_reports.text_reviewed_at IS NULL AND events.ends_at < ?", until.AddDate(0, 0, -p.ReportTextDays)).
		Group("events.ends_at").Scan(&reps).Error; err != nil {
		return nil, err
	}
	add("report_text", p.ReportTextDays, reps)
	sortUpcoming(out)
	return out, nil
}

func sortUpcoming(u []Upcoming) {
	slices.SortFunc(u, func(a, b Upcoming) int {
		if c := a.Day.Compare(b.Day); c != 0 {
			return c
		}
		return strings.Compare(a.Kind, b.Kind)
	})
}

// eventRegions reads the phone region of the reports' sessions at once.
func eventRegions(tx *gorm.DB, reports []sessionreport.Report) (map[uint]string, error) {
	ids := make([]uint, 0, len(reports))
	for _, r := range reports {
		ids = append(ids, r.EventID)
	}
	out := map[uint]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID          uint
		PhoneRegion string
	}
	if err := tx.Table("events").Select("id, phone_region").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r.PhoneRegion
	}
	return out, nil
}
