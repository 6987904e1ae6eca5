package web

import (
	"context"
	"log/slog"
	"time"

	"github.com/lantern-ngo/lantern/app/privacy"
)

// retention anonymises, every hour, the registrations of events that ended
// more than RETENTION_DAYS ago. Several instances may run it: each batch only
// touches rows not yet anonymised.
func (s *Server) retention(ctx context.Context) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		n, err := privacy.RunRetention(ctx, s.db, s.cfg.RetentionDays, s.now())
		if err != nil && ctx.Err() == nil {
			s.log.Warn("retention", slog.String("error", err.Error()))
		} else if n > 0 {
			s.log.Info("retention: registrations anonymised", slog.Int64("count", n))
		}
		if _, err := privacy.ScrubOldMessages(ctx, s.db, s.cfg.RetentionDays, s.now()); err != nil && ctx.Err() == nil {
			s.log.Warn("retention: sms", slog.String("error", err.Error()))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
