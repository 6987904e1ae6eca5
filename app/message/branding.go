package message

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/audit"
	"github.com/lantern-ngo/lantern/app/textnorm"
)

// Branding is what every SMS says it comes from, set by admins (Back
// office → SMS sender) and kept in the settings table: the first word of
// every text (the locale messages write DefaultPrefix), the brandname the
// gateway shows as the sender (registered with the carriers), and a switch
// for gateways that refuse accented Vietnamese. It is applied when a
// message is sent, so that a change reaches what is already queued; the
// outbox then shows the text as it went.
type Branding struct {
	Prefix     string `json:"prefix"`
	Brandname  string `json:"brandname"`
	Unaccented bool   `json:"unaccented"`
}

// DefaultPrefix is the first word the locale messages (sms.*) write.
const DefaultPrefix = "Lantern"

// Limits of the branding: a brandname is at most 11 characters for the
// carriers (letters, digits, space, dot, dash); a prefix stays short (it
// costs characters in every SMS).
const (
	BrandnameMax = 11
	PrefixMax    = 20
)

const brandingKey = "sms.branding"

// Check returns every problem at once.
func (b *Branding) Check() error {
	b.Prefix, b.Brandname = textnorm.Clean(b.Prefix), strings.TrimSpace(b.Brandname)
	var fe apperr.FieldList
	if b.Prefix == "" || utf8.RuneCountInString(b.Prefix) > PrefixMax || strings.ContainsAny(b.Prefix, "<>{}[]\\|") {
		fe.Add("prefix", "error.branding.prefix", map[string]any{"Max": PrefixMax})
	}
	if len(b.Brandname) > BrandnameMax || strings.ContainsFunc(b.Brandname, func(r rune) bool {
		return r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" .-", r))
	}) {
		fe.Add("brandname", "error.branding.brandname", map[string]any{"Max": BrandnameMax})
	}
	return fe.Err()
}

// LoadBranding reads the branding; the defaults (DefaultPrefix, no
// brandname, accents kept when they cost nothing) when never set.
func LoadBranding(ctx context.Context, db *gorm.DB) (Branding, error) {
	out := Branding{Prefix: DefaultPrefix}
	var row struct{ Value string }
	err := db.WithContext(ctx).Table("settings").Select("value").Where(`"key" = ?`, brandingKey).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	if json.Unmarshal([]byte(row.Value), &out) != nil || out.Check() != nil {
		return Branding{Prefix: DefaultPrefix}, nil
	}
	return out, nil
}

// SaveBranding stores the branding (audited, before and after). Nothing
// changes on error.
func SaveBranding(ctx context.Context, db *gorm.DB, actorID uint, b Branding, now time.Time) error {
	if err := b.Check(); err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		before, err := LoadBranding(ctx, tx)
		if err != nil {
			return err
		}
		value, _ := json.Marshal(b)
		row := map[string]any{"key": brandingKey, "value": string(value), "updated_by_id": actorID, "updated_at": now.UTC()}
		if err := tx.Table("settings").Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "key"}},
			DoUpdates: clause.AssignmentColumns([]string{"value", "updated_by_id", "updated_at"})}).Create(row).Error; err != nil {
			return err
		}
		return audit.Record(tx, actorID, "sms.branding", "settings", brandingKey, before, b)
	})
}

// latinScript are the languages whose texts lose only accents when
// unaccented (Khmer and Lao would lose letters).
var latinScript = map[string]bool{"vi": true, "fr": true, "en": true, "fil": true, "": true}

// typographic characters outside GSM-7 that have a plain equivalent.
var plainPunctuation = strings.NewReplacer("’", "'", "‘", "'", "“", "\"", "”", "\"", "–", "-", "—", "-", "…", "...",
	"·", "-", "\u00a0", " ", "\u202f", " ", "«", "\"", "»", "\"")

// Apply rewrites m's text as the branding wants it (the prefix in place of
// DefaultPrefix at the start, after an advertising label; no accents when
// asked, in Latin-script languages), recounts its segments, and sets the
// sender's brandname. It tells whether the text changed.
func (b Branding) Apply(m *Message) bool {
	m.Sender = b.Brandname
	body := m.Body
	if b.Prefix != "" && b.Prefix != DefaultPrefix {
		if i := strings.Index(body, DefaultPrefix); i >= 0 && i <= len("[QC] ") {
			body = body[:i] + b.Prefix + body[i+len(DefaultPrefix):]
		}
	}
	if b.Unaccented && latinScript[m.Lang] {
		body = plainPunctuation.Replace(textnorm.Unaccent(body))
	}
	if body == m.Body {
		return false
	}
	m.Body = body
	m.Encoding, m.Segments = Segments(body)
	return true
}
