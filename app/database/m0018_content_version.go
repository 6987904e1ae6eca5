package database

import (
	"fmt"
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0018ContentVersion counts the changes to what an event IS (its texts,
// times, venue, consent texts), leaving out how many seats are taken.
//
// The public version (m0009) moves with every registration, because the
// pages show the seats left; during a popular session's rush it changes
// hundreds of times a second, and nothing keyed on it stays cached. The
// registration form only needs the event's description (to check it and to
// write the ticket's message), which does not change while people register:
// keyed on this version, an instance loads it once, not once a person.
//
// PostgreSQL: the same deferred triggers as the public version, except that
// an UPDATE of events fires only when a column other than seats_taken
// changed (the row compared without it). SQLite serialises writers and is
// not where a rush is served: its content version is the public version.
func m0018ContentVersion() *gormigrate.Migration {
	type contentVersion struct {
		Shard int   `gorm:"primaryKey;autoIncrement:false"`
		N     int64 `gorm:"not null;default:0"`
	}
	return &gormigrate.Migration{
		ID: "0018_content_version",
		Migrate: func(tx *gorm.DB) error {
			if Dialect(tx) != "postgres" {
				return nil
			}
			if err := tx.Table("content_versions").Migrator().CreateTable(&contentVersion{}); err != nil {
				return err
			}
			rows := make([]contentVersion, PublicVersionShards)
			for i := range rows {
				rows[i].Shard = i
			}
			if err := tx.Table("content_versions").Create(&rows).Error; err != nil {
				return err
			}
			fn := fmt.Sprintf(`CREATE OR REPLACE FUNCTION lantern_content_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE content_versions SET n = n + 1 WHERE shard = txid_current() %% %d;
  RETURN NULL;
END $$`, PublicVersionShards)
			stmts := []string{fn}
			for _, t := range PublicTables {
				if t == "events" {
					stmts = append(stmts,
						`CREATE CONSTRAINT TRIGGER content_changed AFTER INSERT OR DELETE ON events
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lantern_content_changed()`,
						`CREATE CONSTRAINT TRIGGER content_changed_update AFTER UPDATE ON events
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
WHEN ((to_jsonb(OLD) - 'seats_taken') IS DISTINCT FROM (to_jsonb(NEW) - 'seats_taken'))
EXECUTE FUNCTION lantern_content_changed()`)
					continue
				}
				stmts = append(stmts, strings.ReplaceAll(`CREATE CONSTRAINT TRIGGER content_changed AFTER INSERT OR UPDATE OR DELETE ON TABLE
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lantern_content_changed()`, "TABLE", t))
			}
			for _, q := range stmts {
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// ContentVersion reads the current content version (see m0018ContentVersion).
func ContentVersion(db *gorm.DB) (int64, error) {
	if Dialect(db) != "postgres" {
		return PublicVersion(db)
	}
	var n int64
	err := db.Raw("SELECT COALESCE(SUM(n), 0) FROM content_versions").Scan(&n).Error
	return n, err
}
