package registration

import "testing"

// No QR text, however mangled, makes ParseTicket panic or accept a forgery;
// every genuine ticket parses back.
func FuzzParseTicket(f *testing.F) {
	const secret = "test-secret-key-0123456789abcdef0123456789"
	for _, s := range []string{TicketQRText(secret, 7, "K7M2QX4"), "L1.7.K7M2QX4.x", "", "L1....", "L1.99999999999.A.B"} {
		f.Add(s, uint(7), "K7M2QX4")
	}
	f.Fuzz(func(t *testing.T, text string, id uint, code string) {
		if gotID, gotCode, ok := ParseTicket(secret, text); ok {
			if text != TicketQRText(secret, gotID, gotCode) {
				t.Fatalf("accepted %q, which is not the genuine text of %d/%q", text, gotID, gotCode)
			}
		}
		if id == 0 || id > 1<<31 || code == "" || len(code) > 16 {
			return
		}
		for _, r := range code {
			if r == '.' {
				return
			}
		}
		gotID, gotCode, ok := ParseTicket(secret, TicketQRText(secret, id, code))
		if !ok || gotID != id || gotCode != code {
			t.Fatalf("genuine ticket %d/%q refused", id, code)
		}
	})
}
