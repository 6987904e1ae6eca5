package web

import (
	"context"
	"log/slog"
	"time"

	"github.com/lantern-ngo/lantern/app/message"
)

// smsDriver is the configured SMS driver: outbox (kept for organisers) or http.
func (s *Server) smsDriver() message.Driver {
	if s.cfg.SMSDriver == "http" {
		return message.NewHTTPDriver(s.cfg.SMSGatewayURL, s.cfg.SMSGatewayToken)
	}
	return message.OutboxDriver{}
}

// smsWorker sends the due SMS every few seconds and queues the reminders of
// tomorrow's events every five minutes. Both are safe on several instances:
// messages are claimed in the database, reminders carry a dedupe key.
func (s *Server) smsWorker(ctx context.Context) {
	sender := &message.Sender{DB: s.db, Driver: s.smsDriver()}
	notify := s.notifier()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	var lastReminders time.Time
	for {
		now := s.now()
		if now.Sub(lastReminders) >= 5*time.Minute {
			if _, err := notify.ScheduleReminders(ctx, s.db, now); err != nil && ctx.Err() == nil {
				s.log.Warn("sms reminders", slog.String("error", err.Error()))
			}
			lastReminders = now
		}
		for ctx.Err() == nil {
			n, err := sender.RunOnce(ctx, s.now())
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("sms sender", slog.String("error", err.Error()))
				}
				break
			}
			if n < sender.Batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
