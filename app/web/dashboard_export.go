package web

import (
	"bufio"
	"context"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/report"
	"github.com/lantern-ngo/lantern/app/user"
)

// exportTimeout bounds the database work of one export, which runs after
// the handler has returned (the body streams), so outside the request's
// own deadline.
const exportTimeout = 2 * time.Minute

// exportDownload is GET /staff/dashboard/export/{dataset}.{format}: an
// aggregate export (no names, no phone numbers), in the page's language.
func (s *Server) exportDownload(c *fiber.Ctx) error {
	dataset, format := utils.CopyString(c.Params("dataset")), utils.CopyString(c.Params("format"))
	if !report.ValidDataset(dataset) || !report.ValidFormat(format) {
		return apperr.New(apperr.NotFound, "error.dashboard.no_dataset")
	}
	f, err := s.dashboardFilter(c)
	if err != nil {
		return err
	}
	return s.sendExport(c, report.Export{Dataset: dataset, Filter: f, T: translator(c), Now: s.now(), Small: s.smallCounts()}, format)
}

// exportPersonalForm is what the personal-data export form sends. Its
// fields are choices from lists: a value off the lists is refused whole
// (ValidDataset, ValidFormat) rather than explained field by field.
type exportPersonalForm struct {
	Dataset  string `form:"dataset"`
	Format   string `form:"format"`
	Personal string `form:"personal"`
}

// exportPersonal is POST /staff/dashboard/export: the same exports, with
// names and phone numbers only when the person ticked the choice and holds
// a role that may see them (organiser or admin); the choice is recorded in
// the audit log before any byte is sent.
func (s *Server) exportPersonal(c *fiber.Ctx) error {
	var form exportPersonalForm
	if err := bindForm(c, &form); err != nil {
		return err
	}
	form.Dataset, form.Format = utils.CopyString(form.Dataset), utils.CopyString(form.Format)
	if !report.ValidDataset(form.Dataset) || !report.ValidFormat(form.Format) {
		return apperr.New(apperr.Invalid, "error.dashboard.no_dataset")
	}
	f, err := s.dashboardFilter(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	x := report.Export{Dataset: form.Dataset, Filter: f, T: translator(c), Now: s.now(), Small: s.smallCounts()}
	if form.Personal == "1" && report.HasPersonalVariant(form.Dataset) {
		if !mayExportPersonal(u) {
			return apperr.New(apperr.Forbidden, "error.dashboard.personal_forbidden")
		}
		x.Personal = true
		err := audit.Record(s.db.WithContext(c.UserContext()), u.ID, "export.personal", "export", form.Dataset, nil, map[string]any{
			"dataset": form.Dataset, "format": form.Format, "filter": f, "lang": x.T.Lang,
		})
		if err != nil {
			return err
		}
		if err := s.logRead(c, audit.ReadPersonalExport, 0, 0, nil); err != nil {
			return err
		}
	}
	return s.sendExport(c, x, form.Format)
}

// mayExportPersonal: the roles allowed to take names and phone numbers out.
func mayExportPersonal(u *user.User) bool {
	return u.Has(user.RoleAdmin, user.RoleOrganiser)
}

// sendExport streams an export: the rows go from the database cursor to the
// response as they are read.
func (s *Server) sendExport(c *fiber.Ctx, x report.Export, format string) error {
	tables, err := x.Tables(s.db)
	if err != nil {
		return err
	}
	personal := ""
	if x.Personal {
		personal = "personal"
	}
	name := exportFilename(s.now(), format, "lantern", x.Dataset, personal, periodName(x.Filter))
	if format == report.FormatXLSX {
		return s.sendXLSX(c, name, tables)
	}
	s.stream(c, name, format, func(ctx context.Context, w *bufio.Writer) error {
		return report.WriteCSV(ctx, w, tables[0])
	})
	return nil
}

// sendXLSX fills the workbook within the request (so that an error still
// gets an error page), then streams it out.
func (s *Server) sendXLSX(c *fiber.Ctx, name string, tables []*report.Table) error {
	f, err := report.BuildXLSX(c.UserContext(), tables)
	if err != nil {
		return err
	}
	s.stream(c, name, report.FormatXLSX, func(_ context.Context, w *bufio.Writer) error {
		defer f.Close()
		_, err := f.WriteTo(w)
		return err
	})
	return nil
}

// periodName names a filter's period in a file name: 2026-01-01_2026-03-31,
// or "" for every date.
func periodName(f report.Filter) string {
	if f.From == "" && f.To == "" {
		return ""
	}
	return f.From + "_" + f.To
}

// stream sends a file whose body is written after the handler returns
// (CSV rows straight from the database cursor). Headers are final by then:
// an error half-way is logged, and the file is cut short.
func (s *Server) stream(c *fiber.Ctx, filename, format string, write func(context.Context, *bufio.Writer) error) {
	ctype := "text/csv; charset=utf-8"
	if format == report.FormatXLSX {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentDisposition, attachment(filename))
	c.Set(fiber.HeaderCacheControl, "no-store")
	reqID := requestIDOf(c)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), exportTimeout)
		defer cancel()
		if err := write(ctx, w); err != nil {
			s.log.Error("export failed", slog.String("request_id", reqID), slog.String("file", filename), slog.String("error", err.Error()))
		}
		_ = w.Flush()
	})
}
