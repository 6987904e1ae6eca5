package report

import (
	"reflect"
	"testing"
)

// The rules on a hand-computed dataset (threshold 4: "fewer than 5").
func TestSmallCountsGroup(t *testing.T) {
	s := SmallCounts{Threshold: 4}
	cases := []struct {
		name        string
		total       float64
		cells       []float64
		totalHidden bool
		hidden      []Hide
	}{
		// Nothing small: everything shown.
		{"none small", 40, []float64{22, 18}, false, []Hide{Shown, Shown}},
		// Zeros name nobody and are shown.
		{"zeros", 40, []float64{40, 0, 0}, false, []Hide{Shown, Shown, Shown}},
		// One small cell (3): alone it is 40 − 22 − 15; the next smallest (15) goes too.
		{"one small, complementary", 40, []float64{22, 15, 3}, false, []Hide{Shown, Complement, Small}},
		// Two small cells hide each other.
		{"two small", 30, []float64{25, 2, 3}, false, []Hide{Shown, Small, Small}},
		// The complementary cell is the smallest non-zero other one.
		{"complementary skips zero", 30, []float64{20, 0, 9, 1}, false, []Hide{Shown, Shown, Complement, Small}},
		// A small total hides itself and every non-zero cell.
		{"small total", 3, []float64{2, 1, 0}, true, []Hide{Small, Small, Shown}},
		// 5 is not small.
		{"at the bound", 10, []float64{5, 5}, false, []Hide{Shown, Shown}},
	}
	for _, c := range cases {
		th, h := s.Group(c.total, c.cells)
		if th != c.totalHidden || !reflect.DeepEqual(h, c.hidden) {
			t.Errorf("%s: Group(%v, %v) = %v %v, want %v %v", c.name, c.total, c.cells, th, h, c.totalHidden, c.hidden)
		}
	}
	if th, h := (SmallCounts{}).Group(3, []float64{2, 1}); th || h[0] != Shown || h[1] != Shown {
		t.Error("threshold 0 hides something")
	}
}

// TestSmallCountsIndicators: a hidden cell carries no figure, only the
// bound; a small total hides the indicator; sessions are not people.
func TestSmallCountsIndicators(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	r := &Indicators{Indicators: []Indicator{
		{Code: CodePeopleReached, Numerator: 40, Value: f(40), Disaggregations: []Disaggregation{
			{Dimension: DimSex, Cells: []Cell{{Key: "female", Numerator: 37, Value: f(37)}, {Key: "male", Numerator: 3, Value: f(3)}}},
			{Dimension: DimAgeBand, Cells: []Cell{{Key: "under_16", Numerator: 20, Value: f(20)}, {Key: "25_59", Numerator: 20, Value: f(20)}}},
		}},
		{Code: CodeAuthorityParticipants, Numerator: 2, Value: f(2), Disaggregations: []Disaggregation{
			{Dimension: DimSex, Cells: []Cell{{Key: "female", Numerator: 2, Value: f(2)}, {Key: "male"}}},
		}},
		{Code: CodeKnowledgeGain, Numerator: 300, Denominator: f(20), Value: f(15), Disaggregations: []Disaggregation{
			{Dimension: DimSex, Cells: []Cell{{Key: "female", Numerator: 270, Denominator: f(18), Value: f(15)}, {Key: "male", Numerator: 30, Denominator: f(2), Value: f(15)}}},
		}},
		{Code: CodeEventsHeld, Numerator: 3, Value: f(3)},
	}}
	SmallCounts{Threshold: 4}.Indicators(r)
	pr := r.Get(CodePeopleReached)
	sex := pr.Dis(DimSex).Cells
	// Men (3) are fewer than 5; women (37) are hidden so that 40 − 37
	// does not give them away, and read "not shown" (no bound).
	if !sex[0].Suppressed || sex[0].Below != 0 || !sex[1].Suppressed || sex[1].Value != nil || sex[1].Numerator != 0 || sex[1].Below != 5 {
		t.Errorf("people reached by sex: %+v", sex)
	}
	if pr.Suppressed || pr.Numerator != 40 || pr.Dis(DimAgeBand).Cells[0].Suppressed {
		t.Errorf("people reached total or age hidden: %+v", pr)
	}
	if ap := r.Get(CodeAuthorityParticipants); !ap.Suppressed || ap.Value != nil || ap.Numerator != 0 || !ap.Dis(DimSex).Cells[0].Suppressed || ap.Dis(DimSex).Cells[1].Suppressed {
		t.Errorf("authority participants (2): %+v", ap)
	}
	if kg := r.Get(CodeKnowledgeGain).Dis(DimSex).Cells; !kg[1].Suppressed || !kg[0].Suppressed || kg[1].Value != nil {
		t.Errorf("knowledge gain of 2 pairs: %+v", kg)
	}
	if eh := r.Get(CodeEventsHeld); eh.Suppressed || eh.Numerator != 3 {
		t.Errorf("events held are sessions, not people: %+v", eh)
	}
}
