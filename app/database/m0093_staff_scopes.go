package database

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0093StaffScopes gives staff accounts a scope (issue 20): one country,
// narrowed if need be to some of its cities and partners; "" is the whole
// programme, which every account had before. The lists are short and read
// with the account on every request, so they live on its row, as the roles
// do ("3,7").
func m0093StaffScopes() *gormigrate.Migration {
	type user struct {
		ScopeCountry    string `gorm:"size:2;not null;default:''"`
		ScopeCityIDs    string `gorm:"column:scope_city_ids;size:400;not null;default:''"`
		ScopePartnerIDs string `gorm:"column:scope_partner_ids;size:400;not null;default:''"`
	}
	return &gormigrate.Migration{
		ID: "0093_staff_scopes",
		Migrate: func(tx *gorm.DB) error {
			m := tx.Table("users").Migrator()
			for _, col := range []string{"ScopeCountry", "ScopeCityIDs", "ScopePartnerIDs"} {
				if err := m.AddColumn(&user{}, col); err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx, `ALTER TABLE users DROP COLUMN scope_country`,
				`ALTER TABLE users DROP COLUMN scope_city_ids`, `ALTER TABLE users DROP COLUMN scope_partner_ids`)
		},
	}
}
