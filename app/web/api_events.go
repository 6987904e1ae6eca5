package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
)

// apiEvent is the public JSON shape of an event, for partners' sites.
type apiEvent struct {
	ID          uint      `json:"id"`
	Code        string    `json:"code"`
	Kind        string    `json:"kind"`
	Status      string    `json:"status"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Lang        string    `json:"lang"` // the language title and description are really in
	StartsAt    time.Time `json:"starts_at"`
	EndsAt      time.Time `json:"ends_at"`
	TimeZone    string    `json:"time_zone"`
	City        string    `json:"city"`
	Venue       string    `json:"venue"`
	Capacity    int       `json:"capacity"`
	SeatsLeft   int       `json:"seats_left"`
	URL         string    `json:"url"`
}

func (s *Server) toAPIEvent(e *event.Event, lang string, withDescription bool) apiEvent {
	c := e.Content(lang)
	loc := e.Location()
	a := apiEvent{
		ID: e.ID, Code: e.Code, Kind: string(e.Kind), Status: string(e.Status),
		Title: c.Title, Lang: c.Lang,
		StartsAt: e.StartsAt.In(loc), EndsAt: e.EndsAt.In(loc), TimeZone: e.TimeZone,
		City: e.Venue.City.Name.String(lang), Venue: e.Venue.Name.String(lang),
		Capacity: e.Capacity, SeatsLeft: e.SeatsLeft(),
		URL: s.cfg.BaseURL + "/" + lang + "/events/" + itoa(int(e.ID)),
	}
	if withDescription {
		a.Description = c.Description
	}
	return a
}

func (s *Server) cardToAPI(e *event.Card, lang string) apiEvent {
	loc, err := locale.LoadLocation(e.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return apiEvent{
		ID: e.ID, Code: e.Code, Kind: string(e.Kind), Status: string(e.Status),
		Title: e.Title, Lang: e.TitleLang,
		StartsAt: e.StartsAt.In(loc), EndsAt: e.EndsAt.In(loc), TimeZone: e.TimeZone,
		City: e.CityName.String(lang), Venue: e.VenueName.String(lang),
		Capacity: e.Capacity, SeatsLeft: e.SeatsLeft(),
		URL: s.cfg.BaseURL + "/" + lang + "/events/" + itoa(int(e.ID)),
	}
}

// apiLang reads ?lang= and makes API errors speak it.
func (s *Server) apiLang(c *fiber.Ctx) (string, error) {
	lang := c.Query("lang", locale.Default)
	if !locale.IsSupported(lang) {
		return "", apperr.New(apperr.Invalid, "error.api.bad_lang").With(map[string]any{"Langs": strings.Join(locale.Supported, ", ")})
	}
	c.Locals(localsTranslator, s.bundle.For(lang))
	return lang, nil
}

// apiEventList is GET /api/v1/events?lang=xx[&kind=…][&page=n].
func (s *Server) apiEventList(c *fiber.Ctx) error {
	lang, err := s.apiLang(c)
	if err != nil {
		return err
	}
	f := event.ListFilter{Limit: 100}
	if k := c.Query("kind"); k != "" {
		if !event.ValidKind(k) {
			return apperr.New(apperr.Invalid, "error.api.bad_kind")
		}
		f.Kind = event.Kind(k)
	}
	page := c.QueryInt("page", 1)
	if page < 1 {
		return apperr.New(apperr.Invalid, "error.api.bad_page")
	}
	f.Offset = (page - 1) * f.Limit
	cards, err := event.ListCards(c.UserContext(), s.db, f, lang, s.now())
	if err != nil {
		return err
	}
	out := make([]apiEvent, 0, len(cards))
	for i := range cards {
		out = append(out, s.cardToAPI(&cards[i], lang))
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=30")
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	return c.JSON(fiber.Map{"events": out, "page": page, "per_page": f.Limit})
}

// apiEventShow is GET /api/v1/events/{id}?lang=xx.
func (s *Server) apiEventShow(c *fiber.Ctx) error {
	lang, err := s.apiLang(c)
	if err != nil {
		return err
	}
	id, err := paramID(c, "id")
	if err != nil {
		return apperr.New(apperr.NotFound, "error.event.not_found")
	}
	e, err := event.GetPublic(c.UserContext(), s.db, id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=30")
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	return c.JSON(s.toAPIEvent(e, lang, true))
}
