package message

import (
	"context"
	"sort"
	"time"

	"github.com/nyaruka/phonenumbers"
	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/country"
	"github.com/lantern-ngo/lantern/app/scope"
)

// CostRow is what one kind of message cost through one channel in a month
// in a country: the messages the provider accepted (kept and refused ones
// cost nothing) and their SMS segments. A message that fell back to SMS
// for want of Zalo's receipt counts for both channels: both took it.
type CostRow struct {
	Country  string // the session's country, else the number's
	Month    string // 2026-12, in the country's time zone
	Channel  string
	Kind     string
	Messages int
	Segments int
	// Cost in the country's currency: segments at the SMS price, messages
	// at the Zalo price.
	Cost int
}

// Prices are what the providers charge in a country, in its currency.
type Prices struct {
	SMSSegment  int
	ZaloMessage int
}

// PricesIn are a country's prices and its currency's ISO code; fallback
// (the configured prices, in VND) when the country is not known, so that
// a session of no known country is still priced.
func PricesIn(ctx context.Context, db *gorm.DB, cc string, fallback Prices) (Prices, string, error) {
	home, err := country.ByCode(ctx, db, cc)
	if apperr.Is(err, apperr.NotFound) || cc == "" {
		return fallback, "VND", nil
	}
	if err != nil {
		return Prices{}, "", err
	}
	return Prices{SMSSegment: home.SMSCost, ZaloMessage: home.ZaloCost}, home.Currency, nil
}

// Of is what messages (and their SMS segments) cost through a channel.
func (p Prices) Of(channel string, messages, segments int) int {
	if channel == ChannelZalo {
		return messages * p.ZaloMessage
	}
	return segments * p.SMSSegment
}

// Rate is a country's prices and the zone its months are counted in.
type Rate struct {
	Loc    *time.Location
	Prices Prices
}

// MonthlyCosts reads what the messages sent from the first day of from's
// month until now cost, by country (each at its own prices, in its own
// currency and zone: issue 20), month (newest first), channel and kind, for
// the budget. A message belongs to its session's country, else to its
// number's, else to home's. rates must name home.
func MonthlyCosts(ctx context.Context, db *gorm.DB, from time.Time, rates map[string]Rate, home string, sc scope.Scope) ([]CostRow, error) {
	earliest := from.AddDate(0, -1, 0) // every zone's first day is after it
	rows, err := inScope(db.WithContext(ctx).Model(&Message{}), sc).
		Joins("LEFT JOIN events ce ON ce.id = sms_messages.event_id").
		Select("sms_messages.sent_at, sms_messages.channel, sms_messages.kind, sms_messages.segments, sms_messages.to_phone, COALESCE(ce.country, ''), "+
			"sms_messages.status, sms_messages.fell_back_at, sms_messages.fallback_provider_id").
		Where("(sms_messages.status = ? AND sms_messages.sent_at >= ?) OR (sms_messages.fell_back_at >= ? AND sms_messages.fallback_provider_id <> '')",
			StatusSent, earliest.UTC(), earliest.UTC()).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct{ country, month, channel, kind string }
	sums := map[key]*CostRow{}
	numberCountry := map[string]string{} // a number without a session: parsed once per number
	add := func(cc, to string, at time.Time, channel, kind string, segments int) {
		if _, ok := rates[cc]; !ok {
			if known, seen := numberCountry[to]; seen {
				cc = known
			} else {
				cc = costCountry(cc, to, rates, home)
				numberCountry[to] = cc
			}
		}
		loc := rates[cc].Loc
		if loc == nil {
			loc = time.UTC
		}
		if at.Before(time.Date(from.In(loc).Year(), from.In(loc).Month(), 1, 0, 0, 0, 0, loc)) {
			return
		}
		if channel == "" {
			channel = ChannelSMS // sent before channels existed
		}
		k := key{cc, at.In(loc).Format("2006-01"), channel, kind}
		r := sums[k]
		if r == nil {
			r = &CostRow{Country: cc, Month: k.month, Channel: channel, Kind: kind}
			sums[k] = r
		}
		r.Messages++
		if channel != ChannelZalo { // a Zalo message is paid whole, not by segment
			r.Segments += segments
		}
	}
	for rows.Next() {
		var at *time.Time
		var fellBack *time.Time
		var channel, kind, to, cc, status, fallbackID string
		var segments int
		if err := rows.Scan(&at, &channel, &kind, &segments, &to, &cc, &status, &fellBack, &fallbackID); err != nil {
			return nil, err
		}
		if status == StatusSent && at != nil {
			add(cc, to, *at, channel, kind, segments)
		}
		// A message that fell back for want of Zalo's receipt was paid to
		// Zalo too (Zalo took it), whatever became of the next channel.
		if fellBack != nil && fallbackID != "" {
			add(cc, to, *fellBack, ChannelZalo, kind, 0)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]CostRow, 0, len(sums))
	for _, r := range sums {
		r.Cost = rates[r.Country].Prices.Of(r.Channel, r.Messages, r.Segments)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Country != b.Country {
			return a.Country < b.Country
		}
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

// costCountry is the country a message is paid in: its session's, else
// its number's (E.164 names it; an erased number is ""), else home's.
func costCountry(eventCountry, to string, rates map[string]Rate, home string) string {
	if _, ok := rates[eventCountry]; ok {
		return eventCountry
	}
	if num, err := phonenumbers.Parse(to, ""); err == nil {
		if cc := phonenumbers.GetRegionCodeForNumber(num); rates[cc].Loc != nil {
			return cc
		}
	}
	return home
}
