// Package phone turns a phone number as people write it into E.164 using
// github.com/nyaruka/phonenumbers. A number written without its country
// code belongs to the region it was typed for: the session's country (its
// phone region is data, in the countries table), never a constant here.
package phone

import (
	"errors"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

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

// renumberedCallingCode is the country calling code of the one numbering
// plan Lantern knows a renumbering of: Vietnam's (+84), in 2018. It is a
// fact about those numbers, whichever session they are typed for.
const renumberedCallingCode = 84

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

// ValidRegion tells whether region is a region code phonenumbers knows
// (the check an admin's country settings go through).
func ValidRegion(region string) bool {
	return phonenumbers.GetCountryCodeForRegion(region) != 0
}

// ParseIn normalises raw as typed for a session in region (an ISO 3166
// code: "VN", "KH", "LA", "PH"). Numbers starting with + (or 00) keep their
// country; others are read as the region's.
func ParseIn(raw, region string) (Number, error) { return parse(raw, region, true) }

// ParseLine normalises an organisation's line (a landline is fine): the
// number a session's page gives for questions.
func ParseLine(raw, region string) (Number, error) { return parse(raw, region, false) }

func parse(raw, region string, mobileOnly bool) (Number, error) {
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
	home := phonenumbers.GetCountryCodeForRegion(region)
	homeCode := strconv.Itoa(home)

	// Bring the number to its country and national form, so that a trunk
	// zero kept after the country code, as business cards print it
	// ("+84 (0) 912 345 678", "+855 (0)12 345 678"), is read as the national
	// form's own 0 and not a digit more, and so that Vietnam's old 11-digit
	// mobiles are caught however they are written.
	code, national := 0, ""
	switch {
	case plus:
		if cc, rest := splitCallingCode(d); cc != 0 {
			code, national = cc, "0"+dropTrunkZero(rest)
		}
	case home != 0 && strings.HasPrefix(d, homeCode) && len(d)-len(homeCode) >= 8 && len(d)-len(homeCode) <= 11:
		// The home country code and 8 to 11 digits, without the +.
		code, national = home, "0"+dropTrunkZero(d[len(homeCode):])
	case home != 0:
		code, national = home, d
	}
	var n Number
	if code == renumberedCallingCode && len(national) == 11 {
		if repl, ok := oldMobilePrefixes[national[:4]]; ok {
			n.Renumbered, n.Old = true, national
			national = repl + national[4:]
		}
	}
	if code == 0 {
		return Number{}, ErrInvalid
	}
	num, err := phonenumbers.Parse(national, phonenumbers.GetRegionCodeForCountryCode(code))
	if err != nil || !phonenumbers.IsValidNumber(num) || int(num.GetCountryCode()) != code {
		return Number{}, ErrInvalid
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
	case phonenumbers.FIXED_LINE, phonenumbers.TOLL_FREE, phonenumbers.UAN:
		if mobileOnly {
			return Number{}, ErrNotMobile
		}
	default:
		// Lantern sends tickets by SMS: a landline or a premium number cannot
		// receive them.
		return Number{}, ErrNotMobile
	}
	n.E164 = phonenumbers.Format(num, phonenumbers.E164)
	return n, nil
}

// splitCallingCode splits digits written after + into a country calling
// code (1 to 3 digits, the one that exists) and the rest.
func splitCallingCode(d string) (int, string) {
	for l := 1; l <= 3 && l < len(d); l++ {
		cc, _ := strconv.Atoi(d[:l])
		if phonenumbers.GetRegionCodeForCountryCode(cc) != "ZZ" {
			return cc, d[l:]
		}
	}
	return 0, ""
}

// dropTrunkZero drops the one 0 that business cards keep after the
// country code ("+84 (0) 912…"); two zeros are left, to be refused.
func dropTrunkZero(rest string) string {
	if len(rest) > 1 && rest[0] == '0' && rest[1] != '0' {
		return rest[1:]
	}
	return rest
}

// National formats an E.164 number for display: in the national style of
// region ("0912 345 678" for a Vietnamese number shown in Vietnam), in the
// international form when it belongs to another country.
func National(e164, region string) string {
	num, err := phonenumbers.Parse(e164, region)
	if err != nil {
		return e164
	}
	if phonenumbers.GetRegionCodeForNumber(num) == region {
		return phonenumbers.Format(num, phonenumbers.NATIONAL)
	}
	return phonenumbers.Format(num, phonenumbers.INTERNATIONAL)
}

// Mask hides all but the last four digits ("…5678"), for pages and logs
// that must not show a whole number: the same four the rosters show and a
// trainer can search by.
func Mask(e164 string) string {
	if len(e164) <= 4 {
		return "…"
	}
	return "…" + e164[len(e164)-4:]
}
