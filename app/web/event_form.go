package web

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/registration"
)

// eventForm is the organiser's event form as typed: numbers and dates stay
// strings so that bad input comes back exactly as it was written.
type eventForm struct {
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
	// languages: event.Languages); the domain checks their lengths.
	Texts map[string]event.Text `form:"-"`
}

// localInput is the value of a datetime-local input.
const localInput = "2006-01-02T15:04"

func (f *eventForm) title(lang string) string { return f.Texts[lang].Title }

func (f *eventForm) description(lang string) string { return f.Texts[lang].Description }

// formFromEvent fills the form with a saved event, in its time zone.
func formFromEvent(e *event.Event, trainers []uint) eventForm {
	loc := e.Location()
	f := eventForm{Kind: string(e.Kind), Lang: e.Lang, StartsAt: e.StartsAt.In(loc).Format(localInput),
		EndsAt: e.EndsAt.In(loc).Format(localInput), VenueID: itoa(int(e.VenueID)),
		Capacity: itoa(e.Capacity), Audience: e.Audience, Texts: map[string]event.Text{}}
	if e.PartnerID != nil {
		f.PartnerID = itoa(int(*e.PartnerID))
	}
	if e.RegistrationDeadline != nil {
		f.Deadline = e.RegistrationDeadline.In(loc).Format(localInput)
	}
	for _, t := range e.Translations {
		f.Texts[t.Lang] = event.Text{Title: t.Title, Description: t.Description, Film: t.Film}
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

// langBlock is one language's title and description on the form.
type langBlock struct {
	Lang        string
	Name        string
	Title       string
	Description string
	Film        string
	Own         bool
	Missing     bool
	Stale       bool
}

type trainerOption struct {
	ID      string
	Name    string
	Checked bool
}

type conflictView struct {
	ID       uint
	Code     string
	Title    string
	When     string
	Venue    string
	SameSite bool
	Trainers string
}

type eventFormPage struct {
	Page
	Event     *event.Event // nil on the new form
	EventView eventView
	Form      eventForm
	Errors    FieldErrors
	Langs3    []langBlock
	Kinds     []filterOption
	LangOpts  []filterOption
	Venues    []filterOption
	Partners  []filterOption
	Audiences []filterOption
	Trainers  []trainerOption
	Conflicts []conflictView
	TimeZone  string
	// ChangeReach: who would be told if the session moved (a published one
	// not yet started), and ChangeCost what it costs by SMS.
	ChangeReach *registration.Reach
	ChangeCost  string
	Currency    string // the session's country's
}

// fill prepares the selects and the language blocks of the form page.
func (s *Server) fillEventForm(c *fiber.Ctx, p *eventFormPage) error {
	ctx := c.UserContext()
	t := p.Translator
	f := &p.Form
	for _, k := range event.Kinds {
		p.Kinds = append(p.Kinds, filterOption{Value: string(k), Label: t.T("kind." + string(k)), Selected: string(k) == f.Kind})
	}
	for _, l := range event.Languages {
		p.LangOpts = append(p.LangOpts, filterOption{Value: l, Label: p.LangName(l), Selected: l == f.Lang})
	}
	for _, a := range event.Audiences {
		p.Audiences = append(p.Audiences, filterOption{Value: a, Label: t.T("audience." + a), Selected: a == f.Audience})
	}
	venues, err := event.Venues(ctx, s.db)
	if err != nil {
		return err
	}
	sc := staffScope(c)
	for _, v := range venues {
		if (!v.Active || !sc.CoversCity(v.City.Country, v.CityID)) && itoa(int(v.ID)) != f.VenueID {
			continue // a scoped organiser books the venues of their cities
		}
		p.Venues = append(p.Venues, filterOption{Value: itoa(int(v.ID)),
			Label: v.Name.String(t.Lang) + " — " + v.City.Name.String(t.Lang), Selected: itoa(int(v.ID)) == f.VenueID})
	}
	if e := p.Event; e != nil && e.Status == event.StatusPublished && s.now().Before(e.StartsAt) {
		reach, err := s.notifier().PreviewEventChanged(ctx, s.db, e.ID)
		if err != nil {
			return err
		}
		p.ChangeReach = reach
		prices, cur, err := s.pricesOf(c, t, e.Country)
		if err != nil {
			return err
		}
		p.ChangeCost, p.Currency = p.Number(float64(reach.Segments*prices.SMSSegment), 0), cur
	}
	partners, err := event.Partners(ctx, s.db)
	if err != nil {
		return err
	}
	for _, pt := range partners {
		p.Partners = append(p.Partners, filterOption{Value: itoa(int(pt.ID)), Label: pt.Name.String(t.Lang), Selected: itoa(int(pt.ID)) == f.PartnerID})
	}
	trainers, err := event.Trainers(ctx, s.db)
	if err != nil {
		return err
	}
	chosen := map[string]bool{}
	for _, id := range f.Trainers {
		chosen[id] = true
	}
	for _, u := range trainers {
		id := itoa(int(u.ID))
		p.Trainers = append(p.Trainers, trainerOption{ID: id, Name: u.Name, Checked: chosen[id]})
	}
	// Translation markers: missing, or older than the text of the event's
	// own language (only saved texts have dates).
	saved := map[string]event.Translation{}
	if p.Event != nil {
		for _, tr := range p.Event.Translations {
			saved[tr.Lang] = tr
		}
	}
	own := saved[f.Lang]
	for _, l := range event.Languages {
		b := langBlock{Lang: l, Name: p.LangName(l), Title: f.title(l), Description: f.description(l), Film: f.Texts[l].Film, Own: l == f.Lang}
		b.Missing = !b.Own && strings.TrimSpace(b.Title) == ""
		if tr, ok := saved[l]; ok && !b.Own && own.ID != 0 && tr.UpdatedAt.Before(own.UpdatedAt) {
			b.Stale = true
		}
		p.Langs3 = append(p.Langs3, b)
	}
	p.TimeZone = locale.DefaultTimeZone
	if p.Event != nil {
		p.TimeZone = p.Event.TimeZone
	}
	return nil
}

// toInput converts the checked form into the domain input; field errors
// land in errs.
func (s *Server) eventInput(c *fiber.Ctx, p *eventFormPage, errs FieldErrors) event.Input {
	t := p.Translator
	f := &p.Form
	in := event.Input{Kind: event.Kind(f.Kind), Lang: f.Lang, Audience: f.Audience,
		ConfirmConflict: f.ConfirmConflict == "1", Texts: map[string]event.Text{}, Scope: staffScope(c)}
	for _, l := range event.Languages {
		in.Texts[l] = f.Texts[l]
	}
	// Times are typed in the venue's time zone.
	loc, _ := locale.LoadLocation(locale.DefaultTimeZone)
	if id, err := strconv.ParseUint(strings.TrimSpace(f.VenueID), 10, 32); err == nil && id > 0 {
		in.VenueID = uint(id)
		if v, err := s.venueTZ(c, in.VenueID); err == nil && v != nil {
			loc = v
		}
	} else if _, bad := errs["venue_id"]; !bad {
		errs.Add("venue_id", t.T("validation.required", "Field", t.T("eventform.venue")))
	}
	if f.PartnerID != "" {
		if id, err := strconv.ParseUint(f.PartnerID, 10, 32); err == nil && id > 0 {
			pid := uint(id)
			in.PartnerID = &pid
		} else {
			errs.Add("partner_id", t.T("error.eventform.partner"))
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
			if _, bad := errs[field]; !bad {
				errs.Add(field, t.T("error.eventform.datetime"))
			}
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
	return in
}

func (s *Server) venueTZ(c *fiber.Ctx, id uint) (*time.Location, error) {
	return event.VenueLocation(c.UserContext(), s.db, id)
}

// saveError turns a domain error into form errors (or returns it).
func (s *Server) saveError(p *eventFormPage, err error, errs FieldErrors) error {
	t := p.Translator
	var ce *event.ConflictError
	switch {
	case len(apperr.FieldsOf(err)) > 0:
		errs.AddAll(t, err)
		return nil
	case errors.As(err, &ce):
		for _, cf := range ce.Conflicts {
			v := viewEvent(t, &cf.Event, s.now())
			p.Conflicts = append(p.Conflicts, conflictView{ID: cf.Event.ID, Code: cf.Event.Code, Title: v.Title,
				When: v.When, Venue: v.Venue, SameSite: cf.Venue, Trainers: strings.Join(cf.Trainers, ", ")})
		}
		errs.Add("confirm_conflict", t.T("error.eventform.conflict"))
		return nil
	}
	return err
}

func (s *Server) readEventForm(c *fiber.Ctx, p *eventFormPage) error {
	if err := bindForm(c, &p.Form); err != nil {
		return err
	}
	f := &p.Form
	for _, v := range []*string{&f.Kind, &f.Lang, &f.StartsAt, &f.EndsAt, &f.VenueID, &f.PartnerID, &f.Capacity, &f.Deadline, &f.Audience, &f.ConfirmConflict} {
		*v = strings.Clone(*v)
	}
	f.Texts = map[string]event.Text{}
	for _, l := range event.Languages {
		f.Texts[l] = event.Text{Title: strings.Clone(c.FormValue("title_" + l)),
			Description: strings.Clone(c.FormValue("description_" + l)), Film: strings.Clone(c.FormValue("film_" + l))}
	}
	for i := range f.Trainers {
		f.Trainers[i] = strings.Clone(f.Trainers[i])
	}
	return nil
}

// eventNew shows the empty form: Vietnamese, two hours, 50 seats.
func (s *Server) eventNew(c *fiber.Ctx) error {
	p := eventFormPage{Page: s.page(c, "eventform.title_new"), Errors: FieldErrors{}}
	p.Form = eventForm{Lang: p.Lang, Capacity: "50", Kind: string(event.KindFilmDebate)}
	if err := s.fillEventForm(c, &p); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "staffevents/form", p)
}

// eventCreate saves a new draft, or shows the form again with its errors.
func (s *Server) eventCreate(c *fiber.Ctx) error {
	p := eventFormPage{Page: s.page(c, "eventform.title_new")}
	if err := s.readEventForm(c, &p); err != nil {
		return err
	}
	p.Errors = s.check(p.Translator, &p.Form)
	in := s.eventInput(c, &p, p.Errors)
	p.Errors.AddAll(p.Translator, in.Check()) // the event's rules, with the form's
	if !p.Errors.Any() {
		e, err := event.Create(c.UserContext(), s.db, in, currentUser(c).ID, s.now())
		if err == nil {
			return c.Redirect(p.URL("/staff/events/"+itoa(int(e.ID))+"?flash=event_created"), fiber.StatusSeeOther)
		}
		if err := s.saveError(&p, err, p.Errors); err != nil {
			return err
		}
	}
	if err := s.fillEventForm(c, &p); err != nil {
		return err
	}
	return s.render(c, fiber.StatusUnprocessableEntity, "staffevents/form", p)
}

// eventEdit shows a saved event's form with its status and actions.
func (s *Server) eventEdit(c *fiber.Ctx) error {
	e, err := s.staffEvent(c)
	if err != nil {
		return err
	}
	trainers, err := event.TrainerIDs(c.UserContext(), s.db, e.ID)
	if err != nil {
		return err
	}
	p := eventFormPage{Page: s.page(c, ""), Event: e, Form: formFromEvent(e, trainers), Errors: FieldErrors{}}
	p.EventView = viewEvent(p.Translator, e, s.now())
	p.Title = p.T("eventform.title_edit", "Code", e.Code)
	if err := s.fillEventForm(c, &p); err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "staffevents/form", p)
}

// eventUpdate saves the edit form.
func (s *Server) eventUpdate(c *fiber.Ctx) error {
	e, err := s.staffEvent(c)
	if err != nil {
		return err
	}
	p := eventFormPage{Page: s.page(c, ""), Event: e}
	p.EventView = viewEvent(p.Translator, e, s.now())
	p.Title = p.T("eventform.title_edit", "Code", e.Code)
	if err := s.readEventForm(c, &p); err != nil {
		return err
	}
	p.Errors = s.check(p.Translator, &p.Form)
	in := s.eventInput(c, &p, p.Errors)
	p.Errors.AddAll(p.Translator, in.Check()) // the event's rules, with the form's
	if !p.Errors.Any() {
		_, told, err := registration.UpdateEvent(c.UserContext(), s.db, e.ID, in, currentUser(c).ID, s.now(), s.notifier())
		if err == nil {
			flash := "event_saved"
			if told > 0 {
				flash = "event_saved_told"
			}
			return c.Redirect(p.URL("/staff/events/"+itoa(int(e.ID))+"?flash="+flash), fiber.StatusSeeOther)
		}
		if err := s.saveError(&p, err, p.Errors); err != nil {
			return err
		}
	}
	if err := s.fillEventForm(c, &p); err != nil {
		return err
	}
	return s.render(c, fiber.StatusUnprocessableEntity, "staffevents/form", p)
}
