// Package csrftoken makes and checks the CSRF tokens of Lantern's forms.
// They keep nothing on the server. A form's token is an HMAC-SHA256, keyed
// with a key derived from SECRET_KEY, of what it is bound to and of the
// moment it ends, written "end.mac" (end in base 36 Unix seconds, mac in
// base64url). A token is bound to a staff member's session cookie (kind
// "s") or to the random value of an anonymous visitor's cookie (kind "a");
// app/web's middleware decides which and sets the cookie.
package csrftoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

const (
	// Lifetime is how long a token rendered in a form stays valid.
	Lifetime = 12 * time.Hour
	// CookieLifetime is how long the visitor cookie lives. It is renewed
	// (same random value, so pages already open keep working) when a form
	// is rendered and less than Lifetime remains: a token never outlives
	// the cookie it is bound to.
	CookieLifetime = 7 * 24 * time.Hour
)

// Signer makes and checks tokens with one key. Every instance with the
// same SECRET_KEY checks any instance's tokens.
type Signer struct{ key []byte }

// New derives the key of the tokens from secret (SECRET_KEY), apart from
// the other uses of that secret (ticket signatures).
func New(secret string) Signer {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("lantern csrf v1"))
	return Signer{key: m.Sum(nil)}
}

// mac is the token's signature of binding (kind "s" for a session, "a" for
// a visitor cookie) and of end.
func (s Signer) mac(kind, binding, end string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(binding))
	m.Write([]byte{0})
	m.Write([]byte(end))
	return m.Sum(nil)
}

// Make makes a token bound to binding, valid until now+Lifetime.
func (s Signer) Make(kind, binding string, now time.Time) string {
	end := strconv.FormatInt(now.Add(Lifetime).Unix(), 36)
	return end + "." + base64.RawURLEncoding.EncodeToString(s.mac(kind, binding, end))
}

// Verify tells whether tok is a token bound to binding that has not ended
// at now.
func (s Signer) Verify(tok, kind, binding string, now time.Time) bool {
	if binding == "" || len(tok) > 100 {
		return false
	}
	end, mac, ok := strings.Cut(tok, ".")
	if !ok {
		return false
	}
	t, err := strconv.ParseInt(end, 36, 64)
	if err != nil || t <= now.Unix() {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(mac)
	return err == nil && hmac.Equal(got, s.mac(kind, binding, end))
}

// Visitor splits the visitor cookie "random.renew" into its random value
// (what tokens are bound to) and the moment the cookie ends (base 36 Unix
// seconds). ok is false for anything VisitorCookie did not write.
func Visitor(cookie string) (random string, ends time.Time, ok bool) {
	random, end, found := strings.Cut(cookie, ".")
	if !found || len(random) < 22 || len(random) > 64 {
		return "", time.Time{}, false
	}
	for _, r := range random {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return "", time.Time{}, false
		}
	}
	t, err := strconv.ParseInt(end, 36, 64)
	if err != nil {
		return "", time.Time{}, false
	}
	return random, time.Unix(t, 0), true
}

// VisitorCookie is the visitor cookie's value for random, ending at ends.
func VisitorCookie(random string, ends time.Time) string {
	return random + "." + strconv.FormatInt(ends.Unix(), 36)
}
