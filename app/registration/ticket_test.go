package registration

import "testing"

func TestTicketSignature(t *testing.T) {
	const secret = "test-secret-key-0123456789abcdef0123456789"
	text := TicketQRText(secret, 42, "K7M2QX")
	id, code, ok := ParseTicket(secret, text)
	if !ok || id != 42 || code != "K7M2QX" {
		t.Fatalf("ParseTicket(%q) = %d %q %v", text, id, code, ok)
	}
	for _, bad := range []string{
		text[:len(text)-1] + "A",              // altered signature
		"L1.43.K7M2QX." + text[len(text)-16:], // another event
		"L1.42.K7M2QY." + text[len(text)-16:], // another code
		"", "L1", "L2.42.K7M2QX.x", "L1.x.K7M2QX.y",
	} {
		if _, _, ok := ParseTicket(secret, bad); ok {
			t.Errorf("ParseTicket(%q) accepted a forged ticket", bad)
		}
	}
	if _, _, ok := ParseTicket("another-secret-0123456789abcdef0123456789", text); ok {
		t.Errorf("a ticket verified under another secret")
	}
}
