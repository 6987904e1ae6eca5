package web

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/country"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// countryForm is the admins' form of a country, as typed. Ordered lists
// (languages, fallback, channels) are typed as codes separated by commas:
// their order is the point.
type countryForm struct {
	Code            string
	Names           map[string]string
	PhoneRegion     string
	TimeZone        string
	Languages       string
	ContentFallback string
	Channels        string
	Currency        string
	SMSCost         string
	ZaloCost        string
	RetentionDays   string
	ContactPhone    string
	Active          bool
}

type countryListPage struct {
	Page
	Countries []country.Country
}

type countryFormPage struct {
	Page
	Code      string // "" for a new country
	Form      countryForm
	Errors    FieldErrors
	Languages []string
}

func (s *Server) countryList(c *fiber.Ctx) error {
	cs, err := country.All(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "admin/countries", countryListPage{Page: s.page(c, "admin.page.countries.title"), Countries: cs})
}

func (s *Server) countryFormPage(c *fiber.Ctx, status int, code string, f countryForm, errs FieldErrors) error {
	title := "admin.page.countries.new"
	if code != "" {
		title = "admin.page.countries.edit"
	}
	return s.render(c, status, "admin/country_form", countryFormPage{Page: s.page(c, title), Code: code, Form: f, Errors: errs, Languages: locale.Supported})
}

func (s *Server) countryNew(c *fiber.Ctx) error {
	return s.countryFormPage(c, fiber.StatusOK, "", countryForm{Active: true, Names: map[string]string{}}, FieldErrors{})
}

func (s *Server) countryEdit(c *fiber.Ctx) error {
	co, err := country.ByCode(c.UserContext(), s.db, c.Params("cc"))
	if err != nil {
		return err
	}
	f := countryForm{Code: co.Code, Names: map[string]string(co.Name), PhoneRegion: co.PhoneRegion, TimeZone: co.TimeZone,
		Languages: strings.Join(co.Languages, ", "), ContentFallback: strings.Join(co.ContentFallback, ", "),
		Channels: strings.Join(co.Channels, ", "), Currency: co.Currency, SMSCost: strconv.Itoa(co.SMSCost),
		ZaloCost: strconv.Itoa(co.ZaloCost), RetentionDays: strconv.Itoa(co.RetentionDays), Active: co.Active}
	if co.ContactPhone != "" {
		f.ContactPhone = phone.National(co.ContactPhone, co.PhoneRegion)
	}
	if f.Names == nil {
		f.Names = map[string]string{}
	}
	return s.countryFormPage(c, fiber.StatusOK, co.Code, f, FieldErrors{})
}

// countrySave creates (no :cc) or changes a country: every error at once,
// beside its field, with what was typed kept; nothing is changed on error.
func (s *Server) countrySave(c *fiber.Ctx) error {
	t := translator(c)
	code := strings.Clone(c.Params("cc"))
	read := func(k string) string { return textnorm.Clean(strings.Clone(c.FormValue(k))) }
	f := countryForm{Code: read("code"), Names: map[string]string{}, PhoneRegion: read("phone_region"), TimeZone: read("time_zone"),
		Languages: read("languages"), ContentFallback: read("content_fallback"), Channels: read("channels"),
		Currency: read("currency"), SMSCost: read("sms_cost"), ZaloCost: read("zalo_cost"),
		RetentionDays: read("retention_days"), ContactPhone: read("contact_phone"), Active: c.FormValue("active") != ""}
	if code != "" {
		f.Code = code // the code names the country: it is not changed
	}
	for _, l := range locale.Supported {
		if v := read("name_" + l); v != "" {
			f.Names[l] = v
		}
	}
	errs := FieldErrors{}
	number := func(field, v, key string) int {
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			errs.Add(field, t.T(key))
			return -1
		}
		return n
	}
	in := country.Input{Code: f.Code, Name: f.Names, PhoneRegion: f.PhoneRegion, TimeZone: f.TimeZone,
		Languages: codes(f.Languages, strings.ToLower), ContentFallback: codes(f.ContentFallback, strings.ToLower),
		Channels: codes(f.Channels, strings.ToLower), Currency: f.Currency,
		SMSCost: number("sms_cost", f.SMSCost, "error.country.cost"), ZaloCost: number("zalo_cost", f.ZaloCost, "error.country.cost"),
		RetentionDays: number("retention_days", f.RetentionDays, "error.country.retention"), ContactPhone: f.ContactPhone, Active: f.Active}
	if err := in.Check(); err != nil {
		errs.AddAll(t, err)
	}
	if !errs.Any() {
		_, err := country.Save(c.UserContext(), s.db, currentUser(c).ID, in, s.now())
		if apperr.Is(err, apperr.Invalid) {
			errs.AddErr(t, err, "_form")
		} else if err != nil {
			return err
		}
	}
	if errs.Any() {
		return s.countryFormPage(c, fiber.StatusUnprocessableEntity, code, f, errs)
	}
	return c.Redirect("/"+t.Lang+"/staff/admin/countries?flash=country_saved", fiber.StatusSeeOther)
}

// codes splits "vi, en,fr" into its codes, in order.
func codes(s string, norm func(string) string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		out = append(out, norm(p))
	}
	return out
}
