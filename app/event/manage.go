package event

import (
	"context"
	"errors"
	"fmt"
	"github.com/lantern-ngo/lantern/app/country"
	"github.com/lantern-ngo/lantern/app/scope"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/textnorm"
	"github.com/lantern-ngo/lantern/app/user"
	"github.com/lantern-ngo/lantern/app/webhook"
)

// Languages organisers write event content in: the interface languages
// (locale.Supported, the one list the router, the locale loader, the forms
// and the tests read).
var Languages = locale.Supported

// Text is an event's title and description in one language, as typed.
type Text struct {
	Title       string
	Description string
	Film        string // the film's title as shown in this language (film-and-debates)
}

// Lengths of an event's texts, in characters.
const (
	TitleMax       = 200
	DescriptionMax = 8000
	FilmMax        = 200
)

// Input is what an organiser sets on an event (create and edit).
type Input struct {
	Kind       Kind
	Lang       string          // the language the organiser writes in
	Texts      map[string]Text // lang -> text; an empty title means no translation
	StartsAt   time.Time       // UTC
	EndsAt     time.Time       // UTC
	VenueID    uint
	PartnerID  *uint
	Capacity   int
	Deadline   *time.Time // UTC
	Audience   string
	TrainerIDs []uint
	// ConfirmConflict saves despite a trainer or venue booked at the same time.
	ConfirmConflict bool
	// Scope is the part of the programme the organiser works in: the venue
	// and the partner must be in it (issue 20).
	Scope scope.Scope
}

// The capacity of a session, in seats.
const (
	CapacityMin = 1
	CapacityMax = 100000
)

// fieldErr is a rule of the domain broken by one field of the input; key is
// the i18n message ID (only the web edge translates).
func fieldErr(field, key string, args map[string]any) error {
	var fe apperr.FieldList
	fe.Add(field, key, args)
	return fe.Err()
}

// Conflict is another session that books the same trainer or venue at an
// overlapping time.
type Conflict struct {
	Event    Event
	Venue    bool     // same venue
	Trainers []string // names of the trainers booked twice
}

// ConflictError is returned when the input overlaps other sessions and the
// organiser has not confirmed it.
type ConflictError struct{ Conflicts []Conflict }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("event: %d scheduling conflict(s)", len(e.Conflicts))
}

// EventTrainer assigns a trainer to an event.
type EventTrainer struct {
	EventID uint `gorm:"primaryKey;autoIncrement:false"`
	UserID  uint `gorm:"primaryKey;autoIncrement:false"`
}

// TableName keeps GORM on the migrated table.
func (EventTrainer) TableName() string { return "event_trainers" }

// codePrefix gives each kind the two letters of its codes (FD03, AW01 …),
// which people type in SMS keywords such as "DK FD03 Lan".
var codePrefix = map[Kind]string{
	KindFilmDebate: "FD", KindAuthorityWorkshop: "AW", KindInfoSession: "IS", KindLifeSkills: "LS",
}

// codeCounter numbers the codes of one prefix (table event_code_counters).
type codeCounter struct {
	Prefix string `gorm:"primaryKey"`
	Last   int
}

func (codeCounter) TableName() string { return "event_code_counters" }

// nextCode returns the next free code of a kind: the prefix and one more
// than the highest number ever given (two digits at least). The kind's
// counter row is locked first, so concurrent creations take turns; codes
// written by other means (the seed) are taken into account.
func nextCode(tx *gorm.DB, kind Kind) (string, error) {
	prefix := codePrefix[kind]
	if prefix == "" {
		prefix = "EV"
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&codeCounter{Prefix: prefix}).Error; err != nil {
		return "", err
	}
	var c codeCounter
	if err := tx.Exec("UPDATE event_code_counters SET last = last WHERE prefix = ?", prefix).Error; err != nil {
		return "", err
	}
	if err := tx.Where("prefix = ?", prefix).Take(&c).Error; err != nil {
		return "", err
	}
	var codes []string
	if err := tx.Model(&Event{}).Where("code LIKE ?", prefix+"%").Pluck("code", &codes).Error; err != nil {
		return "", err
	}
	next := c.Last
	for _, code := range codes {
		if n, err := strconv.Atoi(code[len(prefix):]); err == nil && n > next {
			next = n
		}
	}
	next++
	if err := tx.Model(&codeCounter{}).Where("prefix = ?", prefix).Update("last", next).Error; err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%02d", prefix, next), nil
}

// snapshot is what the audit log keeps of an event.
type snapshot struct {
	Code       string
	Kind       Kind
	Status     Status
	Lang       string
	TimeZone   string // the audit log shows the times in it
	StartsAt   time.Time
	EndsAt     time.Time
	VenueID    uint
	PartnerID  *uint
	Capacity   int
	Deadline   *time.Time
	Audience   string
	Film       string
	Titles     map[string]string
	Films      map[string]string `json:",omitempty"`
	TrainerIDs []uint
}

func snap(e *Event, trainers []uint) snapshot {
	s := snapshot{Code: e.Code, Kind: e.Kind, Status: e.Status, Lang: e.Lang, TimeZone: e.TimeZone, StartsAt: e.StartsAt, EndsAt: e.EndsAt,
		VenueID: e.VenueID, PartnerID: e.PartnerID, Capacity: e.Capacity, Deadline: e.RegistrationDeadline,
		Audience: e.Audience, Film: e.Film, Titles: map[string]string{}, Films: map[string]string{}, TrainerIDs: trainers}
	for _, t := range e.Translations {
		s.Titles[t.Lang] = t.Title
		if t.Film != "" {
			s.Films[t.Lang] = t.Film
		}
	}
	return s
}

func idStr(id uint) string { return strconv.FormatUint(uint64(id), 10) }

// clean normalises the text fields of the input (NFC, trimmed, without
// invisible characters; descriptions keep their lines).
func (in *Input) clean() {
	for l, t := range in.Texts {
		in.Texts[l] = Text{Title: textnorm.Clean(t.Title), Description: textnorm.CleanText(t.Description), Film: textnorm.Clean(t.Film)}
	}
	seen := map[uint]bool{}
	ids := in.TrainerIDs[:0:0]
	for _, id := range in.TrainerIDs {
		if id != 0 && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	in.TrainerIDs = ids
}

// Check applies the rules that need no database and returns every problem
// at once, each on its field (apperr.FieldsOf); Create and Update apply it,
// and a form may ask it first to show them with its own.
func (in *Input) Check() error {
	var fe apperr.FieldList
	if !ValidKind(string(in.Kind)) {
		fe.Add("kind", "error.eventform.kind", nil)
	}
	if !locale.IsSupported(in.Lang) {
		fe.Add("lang", "error.eventform.lang", nil)
	} else if in.Texts[in.Lang].Title == "" {
		fe.Add("title_"+in.Lang, "error.eventform.title_own_lang", nil)
	}
	for _, l := range Languages {
		t := in.Texts[l]
		if t.Title == "" && (t.Description != "" || t.Film != "") {
			fe.Add("title_"+l, "error.eventform.title_missing", nil)
		}
		if utf8.RuneCountInString(t.Title) > TitleMax {
			fe.Add("title_"+l, "error.eventform.text_long", map[string]any{"Max": TitleMax})
		}
		if utf8.RuneCountInString(t.Description) > DescriptionMax {
			fe.Add("description_"+l, "error.eventform.text_long", map[string]any{"Max": DescriptionMax})
		}
		if utf8.RuneCountInString(t.Film) > FilmMax {
			fe.Add("film_"+l, "error.eventform.text_long", map[string]any{"Max": FilmMax})
		}
	}
	if !in.EndsAt.After(in.StartsAt) {
		fe.Add("ends_at", "error.eventform.ends_before_start", nil)
	} else if in.EndsAt.Sub(in.StartsAt) > 14*24*time.Hour {
		fe.Add("ends_at", "error.eventform.too_long", nil)
	}
	if in.Deadline != nil && in.Deadline.After(in.StartsAt) {
		fe.Add("deadline", "error.eventform.deadline_after_start", nil)
	}
	if in.Capacity < CapacityMin || in.Capacity > CapacityMax {
		fe.Add("capacity", "error.eventform.capacity", nil)
	}
	if in.Audience != "" {
		ok := false
		for _, a := range Audiences {
			ok = ok || a == in.Audience
		}
		if !ok {
			fe.Add("audience", "error.eventform.audience", nil)
		}
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if in.Kind != KindFilmDebate {
		for l, t := range in.Texts {
			t.Film = ""
			in.Texts[l] = t
		}
	}
	return nil
}

// place is where a session is, as its rows keep it: the time zone its times
// are typed in and the country and phone region of its city.
type place struct{ TimeZone, Country, PhoneRegion string }

// placeOf reads a venue's city's country: a session takes its city's time
// zone (or else its country's) and its country's phone region.
func placeOf(tx *gorm.DB, v *Venue) (place, error) {
	c, err := country.ForCity(tx, v.City.Country)
	if err != nil {
		return place{}, err
	}
	p := place{TimeZone: v.City.TimeZone, Country: c.Code, PhoneRegion: c.PhoneRegion}
	if p.TimeZone == "" {
		p.TimeZone = c.TimeZone
	}
	return p, nil
}

// checkRefs verifies the venue, partner and trainers, and returns the venue.
func checkRefs(tx *gorm.DB, in *Input) (*Venue, error) {
	var v Venue
	err := tx.Preload("City").First(&v, in.VenueID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && !v.Active) {
		return nil, fieldErr("venue_id", "error.eventform.venue", nil)
	}
	if err != nil {
		return nil, err
	}
	if in.PartnerID != nil {
		var n int64
		if err := tx.Model(&Partner{}).Where("id = ?", *in.PartnerID).Count(&n).Error; err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, fieldErr("partner_id", "error.eventform.partner", nil)
		}
	}
	if !in.Scope.CoversCity(v.City.Country, v.CityID) {
		return nil, fieldErr("venue_id", "error.eventform.venue_outside", nil)
	}
	if !in.Scope.Covers(v.City.Country, v.CityID, in.PartnerID) {
		return nil, fieldErr("partner_id", "error.eventform.partner_outside", nil)
	}
	if len(in.TrainerIDs) > 0 {
		var us []user.User
		if err := tx.Where("id IN ? AND active = ?", in.TrainerIDs, true).Find(&us).Error; err != nil {
			return nil, err
		}
		ok := 0
		for i := range us {
			if us[i].Has(user.RoleTrainer) {
				ok++
			}
		}
		if ok != len(in.TrainerIDs) {
			return nil, fieldErr("trainers", "error.eventform.trainer", nil)
		}
	}
	return &v, nil
}

// FindConflicts lists the sessions (not cancelled, other than excludeID)
// that overlap [starts, ends) at the same venue or with one of the trainers.
func FindConflicts(tx *gorm.DB, excludeID, venueID uint, trainerIDs []uint, starts, ends time.Time) ([]Conflict, error) {
	q := tx.Model(&Event{}).Preload("Translations").Preload("Venue").
		Where("events.status <> ? AND events.id <> ? AND events.starts_at < ? AND events.ends_at > ?",
			StatusCancelled, excludeID, ends, starts)
	if len(trainerIDs) > 0 {
		q = q.Where("events.venue_id = ? OR events.id IN (?)", venueID,
			tx.Model(&EventTrainer{}).Select("event_id").Where("user_id IN ?", trainerIDs))
	} else {
		q = q.Where("events.venue_id = ?", venueID)
	}
	var evs []Event
	if err := q.Order("events.starts_at, events.id").Limit(50).Find(&evs).Error; err != nil {
		return nil, err
	}
	if len(evs) == 0 {
		return nil, nil
	}
	shared := map[uint][]string{}
	if len(trainerIDs) > 0 {
		ids := make([]uint, len(evs))
		for i, e := range evs {
			ids[i] = e.ID
		}
		var rows []struct {
			EventID uint
			Name    string
		}
		err := tx.Table("event_trainers").Select("event_trainers.event_id, users.name").
			Joins("JOIN users ON users.id = event_trainers.user_id").
			Where("event_trainers.event_id IN ? AND event_trainers.user_id IN ?", ids, trainerIDs).
			Order("users.name").Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			shared[r.EventID] = append(shared[r.EventID], r.Name)
		}
	}
	out := make([]Conflict, 0, len(evs))
	for _, e := range evs {
		out = append(out, Conflict{Event: e, Venue: e.VenueID == venueID, Trainers: shared[e.ID]})
	}
	return out, nil
}

// Conflicts checks an input against the schedule without saving (for the
// form and the agenda).
func Conflicts(ctx context.Context, db *gorm.DB, excludeID uint, in Input) ([]Conflict, error) {
	in.clean()
	return FindConflicts(db.WithContext(ctx), excludeID, in.VenueID, in.TrainerIDs, in.StartsAt, in.EndsAt)
}

// lockRow makes a row-locking write the first statement of a transaction:
// on PostgreSQL it locks the row (the event before its registrations, the
// order the registration service uses, so that the two never deadlock; the
// venue, so that two sessions booked at one venue at once are checked one
// after the other); on SQLite it takes the write lock at once, because a
// transaction that reads first and writes later fails with SQLITE_BUSY when
// another writer committed in between. table is a constant of this file.
func lockRow(tx *gorm.DB, table string, id uint) error {
	set := "id = id"
	if table == "events" {
		set = "seats_taken = seats_taken"
	}
	return tx.Exec("UPDATE "+table+" SET "+set+" WHERE id = ?", id).Error
}

// retryCode runs fn again when the generated code was taken meanwhile.
func retryCode(fn func() error) error {
	var err error
	for range 3 {
		if err = fn(); !errors.Is(err, gorm.ErrDuplicatedKey) {
			return err
		}
	}
	return err
}

// Create saves a new draft event with its texts and trainers.
func Create(ctx context.Context, db *gorm.DB, in Input, actorID uint, now time.Time) (*Event, error) {
	in.clean()
	if err := in.Check(); err != nil {
		return nil, err
	}
	var e *Event
	err := retryCode(func() error {
		return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := lockRow(tx, "venues", in.VenueID); err != nil {
				return err
			}
			v, err := checkRefs(tx, &in)
			if err != nil {
				return err
			}
			if err := guardConflicts(tx, 0, &in); err != nil {
				return err
			}
			code, err := nextCode(tx, in.Kind)
			if err != nil {
				return err
			}
			place, err := placeOf(tx, v)
			if err != nil {
				return err
			}
			e = &Event{Code: code, Kind: in.Kind, Status: StatusDraft, Lang: in.Lang,
				StartsAt: in.StartsAt.UTC(), EndsAt: in.EndsAt.UTC(), TimeZone: place.TimeZone,
				Country: place.Country, PhoneRegion: place.PhoneRegion,
				VenueID: in.VenueID, PartnerID: in.PartnerID, Capacity: in.Capacity,
				RegistrationDeadline: utcPtr(in.Deadline), Audience: in.Audience, Film: in.Texts[in.Lang].Film,
				CreatedByID: nonZero(actorID), CreatedAt: now, UpdatedAt: now}
			for _, l := range Languages {
				if t := in.Texts[l]; t.Title != "" {
					e.Translations = append(e.Translations, Translation{Lang: l, Title: t.Title, Description: t.Description, Film: t.Film, UpdatedAt: now})
				}
			}
			if err := tx.Create(e).Error; err != nil {
				return err
			}
			if err := setTrainers(tx, e.ID, in.TrainerIDs); err != nil {
				return err
			}
			return audit.Record(tx, actorID, "event.create", "event", idStr(e.ID), nil, snap(e, in.TrainerIDs))
		})
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

func guardConflicts(tx *gorm.DB, id uint, in *Input) error {
	if in.ConfirmConflict {
		return nil
	}
	cs, err := FindConflicts(tx, id, in.VenueID, in.TrainerIDs, in.StartsAt, in.EndsAt)
	if err != nil {
		return err
	}
	if len(cs) > 0 {
		return &ConflictError{Conflicts: cs}
	}
	return nil
}

func setTrainers(tx *gorm.DB, eventID uint, ids []uint) error {
	if err := tx.Where("event_id = ?", eventID).Delete(&EventTrainer{}).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	rows := make([]EventTrainer, len(ids))
	for i, id := range ids {
		rows[i] = EventTrainer{EventID: eventID, UserID: id}
	}
	return tx.Create(&rows).Error
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func nonZero(id uint) *uint {
	if id == 0 {
		return nil
	}
	return &id
}

// Update changes an event. A translation's updated_at moves only when its
// own text changes, so that translations older than the event's own
// language show as stale. The capacity never drops below the seats taken
// (checked by the UPDATE itself, so a registration landing meanwhile wins).
func Update(ctx context.Context, db *gorm.DB, id uint, in Input, actorID uint, now time.Time) (*Event, error) {
	in.clean()
	if err := in.Check(); err != nil {
		return nil, err
	}
	var e Event
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockRow(tx, "events", id); err != nil {
			return err
		}
		if err := lockRow(tx, "venues", in.VenueID); err != nil {
			return err
		}
		if err := tx.Preload("Translations").First(&e, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.Wrap(apperr.NotFound, "error.event.not_found", err)
			}
			return err
		}
		if e.Status == StatusCancelled {
			return apperr.New(apperr.Conflict, "error.eventform.cancelled")
		}
		oldTrainers, err := trainerIDsOf(tx, e.ID)
		if err != nil {
			return err
		}
		before := snap(&e, oldTrainers)
		v, err := checkRefs(tx, &in)
		if err != nil {
			return err
		}
		if err := guardConflicts(tx, e.ID, &in); err != nil {
			return err
		}
		place, err := placeOf(tx, v)
		if err != nil {
			return err
		}
		res := tx.Model(&Event{}).Where("id = ? AND seats_taken <= ?", e.ID, in.Capacity).Updates(map[string]any{
			"kind": in.Kind, "lang": in.Lang, "starts_at": in.StartsAt.UTC(), "ends_at": in.EndsAt.UTC(),
			"time_zone": place.TimeZone, "country": place.Country, "phone_region": place.PhoneRegion, "venue_id": in.VenueID, "partner_id": in.PartnerID, "capacity": in.Capacity,
			"registration_deadline": utcPtr(in.Deadline), "audience": in.Audience, "film": in.Texts[in.Lang].Film, "updated_at": now,
		})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var taken int
			tx.Model(&Event{}).Where("id = ?", e.ID).Pluck("seats_taken", &taken)
			return fieldErr("capacity", "error.eventform.capacity_below_taken", map[string]any{"Taken": taken})
		}
		have := map[string]Translation{}
		for _, t := range e.Translations {
			have[t.Lang] = t
		}
		for _, l := range Languages {
			t, old := in.Texts[l], have[l]
			switch {
			case t.Title == "" && old.ID != 0:
				if err := tx.Delete(&Translation{}, old.ID).Error; err != nil {
					return err
				}
			case t.Title == "":
			case old.ID == 0:
				if err := tx.Create(&Translation{EventID: e.ID, Lang: l, Title: t.Title, Description: t.Description, Film: t.Film, UpdatedAt: now}).Error; err != nil {
					return err
				}
			case old.Title != t.Title || old.Description != t.Description || old.Film != t.Film:
				if err := tx.Model(&Translation{}).Where("id = ?", old.ID).Updates(map[string]any{
					"title": t.Title, "description": t.Description, "film": t.Film, "updated_at": now}).Error; err != nil {
					return err
				}
			}
		}
		if err := setTrainers(tx, e.ID, in.TrainerIDs); err != nil {
			return err
		}
		if err := tx.Preload("Translations").First(&e, e.ID).Error; err != nil {
			return err
		}
		if err := audit.Record(tx, actorID, "event.update", "event", idStr(e.ID), before, snap(&e, in.TrainerIDs)); err != nil {
			return err
		}
		if e.Status != StatusPublished {
			return nil // a draft is nobody's news
		}
		return webhook.Raise(tx, webhook.EventChanged, webhook.Subject{EventID: e.ID}, now)
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

func trainerIDsOf(tx *gorm.DB, eventID uint) ([]uint, error) {
	var ids []uint
	err := tx.Model(&EventTrainer{}).Where("event_id = ?", eventID).Order("user_id").Pluck("user_id", &ids).Error
	return ids, err
}

// TrainerIDs returns the trainers assigned to an event.
func TrainerIDs(ctx context.Context, db *gorm.DB, eventID uint) ([]uint, error) {
	return trainerIDsOf(db.WithContext(ctx), eventID)
}

// TrainerRef is a trainer assigned to an event.
type TrainerRef struct {
	EventID uint
	UserID  uint
	Name    string
}

// TrainersOf maps each event to its trainers, by name (one query).
func TrainersOf(ctx context.Context, db *gorm.DB, eventIDs []uint) (map[uint][]TrainerRef, error) {
	out := map[uint][]TrainerRef{}
	if len(eventIDs) == 0 {
		return out, nil
	}
	var rows []TrainerRef
	err := db.WithContext(ctx).Table("event_trainers").Select("event_trainers.event_id, event_trainers.user_id, users.name").
		Joins("JOIN users ON users.id = event_trainers.user_id").
		Where("event_trainers.event_id IN ?", eventIDs).Order("users.name").Scan(&rows).Error
	for _, r := range rows {
		out[r.EventID] = append(out[r.EventID], r)
	}
	return out, err
}

// Trainers lists the active staff holding the trainer role, by name.
func Trainers(ctx context.Context, db *gorm.DB) ([]user.User, error) {
	var us []user.User
	if err := db.WithContext(ctx).Where("active = ? AND roles LIKE ?", true, "%trainer%").Order("name").Find(&us).Error; err != nil {
		return nil, err
	}
	out := us[:0]
	for _, u := range us {
		if u.Has(user.RoleTrainer) {
			out = append(out, u)
		}
	}
	return out, nil
}

// Duplicate copies an event as a new draft with a new code, the same texts
// (their dates kept, so stale translations stay marked) and trainers, and
// no registrations.
func Duplicate(ctx context.Context, db *gorm.DB, id uint, actorID uint, now time.Time) (*Event, error) {
	var copyEv *Event
	err := retryCode(func() error {
		return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := lockRow(tx, "events", id); err != nil {
				return err
			}
			var src Event
			if err := tx.Preload("Translations").First(&src, id).Error; err != nil {
				if errors.Is(err, gorm.ErrRecordNotFound) {
					return apperr.Wrap(apperr.NotFound, "error.event.not_found", err)
				}
				return err
			}
			trainers, err := trainerIDsOf(tx, src.ID)
			if err != nil {
				return err
			}
			code, err := nextCode(tx, src.Kind)
			if err != nil {
				return err
			}
			e := src
			e.ID, e.Code, e.Status, e.SeatsTaken = 0, code, StatusDraft, 0
			e.PublishedAt, e.CancelledAt = nil, nil
			e.CreatedByID, e.CreatedAt, e.UpdatedAt = nonZero(actorID), now, now
			e.Venue, e.Partner = Venue{}, nil
			e.Translations = nil
			for _, t := range src.Translations {
				e.Translations = append(e.Translations, Translation{Lang: t.Lang, Title: t.Title, Description: t.Description, Film: t.Film, UpdatedAt: t.UpdatedAt})
			}
			if err := tx.Omit("Venue", "Partner").Create(&e).Error; err != nil {
				return err
			}
			if err := setTrainers(tx, e.ID, trainers); err != nil {
				return err
			}
			copyEv = &e
			return audit.Record(tx, actorID, "event.duplicate", "event", idStr(e.ID),
				map[string]any{"FromID": src.ID, "FromCode": src.Code}, snap(&e, trainers))
		})
	})
	if err != nil {
		return nil, err
	}
	return copyEv, nil
}

// setStatus moves an event from one status to another with a conditional
// UPDATE (two organisers clicking at once change it once).
func setStatus(ctx context.Context, db *gorm.DB, id uint, from, to Status, action string, actorID uint, now time.Time, extra map[string]any, then func(tx *gorm.DB, e *Event) error) (*Event, error) {
	var e Event
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockRow(tx, "events", id); err != nil {
			return err
		}
		if err := tx.Preload("Translations").Preload("Venue").Preload("Venue.City").First(&e, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.Wrap(apperr.NotFound, "error.event.not_found", err)
			}
			return err
		}
		if e.Status != from {
			return apperr.New(apperr.Conflict, "error.eventform.status_changed")
		}
		set := map[string]any{"status": to, "updated_at": now}
		for k, v := range extra {
			set[k] = v
		}
		res := tx.Model(&Event{}).Where("id = ? AND status = ?", id, from).Updates(set)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, "error.eventform.status_changed")
		}
		e.Status = to
		if then != nil {
			if err := then(tx, &e); err != nil {
				return err
			}
		}
		if err := audit.Record(tx, actorID, action, "event", idStr(e.ID), map[string]any{"Status": from}, map[string]any{"Status": to}); err != nil {
			return err
		}
		switch {
		case to == StatusPublished:
			return webhook.Raise(tx, webhook.EventPublished, webhook.Subject{EventID: e.ID}, now)
		case to == StatusCancelled && from == StatusPublished:
			return webhook.Raise(tx, webhook.EventCancelled, webhook.Subject{EventID: e.ID}, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// Publish makes a draft visible on the public site.
func Publish(ctx context.Context, db *gorm.DB, id, actorID uint, now time.Time) (*Event, error) {
	return setStatus(ctx, db, id, StatusDraft, StatusPublished, "event.publish", actorID, now, map[string]any{"published_at": now}, nil)
}

// Unpublish takes an event back to draft. An event people registered for
// is cancelled instead (so that they are told).
func Unpublish(ctx context.Context, db *gorm.DB, id, actorID uint, now time.Time) (*Event, error) {
	return setStatus(ctx, db, id, StatusPublished, StatusDraft, "event.unpublish", actorID, now, nil, func(tx *gorm.DB, e *Event) error {
		var n int64
		if err := tx.Table("registrations").Where("event_id = ? AND status <> ?", e.ID, "cancelled").Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return apperr.New(apperr.Conflict, "error.eventform.unpublish_registered")
		}
		return nil
	})
}

// Notifier queues the messages that tell registrants an event is
// cancelled, inside the cancelling transaction, and returns how many.
type Notifier func(tx *gorm.DB, e *Event) (int, error)

// Cancel cancels a draft or published event and, in the same transaction,
// queues the messages of notify.
func Cancel(ctx context.Context, db *gorm.DB, id, actorID uint, now time.Time, notify Notifier) (*Event, int, error) {
	var sent int
	e, err := Get(ctx, db, id)
	if err != nil {
		return nil, 0, err
	}
	if e.Status == StatusCancelled {
		return nil, 0, apperr.New(apperr.Conflict, "error.eventform.status_changed")
	}
	e, err = setStatus(ctx, db, id, e.Status, StatusCancelled, "event.cancel", actorID, now, map[string]any{"cancelled_at": now},
		func(tx *gorm.DB, e *Event) error {
			if notify == nil {
				return nil
			}
			n, err := notify(tx, e)
			sent = n
			return err
		})
	return e, sent, err
}

// recordTables are the tables whose rows name an event: a draft that one
// of them names holds someone's records and is cancelled, never deleted.
var recordTables = []string{"registrations", "attendances", "attendance_marks", "headcounts", "checkin_receipts",
	"quiz_attempts", "session_reports", "coaching_sessions", "certificates", "sms_messages", "data_reads"}

// DeleteDraft deletes a draft that was never published and holds nobody's
// records (an organiser's false start): its translations and trainers go
// with it, and the audit log keeps what it was. Anything else is cancelled
// instead, so that what people saw or gave stays accounted for.
func DeleteDraft(ctx context.Context, db *gorm.DB, id, actorID uint) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The row first (both databases): a publication racing the delete
		// waits, then finds it gone.
		if err := tx.Exec("UPDATE events SET updated_at = updated_at WHERE id = ?", id).Error; err != nil {
			return err
		}
		var e Event
		if err := tx.Preload("Translations").Take(&e, "id = ?", id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return apperr.Wrap(apperr.NotFound, "error.event.not_found", err)
			}
			return err
		}
		if e.Status != StatusDraft || e.PublishedAt != nil {
			return apperr.New(apperr.Conflict, "error.eventform.delete_published")
		}
		for _, table := range recordTables {
			var n int64
			if err := tx.Table(table).Where("event_id = ?", id).Limit(1).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				return apperr.New(apperr.Conflict, "error.eventform.delete_records")
			}
		}
		trainers, err := TrainerIDs(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, q := range []string{"DELETE FROM event_translations WHERE event_id = ?", "DELETE FROM event_trainers WHERE event_id = ?", "DELETE FROM events WHERE id = ?"} {
			if err := tx.Exec(q, id).Error; err != nil {
				return err
			}
		}
		return audit.Record(tx, actorID, "event.delete", "event", idStr(e.ID), snap(&e, trainers), nil)
	})
}
