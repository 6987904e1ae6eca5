package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/locale"
)

// certificateView is one certificate, printed in its participant's language.
type certificateView struct {
	Tr        *locale.Translator
	Lang      string
	Name      string
	Title     string
	Date      string
	Hours     string
	Partner   string
	Venue     string
	Code      string
	VerifyURL string
}

type certificatesPage struct {
	Page
	Event        eventView
	Certificates []certificateView
}

// certificatesPrint is GET /staff/events/:id/attendance/certificates: one A4
// certificate per named participant who attended an authority workshop,
// each in the participant's language, with a verification code.
func (s *Server) certificatesPrint(c *fiber.Ctx) error {
	e, err := s.managedEvent(c)
	if err != nil {
		return err
	}
	certs, err := attendance.IssueCertificates(c.UserContext(), s.db, e, s.now())
	if err != nil {
		return err
	}
	if err := s.logRead(c, audit.ReadCertificates, e.ID, len(certs), nil); err != nil {
		return err
	}
	p := s.page(c, "")
	now := s.now()
	v := viewEvent(p.Translator, e, now)
	p.Title = p.T("page.certificate.print_title", "Title", v.Title)
	hours := e.EndsAt.Sub(e.StartsAt).Hours()
	out := make([]certificateView, len(certs))
	for i, ct := range certs {
		lang := ct.Lang
		if !locale.IsSupported(lang) {
			lang = locale.Default
		}
		t := s.bundle.For(lang)
		ev := viewEvent(t, e, now)
		out[i] = certificateView{
			Tr: t, Lang: lang, Name: ct.Name, Title: ev.Title, Date: ev.When, Partner: ev.Partner, Venue: ev.Venue + ", " + ev.City,
			Hours:     t.TN("certificate.hours", int(hours+0.5), "Hours", t.Number(hours, decimalsFor(hours))),
			Code:      attendance.DisplayCode(ct.Code),
			VerifyURL: s.cfg.BaseURL + "/" + lang + "/certificates/" + ct.Code,
		}
	}
	return s.render(c, fiber.StatusOK, "attendance/certificates", certificatesPage{Page: p, Event: v, Certificates: out})
}

// decimalsFor shows 3 hours as "3" and 3.5 hours as "3.5".
func decimalsFor(h float64) int {
	if h == float64(int(h)) {
		return 0
	}
	return 1
}
