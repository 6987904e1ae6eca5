package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/programme"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

type venueForm struct {
	Code      string       `form:"code" validate:"required,max=32,alphanumunicode" label:"admin.code"`
	Names     multilingual `form:"-"`
	Address   string       `form:"address" validate:"max=300" label:"venues.address"`
	CityID    string       `form:"city_id" validate:"required,numeric,max=12" label:"filter.city"`
	PartnerID string       `form:"partner_id" validate:"omitempty,numeric,max=12" label:"venues.partner"`
	Active    bool         `form:"active"`
}

type venueListPage struct {
	Page
	Venues []event.Venue
}

type venueFormPage struct {
	Page
	ID       uint
	Form     venueForm
	Errors   FieldErrors
	Cities   []event.City
	Partners []event.Partner
}

func (s *Server) venueList(c *fiber.Ctx) error {
	vs, err := programme.Venues(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "admin/venues", venueListPage{Page: s.page(c, "admin.page.venues.title"), Venues: vs})
}

func (s *Server) venueFormPage(c *fiber.Ctx, status int, id uint, f venueForm, errs FieldErrors) error {
	ctx := c.UserContext()
	cities, err := event.Cities(ctx, s.db)
	if err != nil {
		return err
	}
	partners, err := programme.Partners(ctx, s.db)
	if err != nil {
		return err
	}
	title := "admin.page.venues.new"
	if id != 0 {
		title = "admin.page.venues.edit"
	}
	return s.render(c, status, "admin/venue_form", venueFormPage{Page: s.page(c, title), ID: id, Form: f, Errors: errs, Cities: cities, Partners: partners})
}

func (s *Server) venueNew(c *fiber.Ctx) error {
	return s.venueFormPage(c, fiber.StatusOK, 0, venueForm{Active: true}, FieldErrors{})
}

func (s *Server) venueEdit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	v, err := programme.GetVenue(c.UserContext(), s.db, id)
	if err != nil {
		return err
	}
	f := venueForm{Code: v.Code, Names: multilingualOf(v.Name), Address: v.Address,
		CityID: idString(&v.CityID), PartnerID: idString(v.PartnerID), Active: v.Active}
	return s.venueFormPage(c, fiber.StatusOK, id, f, FieldErrors{})
}

// venueSave creates (no :id) or updates a venue.
func (s *Server) venueSave(c *fiber.Ctx) error {
	id, err := optionalParamID(c, "id")
	if err != nil {
		return err
	}
	t := translator(c)
	var f venueForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.Code, f.Address = textnorm.Clean(f.Code), textnorm.Clean(f.Address)
	f.Names = readNames(c)
	errs := s.check(t, &f)
	f.Names.check(t, errs)
	if errs.Any() {
		return s.venueFormPage(c, fiber.StatusUnprocessableEntity, id, f, errs)
	}
	v := &event.Venue{ID: id, Code: f.Code, Name: f.Names.text(), Address: f.Address, PartnerID: optionalID(f.PartnerID), Active: f.Active}
	if cid := optionalID(f.CityID); cid != nil {
		v.CityID = *cid
	}
	if err := programme.SaveVenue(c.UserContext(), s.db, currentUser(c).ID, v); err != nil {
		if codeFieldError(err, t, errs) {
			return s.venueFormPage(c, fiber.StatusUnprocessableEntity, id, f, errs)
		}
		return err
	}
	return c.Redirect("/"+t.Lang+"/staff/admin/venues?flash=account_venue_saved", fiber.StatusSeeOther)
}
