package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/dbstate"
)

type certificateVerifyPage struct {
	Page
	Code  string
	Name  string
	Title string
	Date  string
}

// certificateVerifyLimit slows down anyone trying codes at random: it counts
// the codes that do not exist (a real certificate's page writes nothing).
var certificateVerifyLimit = dbstate.Limit{Max: 30, Window: 10 * time.Minute}

// certificateVerify is GET /{lang}/certificates/:code: anyone holding a
// certificate's code sees the name, the workshop and its date — nothing else.
func (s *Server) certificateVerify(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var vc *attendance.VerifiedCertificate
	err := s.missLimited(c, "cert:ip:"+s.clientIP(c), certificateVerifyLimit, func() (err error) {
		vc, err = attendance.VerifyCertificate(ctx, s.db, utils.CopyString(c.Params("code")))
		return err
	})
	if err != nil {
		return err
	}
	p := s.page(c, "page.certificate.verify_title")
	p.NoIndex = true
	loc := vc.Event.Location()
	ct := vc.Event.Content(p.Lang)
	return s.render(c, fiber.StatusOK, "attendance/verify", certificateVerifyPage{
		Page: p, Code: attendance.DisplayCode(vc.Code), Name: vc.Name, Title: ct.Title,
		Date: p.DateFull(vc.Event.StartsAt.In(loc)),
	})
}
