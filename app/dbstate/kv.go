// Package dbstate keeps the server state that must be shared by every
// instance in the database: a key/value store with expiry (CSRF tokens) and
// atomic rate-limit counters. No correctness rests on process memory.
package dbstate

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type kvEntry struct {
	Key       string `gorm:"primaryKey"`
	Value     []byte
	ExpiresAt time.Time
}

func (kvEntry) TableName() string { return "kv_entries" }

// KV implements fiber.Storage on the kv_entries table.
type KV struct {
	db  *gorm.DB
	now func() time.Time
}

// NewKV returns a store on db.
func NewKV(db *gorm.DB) *KV { return &KV{db: db, now: time.Now} }

// Get returns the value of key, nil when missing or expired.
func (s *KV) Get(key string) ([]byte, error) {
	if key == "" || len(key) > 200 {
		return nil, nil
	}
	var e kvEntry
	err := s.db.Where("key = ? AND expires_at > ?", key, s.now().UTC()).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return e.Value, err
}

// Set stores key for exp (a day when exp is 0).
func (s *KV) Set(key string, val []byte, exp time.Duration) error {
	if key == "" || len(key) > 200 {
		return nil
	}
	if exp <= 0 {
		exp = 24 * time.Hour
	}
	e := kvEntry{Key: key, Value: val, ExpiresAt: s.now().UTC().Add(exp)}
	return s.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "expires_at"}),
	}).Create(&e).Error
}

// Delete removes key.
func (s *KV) Delete(key string) error {
	return s.db.Where("key = ?", key).Delete(&kvEntry{}).Error
}

// Reset removes everything.
func (s *KV) Reset() error { return s.db.Where("1 = 1").Delete(&kvEntry{}).Error }

// Close does nothing: the database belongs to the caller.
func (s *KV) Close() error { return nil }

// Sweep deletes expired entries, rate-limit windows and forgotten sign-in
// throttles; the janitor calls it.
func Sweep(ctx context.Context, db *gorm.DB, now time.Time) error {
	if err := db.WithContext(ctx).Where("expires_at <= ?", now.UTC()).Delete(&kvEntry{}).Error; err != nil {
		return err
	}
	if err := db.WithContext(ctx).Exec("DELETE FROM rate_limits WHERE expires_at <= ?", now.UTC()).Error; err != nil {
		return err
	}
	if err := db.WithContext(ctx).Exec("DELETE FROM login_throttles WHERE expires_at <= ?", now.UTC()).Error; err != nil {
		return err
	}
	return db.WithContext(ctx).Exec("DELETE FROM staff_sessions WHERE expires_at <= ?", now.UTC()).Error
}
