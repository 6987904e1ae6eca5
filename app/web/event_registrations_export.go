package web

import (
	"bytes"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/csvsafe"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/registration"
)

// exportColumns are the message IDs of the export's header row.
var exportColumns = []string{
	"registrations.col.code", "registrations.col.name", "registrations.col.phone", "registrations.col.kind",
	"registrations.col.group_size", "registrations.col.status", "registrations.col.sex", "registrations.col.age_band",
	"registrations.col.role", "registrations.col.organisation", "registrations.col.source",
	"registrations.col.registered_at", "registrations.col.consent",
}

// exportRow is one registration as exported. Exports are for organisers and
// admins and carry the full phone number; codes (sex, age band, role) stay
// machine-readable for donors' analyses.
func exportRow(t *locale.Translator, r *registration.Registration, tz string) []string {
	ph := ""
	if r.Phone != nil {
		ph = *r.Phone
	}
	return []string{r.Code, r.Name, ph, r.Kind, itoa(r.GroupSize), t.T("registrations.status." + string(r.Status)),
		r.Sex, r.AgeBand, r.Role, r.Organisation, r.Source,
		locale.In(r.CreatedAt, tz).Format("2006-01-02 15:04"), r.ConsentVersion}
}

// eventRegistrationsExport sends the (filtered) registrations as CSV or
// XLSX. The export is personal data: it is recorded in the audit log.
func (s *Server) eventRegistrationsExport(c *fiber.Ctx) error {
	e, err := s.staffEvent(c)
	if err != nil {
		return err
	}
	t := translator(c)
	q, _, _ := registrationQuery(c)
	format := c.FormValue("format")
	if format != "xlsx" {
		format = "csv"
	}
	// Every matching registration, a page at a time.
	var regs []registration.Registration
	for q.Limit = 500; ; q.Offset += q.Limit {
		page, total, err := registration.FindForEvent(c.UserContext(), s.db, e.ID, q)
		if err != nil {
			return err
		}
		regs = append(regs, page...)
		if len(page) < q.Limit || int64(len(regs)) >= total {
			break
		}
	}
	if err := s.logRead(c, audit.ReadRegistrationsExport, e.ID, len(regs), nil); err != nil {
		return err
	}
	err = audit.Record(s.db.WithContext(c.UserContext()), currentUser(c).ID, "registrations.export", "event", itoa(int(e.ID)), nil,
		map[string]any{"Format": format, "Rows": len(regs), "Status": q.Status, "Searched": q.Query != ""})
	if err != nil {
		return err
	}
	header := make([]string, len(exportColumns))
	for i, id := range exportColumns {
		header[i] = t.T(id)
	}
	name := "registrations-" + e.Code + "." + format
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	if format == "csv" {
		var buf bytes.Buffer
		w := csvsafe.NewWriter(&buf)
		_ = w.WriteStrings(header)
		for i := range regs {
			_ = w.WriteStrings(exportRow(t, &regs[i], e.TimeZone))
		}
		if err := w.Flush(); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
		return c.Send(buf.Bytes())
	}
	return s.writeXLSX(c, t, e, header, regs)
}

func (s *Server) writeXLSX(c *fiber.Ctx, t *locale.Translator, e *event.Event, header []string, regs []registration.Registration) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := []rune(strings.NewReplacer("[", "", "]", "", ":", "", "*", "", "?", "", "/", "", `\`, "").Replace(t.T("registrations.sheet")))
	if len(sheet) > 31 {
		sheet = sheet[:31]
	}
	if err := f.SetSheetName("Sheet1", string(sheet)); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(string(sheet))
	if err != nil {
		return err
	}
	cells := func(vals []string) []any {
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = v
		}
		return out
	}
	if err := sw.SetRow("A1", cells(header)); err != nil {
		return err
	}
	for i := range regs {
		row := cells(exportRow(t, &regs[i], e.TimeZone))
		row[4] = regs[i].GroupSize // a number, so that sums work
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return err
	}
	return c.Send(buf.Bytes())
}
