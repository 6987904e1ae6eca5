package attendance

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/event"
)

// Certificate of attendance of one participant of an authority workshop.
type Certificate struct {
	ID             uint
	EventID        uint
	RegistrationID uint
	Code           string // 10 characters, shown as XXXXX-XXXXX
	IssuedAt       time.Time
}

// TableName keeps GORM on the migrated table.
func (Certificate) TableName() string { return "certificates" }

// CertificateCodeLen is the length of a verification code (50 bits).
const CertificateCodeLen = 10

// DisplayCode groups the code in two blocks of five for reading aloud.
func DisplayCode(code string) string {
	if len(code) != CertificateCodeLen {
		return code
	}
	return code[:5] + "-" + code[5:]
}

// CertificateEntry is a certificate with what its page prints.
type CertificateEntry struct {
	Code        string
	IssuedAt    time.Time
	Name        string
	Lang        string
	CheckedInAt time.Time
}

// Certifiable tells whether an event's participants get certificates.
func Certifiable(e *event.Event) bool { return e.Kind == event.KindAuthorityWorkshop }

// IssueCertificates gives a certificate to every named participant who
// attended an authority workshop (once: later calls reuse the codes) and
// returns them by name.
func IssueCertificates(ctx context.Context, db *gorm.DB, e *event.Event, now time.Time) ([]CertificateEntry, error) {
	if !Certifiable(e) {
		return nil, apperr.New(apperr.Invalid, "error.checkin.certificate_not_workshop")
	}
	var out []CertificateEntry
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var missing []uint
		if err := tx.Table("registrations r").Select("r.id").
			Joins("JOIN attendances a ON a.registration_id = r.id").
			Joins("LEFT JOIN certificates c ON c.registration_id = r.id").
			Where("r.event_id = ? AND r.name <> '' AND r.anonymised_at IS NULL AND c.id IS NULL", e.ID).
			Order("r.id").Pluck("r.id", &missing).Error; err != nil {
			return err
		}
		if len(missing) > 0 {
			certs := make([]Certificate, len(missing))
			for i, id := range missing {
				certs[i] = Certificate{EventID: e.ID, RegistrationID: id, Code: RandomCode(CertificateCodeLen), IssuedAt: now.UTC()}
			}
			// Two organisers printing at once: the second insert does nothing.
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&certs).Error; err != nil {
				return err
			}
		}
		return certificateQuery(tx).Where("c.event_id = ?", e.ID).Order("r.name_folded, r.id").Scan(&out).Error
	})
	return out, err
}

func certificateQuery(tx *gorm.DB) *gorm.DB {
	return tx.Table("certificates c").
		Select("c.code, c.issued_at, r.name, r.lang, a.checked_in_at").
		Joins("JOIN registrations r ON r.id = c.registration_id").
		// A certificate stands only while the attendance does.
		Joins("JOIN attendances a ON a.registration_id = r.id").
		Where("r.anonymised_at IS NULL AND r.name <> ''")
}

// VerifiedCertificate is what the public verification page shows: the
// name, the workshop and its date, nothing else.
type VerifiedCertificate struct {
	Code  string
	Name  string
	Event *event.Event
}

// VerifyCertificate finds a certificate by its code (typed with or without
// the dash, any case).
func VerifyCertificate(ctx context.Context, db *gorm.DB, code string) (*VerifiedCertificate, error) {
	code = NormaliseCode(code)
	if len(code) != CertificateCodeLen || strings.Trim(code, codeAlphabet) != "" {
		return nil, apperr.New(apperr.NotFound, "error.checkin.certificate_not_found")
	}
	var row struct {
		Code    string
		Name    string
		EventID uint
	}
	err := db.WithContext(ctx).Table("certificates c").Select("c.code, r.name, c.event_id").
		Joins("JOIN registrations r ON r.id = c.registration_id").
		Joins("JOIN attendances a ON a.registration_id = r.id").
		Where("c.code = ? AND r.anonymised_at IS NULL AND r.name <> ''", code).
		Take(&row).Error
	if notFound(err) {
		return nil, apperr.Wrap(apperr.NotFound, "error.checkin.certificate_not_found", err)
	}
	if err != nil {
		return nil, err
	}
	e, err := event.Get(ctx, db, row.EventID)
	if err != nil {
		return nil, err
	}
	return &VerifiedCertificate{Code: row.Code, Name: row.Name, Event: e}, nil
}
