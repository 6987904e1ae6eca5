package registration

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/content"
)

// Consent is a version of the consent text participants accept.
type Consent struct {
	ID          uint
	Version     string
	Text        content.Text
	CreatedByID *uint
	CreatedAt   time.Time
}

// TableName keeps GORM on the migrated table.
func (Consent) TableName() string { return "consent_versions" }

// CurrentConsent returns the newest consent text, nil when none was ever
// written (the form then shows the interface's built-in text, recorded as
// version BuiltinConsent).
func CurrentConsent(ctx context.Context, db *gorm.DB) (*Consent, error) {
	var c Consent
	err := db.WithContext(ctx).Order("created_at DESC, id DESC").Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &c, err
}

// BuiltinConsent is the version recorded when the consent shown was the
// interface's own text (register.consent_text), for lack of a stored one.
const BuiltinConsent = "builtin"

// SMSConsent is the consent recorded for a registration by SMS keyword: the
// person asked to be registered by sending their name and number.
const SMSConsent = "sms-keyword"
