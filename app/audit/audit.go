// Package audit records every change staff make: who, what, when, and the
// record before and after (secrets left out by the caller's json tags).
package audit

import (
	"encoding/json"
	"time"

	"gorm.io/gorm"
)

// Entry is one audit log line.
type Entry struct {
	ID        uint
	ActorID   *uint
	Action    string
	Entity    string
	EntityID  string
	Before    string
	After     string
	CreatedAt time.Time
}

// TableName keeps GORM on the migrated table.
func (Entry) TableName() string { return "audit_logs" }

// Record writes an entry inside the caller's transaction so that the change
// and its trace land together. before and after are marshalled to JSON.
func Record(tx *gorm.DB, actorID uint, action, entity, entityID string, before, after any) error {
	e := Entry{Action: action, Entity: entity, EntityID: entityID, CreatedAt: time.Now().UTC()}
	if actorID != 0 {
		e.ActorID = &actorID
	}
	if before != nil {
		b, _ := json.Marshal(before)
		e.Before = string(b)
	}
	if after != nil {
		b, _ := json.Marshal(after)
		e.After = string(b)
	}
	return tx.Create(&e).Error
}
