package report_test

import (
	"math"
	"os"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/attendance"
	"github.com/lantern-ngo/lantern/app/report"
	"github.com/lantern-ngo/lantern/app/report/reporttest"
	"github.com/lantern-ngo/lantern/app/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// value returns an indicator's value (-1 when nil).
func value(t *testing.T, r *report.Indicators, code string) float64 {
	t.Helper()
	ind := r.Get(code)
	if ind == nil {
		t.Fatalf("no indicator %s", code)
	}
	if ind.Value == nil {
		return -1
	}
	return *ind.Value
}

// cells returns key → numerator (and denominator) of a disaggregation.
func cells(t *testing.T, r *report.Indicators, code, dim string) (map[string]float64, map[string]float64) {
	t.Helper()
	d := r.Get(code).Dis(dim)
	if d == nil {
		t.Fatalf("%s has no %s disaggregation", code, dim)
	}
	num, den := map[string]float64{}, map[string]float64{}
	for _, c := range d.Cells {
		num[c.Key] = c.Numerator
		if c.Denominator != nil {
			den[c.Key] = *c.Denominator
		}
	}
	return num, den
}

func wantCells(t *testing.T, label string, got map[string]float64, want map[string]float64) {
	t.Helper()
	for k, w := range want {
		if !near(got[k], w) {
			t.Errorf("%s[%s] = %v, want %v", label, k, got[k], w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok && g != 0 {
			t.Errorf("%s[%s] = %v, want 0", label, k, g)
		}
	}
}

// TestIndicatorsWorkedExample checks every figure against the table worked
// by hand in reporttest's package comment.
func TestIndicatorsWorkedExample(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ds := reporttest.Seed(t, db)
		r, err := report.Compute(t.Context(), db, report.Filter{}, reporttest.Now)
		if err != nil {
			t.Fatal(err)
		}
		// Held: E1, E2, E3, E7 (E4 cancelled, E5 future, E6 draft).
		for code, want := range map[string]float64{
			report.CodeEventsHeld:            4,
			report.CodeFilmDebateEvents:      2,
			report.CodePeopleReached:         44, // 23 + 7 + 9 + 5
			report.CodeAuthorityParticipants: 9,
			report.CodeQuizSessions:          0.25,      // E1 of 4
			report.CodeKnowledgeGain:         100.0 / 3, // (40 + 10 + 50) / 3 pairs
			report.CodeCoachingSessions:      2,
		} {
			if got := value(t, r, code); !near(got, want) {
				t.Errorf("%s = %v, want %v", code, got, want)
			}
		}
		if ind := r.Get(report.CodeKnowledgeGain); ind.Numerator != 100 || *ind.Denominator != 3 {
			t.Errorf("knowledge gain = %v / %v, want 100 / 3", ind.Numerator, *ind.Denominator)
		}
		if p := r.Get(report.CodeFilmDebateEvents).Progress; p == nil || !near(*p, 200.0/15) {
			t.Errorf("film events progress = %v, want 13.33 (2 of 15)", p)
		}

		num, _ := cells(t, r, report.CodePeopleReached, report.DimSex)
		wantCells(t, "reach/sex", num, map[string]float64{"female": 23, "male": 11, "other": 1, "not_stated": 9})
		num, _ = cells(t, r, report.CodePeopleReached, report.DimAgeBand)
		wantCells(t, "reach/age", num, map[string]float64{"under_16": 13, "16_17": 1, "18_24": 6, "25_59": 14, "60_plus": 4, "not_stated": 6})
		num, _ = cells(t, r, report.CodePeopleReached, report.DimRole)
		wantCells(t, "reach/role", num, map[string]float64{"parent": 3, "youth": 13, "social_worker": 4, "police": 1, "dolisa": 1, "local_official": 1, "not_stated": 21})
		num, _ = cells(t, r, report.CodePeopleReached, report.DimCity)
		wantCells(t, "reach/city", num, map[string]float64{"HCM": 32, "PT": 12})
		num, _ = cells(t, r, report.CodePeopleReached, report.DimKind)
		wantCells(t, "reach/kind", num, map[string]float64{"film_debate": 30, "authority_workshop": 9, "life_skills": 5})

		num, _ = cells(t, r, report.CodeAuthorityParticipants, report.DimSex)
		wantCells(t, "authority/sex", num, map[string]float64{"female": 5, "male": 3, "not_stated": 1})
		num, _ = cells(t, r, report.CodeAuthorityParticipants, report.DimRole)
		wantCells(t, "authority/role", num, map[string]float64{"dolisa": 1, "police": 1, "local_official": 1, "social_worker": 4, "not_stated": 2})
		num, _ = cells(t, r, report.CodeAuthorityParticipants, report.DimAgeBand)
		wantCells(t, "authority/age", num, map[string]float64{"25_59": 8, "60_plus": 1})

		num, _ = cells(t, r, report.CodeEventsHeld, report.DimKind)
		wantCells(t, "held/kind", num, map[string]float64{"film_debate": 2, "authority_workshop": 1, "life_skills": 1})
		num, den := cells(t, r, report.CodeQuizSessions, report.DimCity)
		wantCells(t, "quiz/city", num, map[string]float64{"HCM": 1})
		wantCells(t, "quiz/city den", den, map[string]float64{"HCM": 2, "PT": 2})

		num, den = cells(t, r, report.CodeKnowledgeGain, report.DimSex)
		wantCells(t, "gain/sex", num, map[string]float64{"female": 90, "male": 10})
		wantCells(t, "gain/sex den", den, map[string]float64{"female": 2, "male": 1})
		num, den = cells(t, r, report.CodeKnowledgeGain, report.DimRole)
		wantCells(t, "gain/role", num, map[string]float64{"parent": 50, "not_stated": 50})
		wantCells(t, "gain/role den", den, map[string]float64{"parent": 2, "not_stated": 1})
		num, _ = cells(t, r, report.CodeKnowledgeGain, report.DimAgeBand)
		wantCells(t, "gain/age", num, map[string]float64{"under_16": 50, "18_24": 40, "25_59": 10})

		// Period 2026 and partner P1: E1 and E3 only.
		f, err := report.ParseFilter("2026-01-01", "2026-06-30", ds.PartnerID)
		if err != nil {
			t.Fatal(err)
		}
		r, err = report.Compute(t.Context(), db, f, reporttest.Now)
		if err != nil {
			t.Fatal(err)
		}
		for code, want := range map[string]float64{
			report.CodeEventsHeld: 2, report.CodeFilmDebateEvents: 1, report.CodePeopleReached: 32,
			report.CodeAuthorityParticipants: 9, report.CodeQuizSessions: 0.5, report.CodeKnowledgeGain: 100.0 / 3,
		} {
			if got := value(t, r, code); !near(got, want) {
				t.Errorf("P1 2026: %s = %v, want %v", code, got, want)
			}
		}
		if got := value(t, r, report.CodeCoachingSessions); got != 2 {
			t.Errorf("P1 2026: coaching sessions = %v, want 2 (coaching has no partner)", got)
		}
		// From 2026-03-10 (E1's day, in Vietnam time) to 2026-04-05: E1 and E2.
		f, _ = report.ParseFilter("2026-03-10", "2026-04-05", 0)
		r, err = report.Compute(t.Context(), db, f, reporttest.Now)
		if err != nil {
			t.Fatal(err)
		}
		if got := value(t, r, report.CodePeopleReached); got != 30 {
			t.Errorf("March 10 – April 5: people reached = %v, want 30", got)
		}
		if got := value(t, r, report.CodeCoachingSessions); got != 0 {
			t.Errorf("March 10 – April 5: coaching sessions = %v, want 0", got)
		}
		f, _ = report.ParseFilter("2026-03-01", "", 0)
		if r, err = report.Compute(t.Context(), db, f, reporttest.Now); err != nil {
			t.Fatal(err)
		}
		if got := value(t, r, report.CodeCoachingSessions); got != 1 {
			t.Errorf("since March: coaching sessions = %v, want 1 (May 7)", got)
		}
	})
}

// TestCellsAddUp: along every dimension, the cells sum to the total.
func TestCellsAddUp(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		reporttest.Seed(t, db)
		r, err := report.Compute(t.Context(), db, report.Filter{}, reporttest.Now)
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, ind := range r.Indicators {
			for _, d := range ind.Disaggregations {
				var num, den float64
				for _, c := range d.Cells {
					num += c.Numerator
					if c.Denominator != nil {
						den += *c.Denominator
					}
				}
				if !near(num, ind.Numerator) {
					t.Errorf("%s by %s: cells sum to %v, total %v", ind.Code, d.Dimension, num, ind.Numerator)
				}
				if ind.Denominator != nil && !near(den, *ind.Denominator) {
					t.Errorf("%s by %s: denominators sum to %v, total %v", ind.Code, d.Dimension, den, *ind.Denominator)
				}
				checked++
			}
		}
		if checked < 15 {
			t.Errorf("only %d disaggregations checked", checked)
		}
	})
}

func TestParseFilter(t *testing.T) {
	for _, c := range []struct {
		from, to string
		ok       bool
	}{{"", "", true}, {"2026-01-01", "", true}, {"2026-01-01", "2026-12-31", true}, {"2026-12-31", "2026-01-01", false}, {"31/12/2026", "", false}} {
		_, err := report.ParseFilter(c.from, c.to, 0)
		if (err == nil) != c.ok {
			t.Errorf("ParseFilter(%q, %q) error = %v, want ok %v", c.from, c.to, err, c.ok)
		}
	}
}

// TestReachAgreesWithAttendance: on a period whose events are all held,
// people reached equals the attendance area's own sum (ProgrammeReach
// also counts cancelled and future events, which the indicator leaves out).
func TestReachAgreesWithAttendance(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		reporttest.Seed(t, db)
		f, _ := report.ParseFilter("2026-03-01", "2026-03-31", 0) // E1 only
		r, err := report.Compute(t.Context(), db, f, reporttest.Now)
		if err != nil {
			t.Fatal(err)
		}
		from, to := f.Bounds()
		a, err := attendance.ProgrammeReach(t.Context(), db, *from, *to)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Get(report.CodePeopleReached).Numerator; got != 23 || int(got) != a.PeopleReached {
			t.Errorf("people reached = %v, attendance area = %d, want 23 both", got, a.PeopleReached)
		}
	})
}

// TestComputeQueryCount: the indicators take a fixed number of queries,
// whatever the number of events and people (never a query per row).
func TestComputeQueryCount(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		reporttest.Seed(t, db)
		qc := testutil.CountQueries(t, db)
		if _, err := report.Compute(t.Context(), db, report.Filter{}, reporttest.Now); err != nil {
			t.Fatal(err)
		}
		before := qc.N()
		// Three more events held, with people checked in.
		for i := 0; i < 3; i++ {
			e := testutil.Event(t, db, testutil.EventOpts{Now: reporttest.Now, StartsIn: -time.Duration(i+2) * 24 * time.Hour})
			for j := 0; j < 4; j++ {
				r := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Sex: "female"})
				if err := db.Exec("INSERT INTO attendances (event_id, registration_id, checked_in_at, source, created_at) VALUES (?, ?, ?, 'roster', ?)",
					e.ID, r.ID, reporttest.Now, reporttest.Now).Error; err != nil {
					t.Fatal(err)
				}
			}
		}
		qc.Reset()
		r, err := report.Compute(t.Context(), db, report.Filter{}, reporttest.Now)
		if err != nil {
			t.Fatal(err)
		}
		if qc.N() != before {
			t.Errorf("%d queries with 3 more events, %d before", qc.N(), before)
		}
		if got := r.Get(report.CodePeopleReached).Numerator; got != 44+12 {
			t.Errorf("people reached = %v, want 56", got)
		}
	})
}
