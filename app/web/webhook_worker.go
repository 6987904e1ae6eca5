package web

import (
	"context"
	"log/slog"
	"time"

	"github.com/lantern-ngo/lantern/app/webhook"
)

// webhookAllow is WEBHOOK_ALLOW_ADDRESSES (an unreadable list allows
// nothing, and says so in the log).
func (s *Server) webhookAllow() webhook.Allow {
	a, err := webhook.ParseAllow(s.cfg.WebhookAllowAddresses)
	if err != nil {
		s.log.Warn("webhooks", slog.String("error", err.Error()))
	}
	return a
}

// webhookWorker delivers the due webhooks every few seconds. Safe on
// several instances: each delivery is claimed in the database.
func (s *Server) webhookWorker(ctx context.Context) {
	d := &webhook.Dispatcher{DB: s.db, Client: webhook.NewClient(s.webhookAllow(), 10*time.Second), Lease: time.Minute}
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		for ctx.Err() == nil {
			n, err := d.RunOnce(ctx, s.now())
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("webhooks", slog.String("error", err.Error()))
				}
				break
			}
			if n < d.Batch {
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
