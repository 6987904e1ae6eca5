package web

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/privacy"
)

// impactPage is the drafted impact assessment, in the language asked for
// (vi for the authority, fr or en for the NGO and its donors), whatever the
// admin reads the back office in.
type impactPage struct {
	Page
	Facts    *privacy.ImpactFacts
	DocLang  string
	Langs    []string
	Download bool
}

// impactShow is /staff/admin/impact-assessment?lang=vi: the draft filled
// from the live configuration, readable, printable on A4, downloadable.
func (s *Server) impactShow(c *fiber.Ctx) error {
	docLang := c.Query("lang", langOf(c))
	if !locale.IsSupported(docLang) {
		docLang = langOf(c)
	}
	p := s.page(c, "impact.title")
	p.Translator = s.bundle.For(docLang)
	p.Title = p.T("impact.title")
	periods, err := privacy.LoadPeriods(c.UserContext(), s.db, s.retentionDefaults())
	if err != nil {
		return err
	}
	host := ""
	if u, err := url.Parse(s.cfg.SMSGatewayURL); err == nil {
		host = u.Host
	}
	facts, err := privacy.Impact(c.UserContext(), s.db, periods, s.cfg.SMSDriver, host, audit.ReadLogDays, s.now())
	if err != nil {
		return err
	}
	ip := impactPage{Page: p, Facts: facts, DocLang: docLang, Langs: locale.Supported, Download: c.Query("download") == "1"}
	if ip.Download {
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="lantern-impact-assessment-`+docLang+`-`+s.now().Format("20060102")+`.html"`)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, fiber.StatusOK, "admin/impact", ip)
}
