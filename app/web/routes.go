package web

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/lantern-ngo/lantern/app/apitoken"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/user"
)

// routes declares every route of the site, grouped by audience, with the
// middleware of each group (miniflux internal/ui/ui.go).
func (s *Server) routes(app *fiber.App) {
	app.Use(recover.New(recover.Config{EnableStackTrace: true, StackTraceHandler: s.logPanic}))
	app.Use(requestID, s.metrics.observe, s.securityHeaders, s.deadline, rejectBadText, s.expirePublicVersion)
	app.Use(compress.New(compress.Config{
		Level: compress.LevelBestSpeed,
		// Static files are compressed once at start.
		Next: func(c *fiber.Ctx) bool { return len(c.Path()) > 8 && c.Path()[:8] == "/static/" },
	}))

	// ---- Operations ----------------------------------------------------
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", s.metricsHandler())
	app.Get("/static/*", s.assets.Handler)
	app.Get("/favicon.ico", func(c *fiber.Ctx) error {
		return c.Redirect(s.assets.URL("img/favicon.svg"), fiber.StatusMovedPermanently)
	})
	app.Get("/robots.txt", func(c *fiber.Ctx) error {
		return c.SendString("User-agent: *\nDisallow: /vi/r/\nDisallow: /fr/r/\nDisallow: /en/r/\n")
	})

	// ---- Public JSON API (partners' sites) ------------------------------
	// Every /api/v1 route is in api/openapi.yaml (TestOpenAPIConformance).
	// API tokens (api_auth.go) are read for every /api/v1 request, before
	// the page cache, so that a token's calls are limited and counted even
	// when answered from memory; each route says the scope it needs.
	app.Use("/api/v1", s.apiTokenAuth)
	api := app.Group("/api/v1")
	api.Get("/openapi.json", s.apiOpenAPI)
	api.Get("/events", s.apiAccess(apitoken.ScopeEventsRead), s.cachedPublic, s.apiEventList)
	api.Get("/events/:id<int>", s.apiAccess(apitoken.ScopeEventsRead), s.cachedPublic, s.apiEventShow)

	// Everything below knows the staff session and has CSRF protection
	// (in this order: a staff member's token is bound to the session).
	// Staff requests and posts queue for the database in order (admission).
	app.Use(admission(s.cfg.DBConcurrency), s.loadSession, s.csrfProtection())

	app.Get("/", s.rootRedirect)

	// ---- JSON API behind the session (or a shared secret) -----------------
	apiIn := app.Group("/api/v1")
	// A scoped account reaches only its sessions (issue 20).
	apiIn.Use("/events/:id<int>", s.eventInScope)
	// -- registration (issue 3): SMS gateway webhook --
	apiIn.Post("/sms/inbound", s.smsInbound)
	apiIn.Post("/sms/reports", s.smsReports) // issue 15: delivery reports
	apiIn.Post("/zalo/events", s.zaloEvents)
	// -- attendance (issue 5): offline check-in batches; a token with
	// checkins:write acts as its staff account (a trainer's device) --
	apiCheckins := s.apiAccess(apitoken.ScopeCheckinsWrite, user.RoleTrainer, user.RoleOrganiser, user.RoleAdmin)
	apiIn.Get("/events/:id<int>/roster", apiCheckins, s.apiRoster)
	apiIn.Post("/events/:id<int>/checkins", apiCheckins, s.apiCheckinBatch)
	// -- quizzes (issue 6): knowledge gain --
	apiIn.Get("/events/:id<int>/knowledge-gain", s.apiAccess(apitoken.ScopeIndicatorsRead, user.RoleTrainer, user.RoleOrganiser, user.RoleAdmin), s.apiKnowledgeGain)
	// -- dashboard (issue 8): indicators --
	apiIn.Get("/indicators", s.apiAccess(apitoken.ScopeIndicatorsRead, user.RoleOrganiser, user.RoleAdmin), s.apiIndicators)

	for _, lang := range locale.Supported {
		g := app.Group("/"+lang, s.withLang(lang))

		// ---- Public pages ------------------------------------------
		g.Get("/", s.homeRedirect)
		g.Get("/events", s.cachedPublic, s.eventList)
		g.Get("/events/:id<int>", s.cachedPublic, s.eventShow)
		g.Get("/events/:id<int>/calendar.ics", s.cachedPublic, s.eventICS)
		// Subscribable calendar feed of the published sessions (issue 19).
		g.Get("/events/calendar.ics", s.cachedPublic, s.eventsFeed)
		// The API reference, rendered from the OpenAPI document (issue 19).
		g.Get("/api", s.cachedPublic, s.apiDocs)

		// ---- Staff sign-in -----------------------------------------
		g.Get("/login", s.loginForm)
		g.Post("/login", s.loginSubmit)
		g.Post("/logout", s.logout)
		// One-time set-password links that admins give to new staff (issue 4).
		g.Get("/set-password/:token", s.passwordSetForm)
		g.Post("/set-password/:token", s.passwordSetSubmit)

		// ---- Public: registration and tickets (issue 3) ---------------
		g.Post("/events/:id<int>/register", s.registrationCreate)
		g.Get("/events/:id<int>/already-registered", s.registrationAlreadyShow)
		g.Get("/r/:code", s.ticketShow)
		g.Get("/r/:code/cancel", s.ticketCancelConfirm)
		g.Post("/r/:code/cancel", s.ticketCancel)
		g.Post("/r/:code/restore", s.ticketRestore)
		// Children registered with a guardian (issue 14): the guardian's link.
		g.Get("/events/:id<int>/guardian-asked", s.guardianAskedShow)
		g.Post("/events/:id<int>/guardian-code", s.guardianCodeConfirm)
		g.Get("/g/:token", s.guardianShow)
		g.Post("/g/:token/confirm", s.guardianConfirm)
		g.Post("/g/:token/withdraw", s.guardianWithdraw)
		// One tap after the session (issue 15): the rating request's link.
		g.Get("/rate/:token", s.ratingShow)
		g.Post("/rate/:token", s.ratingSubmit)
		// Participants' own data, from their phone (issue 14).
		g.Get("/my-data", s.myDataAsk)
		g.Post("/my-data", s.myDataStart)
		g.Get("/my-data/code", s.myDataCodeForm)
		g.Post("/my-data/code", s.myDataVerify)
		g.Get("/my-data/view", s.myDataView)
		g.Get("/my-data/download", s.myDataDownload)
		g.Post("/my-data/name", s.myDataRename)
		g.Post("/my-data/erase", s.myDataErase)
		g.Post("/my-data/done", s.myDataDone)
		g.Post("/my-data/announcements/stop", s.myDataStopAnnouncements)
		// Announcements' unsubscribe link (issue 15, Decree 91/2020).
		g.Get("/stop/:token", s.announceStopShow)
		g.Post("/stop/:token", s.announceStop)
		// The link that confirms an opt-in (double opt-in).
		g.Get("/a/:token", s.announceConfirmShow)
		g.Post("/a/:token", s.announceConfirm)

		// ---- Public: quizzes on the participant's phone (issue 6) ----
		g.Get("/r/:code/quiz/:phase", s.quizIntro)
		g.Post("/r/:code/quiz/:phase", s.quizBegin)
		g.Get("/events/:id<int>/quiz/:phase", s.quizAnon)
		g.Post("/events/:id<int>/quiz/:phase", s.quizAnonBegin)
		g.Get("/quiz/:token", s.quizTake)
		g.Post("/quiz/:token", s.quizAnswer)

		// ---- Public: certificates verification (issue 5) --------------
		g.Get("/certificates/:code", s.certificateVerify)

		// ---- Staff: every signed-in role ---------------------------
		staff := g.Group("/staff", s.requireRole(user.AllRoles...))
		// Every page, form and export about one session checks first that
		// the session is in the staff member's scope (issue 20).
		staff.Use("/events/:id<int>", s.eventInScope)
		staff.Get("/", s.staffHome)

		// ---- Staff: accounts, partners, venues, targets, audit, personal data (issue 4)
		staff.Get("/profile", s.profile)
		staff.Post("/profile/lang", s.profileLang)
		staff.Post("/profile/password", s.profilePassword)
		adm := staff.Group("/admin", s.requireRole(user.RoleAdmin))
		adm.Get("/accounts", s.accountList)
		adm.Get("/accounts/new", s.accountNew)
		adm.Post("/accounts", s.accountCreate)
		adm.Get("/accounts/:id<int>/edit", s.accountEdit)
		adm.Post("/accounts/:id<int>", s.accountUpdate)
		adm.Post("/accounts/:id<int>/active", s.accountActive)
		adm.Post("/accounts/:id<int>/link", s.accountLink)
		adm.Get("/partners", s.partnerList)
		adm.Get("/partners/new", s.partnerNew)
		adm.Post("/partners", s.partnerSave)
		adm.Get("/partners/:id<int>/edit", s.partnerEdit)
		adm.Post("/partners/:id<int>", s.partnerSave)
		adm.Get("/venues", s.venueList)
		adm.Get("/venues/new", s.venueNew)
		adm.Post("/venues", s.venueSave)
		adm.Get("/venues/:id<int>/edit", s.venueEdit)
		adm.Post("/venues/:id<int>", s.venueSave)
		// Countries (issue 20): phones, time zones, languages, channels.
		adm.Get("/countries", s.countryList)
		adm.Get("/countries/new", s.countryNew)
		adm.Post("/countries", s.countrySave)
		adm.Get("/countries/:cc<len(2)>/edit", s.countryEdit)
		adm.Post("/countries/:cc<len(2)>", s.countrySave)
		adm.Get("/targets", s.targetList)
		adm.Get("/targets/new", s.targetNew)
		adm.Post("/targets", s.targetSave)
		adm.Get("/targets/:id<int>/edit", s.targetEdit)
		adm.Post("/targets/:id<int>", s.targetSave)
		// API tokens of partners' systems and check-in devices (issue 19).
		adm.Get("/tokens", s.tokenList)
		adm.Get("/tokens/new", s.tokenNew)
		adm.Post("/tokens", s.tokenCreate)
		adm.Get("/tokens/:id<int>", s.tokenShow)
		adm.Post("/tokens/:id<int>/rotate", s.tokenRotate)
		adm.Post("/tokens/:id<int>/revoke", s.tokenRevoke)
		// Webhooks to partners' systems (issue 19).
		adm.Get("/webhooks", s.webhookList)
		adm.Get("/webhooks/new", s.webhookNew)
		adm.Post("/webhooks", s.webhookCreate)
		adm.Get("/webhooks/:id<int>", s.webhookShow)
		adm.Post("/webhooks/:id<int>", s.webhookUpdate)
		adm.Get("/webhooks/:id<int>/edit", s.webhookEdit)
		adm.Post("/webhooks/:id<int>/rotate", s.webhookRotate)
		adm.Post("/webhooks/:id<int>/enable", s.webhookEnable)
		adm.Post("/webhooks/:id<int>/disable", s.webhookDisable)
		adm.Post("/webhooks/:id<int>/delete", s.webhookDelete)
		adm.Post("/webhooks/:id<int>/deliveries/:delivery<int>/replay", s.webhookReplay)
		// DHIS2: the mapping, a dry run, a push (issue 19).
		adm.Get("/dhis2", s.dhis2Show)
		adm.Post("/dhis2/mapping", s.dhis2MappingSave)
		adm.Post("/dhis2/dry-run", s.dhis2Run(false))
		adm.Post("/dhis2/push", s.dhis2Run(true))
		adm.Get("/audit", s.auditList)
		adm.Get("/reads", s.readsList)
		adm.Get("/retention", s.retentionShow)
		adm.Get("/impact-assessment", s.impactShow)
		adm.Post("/retention", s.retentionSave)
		adm.Get("/sms", s.brandingShow)
		adm.Post("/sms", s.brandingSave)
		// Zalo templates per message kind and language (issue 15).
		adm.Get("/zalo-templates", s.zaloTemplateList)
		adm.Get("/zalo-templates/:kind/:tl", s.zaloTemplateEdit)
		adm.Post("/zalo-templates/:kind/:tl", s.zaloTemplateSave)
		// Personal data: the person is named in the form body, never in the URL.
		adm.Get("/privacy", s.privacyForm)
		adm.Post("/privacy", s.privacyShow)
		adm.Post("/privacy/export", s.privacyExport)
		adm.Post("/privacy/erase", s.privacyErase)
		adm.Get("/consent", s.consentList)
		adm.Post("/consent", s.consentPublish)

		// ---- Staff: events, registrations, schedule, messages (issues 3 and 4)
		staff.Get("/messages", s.requireRole(user.RoleOrganiser, user.RoleAdmin), s.messageList)
		staff.Get("/messages/costs", s.requireRole(user.RoleOrganiser, user.RoleAdmin), s.messageCosts)

		// -- event management (issue 4): organisers and admins --
		// The role check is on each route, not on the group: a Fiber group's
		// middleware applies to every path under its prefix, and trainers
		// must still reach /staff/events/{id}/checkin (attendance area).
		org := s.requireRole(user.RoleOrganiser, user.RoleAdmin)
		ev := staff.Group("/events")
		ev.Get("/", org, s.staffEventList)
		ev.Get("/new", org, s.eventNew)
		ev.Post("/new", org, s.eventCreate)
		ev.Get("/:id<int>", org, s.eventEdit)
		ev.Post("/:id<int>", org, s.eventUpdate)
		ev.Post("/:id<int>/duplicate", org, s.eventDuplicate)
		ev.Post("/:id<int>/delete", org, s.eventDelete)
		ev.Post("/:id<int>/publish", org, s.eventPublish)
		ev.Post("/:id<int>/unpublish", org, s.eventUnpublish)
		ev.Get("/:id<int>/cancel", org, s.eventCancelConfirm)
		ev.Post("/:id<int>/cancel", org, s.eventCancel)
		ev.Get("/:id<int>/registrations", org, s.eventRegistrations)
		ev.Post("/:id<int>/registrations", org, s.eventRegistrations)
		ev.Post("/:id<int>/registrations/export", org, s.eventRegistrationsExport)
		ev.Post("/:id<int>/registrations/new", org, s.eventRegisterOnBehalf)
		// Import of a partner's invitation list: upload → preview → confirm.
		ev.Get("/:id<int>/registrations/import", org, s.registrationImportForm)
		ev.Post("/:id<int>/registrations/import", org, s.registrationImportUpload)
		ev.Get("/:id<int>/registrations/import/template.csv", org, s.registrationImportTemplate)
		ev.Post("/:id<int>/registrations/import/confirm", org, s.registrationImportConfirm)
		ev.Post("/:id<int>/registrations/:rid<int>/confirm", org, s.registrationConfirm)
		ev.Post("/:id<int>/registrations/:rid<int>/waitlist", org, s.registrationWaitlist)
		ev.Post("/:id<int>/registrations/:rid<int>/cancel", org, s.registrationCancelStaff)
		ev.Post("/:id<int>/registrations/:rid<int>/guardian-paper", org, s.registrationGuardianPaper)
		ev.Get("/:id<int>/message", org, s.eventMessageNew)
		ev.Post("/:id<int>/message", org, s.eventMessageSend)
		ev.Get("/:id<int>/announce", org, s.eventAnnounceNew)
		ev.Post("/:id<int>/announce", org, s.eventAnnounceSend)
		staff.Get("/schedule", org, s.staffCalendar)
		staff.Get("/schedule/agenda", org, s.staffAgenda)
		staff.Get("/plan", org, s.planShow)
		// Public month calendar of published events (event management area).
		g.Get("/events/calendar", s.cachedPublic, s.publicCalendar)
		// -- end of event management --

		// ---- Staff: attendance and check-in (issue 5) -----------------
		// Trainers reach only the sessions they are assigned to (object-level
		// check in each handler: managedEvent); organisers and admins all.
		fieldStaff := s.requireRole(user.RoleTrainer, user.RoleOrganiser, user.RoleAdmin)
		g.Get("/trainer", fieldStaff, s.trainerSessions)
		// Middleware per route, not on a group: a group's middleware would
		// also run for the event-management pages under /staff/events.
		att := staff.Group("/events")
		att.Get("/checkin-sw.js", fieldStaff, s.checkinServiceWorker)
		att.Get("/:id<int>/checkin", fieldStaff, s.checkinShow)
		att.Post("/:id<int>/checkin/search", fieldStaff, s.checkinSearch)
		att.Post("/:id<int>/checkin/code", fieldStaff, s.checkinCode)
		att.Post("/:id<int>/checkin/mark", fieldStaff, s.checkinMark)
		att.Post("/:id<int>/checkin/undo", fieldStaff, s.checkinUndo)
		att.Post("/:id<int>/checkin/walkin", fieldStaff, s.checkinWalkIn)
		att.Get("/:id<int>/checkin/headcount", fieldStaff, s.headcountEdit)
		att.Post("/:id<int>/checkin/headcount", fieldStaff, s.headcountSave)
		att.Get("/:id<int>/checkin/bulk", fieldStaff, s.checkinBulk)
		att.Post("/:id<int>/checkin/bulk", fieldStaff, s.checkinBulkSave)
		att.Get("/:id<int>/sheet", fieldStaff, s.attendanceSheet)
		att.Get("/:id<int>/attendance", fieldStaff, s.attendanceStats)
		att.Get("/:id<int>/attendance/certificates", fieldStaff, s.certificatesPrint)

		// ---- Staff: quizzes and knowledge gain (issue 6) --------------
		{
			organisers := s.requireRole(user.RoleOrganiser, user.RoleAdmin)
			trainers := s.requireRole(user.RoleTrainer, user.RoleOrganiser, user.RoleAdmin)
			qz := staff.Group("/quizzes", organisers)
			qz.Get("/", s.quizList)
			qz.Get("/new", s.quizEdit)
			qz.Post("/new", s.quizSave)
			qz.Get("/:id<int>", s.quizEdit)
			qz.Post("/:id<int>", s.quizSave)
			qz.Get("/questions/new", s.questionEdit)
			qz.Post("/questions/new", s.questionSave)
			qz.Get("/questions/:id<int>", s.questionEdit)
			qz.Post("/questions/:id<int>", s.questionSave)
			staff.Get("/knowledge-gain", organisers, s.gainProgramme)
			staff.Get("/quiz-sessions", trainers, s.quizSessions)
			staff.Get("/events/:id<int>/quizzes", organisers, s.quizEventForm)
			staff.Post("/events/:id<int>/quizzes", organisers, s.quizEventSave)
			// Trainers see only their own sessions (checked in the handlers).
			staff.Get("/events/:id<int>/quiz-entry/:phase", trainers, s.quizEntry)
			staff.Post("/events/:id<int>/quiz-entry/:phase", trainers, s.quizEntrySave)
			staff.Get("/events/:id<int>/knowledge-gain", trainers, s.gainEvent)
			staff.Get("/events/:id<int>/quiz-sms", trainers, s.quizSMS)
			staff.Post("/events/:id<int>/quiz-sms", trainers, s.quizSMSSend)
		}

		// ---- Staff: session reports and coaching (issue 7) ------------
		// Object-level checks (assigned trainer, the coachee's coach) are in
		// the handlers.
		staff.Get("/events/:id<int>/report", s.reportShow)
		staff.Post("/events/:id<int>/report", s.reportSave)
		staff.Post("/events/:id<int>/report/remind", s.requireRole(user.RoleOrganiser, user.RoleAdmin), s.reportRemind)
		staff.Get("/reports/missing", s.requireRole(user.RoleOrganiser, user.RoleAdmin), s.reportMissing)
		staff.Get("/reports/mine", s.reportMine)
		staff.Get("/coaching", s.requireRole(user.RoleCoach, user.RoleOrganiser, user.RoleAdmin), s.coachingHome)
		staff.Get("/coaching/me", s.coachingMe)
		staff.Get("/coaching/coachees/:id<int>", s.coacheeShow)
		staff.Get("/coaching/coachees/:id<int>/sessions/new", s.coachingNew)
		staff.Post("/coaching/coachees/:id<int>/sessions", s.coachingCreate)
		staff.Get("/coaching/sessions/:id<int>", s.coachingSessionShow)
		staff.Get("/coaching/sessions/:id<int>/edit", s.coachingEdit)
		staff.Post("/coaching/sessions/:id<int>", s.coachingUpdate)
		staff.Post("/coaching/action-points/:id<int>/done", s.actionPointDone)
		staff.Get("/coaching/figures", s.requireRole(user.RoleOrganiser, user.RoleAdmin), s.coachingFigures)
		staff.Get("/coaching/figures.csv", s.requireRole(user.RoleOrganiser, user.RoleAdmin), s.coachingFiguresCSV)
		staff.Get("/coaching/figures.xlsx", s.requireRole(user.RoleOrganiser, user.RoleAdmin), s.coachingFiguresXLSX)
		comp := staff.Group("/competencies", s.requireRole(user.RoleAdmin))
		comp.Get("", s.competencyList)
		comp.Get("/new", s.competencyEdit)
		comp.Post("/new", s.competencySave)
		comp.Get("/:id<int>", s.competencyEdit)
		comp.Post("/:id<int>", s.competencySave)

		// ---- Staff: programme dashboard and donor reports (issue 8) ---
		dash := staff.Group("/dashboard", s.requireRole(user.RoleOrganiser, user.RoleAdmin))
		dash.Get("/", s.dashboardShow)
		dash.Get("/export/:dataset.:format", s.exportDownload)
		dash.Post("/export", s.exportPersonal)
		dash.Get("/donor", s.donorShow)
		dash.Get("/donor.xlsx", s.donorXLSX)
	}

	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
