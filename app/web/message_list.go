package web

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/country"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/message"
	"github.com/lantern-ngo/lantern/app/phone"
	"github.com/lantern-ngo/lantern/app/zalochat"
)

type outboxRow struct {
	Created  string
	To       string
	Kind     string
	Status   string
	StatusID string
	Body     string
	Lang     string
	Encoding string
	Segments int
	Attempts int
	Error    string
	Event    string
	// Channel took it (Zalo, SMS); Route says what happened on the way
	// (fell back from Zalo); Held why it waits; Delivered when the provider
	// confirmed.
	Channel   string
	Route     string
	Held      string
	Delivered string
	// FellBack: Zalo accepted it but gave no receipt in time, and the next
	// channel sent it; LateReceipt: Zalo's receipt came after all.
	FellBack    string
	LateReceipt string
}

// chatFailRow is an answer of the OA's chat that Zalo refused.
type chatFailRow struct {
	Created  string
	To       string
	Kind     string
	Body     string
	Lang     string
	Error    string
	Attempts int
}

type messageListPage struct {
	Page
	Rows []outboxRow
	// ChatFailed: the OA's chat answers that failed (the whole
	// programme's staff only: they are about no session).
	ChatFailed []chatFailRow
	ChatCount  int64
	Statuses   []filterOption
	Events     []filterOption
	Count      int64
	Segments   int64
	Cost       string
	Filtered   bool
	PrevURL    string
	NextURL    string
}

var outboxStatuses = []string{message.StatusQueued, message.StatusSending, message.StatusSent, message.StatusFailed, message.StatusKept,
	message.FilterFellBack}

const outboxPageSize = 50

// messageList is the SMS outbox for organisers: every message with its
// status, segments and cost, filterable by status and event; then, for the
// whole programme's staff, the Zalo chat answers that failed.
func (s *Server) messageList(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := s.page(c, "outbox.title")
	t := p.Translator
	data := messageListPage{Page: p}
	f := message.OutboxFilter{Scope: staffScope(c)}
	for _, st := range outboxStatuses {
		sel := st == c.Query("status")
		if sel {
			f.Status = st
		}
		data.Statuses = append(data.Statuses, filterOption{Value: st, Label: t.T("outbox.status." + st), Selected: sel})
	}
	eventID, _ := strconv.Atoi(c.Query("event"))
	// Events that have messages, newest first, for the filter.
	eventIDs, err := message.EventsWithMessages(ctx, s.db, f.Scope)
	if err != nil {
		return err
	}
	events, err := event.WithTitles(ctx, s.db, eventIDs)
	if err != nil {
		return err
	}
	titles := map[uint]string{}
	for i := range events {
		e := &events[i]
		titles[e.ID] = e.Code + " · " + e.Content(t.Lang).Title
		sel := int(e.ID) == eventID
		if sel {
			f.EventID = e.ID
		}
		data.Events = append(data.Events, filterOption{Value: itoa(int(e.ID)), Label: titles[e.ID], Selected: sel})
	}
	data.Filtered = f.Status != "" || eventID != 0
	page := c.QueryInt("page", 1)
	if page < 1 || page > 100000 {
		page = 1
	}
	box, err := message.Outbox(ctx, s.db, f, page, outboxPageSize)
	if err != nil {
		return err
	}
	data.Count, data.Segments = box.Count, box.Segments
	// Each country's segments at its prices, in its currency; messages
	// about no session at the organiser's country's, else the default's.
	home := f.Scope.Country
	if home == "" {
		if d, err := country.Default(ctx, s.db); err == nil {
			home = d.Code
		}
	}
	segments := map[string]int64{}
	for cc, n := range box.SegmentsByCountry {
		if cc == "" {
			cc = home
		}
		segments[cc] += n
	}
	var costs []string
	for _, cc := range slices.Sorted(maps.Keys(segments)) {
		prices, cur, err := s.pricesOf(c, t, cc)
		if err != nil {
			return err
		}
		costs = append(costs, t.Number(float64(segments[cc]*int64(prices.SMSSegment)), 0)+" "+cur)
	}
	if len(costs) == 0 {
		_, cur, err := s.pricesOf(c, t, home)
		if err != nil {
			return err
		}
		costs = append(costs, t.Number(0, 0)+" "+cur)
	}
	data.Cost = strings.Join(costs, " + ")
	msgs, more := box.Messages, box.More
	// The texts may name people (a re-sent ticket lists whose tickets a
	// phone carries): the registrations shown are logged as looked at.
	var shown []uint
	for _, m := range msgs {
		if m.RegistrationID != nil {
			shown = append(shown, *m.RegistrationID)
		}
	}
	if len(shown) > 0 {
		if err := s.logRead(c, audit.ReadOutbox, 0, len(shown), shown); err != nil {
			return err
		}
	}
	for _, m := range msgs {
		// Times in the recipient's zone (from the number): what they saw.
		zone := message.RecipientZone(m.To)
		r := outboxRow{
			Created: t.DateShort(m.CreatedAt.In(zone)) + " " + t.Time(m.CreatedAt.In(zone)),
			To:      phone.Mask(m.To), Kind: t.T("outbox.kind." + m.Kind), Status: t.T("outbox.status." + m.Status), StatusID: m.Status,
			Body: m.Body, Lang: m.Lang, Encoding: m.Encoding, Segments: m.Segments, Attempts: m.Attempts, Error: m.LastError,
		}
		if m.EventID != nil {
			r.Event = titles[*m.EventID]
		}
		if m.Channel != "" {
			r.Channel = t.T("outbox.channel." + m.Channel)
		}
		r.Route = m.ChannelLog
		if m.HeldReason != "" && m.Status == message.StatusQueued {
			at := m.NextAttemptAt.In(zone)
			r.Held = t.T("outbox.held."+m.HeldReason, "Until", t.DateShort(at)+" "+t.Time(at))
		}
		if m.DeliveredAt != nil {
			at := m.DeliveredAt.In(zone)
			r.Delivered = t.T("outbox.delivered", "At", t.DateShort(at)+" "+t.Time(at))
		}
		if m.FellBackAt != nil {
			at := m.FellBackAt.In(zone)
			r.FellBack = t.T("outbox.fell_back_no_receipt", "At", t.DateShort(at)+" "+t.Time(at))
		}
		if m.LateReceiptAt != nil {
			at := m.LateReceiptAt.In(zone)
			r.LateReceipt = t.T("outbox.late_receipt", "At", t.DateShort(at)+" "+t.Time(at))
		}
		data.Rows = append(data.Rows, r)
	}
	if f.Scope.IsGlobal() && page == 1 {
		failed, err := zalochat.Failed(ctx, s.db, outboxPageSize)
		if err != nil {
			return err
		}
		data.ChatCount = failed.Count
		// An answer may name its person (a ticket by chat): the look is
		// logged like the outbox's messages, by count (no registration).
		if len(failed.Replies) > 0 {
			if err := s.logRead(c, audit.ReadOutbox, 0, len(failed.Replies), nil); err != nil {
				return err
			}
		}
		for _, r := range failed.Replies {
			at := r.CreatedAt.In(message.RecipientZone(""))
			body := r.Body
			if r.Title != "" {
				body = r.Title + "\n" + body
			}
			data.ChatFailed = append(data.ChatFailed, chatFailRow{Created: t.DateShort(at) + " " + t.Time(at),
				To: phone.Mask(r.ZaloUserID), Kind: t.T("outbox.chat.kind." + r.Kind), Body: body, Lang: r.Lang,
				Error: r.LastError, Attempts: r.Attempts})
		}
	}
	link := func(n int) string {
		u := p.URL("/staff/messages?page=") + itoa(n)
		if f.Status != "" {
			u += "&status=" + f.Status
		}
		if eventID != 0 {
			u += "&event=" + itoa(eventID)
		}
		return u
	}
	if page > 1 {
		data.PrevURL = link(page - 1)
	}
	if more {
		data.NextURL = link(page + 1)
	}
	return s.render(c, fiber.StatusOK, "messages/list", data)
}
