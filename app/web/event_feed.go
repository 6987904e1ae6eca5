package web

import (
	"html/template"
	"net/url"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
)

// The calendar feed (GET /{lang}/events/calendar.ics[?city=code][&kind=kind])
// is the published sessions as one iCalendar file that calendar apps
// subscribe to (webcal:// links on the events page) and fetch again by
// themselves: what is published, moved or cancelled reaches the
// subscribers' calendars. Cancelled sessions stay in it, marked
// STATUS:CANCELLED, so that the apps remove or strike them. It is written
// by golang-ical like the per-event file (CRLF line ends, lines folded at 75
// octets, no raw CR in text), and served through the page cache like the
// public pages (one render per public version and address).

const (
	// feedRefresh is how often calendar apps are asked to fetch the feed
	// again (REFRESH-INTERVAL, RFC 7986, and Microsoft's X-PUBLISHED-TTL).
	feedRefresh = "PT1H"
	// The feed holds the sessions that started up to feedPast ago and those
	// starting within feedAhead, at most feedMax of them.
	feedPast  = 90 * 24 * time.Hour
	feedAhead = 400 * 24 * time.Hour
	feedMax   = 500
)

// feedFilter is the city and kind of a feed, checked against the programme.
type feedFilter struct {
	CityCode string
	Kind     event.Kind
	cityID   uint
	cityName string
}

// query is the filter as a query string ("" when none).
func (f feedFilter) query() string {
	v := url.Values{}
	if f.CityCode != "" {
		v.Set("city", f.CityCode)
	}
	if f.Kind != "" {
		v.Set("kind", string(f.Kind))
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

// feedLinks are the addresses of a feed: https (to copy into a calendar app)
// and webcal:// (which opens the calendar app to subscribe).
type feedLinks struct {
	HTTPS  string
	Webcal template.URL
}

// feedLinksFor builds the links of a feed in lang. The webcal:// address is
// the https one with its scheme swapped; html/template would refuse the
// scheme, and the address is made only of BASE_URL and a checked filter.
func (s *Server) feedLinksFor(lang string, f feedFilter) feedLinks {
	path := "/" + lang + "/events/calendar.ics" + f.query()
	https := s.cfg.BaseURL + path
	host := s.cfg.BaseURL
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	return feedLinks{HTTPS: https, Webcal: template.URL("webcal://" + host + path)}
}

func (s *Server) eventsFeed(c *fiber.Ctx) error {
	ctx := c.UserContext()
	t := translator(c)
	var ff feedFilter
	var detail []string
	if code := c.Query("city"); code != "" {
		cities, err := event.Cities(ctx, s.db)
		if err != nil {
			return err
		}
		for _, ct := range cities {
			if ct.Code == code {
				ff.CityCode, ff.cityID, ff.cityName = ct.Code, ct.ID, ct.Name.String(t.Lang)
			}
		}
		if ff.cityID == 0 {
			return apperr.New(apperr.NotFound, "error.feed.bad_filter")
		}
		detail = append(detail, ff.cityName)
	}
	if k := c.Query("kind"); k != "" {
		if !event.ValidKind(k) {
			return apperr.New(apperr.NotFound, "error.feed.bad_filter")
		}
		ff.Kind = event.Kind(k)
		detail = append(detail, t.T("kind."+k))
	}
	now := s.now()
	events, err := event.Sessions(ctx, s.db, event.StaffFilter{PublishedOnly: true, CityID: ff.cityID, Kind: ff.Kind,
		From: now.Add(-feedPast), To: now.Add(feedAhead), Limit: feedMax})
	if err != nil {
		return err
	}
	cal := ics.NewCalendarFor("Lantern")
	cal.SetMethod(ics.MethodPublish)
	name := t.T("feed.name")
	if len(detail) > 0 {
		name = t.T("feed.name_filtered", "Detail", strings.Join(detail, ", "))
	}
	cal.SetName(icsText(name))
	cal.SetXWRCalDesc(icsText(t.T("feed.description")))
	cal.SetXWRTimezone(locale.DefaultTimeZone)
	cal.SetRefreshInterval(feedRefresh)
	cal.SetXPublishedTTL(feedRefresh)
	cal.SetUrl(s.feedLinksFor(t.Lang, ff).HTTPS)
	for i := range events {
		s.addICSEvent(cal, &events[i], t.Lang)
	}
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="lantern-events.ics"`)
	c.Set(fiber.HeaderCacheControl, "public, max-age=900")
	return c.SendString(cal.Serialize(ics.WithNewLineWindows))
}
