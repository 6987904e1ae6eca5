package web

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/registration"
)

// eventForm is the organiser's event form as typed (event.Form).
type eventForm = event.Form

type trainerOption struct {
	ID      string
	Name    string
	Checked bool
}

type eventFormPage struct {
	Page
	Event     *event.Event // nil on the new form
	EventView eventView
	Form      eventForm
	Errors    FieldErrors
	Langs3    []event.LangBlock
	Kinds     []filterOption
	LangOpts  []filterOption
	Venues    []filterOption
	Partners  []filterOption
	Audiences []filterOption
	Trainers  []trainerOption
	Conflicts []event.ConflictView
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
	p.Langs3 = f.LangBlocks(p.Event, p.LangName)
	p.TimeZone = locale.DefaultTimeZone
	if p.Event != nil {
		p.TimeZone = p.Event.TimeZone
	}
	return nil
}

// eventInput converts the checked form into the domain input; field
// errors land in errs.
func (s *Server) eventInput(c *fiber.Ctx, p *eventFormPage, errs FieldErrors) event.Input {
	t := p.Translator
	in, err := p.Form.Input(c.UserContext(), s.db, staffScope(c))
	if in.VenueID == 0 {
		errs.Add("venue_id", t.T("validation.required", "Field", t.T("eventform.venue")))
	}
	errs.AddAll(t, err)
	return in
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
		p.Conflicts = event.ConflictViews(t, ce, s.now())
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
	p := eventFormPage{Page: s.page(c, ""), Event: e, Form: event.FormOf(e, trainers), Errors: FieldErrors{}}
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
