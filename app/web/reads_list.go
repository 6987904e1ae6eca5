package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/audit"
)

// readsListPage is the log of looks at personal data, for admins.
type readsListPage struct {
	Page
	Rows    []audit.ReadRow
	Kinds   []string
	Kind    string
	PageNo  int
	Pages   int
	Total   int
	PrevURL string
	NextURL string
}

var readKinds = []string{audit.ReadRoster, audit.ReadRegistrations, audit.ReadRegistrationsExport, audit.ReadAttendanceSheet,
	audit.ReadPersonalExport, audit.ReadPrivacySearch, audit.ReadPrivacyExport, audit.ReadCoachee, audit.ReadCertificates, audit.ReadOutbox}

// readsList is /staff/admin/reads: who looked at participants' personal
// data, newest first, 50 a page, filtered by kind.
func (s *Server) readsList(c *fiber.Ctx) error {
	p := readsListPage{Page: s.page(c, "reads.title"), Kinds: readKinds}
	for _, k := range readKinds {
		if c.Query("kind") == k {
			p.Kind = k
		}
	}
	p.PageNo, _ = strconv.Atoi(c.Query("page"))
	if p.PageNo < 1 {
		p.PageNo = 1
	}
	rows, total, err := audit.ListReads(c.UserContext(), s.db, audit.ReadFilter{Kind: p.Kind, Page: p.PageNo, PerPage: auditPerPage})
	if err != nil {
		return err
	}
	p.Rows, p.Total = rows, int(total)
	p.Pages = (p.Total + auditPerPage - 1) / auditPerPage
	link := func(n int) string {
		u := "/staff/admin/reads?page=" + strconv.Itoa(n)
		if p.Kind != "" {
			u += "&kind=" + p.Kind
		}
		return p.URL(u)
	}
	if p.PageNo > 1 {
		p.PrevURL = link(p.PageNo - 1)
	}
	if p.PageNo < p.Pages {
		p.NextURL = link(p.PageNo + 1)
	}
	return s.render(c, fiber.StatusOK, "admin/reads", p)
}
