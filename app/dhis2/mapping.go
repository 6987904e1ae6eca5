package dhis2

import (
	"context"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/report"
)

// Mapping is one line of dhis2_mappings (m0080).
type Mapping struct {
	ID          uint
	Kind        string
	Key         string
	Value       string
	Name        string
	UpdatedByID *uint
	UpdatedAt   time.Time
}

// TableName keeps GORM on the migrated table.
func (Mapping) TableName() string { return "dhis2_mappings" }

// Kinds of mapping.
const (
	KindSetting     = "setting"
	KindDataElement = "data_element"
	KindCOC         = "coc"
	KindOrgUnit     = "org_unit"
)

// Settings of the mapping (KindSetting keys).
const (
	SettingDataSet    = "data_set"
	SettingPeriodType = "period_type"
)

// Period types.
const (
	Monthly   = "monthly"
	Quarterly = "quarterly"
)

// PeriodTypes are the period types Lantern sends.
var PeriodTypes = []string{Monthly, Quarterly}

// COCKeys are the cells mapped to category option combos: report.Total
// (the default combo, for the indicators that are not disaggregated), then
// the sex × age cells and report.NotRecorded.
func COCKeys() []string { return append([]string{report.Total}, report.SexAgeKeys()...) }

// Map is the whole mapping.
type Map struct {
	DataSet, PeriodType string
	DataElements        map[string]string // indicator code → data element id
	COCs                map[string]string // COCKeys → category option combo id
	OrgUnits            map[string]string // city code → organisation unit id
	Names               map[string]string // kind + "/" + key → DHIS2's name when mapped
}

// LoadMap reads the mapping.
func LoadMap(ctx context.Context, db *gorm.DB) (*Map, error) {
	var rows []Mapping
	if err := db.WithContext(ctx).Order("kind, key").Find(&rows).Error; err != nil {
		return nil, err
	}
	m := &Map{DataElements: map[string]string{}, COCs: map[string]string{}, OrgUnits: map[string]string{}, Names: map[string]string{}}
	for _, r := range rows {
		m.Names[r.Kind+"/"+r.Key] = r.Name
		switch r.Kind {
		case KindSetting:
			switch r.Key {
			case SettingDataSet:
				m.DataSet = r.Value
			case SettingPeriodType:
				m.PeriodType = r.Value
			}
		case KindDataElement:
			m.DataElements[r.Key] = r.Value
		case KindCOC:
			m.COCs[r.Key] = r.Value
		case KindOrgUnit:
			m.OrgUnits[r.Key] = r.Value
		}
	}
	return m, nil
}

// Field names of the mapping form, and of its errors.
func FieldDataElement(code string) string { return "de_" + code }

// FieldCOC names a cell's field (":" is not welcome in an id).
func FieldCOC(key string) string { return "coc_" + strings.ReplaceAll(key, ":", "-") }

// FieldOrgUnit names a city's field.
func FieldOrgUnit(city string) string { return "ou_" + city }

// MappingInput is the mapping as an admin chose it; an empty id unmaps.
type MappingInput struct {
	DataSet, PeriodType string
	DataElements        map[string]string
	COCs                map[string]string
	OrgUnits            map[string]string
}

// uid is DHIS2's identifier: 11 characters, a letter then letters and digits.
var uid = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{10}$`)

// Check checks every id at once: the form of a DHIS2 uid, and, when the
// metadata could be read, that DHIS2 has it (of the right type). cities
// are the cities that may be mapped.
func (in *MappingInput) Check(meta *Metadata, cities []string) error {
	var fe apperr.FieldList
	one := func(field, id string, opts func(*Metadata) []Option) {
		id = strings.TrimSpace(id)
		if id == "" {
			return
		}
		if !uid.MatchString(id) {
			fe.Add(field, "error.dhis2.bad_id", nil)
			return
		}
		if meta != nil && Find(opts(meta), id) == nil {
			fe.Add(field, "error.dhis2.unknown_id", nil)
		}
	}
	if in.PeriodType != "" && in.PeriodType != Monthly && in.PeriodType != Quarterly {
		fe.Add("period_type", "error.dhis2.bad_period_type", nil)
	}
	one("data_set", in.DataSet, func(m *Metadata) []Option { return m.DataSets })
	for _, code := range report.CityCodes {
		one(FieldDataElement(code), in.DataElements[code], func(m *Metadata) []Option { return m.DataElements })
	}
	for _, k := range COCKeys() {
		one(FieldCOC(k), in.COCs[k], func(m *Metadata) []Option { return m.CategoryOptionCombos })
	}
	for _, c := range cities {
		one(FieldOrgUnit(c), in.OrgUnits[c], func(m *Metadata) []Option { return m.OrganisationUnits })
	}
	return fe.Err()
}

// Cities are the programme's cities (code and name), in code order.
func Cities(ctx context.Context, db *gorm.DB) ([]report.City, error) {
	var rows []struct {
		Code string
		Name content.Text
	}
	if err := db.WithContext(ctx).Raw("SELECT code, name FROM cities ORDER BY code").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]report.City, len(rows))
	for i, r := range rows {
		out[i] = report.City{Code: r.Code, Name: r.Name}
	}
	return out, nil
}

// SaveMapping checks the mapping against DHIS2's metadata (when DHIS2
// answers; otherwise the ids' form only) and writes it in one transaction,
// audited (dhis2.mapping). Nothing is written when a field is wrong.
func SaveMapping(ctx context.Context, db *gorm.DB, c *Client, in MappingInput, byID uint, now time.Time) error {
	cities, err := Cities(ctx, db)
	if err != nil {
		return err
	}
	codes := make([]string, len(cities))
	for i, ct := range cities {
		codes[i] = ct.Code
	}
	var meta *Metadata
	if c.Configured() {
		meta, _ = c.Metadata(ctx) // unreachable: the ids' form is still checked
	}
	if err := in.Check(meta, codes); err != nil {
		return err
	}
	type line struct{ kind, key, value string }
	var lines []line
	lines = append(lines, line{KindSetting, SettingDataSet, in.DataSet}, line{KindSetting, SettingPeriodType, in.PeriodType})
	for _, code := range report.CityCodes {
		lines = append(lines, line{KindDataElement, code, in.DataElements[code]})
	}
	for _, k := range COCKeys() {
		lines = append(lines, line{KindCOC, k, in.COCs[k]})
	}
	for _, ct := range codes {
		lines = append(lines, line{KindOrgUnit, ct, in.OrgUnits[ct]})
	}
	name := func(kind, key, id string) string {
		if meta == nil {
			return ""
		}
		var opts []Option
		switch kind {
		case KindSetting:
			if key != SettingDataSet {
				return ""
			}
			opts = meta.DataSets
		case KindDataElement:
			opts = meta.DataElements
		case KindCOC:
			opts = meta.CategoryOptionCombos
		case KindOrgUnit:
			opts = meta.OrganisationUnits
		}
		if o := Find(opts, id); o != nil {
			return truncate(o.Name, 230)
		}
		return ""
	}
	after := map[string]string{}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, l := range lines {
			v := strings.TrimSpace(l.value)
			if v == "" {
				if err := tx.Where("kind = ? AND key = ?", l.kind, l.key).Delete(&Mapping{}).Error; err != nil {
					return err
				}
				continue
			}
			after[l.kind+"/"+l.key] = v
			row := Mapping{Kind: l.kind, Key: l.key, Value: v, Name: name(l.kind, l.key, v), UpdatedAt: now.UTC()}
			if byID != 0 {
				row.UpdatedByID = &byID
			}
			if err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "kind"}, {Name: "key"}},
				DoUpdates: clause.AssignmentColumns([]string{"value", "name", "updated_by_id", "updated_at"}),
			}).Create(&row).Error; err != nil {
				return err
			}
		}
		return audit.Record(tx, byID, "dhis2.mapping", "dhis2", "mapping", nil, after)
	})
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
