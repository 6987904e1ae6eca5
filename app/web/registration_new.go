package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/dbstate"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/registration"
)

// registerForm is the registration form of an event page. Counts of a group
// are read separately (g_sex_<sex>, g_age_<band>).
type registerForm struct {
	Kind         string `form:"kind" validate:"omitempty,oneof=individual group" label:"register.kind"`
	Name         string `form:"name" validate:"max=300" label:"register.name"`
	Phone        string `form:"phone" validate:"max=40" label:"register.phone"`
	Sex          string `form:"sex" validate:"omitempty,max=16" label:"register.sex"`
	AgeBand      string `form:"age_band" validate:"omitempty,max=16" label:"register.age_band"`
	Role         string `form:"role" validate:"omitempty,max=32" label:"register.role"`
	Organisation string `form:"organisation" validate:"max=400" label:"register.organisation"`
	Consent      string `form:"consent"`
	GroupSize    string `form:"group_size" validate:"max=6" label:"register.group_size"`
}

// registerState is the registration part of an event page (eventShowPage.Register).
type registerState struct {
	Open           bool
	Full           bool
	AskOrg         bool              // workshops for authorities ask organisation and role first
	Form           registerForm      // the individual form
	GroupForm      registerForm      // the group form
	Counts         map[string]string // group counts as typed, by field name
	Errors         FieldErrors
	GroupOpen      bool // the group form comes back with errors
	ConsentText    string
	ConsentVersion string
	Sexes          []string
	AgeBands       []string
	Roles          []string
}

// Count returns a group count as typed, for the template.
func (r *registerState) Count(field string) string { return r.Counts[field] }

// E is the error of a field of the individual form.
func (r *registerState) E(field string) string {
	if r.GroupOpen {
		return ""
	}
	return r.Errors[field]
}

// GE is the error of a field of the group form.
func (r *registerState) GE(field string) string {
	if !r.GroupOpen {
		return ""
	}
	return r.Errors[field]
}

// Registration limits: generous per address, because Vietnamese mobile
// carriers put many subscribers behind one address (carrier-grade NAT) and a
// whole screening may register at once from the venue; tight per number.
var (
	registerLimitPerIP    = dbstate.Limit{Max: 300, Window: 10 * time.Minute}
	registerLimitPerPhone = dbstate.Limit{Max: 10, Window: time.Hour}
)

// registerState builds the form's state for an event.
func (s *Server) newRegisterState(c *fiber.Ctx, p Page, e *event.Event, v eventView) (*registerState, error) {
	st := &registerState{
		Open: v.Open, Full: v.Full, AskOrg: e.Kind == event.KindAuthorityWorkshop,
		Counts: map[string]string{}, Errors: FieldErrors{},
		Sexes: registration.Sexes, AgeBands: registration.AgeBands, Roles: registration.Roles,
	}
	cv, err := registration.CurrentConsent(c.UserContext(), s.db)
	if err != nil {
		return nil, err
	}
	if cv != nil {
		st.ConsentVersion, st.ConsentText = cv.Version, cv.Text.String(p.Lang)
	}
	if st.ConsentText == "" {
		st.ConsentVersion, st.ConsentText = registration.BuiltinConsent, p.T("register.consent_text")
	}
	return st, nil
}

// fieldOf tells which form field a service error belongs to.
func fieldOf(key string) string {
	switch {
	case strings.HasPrefix(key, "error.phone."):
		return "phone"
	case strings.HasPrefix(key, "error.register.name_"):
		return "name"
	case key == "error.register.organisation_long":
		return "organisation"
	case strings.HasPrefix(key, "error.register.group_"):
		return "group_size"
	}
	return "_form"
}

// registrationCreate registers a person (or a group) from the event page:
// 303 to the ticket, or the event page again with 422, everything typed kept
// and a translated message by each field.
func (s *Server) registrationCreate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	e, err := event.GetPublic(ctx, s.db, id)
	if err != nil {
		return err
	}
	p := s.page(c, "")
	v := viewEvent(p.Translator, e, s.now())
	p.Title = v.Title
	st, err := s.newRegisterState(c, p, e, v)
	if err != nil {
		return err
	}
	var f registerForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	if f.Kind == registration.KindGroup {
		st.GroupForm = f
	} else {
		st.Form = f
	}
	in := registration.Input{
		EventID: e.ID, Name: f.Name, Phone: f.Phone, Sex: f.Sex, AgeBand: f.AgeBand, Role: f.Role,
		Organisation: f.Organisation, Lang: p.Lang, Source: registration.SourceWeb, ConsentVersion: st.ConsentVersion,
		Kind:   registration.KindIndividual,
		Notify: s.notifier(),
	}
	if u := currentUser(c); u != nil {
		in.CreatedByID = &u.ID
	}
	if f.Kind == registration.KindGroup {
		st.GroupOpen = true
		in.Kind = registration.KindGroup
		in.GroupSize = -1
		if n, err := strconv.Atoi(strings.TrimSpace(f.GroupSize)); err == nil {
			in.GroupSize = n
		}
		in.GroupBreakdown = registration.Breakdown{Sex: map[string]int{}, AgeBand: map[string]int{}}
		read := func(prefix string, values []string, into map[string]int) {
			for _, x := range values {
				field := prefix + x
				raw := strings.TrimSpace(c.FormValue(field))
				st.Counts[field] = utils.CopyString(raw)
				if raw == "" {
					continue
				}
				n, err := strconv.Atoi(raw)
				if err != nil || n < 0 || n > registration.GroupMax {
					st.Errors.Add(field, p.T("error.register.count"))
					continue
				}
				into[x] = n
			}
		}
		read("g_sex_", registration.Sexes, in.GroupBreakdown.Sex)
		read("g_age_", registration.AgeBands, in.GroupBreakdown.AgeBand)
	}
	show := func(status int) error {
		return s.render(c, status, "events/show", eventShowPage{Page: p, Event: v, Register: st})
	}
	for k, msg := range s.check(p.Translator, &f) {
		st.Errors.Add(k, msg)
	}
	if strings.TrimSpace(f.Consent) == "" {
		st.Errors.Add("consent", p.T("error.register.consent"))
	}
	if st.Errors.Any() {
		return show(fiber.StatusUnprocessableEntity)
	}
	// Rate limits before any write: per client address, then per number.
	// Signed-in staff registering people who phoned in are not limited.
	if currentUser(c) == nil {
		if err := s.rateLimit(ctx, c, "register:ip:"+s.clientIP(c), registerLimitPerIP); err != nil {
			return registerLimited(err)
		}
	}
	if num, err := phone.Parse(f.Phone); err == nil && currentUser(c) == nil {
		if err := s.rateLimit(ctx, c, "register:phone:"+num.E164, registerLimitPerPhone); err != nil {
			return registerLimited(err)
		}
	}
	res, err := registration.Register(ctx, s.db, in, s.now())
	if err != nil {
		if apperr.KindOf(err) != apperr.Invalid {
			return err
		}
		key := apperr.KeyOf(err)
		var args map[string]any
		if ae, ok := err.(*apperr.Error); ok {
			args = ae.Args
		}
		st.Errors.Add(fieldOf(key), p.TMap(key, args))
		return show(fiber.StatusUnprocessableEntity)
	}
	dest := p.URL("/r/" + res.Registration.Code)
	switch {
	case res.Existing:
		dest += "?flash=register_existing"
	case res.Registration.Status == registration.StatusWaitlisted:
		dest += "?flash=register_waitlisted"
	default:
		dest += "?flash=register_done"
	}
	if res.Renumbered {
		dest += "&renumbered=1"
	}
	return c.Redirect(dest, fiber.StatusSeeOther)
}

func registerLimited(err error) error {
	if apperr.Is(err, apperr.RateLimited) {
		return apperr.New(apperr.RateLimited, "error.register.rate_limited")
	}
	return err
}

// notifier builds the participant's SMS in their language.
func (s *Server) notifier() *registration.Notifier {
	return &registration.Notifier{BaseURL: s.cfg.BaseURL, Translator: s.bundle.For}
}
