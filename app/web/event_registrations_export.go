package web

import (
	"bytes"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/report"
)

// eventRegistrationsExport sends the (filtered) registrations as CSV or
// XLSX, in the page's language (report.RegistrationsTable). The export is
// personal data: it is recorded in the audit log.
func (s *Server) eventRegistrationsExport(c *fiber.Ctx) error {
	e, err := s.staffEvent(c)
	if err != nil {
		return err
	}
	t := translator(c)
	q, _, _ := registrationQuery(c)
	format := c.FormValue("format")
	if format != report.FormatXLSX {
		format = report.FormatCSV
	}
	regs, err := registration.ForExport(c.UserContext(), s.db, e.ID, q)
	if err != nil {
		return err
	}
	if err := s.logRead(c, audit.ReadRegistrationsExport, e.ID, len(regs), nil); err != nil {
		return err
	}
	err = audit.Record(s.db.WithContext(c.UserContext()), currentUser(c).ID, "registrations.export", "event", itoa(int(e.ID)), nil,
		map[string]any{"Format": format, "Rows": len(regs), "Status": q.Status, "Searched": q.Query != ""})
	if err != nil {
		return err
	}
	tbl := report.RegistrationsTable(t, regs, e.TimeZone)
	var buf bytes.Buffer
	ctype := "text/csv; charset=utf-8"
	if format == report.FormatCSV {
		if err := report.WriteCSV(c.UserContext(), &buf, tbl); err != nil {
			return err
		}
	} else {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		if err := report.WriteXLSX(c.UserContext(), &buf, []*report.Table{tbl}); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentDisposition, attachment(exportFilename(s.now(), format, "registrations", e.Code)))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}
