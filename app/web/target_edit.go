package web

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/programme"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

const dateLayout = "2006-01-02"

type targetForm struct {
	Code        string       `form:"code" validate:"required,max=48,excludesall= /?#&" label:"admin.code"`
	Names       multilingual `form:"-"`
	Value       string       `form:"value" validate:"required,number,max=12" label:"targets.value"`
	Unit        string       `form:"unit" validate:"required,oneof=count percent" label:"targets.unit"`
	PeriodStart string       `form:"period_start" validate:"required,datetime=2006-01-02" label:"targets.period_start"`
	PeriodEnd   string       `form:"period_end" validate:"required,datetime=2006-01-02" label:"targets.period_end"`
}

type targetListPage struct {
	Page
	Targets []programme.Target
}

type targetFormPage struct {
	Page
	ID     uint
	Form   targetForm
	Errors FieldErrors
	Units  []string
}

func (s *Server) targetList(c *fiber.Ctx) error {
	ts, err := programme.Targets(c.UserContext(), s.db)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "admin/targets", targetListPage{Page: s.page(c, "admin.page.targets.title"), Targets: ts})
}

func (s *Server) targetFormPage(c *fiber.Ctx, status int, id uint, f targetForm, errs FieldErrors) error {
	title := "admin.page.targets.new"
	if id != 0 {
		title = "admin.page.targets.edit"
	}
	return s.render(c, status, "admin/target_form", targetFormPage{Page: s.page(c, title), ID: id, Form: f, Errors: errs, Units: programme.Units})
}

func (s *Server) targetNew(c *fiber.Ctx) error {
	now := locale.In(s.now(), "")
	return s.targetFormPage(c, fiber.StatusOK, 0, targetForm{Unit: "count",
		PeriodStart: now.Format(dateLayout), PeriodEnd: now.AddDate(3, 0, 0).Format(dateLayout)}, FieldErrors{})
}

func (s *Server) targetEdit(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	t, err := programme.GetTarget(c.UserContext(), s.db, id)
	if err != nil {
		return err
	}
	// Period dates are days in the programme's time zone, stored as their
	// local midnight in UTC (as the seed does).
	f := targetForm{Code: t.Code, Names: multilingualOf(t.Name), Value: strconv.FormatFloat(t.Value, 'f', -1, 64),
		Unit: t.Unit, PeriodStart: locale.In(t.PeriodStart, "").Format(dateLayout), PeriodEnd: locale.In(t.PeriodEnd, "").Format(dateLayout)}
	return s.targetFormPage(c, fiber.StatusOK, id, f, FieldErrors{})
}

// targetSave creates (no :id) or updates a target.
func (s *Server) targetSave(c *fiber.Ctx) error {
	id, err := optionalParamID(c, "id")
	if err != nil {
		return err
	}
	t := translator(c)
	var f targetForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f.Code = textnorm.Clean(f.Code)
	f.Names = readNames(c)
	errs := s.check(t, &f)
	f.Names.check(t, errs)
	value, err := strconv.ParseFloat(f.Value, 64)
	if errs.Get("value") == "" && (err != nil || value < 0) {
		errs.Add("value", t.T("validation.gte", "Field", t.T("targets.value"), "Param", "0"))
	}
	if errs.Any() {
		return s.targetFormPage(c, fiber.StatusUnprocessableEntity, id, f, errs)
	}
	loc, err := locale.LoadLocation(locale.DefaultTimeZone)
	if err != nil {
		return err
	}
	start, _ := time.ParseInLocation(dateLayout, f.PeriodStart, loc)
	end, _ := time.ParseInLocation(dateLayout, f.PeriodEnd, loc)
	row := &programme.Target{ID: id, Code: f.Code, Name: f.Names.text(), Value: value, Unit: f.Unit, PeriodStart: start.UTC(), PeriodEnd: end.UTC()}
	if err := programme.SaveTarget(c.UserContext(), s.db, currentUser(c).ID, row); err != nil {
		if codeFieldError(err, t, errs) {
			return s.targetFormPage(c, fiber.StatusUnprocessableEntity, id, f, errs)
		}
		return err
	}
	return c.Redirect("/"+t.Lang+"/staff/admin/targets?flash=account_target_saved", fiber.StatusSeeOther)
}
