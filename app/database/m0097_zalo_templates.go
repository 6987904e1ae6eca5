package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0097ZaloTemplates keeps the Zalo (ZNS) template mapped by admins to each
// message kind and language ("" = any language): the template id Zalo
// approved, the template's parameter names mapped to the message's params
// (JSON), and whether it is in use. A row wins over ZALO_TEMPLATES for its
// kind and language.
//
// version grows by one at every save of a row, and rows are never deleted
// (an admin switches a mapping off): the sum of the versions therefore
// grows with every change, and each instance's ZNS driver keeps the
// mapping it read at one sum, reading it again only when the sum moved —
// the same idea as the version tables of m0009/m0019, without a trigger
// because a single domain function writes the table.
func m0097ZaloTemplates() *gormigrate.Migration {
	type zaloTemplate struct {
		ID          uint      `gorm:"primaryKey"`
		Kind        string    `gorm:"size:40;not null;uniqueIndex:ux_zalo_templates_kind_lang"`
		Lang        string    `gorm:"size:8;not null;default:'';uniqueIndex:ux_zalo_templates_kind_lang"`
		TemplateID  string    `gorm:"size:20;not null"`
		Params      string    `gorm:"type:text;not null;default:'[]'"`
		Active      bool      `gorm:"not null;default:false"`
		Version     int64     `gorm:"not null;default:1"`
		UpdatedByID *uint     ``
		UpdatedAt   time.Time `gorm:"not null"`
	}
	return &gormigrate.Migration{
		ID: "0097_zalo_templates",
		Migrate: func(tx *gorm.DB) error {
			return tx.Table("zalo_templates").Migrator().CreateTable(&zaloTemplate{})
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx, `DROP TABLE IF EXISTS zalo_templates`)
		},
	}
}
