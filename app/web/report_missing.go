package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/sessionreport"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// pendingView is a session without a report as the lists show it.
type pendingView struct {
	EventID       uint
	Title         string
	When          string
	Trainers      []sessionreport.Trainer
	RemindedOn    string // the last reminder's day, formatted, or ""
	RemindedToday bool
}

type reportMissingPage struct {
	Page
	Rows []pendingView
}

func (s *Server) pendingViews(p Page, rows []sessionreport.Pending) []pendingView {
	now := s.now()
	out := make([]pendingView, len(rows))
	for i, r := range rows {
		v := viewEvent(p.Translator, r.Event, now)
		out[i] = pendingView{EventID: r.Event.ID, Title: v.Title, When: v.When, Trainers: r.Trainers}
		if r.LastReminder != nil {
			out[i].RemindedOn = (days{p.Translator}).Day(r.LastReminder.Day)
			out[i].RemindedToday = r.LastReminder.Day == now.In(r.Event.Location()).Format("2006-01-02")
		}
	}
	return out
}

// reportMissing lists the sessions that ended without a report, for
// organisers, with a button to remind the trainers.
func (s *Server) reportMissing(c *fiber.Ctx) error {
	rows, err := sessionreport.Missing(c.UserContext(), s.db, s.now(), staffScope(c))
	if err != nil {
		return err
	}
	p := s.page(c, "report.missing_title")
	return s.render(c, fiber.StatusOK, "coaching/report_missing", reportMissingPage{Page: p, Rows: s.pendingViews(p, rows)})
}

// reportMine lists the signed-in trainer's sessions still waiting for their
// report, with the reminders organisers sent (the in-app notice).
func (s *Server) reportMine(c *fiber.Ctx) error {
	u := currentUser(c)
	rows, err := sessionreport.ForTrainer(c.UserContext(), s.db, u.ID, s.now())
	if err != nil {
		return err
	}
	p := s.page(c, "report.mine_title")
	return s.render(c, fiber.StatusOK, "coaching/report_mine", reportMissingPage{Page: p, Rows: s.pendingViews(p, rows)})
}

// reportRemind reminds the trainers of a session without a report (SMS and
// in-app notice), once a day at most.
func (s *Server) reportRemind(c *fiber.Ctx) error {
	id, err := paramID(c, "id")
	if err != nil {
		return err
	}
	u := currentUser(c)
	res, err := sessionreport.Remind(c.UserContext(), s.db, id, u.ID, s.now(), func(lang, title, date string) string {
		body := s.bundle.For(lang).T("report.sms_reminder", "Title", title, "Date", date)
		if lang == "vi" {
			// Unaccented Vietnamese fits GSM-7: a third of the price, and
			// staff read it without trouble.
			body = textnorm.Unaccent(body)
		}
		return body
	})
	if err != nil {
		return err
	}
	flash := "report_reminded"
	if res.Trainers == 0 && res.Already > 0 {
		flash = "report_already_reminded"
	}
	back := "/staff/reports/missing"
	if c.FormValue("back") == "report" {
		back = "/staff/events/" + itoa(int(id)) + "/report"
	}
	return c.Redirect("/"+langOf(c)+back+"?flash="+flash, fiber.StatusSeeOther)
}
