package report_test

import (
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/report"
	"github.com/lantern-ngo/lantern/app/report/reporttest"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// TestSexAgeCrossing checks the sex × age dimension by hand: the worked
// example's groups were recorded as two separate totals (their crossing
// unknown), so they are "not recorded" there, never split; a group with
// the grid gives its cells, and its margins by sex and by age band.
func TestSexAgeCrossing(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		ds := reporttest.Seed(t, db)
		r, err := report.Compute(t.Context(), db, report.Filter{}, reporttest.Now)
		if err != nil {
			t.Fatal(err)
		}
		num, _ := cells(t, r, report.CodePeopleReached, report.DimSexAge)
		wantCells(t, "reach/sex_age", num, map[string]float64{
			"female:18_24": 6, "male:25_59": 4, "not_stated:not_stated": 1, "female:25_59": 6, "male:60_plus": 3,
			"not_stated:under_16": 2, "female:under_16": 1, "other:16_17": 1, "female:60_plus": 1,
			report.NotRecorded: 19, // G1 10, G2 5, G3 4
		})
		num, _ = cells(t, r, report.CodeAuthorityParticipants, report.DimSexAge)
		wantCells(t, "authority/sex_age", num, map[string]float64{"female:25_59": 1, "male:25_59": 3, "female:60_plus": 1, report.NotRecorded: 4})

		// A group of 6 recorded with the grid, present at E7.
		e7 := ds.Events["E7"]
		g := registration.Registration{EventID: e7.ID, Code: "RTGRID1", Kind: registration.KindGroup, Status: registration.StatusConfirmed,
			Name: "Nhà mở", NameFolded: "nha mo", GroupSize: 6, GroupBreakdown: `{"grid":{"female":{"under_16":4},"male":{"16_17":2}}}`,
			Lang: "vi", Source: registration.SourceStaff, CreatedAt: e7.StartsAt, UpdatedAt: e7.StartsAt}
		if err := db.Create(&g).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("INSERT INTO attendances (event_id, registration_id, checked_in_at, source, created_at) VALUES (?, ?, ?, 'roster', ?)",
			e7.ID, g.ID, e7.StartsAt, e7.StartsAt).Error; err != nil {
			t.Fatal(err)
		}
		r, err = report.Compute(t.Context(), db, report.Filter{}, reporttest.Now)
		if err != nil {
			t.Fatal(err)
		}
		num, _ = cells(t, r, report.CodePeopleReached, report.DimSexAge)
		if num["female:under_16"] != 5 || num["male:16_17"] != 2 || num[report.NotRecorded] != 19 {
			t.Errorf("with the grid group: %v", num)
		}
		num, _ = cells(t, r, report.CodePeopleReached, report.DimSex)
		wantCells(t, "reach/sex", num, map[string]float64{"female": 27, "male": 13, "other": 1, "not_stated": 9})
		num, _ = cells(t, r, report.CodePeopleReached, report.DimAgeBand)
		wantCells(t, "reach/age", num, map[string]float64{"under_16": 17, "16_17": 3, "18_24": 6, "25_59": 14, "60_plus": 4, "not_stated": 6})

		// Per city, the same figures: they add up to Compute's cells.
		bc, err := report.ComputeByCity(t.Context(), db, report.Filter{}, reporttest.Now)
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range report.CityCodes {
			ind := r.Get(code)
			sum := 0.0
			for _, c := range bc.Cities {
				for _, v := range bc.Values[c.Code][code] {
					sum += v
				}
			}
			if sum != ind.Numerator {
				t.Errorf("%s: by city %v, Compute %v", code, sum, ind.Numerator)
			}
			if report.BySexAge(code) {
				for _, cell := range ind.Dis(report.DimSexAge).Cells {
					got := 0.0
					for _, c := range bc.Cities {
						got += bc.Get(c.Code, code, cell.Key)
					}
					if got != cell.Numerator {
						t.Errorf("%s/%s: by city %v, Compute %v", code, cell.Key, got, cell.Numerator)
					}
				}
			}
		}
		if got := bc.Get("PT", report.CodePeopleReached, "female:under_16"); got != 5 {
			t.Errorf("PT female under 16 = %v, want 5 (R5 and the grid group's 4)", got)
		}
		if got := bc.Get("HCM", report.CodePeopleReached, report.NotRecorded); got != 14 {
			t.Errorf("HCM not recorded = %v, want 14 (G1, G3)", got)
		}
	})
}
