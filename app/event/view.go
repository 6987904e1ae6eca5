package event

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/phone"
)

// View is an event as a page shows it, in one language and in the
// event's time zone.
type View struct {
	ID          uint
	Code        string
	Kind        string
	KindLabel   string
	Status      string
	Title       string
	Paragraphs  []string
	ContentLang string // the language the content is really in
	FellBack    bool   // content shown in another language than asked
	Starts      time.Time
	Ends        time.Time
	When        string // "Thứ Tư, 25 tháng 11, 2026 · 18:30–20:30"
	DateShort   string
	Venue       string
	Address     string
	City        string
	// Place is where the venue is, said once: its postal address when it
	// has one (it names the ward and province), else its city in the page's
	// language. MapURL searches it on OpenStreetMap (a plain link).
	Place      string
	MapURL     string
	Partner    string
	Contact    string // the number for questions, as written in the session's country
	ContactTel string // the same, E.164, for tel: links
	Audience   string
	Film       string
	Capacity   int
	SeatsLeft  int
	Full       bool
	Past       bool
	Cancelled  bool
	Open       bool
	// Upcoming: not cancelled and not ended (seats, deadline and "add to
	// calendar" are shown only then). Held: started and not cancelled (a
	// session report, a knowledge gain and an attendance rate only then).
	Upcoming bool
	Held     bool
	Deadline string
	// Precomputed for list cards, so that a card renders from fields alone
	// (the list is the busiest page; method calls in templates go through
	// reflection).
	Href       string // /{lang}/events/{id}
	Datetime   string // RFC 3339 in the event's zone
	SeatsText  string // "Còn 12 chỗ", "Đã hết chỗ …", "Đã hủy" …
	SeatsClass string // "bad" (cancelled), "strong" (full) or ""
	OtherLang  string // the "in another language" tag, when FellBack
	PageLang   string
}

// finishCard fills the precomputed card fields.
func (v *View) finishCard(t *locale.Translator) {
	v.Href = "/" + t.Lang + "/events/" + strconv.Itoa(int(v.ID))
	v.Datetime = v.Starts.Format(time.RFC3339)
	v.PageLang = t.Lang
	switch {
	case v.Cancelled:
		v.SeatsText, v.SeatsClass = t.T("event.cancelled"), "bad"
	case v.Past:
		v.SeatsText = t.T("event.past")
	case v.Full:
		v.SeatsText, v.SeatsClass = t.T("event.full"), "strong"
	default:
		v.SeatsText = t.TN("event.seats_left", v.SeatsLeft)
	}
	if v.FellBack {
		v.OtherLang = t.T("content.other_language")
	}
}

// ViewOf is e as a page shows it, in t's language.
func ViewOf(t *locale.Translator, e *Event, now time.Time) View {
	loc := e.Location()
	c := e.Content(t.Lang)
	v := View{
		ID: e.ID, Code: e.Code, Kind: string(e.Kind), Status: string(e.Status),
		KindLabel:   t.T("kind." + string(e.Kind)),
		Title:       c.Title,
		Paragraphs:  Paragraphs(c.Description),
		ContentLang: c.Lang,
		FellBack:    c.Lang != "" && c.Lang != t.Lang,
		Starts:      e.StartsAt.In(loc),
		Ends:        e.EndsAt.In(loc),
		Venue:       e.Venue.Name.String(t.Lang),
		Address:     e.Venue.Address,
		City:        e.Venue.City.Name.String(t.Lang),
		Film:        e.FilmIn(t.Lang),
		Capacity:    e.Capacity,
		SeatsLeft:   e.SeatsLeft(),
		Past:        e.Past(now),
		Cancelled:   e.Status == StatusCancelled,
		Open:        e.RegistrationOpen(now),
		Upcoming:    e.Upcoming(now),
		Held:        e.Held(now),
	}
	v.Place, v.MapURL = e.Venue.Place(t.Lang)
	if e.Audience != "" {
		v.Audience = t.T("audience." + e.Audience)
	}
	if e.Partner != nil {
		v.Partner = e.Partner.Name.String(t.Lang)
	}
	if tel := e.ContactPhone(); tel != "" {
		v.ContactTel, v.Contact = tel, phone.National(tel, e.PhoneRegion)
	}
	v.Full = v.SeatsLeft == 0
	v.When = t.DateFull(v.Starts) + " · " + t.Time(v.Starts) + "–" + t.Time(v.Ends)
	v.DateShort = t.DateShort(v.Starts)
	if e.RegistrationDeadline != nil {
		d := e.RegistrationDeadline.In(loc)
		v.Deadline = t.DateFull(d) + " · " + t.Time(d)
	}
	return v
}

// CardView is a list card as a page shows it.
func CardView(t *locale.Translator, c *Card, now time.Time) View {
	loc, err := locale.LoadLocation(c.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	v := View{
		ID: c.ID, Code: c.Code, Kind: string(c.Kind), Status: string(c.Status),
		KindLabel:   t.T("kind." + string(c.Kind)),
		Title:       c.Title,
		ContentLang: c.TitleLang,
		FellBack:    c.TitleLang != "" && c.TitleLang != t.Lang,
		Starts:      c.StartsAt.In(loc),
		Ends:        c.EndsAt.In(loc),
		Venue:       c.VenueName.String(t.Lang),
		City:        c.CityName.String(t.Lang),
		Capacity:    c.Capacity,
		SeatsLeft:   c.SeatsLeft(),
		Past:        !now.Before(c.EndsAt),
		Cancelled:   c.Status == StatusCancelled,
	}
	v.Full = v.SeatsLeft == 0
	v.When = t.DateFull(v.Starts) + " · " + t.Time(v.Starts) + "–" + t.Time(v.Ends)
	v.DateShort = t.DateShort(v.Starts)
	v.finishCard(t)
	return v
}

// Place says where a venue is, once: its address when it has one (the
// programme's addresses name the ward and the province, so the city is not
// repeated after it, in another language), else its city in lang. The map
// link searches the same words, with the city's own name when there is no
// address.
func (v *Venue) Place(lang string) (where, mapURL string) {
	where, query := v.Address, v.Address
	if where == "" {
		where, query = v.City.Name.String(lang), v.City.Name.String("vi")
	}
	if query == "" {
		return where, ""
	}
	return where, "https://www.openstreetmap.org/search?query=" + url.QueryEscape(query)
}

// Paragraphs splits organiser text on blank lines; templates escape each.
func Paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// TranslationMark flags a language whose text is missing or older than the
// text in the event's own language.
type TranslationMark struct {
	Lang    string
	Missing bool
	Stale   bool
}

// TranslationMarks are the event's languages, other than its own, whose
// text is missing or stale.
func (e *Event) TranslationMarks() []TranslationMark {
	byLang := map[string]Translation{}
	for _, t := range e.Translations {
		if t.Title != "" {
			byLang[t.Lang] = t
		}
	}
	own, hasOwn := byLang[e.Lang]
	var out []TranslationMark
	for _, l := range Languages {
		if l == e.Lang {
			continue
		}
		t, ok := byLang[l]
		switch {
		case !ok:
			out = append(out, TranslationMark{Lang: l, Missing: true})
		case hasOwn && t.UpdatedAt.Before(own.UpdatedAt):
			out = append(out, TranslationMark{Lang: l, Stale: true})
		}
	}
	return out
}
