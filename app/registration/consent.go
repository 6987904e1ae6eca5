package registration

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/lantern-ngo/lantern/app/content"
)

// Consent is a version of the consent text participants accept.
type Consent struct {
	ID       uint
	Version  string
	Audience string // ConsentAdult, ConsentGuardian or ConsentChild
	// Country is the country whose sessions show the text; "" is every
	// country without a text of its own (issue 20).
	Country     string
	Text        content.Text
	CreatedByID *uint
	CreatedAt   time.Time
}

// TableName keeps GORM on the migrated table.
func (Consent) TableName() string { return "consent_versions" }

// CurrentConsent returns the newest adult consent text of a country's
// sessions, nil when none was ever written (the form then shows the
// interface's built-in text, recorded as version BuiltinConsent).
func CurrentConsent(ctx context.Context, db *gorm.DB, country string) (*Consent, error) {
	return CurrentConsentFor(ctx, db, ConsentAdult, country)
}

// CurrentConsentFor returns the newest consent text for an audience (adult,
// guardian, child) on a country's sessions: the country's own, else the
// programme's; nil when none was published.
func CurrentConsentFor(ctx context.Context, db *gorm.DB, audience, country string) (*Consent, error) {
	all, err := CurrentConsents(ctx, db, country)
	if err != nil {
		return nil, err
	}
	return all[audience], nil
}

// BuiltinConsent is the version recorded when the consent shown was the
// interface's own text (register.consent_text), for lack of a stored one.
const BuiltinConsent = "builtin"

// SMSConsent is the consent recorded for a registration by SMS keyword: the
// person asked to be registered by sending their name and number.
const SMSConsent = "sms-keyword"

// ZaloConsent is the same rule in the Zalo OA chat: the person wrote their
// name to the OA and then shared their number with it for this purpose.
const ZaloConsent = "zalo-keyword"

// CurrentConsents returns, for a country's sessions, the newest consent
// text of each audience that has one: the country's own, else the
// programme's (country ""). One query: the table holds a handful of
// versions.
func CurrentConsents(ctx context.Context, db *gorm.DB, country string) (map[string]*Consent, error) {
	var all []Consent
	if err := db.WithContext(ctx).Where("country IN ?", []string{"", country}).
		Order("created_at DESC, id DESC").Limit(200).Find(&all).Error; err != nil {
		return nil, err
	}
	out := map[string]*Consent{}
	for i := range all {
		c := &all[i]
		if have := out[c.Audience]; have == nil || (have.Country == "" && c.Country != "") {
			out[c.Audience] = c
		}
	}
	return out, nil
}
