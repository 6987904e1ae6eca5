package web

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/country"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/scope"
	"github.com/lantern-ngo/lantern/app/textnorm"
	"github.com/lantern-ngo/lantern/app/user"
)

type accountForm struct {
	Name    string   `form:"name" validate:"required,max=120" label:"account.name"`
	Email   string   `form:"email" validate:"required,email,max=254" label:"form.email"`
	Roles   []string `form:"roles" validate:"dive,oneof=admin organiser trainer coach" label:"account.roles"`
	Lang    string   `form:"lang" validate:"required,lang" label:"account.lang"`
	Phone   string   `form:"phone" validate:"max=40" label:"account.phone"`
	CoachID string   `form:"coach_id" validate:"omitempty,numeric,max=12" label:"account.coach"`
	// The scope (issue 20): a country code, or "" for the whole programme.
	ScopeCountry  string   `form:"scope_country" validate:"omitempty,len=2,alpha" label:"account.scope_country"`
	ScopeCities   []string `form:"scope_cities" validate:"dive,numeric,max=10" label:"account.scope_cities"`
	ScopePartners []string `form:"scope_partners" validate:"dive,numeric,max=10" label:"account.scope_partners"`
}

// HasCity and HasPartner tell the template whether a scope box is ticked.
func (f accountForm) HasCity(id uint) bool { return slices.Contains(f.ScopeCities, itoa(int(id))) }

func (f accountForm) HasPartner(id uint) bool { return slices.Contains(f.ScopePartners, itoa(int(id))) }

// HasRole tells the template whether a role box is ticked.
func (f accountForm) HasRole(r string) bool {
	for _, x := range f.Roles {
		if x == r {
			return true
		}
	}
	return false
}

type accountFormPage struct {
	Page
	Account *user.User // nil for a new account
	Form    accountForm
	Errors  FieldErrors
	Roles   []user.Role
	Coaches []user.User
	// The choices of the scope: countries, their cities, partners.
	Countries []country.Country
	Cities    []event.City
	Partners  []event.Partner
}

func (s *Server) accountFormPage(c *fiber.Ctx, status int, acc *user.User, f accountForm, errs FieldErrors) error {
	title := "admin.page.accounts.new"
	if acc != nil {
		title = "admin.page.accounts.edit"
	}
	ctx := c.UserContext()
	pg := accountFormPage{Page: s.page(c, title), Account: acc, Form: f, Errors: errs, Roles: user.AllRoles}
	var err error
	if pg.Coaches, err = user.Coaches(ctx, s.db); err != nil {
		return err
	}
	if pg.Countries, err = country.All(ctx, s.db); err != nil {
		return err
	}
	if pg.Cities, err = event.Cities(ctx, s.db); err != nil {
		return err
	}
	if pg.Partners, err = event.Partners(ctx, s.db); err != nil {
		return err
	}
	return s.render(c, status, "admin/account_form", pg)
}

func (s *Server) accountNew(c *fiber.Ctx) error {
	return s.accountFormPage(c, fiber.StatusOK, nil, accountForm{Lang: langOf(c)}, FieldErrors{})
}

func (s *Server) accountEdit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	acc, err := user.Get(c.UserContext(), s.db, id)
	if err != nil {
		return err
	}
	f := accountForm{Name: acc.Name, Email: acc.Email, Lang: acc.Lang, ScopeCountry: acc.ScopeCountry}
	sc := acc.Scope()
	for _, id := range sc.CityIDs {
		f.ScopeCities = append(f.ScopeCities, itoa(int(id)))
	}
	for _, id := range sc.PartnerIDs {
		f.ScopePartners = append(f.ScopePartners, itoa(int(id)))
	}
	for _, r := range acc.RoleList() {
		f.Roles = append(f.Roles, string(r))
	}
	if acc.Phone != "" {
		home, err := s.homeCountry(c)
		if err != nil {
			return err
		}
		f.Phone = phone.National(acc.Phone, home.PhoneRegion)
	}
	if acc.CoachID != nil {
		f.CoachID = strconv.FormatUint(uint64(*acc.CoachID), 10)
	}
	return s.accountFormPage(c, fiber.StatusOK, acc, f, FieldErrors{})
}

// readAccount binds and validates the account form; errs is non-empty when
// the form must be shown again.
func (s *Server) readAccount(c *fiber.Ctx, t *locale.Translator) (accountForm, user.Account, FieldErrors, error) {
	var f accountForm
	if err := bindForm(c, &f); err != nil {
		return f, user.Account{}, nil, err
	}
	f.Name = textnorm.Clean(f.Name)
	f.Email = textnorm.Clean(f.Email)
	f.Phone = textnorm.Clean(f.Phone)
	errs := s.check(t, &f)
	a := user.Account{Name: f.Name, Email: f.Email, Lang: f.Lang}
	for _, r := range f.Roles {
		a.Roles = append(a.Roles, user.Role(r))
	}
	if len(f.Roles) == 0 {
		errs.Add("roles", t.T("error.account.roles_required"))
	}
	if f.Phone != "" {
		home, err := s.homeCountry(c)
		if err != nil {
			return f, user.Account{}, nil, err
		}
		n, err := phone.ParseIn(f.Phone, home.PhoneRegion)
		if err != nil {
			errs.Add("phone", t.T(err.Error()))
		} else {
			a.Phone = n.E164
		}
	}
	a.Scope = scope.Scope{Country: strings.ToUpper(f.ScopeCountry), CityIDs: formIDs(f.ScopeCities), PartnerIDs: formIDs(f.ScopePartners)}
	if f.CoachID != "" && errs.Get("coach_id") == "" {
		if n, err := strconv.ParseUint(f.CoachID, 10, 32); err == nil && n > 0 {
			id := uint(n)
			a.CoachID = &id
		}
	}
	return f, a, errs, nil
}

// accountCreate creates an account and goes to its set-password link step.
func (s *Server) accountCreate(c *fiber.Ctx) error {
	p := s.page(c, "")
	f, a, errs, err := s.readAccount(c, p.Translator)
	if err != nil {
		return err
	}
	if errs.Any() {
		return s.accountFormPage(c, fiber.StatusUnprocessableEntity, nil, f, errs)
	}
	u, err := user.CreateAccount(c.UserContext(), s.db, currentUser(c).ID, a)
	if err != nil {
		if s.accountFieldError(err, p.Translator, errs) {
			return s.accountFormPage(c, fiber.StatusUnprocessableEntity, nil, f, errs)
		}
		return err
	}
	return c.Redirect(p.URL("/staff/admin/accounts/"+itoa(int(u.ID))+"/edit?flash=account_created"), fiber.StatusSeeOther)
}

// accountUpdate saves an account's details and roles.
func (s *Server) accountUpdate(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	acc, err := user.Get(c.UserContext(), s.db, id)
	if err != nil {
		return err
	}
	p := s.page(c, "")
	f, a, errs, err := s.readAccount(c, p.Translator)
	if err != nil {
		return err
	}
	if errs.Any() {
		return s.accountFormPage(c, fiber.StatusUnprocessableEntity, acc, f, errs)
	}
	if _, err := user.UpdateAccount(c.UserContext(), s.db, currentUser(c).ID, id, a); err != nil {
		if s.accountFieldError(err, p.Translator, errs) {
			return s.accountFormPage(c, fiber.StatusUnprocessableEntity, acc, f, errs)
		}
		return err
	}
	return c.Redirect(p.URL("/staff/admin/accounts?flash=account_saved"), fiber.StatusSeeOther)
}

// formIDs reads the ticked ids of a list of boxes.
func formIDs(vals []string) []uint {
	var out []uint
	for _, v := range vals {
		if n, err := strconv.ParseUint(v, 10, 32); err == nil && n > 0 {
			out = append(out, uint(n))
		}
	}
	return out
}

// accountFieldError puts a domain refusal next to its field.
func (s *Server) accountFieldError(err error, t *locale.Translator, errs FieldErrors) bool {
	var ae *apperr.Error
	if !errors.As(err, &ae) || (ae.Kind != apperr.Invalid && ae.Kind != apperr.Conflict) {
		return false
	}
	if len(ae.Fields) > 0 {
		errs.AddAll(t, err)
		return true
	}
	switch ae.Key {
	case "error.user.email_taken":
		errs.Add("email", t.T(ae.Key))
	case "error.account.own_admin":
		errs.Add("roles", t.T(ae.Key))
	default:
		errs.Add("_form", t.T(ae.Key))
	}
	return true
}

// accountActive deactivates or reactivates an account.
func (s *Server) accountActive(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	active := c.FormValue("active") == "true"
	if err := user.SetActive(c.UserContext(), s.db, currentUser(c).ID, id, active); err != nil {
		return err
	}
	flash := "account_deactivated"
	if active {
		flash = "account_reactivated"
	}
	return c.Redirect("/"+langOf(c)+"/staff/admin/accounts?flash="+flash, fiber.StatusSeeOther)
}
