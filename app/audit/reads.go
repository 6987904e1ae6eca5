package audit

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// Kinds of look at participants' personal data.
const (
	ReadRoster              = "roster"               // the check-in roster of an event
	ReadRegistrations       = "registrations"        // an event's registrations list with names
	ReadRegistrationsExport = "registrations_export" // its CSV or XLSX
	ReadAttendanceSheet     = "attendance_sheet"     // the printed sign-in sheet
	ReadPersonalExport      = "personal_export"      // the programme's attendance export with names
	ReadPrivacySearch       = "privacy_search"       // an admin's search for a person
	ReadPrivacyExport       = "privacy_export"       // a person's data downloaded by an admin
	ReadCoachee             = "coachee"              // a coachee's coaching record
	ReadCertificates        = "certificates"         // a session's attendance certificates
	ReadOutbox              = "outbox"               // messages sent, whose texts may name people
)

// eventReads are the kinds that show every person of an event.
var eventReads = []string{ReadRoster, ReadRegistrations, ReadRegistrationsExport, ReadAttendanceSheet, ReadCertificates}

// ReadLogDays is how long the log of looks is kept by default (two years).
const ReadLogDays = 730

// Read is one look at personal data: who, what, when, how many people. It
// holds no personal data itself.
type Read struct {
	ID            uint
	ActorID       uint
	Kind          string
	EventID       *uint
	SubjectUserID *uint
	People        int
	CreatedAt     time.Time
	// Subjects: the registrations a targeted look showed (a privacy
	// search); event-wide looks name the event instead.
	Subjects []uint `gorm:"-"`
}

// TableName keeps GORM on the migrated table.
func (Read) TableName() string { return "data_reads" }

type readSubject struct {
	ReadID         uint
	RegistrationID uint
}

func (readSubject) TableName() string { return "data_read_subjects" }

// RecordRead logs a look. It is its own small transaction: a read changes
// nothing else.
func RecordRead(ctx context.Context, db *gorm.DB, r Read) error {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now().UTC()
	}
	if r.EventID != nil && len(r.Subjects) == 0 {
		// A check-in phone refreshes its roster every few seconds: the same
		// look by the same person within the hour is logged once. One
		// statement, whether it inserts or not.
		return db.WithContext(ctx).Exec(`INSERT INTO data_reads (actor_id, kind, event_id, people, created_at)
			SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM data_reads
				WHERE actor_id = ? AND kind = ? AND event_id = ? AND created_at > ?)`,
			r.ActorID, r.Kind, *r.EventID, r.People, r.CreatedAt,
			r.ActorID, r.Kind, *r.EventID, r.CreatedAt.Add(-time.Hour)).Error
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		if len(r.Subjects) == 0 {
			return nil
		}
		rows := make([]readSubject, 0, len(r.Subjects))
		seen := map[uint]bool{}
		for _, id := range r.Subjects {
			if !seen[id] {
				seen[id] = true
				rows = append(rows, readSubject{ReadID: r.ID, RegistrationID: id})
			}
		}
		return tx.CreateInBatches(rows, 500).Error
	})
}

// ReadRow is a look with its actor's name, for the admins' pages.
type ReadRow struct {
	Read
	ActorName  string
	ActorEmail string
}

// ReadFilter narrows ListReads.
type ReadFilter struct {
	ActorID uint
	Kind    string
	Page    int
	PerPage int
}

// ListReads returns a page of looks, newest first, and the total.
func ListReads(ctx context.Context, db *gorm.DB, f ReadFilter) ([]ReadRow, int64, error) {
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	q := db.WithContext(ctx).Table("data_reads")
	if f.ActorID != 0 {
		q = q.Where("data_reads.actor_id = ?", f.ActorID)
	}
	if f.Kind != "" {
		q = q.Where("data_reads.kind = ?", f.Kind)
	}
	var total int64
	if err := q.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []ReadRow
	err := q.Select("data_reads.*, users.name AS actor_name, users.email AS actor_email").
		Joins("LEFT JOIN users ON users.id = data_reads.actor_id").
		Order("data_reads.created_at DESC, data_reads.id DESC").
		Limit(f.PerPage).Offset((f.Page - 1) * f.PerPage).Scan(&rows).Error
	return rows, total, err
}

// ReadsOfPerson answers "who has looked at this person's data": the looks
// at the events they registered for (rosters, lists, exports), the targeted
// looks that showed their registrations, and the programme-wide exports made
// since they first registered. Newest first, at most 200.
func ReadsOfPerson(ctx context.Context, db *gorm.DB, regIDs, eventIDs []uint, since time.Time) ([]ReadRow, error) {
	var rows []ReadRow
	if len(regIDs) == 0 {
		return rows, nil
	}
	if len(eventIDs) == 0 {
		eventIDs = []uint{0}
	}
	err := db.WithContext(ctx).Table("data_reads").
		Select("data_reads.*, users.name AS actor_name, users.email AS actor_email").
		Joins("LEFT JOIN users ON users.id = data_reads.actor_id").
		Where(`(data_reads.kind IN ? AND data_reads.event_id IN ?)
			OR data_reads.id IN (SELECT read_id FROM data_read_subjects WHERE registration_id IN ?)
			OR (data_reads.kind = ? AND data_reads.created_at >= ?)`,
			eventReads, eventIDs, regIDs, ReadPersonalExport, since.UTC()).
		Order("data_reads.created_at DESC, data_reads.id DESC").Limit(200).Scan(&rows).Error
	return rows, err
}

// SweepReads deletes the looks older than days.
func SweepReads(ctx context.Context, db *gorm.DB, days int, now time.Time) error {
	cutoff := now.UTC().AddDate(0, 0, -days)
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM data_read_subjects WHERE read_id IN (SELECT id FROM data_reads WHERE created_at < ?)`, cutoff).Error; err != nil {
			return err
		}
		return tx.Exec(`DELETE FROM data_reads WHERE created_at < ?`, cutoff).Error
	})
}
