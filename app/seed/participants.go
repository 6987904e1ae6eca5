package seed

import (
	"fmt"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// demoAttendance is a row of attendances (the seed does not depend on the
// attendance package).
type demoAttendance struct {
	ID             uint
	EventID        uint
	RegistrationID uint
	CheckedInAt    time.Time
	Source         string
	CreatedAt      time.Time
}

func (demoAttendance) TableName() string { return "attendances" }

// demoMark is the attendance's latest observation (attendance_marks).
type demoMark struct {
	RegistrationID uint `gorm:"primaryKey;autoIncrement:false"`
	EventID        uint
	Present        bool
	ObservedAt     time.Time
	CheckedInAt    *time.Time
}

func (demoMark) TableName() string { return "attendance_marks" }

// seedDemoParticipants registers made-up people (codes starting with D) for
// the demo sessions that have nobody yet, so that a first run shows rosters
// to check in, lists to export and figures on the dashboard: 10 to 25 people
// a session within its capacity, a partner's group at every third film
// screening, and three in four of them checked in at the sessions that are
// over. Seats taken follow the confirmed seats.
func seedDemoParticipants(tx *gorm.DB, eventIDs []uint, now time.Time) error {
	var evs []struct {
		ID        uint
		Country   string
		Kind      event.Kind
		StartsAt  time.Time
		EndsAt    time.Time
		Capacity  int
		SeatsTake int `gorm:"column:seats_taken"`
	}
	if err := tx.Table("events").Select("id, country, kind, starts_at, ends_at, capacity, seats_taken").
		Where("id IN ? AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.event_id = events.id)", eventIDs).
		Order("id").Find(&evs).Error; err != nil {
		return err
	}
	for _, e := range evs {
		rng := rand.New(rand.NewPCG(uint64(e.ID), 11))
		roles := []string{"parent", "youth"}
		if e.Kind == event.KindAuthorityWorkshop {
			roles = []string{"social_worker", "teacher", "police", "dolisa", "local_official", "partner_staff"}
		}
		over := e.EndsAt.Before(now)
		people := min(10+rng.IntN(16), e.Capacity-e.SeatsTake)
		seats := 0
		for p := 0; p < people; p++ {
			role := roles[rng.IntN(len(roles))]
			name, sex, age := demoPersonIn(rng, e.Country, role)
			phone := demoPhone(e.Country, int(e.ID)*1000+p)
			r := registration.Registration{EventID: e.ID, Code: fmt.Sprintf("D%03d%02d", e.ID%1000, p),
				Kind: registration.KindIndividual, Status: registration.StatusConfirmed,
				Name: name, NameFolded: textnorm.Fold(name), Phone: &phone,
				Sex: sex, AgeBand: age, Role: role,
				GroupSize: 1, GroupBreakdown: "{}", Lang: demoLang(e.Country), Source: registration.SourceWeb}
			if err := createDemoRegistration(tx, &r, e.StartsAt, now); err != nil {
				return err
			}
			seats++
			if over && rng.Float64() < 0.75 {
				if err := checkInDemo(tx, e.ID, r.ID, e.StartsAt, rng, now); err != nil {
					return err
				}
			}
		}
		// A partner home brings a group of children to every third screening.
		if size := 8 + rng.IntN(8); demoLang(e.Country) == "vi" && e.Kind == event.KindFilmDebate && e.ID%3 == 0 && seats+size <= e.Capacity-e.SeatsTake {
			r := registration.Registration{EventID: e.ID, Code: fmt.Sprintf("D%03d%02d", e.ID%1000, 99),
				Kind: registration.KindGroup, Status: registration.StatusConfirmed,
				Name: "Nhà mở Bình An", NameFolded: textnorm.Fold("Nhà mở Bình An"), Organisation: "Bình An",
				GroupSize: size, GroupBreakdown: fmt.Sprintf(`{"grid":{"female":{"under_16":%d},"male":{"under_16":%d}}}`, size/2, size-size/2),
				Lang: "vi", Source: registration.SourceStaff}
			if err := createDemoRegistration(tx, &r, e.StartsAt, now); err != nil {
				return err
			}
			seats += size
			if over {
				if err := checkInDemo(tx, e.ID, r.ID, e.StartsAt, rng, now); err != nil {
					return err
				}
			}
		}
		if err := tx.Table("events").Where("id = ?", e.ID).Update("seats_taken", gorm.Expr("seats_taken + ?", seats)).Error; err != nil {
			return err
		}
	}
	return nil
}

// createDemoRegistration inserts r as made some days before the session.
func createDemoRegistration(tx *gorm.DB, r *registration.Registration, startsAt, now time.Time) error {
	at := startsAt.AddDate(0, 0, -7)
	if at.After(now) {
		at = now
	}
	r.ConsentVersion, r.ConsentAt, r.ConfirmedAt, r.CreatedAt, r.UpdatedAt = "2026-01", &at, &at, at, at
	return tx.Create(r).Error
}

// checkInDemo checks a registration in around the start of its session.
func checkInDemo(tx *gorm.DB, eventID, regID uint, startsAt time.Time, rng *rand.Rand, now time.Time) error {
	at := startsAt.Add(time.Duration(rng.IntN(40)-20) * time.Minute)
	if err := tx.Create(&demoAttendance{EventID: eventID, RegistrationID: regID, CheckedInAt: at, Source: "roster", CreatedAt: now}).Error; err != nil {
		return err
	}
	return tx.Create(&demoMark{RegistrationID: regID, EventID: eventID, Present: true, ObservedAt: at, CheckedInAt: &at}).Error
}
