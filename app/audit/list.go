package audit

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Filter narrows the audit log. Zero values do not filter.
type Filter struct {
	Entity  string
	ActorID uint
	From    time.Time // inclusive
	To      time.Time // exclusive
	Page    int       // 1-based
	PerPage int
}

// Row is an entry with its actor's name.
type Row struct {
	Entry
	ActorName  string
	ActorEmail string
}

// List returns a page of entries, newest first, and the total count.
func List(ctx context.Context, db *gorm.DB, f Filter) ([]Row, int64, error) {
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	q := db.WithContext(ctx).Table("audit_logs")
	if f.Entity != "" {
		q = q.Where("audit_logs.entity = ?", f.Entity)
	}
	if f.ActorID != 0 {
		q = q.Where("audit_logs.actor_id = ?", f.ActorID)
	}
	if !f.From.IsZero() {
		q = q.Where("audit_logs.created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("audit_logs.created_at < ?", f.To.UTC())
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []Row
	err := q.Select("audit_logs.*, users.name AS actor_name, users.email AS actor_email").
		Joins("LEFT JOIN users ON users.id = audit_logs.actor_id").
		Order("audit_logs.created_at DESC").Order("audit_logs.id DESC").
		Limit(f.PerPage).Offset((f.Page - 1) * f.PerPage).
		Scan(&rows).Error
	return rows, total, err
}

// Entities lists the entity names present in the log, for the filter.
func Entities(ctx context.Context, db *gorm.DB) ([]string, error) {
	var out []string
	err := db.WithContext(ctx).Table("audit_logs").Distinct("entity").Order("entity").Pluck("entity", &out).Error
	return out, err
}
