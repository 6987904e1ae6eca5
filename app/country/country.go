// Package country holds the programme's countries as data (issue 20): each
// has its phone region, its time zone, its interface languages and the
// order in which content missing in a language is looked for, its message
// channels and their costs, and its retention period where its law differs.
// Cities belong to a country; sessions take their time zone and phone
// region from their city's country when they are saved.
//
// Nothing else in the code names a country: Vietnam is the seeded default
// (migration m0090), and the one place a number or a time is read for "the
// programme" when no session tells which is the default country.
package country

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/locale"
	"github.com/lantern-ngo/lantern/app/phone"
)

// Channels a country's messages may go through, in the order admins pick.
var Channels = []string{"zalo", "sms"}

// Country is one of the programme's countries.
type Country struct {
	Code            string `gorm:"primaryKey"` // ISO 3166-1 alpha-2
	Name            content.Text
	PhoneRegion     string // where numbers typed without + belong
	TimeZone        string // IANA name: the default for its cities
	Languages       List   // interface languages offered on its pages, in order
	ContentFallback List   // where content missing in a language is looked for
	Channels        List   // message channels, first tried first
	Currency        string // ISO 4217, for the cost figures
	SMSCost         int    // one SMS segment, in Currency
	ZaloCost        int    // one Zalo template message, in Currency; 0 where Zalo is not used
	RetentionDays   int    // personal data kept after a session; 0: the programme's setting
	ContactPhone    string // the programme's line for questions in the country (E.164), on session pages
	IsDefault       bool   // the country of pages that belong to no session
	Active          bool
	UpdatedAt       time.Time
}

// Location is the country's time zone.
func (c *Country) Location() *time.Location {
	if loc, err := locale.LoadLocation(c.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}

// Offers tells whether lang is one of the country's interface languages.
func (c *Country) Offers(lang string) bool {
	for _, l := range c.Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// List is an ordered list of short codes stored as "vi,en,fr".
type List []string

// Value stores the list as comma-separated codes.
func (l List) Value() (driver.Value, error) { return strings.Join(l, ","), nil }

// Scan reads comma-separated codes.
func (l *List) Scan(v any) error {
	var s string
	switch x := v.(type) {
	case nil:
	case string:
		s = x
	case []byte:
		s = string(x)
	default:
		return errors.New("country: a list column holds an unsupported type")
	}
	*l = nil
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// All lists the countries, the default first.
func All(ctx context.Context, db *gorm.DB) ([]Country, error) {
	var cs []Country
	err := db.WithContext(ctx).Order("is_default DESC, code").Find(&cs).Error
	return cs, err
}

// ByCode finds one country.
func ByCode(ctx context.Context, db *gorm.DB, code string) (*Country, error) {
	var c Country
	err := db.WithContext(ctx).Where("code = ?", strings.ToUpper(code)).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Default is the programme's home country: the one whose region and time
// zone apply when no session says otherwise (a person asking for their
// data, a staff account's phone).
func Default(ctx context.Context, db *gorm.DB) (*Country, error) {
	var c Country
	err := db.WithContext(ctx).Order("is_default DESC, code").Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.Unavailable, "error.country.none")
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// ForCity is the country a city belongs to.
func ForCity(tx *gorm.DB, cityCountry string) (*Country, error) {
	var c Country
	err := tx.Where("code = ?", cityCountry).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.Invalid, "error.country.unknown").With(map[string]any{"field": "venue_id"})
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Input is an admin's edit of a country.
type Input struct {
	Code            string
	Name            map[string]string
	PhoneRegion     string
	TimeZone        string
	Languages       []string
	ContentFallback []string
	Channels        []string
	Currency        string
	SMSCost         int
	ZaloCost        int
	RetentionDays   int
	ContactPhone    string // as typed; an office landline is fine
	Active          bool
}

// Check runs every rule at once, each on its field.
func (in *Input) Check() error {
	var fe apperr.FieldList
	in.Code = strings.ToUpper(strings.TrimSpace(in.Code))
	if len(in.Code) != 2 || strings.Trim(in.Code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		fe.Add("code", "error.country.code", nil)
	}
	named := false
	for l, s := range in.Name {
		in.Name[l] = strings.TrimSpace(s)
		if len([]rune(in.Name[l])) > 100 {
			fe.Add("name_"+l, "error.country.name_long", nil)
		}
		named = named || in.Name[l] != ""
	}
	if !named {
		fe.Add("name_"+locale.Default, "error.country.name", nil)
	}
	in.PhoneRegion = strings.ToUpper(strings.TrimSpace(in.PhoneRegion))
	if !phone.ValidRegion(in.PhoneRegion) {
		fe.Add("phone_region", "error.country.phone_region", nil)
	}
	in.TimeZone = strings.TrimSpace(in.TimeZone)
	if _, err := time.LoadLocation(in.TimeZone); err != nil || in.TimeZone == "" || in.TimeZone == "Local" {
		fe.Add("time_zone", "error.country.time_zone", nil)
	}
	if len(in.Languages) == 0 || !subset(in.Languages, locale.Supported) {
		fe.Add("languages", "error.country.languages", nil)
	}
	if len(in.ContentFallback) == 0 || !subset(in.ContentFallback, locale.Supported) {
		fe.Add("content_fallback", "error.country.languages", nil)
	}
	if len(in.Channels) == 0 || !subset(in.Channels, Channels) {
		fe.Add("channels", "error.country.channels", nil)
	}
	in.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if len(in.Currency) != 3 || strings.Trim(in.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		fe.Add("currency", "error.country.currency", nil)
	}
	if in.SMSCost < 0 || in.SMSCost > 1_000_000 {
		fe.Add("sms_cost", "error.country.cost", nil)
	}
	if in.ZaloCost < 0 || in.ZaloCost > 1_000_000 {
		fe.Add("zalo_cost", "error.country.cost", nil)
	}
	if in.RetentionDays < 0 || in.RetentionDays > 3650 {
		fe.Add("retention_days", "error.country.retention", nil)
	}
	if raw := strings.TrimSpace(in.ContactPhone); raw != "" {
		if n, err := phone.ParseLine(raw, in.PhoneRegion); err != nil {
			fe.Add("contact_phone", err.Error(), nil)
		} else {
			in.ContactPhone = n.E164
		}
	} else {
		in.ContactPhone = ""
	}
	return fe.Err()
}

func subset(xs, allowed []string) bool {
	seen := map[string]bool{}
	for _, x := range xs {
		ok := false
		for _, a := range allowed {
			ok = ok || a == x
		}
		if !ok || seen[x] {
			return false
		}
		seen[x] = true
	}
	return true
}

// Save creates or changes a country (audited). A change of time zone or
// phone region applies to sessions saved afterwards: a session keeps the
// zone its times were typed in.
func Save(ctx context.Context, db *gorm.DB, actorID uint, in Input, now time.Time) (*Country, error) {
	if err := in.Check(); err != nil {
		return nil, err
	}
	c := Country{Code: in.Code, Name: content.Text(in.Name), PhoneRegion: in.PhoneRegion, TimeZone: in.TimeZone,
		Languages: in.Languages, ContentFallback: in.ContentFallback, Channels: in.Channels,
		Currency: in.Currency, SMSCost: in.SMSCost, ZaloCost: in.ZaloCost, RetentionDays: in.RetentionDays,
		ContactPhone: in.ContactPhone, Active: in.Active, UpdatedAt: now.UTC()}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var before Country
		err := tx.Where("code = ?", c.Code).Take(&before).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			if err := tx.Create(&c).Error; err != nil {
				return err
			}
			return audit.Record(tx, actorID, "country.create", "country", c.Code, nil, c)
		case err != nil:
			return err
		}
		c.IsDefault = before.IsDefault
		if before.IsDefault && !c.Active {
			return apperr.New(apperr.Invalid, "error.country.default_active").With(map[string]any{"field": "active"})
		}
		// Select: zero costs, no retention override and "inactive" are values.
		if err := tx.Model(&Country{}).Where("code = ?", c.Code).
			Select("name", "phone_region", "time_zone", "languages", "content_fallback", "channels",
				"currency", "sms_cost", "zalo_cost", "retention_days", "contact_phone", "active", "updated_at").
			Updates(&c).Error; err != nil {
			return err
		}
		return audit.Record(tx, actorID, "country.update", "country", c.Code, before, c)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// ForLanguage is the country a page that belongs to no session is read
// for: the one whose first language is lang (a page in Khmer reads numbers
// as Cambodian), else the default country.
func ForLanguage(ctx context.Context, db *gorm.DB, lang string) (*Country, error) {
	cs, err := All(ctx, db)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, apperr.New(apperr.Unavailable, "error.country.none")
	}
	var first *Country
	for i := range cs {
		if cs[i].Active && len(cs[i].Languages) > 0 && cs[i].Languages[0] == lang {
			if first != nil {
				return &cs[0], nil // two countries speak it first: no telling
			}
			first = &cs[i]
		}
	}
	if first != nil {
		return first, nil
	}
	return &cs[0], nil
}
