package auditview

import "testing"

func TestAuditKeysReadable(t *testing.T) {
	for in, want := range map[string]string{"StartsAt": "starts_at", "PartnerID": "partner_id", "TrainerIDs": "trainer_ids",
		"older_than_days": "older_than_days", "TimeZone": "time_zone", "RatePerMinute": "rate_per_minute", "ID": "id"} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"export.personal": "Export personal", "StartsAt": "Starts at", "": ""} {
		if got := humanise(in); got != want {
			t.Errorf("humanise(%q) = %q, want %q", in, got, want)
		}
	}
}
