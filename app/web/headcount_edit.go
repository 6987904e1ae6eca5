package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
)

// headcountCell is one input of the headcount grid.
type headcountCell struct {
	Name  string // form field: hc_<sex>_<band>
	Band  option
	Value string
	Error bool
}

type headcountRow struct {
	Sex   option
	Cells []headcountCell
}

type headcountPage struct {
	Page
	Event   eventView
	EventID uint
	Rows    []headcountRow
	Total   int
	Bands   []option
	Error   string
	Updated string
	// Closed says why the session takes no headcount now ("" when it does).
	Closed string
	// Refused: the numbers were just refused for that reason.
	Refused bool
}

func headcountField(sex, band string) string { return "hc_" + sex + "_" + band }

func (s *Server) newHeadcountPage(c *fiber.Ctx, e *event.Event) (*headcountPage, error) {
	p := s.page(c, "")
	v := viewEvent(p.Translator, e, s.now())
	p.Title = p.T("page.headcount.title", "Title", v.Title)
	hs, err := attendance.Headcounts(c.UserContext(), s.db, e.ID)
	if err != nil {
		return nil, err
	}
	have := map[string]int{}
	var latest time.Time
	hp := &headcountPage{Page: p, Event: v, EventID: e.ID, Bands: bandOptions(p.Translator), Closed: s.windowNotice(p.Translator, e)}
	for _, h := range hs {
		have[headcountField(h.Sex, h.AgeBand)] = h.Count
		hp.Total += h.Count
		if h.UpdatedAt.After(latest) {
			latest = h.UpdatedAt
		}
	}
	if !latest.IsZero() {
		hp.Updated = p.Time(latest.In(e.Location()))
	}
	for _, sx := range sexOptions(p.Translator) {
		row := headcountRow{Sex: sx}
		for _, b := range hp.Bands {
			name := headcountField(sx.Value, b.Value)
			row.Cells = append(row.Cells, headcountCell{Name: name, Band: b, Value: strconv.Itoa(have[name])})
		}
		hp.Rows = append(hp.Rows, row)
	}
	return hp, nil
}

// headcountEdit is GET /staff/events/:id/checkin/headcount.
func (s *Server) headcountEdit(c *fiber.Ctx) error {
	e, err := s.managedEvent(c)
	if err != nil {
		return err
	}
	hp, err := s.newHeadcountPage(c, e)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "attendance/headcount", hp)
}

// headcountSave is POST /staff/events/:id/checkin/headcount: the numbers
// typed replace the previous ones (an empty box counts as 0).
func (s *Server) headcountSave(c *fiber.Ctx) error {
	e, err := s.managedEvent(c)
	if err != nil {
		return err
	}
	var cells []attendance.Cell
	bad := map[string]bool{}
	typed := map[string]string{}
	for _, sx := range registration.Sexes {
		for _, b := range registration.AgeBands {
			name := headcountField(sx, b)
			raw := strings.TrimSpace(c.FormValue(name))
			typed[name] = raw
			n := 0
			if raw != "" {
				n, err = strconv.Atoi(raw)
				if err != nil || n < 0 || n > attendance.MaxHeadcount {
					bad[name] = true
					continue
				}
			}
			cells = append(cells, attendance.Cell{Sex: sx, AgeBand: b, Count: n})
		}
	}
	var refused error
	if len(bad) == 0 {
		err := attendance.SetHeadcount(c.UserContext(), s.db, s.checkinWindow(), e.ID, cells, currentUser(c).ID, s.now())
		if err == nil {
			return c.Redirect(checkinURL(c, e.ID, 0, "checkin_headcount_saved"), fiber.StatusSeeOther)
		}
		if !attendance.IsWindowRefusal(err) {
			return err
		}
		refused = err
	}
	hp, err := s.newHeadcountPage(c, e)
	if err != nil {
		return err
	}
	if refused != nil {
		// The numbers typed stay in their boxes; the reason beside them.
		hp.Closed, hp.Refused = windowMessage(hp.Translator, e, refused), true
	} else {
		hp.Error = hp.T("error.checkin.headcount_bad_count")
	}
	for i := range hp.Rows {
		for j := range hp.Rows[i].Cells {
			cell := &hp.Rows[i].Cells[j]
			cell.Value, cell.Error = typed[cell.Name], bad[cell.Name]
		}
	}
	return s.render(c, fiber.StatusUnprocessableEntity, "attendance/headcount", hp)
}
