package audit

// Actions lists every action the application records, so that the audit
// log can name each one in the reader's language: the locale test fails
// when one of them has no audit.action.* message, and
// TestActionsListed (actions_test.go) fails when the code records an
// action that is not here. An action missing from both still shows, as
// its key made readable.
var Actions = []string{
	// Accounts and records of several kinds (entity says which).
	"create", "update", "deactivate", "reactivate",
	"password_link", "password_set", "password_change",
	// Events.
	"event.create", "event.update", "event.duplicate", "event.delete", "event.publish", "event.unpublish", "event.cancel",
	// Registrations.
	"registration.admit_at_door", "registration.guardian_paper", "registration.cancel",
	"registration.confirm", "registration.waitlist",
	"registrations.import", "registrations.message", "registrations.export",
	// Attendance.
	"attendance.undo", "attendance.bulk", "attendance.headcount", "attendance.walk_in",
	// Quizzes and session reports.
	"assign_quizzes", "paper_entry", "remind",
	// Personal data.
	"export", "export.personal", "erase", "retention", "retention.update", "publish",
	"self.rename", "self.erase", "guardian.withdraw",
	// Countries.
	"country.create", "country.update",
	// API tokens (and webhook endpoints' secrets).
	"rotate", "revoke",
	// Webhooks.
	"webhook.personal", "webhook.enable", "webhook.disable", "webhook.replay", "webhook.delete",
	// DHIS2 (issue 19): the mapping saved, a period pushed.
	"dhis2.mapping", "dhis2.push",
	// Announcements (issue 15, Decree 91/2020): a session announced to
	// opted-in numbers; a number's opt-in given or stopped.
	"announcement.send", "announcement.optin", "announcement.optin_asked", "announcement.stop",
	// The SMS sender's branding (prefix, brandname, unaccented).
	"sms.branding",
	// Zalo templates mapped to message kinds and languages (issue 15).
	"zalo_template.save",
}
