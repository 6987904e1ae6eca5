// Package report computes the programme's indicators, disaggregated, and
// writes the exports and the donor report. Every figure is defined once here
// (explicit SQL, listmonk style, portable between PostgreSQL and SQLite) and
// the dashboard page, the exports and GET /api/v1/indicators all read it, so
// that the three always agree. It never imports Fiber.
package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/scope"
)

// ProgrammeTZ is the time zone in which the period's dates are read.
const ProgrammeTZ = locale.DefaultTimeZone

// DateLayout is how a period's bounds are written (from the date inputs).
const DateLayout = "2006-01-02"

// Filter narrows every figure: events starting between From and To
// (inclusive dates in the programme's time zone; "" leaves the bound open)
// and run with one partner (0 for all).
type Filter struct {
	From      string `json:"from,omitempty"`
	To        string `json:"to,omitempty"`
	PartnerID uint   `json:"partner_id,omitempty"`
	// Scope keeps a scoped staff member's part of the programme (issue 20):
	// their country's figures, never another's.
	Scope scope.Scope `json:"scope,omitzero"`
	// TimeZone is where the period's dates are read: a scoped staff
	// member's country's; "" for the programme's (ProgrammeTZ).
	TimeZone string `json:"time_zone,omitempty"`
}

// Zone is the time zone the period's dates are read in.
func (f Filter) Zone() string {
	if f.TimeZone != "" {
		return f.TimeZone
	}
	return ProgrammeTZ
}

// Key names the filter in the figures' cache: two filters with the same
// key keep the same events.
func (f Filter) Key() string {
	return fmt.Sprintf("%s:%s:%d:%s:%s:%s:%s", f.From, f.To, f.PartnerID, f.Scope.Country,
		scope.JoinIDs(f.Scope.CityIDs), scope.JoinIDs(f.Scope.PartnerIDs), f.TimeZone)
}

// ParseFilter checks the dates; errors carry translation keys.
func ParseFilter(from, to string, partnerID uint) (Filter, error) {
	f := Filter{From: strings.TrimSpace(from), To: strings.TrimSpace(to), PartnerID: partnerID}
	var a, b time.Time
	var err error
	if f.From != "" {
		if a, err = time.Parse(DateLayout, f.From); err != nil {
			return Filter{}, apperr.New(apperr.Invalid, "error.dashboard.bad_date")
		}
	}
	if f.To != "" {
		if b, err = time.Parse(DateLayout, f.To); err != nil {
			return Filter{}, apperr.New(apperr.Invalid, "error.dashboard.bad_date")
		}
	}
	if f.From != "" && f.To != "" && b.Before(a) {
		return Filter{}, apperr.New(apperr.Invalid, "error.dashboard.bad_range")
	}
	return f, nil
}

// Bounds are the period as UTC instants: [from, to). Nil means open.
func (f Filter) Bounds() (from, to *time.Time) {
	loc, err := locale.LoadLocation(f.Zone())
	if err != nil {
		loc = time.UTC
	}
	if f.From != "" {
		if d, err := time.ParseInLocation(DateLayout, f.From, loc); err == nil {
			u := d.UTC()
			from = &u
		}
	}
	if f.To != "" {
		if d, err := time.ParseInLocation(DateLayout, f.To, loc); err == nil {
			u := d.AddDate(0, 0, 1).UTC()
			to = &u
		}
	}
	return from, to
}

// scope is the WHERE clause (on events "e") of the events that count: in
// the period, of the partner, and — when held is set — held: published, not
// cancelled, and over by now. Only fixed SQL and placeholders.
func (f Filter) scope(now time.Time, held bool) (string, []any) {
	var where []string
	var args []any
	if held {
		where = append(where, "e.status = 'published'", "e.cancelled_at IS NULL", "e.ends_at <= ?")
		args = append(args, now.UTC())
	}
	from, to := f.Bounds()
	if from != nil {
		where = append(where, "e.starts_at >= ?")
		args = append(args, *from)
	}
	if to != nil {
		where = append(where, "e.starts_at < ?")
		args = append(args, *to)
	}
	if f.PartnerID != 0 {
		where = append(where, "e.partner_id = ?")
		args = append(args, f.PartnerID)
	}
	if !f.Scope.IsGlobal() {
		w, a := f.Scope.SQL("e")
		where = append(where, w)
		args = append(args, a...)
	}
	if len(where) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(where, " AND "), args
}
