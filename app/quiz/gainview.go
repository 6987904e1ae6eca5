package quiz

import (
	"math"
	"strconv"
	"time"

	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/scope"
)

// The knowledge-gain report as people read it: the figures formatted in
// the page's language and small SVG charts laid out here (no chart
// library, no inline style: SVG attributes and CSS classes).

// Rect is a rectangle of a chart.
type Rect struct {
	X, Y, W, H string
	Class      string
	Label      string
}

// SVGText is a text of a chart.
type SVGText struct {
	X, Y   string
	Anchor string
	Text   string
}

// Chart is a small SVG chart.
type Chart struct {
	Label  string
	Rects  []Rect
	Texts  []SVGText
	Width  int
	Height int
}

func f1(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// GainQuestionLine is a question's line of the report.
type GainQuestionLine struct {
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
	Bars         Chart
}

// GainEventLine is an event's line of the programme's report.
type GainEventLine struct {
	ID        uint
	Title     string
	Date      string
	Pre, Post int
	Paired    int
	PreMean   string
	PostMean  string
	MeanGain  string
}

// GainView is a knowledge-gain report as a page shows it.
type GainView struct {
	Gain      *Gain
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
	Means     Chart
	Histogram Chart
	Outcomes  Chart
	Questions []GainQuestionLine
	Events    []GainEventLine
}

func pct(t *locale.Translator, v *float64) string {
	if v == nil {
		return "—"
	}
	return t.Percent(*v, 1)
}

func num(t *locale.Translator, v *float64, decimals int) string {
	if v == nil {
		return "—"
	}
	return t.Number(*v, decimals)
}

// ViewGain lays g out for a page in t's language.
func ViewGain(t *locale.Translator, g *Gain) GainView {
	d := GainView{Gain: g,
		PreMean: pct(t, g.PreMean), PostMean: pct(t, g.PostMean),
		PPreMean: pct(t, g.PairedPreMean), PPostMean: pct(t, g.PairedPostMean),
		MeanGain: num(t, g.MeanGain, 1), NormGain: num(t, g.NormalizedGain, 2), IndivGain: num(t, g.MeanIndividualGain, 2),
		Improved: pct(t, g.ImprovedShare), Stayed: pct(t, g.StayedShare), Dropped: pct(t, g.DroppedShare),
	}
	// Means: two horizontal bars on a 0–100 scale (200 px wide).
	d.Means = Chart{Label: t.T("gain.chart.means"), Width: 260, Height: 56}
	for i, x := range []struct {
		v     *float64
		class string
		label string
	}{{g.PreMean, "bar-pre", t.T("gain.pre")}, {g.PostMean, "bar-post", t.T("gain.post")}} {
		y := 4 + i*26
		d.Means.Rects = append(d.Means.Rects, Rect{X: "0", Y: strconv.Itoa(y), W: "200", H: "20", Class: "bar-bg"})
		if x.v != nil {
			d.Means.Rects = append(d.Means.Rects, Rect{X: "0", Y: strconv.Itoa(y), W: f1(*x.v * 2), H: "20", Class: x.class,
				Label: x.label + ": " + pct(t, x.v)})
		}
		d.Means.Texts = append(d.Means.Texts, SVGText{X: "204", Y: strconv.Itoa(y + 15), Anchor: "start", Text: pct(t, x.v)})
	}
	// Histogram: ten bins, pre and post side by side.
	d.Histogram = Chart{Label: t.T("gain.chart.histogram"), Width: 300, Height: 130}
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
			d.Histogram.Rects = append(d.Histogram.Rects, Rect{X: f1(float64(i*30 + 2 + k*13)), Y: f1(105 - h), W: "12", H: f1(h),
				Class: x.class, Label: x.label + " " + strconv.Itoa(i*10) + "–" + strconv.Itoa(i*10+9+i/9) + " %: " + strconv.Itoa(x.n)})
		}
		d.Histogram.Texts = append(d.Histogram.Texts, SVGText{X: strconv.Itoa(i*30 + 15), Y: "122", Anchor: "middle", Text: strconv.Itoa(i * 10)})
	}
	// Outcomes: one stacked bar, improved / stayed / dropped.
	d.Outcomes = Chart{Label: t.T("gain.chart.outcomes"), Width: 300, Height: 24}
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
		d.Outcomes.Rects = append(d.Outcomes.Rects, Rect{X: f1(x), Y: "0", W: f1(w), H: "24", Class: o.class, Label: o.label + ": " + pct(t, o.v)})
		x += w
	}
	for i, q := range g.Questions {
		text, fell := q.TextIn(t.Lang)
		l := GainQuestionLine{N: i + 1, Text: text, Topic: t.T("question.topic." + q.Topic),
			Pre: pct(t, q.Pre.Facility), Post: pct(t, q.Post.Facility),
			PreDisc: num(t, q.Pre.Discrimination, 2), PostDisc: num(t, q.Post.Discrimination, 2),
			Learned: q.Learned, AlreadyKnew: q.AlreadyKnew, Unlearned: q.Unlearned, NeverLearned: q.NeverLearned, Drops: q.Drops}
		if fell {
			l.Lang = q.Lang
		}
		l.Bars = Chart{Label: t.T("gain.pre") + " " + l.Pre + " · " + t.T("gain.post") + " " + l.Post, Width: 100, Height: 18}
		for k, v := range []*float64{q.Pre.Facility, q.Post.Facility} {
			class := []string{"bar-pre", "bar-post"}[k]
			y := strconv.Itoa(k * 9)
			l.Bars.Rects = append(l.Bars.Rects, Rect{X: "0", Y: y, W: "100", H: "8", Class: "bar-bg"})
			if v != nil {
				l.Bars.Rects = append(l.Bars.Rects, Rect{X: "0", Y: y, W: f1(*v), H: "8", Class: class})
			}
		}
		d.Questions = append(d.Questions, l)
	}
	return d
}

// EventLines are the programme report's lines of evs (their titles
// loaded), in their order, with their figures from lines.
func EventLines(t *locale.Translator, evs []event.Event, lines []EventGainLine) []GainEventLine {
	byID := map[uint]EventGainLine{}
	for _, l := range lines {
		byID[l.EventID] = l
	}
	var out []GainEventLine
	for i := range evs {
		e := &evs[i]
		l := byID[e.ID]
		out = append(out, GainEventLine{ID: e.ID, Title: e.Content(t.Lang).Title, Date: t.DateShort(e.StartsAt.In(e.Location())),
			Pre: l.PreCount, Post: l.PostCount, Paired: l.Paired,
			PreMean: pct(t, l.PreMean), PostMean: pct(t, l.PostMean), MeanGain: num(t, l.MeanGain, 1)})
	}
	return out
}

// FilterForm is the programme report's filters as sent (query string).
type FilterForm struct {
	From    string `query:"from"`
	To      string `query:"to"`
	City    uint   `query:"city"`
	Kind    string `query:"kind"`
	Sex     string `query:"sex"`
	AgeBand string `query:"age_band"`
	Role    string `query:"role"`
}

// Filter reads the form into a filter of sc's part of the programme, dates
// in the zone tz (the reader's country's; the programme's when ""), the
// To day included. A value that is not valid is left out, and cleared in
// the form.
func (ff *FilterForm) Filter(sc scope.Scope, tz string) Filter {
	f := Filter{CityID: ff.City, Scope: sc}
	if tz == "" {
		tz = locale.DefaultTimeZone
	}
	loc, err := locale.LoadLocation(tz)
	if err != nil {
		loc, _ = locale.LoadLocation(locale.DefaultTimeZone)
	}
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
	f.Sex, ff.Sex = whitelist(ff.Sex, registration.Sexes), whitelist(ff.Sex, registration.Sexes)
	f.AgeBand, ff.AgeBand = whitelist(ff.AgeBand, registration.AgeBands), whitelist(ff.AgeBand, registration.AgeBands)
	f.Role, ff.Role = whitelist(ff.Role, registration.Roles), whitelist(ff.Role, registration.Roles)
	return f
}

func whitelist(v string, allowed []string) string {
	for _, a := range allowed {
		if a == v {
			return v
		}
	}
	return ""
}

// Round keeps the JSON readable: percentages and points to 2 decimals,
// ratios and correlations to 4.
func (g *Gain) Round() {
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
