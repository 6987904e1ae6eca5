package message

import (
	"context"
	"errors"
	"fmt"
)

// Channels a message can take.
const (
	ChannelZalo = "zalo"
	ChannelSMS  = "sms"
)

// Channel is one way of reaching a phone (a Zalo template, an SMS
// gateway). Send answers the provider's id when the provider accepted the
// message; ErrFallback (wrapped) when this channel cannot carry it to this
// number and the next channel should try at once; a *PermanentError when
// the provider refused it for good (the next channel tries too); any other
// error is temporary (the same channel tries again later).
type Channel interface {
	Name() string
	Send(ctx context.Context, m *Message) (providerID string, err error)
}

// ErrFallback: the channel cannot carry this message to this number (no
// Zalo account, no approved template): the next channel should try.
var ErrFallback = errors.New("not on this channel")

// Fallback wraps a reason as ErrFallback.
func Fallback(reason string) error { return fmt.Errorf("%w: %s", ErrFallback, reason) }

// DriverChannel makes a Channel of a Driver (the SMS gateways).
type DriverChannel struct {
	ChannelName string
	Driver      Driver
}

// Name is the channel's name.
func (d DriverChannel) Name() string { return d.ChannelName }

// Send sends through the driver.
func (d DriverChannel) Send(ctx context.Context, m *Message) (string, error) {
	return d.Driver.Send(ctx, m)
}
