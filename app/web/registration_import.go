package web

import (
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/registration"
)

// Import of an invitation list (CSV) into an event, in three steps:
// upload (GET/POST …/registrations/import) → preview (the POST's answer:
// what will be imported, what will not and why, seats and SMS) → confirm
// (POST …/import/confirm, then 303 to the upload page with the figures).
//
// The preview carries the valid rows back in one hidden field (JSON), in a
// multipart form so that Vietnamese text is not percent-encoded three times
// over: nothing is kept in the server's memory or on disk between the steps,
// and no personal data waits in the database for a confirm that may never
// come. The confirm checks every row again (a form can be changed) and
// registers them through the registration service, in one transaction.
//
// Imported people get the same SMS as someone an organiser registers by
// phone (their ticket, or their place on the waiting list): the page says so
// and the preview shows the number of messages and their cost.

type importHelpColumn struct {
	Name     string
	Required bool
	Hint     string
}

type importPage struct {
	Page
	Event       eventView
	EventID     uint
	SMSLang     string // the language of the messages to the people imported
	Error       string
	Closed      string
	Done        bool
	Result      registration.ImportResult
	MaxRows     int
	MaxKB       int
	Columns     []importHelpColumn
	Roles       []string
	ActionURL   string
	TemplateURL string
	BackURL     string
}

type importPreviewPage struct {
	Page
	Event      eventView
	EventID    uint
	MsgLang    string // the language of the messages to the people imported
	SMSLang    string // its name
	Header     bool
	Rows       []registration.ImportPreviewRow
	Errors     []registration.ImportPreviewError
	Blank      int
	Plan       *registration.ImportPlan
	Existing   int
	SMS        int
	Segments   int
	Cost       string
	Currency   string // the session's country's
	Closed     string
	Payload    string
	ConfirmURL string
	UploadURL  string
	BackURL    string
}

func importBase(eventID uint) string {
	return "/staff/events/" + itoa(int(eventID)) + "/registrations/import"
}

// importOptions gives the parser the role labels of every language and the
// session's phone region.
func (s *Server) importOptions(region string) registration.ImportOptions {
	return registration.ImportOptionsFor(s.bundle, region)
}

func (s *Server) importPageData(c *fiber.Ctx, e *event.Event, lang string) importPage {
	p := importPage{Page: s.page(c, ""), EventID: e.ID, SMSLang: lang, MaxRows: registration.ImportMaxRows,
		MaxKB: registration.ImportMaxBytes >> 10}
	t := p.Translator
	p.Event = viewEvent(t, e, s.now())
	p.Title = t.T("import.title", "Title", p.Event.Title)
	base := importBase(e.ID)
	p.ActionURL, p.TemplateURL = p.URL(base), p.URL(base+"/template.csv")
	p.BackURL = p.URL("/staff/events/" + itoa(int(e.ID)) + "/registrations")
	p.Columns = []importHelpColumn{
		{Name: t.T("import.col.name"), Required: true, Hint: t.T("import.col.name_hint")},
		{Name: t.T("import.col.phone"), Required: true, Hint: t.T("import.col.phone_hint")},
		{Name: t.T("import.col.organisation"), Hint: t.T("import.col.organisation_hint")},
		{Name: t.T("import.col.role"), Hint: t.T("import.col.role_hint")},
	}
	for _, r := range registration.Roles {
		p.Roles = append(p.Roles, t.T("register.role."+r))
	}
	switch {
	case e.Status == event.StatusCancelled:
		p.Closed = t.T("registrations.event_cancelled")
	case !e.RegistrationOpen(s.now()):
		p.Closed = t.T("import.closed")
	}
	return p
}

// registrationImportForm shows the upload form, and the figures of the
// import just done.
func (s *Server) registrationImportForm(c *fiber.Ctx) error {
	e, err := s.staffEvent(c)
	if err != nil {
		return err
	}
	p := s.importPageData(c, e, registration.ImportLang(c.Query("lang"), e.Lang))
	if c.Query("too_large") == "1" {
		// A file over the server's body limit (see importTooLargeRedirect).
		p.Error = importTooLarge(translator(c))
	}
	if c.Query("done") == "1" {
		n := func(k string) int {
			v := c.QueryInt(k)
			if v < 0 || v > 100000 {
				return 0
			}
			return v
		}
		p.Done = true
		p.Result = registration.ImportResult{Created: n("created"), Confirmed: n("confirmed"), Waitlisted: n("waitlisted"), Existing: n("existing")}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, fiber.StatusOK, "staffevents/import", p)
}

// registrationImportTemplate sends an empty list with the header row in the
// page's language (semicolons for Vietnamese and French, as Excel expects
// there; a BOM so that Excel reads UTF-8).
func (s *Server) registrationImportTemplate(c *fiber.Ctx) error {
	if _, err := s.staffEvent(c); err != nil {
		return err
	}
	t := translator(c)
	body, err := registration.ImportTemplate(t)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="lantern-import-`+t.Lang+`.csv"`)
	return c.Send(body)
}

// importRefused shows the upload page again with a message (422).
func (s *Server) importRefused(c *fiber.Ctx, e *event.Event, lang, msg string) error {
	p := s.importPageData(c, e, lang)
	p.Error = msg
	return s.render(c, fiber.StatusUnprocessableEntity, "staffevents/import", p)
}

func messageOf(t *locale.Translator, err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return t.TMap(ae.Key, ae.Args)
	}
	return t.T(apperr.KeyOf(err))
}

// importPost is what both import posts start with: the event (open for
// adding people), the page's translator and the SMS language chosen.
func (s *Server) importPost(c *fiber.Ctx) (*event.Event, *locale.Translator, string, error) {
	e, err := s.openStaffEvent(c)
	if err != nil {
		return nil, nil, "", err
	}
	return e, translator(c), registration.ImportLang(utils.CopyString(c.FormValue("lang")), e.Lang), nil
}

// importTooLarge is the message for a file over the import's size limit.
func importTooLarge(t *locale.Translator) string {
	return t.TMap(registration.ErrImportTooLarge, map[string]any{"MaxKB": registration.ImportMaxBytes >> 10})
}

// registrationImportUpload reads the file and shows the preview.
func (s *Server) registrationImportUpload(c *fiber.Ctx) error {
	ctx := c.UserContext()
	e, t, lang, err := s.importPost(c)
	if err != nil {
		return err
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return s.importRefused(c, e, lang, t.T("error.import.no_file"))
	}
	if fh.Size > registration.ImportMaxBytes {
		return s.importRefused(c, e, lang, importTooLarge(t))
	}
	f, err := fh.Open()
	if err != nil {
		return s.importRefused(c, e, lang, t.T("error.import.no_file"))
	}
	defer f.Close()
	file, err := registration.ParseImport(f, s.importOptions(e.PhoneRegion))
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			return s.importRefused(c, e, lang, messageOf(t, err))
		}
		return err
	}
	plan, err := registration.PlanImport(ctx, s.db, e.ID, file.Rows, s.now())
	if err != nil {
		return err
	}
	p := importPreviewPage{Page: s.page(c, ""), EventID: e.ID, MsgLang: lang, Header: file.Header, Blank: file.Blank, Plan: plan}
	p.Event = viewEvent(t, e, s.now())
	p.Title = t.T("import.preview.title", "Title", p.Event.Title)
	p.SMSLang = p.LangName(lang)
	base := importBase(e.ID)
	p.ConfirmURL, p.UploadURL = p.URL(base+"/confirm"), p.URL(base+"?lang="+lang)
	p.BackURL = p.URL("/staff/events/" + itoa(int(e.ID)) + "/registrations")
	if !plan.Open {
		p.Closed = t.T("import.closed")
	}
	pv, err := registration.PreviewImport(t, file, plan, e.PhoneRegion)
	if err != nil {
		return err
	}
	p.Rows, p.Errors, p.Existing, p.Payload = pv.Rows, pv.Errors, pv.Existing, pv.Payload
	if pv.Payload != "" {
		conf, wait, err := s.notifier().SampleMessages(ctx, s.db, e.ID, lang)
		if err != nil {
			return err
		}
		_, sc := message.Segments(conf)
		_, sw := message.Segments(wait)
		p.SMS = plan.Confirmed + plan.Waitlisted
		p.Segments = plan.Confirmed*sc + plan.Waitlisted*sw
		prices, cur, err := s.pricesOf(c, t, e.Country)
		if err != nil {
			return err
		}
		p.Cost, p.Currency = t.Number(float64(p.Segments*prices.SMSSegment), 0), cur
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, fiber.StatusOK, "staffevents/import_preview", p)
}

// registrationImportConfirm imports the rows the preview carried back.
func (s *Server) registrationImportConfirm(c *fiber.Ctx) error {
	ctx := c.UserContext()
	e, t, lang, err := s.importPost(c)
	if err != nil {
		return err
	}
	rows, carried := registration.CarriedRows(c.FormValue("rows"))
	if !carried {
		return s.importRefused(c, e, lang, t.T("error.import.payload"))
	}
	ok, bad := registration.CheckImportRows(rows, s.importOptions(e.PhoneRegion))
	if len(bad) > 0 {
		return s.importRefused(c, e, lang, t.T(registration.ErrImportChanged, "Row", bad[0].Row))
	}
	in := registration.ImportInput{EventID: e.ID, Rows: ok, Lang: lang, ActorID: currentUser(c).ID, Notify: s.notifier()}
	consent, err := registration.CurrentConsent(ctx, s.db, e.Country)
	if err != nil {
		return err
	}
	if consent != nil {
		in.ConsentVersion = consent.Version
	}
	res, err := registration.Import(ctx, s.db, in, s.now())
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			return s.importRefused(c, e, lang, messageOf(t, err))
		}
		return err
	}
	q := url.Values{"done": {"1"}, "lang": {lang}, "created": {itoa(res.Created)}, "confirmed": {itoa(res.Confirmed)},
		"waitlisted": {itoa(res.Waitlisted)}, "existing": {itoa(res.Existing)}}
	return c.Redirect("/"+langOf(c)+importBase(e.ID)+"?"+q.Encode(), fiber.StatusSeeOther)
}
