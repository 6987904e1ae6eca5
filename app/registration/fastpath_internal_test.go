package registration

import "testing"

func TestNumberPlaceholders(t *testing.T) {
	got := numberPlaceholders(`SELECT ?, CASE WHEN x > ? THEN '100+?' ELSE (?)::text END, 'it''s ?', ?`)
	want := `SELECT $1, CASE WHEN x > $2 THEN '100+?' ELSE ($3)::text END, 'it''s ?', $4`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
