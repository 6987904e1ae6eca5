// Package programme holds what admins set up for the programme: partners,
// venues and the targets (indicators) progress is measured against. Every
// change is written with its audit log entry in one transaction.
package programme

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/content"
	"github.com/lantern-ngo/lantern/app/country"
	"github.com/lantern-ngo/lantern/app/database"
	"github.com/lantern-ngo/lantern/app/event"
	"github.com/lantern-ngo/lantern/app/phone"
)

// Units of a target.
var Units = []string{"count", "percent"}

// Target is a programme indicator's goal over a period (one model, kept in
// the event package that the plan view also reads).
type Target = event.Target

func id(n uint) string { return strconv.FormatUint(uint64(n), 10) }

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return apperr.Wrap(apperr.NotFound, "error.not_found", err)
	}
	return err
}

func conflict(err error) error {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return apperr.Wrap(apperr.Conflict, "error.account.code_taken", err)
	}
	return err
}

// partnerSnap and venueSnap are the audit views (the structs carry relations).
type partnerSnap struct {
	Code        string       `json:"code"`
	Name        content.Text `json:"name"`
	Description content.Text `json:"description"`
	CityID      *uint        `json:"city_id,omitempty"`
	PublicPhone string       `json:"public_phone,omitempty"`
	Active      bool         `json:"active"`
}

func snapPartner(p *event.Partner) partnerSnap {
	return partnerSnap{Code: p.Code, Name: p.Name, Description: p.Description, CityID: p.CityID, PublicPhone: p.PublicPhone, Active: p.Active}
}

type venueSnap struct {
	Code      string       `json:"code"`
	Name      content.Text `json:"name"`
	Address   string       `json:"address"`
	CityID    uint         `json:"city_id"`
	PartnerID *uint        `json:"partner_id,omitempty"`
	Active    bool         `json:"active"`
}

func snapVenue(v *event.Venue) venueSnap {
	return venueSnap{Code: v.Code, Name: v.Name, Address: v.Address, CityID: v.CityID, PartnerID: v.PartnerID, Active: v.Active}
}

// Partners lists every partner, inactive ones included, by code.
func Partners(ctx context.Context, db *gorm.DB) ([]event.Partner, error) {
	var out []event.Partner
	err := db.WithContext(ctx).Preload("City").Order("code").Find(&out).Error
	return out, err
}

// Venues lists every venue with its city, by code.
func Venues(ctx context.Context, db *gorm.DB) ([]event.Venue, error) {
	var out []event.Venue
	err := db.WithContext(ctx).Preload("City").Order("code").Find(&out).Error
	return out, err
}

// Targets lists the targets by code.
func Targets(ctx context.Context, db *gorm.DB) ([]Target, error) {
	var out []Target
	err := db.WithContext(ctx).Order("code").Find(&out).Error
	return out, err
}

// GetPartner, GetVenue, GetTarget return one row.
func GetPartner(ctx context.Context, db *gorm.DB, pid uint) (*event.Partner, error) {
	var p event.Partner
	return &p, notFound(db.WithContext(ctx).First(&p, pid).Error)
}

func GetVenue(ctx context.Context, db *gorm.DB, vid uint) (*event.Venue, error) {
	var v event.Venue
	return &v, notFound(db.WithContext(ctx).First(&v, vid).Error)
}

func GetTarget(ctx context.Context, db *gorm.DB, tid uint) (*Target, error) {
	var t Target
	return &t, notFound(db.WithContext(ctx).First(&t, tid).Error)
}

// SavePartner creates (p.ID == 0) or updates a partner.
func SavePartner(ctx context.Context, db *gorm.DB, actorID uint, p *event.Partner) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := database.LockRow(tx, "partners", p.ID); err != nil {
			return err
		}
		region := ""
		if p.CityID != nil {
			var cities []event.City
			if err := tx.Where("id = ?", *p.CityID).Limit(1).Find(&cities).Error; err != nil {
				return err
			}
			if len(cities) == 0 {
				return apperr.New(apperr.Invalid, "error.account.venue_city")
			}
			if c, err := country.ForCity(tx, cities[0].Country); err == nil {
				region = c.PhoneRegion
			}
		}
		if err := normalisePublicPhone(tx, p, region); err != nil {
			return err
		}
		after := snapPartner(p)
		if p.ID == 0 {
			if err := tx.Omit("City").Create(p).Error; err != nil {
				return conflict(err)
			}
			return audit.Record(tx, actorID, "create", "partner", id(p.ID), nil, after)
		}
		var old event.Partner
		if err := tx.First(&old, p.ID).Error; err != nil {
			return notFound(err)
		}
		err := tx.Model(&event.Partner{}).Where("id = ?", p.ID).Updates(map[string]any{
			"code": p.Code, "name": p.Name, "description": p.Description, "city_id": p.CityID,
			"public_phone": p.PublicPhone, "active": p.Active, "updated_at": time.Now().UTC(),
		}).Error
		if err != nil {
			return conflict(err)
		}
		return audit.Record(tx, actorID, "update", "partner", id(p.ID), snapPartner(&old), after)
	})
}

// SaveVenue creates (v.ID == 0) or updates a venue.
func SaveVenue(ctx context.Context, db *gorm.DB, actorID uint, v *event.Venue) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := database.LockRow(tx, "venues", v.ID); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&event.City{}).Where("id = ?", v.CityID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return apperr.New(apperr.Invalid, "error.account.venue_city")
		}
		if v.PartnerID != nil {
			if err := tx.Model(&event.Partner{}).Where("id = ?", *v.PartnerID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return apperr.New(apperr.Invalid, "error.account.venue_partner")
			}
		}
		after := snapVenue(v)
		if v.ID == 0 {
			if err := tx.Omit("City").Create(v).Error; err != nil {
				return conflict(err)
			}
			return audit.Record(tx, actorID, "create", "venue", id(v.ID), nil, after)
		}
		var old event.Venue
		if err := tx.First(&old, v.ID).Error; err != nil {
			return notFound(err)
		}
		err := tx.Model(&event.Venue{}).Where("id = ?", v.ID).Updates(map[string]any{
			"code": v.Code, "name": v.Name, "address": v.Address, "city_id": v.CityID,
			"partner_id": v.PartnerID, "active": v.Active, "updated_at": time.Now().UTC(),
		}).Error
		if err != nil {
			return conflict(err)
		}
		return audit.Record(tx, actorID, "update", "venue", id(v.ID), snapVenue(&old), after)
	})
}

// SaveTarget creates (t.ID == 0) or updates a target.
func SaveTarget(ctx context.Context, db *gorm.DB, actorID uint, t *Target) error {
	if t.PeriodEnd.Before(t.PeriodStart) {
		return apperr.New(apperr.Invalid, "error.account.target_period")
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := database.LockRow(tx, "targets", t.ID); err != nil {
			return err
		}
		t.UpdatedAt = time.Now().UTC()
		if t.ID == 0 {
			if err := tx.Create(t).Error; err != nil {
				return conflict(err)
			}
			return audit.Record(tx, actorID, "create", "target", id(t.ID), nil, t)
		}
		var old Target
		if err := tx.First(&old, t.ID).Error; err != nil {
			return notFound(err)
		}
		err := tx.Model(&Target{}).Where("id = ?", t.ID).Updates(map[string]any{
			"code": t.Code, "name": t.Name, "value": t.Value, "unit": t.Unit,
			"period_start": t.PeriodStart, "period_end": t.PeriodEnd, "updated_at": t.UpdatedAt,
		}).Error
		if err != nil {
			return conflict(err)
		}
		return audit.Record(tx, actorID, "update", "target", id(t.ID), &old, t)
	})
}

// Names are the names of the programme's partners, venues and cities by
// id, for pages that show records naming them by id (the audit log).
type Names struct {
	Partners map[uint]content.Text
	Venues   map[uint]content.Text
	Cities   map[uint]content.Text
}

// AllNames reads the names of every partner, venue and city: three small
// tables, one query each.
func AllNames(ctx context.Context, db *gorm.DB) (Names, error) {
	n := Names{Partners: map[uint]content.Text{}, Venues: map[uint]content.Text{}, Cities: map[uint]content.Text{}}
	type row struct {
		ID   uint
		Name content.Text
	}
	for table, m := range map[string]map[uint]content.Text{"partners": n.Partners, "venues": n.Venues, "cities": n.Cities} {
		var rows []row
		if err := db.WithContext(ctx).Table(table).Select("id, name").Scan(&rows).Error; err != nil {
			return n, err
		}
		for _, r := range rows {
			m[r.ID] = r.Name
		}
	}
	return n, nil
}

// normalisePublicPhone reads the partner's public line as typed, in its
// city's country (else the home country's): an office landline is fine.
func normalisePublicPhone(tx *gorm.DB, p *event.Partner, region string) error {
	raw := strings.TrimSpace(p.PublicPhone)
	if raw == "" {
		p.PublicPhone = ""
		return nil
	}
	if region == "" {
		var regions []string
		if err := tx.Table("countries").Order("is_default DESC, code").Limit(1).Pluck("phone_region", &regions).Error; err != nil {
			return err
		}
		if len(regions) > 0 {
			region = regions[0]
		}
	}
	n, err := phone.ParseLine(raw, region)
	if err != nil {
		return apperr.Wrap(apperr.Invalid, err.Error(), err).With(map[string]any{"field": "public_phone"})
	}
	p.PublicPhone = n.E164
	return nil
}
