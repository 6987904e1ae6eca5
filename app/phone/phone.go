// Package phone turns a phone number as people write it into E.164, with
// Vietnam as the default region, using github.com/nyaruka/phonenumbers.
package phone

import (
	"errors"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is where numbers written without a country code belong.
const DefaultRegion = "VN"

// Errors carry the i18n key of the message shown to the person.
var (
	ErrRequired  = errors.New("error.phone.required")
	ErrInvalid   = errors.New("error.phone.invalid")
	ErrNotMobile = errors.New("error.phone.not_mobile")
)

// Number is a normalised phone number.
type Number struct {
	E164 string
	// Renumbered is true when an 11-digit mobile number from before Vietnam's
	// 2018 renumbering was converted to today's 10-digit number.
	Renumbered bool
	// Old is the number as it was before renumbering, in national form.
	Old string
}

// oldMobilePrefixes maps the 2018 renumbering of Vietnamese mobile prefixes
// (Ministry of Information and Communications, Decision 798/QD-BTTTT):
// 0162→032 … 0199→059.
var oldMobilePrefixes = map[string]string{
	// Viettel
	"0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036",
	"0167": "037", "0168": "038", "0169": "039",
	// MobiFone
	"0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
	// VinaPhone
	"0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
	// Vietnamobile
	"0186": "056", "0188": "058",
	// Gmobile
	"0199": "059",
}

// Parse normalises raw. Numbers starting with + (or 00) keep their country;
// others are read as Vietnamese.
func Parse(raw string) (Number, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return Number{}, ErrRequired
	}
	if len(s) > 40 {
		return Number{}, ErrInvalid
	}
	var digits strings.Builder
	plus := false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')' || r == '/':
		default:
			return Number{}, ErrInvalid
		}
	}
	d := digits.String()
	if !plus && strings.HasPrefix(d, "00") {
		plus, d = true, d[2:]
	}
	if d == "" {
		return Number{}, ErrInvalid
	}

	var n Number
	// Bring +84/84-prefixed numbers to national form so that the old 11-digit
	// mobiles are caught however they are written. A trunk zero kept after
	// the country code, as business cards print it ("+84 (0) 912 345 678",
	// "+840912345678"), is the national form's own 0, not a digit more.
	national := ""
	switch {
	case plus && strings.HasPrefix(d, "84"):
		national = "0" + dropTrunkZero(d[2:])
	case !plus && strings.HasPrefix(d, "84") && len(d) >= 11 && len(d) <= 13:
		// 84 and 9 or 10 digits, or a trunk zero and 9 or 10 digits.
		national = "0" + dropTrunkZero(d[2:])
	case !plus && strings.HasPrefix(d, "0"):
		national = d
	case !plus && len(d) == 9:
		// "912345678": a national number typed without its leading 0.
		national = "0" + d
	case !plus:
		national = d
	}
	if national != "" {
		if len(national) == 11 {
			if repl, ok := oldMobilePrefixes[national[:4]]; ok {
				n.Renumbered, n.Old = true, national
				national = repl + national[4:]
			}
		}
		d = national
	}

	region := DefaultRegion
	text := d
	if plus && national == "" {
		text = "+" + d
		region = ""
	}
	num, err := phonenumbers.Parse(text, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return Number{}, ErrInvalid
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
	default:
		// Lantern sends tickets by SMS: a landline or a premium number cannot
		// receive them.
		return Number{}, ErrNotMobile
	}
	n.E164 = phonenumbers.Format(num, phonenumbers.E164)
	return n, nil
}

// dropTrunkZero drops the one 0 that business cards keep after the
// country code ("+84 (0) 912…"); two zeros are left, to be refused.
func dropTrunkZero(rest string) string {
	if len(rest) > 1 && rest[0] == '0' && rest[1] != '0' {
		return rest[1:]
	}
	return rest
}

// National formats an E.164 number for display in its country's style
// ("0912 345 678"); foreign numbers keep the international form.
func National(e164 string) string {
	num, err := phonenumbers.Parse(e164, DefaultRegion)
	if err != nil {
		return e164
	}
	if phonenumbers.GetRegionCodeForNumber(num) == DefaultRegion {
		return phonenumbers.Format(num, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}

// Mask hides all but the last three digits, for pages and logs that must not
// show a whole number.
func Mask(e164 string) string {
	if len(e164) <= 3 {
		return "***"
	}
	return strings.Repeat("•", 4) + e164[len(e164)-3:]
}
