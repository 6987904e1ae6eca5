package web

import (
	"context"
	"log/slog"
	"time"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/dbstate"
	"github.com/lantern-ngo/lantern/app/privacy"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/webhook"
)

// workers lists the background loops the server runs. Each must be safe to
// run on several instances at once (they coordinate through the database).
func (s *Server) workers() []func(context.Context) {
	return []func(context.Context){
		s.janitor,
		// registration (issue 3): SMS sender and reminders
		s.smsWorker,

		// webhooks (issue 19): deliveries
		s.webhookWorker,

		// personal data (issue 4): retention
		s.retention,
	}
}

// janitor deletes expired key-value entries (the CSRF token rows of before
// issue 17 among them), rate-limit windows and sessions, and old check-in
// receipts.
func (s *Server) janitor(ctx context.Context) {
	tick := time.NewTicker(5 * time.Minute)
	defer tick.Stop()
	for {
		if err := dbstate.Sweep(ctx, s.db, s.now()); err != nil && ctx.Err() == nil {
			s.log.Warn("janitor", slog.String("error", err.Error()))
		}
		if err := attendance.SweepReceipts(ctx, s.db, s.now()); err != nil && ctx.Err() == nil {
			s.log.Warn("janitor: check-in receipts", slog.String("error", err.Error()))
		}
		if err := audit.SweepReads(ctx, s.db, audit.ReadLogDays, s.now()); err != nil && ctx.Err() == nil {
			s.log.Warn("janitor: read log", slog.String("error", err.Error()))
		}
		if err := privacy.SweepAccess(ctx, s.db, s.now()); err != nil && ctx.Err() == nil {
			s.log.Warn("janitor: data access", slog.String("error", err.Error()))
		}
		// Webhooks: personal fields past their retries, the old delivery log.
		if err := webhook.Sweep(ctx, s.db, s.now()); err != nil && ctx.Err() == nil {
			s.log.Warn("janitor: webhooks", slog.String("error", err.Error()))
		}
		// Children's seats held for a guardian who did not confirm in time.
		if _, err := registration.ReleaseExpiredHolds(ctx, s.db, s.now(), s.notifier()); err != nil && ctx.Err() == nil {
			s.log.Warn("janitor: guardian holds", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
