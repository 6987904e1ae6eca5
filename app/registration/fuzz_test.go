package registration_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/lantern-ngo/lantern/app/apperr"
	"github.com/lantern-ngo/lantern/app/registration"
)

// FuzzCleanName: whatever is typed, an accepted name is valid NFC UTF-8,
// within the limits, free of markup characters and of a leading formula
// sign, and cleaning it again changes nothing.
func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"Nguyễn Văn Đức", "Nguye\u0302\u0303n", " a ", "<script>", "=1+1", "\x00\xff", "Lê  \t Thị\u200b Hoa", strings.Repeat("Đ", 101)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		name, err := registration.CleanName(raw)
		if err != nil {
			if name != "" {
				t.Fatalf("error %v with a name %q", err, name)
			}
			return
		}
		n := utf8.RuneCountInString(name)
		switch {
		case !utf8.ValidString(name):
			t.Fatalf("invalid UTF-8: %q", name)
		case !norm.NFC.IsNormalString(name):
			t.Fatalf("not NFC: %q", name)
		case n < registration.NameMin || n > registration.NameMax:
			t.Fatalf("length %d: %q", n, name)
		case strings.ContainsAny(name, "<>{}\\|"), strings.ContainsAny(name[:1], "=+-@"):
			t.Fatalf("markup or formula: %q", name)
		case strings.TrimSpace(name) != name:
			t.Fatalf("untrimmed: %q", name)
		}
		again, err := registration.CleanName(name)
		if err != nil || again != name {
			t.Fatalf("not idempotent: %q -> %q (%v)", name, again, err)
		}
	})
}

// FuzzChildInput: whatever a guardian's form carries, Check either accepts
// it with a child's name that is a clean first name or nickname, a child's
// age, a parseable guardian's number and both consents the age needs, or
// names a field for every problem; it never panics.
func FuzzChildInput(f *testing.F) {
	f.Add("Bé Na", "7_15", "", "Trần Thị Hạnh", "0912 345 678", true, true)
	f.Add("Na", "under_7", "female", "Lê Văn Tùng", "+84 912 345 678", true, false)
	f.Add("<b>", "16_17", "x", "=cmd", "12", false, false)
	f.Add("Nguyễn\u202eThị Na", "7_15", "male", "A\u200bB", "0084912345678", true, false)
	f.Fuzz(func(t *testing.T, child, age, sex, guardian, phone string, guardianOK, childOK bool) {
		in := registration.ChildInput{ChildName: child, AgeDetail: age, Sex: sex, GuardianName: guardian,
			GuardianPhone: phone, GuardianAgrees: guardianOK, ChildAgrees: childOK}
		err := in.Check()
		if err != nil {
			fields := apperr.FieldsOf(err)
			if len(fields) == 0 {
				t.Fatalf("an error without fields: %v", err)
			}
			for _, fe := range fields {
				if fe.Field == "" || fe.Key == "" {
					t.Fatalf("field error %+v", fe)
				}
			}
			return
		}
		if _, e := registration.CleanName(in.ChildName); e != nil || strings.Count(in.ChildName, " ") > 1 {
			t.Fatalf("accepted child's name %q", in.ChildName)
		}
		if in.AgeDetail != registration.AgeUnder7 && in.AgeDetail != registration.Age7to15 {
			t.Fatalf("accepted age %q", in.AgeDetail)
		}
		if !in.GuardianAgrees || (in.AgeDetail == registration.Age7to15 && !in.ChildAgrees) {
			t.Fatal("accepted without the consents")
		}
	})
}
