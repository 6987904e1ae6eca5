package web

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/programme"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// optionalID reads an optional id from a select ("" means none).
func optionalID(s string) *uint {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 {
		return nil
	}
	id := uint(n)
	return &id
}

func idString(p *uint) string {
	if p == nil {
		return ""
	}
	return strconv.FormatUint(uint64(*p), 10)
}

// codeFieldError shows a taken code next to the code field.
func codeFieldError(err error, t *locale.Translator, errs FieldErrors) bool {
	var ae *apperr.Error
	if errors.As(err, &ae) && (ae.Kind == apperr.Conflict || ae.Kind == apperr.Invalid) {
		field := "_form"
		switch ae.Key {
		case "error.account.code_taken":
			field = "code"
		case "error.account.venue_city":
			field = "city_id"
		case "error.account.venue_partner":
			field = "partner_id"
		case "error.account.target_period":
			field = "period_end"
		}
		errs.Add(field, t.T(ae.Key))
		return true
	}
	return false
}

type partnerForm struct {
	Code        string       `form:"code" validate:"required,max=32,alphanumunicode" label:"admin.code"`
	Names       multilingual `form:"-"`
	CityID      string       `form:"city_id" validate:"omitempty,numeric,max=12" label:"filter.city"`
	PublicPhone string       `form:"public_phone" validate:"max=40" label:"partners.public_phone"`
	Active      bool         `form:"active"`
}

type partnerListPage struct {
	Page
	Partners []event.Partner
}

type partnerFormPage struct {
	Page
	ID     uint
	Form   partnerForm
	Errors FieldErrors
	Cities []event.City
}

func (s *Server) partnerList(c *fiber.Ctx) error {
	ps, err := programme.Partners(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "admin/partners", partnerListPage{Page: s.page(c, "admin.page.partners.title"), Partners: ps})
}

func (s *Server) partnerFormPage(c *fiber.Ctx, status int, id uint, f partnerForm, errs FieldErrors) error {
	cities, err := event.Cities(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	title := "admin.page.partners.new"
	if id != 0 {
		title = "admin.page.partners.edit"
	}
	return s.render(c, status, "admin/partner_form", partnerFormPage{Page: s.page(c, title), ID: id, Form: f, Errors: errs, Cities: cities})
}

func (s *Server) partnerNew(c *fiber.Ctx) error {
	return s.partnerFormPage(c, fiber.StatusOK, 0, partnerForm{Active: true}, FieldErrors{})
}

func (s *Server) partnerEdit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	p, err := programme.GetPartner(c.UserContext(), s.db, id)
	if err != nil {
		return err
	}
	f := partnerForm{Code: p.Code, Names: multilingualOf(p.Name), CityID: idString(p.CityID), PublicPhone: p.PublicPhone, Active: p.Active}
	return s.partnerFormPage(c, fiber.StatusOK, id, f, FieldErrors{})
}

// partnerSave creates (no :id) or updates a partner.
func (s *Server) partnerSave(c *fiber.Ctx) error {
	id, err := optionalParamID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	t := translator(c)
	var f partnerForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.Code, f.PublicPhone = textnorm.Clean(f.Code), textnorm.Clean(f.PublicPhone)
	f.Names = readNames(c)
	errs := s.check(t, &f)
	f.Names.check(t, errs)
	if errs.Any() {
		return s.partnerFormPage(c, fiber.StatusUnprocessableEntity, id, f, errs)
	}
	p := &event.Partner{ID: id, Code: f.Code, Name: f.Names.text(), Description: content.Text{}, CityID: optionalID(f.CityID),
		PublicPhone: f.PublicPhone, Active: f.Active}
	if id != 0 {
		old, err := programme.GetPartner(ctx, s.db, id)
		if err != nil {
			return err
		}
		p.Description = old.Description
	}
	if err := programme.SavePartner(ctx, s.db, currentUser(c).ID, p); err != nil {
		if len(apperr.FieldsOf(err)) > 0 {
			errs.AddErr(t, err, "_form")
			return s.partnerFormPage(c, fiber.StatusUnprocessableEntity, id, f, errs)
		}
		if codeFieldError(err, t, errs) {
			return s.partnerFormPage(c, fiber.StatusUnprocessableEntity, id, f, errs)
		}
		return err
	}
	return c.Redirect("/"+t.Lang+"/staff/admin/partners?flash=account_partner_saved", fiber.StatusSeeOther)
}
