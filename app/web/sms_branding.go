package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/message"
)

// The SMS sender's branding (admins): the prefix every text starts with,
// the brandname the gateway shows, and "always unaccented" for gateways
// that refuse accented Vietnamese. The rules and the storage are
// message.Branding's.

type brandingForm struct {
	Prefix     string `form:"prefix" validate:"max=80"`
	Brandname  string `form:"brandname" validate:"max=40"`
	Unaccented string `form:"unaccented" validate:"max=8"`
}

// Value is a text field as typed, for the template.
func (f brandingForm) Value(field string) string {
	if field == "prefix" {
		return f.Prefix
	}
	return f.Brandname
}

type brandingPage struct {
	Page
	Form   brandingForm
	Errors FieldErrors
	Fields []string
	Max    map[string]int
}

func (s *Server) renderBranding(c *fiber.Ctx, status int, f brandingForm, errs FieldErrors) error {
	p := brandingPage{Page: s.page(c, "branding.title"), Form: f, Errors: errs, Fields: []string{"prefix", "brandname"},
		Max: map[string]int{"prefix": message.PrefixMax, "brandname": message.BrandnameMax}}
	return s.render(c, status, "admin/branding", p)
}

// brandingShow is GET /staff/admin/sms: the branding in force.
func (s *Server) brandingShow(c *fiber.Ctx) error {
	b, err := message.LoadBranding(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	f := brandingForm{Prefix: b.Prefix, Brandname: b.Brandname}
	if b.Unaccented {
		f.Unaccented = "1"
	}
	return s.renderBranding(c, fiber.StatusOK, f, FieldErrors{})
}

// brandingSave is POST /staff/admin/sms: every error at once, nothing
// changed; it applies to every message sent from now on.
func (s *Server) brandingSave(c *fiber.Ctx) error {
	t := translator(c)
	var f brandingForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f = brandingForm{Prefix: strings.Clone(f.Prefix), Brandname: strings.Clone(f.Brandname), Unaccented: strings.Clone(f.Unaccented)}
	errs := s.check(t, &f)
	b := message.Branding{Prefix: f.Prefix, Brandname: f.Brandname, Unaccented: f.Unaccented != ""}
	if err := b.Check(); err != nil {
		errs.AddErr(t, err, "_form")
	}
	if !errs.Any() {
		err := message.SaveBranding(c.UserContext(), s.db, currentUser(c).ID, b, s.now())
		if apperr.Is(err, apperr.Invalid) {
			errs.AddErr(t, err, "_form")
		} else if err != nil {
			return err
		}
	}
	if errs.Any() {
		return s.renderBranding(c, fiber.StatusUnprocessableEntity, f, errs)
	}
	return c.Redirect("/"+t.Lang+"/staff/admin/sms?flash=branding_saved", fiber.StatusSeeOther)
}
