package web

import (
	"html/template"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/auditview"
	"github.com/lantern-ngo/lantern/app/programme"
	"github.com/lantern-ngo/lantern/app/user"
)

type auditRow struct {
	audit.Row
	ActionLabel string
	EntityLabel string
	Changes     []auditview.Change
}

// auditEntity is a kind of record, for the filter: its key and name.
type auditEntity struct{ Key, Label string }

type auditListPage struct {
	Page
	Rows     []auditRow
	Entities []auditEntity
	Actors   []user.User
	Entity   string
	ActorID  uint
	From, To string
	PageNo   int
	Pages    int
	Total    int
	PrevURL  template.URL // the pager's links, filter kept
	NextURL  template.URL
}

const auditPerPage = 50

// auditList shows the audit log to admins: filter by entity, actor and
// dates, newest first, 50 a page.
func (s *Server) auditList(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := s.page(c, "admin.page.audit.title")
	data := auditListPage{Page: p, Entity: utils.CopyString(c.Query("entity")), From: utils.CopyString(c.Query("from")), To: utils.CopyString(c.Query("to"))}
	f := audit.Filter{Entity: data.Entity, PerPage: auditPerPage}
	if len(f.Entity) > 64 {
		f.Entity, data.Entity = "", ""
	}
	if n, err := strconv.ParseUint(c.Query("actor"), 10, 32); err == nil {
		f.ActorID, data.ActorID = uint(n), uint(n)
	}
	if d, err := time.Parse(dateLayout, data.From); err == nil {
		f.From = d
	} else {
		data.From = ""
	}
	if d, err := time.Parse(dateLayout, data.To); err == nil {
		f.To = d.AddDate(0, 0, 1) // the whole day "to"
	} else {
		data.To = ""
	}
	data.PageNo = c.QueryInt("page", 1)
	if data.PageNo < 1 || data.PageNo > 100000 {
		data.PageNo = 1
	}
	f.Page = data.PageNo
	rows, total, err := audit.List(ctx, s.db, f)
	if err != nil {
		return err
	}
	entities, err := audit.Entities(ctx, s.db)
	if err != nil {
		return err
	}
	if data.Actors, err = user.List(ctx, s.db); err != nil {
		return err
	}
	data.Total = int(total)
	data.Pages = int((total + auditPerPage - 1) / auditPerPage)
	names, err := programme.AllNames(ctx, s.db)
	if err != nil {
		return err
	}
	fm := &auditview.Formatter{T: p.Translator, IDs: s.bundle.IDs(p.Lang), Names: names, Users: map[uint]string{}}
	for _, u := range data.Actors {
		fm.Users[u.ID] = u.Name
	}
	for _, e := range entities {
		data.Entities = append(data.Entities, auditEntity{Key: e, Label: fm.Entity(e)})
	}
	for _, r := range rows {
		data.Rows = append(data.Rows, auditRow{Row: r, ActionLabel: fm.Action(r.Action), EntityLabel: fm.Entity(r.Entity), Changes: fm.Changes(r.Before, r.After)})
	}
	q := url.Values{}
	for k, v := range map[string]string{"entity": data.Entity, "from": data.From, "to": data.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if data.ActorID != 0 {
		q.Set("actor", strconv.FormatUint(uint64(data.ActorID), 10))
	}
	pageURL := func(n int) template.URL {
		q.Set("page", strconv.Itoa(n))
		// Built from url.Values: safe to put in an href as it is.
		return template.URL(p.URL("/staff/admin/audit") + "?" + q.Encode())
	}
	if data.PageNo > 1 {
		data.PrevURL = pageURL(data.PageNo - 1)
	}
	if data.PageNo < data.Pages {
		data.NextURL = pageURL(data.PageNo + 1)
	}
	return s.render(c, fiber.StatusOK, "admin/audit", data)
}
