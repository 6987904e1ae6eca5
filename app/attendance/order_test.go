package attendance

import (
	"strings"
	"testing"
)

// TestSortByName: by given name, then family and middle names, in the
// Vietnamese alphabet (d before đ, a before ă before â, o ô ơ, u ư), not
// by bytes nor by the names without their diacritics.
func TestSortByName(t *testing.T) {
	type p struct {
		id   uint
		name string
	}
	list := []p{
		{1, "Trần Văn Đức"},
		{2, "Nguyễn Thị Dung"},
		{3, "Lê Văn Ân"},
		{4, "Phạm Thị Anh"},
		{5, "Hoàng Ăn"},
		{6, "Nguyễn Văn Đức"},
		{7, "Bùi Thị Ưng"},
		{8, "Vũ Thị Uyên"},
		{9, "Đỗ Ơn"},
		{10, "Đặng Ôn"},
		{11, "Mai On"},
		{12, "Nguyễn Văn Đức"},
		{13, "Zed"},
		{14, ""},
	}
	SortByName(list, func(x *p) string { return x.name }, func(x *p) uint { return x.id })
	var got []string
	for _, x := range list {
		got = append(got, x.name)
	}
	want := []string{
		"",
		"Phạm Thị Anh", "Hoàng Ăn", "Lê Văn Ân",
		"Nguyễn Thị Dung",
		"Nguyễn Văn Đức", "Nguyễn Văn Đức", "Trần Văn Đức", // same given name: by family name, then id
		"Mai On", "Đặng Ôn", "Đỗ Ơn",
		"Vũ Thị Uyên", "Bùi Thị Ưng",
		"Zed",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("order:\n got %q\nwant %q", got, want)
	}
	if list[5].id != 6 || list[6].id != 12 {
		t.Errorf("ties not by id: %d, %d", list[5].id, list[6].id)
	}
}
