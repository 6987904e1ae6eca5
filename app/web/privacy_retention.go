package web

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/privacy"
)

// retentionDefaults are the periods from the environment.
func (s *Server) retentionDefaults() privacy.Periods {
	return privacy.Periods{PhoneDays: s.cfg.RetentionPhoneDays, NameDays: s.cfg.RetentionDays, ReportTextDays: s.cfg.RetentionReportTextDays}
}

// retention applies, every hour, the retention periods admins set (or the
// environment's defaults). Several instances may run it: each rule only
// touches what still holds the data.
func (s *Server) retention(ctx context.Context) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		p, err := privacy.LoadPeriods(ctx, s.db, s.retentionDefaults())
		if err == nil {
			var done privacy.Applied
			done, err = privacy.ApplyRetention(ctx, s.db, p, s.now())
			if done.Phones+done.Names+done.Reports > 0 {
				s.log.Info("retention", slog.Int64("phones", done.Phones), slog.Int64("names", done.Names), slog.Int64("reports", done.Reports))
			}
		}
		if err != nil && ctx.Err() == nil {
			s.log.Warn("retention", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// retentionPreviewDays: how far ahead the admins' page looks.
const retentionPreviewDays = 60

type retentionForm struct {
	PhoneDays      string `form:"phone_days" validate:"max=6"`
	NameDays       string `form:"name_days" validate:"max=6"`
	ReportTextDays string `form:"report_text_days" validate:"max=6"`
}

type retentionPage struct {
	Page
	Form     retentionForm
	Errors   FieldErrors
	Defaults privacy.Periods
	Upcoming []privacy.Upcoming
	Fields   []string
}

// Value is a field as typed, for the template.
func (f retentionForm) Value(field string) string {
	switch field {
	case "phone_days":
		return f.PhoneDays
	case "name_days":
		return f.NameDays
	}
	return f.ReportTextDays
}

func (s *Server) renderRetention(c *fiber.Ctx, status int, f *retentionForm, errs FieldErrors) error {
	ctx := c.UserContext()
	p, err := privacy.LoadPeriods(ctx, s.db, s.retentionDefaults())
	if err != nil {
		return err
	}
	rp := retentionPage{Page: s.page(c, "retention.title"), Errors: errs, Defaults: s.retentionDefaults(),
		Fields: []string{"phone_days", "name_days", "report_text_days"}}
	if f != nil {
		rp.Form = *f
	} else {
		rp.Form = retentionForm{PhoneDays: strconv.Itoa(p.PhoneDays), NameDays: strconv.Itoa(p.NameDays), ReportTextDays: strconv.Itoa(p.ReportTextDays)}
	}
	if rp.Upcoming, err = privacy.Preview(ctx, s.db, p, s.now(), retentionPreviewDays); err != nil {
		return err
	}
	return s.render(c, status, "admin/retention", rp)
}

// retentionShow is /staff/admin/retention: the periods and what will be
// anonymised next, when, and how many people.
func (s *Server) retentionShow(c *fiber.Ctx) error {
	return s.renderRetention(c, fiber.StatusOK, nil, FieldErrors{})
}

// retentionSave stores the periods; every error at once, nothing changed.
func (s *Server) retentionSave(c *fiber.Ctx) error {
	t := translator(c)
	var f retentionForm
	if err := bindForm(c, &f); err != nil {
		return err
	}
	f = retentionForm{PhoneDays: strings.Clone(strings.TrimSpace(f.PhoneDays)), NameDays: strings.Clone(strings.TrimSpace(f.NameDays)),
		ReportTextDays: strings.Clone(strings.TrimSpace(f.ReportTextDays))}
	errs := s.check(t, &f)
	num := func(field, v string) int {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs.Add(field, t.T("error.retention.days", "Min", privacy.MinRetentionDays, "Max", privacy.MaxRetentionDays))
		}
		return n
	}
	p := privacy.Periods{PhoneDays: num("phone_days", f.PhoneDays), NameDays: num("name_days", f.NameDays), ReportTextDays: num("report_text_days", f.ReportTextDays)}
	before, err := privacy.LoadPeriods(c.UserContext(), s.db, s.retentionDefaults())
	if err != nil {
		return err
	}
	if err := p.Check(); err != nil {
		errs.AddAll(t, err) // the rules' errors too, all at once
	}
	if !errs.Any() {
		err := privacy.SavePeriods(c.UserContext(), s.db, currentUser(c).ID, p, before, s.now())
		if apperr.Is(err, apperr.Invalid) {
			errs.AddAll(t, err)
		} else if err != nil {
			return err
		}
	}
	if errs.Any() {
		return s.renderRetention(c, fiber.StatusUnprocessableEntity, &f, errs)
	}
	return c.Redirect("/"+t.Lang+"/staff/admin/retention?flash=retention_saved", fiber.StatusSeeOther)
}
