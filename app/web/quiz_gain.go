package web

import (
	"encoding/json"
	"math"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/quiz"
	"github.com/lantern-ngo/lantern/app/registration"
)

// The knowledge-gain report: a page with small SVG charts drawn on the server
// (no chart library, no inline style: SVG attributes and CSS classes), and
// the same figures as JSON.

type quizRect struct {
	X, Y, W, H string
	Class      string
	Label      string
}

type quizSVGText struct {
	X, Y   string
	Anchor string
	Text   string
}

type quizChart struct {
	Label  string
	Rects  []quizRect
	Texts  []quizSVGText
	Width  int
	Height int
}

func quizF1(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

type gainQuestionLine struct {
	N            int
	Text         string
	Lang         string
	Topic        string
	Pre, Post    string
	PreDisc      string
	PostDisc     string
	Learned      int
	AlreadyKnew  int
	Unlearned    int
	NeverLearned int
	Drops        bool
	Bars         quizChart
}

type gainEventLine struct {
	ID        uint
	Title     string
	Date      string
	Pre, Post int
	Paired    int
	PreMean   string
	PostMean  string
	MeanGain  string
}

type gainFilterForm struct {
	From    string `query:"from"`
	To      string `query:"to"`
	City    uint   `query:"city"`
	Kind    string `query:"kind"`
	Sex     string `query:"sex"`
	AgeBand string `query:"age_band"`
	Role    string `query:"role"`
}

type gainPage struct {
	Page
	Event     *eventView
	Gain      *quiz.Gain
	PreMean   string
	PostMean  string
	PPreMean  string
	PPostMean string
	MeanGain  string
	NormGain  string
	IndivGain string
	Improved  string
	Stayed    string
	Dropped   string
	Means     quizChart
	Histogram quizChart
	Outcomes  quizChart
	Questions []gainQuestionLine
	Events    []gainEventLine
	// programme filters
	Filter   gainFilterForm
	Cities   []event.City
	Kinds    []event.Kind
	Sexes    []string
	AgeBands []string
	Roles    []string
}

func quizPct(t *locale.Translator, v *float64) string {
	if v == nil {
		return "—"
	}
	return t.Percent(*v, 1)
}

func quizNum(t *locale.Translator, v *float64, decimals int) string {
	if v == nil {
		return "—"
	}
	return t.Number(*v, decimals)
}

func (s *Server) buildGainPage(p Page, g *quiz.Gain) gainPage {
	p.Wide = true // the questions' table has ten columns
	t := p.Translator
	d := gainPage{Page: p, Gain: g,
		PreMean: quizPct(t, g.PreMean), PostMean: quizPct(t, g.PostMean),
		PPreMean: quizPct(t, g.PairedPreMean), PPostMean: quizPct(t, g.PairedPostMean),
		MeanGain: quizNum(t, g.MeanGain, 1), NormGain: quizNum(t, g.NormalizedGain, 2), IndivGain: quizNum(t, g.MeanIndividualGain, 2),
		Improved: quizPct(t, g.ImprovedShare), Stayed: quizPct(t, g.StayedShare), Dropped: quizPct(t, g.DroppedShare),
	}
	// Means: two horizontal bars on a 0–100 scale (200 px wide).
	d.Means = quizChart{Label: t.T("gain.chart.means"), Width: 260, Height: 56}
	for i, x := range []struct {
		v     *float64
		class string
		label string
	}{{g.PreMean, "bar-pre", t.T("gain.pre")}, {g.PostMean, "bar-post", t.T("gain.post")}} {
		y := 4 + i*26
		d.Means.Rects = append(d.Means.Rects, quizRect{X: "0", Y: strconv.Itoa(y), W: "200", H: "20", Class: "bar-bg"})
		if x.v != nil {
			d.Means.Rects = append(d.Means.Rects, quizRect{X: "0", Y: strconv.Itoa(y), W: quizF1(*x.v * 2), H: "20", Class: x.class,
				Label: x.label + ": " + quizPct(t, x.v)})
		}
		d.Means.Texts = append(d.Means.Texts, quizSVGText{X: "204", Y: strconv.Itoa(y + 15), Anchor: "start", Text: quizPct(t, x.v)})
	}
	// Histogram: ten bins, pre and post side by side.
	d.Histogram = quizChart{Label: t.T("gain.chart.histogram"), Width: 300, Height: 130}
	max := 0
	for i := 0; i < 10; i++ {
		if g.PreHistogram[i] > max {
			max = g.PreHistogram[i]
		}
		if g.PostHistogram[i] > max {
			max = g.PostHistogram[i]
		}
	}
	for i := 0; i < 10; i++ {
		for k, x := range []struct {
			n     int
			class string
			label string
		}{{g.PreHistogram[i], "bar-pre", t.T("gain.pre")}, {g.PostHistogram[i], "bar-post", t.T("gain.post")}} {
			h := 0.0
			if max > 0 {
				h = float64(x.n) / float64(max) * 100
			}
			d.Histogram.Rects = append(d.Histogram.Rects, quizRect{X: quizF1(float64(i*30 + 2 + k*13)), Y: quizF1(105 - h), W: "12", H: quizF1(h),
				Class: x.class, Label: x.label + " " + strconv.Itoa(i*10) + "–" + strconv.Itoa(i*10+9+i/9) + " %: " + strconv.Itoa(x.n)})
		}
		d.Histogram.Texts = append(d.Histogram.Texts, quizSVGText{X: strconv.Itoa(i*30 + 15), Y: "122", Anchor: "middle", Text: strconv.Itoa(i * 10)})
	}
	// Outcomes: one stacked bar, improved / stayed / dropped.
	d.Outcomes = quizChart{Label: t.T("gain.chart.outcomes"), Width: 300, Height: 24}
	x := 0.0
	for _, o := range []struct {
		v     *float64
		class string
		label string
	}{{g.ImprovedShare, "bar-up", t.T("gain.improved")}, {g.StayedShare, "bar-same", t.T("gain.stayed")}, {g.DroppedShare, "bar-down", t.T("gain.dropped")}} {
		if o.v == nil || *o.v == 0 {
			continue
		}
		w := *o.v * 3
		d.Outcomes.Rects = append(d.Outcomes.Rects, quizRect{X: quizF1(x), Y: "0", W: quizF1(w), H: "24", Class: o.class, Label: o.label + ": " + quizPct(t, o.v)})
		x += w
	}
	for i, q := range g.Questions {
		text, fell := q.TextIn(p.Lang)
		l := gainQuestionLine{N: i + 1, Text: text, Topic: t.T("question.topic." + q.Topic),
			Pre: quizPct(t, q.Pre.Facility), Post: quizPct(t, q.Post.Facility),
			PreDisc: quizNum(t, q.Pre.Discrimination, 2), PostDisc: quizNum(t, q.Post.Discrimination, 2),
			Learned: q.Learned, AlreadyKnew: q.AlreadyKnew, Unlearned: q.Unlearned, NeverLearned: q.NeverLearned, Drops: q.Drops}
		if fell {
			l.Lang = q.Lang
		}
		l.Bars = quizChart{Label: t.T("gain.pre") + " " + l.Pre + " · " + t.T("gain.post") + " " + l.Post, Width: 100, Height: 18}
		for k, v := range []*float64{q.Pre.Facility, q.Post.Facility} {
			class := []string{"bar-pre", "bar-post"}[k]
			y := strconv.Itoa(k * 9)
			l.Bars.Rects = append(l.Bars.Rects, quizRect{X: "0", Y: y, W: "100", H: "8", Class: "bar-bg"})
			if v != nil {
				l.Bars.Rects = append(l.Bars.Rects, quizRect{X: "0", Y: y, W: quizF1(*v), H: "8", Class: class})
			}
		}
		d.Questions = append(d.Questions, l)
	}
	return d
}

// gainEvent (GET /staff/events/{id}/knowledge-gain).
func (s *Server) gainEvent(c *fiber.Ctx) error {
	e, err := s.quizEventAccess(c)
	if err != nil {
		return err
	}
	g, err := quiz.EventGain(c.UserContext(), s.db, e.ID)
	if err != nil {
		return err
	}
	p := s.page(c, "gain.title")
	d := s.buildGainPage(p, g)
	v := viewEvent(p.Translator, e, s.now())
	d.Event = &v
	return s.render(c, fiber.StatusOK, "quiz/gain", d)
}

// gainProgramme (GET /staff/knowledge-gain): across the programme, with
// filters by date, city, kind of session, sex, age band and role.
func (s *Server) gainProgramme(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var ff gainFilterForm
	if err := c.QueryParser(&ff); err != nil {
		return fiber.ErrBadRequest
	}
	f := quiz.Filter{CityID: ff.City, Scope: staffScope(c)}
	loc, _ := locale.LoadLocation(locale.DefaultTimeZone)
	if d, err := time.ParseInLocation("2006-01-02", ff.From, loc); err == nil {
		u := d.UTC()
		f.From = &u
	} else {
		ff.From = ""
	}
	if d, err := time.ParseInLocation("2006-01-02", ff.To, loc); err == nil {
		u := d.AddDate(0, 0, 1).UTC() // the whole last day
		f.To = &u
	} else {
		ff.To = ""
	}
	if event.ValidKind(ff.Kind) {
		f.Kind = ff.Kind
	} else {
		ff.Kind = ""
	}
	f.Sex, ff.Sex = quizWhitelist(ff.Sex, registration.Sexes), quizWhitelist(ff.Sex, registration.Sexes)
	f.AgeBand, ff.AgeBand = quizWhitelist(ff.AgeBand, registration.AgeBands), quizWhitelist(ff.AgeBand, registration.AgeBands)
	f.Role, ff.Role = quizWhitelist(ff.Role, registration.Roles), quizWhitelist(ff.Role, registration.Roles)
	g, err := quiz.Report(ctx, s.db, f)
	if err != nil {
		return err
	}
	p := s.page(c, "gain.programme_title")
	d := s.buildGainPage(p, g)
	d.Filter, d.Kinds, d.Sexes, d.AgeBands, d.Roles = ff, event.Kinds, registration.Sexes, registration.AgeBands, registration.Roles
	if d.Cities, err = event.Cities(ctx, s.db); err != nil {
		return err
	}
	// One line per event (the 200 latest), titles in one query.
	lines := g.Events
	ids := make([]uint, len(lines))
	for i, l := range lines {
		ids[i] = l.EventID
	}
	if len(ids) > 0 {
		evs, err := event.WithTitles(ctx, s.db, ids)
		if err != nil {
			return err
		}
		byID := map[uint]quiz.EventGainLine{}
		for _, l := range lines {
			byID[l.EventID] = l
		}
		for i := range evs {
			e := &evs[i]
			l := byID[e.ID]
			d.Events = append(d.Events, gainEventLine{ID: e.ID, Title: e.Content(p.Lang).Title, Date: p.DateShort(e.StartsAt.In(e.Location())),
				Pre: l.PreCount, Post: l.PostCount, Paired: l.Paired,
				PreMean: quizPct(p.Translator, l.PreMean), PostMean: quizPct(p.Translator, l.PostMean), MeanGain: quizNum(p.Translator, l.MeanGain, 1)})
		}
	}
	return s.render(c, fiber.StatusOK, "quiz/gain", d)
}

func quizWhitelist(v string, allowed []string) string {
	for _, a := range allowed {
		if a == v {
			return v
		}
	}
	return ""
}

// apiKnowledgeGain (GET /api/v1/events/{id}/knowledge-gain): the event's
// figures as JSON, for a signed-in organiser or a trainer of the event.
func (s *Server) apiKnowledgeGain(c *fiber.Ctx) error {
	e, err := s.quizEventAccess(c)
	if err != nil {
		return err
	}
	// The figures change only when a quiz is taken or edited: kept per quiz
	// version (database.QuizVersion), so trainers opening them after a
	// session cost one small read, not the report's aggregates.
	load := func() ([]byte, error) {
		g, err := quiz.EventGain(c.UserContext(), s.db, e.ID)
		if err != nil {
			return nil, err
		}
		roundGain(g)
		return json.Marshal(struct {
			EventID uint `json:"event_id"`
			*quiz.Gain
		}{e.ID, g})
	}
	var body []byte
	if s.gains != nil {
		body, err = s.gains.Get(e.ID, load)
	} else {
		body, err = load()
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(body)
}

// roundGain keeps the JSON readable: percentages and points to 2 decimals,
// ratios and correlations to 4.
func roundGain(g *quiz.Gain) {
	r := func(v *float64, d float64) {
		if v != nil {
			*v = math.Round(*v*d) / d
		}
	}
	for _, v := range []*float64{g.PreMean, g.PostMean, g.PairedPreMean, g.PairedPostMean, g.MeanGain, g.ImprovedShare, g.StayedShare, g.DroppedShare} {
		r(v, 100)
	}
	r(g.NormalizedGain, 1e4)
	r(g.MeanIndividualGain, 1e4)
	for i := range g.Questions {
		q := &g.Questions[i]
		for _, v := range []*float64{q.Pre.Facility, q.Post.Facility, q.PairedPreShare, q.PairedPostShare} {
			r(v, 100)
		}
		r(q.Pre.Discrimination, 1e4)
		r(q.Post.Discrimination, 1e4)
	}
}
