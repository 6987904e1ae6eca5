package database

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0001Foundation creates the programme (cities, partners, venues, events),
// staff accounts and sessions, registrations, the SMS outbox, the audit log,
// and the tables that keep server state in the database (key/value store for
// CSRF tokens, rate-limit counters).
func m0001Foundation() *gormigrate.Migration {
	// Frozen copies of the models as they were at this version.
	type city struct {
		ID       uint   `gorm:"primaryKey"`
		Code     string `gorm:"size:32;not null;uniqueIndex"`
		Country  string `gorm:"size:2;not null"`
		TimeZone string `gorm:"size:64;not null"`
		Name     string `gorm:"type:text;not null"` // JSON {"vi":…,"fr":…,"en":…}
	}
	type partner struct {
		ID          uint   `gorm:"primaryKey"`
		Code        string `gorm:"size:32;not null;uniqueIndex"`
		Name        string `gorm:"type:text;not null"`
		Description string `gorm:"type:text;not null;default:'{}'"`
		CityID      *uint  `gorm:"index"`
		Active      bool   `gorm:"not null;default:true"`
		CreatedAt   time.Time
		UpdatedAt   time.Time
	}
	type venue struct {
		ID        uint   `gorm:"primaryKey"`
		Code      string `gorm:"size:32;not null;uniqueIndex"`
		Name      string `gorm:"type:text;not null"`
		Address   string `gorm:"size:300;not null;default:''"`
		CityID    uint   `gorm:"not null;index"`
		PartnerID *uint  `gorm:"index"`
		Active    bool   `gorm:"not null;default:true"`
		CreatedAt time.Time
		UpdatedAt time.Time
	}
	type event struct {
		ID                   uint       `gorm:"primaryKey"`
		Code                 string     `gorm:"size:16;not null;uniqueIndex"`
		Kind                 string     `gorm:"size:32;not null;index"`
		Status               string     `gorm:"size:16;not null;default:'draft'"`
		Lang                 string     `gorm:"size:5;not null;default:'vi'"`
		StartsAt             time.Time  `gorm:"not null"`
		EndsAt               time.Time  `gorm:"not null"`
		TimeZone             string     `gorm:"size:64;not null;default:'Asia/Ho_Chi_Minh'"`
		VenueID              uint       `gorm:"not null;index"`
		PartnerID            *uint      `gorm:"index"`
		Capacity             int        `gorm:"not null"`
		SeatsTaken           int        `gorm:"not null;default:0"`
		RegistrationDeadline *time.Time ``
		Audience             string     `gorm:"size:32;not null;default:''"`
		Film                 string     `gorm:"size:200;not null;default:''"`
		PublishedAt          *time.Time ``
		CancelledAt          *time.Time ``
		CreatedByID          *uint      ``
		CreatedAt            time.Time
		UpdatedAt            time.Time
	}
	type eventTranslation struct {
		ID          uint   `gorm:"primaryKey"`
		EventID     uint   `gorm:"not null;uniqueIndex:ux_event_translations_event_lang"`
		Lang        string `gorm:"size:5;not null;uniqueIndex:ux_event_translations_event_lang"`
		Title       string `gorm:"size:200;not null"`
		Description string `gorm:"type:text;not null;default:''"`
		UpdatedAt   time.Time
	}
	type eventTrainer struct {
		EventID uint `gorm:"primaryKey;autoIncrement:false"`
		UserID  uint `gorm:"primaryKey;autoIncrement:false;index"`
	}
	type user struct {
		ID           uint   `gorm:"primaryKey"`
		Email        string `gorm:"size:254;not null;uniqueIndex"`
		Name         string `gorm:"size:120;not null"`
		PasswordHash string `gorm:"size:200;not null;default:''"`
		Roles        string `gorm:"size:100;not null;default:''"` // comma-separated: admin,organiser,trainer,coach
		Lang         string `gorm:"size:5;not null;default:'vi'"`
		Phone        string `gorm:"size:20;not null;default:''"`
		Active       bool   `gorm:"not null;default:true"`
		CoachID      *uint  `gorm:"index"`
		LastLoginAt  *time.Time
		CreatedAt    time.Time
		UpdatedAt    time.Time
	}
	type staffSession struct {
		ID         string    `gorm:"primaryKey;size:64"` // SHA-256 of the cookie token
		UserID     uint      `gorm:"not null;index"`
		CreatedAt  time.Time `gorm:"not null"`
		LastSeenAt time.Time `gorm:"not null"`
		ExpiresAt  time.Time `gorm:"not null;index"`
	}
	type consentVersion struct {
		ID        uint   `gorm:"primaryKey"`
		Version   string `gorm:"size:32;not null;uniqueIndex"`
		Text      string `gorm:"type:text;not null"` // JSON per language
		CreatedAt time.Time
	}
	type registration struct {
		ID             uint       `gorm:"primaryKey"`
		EventID        uint       `gorm:"not null;index"`
		Code           string     `gorm:"size:16;not null;uniqueIndex"`
		Kind           string     `gorm:"size:16;not null;default:'individual'"` // individual | group | walk_in
		Status         string     `gorm:"size:16;not null"`                      // confirmed | waitlisted | cancelled
		Name           string     `gorm:"size:120;not null;default:''"`
		NameFolded     string     `gorm:"size:120;not null;default:'';index"`
		Phone          *string    `gorm:"size:20"` // E.164; NULL for children and anonymised rows
		Sex            string     `gorm:"size:16;not null;default:''"`
		AgeBand        string     `gorm:"size:16;not null;default:''"`
		Role           string     `gorm:"size:32;not null;default:''"`
		Organisation   string     `gorm:"size:160;not null;default:''"`
		PartnerID      *uint      `gorm:"index"`
		GroupSize      int        `gorm:"not null;default:1"`
		GroupBreakdown string     `gorm:"type:text;not null;default:'{}'"` // JSON counts by sex and age band
		Lang           string     `gorm:"size:5;not null;default:'vi'"`
		Source         string     `gorm:"size:16;not null;default:'web'"` // web | sms | staff | walk_in
		ConsentVersion string     `gorm:"size:32;not null;default:''"`
		ConsentAt      *time.Time ``
		WaitlistedAt   *time.Time ``
		ConfirmedAt    *time.Time ``
		CancelledAt    *time.Time ``
		AnonymisedAt   *time.Time ``
		CreatedByID    *uint      ``
		CreatedAt      time.Time  `gorm:"not null"`
		UpdatedAt      time.Time  `gorm:"not null"`
	}
	type smsMessage struct {
		ID             uint      `gorm:"primaryKey"`
		To             string    `gorm:"column:to_phone;size:20;not null"`
		Body           string    `gorm:"type:text;not null"`
		Lang           string    `gorm:"size:5;not null;default:'vi'"`
		Kind           string    `gorm:"size:32;not null"`
		DedupeKey      *string   `gorm:"size:120;uniqueIndex"`
		Encoding       string    `gorm:"size:8;not null"` // GSM7 | UCS2
		Segments       int       `gorm:"not null"`
		Status         string    `gorm:"size:16;not null;default:'queued'"` // queued | sending | sent | failed | kept
		Attempts       int       `gorm:"not null;default:0"`
		NextAttemptAt  time.Time `gorm:"not null"`
		LockedUntil    *time.Time
		LastError      string `gorm:"size:300;not null;default:''"`
		ProviderID     string `gorm:"size:120;not null;default:''"`
		RegistrationID *uint  `gorm:"index"`
		EventID        *uint  `gorm:"index"`
		CreatedAt      time.Time
		SentAt         *time.Time
	}
	type auditLog struct {
		ID        uint      `gorm:"primaryKey"`
		ActorID   *uint     `gorm:"index"`
		Action    string    `gorm:"size:64;not null"`
		Entity    string    `gorm:"size:64;not null"`
		EntityID  string    `gorm:"size:64;not null;default:''"`
		Before    string    `gorm:"type:text;not null;default:''"`
		After     string    `gorm:"type:text;not null;default:''"`
		CreatedAt time.Time `gorm:"not null;index"`
	}
	type kvEntry struct {
		Key       string    `gorm:"primaryKey;size:200"`
		Value     []byte    `gorm:"not null"`
		ExpiresAt time.Time `gorm:"not null;index"`
	}
	type rateLimit struct {
		Key         string    `gorm:"primaryKey;size:200"`
		WindowStart int64     `gorm:"primaryKey;autoIncrement:false"`
		Count       int       `gorm:"not null"`
		ExpiresAt   time.Time `gorm:"not null;index"`
	}
	type target struct {
		ID          uint    `gorm:"primaryKey"`
		Code        string  `gorm:"size:48;not null;uniqueIndex"`
		Name        string  `gorm:"type:text;not null"`
		Value       float64 `gorm:"not null"`
		Unit        string  `gorm:"size:16;not null;default:'count'"`
		PeriodStart time.Time
		PeriodEnd   time.Time
		UpdatedAt   time.Time
	}
	tables := []struct {
		name  string
		model any
	}{
		{"cities", &city{}}, {"partners", &partner{}}, {"venues", &venue{}},
		{"events", &event{}}, {"event_translations", &eventTranslation{}},
		{"event_trainers", &eventTrainer{}}, {"users", &user{}},
		{"staff_sessions", &staffSession{}}, {"consent_versions", &consentVersion{}},
		{"registrations", &registration{}}, {"sms_messages", &smsMessage{}},
		{"audit_logs", &auditLog{}}, {"kv_entries", &kvEntry{}},
		{"rate_limits", &rateLimit{}}, {"targets", &target{}},
	}
	return &gormigrate.Migration{
		ID: "0001_foundation",
		Migrate: func(tx *gorm.DB) error {
			for _, t := range tables {
				if err := tx.Table(t.name).Migrator().CreateTable(t.model); err != nil {
					return err
				}
			}
			return execAll(tx,
				// Public listing: published events by start time.
				`CREATE INDEX ix_events_status_starts ON events (status, starts_at)`,
				// One live registration per phone number and event, however the
				// number was typed (it is stored as E.164). Groups use their own row.
				`CREATE UNIQUE INDEX ux_registrations_event_phone ON registrations (event_id, phone) WHERE phone IS NOT NULL AND kind = 'individual'`,
				`CREATE INDEX ix_registrations_event_status ON registrations (event_id, status, created_at)`,
				`CREATE INDEX ix_registrations_phone ON registrations (phone)`,
				`CREATE INDEX ix_sms_messages_due ON sms_messages (status, next_attempt_at)`,
				`CREATE INDEX ix_audit_logs_entity ON audit_logs (entity, entity_id)`,
			)
		},
	}
}
