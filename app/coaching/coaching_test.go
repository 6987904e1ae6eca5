package coaching_test

import (
	"math"
	"os"
	"reflect"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/coaching"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/testutil"
	"github.com/lantern-ngo/lantern/app/user"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// The hand-worked example shared by the tests below.
//
// Coachee A (1), competency X (10): 10 Jan → 1, 14 Feb → 2, 20 Mar → 3: first 1, latest 3, change +2.
// Coachee A (1), competency Y (20): 10 Jan → 2, 20 Mar → 2: change 0.
// Coachee B (2), competency X (10): 1 Feb → 3 (session 3), 1 Feb → 2 (session 4, later that day): change −1.
// Coachee B (2), competency Y (20): 1 Feb → 4 only: rated once, no change yet, left out.
//
// Average change = (2 + 0 − 1) / 3 pairs = 1/3 ≈ 0.333.
// Per competency: X = (2 − 1) / 2 = 0.5; Y = 0 / 1 = 0.
var example = []coaching.RatingPoint{
	// Given out of order on purpose: the computation sorts by date, then session.
	{CoacheeID: 1, CompetencyID: 10, HeldOn: "2026-03-20", SessionID: 5, Level: 3},
	{CoacheeID: 2, CompetencyID: 10, HeldOn: "2026-02-01", SessionID: 4, Level: 2},
	{CoacheeID: 1, CompetencyID: 10, HeldOn: "2026-01-10", SessionID: 1, Level: 1},
	{CoacheeID: 1, CompetencyID: 20, HeldOn: "2026-03-20", SessionID: 5, Level: 2},
	{CoacheeID: 2, CompetencyID: 20, HeldOn: "2026-02-01", SessionID: 3, Level: 4},
	{CoacheeID: 1, CompetencyID: 10, HeldOn: "2026-02-14", SessionID: 2, Level: 2},
	{CoacheeID: 2, CompetencyID: 10, HeldOn: "2026-02-01", SessionID: 3, Level: 3},
	{CoacheeID: 1, CompetencyID: 20, HeldOn: "2026-01-10", SessionID: 1, Level: 2},
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestCompetencyTrendHandWorked(t *testing.T) {
	changes := coaching.Changes(example)
	want := map[[2]uint][2]int{ // (coachee, competency) -> (first, latest)
		{1, 10}: {1, 3},
		{1, 20}: {2, 2},
		{2, 10}: {3, 2},
	}
	if len(changes) != len(want) {
		t.Fatalf("changes = %+v, want %d pairs", changes, len(want))
	}
	for _, c := range changes {
		w, ok := want[[2]uint{c.CoacheeID, c.CompetencyID}]
		if !ok || c.First != w[0] || c.Latest != w[1] {
			t.Errorf("change %+v, want first/latest %v", c, w)
		}
	}
	avg, pairs, ok := coaching.AverageChange(example)
	if !ok || pairs != 3 || !near(avg, 1.0/3) {
		t.Errorf("AverageChange = %v, %d, %v; want 0.333…, 3, true", avg, pairs, ok)
	}
	by := coaching.AverageChangeByCompetency(example)
	if !near(by[10], 0.5) || !near(by[20], 0) || len(by) != 2 {
		t.Errorf("by competency = %v, want 10→0.5, 20→0", by)
	}
	if _, _, ok := coaching.AverageChange(example[:1]); ok {
		t.Error("one rating alone must give no change")
	}
}

func TestAccessRules(t *testing.T) {
	coachID := uint(3)
	coachee := &user.User{ID: 1, Roles: "trainer", CoachID: &coachID}
	cases := []struct {
		name         string
		viewer       *user.User
		read, change bool
	}{
		{"the coachee", &user.User{ID: 1, Roles: "trainer"}, true, false},
		{"another trainer", &user.User{ID: 2, Roles: "trainer"}, false, false},
		{"their coach", &user.User{ID: 3, Roles: "coach"}, true, true},
		{"another coach", &user.User{ID: 4, Roles: "coach"}, false, false},
		{"an organiser", &user.User{ID: 5, Roles: "organiser"}, true, true},
		{"an admin", &user.User{ID: 6, Roles: "admin"}, true, true},
		{"nobody", nil, false, false},
	}
	for _, c := range cases {
		got := coaching.AccessFor(c.viewer, coachee)
		if got.Read != c.read || got.Change != c.change {
			t.Errorf("%s: %+v, want read %v change %v", c.name, got, c.read, c.change)
		}
	}
}

func TestWeekEnd(t *testing.T) {
	for day, want := range map[string]string{
		"2026-11-25": "2026-11-29", // Wednesday → Sunday
		"2026-11-29": "2026-11-29", // Sunday is the week's last day
		"2026-11-30": "2026-12-06", // Monday starts a new week
	} {
		if got := coaching.WeekEnd(day); got != want {
			t.Errorf("WeekEnd(%s) = %s, want %s", day, got, want)
		}
	}
}

func competency(t *testing.T, db *gorm.DB, code string) coaching.Competency {
	t.Helper()
	c := coaching.Competency{Code: code, Name: content.Text{"vi": code}, Active: true}
	if err := db.Create(&c).Error; err != nil {
		t.Fatal(err)
	}
	return c
}

// TestProgrammeFigures stores the hand-worked example above (same dates and
// levels) with action points, and checks the figures on both databases.
func TestProgrammeFigures(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ctx := t.Context()
		now := time.Date(2026, 4, 1, 3, 0, 0, 0, time.UTC)
		org := testutil.Staff(t, db, user.RoleOrganiser)
		coach := testutil.Staff(t, db, user.RoleCoach)
		a := testutil.Staff(t, db, user.RoleTrainer)
		b := testutil.Staff(t, db, user.RoleTrainer)
		for _, u := range []*user.User{a, b} {
			if err := db.Model(u).Update("coach_id", coach.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
		x, y := competency(t, db, "x"), competency(t, db, "y")
		record := func(who *user.User, day string, ratings map[uint]int, aps ...coaching.ActionPoint) *coaching.Session {
			s, err := coaching.RecordSession(ctx, db, coaching.SessionInput{
				CoacheeID: who.ID, HeldOn: day, Mode: coaching.ModeOnSite, Ratings: ratings, ActionPoints: aps,
			}, org, now)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		s1 := record(a, "2026-01-10", map[uint]int{x.ID: 1, y.ID: 2}, coaching.ActionPoint{Text: "on time", DueOn: "2026-01-20"})
		s2 := record(a, "2026-02-14", map[uint]int{x.ID: 2}, coaching.ActionPoint{Text: "late", DueOn: "2026-02-20"})
		record(b, "2026-02-01", map[uint]int{x.ID: 3, y.ID: 4}, coaching.ActionPoint{Text: "overdue", DueOn: "2026-02-10"})
		record(b, "2026-02-01", map[uint]int{x.ID: 2}, coaching.ActionPoint{Text: "not due yet", DueOn: "2026-05-01"})
		record(a, "2026-03-20", map[uint]int{x.ID: 3, y.ID: 2})
		if s1.CoachID != coach.ID {
			t.Errorf("session coach = %d, want the coachee's coach %d", s1.CoachID, coach.ID)
		}
		if err := coaching.SetActionPointDone(ctx, db, s1.ActionPoints[0].ID, true, "2026-01-18", coach.ID); err != nil {
			t.Fatal(err)
		}
		if err := coaching.SetActionPointDone(ctx, db, s2.ActionPoints[0].ID, true, "2026-02-25", coach.ID); err != nil {
			t.Fatal(err)
		}

		f, err := coaching.ProgrammeFigures(ctx, db, coaching.Period{}, "2026-04-01")
		if err != nil {
			t.Fatal(err)
		}
		if f.Sessions != 5 || f.Coachees != 2 {
			t.Errorf("sessions %d coachees %d, want 5 and 2", f.Sessions, f.Coachees)
		}
		wantMonths := []coaching.MonthCount{{"2026-01", 1, 1}, {"2026-02", 3, 2}, {"2026-03", 1, 1}}
		if len(f.PerMonth) != 3 {
			t.Fatalf("per month = %+v", f.PerMonth)
		}
		for i, m := range wantMonths {
			if f.PerMonth[i] != m {
				t.Errorf("month %d = %+v, want %+v", i, f.PerMonth[i], m)
			}
		}
		if !f.HasChange || f.ChangePairs != 3 || !near(f.AverageChange, 1.0/3) {
			t.Errorf("average change %v over %d (%v), want 1/3 over 3", f.AverageChange, f.ChangePairs, f.HasChange)
		}
		// Due by 1 April or done: "on time" (done 18 Jan, due 20 Jan), "late"
		// (done 25 Feb, due 20 Feb), "overdue" (open, due 10 Feb) = 3; the one
		// due 1 May is not counted. On time: 1 of 3.
		if f.ActionPointsDue != 3 || f.ActionPointsDone != 2 || f.OnTime != 1 || !near(f.OnTimeRate, 1.0/3) {
			t.Errorf("action points due %d done %d on time %d rate %v, want 3, 2, 1, 1/3", f.ActionPointsDue, f.ActionPointsDone, f.OnTime, f.OnTimeRate)
		}
		if len(f.ByCompetency) != 2 || !near(f.ByCompetency[0].Average, 0.5) || f.ByCompetency[0].Pairs != 2 || !near(f.ByCompetency[1].Average, 0) {
			t.Errorf("by competency = %+v, want X 0.5 over 2, Y 0", f.ByCompetency)
		}

		// From 1 February: A on X goes 2 → 3 (+1), B on X 3 → 2 (−1); A on
		// Y and B on Y are rated once: average 0 over 2 pairs. Action points:
		// "late" and "overdue" are due, none on time.
		f, err = coaching.ProgrammeFigures(ctx, db, coaching.Period{From: "2026-02-01"}, "2026-04-01")
		if err != nil {
			t.Fatal(err)
		}
		if f.Sessions != 4 || f.Coachees != 2 || f.ChangePairs != 2 || !near(f.AverageChange, 0) || f.ActionPointsDue != 2 || f.OnTime != 0 {
			t.Errorf("from February: %+v", f)
		}

		// The coach's page: A was coached on 20 March, B on 1 February. With
		// 6 weeks, on 1 April the limit is 18 February: B is overdue, A not.
		list, err := coaching.Coachees(ctx, db, coach.ID, "", 6, "2026-04-01")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 {
			t.Fatalf("coachees = %+v", list)
		}
		for _, ce := range list {
			wantOverdue := ce.User.ID == b.ID
			if ce.Overdue != wantOverdue {
				t.Errorf("%d overdue = %v, want %v (last %s)", ce.User.ID, ce.Overdue, wantOverdue, ce.LastHeldOn)
			}
		}
		// Due by Sunday 5 April: only "overdue" (10 Feb) is open and due.
		due, err := coaching.DueThisWeek(ctx, db, coach.ID, "", "2026-04-01")
		if err != nil {
			t.Fatal(err)
		}
		if len(due) != 1 || due[0].Text != "overdue" || due[0].CoacheeName != b.Name {
			t.Errorf("due this week = %+v", due)
		}
	})
}

func TestBuildChartGeometry(t *testing.T) {
	// Plot area x 28…310, y 150 (level 1) … 12 (level 4): a level is
	// (150 − 12) / 3 = 46 px. Two sessions: x = 28 and 310.
	sessions := []coaching.Session{
		{ID: 1, HeldOn: "2026-01-10", Ratings: []coaching.Rating{{CompetencyID: 7, Level: 1}}},
		{ID: 2, HeldOn: "2026-03-20", Ratings: []coaching.Rating{{CompetencyID: 7, Level: 4}}},
	}
	comps := []coaching.Competency{{ID: 7}, {ID: 8}} // 8 is never rated: no line
	c := coaching.BuildChart(sessions, comps, func(d string) string { return d[5:] })
	if c == nil || len(c.Series) != 1 {
		t.Fatalf("chart = %+v", c)
	}
	// Series 0 of 2 is shifted by (0 − 1) × 3 = −3 px.
	if got, want := c.Series[0].Points, "28,147 310,9"; got != want {
		t.Errorf("points = %q, want %q", got, want)
	}
	var ys []int
	for _, tk := range c.YTicks {
		ys = append(ys, tk.Pos)
	}
	if !reflect.DeepEqual(ys, []int{150, 104, 58, 12}) {
		t.Errorf("y ticks = %v", ys)
	}
	if len(c.XTicks) != 2 || c.XTicks[0] != (coaching.Tick{Pos: 28, Label: "01-10", Anchor: "start"}) || c.XTicks[1].Anchor != "end" {
		t.Errorf("x ticks = %+v", c.XTicks)
	}
	if coaching.BuildChart(nil, comps, nil) != nil {
		t.Error("no session, no chart")
	}
}
