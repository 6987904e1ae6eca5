package scope

import (
	"reflect"
	"testing"
)

func TestCovers(t *testing.T) {
	p := func(id uint) *uint { return &id }
	kh := Scope{Country: "KH"}
	city := Scope{Country: "KH", CityIDs: []uint{3}}
	partner := Scope{Country: "KH", PartnerIDs: []uint{9}}
	for _, c := range []struct {
		s       Scope
		country string
		city    uint
		partner *uint
		want    bool
	}{
		{Global, "VN", 1, nil, true},
		{kh, "KH", 1, nil, true},
		{kh, "VN", 1, nil, false},
		{city, "KH", 3, nil, true},
		{city, "KH", 4, nil, false},
		{partner, "KH", 1, p(9), true},
		{partner, "KH", 1, p(8), false},
		{partner, "KH", 1, nil, false},
	} {
		if got := c.s.Covers(c.country, c.city, c.partner); got != c.want {
			t.Errorf("%+v covers %s/%d/%v = %v, want %v", c.s, c.country, c.city, c.partner, got, c.want)
		}
	}
	if !city.CoversCity("KH", 3) || city.CoversCity("KH", 4) || kh.CoversCity("LA", 3) || !Global.CoversCity("PH", 7) {
		t.Error("CoversCity")
	}
}

func TestSQLAndStoredLists(t *testing.T) {
	if w, a := Global.SQL("e"); w != "1 = 1" || a != nil {
		t.Errorf("global: %q %v", w, a)
	}
	w, a := Scope{Country: "LA", CityIDs: []uint{1, 2}, PartnerIDs: []uint{5}}.SQL("e")
	want := "(e.country = ? AND e.venue_id IN (SELECT sv.id FROM venues sv WHERE sv.city_id IN ?) AND e.partner_id IN ?)"
	if w != want || !reflect.DeepEqual(a, []any{"LA", []uint{1, 2}, []uint{5}}) {
		t.Errorf("SQL = %q %v", w, a)
	}
	if got := SplitIDs(JoinIDs([]uint{3, 7})); !reflect.DeepEqual(got, []uint{3, 7}) {
		t.Errorf("round trip: %v", got)
	}
	if got := SplitIDs(" 4, x,0,,12"); !reflect.DeepEqual(got, []uint{4, 12}) {
		t.Errorf("SplitIDs skips what is not an id: %v", got)
	}
}
