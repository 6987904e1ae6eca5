// Package seed loads the programme's demo data from seed/*.yaml (readable
// files in three languages) into the database. Seeding is idempotent: rows
// are matched by their code and existing ones are left as organisers edited them.
package seed

import (
	"context"
	"errors"
	"fmt"
	"github.com/lantern-ngo/lantern/app/country"
	"github.com/lantern-ngo/lantern/app/phone"
	"io/fs"
	"time"

	"gopkg.in/yaml.v3"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/user"
)

type programmeFile struct {
	Cities []struct {
		Code     string       `yaml:"code"`
		Country  string       `yaml:"country"`
		TimeZone string       `yaml:"time_zone"`
		Name     content.Text `yaml:"name"`
	} `yaml:"cities"`
	Partners []struct {
		Code        string       `yaml:"code"`
		City        string       `yaml:"city"`
		Name        content.Text `yaml:"name"`
		Description content.Text `yaml:"description"`
		PublicPhone string       `yaml:"public_phone"`
	} `yaml:"partners"`
	Venues []struct {
		Code    string       `yaml:"code"`
		City    string       `yaml:"city"`
		Partner string       `yaml:"partner"`
		Address string       `yaml:"address"`
		Name    content.Text `yaml:"name"`
	} `yaml:"venues"`
	Targets []struct {
		Code  string       `yaml:"code"`
		Value float64      `yaml:"value"`
		Unit  string       `yaml:"unit"`
		Name  content.Text `yaml:"name"`
	} `yaml:"targets"`
	Consent struct {
		Version string       `yaml:"version"`
		Text    content.Text `yaml:"text"`
	} `yaml:"consent"`
}

type eventsFile struct {
	Events []struct {
		Code               string       `yaml:"code"`
		Kind               string       `yaml:"kind"`
		Lang               string       `yaml:"lang"` // the language it is written in; the default one when empty
		InDays             int          `yaml:"in_days"`
		Start              string       `yaml:"start"`
		Hours              float64      `yaml:"hours"`
		Venue              string       `yaml:"venue"`
		Partner            string       `yaml:"partner"`
		Capacity           int          `yaml:"capacity"`
		Audience           string       `yaml:"audience"`
		Film               content.Text `yaml:"film"` // per language
		DeadlineDaysBefore int          `yaml:"deadline_days_before"`
		Title              content.Text `yaml:"title"`
		Description        content.Text `yaml:"description"`
	} `yaml:"events"`
}

type staffFile struct {
	Password string `yaml:"password"`
	Users    []struct {
		Email string   `yaml:"email"`
		Name  string   `yaml:"name"`
		Roles []string `yaml:"roles"`
		Lang  string   `yaml:"lang"`
		Phone string   `yaml:"phone"`
		Coach string   `yaml:"coach"`
		// Country limits the account to one country's sessions (issue 20).
		Country string `yaml:"country"`
	} `yaml:"users"`
}

type eventTrainer struct {
	EventID uint
	UserID  uint
}

func readYAML(fsys fs.FS, name string, v any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// Options says what to seed.
type Options struct {
	// Demo adds the demo staff accounts and assigns trainers to events.
	Demo bool
	Now  time.Time
}

// Run seeds the programme in one transaction.
func Run(ctx context.Context, db *gorm.DB, fsys fs.FS, o Options) error {
	var prog programmeFile
	var evs eventsFile
	var staff staffFile
	if err := readYAML(fsys, "seed/programme.yaml", &prog); err != nil {
		return err
	}
	if err := readYAML(fsys, "seed/events.yaml", &evs); err != nil {
		return err
	}
	if err := readYAML(fsys, "seed/demo_staff.yaml", &staff); err != nil {
		return err
	}
	if o.Now.IsZero() {
		o.Now = time.Now().UTC()
	}
	countries, err := country.All(ctx, db)
	if err != nil {
		return err
	}
	if len(countries) == 0 {
		return errors.New("seed: no country (migration 0090 seeds them)")
	}
	countryOf := map[string]country.Country{}
	for _, c := range countries {
		countryOf[c.Code] = c
	}
	// The programme's periods are read in the default country's time.
	loc := countries[0].Location()
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cityID := map[string]uint{}
		cityOf := map[string]event.City{}
		for _, c := range prog.Cities {
			if _, ok := countryOf[c.Country]; !ok {
				return fmt.Errorf("seed/programme.yaml: city %s: unknown country %q", c.Code, c.Country)
			}
			row := event.City{Code: c.Code, Country: c.Country, TimeZone: c.TimeZone, Name: c.Name}
			if err := firstOrCreate(tx, &row, "code = ?", c.Code); err != nil {
				return err
			}
			cityID[c.Code] = row.ID
			cityOf[c.Code] = row
		}
		venueCity := map[string]event.City{}
		partnerID := map[string]uint{}
		for _, p := range prog.Partners {
			cid := cityID[p.City]
			row := event.Partner{Code: p.Code, Name: p.Name, Description: p.Description, CityID: &cid, Active: true}
			if p.PublicPhone != "" {
				n, err := phone.ParseLine(p.PublicPhone, countryOf[cityOf[p.City].Country].PhoneRegion)
				if err != nil {
					return fmt.Errorf("seed/programme.yaml: partner %s: public phone %q: %w", p.Code, p.PublicPhone, err)
				}
				row.PublicPhone = n.E164
			}
			if err := firstOrCreate(tx, &row, "code = ?", p.Code); err != nil {
				return err
			}
			partnerID[p.Code] = row.ID
		}
		venueID := map[string]uint{}
		for _, v := range prog.Venues {
			row := event.Venue{Code: v.Code, Name: v.Name, Address: v.Address, CityID: cityID[v.City], Active: true}
			if v.Partner != "" {
				pid := partnerID[v.Partner]
				row.PartnerID = &pid
			}
			if err := firstOrCreate(tx, &row, "code = ?", v.Code); err != nil {
				return err
			}
			venueID[v.Code] = row.ID
			venueCity[v.Code] = cityOf[v.City]
		}
		start := time.Date(2023, 1, 1, 0, 0, 0, 0, loc).UTC()
		end := time.Date(2027, 12, 31, 0, 0, 0, 0, loc).UTC()
		for _, t := range prog.Targets {
			unit := t.Unit
			if unit == "" {
				unit = "count"
			}
			row := event.Target{Code: t.Code, Name: t.Name, Value: t.Value, Unit: unit, PeriodStart: start, PeriodEnd: end}
			if err := firstOrCreate(tx, &row, "code = ?", t.Code); err != nil {
				return err
			}
		}
		cv := registration.Consent{Version: prog.Consent.Version, Text: prog.Consent.Text, CreatedAt: o.Now}
		if err := firstOrCreate(tx, &cv, "version = ?", cv.Version); err != nil {
			return err
		}

		var eventIDs []uint
		for _, e := range evs.Events {
			if _, ok := venueID[e.Venue]; !ok {
				return fmt.Errorf("seed/events.yaml: %s: unknown venue %q", e.Code, e.Venue)
			}
			hm, err := time.Parse("15:04", e.Start)
			if err != nil {
				return fmt.Errorf("seed/events.yaml: %s: start %q: %w", e.Code, e.Start, err)
			}
			// A session's times are its city's local times.
			city := venueCity[e.Venue]
			home := countryOf[city.Country]
			tz := city.TimeZone
			if tz == "" {
				tz = home.TimeZone
			}
			eloc, err := locale.LoadLocation(tz)
			if err != nil {
				return fmt.Errorf("seed/events.yaml: %s: time zone %q: %w", e.Code, tz, err)
			}
			day := o.Now.In(eloc).AddDate(0, 0, e.InDays)
			starts := time.Date(day.Year(), day.Month(), day.Day(), hm.Hour(), hm.Minute(), 0, 0, eloc)
			ends := starts.Add(time.Duration(e.Hours * float64(time.Hour)))
			lang := e.Lang
			if lang == "" || !locale.IsSupported(lang) {
				lang = locale.Default
			}
			row := event.Event{
				Code: e.Code, Kind: event.Kind(e.Kind), Status: event.StatusPublished, Lang: lang,
				StartsAt: starts.UTC(), EndsAt: ends.UTC(), TimeZone: tz, Country: home.Code, PhoneRegion: home.PhoneRegion,
				VenueID: venueID[e.Venue], Capacity: e.Capacity, Audience: e.Audience, Film: e.Film[lang],
			}
			if e.Partner != "" {
				pid := partnerID[e.Partner]
				row.PartnerID = &pid
			}
			if e.DeadlineDaysBefore > 0 {
				d := starts.AddDate(0, 0, -e.DeadlineDaysBefore).UTC()
				row.RegistrationDeadline = &d
			}
			published := o.Now.Add(-24 * time.Hour)
			if starts.UTC().Before(published) {
				published = starts.UTC().AddDate(0, 0, -30)
			}
			row.PublishedAt = &published
			for _, lang := range locale.Supported {
				if e.Title[lang] != "" {
					row.Translations = append(row.Translations, event.Translation{Lang: lang, Title: e.Title[lang], Description: e.Description[lang], Film: e.Film[lang], UpdatedAt: o.Now})
				}
			}
			var existing event.Event
			err = tx.Where("code = ?", e.Code).Take(&existing).Error
			if err == nil {
				eventIDs = append(eventIDs, existing.ID)
				continue
			}
			if !errors.Is(err, gorm.ErrRecordNotFound) {
				return err
			}
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			eventIDs = append(eventIDs, row.ID)
		}

		if err := Competencies(tx, fsys); err != nil {
			return err
		}
		if !o.Demo {
			return nil
		}
		hash, err := user.HashPassword(staff.Password)
		if err != nil {
			return err
		}
		userID := map[string]uint{}
		for _, s := range staff.Users {
			roles := make([]user.Role, len(s.Roles))
			for i, r := range s.Roles {
				roles[i] = user.Role(r)
			}
			u := user.User{Email: s.Email, Name: s.Name, Roles: user.JoinRoles(roles), Lang: s.Lang, Phone: s.Phone, Active: true, PasswordHash: hash,
				ScopeCountry: s.Country}
			if err := firstOrCreate(tx, &u, "email = ?", s.Email); err != nil {
				return err
			}
			userID[s.Email] = u.ID
		}
		for _, s := range staff.Users {
			if s.Coach != "" {
				if err := tx.Model(&user.User{}).Where("id = ?", userID[s.Email]).Update("coach_id", userID[s.Coach]).Error; err != nil {
					return err
				}
			}
		}
		// The demo trainers run every other session each.
		for i, id := range eventIDs {
			t := userID["trainer@lantern.test"]
			if i%2 == 1 {
				t = userID["trainer2@lantern.test"]
			}
			if err := firstOrCreate(tx, &eventTrainer{EventID: id, UserID: t}, "event_id = ? AND user_id = ?", id, t); err != nil {
				return err
			}
		}
		if err := seedDemoParticipants(tx, eventIDs, o.Now); err != nil {
			return err
		}
		if err := seedDemoCoaching(tx, o.Now, loc); err != nil {
			return err
		}
		if err := seedDemoReports(tx, eventIDs, o.Now); err != nil {
			return err
		}
		if err := seedDemoRatings(tx, eventIDs, o.Now); err != nil { // rating requests (issue 15)
			return err
		}
		return seedQuizzes(tx, fsys, eventIDs, o.Now) // quizzes (issue 6): seed/quizzes.yaml, demo attempts
	})
}

// firstOrCreate inserts row unless one matches the condition.
func firstOrCreate(tx *gorm.DB, row any, cond string, args ...any) error {
	res := tx.Where(cond, args...).Limit(1).Find(row)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected > 0 {
		return nil
	}
	return tx.Create(row).Error
}
