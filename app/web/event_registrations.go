package web

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

type eventRegistrationsPage struct {
	Page
	Event     eventView
	EventID   uint
	Q         string
	Statuses  []filterOption
	Counts    []filterOption
	Rows      []registration.ListRow
	Total     int
	Filtered  bool
	ExportURL string
	SearchURL string
	Page1     int
	PrevPage  int
	NextPage  int
	PrevURL   string
	NextURL   string
	// Staff actions (register on behalf, confirm, waitlist, cancel).
	CanWrite bool
	Register registerOnBehalf
}

const registrationsPageSize = 50

// registrationStatuses lists the statuses in display order.
var registrationStatuses = []registration.Status{registration.StatusConfirmed, registration.StatusPending, registration.StatusWaitlisted, registration.StatusCancelled}

// registrationQuery reads the search and status filter. The search text
// (a name or a phone number) comes only from a POSTed form, never from the
// URL: personal data stays out of URLs, browser history and proxy logs.
func registrationQuery(c *fiber.Ctx) (registration.Filter, url.Values, int) {
	get := c.Query
	if c.Method() == fiber.MethodPost {
		get = func(k string, d ...string) string { return c.FormValue(k, d...) }
	}
	var q registration.Filter
	if c.Method() == fiber.MethodPost {
		q.Query = textnorm.Clean(get("q"))
		if r := []rune(q.Query); len(r) > 100 {
			q.Query = string(r[:100])
		}
	}
	v := url.Values{}
	st := get("status")
	for _, s := range registrationStatuses {
		if string(s) == st {
			q.Status = s
			v.Set("status", st)
		}
	}
	pageNum, err := strconv.Atoi(get("page"))
	if err != nil || pageNum < 1 || pageNum > 10000 {
		pageNum = 1
	}
	return q, v, pageNum
}

// eventRegistrations lists an event's registrations: search by name
// (without case or diacritics) or phone, filter by status, export.
func (s *Server) eventRegistrations(c *fiber.Ctx) error {
	e, err := s.staffEvent(c)
	if err != nil {
		return err
	}
	return s.renderRegistrations(c, e, fiber.StatusOK, registerOnBehalf{Form: staffRegisterForm{Kind: registration.KindIndividual, Lang: langOf(c)}, Errors: FieldErrors{}})
}

func (s *Server) renderRegistrations(c *fiber.Ctx, e *event.Event, status int, reg registerOnBehalf) error {
	ctx := c.UserContext()
	p := eventRegistrationsPage{Page: s.page(c, ""), EventID: e.ID, Register: reg}
	t := p.Translator
	p.Event = viewEvent(t, e, s.now())
	p.Title = t.T("registrations.title", "Title", p.Event.Title)
	p.CanWrite = e.Status != event.StatusCancelled
	q, v, pageNum := registrationQuery(c)
	p.Q = q.Query
	p.Filtered = len(v) > 0 || q.Query != ""
	p.Page1 = pageNum
	for _, st := range registrationStatuses {
		p.Statuses = append(p.Statuses, filterOption{Value: string(st), Label: t.T("registrations.status." + string(st)), Selected: st == q.Status})
	}
	counts, err := registration.CountByStatus(ctx, s.db, e.ID)
	if err != nil {
		return err
	}
	for _, st := range registrationStatuses {
		p.Counts = append(p.Counts, filterOption{Value: string(st),
			Label: t.TN("registrations.count."+string(st), counts.Seats[st])})
	}
	q.Limit, q.Offset = registrationsPageSize, (pageNum-1)*registrationsPageSize
	regs, total, err := registration.FindForEvent(ctx, s.db, e.ID, q)
	if err != nil {
		return err
	}
	p.Total = int(total)
	if err := s.logRead(c, audit.ReadRegistrations, e.ID, len(regs), nil); err != nil {
		return err
	}
	p.Rows = registration.ListRows(t, regs, e.TimeZone)
	base := "/staff/events/" + itoa(int(e.ID)) + "/registrations"
	p.ExportURL = p.URL(base + "/export")
	p.SearchURL = p.URL(base)
	link := func(n int) string {
		w := url.Values{}
		for k, vs := range v {
			w[k] = vs
		}
		w.Set("page", itoa(n))
		return p.URL(base + "?" + w.Encode())
	}
	if pageNum > 1 {
		p.PrevPage, p.PrevURL = pageNum-1, link(pageNum-1)
	}
	if int64(pageNum*registrationsPageSize) < total {
		p.NextPage, p.NextURL = pageNum+1, link(pageNum+1)
	}
	return s.render(c, status, "staffevents/registrations", p)
}

// regBackURL is where a staff action on a registration returns to.
func regBackURL(c *fiber.Ctx, eventID uint, flash string) string {
	u := "/" + langOf(c) + "/staff/events/" + itoa(int(eventID)) + "/registrations?flash=" + flash
	// Keep the search the organiser was working in (posted back as hidden
	// fields, never personal data in the URL beyond what they typed).
	if st := c.FormValue("back_status"); st != "" && !strings.ContainsAny(st, "&?#/") && len(st) < 20 {
		u += "&status=" + url.QueryEscape(st)
	}
	return u
}
