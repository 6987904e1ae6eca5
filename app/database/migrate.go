package database

import (
	"context"
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// migrations lists every schema change in order. Each one runs in its own
// transaction (gormigrate UseTransaction) and is recorded in schema_migrations.
// A migration freezes the structs it uses: never import domain models here.
func migrations() []*gormigrate.Migration {
	return []*gormigrate.Migration{
		m0001Foundation(),
		m0002Registration(),
		m0003Backoffice(),
		m0004Attendance(),
		m0005Quiz(),
		m0006Coaching(),
		m0007Reports(),
		m0008Events(),
		m0009PublicVersion(),
		m0010ReceiptSweep(),
		m0011FamilyPhones(),
		m0012Guardians(),
		m0013DataReads(),
		m0014DataAccess(),
		m0015Retention(),
		m0016GuardianCode(),
		m0017Channels(),
		m0018ContentVersion(),
		m0019QuizVersion(),
		m0020PhonePeople(),
		m0030LoginThrottle(),
		m0040InvisibleText(),
		m0050AttendanceMarks(),
		m0060APITokens(),
		m0070Webhooks(),
		m0080DHIS2(),
		m0090Countries(),
		m0091FilmLanguages(),
		m0092ContactPhones(),
		m0093StaffScopes(),
		m0094Ratings(),
		m0095Announcements(),
		m0096ConsentCountry(),
		m0097ZaloTemplates(),
		m0098ZaloChat(),
		m0099ZaloReceipts(),
		m0101OptinConfirm(),
		m0102UnloggedLimits(),
	}
}

func newMigrator(db *gorm.DB) *gormigrate.Gormigrate {
	return gormigrate.New(db, &gormigrate.Options{
		TableName:                 "schema_migrations",
		IDColumnName:              "id",
		IDColumnSize:              255,
		UseTransaction:            true,
		ValidateUnknownMigrations: true,
	}, migrations())
}

// Migrate brings the schema to the newest version.
func Migrate(ctx context.Context, db *gorm.DB) error {
	if err := newMigrator(db.WithContext(ctx)).Migrate(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// PendingMigrations counts migrations not yet applied (checked at start).
func PendingMigrations(ctx context.Context, db *gorm.DB) (int, error) {
	all := migrations()
	if !db.Migrator().HasTable("schema_migrations") {
		return len(all), nil
	}
	var done []string
	if err := db.WithContext(ctx).Table("schema_migrations").Pluck("id", &done).Error; err != nil {
		return 0, err
	}
	seen := map[string]bool{}
	for _, id := range done {
		seen[id] = true
	}
	n := 0
	for _, m := range all {
		if !seen[m.ID] {
			n++
		}
	}
	return n, nil
}

// execAll runs portable DDL statements in order.
func execAll(tx *gorm.DB, stmts ...string) error {
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}
