package database

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// PublicTables are the tables whose rows the public pages show (events and
// their translations, venues, cities, partners, the consent text of the
// registration form). Any change to them bumps the public version.
var PublicTables = []string{"events", "event_translations", "venues", "cities", "partners", "consent_versions"}

// PublicVersionShards spreads the version counter over several rows so that
// transactions on different events rarely wait for each other.
const PublicVersionShards = 16

// m0009PublicVersion records, in the database, a version of everything the
// public pages show: the sum of public_versions.n grows with every committed
// change to PublicTables. Every server instance reads it (a few times a
// second at most) to know whether the anonymous pages it rendered earlier are
// still right, so a page cache never serves a seat count that another
// instance has changed, and no code path can forget to say it changed
// something: the triggers see every write, raw SQL included.
//
// On PostgreSQL the trigger is a deferred constraint trigger: it runs at
// commit, after every other statement of the transaction, so the shard row is
// the last lock a transaction takes and two transactions can never deadlock
// over it. The shard is chosen by transaction id. SQLite serialises writers,
// so one row and plain triggers do.
func m0009PublicVersion() *gormigrate.Migration {
	type publicVersion struct {
		Shard int   `gorm:"primaryKey;autoIncrement:false"`
		N     int64 `gorm:"not null;default:0"`
	}
	return &gormigrate.Migration{
		ID: "0009_public_version",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("public_versions").Migrator().CreateTable(&publicVersion{}); err != nil {
				return err
			}
			rows := make([]publicVersion, PublicVersionShards)
			for i := range rows {
				rows[i].Shard = i
			}
			if err := tx.Table("public_versions").Create(&rows).Error; err != nil {
				return err
			}
			if Dialect(tx) == "postgres" {
				fn := fmt.Sprintf(`CREATE OR REPLACE FUNCTION lantern_public_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE public_versions SET n = n + 1 WHERE shard = txid_current() %% %d;
  RETURN NULL;
END $$`, PublicVersionShards)
				if err := tx.Exec(fn).Error; err != nil {
					return err
				}
				for _, t := range PublicTables {
					q := fmt.Sprintf(`CREATE CONSTRAINT TRIGGER public_changed AFTER INSERT OR UPDATE OR DELETE ON %s
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lantern_public_changed()`, t)
					if err := tx.Exec(q).Error; err != nil {
						return err
					}
				}
				return nil
			}
			for _, t := range PublicTables {
				for _, op := range []string{"INSERT", "UPDATE", "DELETE"} {
					q := fmt.Sprintf(`CREATE TRIGGER public_changed_%s_%s AFTER %s ON %s
BEGIN UPDATE public_versions SET n = n + 1 WHERE shard = 0; END`, t, op, op, t)
					if err := tx.Exec(q).Error; err != nil {
						return err
					}
				}
			}
			return nil
		},
	}
}

// PublicVersion reads the current public version (see m0009PublicVersion).
func PublicVersion(db *gorm.DB) (int64, error) {
	var n int64
	err := db.Raw("SELECT COALESCE(SUM(n), 0) FROM public_versions").Scan(&n).Error
	return n, err
}
