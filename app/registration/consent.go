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
	Audience    string // ConsentAdult, ConsentGuardian or ConsentChild
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
	return CurrentConsentFor(ctx, db, ConsentAdult)
}

// CurrentConsentFor returns the newest consent text for an audience (adult,
// guardian, child), nil when none was published.
func CurrentConsentFor(ctx context.Context, db *gorm.DB, audience string) (*Consent, error) {
	var c Consent
	err := db.WithContext(ctx).Where("audience = ?", audience).Order("created_at DESC, id DESC").Take(&c).Error
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

// CurrentConsents returns the newest consent text of each audience that has
// one, in one query (the consent table holds a handful of versions).
func CurrentConsents(ctx context.Context, db *gorm.DB) (map[string]*Consent, error) {
	var all []Consent
	if err := db.WithContext(ctx).Order("created_at DESC, id DESC").Limit(200).Find(&all).Error; err != nil {
		return nil, err
	}
	out := map[string]*Consent{}
	for i := range all {
		if out[all[i].Audience] == nil {
			out[all[i].Audience] = &all[i]
		}
	}
	return out, nil
}
