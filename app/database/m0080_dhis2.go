package database

import (
	"encoding/json"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0080DHIS2 (issue 19):
//   - groups now record the sex × age grid, like headcounts
//     (registrations.group_breakdown {"grid":{sex:{band:n}}}). A group
//     recorded before kept two separate totals, by sex and by age band,
//     whose crossing is unknown: it is marked "unknown_crossing": true,
//     its totals kept as they were, so the figures count it as "sex × age
//     not recorded" and never invent a split;
//   - dhis2_mappings: what Lantern's indicators, sex × age cells and cities
//     are in a DHIS2 instance (kind: setting, data_element, coc, org_unit;
//     key: Lantern's code; value: the DHIS2 id; name: DHIS2's name then);
//   - dhis2_pushes: every push to DHIS2: the period, when, by whom, the
//     import summary's counts or the error.
func m0080DHIS2() *gormigrate.Migration {
	type dhis2Mapping struct {
		ID          uint      `gorm:"primaryKey"`
		Kind        string    `gorm:"size:20;not null;uniqueIndex:ux_dhis2_mappings_kind_key"`
		Key         string    `gorm:"size:60;not null;uniqueIndex:ux_dhis2_mappings_kind_key"`
		Value       string    `gorm:"size:60;not null"`
		Name        string    `gorm:"size:230;not null;default:''"`
		UpdatedByID *uint     ``
		UpdatedAt   time.Time `gorm:"not null"`
	}
	type dhis2Push struct {
		ID         uint      `gorm:"primaryKey"`
		Period     string    `gorm:"size:10;not null;index:ix_dhis2_pushes_period"`
		PushedAt   time.Time `gorm:"not null"`
		UserID     *uint     ``
		Status     string    `gorm:"size:20;not null"`
		ValueCount int       `gorm:"not null"`
		Imported   int       `gorm:"not null"`
		Updated    int       `gorm:"not null"`
		Ignored    int       `gorm:"not null"`
		Deleted    int       `gorm:"not null"`
		Conflicts  int       `gorm:"not null"`
		ErrorKey   string    `gorm:"size:60;not null;default:''"`
	}
	return &gormigrate.Migration{
		ID: "0080_dhis2",
		Migrate: func(tx *gorm.DB) error {
			var groups []struct {
				ID             uint
				GroupBreakdown string
			}
			if err := tx.Raw("SELECT id, group_breakdown FROM registrations WHERE kind = 'group' ORDER BY id").Scan(&groups).Error; err != nil {
				return err
			}
			for _, g := range groups {
				m := map[string]any{}
				_ = json.Unmarshal([]byte(g.GroupBreakdown), &m) // a broken one: kept as unknown crossing
				if _, ok := m["grid"]; ok {
					continue
				}
				m["unknown_crossing"] = true
				b, _ := json.Marshal(m)
				if err := tx.Exec("UPDATE registrations SET group_breakdown = ? WHERE id = ?", string(b), g.ID).Error; err != nil {
					return err
				}
			}
			if err := tx.Table("dhis2_mappings").Migrator().CreateTable(&dhis2Mapping{}); err != nil {
				return err
			}
			return tx.Table("dhis2_pushes").Migrator().CreateTable(&dhis2Push{})
		},
		Rollback: func(tx *gorm.DB) error {
			return execAll(tx, `DROP TABLE IF EXISTS dhis2_pushes`, `DROP TABLE IF EXISTS dhis2_mappings`)
		},
	}
}
