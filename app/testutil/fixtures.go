package testutil

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/textnorm"
	"github.com/lantern-ngo/lantern/app/user"
)

var seq atomic.Int64

// EventOpts describes a test event; zero values get sensible defaults
// (published, film-and-debate, 50 seats, starting in 7 days).
type EventOpts struct {
	Kind     event.Kind
	Status   event.Status
	Capacity int
	StartsIn time.Duration
	Duration time.Duration
	Titles   map[string]string // lang -> title; default vi, fr and en
	Lang     string
	Deadline *time.Time
	Now      time.Time
}

// Venue creates a city and a venue.
func Venue(t testing.TB, db *gorm.DB) event.Venue {
	t.Helper()
	n := seq.Add(1)
	city := event.City{Code: fmt.Sprintf("C%d", n), Country: "VN", TimeZone: "Asia/Ho_Chi_Minh",
		Name: content.Text{"vi": "Phan Thiết", "fr": "Phan Thiet", "en": "Phan Thiet"}}
	if err := db.Create(&city).Error; err != nil {
		t.Fatal(err)
	}
	v := event.Venue{Code: fmt.Sprintf("V%d", n), CityID: city.ID, Address: "1 Lê Lợi", Active: true,
		Name: content.Text{"vi": "Nhà văn hóa", "fr": "Maison de la culture", "en": "Cultural house"}}
	if err := db.Create(&v).Error; err != nil {
		t.Fatal(err)
	}
	v.City = city
	return v
}

// Event creates an event with its translations at a new venue.
func Event(t testing.TB, db *gorm.DB, o EventOpts) *event.Event {
	t.Helper()
	v := Venue(t, db)
	if o.Now.IsZero() {
		o.Now = time.Now().UTC()
	}
	if o.Kind == "" {
		o.Kind = event.KindFilmDebate
	}
	if o.Status == "" {
		o.Status = event.StatusPublished
	}
	if o.Capacity == 0 {
		o.Capacity = 50
	}
	if o.StartsIn == 0 {
		o.StartsIn = 7 * 24 * time.Hour
	}
	if o.Duration == 0 {
		o.Duration = 2 * time.Hour
	}
	if o.Lang == "" {
		o.Lang = "vi"
	}
	if o.Titles == nil {
		o.Titles = map[string]string{"vi": "Chiếu phim: Lời hứa", "fr": "Projection : La promesse", "en": "Screening: The promise"}
	}
	n := seq.Add(1)
	e := &event.Event{
		Code: fmt.Sprintf("T%03d", n), Kind: o.Kind, Status: o.Status, Lang: o.Lang,
		StartsAt: o.Now.Add(o.StartsIn).UTC(), EndsAt: o.Now.Add(o.StartsIn + o.Duration).UTC(),
		TimeZone: "Asia/Ho_Chi_Minh", Country: "VN", PhoneRegion: "VN", VenueID: v.ID, Capacity: o.Capacity, Audience: "families",
		RegistrationDeadline: o.Deadline,
	}
	if o.Status != event.StatusDraft {
		// Published (or cancelled after publication) the day before, as
		// event.Publish does.
		pub := o.Now.Add(-24 * time.Hour).UTC()
		e.PublishedAt = &pub
	}
	for lang, title := range o.Titles {
		e.Translations = append(e.Translations, event.Translation{Lang: lang, Title: title, Description: "Mô tả / description: " + title, UpdatedAt: o.Now})
	}
	if err := db.Create(e).Error; err != nil {
		t.Fatal(err)
	}
	e.Venue = v
	return e
}

// DefaultPassword is the password of accounts made by Staff.
const DefaultPassword = "correct-horse-battery"

// Staff creates an active account with the roles.
func Staff(t testing.TB, db *gorm.DB, roles ...user.Role) *user.User {
	t.Helper()
	n := seq.Add(1)
	u := &user.User{Email: fmt.Sprintf("staff%d@lantern.test", n), Name: fmt.Sprintf("Staff %d", n), Roles: user.JoinRoles(roles), Lang: "en"}
	if err := user.Create(t.Context(), db, u, DefaultPassword); err != nil {
		t.Fatal(err)
	}
	return u
}

// AssignTrainer puts a trainer on an event.
func AssignTrainer(t testing.TB, db *gorm.DB, eventID, userID uint) {
	t.Helper()
	if err := db.Exec("INSERT INTO event_trainers (event_id, user_id) VALUES (?, ?)", eventID, userID).Error; err != nil {
		t.Fatal(err)
	}
}

// RegistrationOpts describes a test registration; zero values give a
// confirmed individual registration with a Vietnamese name and a phone.
type RegistrationOpts struct {
	Name    string
	Phone   string // E.164; "" gives a generated number, "-" none
	Status  registration.Status
	Kind    string
	Sex     string
	AgeBand string
	Role    string
	Size    int
	Lang    string
}

// Registration inserts a registration directly (it does not take a seat:
// tests of seat accounting go through the registration service).
func Registration(t testing.TB, db *gorm.DB, eventID uint, o RegistrationOpts) *registration.Registration {
	t.Helper()
	n := seq.Add(1)
	if o.Name == "" {
		o.Name = fmt.Sprintf("Nguyễn Văn Đức %d", n)
	}
	var phone *string
	switch o.Phone {
	case "-":
	case "":
		p := fmt.Sprintf("+8491%07d", n)
		phone = &p
	default:
		p := o.Phone
		phone = &p
	}
	if o.Status == "" {
		o.Status = registration.StatusConfirmed
	}
	if o.Kind == "" {
		o.Kind = registration.KindIndividual
	}
	if o.Size == 0 {
		o.Size = 1
	}
	if o.Lang == "" {
		o.Lang = "vi"
	}
	now := time.Now().UTC()
	r := &registration.Registration{
		EventID: eventID, Code: fmt.Sprintf("T%07d", n), Kind: o.Kind, Status: o.Status,
		Name: o.Name, NameFolded: textnorm.Fold(o.Name), Phone: phone, Sex: o.Sex, AgeBand: o.AgeBand, Role: o.Role,
		GroupSize: o.Size, GroupBreakdown: "{}", Lang: o.Lang, Source: registration.SourceWeb,
		ConsentVersion: "2026-01", ConsentAt: &now, CreatedAt: now, UpdatedAt: now,
	}
	if o.Status == registration.StatusConfirmed {
		r.ConfirmedAt = &now
	}
	if err := db.Create(r).Error; err != nil {
		t.Fatal(err)
	}
	return r
}
