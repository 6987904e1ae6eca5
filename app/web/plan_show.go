package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
)

type planRow struct {
	KindLabel  string
	Planned    int
	Held       int
	Registered int
	Attended   string
	Reached    int
}

// planTarget is progress towards one target.
type planTarget struct {
	Name    string
	Value   int
	Done    int
	Percent string
	Left    int
	Bar     int // 0–100, for the progress element
}

type planPage struct {
	Page
	Period          string
	Rows            []planRow
	Targets         []planTarget
	AttendanceKnown bool
}

// planShow is the programme plan: per session kind, sessions planned and
// held and participants reached, against the targets.
func (s *Server) planShow(c *fiber.Ctx) error {
	p := planPage{Page: s.page(c, "plan.title")}
	t := p.Translator
	plan, err := event.ProgrammePlan(c.UserContext(), s.db, s.now(), staffScope(c))
	if err != nil {
		return err
	}
	p.AttendanceKnown = plan.AttendanceKnown
	if plan.From.Year() > 1970 && plan.To.Year() < 9999 {
		from, to := locale.In(plan.From, locale.DefaultTimeZone), locale.In(plan.To, locale.DefaultTimeZone)
		p.Period = t.T("plan.period", "From", t.DateShort(from), "To", t.DateShort(to))
	}
	for _, r := range plan.Rows {
		row := planRow{KindLabel: t.T("kind." + string(r.Kind)), Planned: r.Planned, Held: r.Held,
			Registered: r.Registered, Reached: r.Reached(), Attended: "—"}
		if r.Attended >= 0 {
			row.Attended = itoa(r.Attended)
		}
		p.Rows = append(p.Rows, row)
	}
	add := func(code string, done int) {
		tg, ok := plan.Targets[code]
		if !ok || tg.Value <= 0 {
			return
		}
		v := int(tg.Value)
		pt := planTarget{Name: tg.Name.String(t.Lang), Value: v, Done: done, Left: max(v-done, 0)}
		pct := float64(done) * 100 / tg.Value
		pt.Percent = t.Percent(pct, 0)
		pt.Bar = min(int(pct), 100)
		p.Targets = append(p.Targets, pt)
	}
	add(event.TargetFilmDebateEvents, plan.Row(event.KindFilmDebate).Held)
	add(event.TargetAuthorityParticipants, plan.Row(event.KindAuthorityWorkshop).Reached())
	return s.render(c, fiber.StatusOK, "plan/show", p)
}
