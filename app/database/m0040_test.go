package database_test

import (
	"os"
	"testing"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// Names stored before issue 17 keep their invisible characters and their old
// search keys: m0040 cleans and folds them again.
func TestM0040CleansStoredNames(t *testing.T) {
	testutil.ForEachDB(t, func(t *testing.T, db *gorm.DB) {
		e := testutil.Event(t, db, testutil.EventOpts{})
		r := testutil.Registration(t, db, e.ID, testutil.RegistrationOpts{Name: "Lan"})
		staff := testutil.Staff(t, db)
		// What the old code stored: the name as typed, folded without
		// removing the soft hyphen or decomposing compatibility forms.
		if err := db.Exec("UPDATE registrations SET name = ?, name_folded = ?, organisation = ? WHERE id = ?",
			"\u202eNguy\u00adễn Lan", "\u202enguy\u00aden lan", "Ｂình\u200d An", r.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("UPDATE users SET name = ? WHERE id = ?", "Hoa\u2066 Trần\u2069", staff.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := database.M0040InvisibleText().Migrate(db); err != nil {
			t.Fatal(err)
		}
		var got struct{ Name, NameFolded, Organisation string }
		db.Table("registrations").Where("id = ?", r.ID).Select("name, name_folded, organisation").Scan(&got)
		if got.Name != "Nguyễn Lan" || got.NameFolded != "nguyen lan" || got.Organisation != "Ｂình An" {
			t.Errorf("registration after m0040: %+q", got)
		}
		var name string
		db.Table("users").Where("id = ?", staff.ID).Select("name").Scan(&name)
		if name != "Hoa Trần" {
			t.Errorf("staff name after m0040: %q", name)
		}
	})
}
