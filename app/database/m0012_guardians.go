package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0012Guardians: children register with a parent or guardian (Law
// 91/2025/QH15 art. on children's data; Decree 356/2025).
//   - registrations: the child's age detail (under_7, 7_15; age_band stays
//     the reporting band under_16), the guardian's name, the hash of the
//     guardian's link, how long a pending registration holds its seat, and
//     how and when the guardian confirmed (link, SMS, or paper at the venue
//     recorded by a staff member).
//   - consent_versions.audience: adult, guardian or child texts.
//   - consent_records: which consent versions each registration holds, who
//     gave them (participant, guardian, child, partner) and when; a
//     withdrawal is a record too.
func m0012Guardians() *gormigrate.Migration {
	type registration struct {
		AgeDetail             string  `gorm:"size:16;not null;default:''"`
		GuardianName          string  `gorm:"size:200;not null;default:''"`
		GuardianTokenHash     *string `gorm:"size:64"`
		HoldUntil             *time.Time
		GuardianConfirmedAt   *time.Time
		GuardianMethod        string `gorm:"size:16;not null;default:''"`
		GuardianConfirmedByID *uint
	}
	type consentVersion struct {
		Audience string `gorm:"size:16;not null;default:'adult'"`
	}
	type consentRecord struct {
		ID             uint
		RegistrationID uint   `gorm:"not null;index"`
		Audience       string `gorm:"size:16;not null"`
		Version        string `gorm:"size:64;not null"`
		GivenBy        string `gorm:"size:16;not null"`
		Method         string `gorm:"size:16;not null"`
		Withdrawn      bool   `gorm:"not null;default:false"`
		RecordedByID   *uint
		CreatedAt      time.Time `gorm:"not null"`
	}
	return &gormigrate.Migration{
		ID: "0012_guardians",
		Migrate: func(tx *gorm.DB) error {
			for _, col := range []string{"AgeDetail", "GuardianName", "GuardianTokenHash", "HoldUntil",
				"GuardianConfirmedAt", "GuardianMethod", "GuardianConfirmedByID"} {
				if err := tx.Table("registrations").Migrator().AddColumn(&registration{}, col); err != nil {
					return err
				}
			}
			if err := tx.Table("consent_versions").Migrator().AddColumn(&consentVersion{}, "Audience"); err != nil {
				return err
			}
			if err := tx.Table("consent_records").Migrator().CreateTable(&consentRecord{}); err != nil {
				return err
			}
			return execAll(tx,
				`CREATE UNIQUE INDEX ux_registrations_guardian_token ON registrations (guardian_token_hash) WHERE guardian_token_hash IS NOT NULL`,
				// The release of expired holds finds pending registrations by time.
				`CREATE INDEX ix_registrations_hold ON registrations (hold_until) WHERE status = 'pending'`,
			)
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx,
				`DROP TABLE consent_records`,
				`DROP INDEX IF EXISTS ix_registrations_hold`,
				`DROP INDEX IF EXISTS ux_registrations_guardian_token`,
			)
		},
	}
}
