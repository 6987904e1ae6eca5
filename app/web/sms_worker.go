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

// smsWorker sends the due messages every second and, every five minutes,
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
	// Every second: a ticket goes out soon after its registration, and a
	// crowd's messages are sent as they come rather than in one heap.
	tick := time.NewTicker(time.Second)
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
			began := time.Now()
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
			// Background work paced: after a full batch the sender rests as
			// long as the batch took, so that a heap of messages (a crowd's
			// tickets, the night's held ones at 7:00) takes at most half of
			// one connection and core, and the registrations that made it
			// are not kept waiting behind it (issue 17: without the pause,
			// the p99 of 1,000 registrations a second went from 50 to 300 ms
			// while the sender drained). A batch of 50 takes about 10 ms:
			// paced, the sender still sends a few thousand a second.
			select {
			case <-ctx.Done():
			case <-time.After(time.Since(began)):
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
