package web

import (
	"context"
	"log/slog"
	"time"

	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/rating"
	"github.com/lantern-ngo/lantern/app/zalochat"
)

// smsDriver is the configured SMS driver: outbox (kept for organisers) or http.
func (s *Server) smsDriver() message.Driver {
	if s.cfg.SMSDriver == "http" {
		return message.NewHTTPDriver(s.cfg.SMSGatewayURL, s.cfg.SMSGatewayToken)
	}
	return message.OutboxDriver{}
}

// channels are the message channels in order: the Zalo template channel
// when an Official Account is configured, then SMS.
func (s *Server) channels() []message.Channel {
	var out []message.Channel
	if s.cfg.ZaloAppID != "" {
		out = append(out, message.NewZaloZNS(s.zaloConfig(), s.db))
	}
	return append(out, message.DriverChannel{ChannelName: message.ChannelSMS, Driver: s.smsDriver()})
}

func (s *Server) zaloConfig() message.ZaloConfig {
	return message.ZaloConfig{APIURL: s.cfg.ZaloAPIURL, OAAPIURL: s.cfg.ZaloOAAPIURL, OAuthURL: s.cfg.ZaloOAuthURL, AppID: s.cfg.ZaloAppID,
		AppSecret: s.cfg.ZaloAppSecret, OASecret: s.cfg.ZaloOASecret, RefreshToken: s.cfg.ZaloRefreshToken, Templates: s.cfg.ZaloTemplates}
}

// messageSender sends the outbox through the channels, as the worker does.
func (s *Server) messageSender() *message.Sender {
	return &message.Sender{DB: s.db, Channels: s.channels(), AnnouncementCap: s.cfg.AnnouncementDailyCap,
		ReceiptTimeout: s.cfg.ZaloReceiptTimeout}
}

// ratingRequester queues the rating requests of the sessions just held.
func (s *Server) ratingRequester() *rating.Requester {
	return &rating.Requester{BaseURL: s.cfg.BaseURL, Translator: s.bundle.For}
}

// smsWorker sends the due SMS every few seconds and, every five minutes,
// queues the reminders of tomorrow's events and the rating requests of the
// sessions just held. All are safe on several instances: messages are
// claimed in the database, reminders carry a dedupe key, and a rating
// request's row is unique per registration.
func (s *Server) smsWorker(ctx context.Context) {
	sender := s.messageSender()
	notify := s.notifier()
	rater := s.ratingRequester()
	var chat *zalochat.Sender
	if s.cfg.ZaloAppID != "" && s.cfg.ZaloOASecret != "" {
		chat = s.zaloChatSender()
	}
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	var lastReminders time.Time
	for {
		now := s.now()
		if now.Sub(lastReminders) >= 5*time.Minute {
			if _, err := notify.ScheduleReminders(ctx, s.db, now); err != nil && ctx.Err() == nil {
				s.log.Warn("sms reminders", slog.String("error", err.Error()))
			}
			if _, err := rater.ScheduleRequests(ctx, s.db, now); err != nil && ctx.Err() == nil {
				s.log.Warn("rating requests", slog.String("error", err.Error()))
			}
			if err := zalochat.Sweep(ctx, s.db, now); err != nil && ctx.Err() == nil {
				s.log.Warn("zalo chat sweep", slog.String("error", err.Error()))
			}
			lastReminders = now
		}
		if chat != nil {
			if _, err := chat.RunOnce(ctx, now); err != nil && ctx.Err() == nil {
				s.log.Warn("zalo chat answers", slog.String("error", err.Error()))
			}
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
