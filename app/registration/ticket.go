package registration

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// A ticket's QR code carries "L1.<eventID>.<code>.<sig>". The signature is an
// HMAC-SHA-256 under a key derived per event from SECRET_KEY; the check-in
// page of that event receives the event key (never SECRET_KEY itself), so a
// trainer's phone can tell a genuine ticket while offline, and a key leaked
// from one device opens no other event.

// TicketPrefix starts every ticket QR text.
const TicketPrefix = "L1"

// EventTicketKey derives the key that signs an event's tickets.
func EventTicketKey(secret string, eventID uint) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "lantern-ticket-key:%d", eventID)
	return m.Sum(nil)
}

// TicketSignature signs an event's ticket code (16 base64url characters).
func TicketSignature(eventKey []byte, eventID uint, code string) string {
	m := hmac.New(sha256.New, eventKey)
	fmt.Fprintf(m, "%s.%d.%s", TicketPrefix, eventID, code)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))[:16]
}

// TicketQRText is what a ticket's QR code encodes.
func TicketQRText(secret string, eventID uint, code string) string {
	sig := TicketSignature(EventTicketKey(secret, eventID), eventID, code)
	return fmt.Sprintf("%s.%d.%s.%s", TicketPrefix, eventID, code, sig)
}

// ParseTicket reads and verifies a QR text; ok is false for anything forged
// or malformed.
func ParseTicket(secret, text string) (eventID uint, code string, ok bool) {
	parts := strings.Split(strings.TrimSpace(text), ".")
	if len(parts) != 4 || parts[0] != TicketPrefix {
		return 0, "", false
	}
	id, err := strconv.ParseUint(parts[1], 10, 32)
	if err != nil || id == 0 {
		return 0, "", false
	}
	want := TicketSignature(EventTicketKey(secret, uint(id)), uint(id), parts[2])
	if !hmac.Equal([]byte(want), []byte(parts[3])) {
		return 0, "", false
	}
	return uint(id), parts[2], true
}
