// Package otp makes and checks the short one-time codes sent to a phone
// (the "my data" page, a guardian's confirmation): six digits from
// crypto/rand, stored only as an HMAC keyed by the secret of the request
// they belong to, so that equal codes of two requests do not share a hash.
package otp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
)

// Digits is a code's length.
const Digits = 6

// New returns a random code.
func New() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// Hash binds a code to the secret of its request.
func Hash(key, code string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(code))
	return hex.EncodeToString(m.Sum(nil))
}

// Matches tells, in constant time, whether code is the one hashed.
func Matches(key, code, hash string) bool {
	return hmac.Equal([]byte(Hash(key, code)), []byte(hash))
}

// Normalise keeps the digits of a code as typed (spaces, dashes, dots and
// the full-width digits of some keyboards are fine) and tells whether they
// make a code.
func Normalise(raw string) (string, bool) {
	if len(raw) > 40 {
		return "", false
	}
	code := strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == ' ' || r == '-' || r == '.':
			return -1
		}
		return 'x'
	}, raw)
	if len(code) != Digits || strings.ContainsRune(code, 'x') {
		return "", false
	}
	return code, true
}
