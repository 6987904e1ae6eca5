package web

import (
	"encoding/json"
	"html/template"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/programme"
	"github.com/lantern-ngo/lantern/app/user"
)

// auditChange is one field of an entry, before and after.
// Field is the field's translated name, Key the developers' name (shown
// to admins in a title); Before and After are formatted for people, the
// raw values kept beside them.
type auditChange struct {
	Key       string
	Field     string
	Before    string
	After     string
	BeforeRaw string
	AfterRaw  string
	Changed   bool
}

type auditRow struct {
	audit.Row
	ActionLabel string
	EntityLabel string
	Changes     []auditChange
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
	fm := &auditFormat{t: p.Translator, ids: s.bundle.IDs(p.Lang), names: names, users: map[uint]string{}}
	for _, u := range data.Actors {
		fm.users[u.ID] = u.Name
	}
	for _, e := range entities {
		data.Entities = append(data.Entities, auditEntity{Key: e, Label: fm.entity(e)})
	}
	for _, r := range rows {
		data.Rows = append(data.Rows, auditRow{Row: r, ActionLabel: fm.action(r.Action), EntityLabel: fm.entity(r.Entity), Changes: changes(fm, r.Before, r.After)})
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

// changes turns the JSON before/after of an entry into readable lines:
// every field of either side, the changed ones marked.
func changes(fm *auditFormat, before, after string) []auditChange {
	b, a := flat(before), flat(after)
	tz := entryTimeZone(a, b)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var out []auditChange
	for k := range keys {
		// Only an entry with both sides has changes; a creation shows its values.
		out = append(out, auditChange{Key: k, Field: fm.field(k), Before: fm.value(k, b[k], tz), After: fm.value(k, a[k], tz),
			BeforeRaw: b[k], AfterRaw: a[k], Changed: len(b) > 0 && len(a) > 0 && b[k] != a[k]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func flat(js string) map[string]string {
	out := map[string]string{}
	if js == "" {
		return out
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		out["-"] = js
		return out
	}
	flatInto(out, "", m)
	return out
}

// flatInto writes nested objects (such as a name per language) as dotted
// fields: name.vi, name.fr, name.en.
func flatInto(out map[string]string, prefix string, m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case string:
			out[prefix+k] = x
		case nil:
			out[prefix+k] = ""
		case map[string]any:
			flatInto(out, prefix+k+".", x)
		default:
			b, _ := json.Marshal(x)
			out[prefix+k] = string(b)
		}
	}
}
