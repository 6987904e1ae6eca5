package database

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0092ContactPhones gives a session's page a number to call with
// questions (issue 16): a partner's public line (partners.public_phone),
// else its country's contact line (countries.contact_phone). Both are
// organisations' numbers, shown to everyone; staff phones stay private.
// Countries now show on public pages: their changes count in the public
// version, as m0009 does for the other public tables.
func m0092ContactPhones() *gormigrate.Migration {
	type partner struct {
		PublicPhone string `gorm:"size:20;not null;default:''"`
	}
	type country struct {
		ContactPhone string `gorm:"size:20;not null;default:''"`
	}
	return &gormigrate.Migration{
		ID: "0092_contact_phones",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("partners").Migrator().AddColumn(&partner{}, "PublicPhone"); err != nil {
				return err
			}
			if err := tx.Table("countries").Migrator().AddColumn(&country{}, "ContactPhone"); err != nil {
				return err
			}
			if Dialect(tx) == "postgres" {
				return execAll(tx, `CREATE CONSTRAINT TRIGGER public_changed AFTER INSERT OR UPDATE OR DELETE ON countries
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lantern_public_changed()`)
			}
			for _, op := range []string{"INSERT", "UPDATE", "DELETE"} {
				q := fmt.Sprintf(`CREATE TRIGGER public_changed_countries_%s AFTER %s ON countries
BEGIN UPDATE public_versions SET n = n + 1 WHERE shard = 0; END`, op, op)
				if err := tx.Exec(q).Error; err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx, `ALTER TABLE partners DROP COLUMN public_phone`, `ALTER TABLE countries DROP COLUMN contact_phone`)
		},
	}
}
