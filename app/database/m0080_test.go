package database_test

import (
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/registration"
	"github.com/lantern-ngo/lantern/app/testutil"
)

// Groups recorded before the grid keep their two separate totals, marked
// unknown crossing; groups with the grid and individuals are left alone.
func TestM0080MarksOldGroupsUnknownCrossing(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		e := testutil.Event(t, db, testutil.EventOpts{})
		old := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Kind: registration.KindGroup, Size: 10, Phone: "-"})
		empty := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Kind: registration.KindGroup, Size: 5, Phone: "-"})
		grid := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Kind: registration.KindGroup, Size: 3, Phone: "-"})
		one := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "Lan"})
		set := func(id uint, bd string) {
			if err := db.Exec("UPDATE registrations SET group_breakdown = ? WHERE id = ?", bd, id).Error; err != nil {
				t.Fatal(err)
			}
		}
		set(old.ID, `{"sex":{"female":6,"male":4},"age_band":{"under_16":10}}`)
		set(empty.ID, `{}`)
		set(grid.ID, `{"grid":{"male":{"18_24":3}}}`)
		// The tables of the migration exist already: run it again as it ran.
		if err := db.Exec("DROP TABLE dhis2_pushes").Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("DROP TABLE dhis2_mappings").Error; err != nil {
			t.Fatal(err)
		}
		if err := database.M0080DHIS2().Migrate(db); err != nil {
			t.Fatal(err)
		}
		get := func(id uint) registration.Breakdown {
			var s string
			db.Table("registrations").Where("id = ?", id).Select("group_breakdown").Scan(&s)
			return registration.ParseBreakdown(s)
		}
		if b := get(old.ID); !b.UnknownCrossing || b.Crossed() || b.Sex["female"] != 6 || b.AgeBand["under_16"] != 10 {
			t.Errorf("old group: %+v", b)
		}
		if b := get(empty.ID); !b.UnknownCrossing || b.Crossed() {
			t.Errorf("group without breakdown: %+v", b)
		}
		if b := get(grid.ID); b.UnknownCrossing || !b.Crossed() || b.Grid["male"]["18_24"] != 3 {
			t.Errorf("grid group: %+v", b)
		}
		if b := get(one.ID); b.UnknownCrossing {
			t.Errorf("individual: %+v", b)
		}
	})
}
