package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0016GuardianCode: besides the link, the guardian's SMS carries a short
// code that can be typed on the page where the child was registered (a
// guardian at the keyboard with a phone that opens no links): its hash and
// the tries made.
func m0016GuardianCode() *gormigrate.Migration {
	type registration struct {
		GuardianCodeHash  string `gorm:"size:64;not null;default:''"`
		GuardianCodeTries int    `gorm:"not null;default:0"`
	}
	return &gormigrate.Migration{
		ID: "0016_guardian_code",
		Migrate: func(tx *gorm.DB) error {
			for _, col := range []string{"GuardianCodeHash", "GuardianCodeTries"} {
				if err := tx.Table("registrations").Migrator().AddColumn(&registration{}, col); err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error { return nil },
	}
}
