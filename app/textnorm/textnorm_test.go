package textnorm

import "testing"

func TestClean(t *testing.T) {
	decomposed := "Nguye\u0302\u0303n" // "Nguyễn" typed with combining marks
	cases := []struct{ in, want string }{
		{"  Nguyễn   Văn\tĐức ", "Nguyễn Văn Đức"},
		{decomposed, "Nguyễn"},
		{"a\x00b", "ab"},
		{"bad\xffutf8", "badutf8"},
		{"", ""},
	}
	for _, c := range cases {
		if got := Clean(c.in); got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFold(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Nguyễn Văn Đức", "nguyen van duc"},
		{"ĐẶNG THỊ HỒNG", "dang thi hong"},
		{"Phan Thiết", "phan thiet"},
		{"Élodie", "elodie"},
	}
	for _, c := range cases {
		if got := Fold(c.in); got != c.want {
			t.Errorf("Fold(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestUnaccent(t *testing.T) {
	if got, want := Unaccent("Đăng ký thành công"), "Dang ky thanh cong"; got != want {
		t.Errorf("Unaccent = %q, want %q", got, want)
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"Nguyễn Văn Đức", "", "\xff", "a\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		if Clean(c) != c {
			t.Fatalf("Clean is not idempotent on %q", s)
		}
		fo := Fold(s)
		if Fold(fo) != fo {
			t.Fatalf("Fold is not idempotent on %q", s)
		}
	})
}
