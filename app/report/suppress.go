package report

// SmallCounts keeps a child from being identified in figures that leave
// the organisation (issue 19): a count of people from 1 to Threshold is
// shown as "fewer than Threshold+1", and so is, where cells add up to a
// total that is shown, the next smallest cell when only one would be
// hidden, so that no hidden count is the total minus the others
// (complementary suppression). Zero is shown: it names nobody.
//
// What it does not do: differences between two published tables (people
// reached minus authority participants in one cell) are not checked. The
// threshold is a setting (SMALL_COUNT_THRESHOLD, default 4; 0 turns it off).
type SmallCounts struct{ Threshold int }

// Below is the bound shown for a hidden count ("fewer than 5").
func (s SmallCounts) Below() int { return s.Threshold + 1 }

// On tells whether anything is hidden at all.
func (s SmallCounts) On() bool { return s.Threshold > 0 }

// Small tells whether a count of people must be hidden.
func (s SmallCounts) Small(n float64) bool { return s.On() && n >= 1 && n <= float64(s.Threshold) }

// Hide says how a count is shown.
type Hide uint8

const (
	Shown      Hide = iota
	Small           // a small count: "fewer than 5"
	Complement      // not small, hidden so that a small one cannot be recomputed: "not shown"
)

// Group decides, for cells that add up to total, which are hidden. When the
// total is small, it and every non-zero cell are (Small: they all are
// below the bound). Otherwise each small cell is; when exactly one is, the
// smallest other non-zero cell is too (Complement; the first of equals),
// so that the total minus the shown cells gives no single hidden count.
func (s SmallCounts) Group(total float64, cells []float64) (totalHidden bool, hidden []Hide) {
	hidden = make([]Hide, len(cells))
	if !s.On() {
		return false, hidden
	}
	if s.Small(total) {
		for i, c := range cells {
			if c != 0 {
				hidden[i] = Small
			}
		}
		return true, hidden
	}
	n := 0
	for i, c := range cells {
		if s.Small(c) {
			hidden[i] = Small
			n++
		}
	}
	if n == 1 {
		next := -1
		for i, c := range cells {
			if hidden[i] == Shown && c != 0 && (next < 0 || c < cells[next]) {
				next = i
			}
		}
		if next >= 0 {
			hidden[next] = Complement
		}
	}
	return false, hidden
}

// peopleCounted says what counts people in an indicator: its numerator
// (people reached, authority participants) or its denominator (the pairs of
// quizzes a knowledge gain is the mean of). Other indicators count sessions.
var peopleCounted = map[string]string{
	CodePeopleReached:         "numerator",
	CodeAuthorityParticipants: "numerator",
	CodeKnowledgeGain:         "denominator",
}

// Indicators hides, in place, the small counts of people of every
// indicator and disaggregation.
func (s SmallCounts) Indicators(r *Indicators) {
	if !s.On() || r == nil {
		return
	}
	for i := range r.Indicators {
		ind := &r.Indicators[i]
		what, ok := peopleCounted[ind.Code]
		if !ok {
			continue
		}
		count := func(num float64, den *float64) float64 {
			if what == "denominator" {
				if den == nil {
					return 0
				}
				return *den
			}
			return num
		}
		total := count(ind.Numerator, ind.Denominator)
		for d := range ind.Disaggregations {
			cells := ind.Disaggregations[d].Cells
			counts := make([]float64, len(cells))
			for k, c := range cells {
				counts[k] = count(c.Numerator, c.Denominator)
			}
			totalHidden, hidden := s.Group(total, counts)
			for k := range cells {
				switch hidden[k] {
				case Small:
					cells[k] = Cell{Key: cells[k].Key, Suppressed: true, Below: s.Below()}
				case Complement:
					cells[k] = Cell{Key: cells[k].Key, Suppressed: true}
				}
			}
			if totalHidden {
				ind.Suppressed = true
			}
		}
		if s.Small(total) {
			ind.Suppressed = true
		}
		if ind.Suppressed {
			ind.Numerator, ind.Denominator, ind.Value, ind.Progress, ind.Below = 0, nil, nil, nil, s.Below()
		}
	}
}

// Count is a count of people as it may be shown: the number, or nil when
// it is hidden.
func (s SmallCounts) Count(n int) any {
	if s.Small(float64(n)) {
		return nil
	}
	return n
}

// Donor hides, in place, the small counts of people in a donor report:
// its indicators; the knowledge gain's means when fewer pairs than the
// threshold took both quizzes; each event's people present (with the
// complementary rule over the events, which add up to the people reached)
// and the mean gain of an event with few pairs; the ratings' average and
// count when few answered, overall and per event.
func (s SmallCounts) Donor(d *Donor) {
	if !s.On() || d == nil {
		return
	}
	if d.Indicators != nil && len(d.Events) > 0 {
		var total float64
		if pr := d.Indicators.Get(CodePeopleReached); pr != nil {
			total = pr.Numerator
		}
		counts := make([]float64, len(d.Events))
		for i, l := range d.Events {
			counts[i] = float64(l.Present())
		}
		if d.MoreEvents > 0 {
			total = 0 // the list is cut: its lines do not add up to the total
			for _, c := range counts {
				total += c
			}
			total += float64(s.Threshold) + 1 // never "small" on that account
		}
		_, hidden := s.Group(total, counts)
		for i := range d.Events {
			d.Events[i].PresentHidden = hidden[i]
			if s.Small(float64(d.Events[i].Pairs)) {
				d.Events[i].PairsHidden = Small
			}
			if s.Small(float64(d.Events[i].RatingN)) {
				d.Events[i].RatingHidden = Small
			}
		}
	}
	s.Indicators(d.Indicators)
	if g := &d.GainSummary; s.Small(float64(g.Pairs)) {
		*g = GainSummary{Suppressed: true}
	}
	// A rating average of a few people is their own opinion, and may tell
	// a trainer who said what: hidden with its count (docs/DECISIONS.md).
	if r := &d.Ratings; s.Small(float64(r.Answers)) {
		*r = DonorRatings{Suppressed: true}
	}
	d.Below = s.Below()
}

// IsSmall and IsComplement are for templates.
func (h Hide) IsSmall() bool      { return h == Small }
func (h Hide) IsComplement() bool { return h == Complement }
