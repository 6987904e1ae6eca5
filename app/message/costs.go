package message

import (
	"context"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/scope"
)

// CostRow is what one kind of message cost through one channel in a month:
// the messages the provider accepted (kept and refused ones cost nothing)
// and their SMS segments.
type CostRow struct {
	Month    string // 2026-12, in the programme's time zone
	Channel  string
	Kind     string
	Messages int
	Segments int
	// Cost in VND: segments at the SMS price, messages at the Zalo price.
	Cost int
}

// Prices are what the providers charge, in VND.
type Prices struct {
	SMSSegment  int
	ZaloMessage int
}

// Of is what messages (and their SMS segments) cost through a channel.
func (p Prices) Of(channel string, messages, segments int) int {
	if channel == ChannelZalo {
		return messages * p.ZaloMessage
	}
	return segments * p.SMSSegment
}

// MonthlyCosts reads what the messages sent from the first day of from's
// month until now cost, month by month (newest first), by channel and kind,
// for the budget. Months are counted in loc.
func MonthlyCosts(ctx context.Context, db *gorm.DB, from time.Time, loc *time.Location, prices Prices, sc scope.Scope) ([]CostRow, error) {
	start := time.Date(from.In(loc).Year(), from.In(loc).Month(), 1, 0, 0, 0, 0, loc)
	rows, err := inScope(db.WithContext(ctx).Model(&Message{}), sc).
		Select("sent_at, channel, kind, segments").
		Where("status = ? AND sent_at >= ?", StatusSent, start.UTC()).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct{ month, channel, kind string }
	sums := map[key]*CostRow{}
	for rows.Next() {
		var at time.Time
		var channel, kind string
		var segments int
		if err := rows.Scan(&at, &channel, &kind, &segments); err != nil {
			return nil, err
		}
		if channel == "" {
			channel = ChannelSMS // sent before channels existed
		}
		k := key{at.In(loc).Format("2006-01"), channel, kind}
		r := sums[k]
		if r == nil {
			r = &CostRow{Month: k.month, Channel: channel, Kind: kind}
			sums[k] = r
		}
		r.Messages++
		if channel != ChannelZalo { // a Zalo message is paid whole, not by segment
			r.Segments += segments
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]CostRow, 0, len(sums))
	for _, r := range sums {
		r.Cost = prices.Of(r.Channel, r.Messages, r.Segments)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Month != b.Month {
			return a.Month > b.Month
		}
		if a.Channel != b.Channel {
			return a.Channel < b.Channel
		}
		return a.Kind < b.Kind
	})
	return out, nil
}
