package coaching

import (
	"sort"
	"strconv"
	"strings"
)

// RatingPoint is one rating of one coachee on one competency on one day.
type RatingPoint struct {
	CoacheeID    uint
	CompetencyID uint
	HeldOn       string // YYYY-MM-DD
	SessionID    uint   // breaks ties between two sessions on the same day
	Level        int
}

// Change is the change from the first to the latest rating of one coachee
// on one competency.
type Change struct {
	CoacheeID    uint
	CompetencyID uint
	First        int
	Latest       int
	Ratings      int
}

// Delta is Latest − First.
func (c Change) Delta() int { return c.Latest - c.First }

// Changes computes, for every (coachee, competency) pair rated at least
// twice, the first and the latest level (by date, then by session). Pairs
// rated only once have no change yet and are left out.
func Changes(points []RatingPoint) []Change {
	type key struct{ coachee, comp uint }
	sorted := append([]RatingPoint(nil), points...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].HeldOn != sorted[j].HeldOn {
			return sorted[i].HeldOn < sorted[j].HeldOn
		}
		return sorted[i].SessionID < sorted[j].SessionID
	})
	acc := map[key]*Change{}
	var order []key
	for _, p := range sorted {
		k := key{p.CoacheeID, p.CompetencyID}
		c := acc[k]
		if c == nil {
			c = &Change{CoacheeID: p.CoacheeID, CompetencyID: p.CompetencyID, First: p.Level}
			acc[k] = c
			order = append(order, k)
		}
		c.Latest = p.Level
		c.Ratings++
	}
	var out []Change
	for _, k := range order {
		if c := acc[k]; c.Ratings >= 2 {
			out = append(out, *c)
		}
	}
	return out
}

// AverageChange is the mean of Latest − First over the pairs rated at least
// twice; ok is false when there is no such pair.
func AverageChange(points []RatingPoint) (avg float64, pairs int, ok bool) {
	cs := Changes(points)
	if len(cs) == 0 {
		return 0, 0, false
	}
	sum := 0
	for _, c := range cs {
		sum += c.Delta()
	}
	return float64(sum) / float64(len(cs)), len(cs), true
}

// AverageChangeByCompetency is AverageChange for each competency.
func AverageChangeByCompetency(points []RatingPoint) map[uint]float64 {
	sums := map[uint]int{}
	ns := map[uint]int{}
	for _, c := range Changes(points) {
		sums[c.CompetencyID] += c.Delta()
		ns[c.CompetencyID]++
	}
	out := map[uint]float64{}
	for id, n := range ns {
		out[id] = float64(sums[id]) / float64(n)
	}
	return out
}

// Chart is a small line chart of one coachee's ratings over time, drawn by
// the template as SVG (no script, no inline style: colours come from the
// series classes in app.css).
type Chart struct {
	Width, Height int
	// Plot area.
	Left, Right, Top, Bottom int
	YTicks                   []Tick
	XTicks                   []Tick
	Series                   []Series
}

// Tick is an axis label at a position; Anchor is the SVG text-anchor
// (start, middle or end) that keeps the first and last labels inside.
type Tick struct {
	Pos    int
	Label  string
	Anchor string
}

// Series is one competency's line.
type Series struct {
	CompetencyID uint
	Class        string // s1…s8
	Points       string // "x,y x,y …" for <polyline points>
	Dots         []Dot
}

// Dot is one rating on the chart.
type Dot struct {
	X, Y  int
	Level int
	Date  string
}

// BuildChart lays out sessions (oldest first) and competencies as a chart
// 320×180: x is the session's rank (evenly spaced, so that sessions close
// in time stay readable), y the level 1 (bottom) to 4 (top). dateLabel
// formats a session's date for the x axis.
func BuildChart(sessions []Session, comps []Competency, dateLabel func(string) string) *Chart {
	c := &Chart{Width: 320, Height: 180, Left: 28, Right: 310, Top: 12, Bottom: 150}
	if len(sessions) == 0 {
		return nil
	}
	yOf := func(level int) int {
		return c.Bottom - (level-MinLevel)*(c.Bottom-c.Top)/(MaxLevel-MinLevel)
	}
	for l := MinLevel; l <= MaxLevel; l++ {
		c.YTicks = append(c.YTicks, Tick{Pos: yOf(l), Label: strconv.Itoa(l)})
	}
	xOf := func(i int) int {
		if len(sessions) == 1 {
			return (c.Left + c.Right) / 2
		}
		return c.Left + i*(c.Right-c.Left)/(len(sessions)-1)
	}
	// Date labels: the first and the last session, and the middle one when
	// there is room (five sessions or more); the table beside the chart
	// gives every date.
	last := len(sessions) - 1
	for i, s := range sessions {
		anchor := ""
		switch {
		case last == 0:
			anchor = "middle"
		case i == 0:
			anchor = "start"
		case i == last:
			anchor = "end"
		case last >= 4 && i == last/2:
			anchor = "middle"
		}
		if anchor != "" {
			c.XTicks = append(c.XTicks, Tick{Pos: xOf(i), Label: dateLabel(s.HeldOn), Anchor: anchor})
		}
	}
	for ci, comp := range comps {
		sr := Series{CompetencyID: comp.ID, Class: "s" + strconv.Itoa(ci%8+1)}
		// Lines on the same level would hide each other: each series is
		// shifted by a few pixels.
		shift := (ci - len(comps)/2) * 3
		var pts []string
		for i, s := range sessions {
			if lvl := s.RatingOf(comp.ID); lvl > 0 {
				x, y := xOf(i), yOf(lvl)+shift
				pts = append(pts, strconv.Itoa(x)+","+strconv.Itoa(y))
				sr.Dots = append(sr.Dots, Dot{X: x, Y: y, Level: lvl, Date: s.HeldOn})
			}
		}
		if len(sr.Dots) == 0 {
			continue
		}
		sr.Points = strings.Join(pts, " ")
		c.Series = append(c.Series, sr)
	}
	if len(c.Series) == 0 {
		return nil
	}
	return c
}

// TrendRow is one competency's first and latest rating.
type TrendRow struct {
	Name     string
	Class    string
	First    int
	Latest   int
	Delta    int
	Ratings  int
	HasTrend bool
}

// Record is a coachee's coaching record as their page shows it.
type Record struct {
	History  []Session // newest first
	Chart    *Chart
	Legend   map[uint]string // competency → the chart series' class
	Trend    []TrendRow
	Open     []ActionPoint // by due date
	Done     []ActionPoint
	CompName map[uint]string // competency → its name
}

// ViewRecord lays out a coachee's sessions (oldest first, as History
// reads them) with the competencies (comps) named in lang, dates on the
// chart written by dateLabel.
func ViewRecord(coacheeID uint, history []Session, comps []Competency, lang string, dateLabel func(string) string) Record {
	r := Record{Legend: map[uint]string{}, CompName: map[uint]string{}}
	for _, cp := range comps {
		r.CompName[cp.ID] = cp.Name.String(lang)
	}
	r.Chart = BuildChart(history, comps, dateLabel)
	if r.Chart != nil {
		for _, sr := range r.Chart.Series {
			r.Legend[sr.CompetencyID] = sr.Class
		}
	}
	var points []RatingPoint
	for _, h := range history {
		for _, rt := range h.Ratings {
			points = append(points, RatingPoint{CoacheeID: coacheeID, CompetencyID: rt.CompetencyID, HeldOn: h.HeldOn, SessionID: h.ID, Level: rt.Level})
		}
		for _, a := range h.ActionPoints {
			if a.Done() {
				r.Done = append(r.Done, a)
			} else {
				r.Open = append(r.Open, a)
			}
		}
	}
	changes := map[uint]Change{}
	for _, ch := range Changes(points) {
		changes[ch.CompetencyID] = ch
	}
	for _, cp := range comps {
		row := TrendRow{Name: r.CompName[cp.ID], Class: r.Legend[cp.ID]}
		for _, pt := range points {
			if pt.CompetencyID == cp.ID {
				if row.Ratings == 0 {
					row.First = pt.Level
				}
				row.Latest = pt.Level
				row.Ratings++
			}
		}
		if ch, ok := changes[cp.ID]; ok {
			row.First, row.Latest, row.Delta, row.HasTrend = ch.First, ch.Latest, ch.Delta(), true
		}
		if row.Ratings > 0 {
			r.Trend = append(r.Trend, row)
		}
	}
	sortByDue(r.Open)
	for i := len(history) - 1; i >= 0; i-- {
		r.History = append(r.History, history[i])
	}
	return r
}

// sortByDue sorts action points by due date, keeping the order of those
// due the same day.
func sortByDue(a []ActionPoint) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j].DueOn < a[j-1].DueOn; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
