package event

import (
	"context"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/scope"
)

// Form is the organiser's event form as typed: numbers and dates stay
// strings so that bad input comes back exactly as it was written. Input
// reads it into the domain's input.
type Form struct {
	Kind            string   `form:"kind" validate:"required,oneof=film_debate authority_workshop info_session life_skills" label:"eventform.kind"`
	Lang            string   `form:"lang" validate:"required,max=8" label:"eventform.lang"`
	StartsAt        string   `form:"starts_at" validate:"required,max=20" label:"eventform.starts_at"`
	EndsAt          string   `form:"ends_at" validate:"required,max=20" label:"eventform.ends_at"`
	VenueID         string   `form:"venue_id" validate:"required,max=12" label:"eventform.venue"`
	PartnerID       string   `form:"partner_id" validate:"max=12" label:"eventform.partner"`
	Capacity        string   `form:"capacity" validate:"required,max=12" label:"eventform.capacity"`
	Deadline        string   `form:"deadline" validate:"max=20" label:"eventform.deadline"`
	Audience        string   `form:"audience" validate:"omitempty,oneof=families children_youth authorities partner_staff general" label:"eventform.audience"`
	Trainers        []string `form:"trainers" validate:"max=50,dive,max=12" label:"eventform.trainers"`
	ConfirmConflict string   `form:"confirm_conflict"`
	// Texts are the title, description and film of each language, read
	// from title_<lang>, description_<lang> and film_<lang> (one list of
	// languages: Languages); the domain checks their lengths.
	Texts map[string]Text `form:"-"`
}

// localInput is the value of a datetime-local input.
const localInput = "2006-01-02T15:04"

func itoa(n int) string { return strconv.Itoa(n) }

// FormOf fills the form with a saved event, in its time zone.
func FormOf(e *Event, trainers []uint) Form {
	loc := e.Location()
	f := Form{Kind: string(e.Kind), Lang: e.Lang, StartsAt: e.StartsAt.In(loc).Format(localInput),
		EndsAt: e.EndsAt.In(loc).Format(localInput), VenueID: itoa(int(e.VenueID)),
		Capacity: itoa(e.Capacity), Audience: e.Audience, Texts: map[string]Text{}}
	if e.PartnerID != nil {
		f.PartnerID = itoa(int(*e.PartnerID))
	}
	if e.RegistrationDeadline != nil {
		f.Deadline = e.RegistrationDeadline.In(loc).Format(localInput)
	}
	for _, t := range e.Translations {
		f.Texts[t.Lang] = Text{Title: t.Title, Description: t.Description, Film: t.Film}
	}
	if own := f.Texts[e.Lang]; own.Film == "" && e.Film != "" {
		// Saved before films had languages: the film was in the own language.
		own.Film = e.Film
		f.Texts[e.Lang] = own
	}
	for _, id := range trainers {
		f.Trainers = append(f.Trainers, itoa(int(id)))
	}
	return f
}

// Input reads the form into the domain input, for a staff member's part of
// the programme. Times are read in the venue's time zone. A venue that is
// not a number leaves VenueID 0 (the caller says it is required); the
// other problems are field errors (apperr.FieldList). The rules of the
// event (Input.Check) are not run here.
func (f *Form) Input(ctx context.Context, db *gorm.DB, sc scope.Scope) (Input, error) {
	var fe apperr.FieldList
	in := Input{Kind: Kind(f.Kind), Lang: f.Lang, Audience: f.Audience,
		ConfirmConflict: f.ConfirmConflict == "1", Texts: map[string]Text{}, Scope: sc}
	for _, l := range Languages {
		in.Texts[l] = f.Texts[l]
	}
	loc, _ := locale.LoadLocation(locale.DefaultTimeZone)
	if id, err := strconv.ParseUint(strings.TrimSpace(f.VenueID), 10, 32); err == nil && id > 0 {
		in.VenueID = uint(id)
		if v, err := VenueLocation(ctx, db, in.VenueID); err == nil && v != nil {
			loc = v
		}
	}
	if f.PartnerID != "" {
		if id, err := strconv.ParseUint(f.PartnerID, 10, 32); err == nil && id > 0 {
			pid := uint(id)
			in.PartnerID = &pid
		} else {
			fe.Add("partner_id", "error.eventform.partner", nil)
		}
	}
	parse := func(field, v string) (time.Time, bool) {
		// datetime-local sends 2026-12-02T18:30; an old phone browser shows a
		// text box where people type 2026-12-02 18:30 or 02/12/2026 18:30.
		var tm time.Time
		var err error
		for _, layout := range []string{localInput, "2006-01-02T15:04:05", "2006-01-02 15:04", "02/01/2006 15:04", "2/1/2006 15:04"} {
			if tm, err = time.ParseInLocation(layout, strings.TrimSpace(v), loc); err == nil {
				break
			}
		}
		if err != nil {
			fe.Add(field, "error.eventform.datetime", nil)
			return time.Time{}, false
		}
		return tm.UTC(), true
	}
	in.StartsAt, _ = parse("starts_at", f.StartsAt)
	in.EndsAt, _ = parse("ends_at", f.EndsAt)
	if strings.TrimSpace(f.Deadline) != "" {
		if d, ok := parse("deadline", f.Deadline); ok {
			in.Deadline = &d
		}
	}
	// Not a number: 0 seats, which the event's rules refuse.
	in.Capacity, _ = strconv.Atoi(strings.TrimSpace(f.Capacity))
	for _, s := range f.Trainers {
		if id, err := strconv.ParseUint(s, 10, 32); err == nil {
			in.TrainerIDs = append(in.TrainerIDs, uint(id))
		}
	}
	return in, fe.Err()
}

// LangBlock is one language's title and description on the form.
type LangBlock struct {
	Lang        string
	Name        string
	Title       string
	Description string
	Film        string
	Own         bool
	Missing     bool
	Stale       bool
}

// LangBlocks are the form's texts, one block per language (named by
// name), with translation markers: missing, or older than the text of the
// event's own language (only the saved texts of e, nil on the new form,
// have dates).
func (f *Form) LangBlocks(e *Event, name func(lang string) string) []LangBlock {
	saved := map[string]Translation{}
	if e != nil {
		for _, tr := range e.Translations {
			saved[tr.Lang] = tr
		}
	}
	own := saved[f.Lang]
	var out []LangBlock
	for _, l := range Languages {
		b := LangBlock{Lang: l, Name: name(l), Title: f.Texts[l].Title, Description: f.Texts[l].Description, Film: f.Texts[l].Film, Own: l == f.Lang}
		b.Missing = !b.Own && strings.TrimSpace(b.Title) == ""
		if tr, ok := saved[l]; ok && !b.Own && own.ID != 0 && tr.UpdatedAt.Before(own.UpdatedAt) {
			b.Stale = true
		}
		out = append(out, b)
	}
	return out
}

// ConflictView is a session the form's would overlap, as the form lists it.
type ConflictView struct {
	ID       uint
	Code     string
	Title    string
	When     string
	Venue    string
	SameSite bool
	Trainers string
}

// ConflictViews lists the sessions of a conflict in t's language.
func ConflictViews(t *locale.Translator, ce *ConflictError, now time.Time) []ConflictView {
	var out []ConflictView
	for _, cf := range ce.Conflicts {
		v := ViewOf(t, &cf.Event, now)
		out = append(out, ConflictView{ID: cf.Event.ID, Code: cf.Event.Code, Title: v.Title,
			When: v.When, Venue: v.Venue, SameSite: cf.Venue, Trainers: strings.Join(cf.Trainers, ", ")})
	}
	return out
}
