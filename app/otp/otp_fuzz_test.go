package otp_test

import (
	"testing"

	"github.com/lantern-ngo/lantern/app/otp"
)

// FuzzNormalise: whatever is typed in the code field, an accepted code
// is exactly six ASCII digits, and accepting it twice changes nothing.
func FuzzNormalise(f *testing.F) {
	for _, s := range []string{"123456", "123 456", "12-34-56", "１２３４５６", "12345", "1234567", "12345a", "٠١٢٣٤٥", "\x00123456", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		code, ok := otp.Normalise(raw)
		if !ok {
			if code != "" {
				t.Fatalf("refused %q but returned %q", raw, code)
			}
			return
		}
		if len(code) != otp.Digits {
			t.Fatalf("%q gave %q", raw, code)
		}
		for _, r := range code {
			if r < '0' || r > '9' {
				t.Fatalf("%q gave %q", raw, code)
			}
		}
		if again, ok := otp.Normalise(code); !ok || again != code {
			t.Fatalf("not idempotent: %q", code)
		}
	})
}
