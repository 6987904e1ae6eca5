package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8080 || c.DatabaseURL != "sqlite:data/lantern.db" || !c.Demo || c.BaseURL != "http://localhost:8080" ||
		c.ZaloReceiptTimeout != 10*time.Minute {
		t.Errorf("defaults = %+v", c)
	}
	c, err = Load(env(map[string]string{"DATABASE_URL": "postgres://u@h/db", "SECRET_KEY": strings.Repeat("k", 32)}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Demo {
		t.Errorf("demo data must be off by default on PostgreSQL")
	}
}

func TestBadSettingsNameTheVariable(t *testing.T) {
	cases := map[string]map[string]string{
		"PORT":                  {"PORT": "eighty"},
		"DATABASE_URL":          {"DATABASE_URL": "mysql://x"},
		"LANTERN_DEMO":          {"LANTERN_DEMO": "perhaps"},
		"SECRET_KEY":            {"DATABASE_URL": "postgres://u@h/db"},
		"SMS_DRIVER":            {"SMS_DRIVER": "pigeon"},
		"SMS_GATEWAY_URL":       {"SMS_DRIVER": "http"},
		"BASE_URL":              {"BASE_URL": "ftp://x"},
		"SESSION_IDLE":          {"SESSION_IDLE": "soon"},
		"RETENTION_DAYS":        {"RETENTION_DAYS": "-1"},
		"LOG_LEVEL":             {"LOG_LEVEL": "loud"},
		"SMS_COST_PER_SEGMENT":  {"SMS_COST_PER_SEGMENT": "x"},
		"TRUSTED_PROXIES":       {"TRUSTED_PROXIES": "10.0.0.2, proxy.internal"},
		"CHECKIN_WINDOW_BEFORE": {"CHECKIN_WINDOW_BEFORE": "soon"},
		"ZALO_RECEIPT_TIMEOUT":  {"ZALO_RECEIPT_TIMEOUT": "-5m"},
		"CHECKIN_WINDOW_AFTER":  {"CHECKIN_WINDOW_AFTER": "60d"},
		"DHIS2_URL":             {"DHIS2_URL": "dhis2.example.org", "DHIS2_TOKEN": "t"},
		"DHIS2_TOKEN":           {"DHIS2_URL": "https://dhis2.example.org", "DHIS2_USERNAME": "lantern"},
	}
	for name, m := range cases {
		_, err := Load(env(m))
		if err == nil || !strings.HasPrefix(err.Error(), name+":") {
			t.Errorf("%v: error %v, want one naming %s", m, err, name)
		}
	}
}

// The check-in window: 12 hours before the start and 7 days after the end
// by default; Go durations or whole days; negative or too long, start-up
// stops naming the variable.
func TestCheckinWindow(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.CheckinWindowBefore != 12*time.Hour || c.CheckinWindowAfter != 7*24*time.Hour {
		t.Errorf("defaults: before %v, after %v; want 12h and 168h", c.CheckinWindowBefore, c.CheckinWindowAfter)
	}
	c, err = Load(env(map[string]string{"CHECKIN_WINDOW_BEFORE": "90m", "CHECKIN_WINDOW_AFTER": "3d"}))
	if err != nil || c.CheckinWindowBefore != 90*time.Minute || c.CheckinWindowAfter != 72*time.Hour {
		t.Errorf("90m and 3d: %v, %v (%v)", c.CheckinWindowBefore, c.CheckinWindowAfter, err)
	}
	if c, err = Load(env(map[string]string{"CHECKIN_WINDOW_BEFORE": "0"})); err != nil || c.CheckinWindowBefore != 0 {
		t.Errorf("0: %v (%v), want 0 (from the start)", c.CheckinWindowBefore, err)
	}
	for name, v := range map[string]string{"CHECKIN_WINDOW_BEFORE": "-1h", "CHECKIN_WINDOW_AFTER": "1.5d"} {
		if _, err := Load(env(map[string]string{name: v})); err == nil || !strings.HasPrefix(err.Error(), name+":") {
			t.Errorf("%s=%s: error %v, want one naming it", name, v, err)
		}
	}
	if _, err := Load(env(map[string]string{"CHECKIN_WINDOW_BEFORE": "8d"})); err == nil || !strings.Contains(err.Error(), "between 0 and 7d") {
		t.Errorf("8d before: %v, want the limit named", err)
	}
}

// A PostgreSQL URL without connect_timeout gets one; one it sets is kept,
// and so is the rest of the URL.
func TestDatabaseURLConnectTimeout(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u@h:5432/db":                                "postgres://u@h:5432/db?connect_timeout=5",
		"postgres://u@h/db?sslmode=disable":                     "postgres://u@h/db?connect_timeout=5&sslmode=disable",
		"postgresql://u@h/db?connect_timeout=2&sslmode=require": "postgresql://u@h/db?connect_timeout=2&sslmode=require",
	} {
		dialect, dsn, err := ParseDatabaseURL(in)
		if err != nil || dialect != "postgres" || dsn != want {
			t.Errorf("%s: %s %s %v, want %s", in, dialect, dsn, err, want)
		}
	}
	if _, dsn, _ := ParseDatabaseURL("sqlite:data/x.db"); dsn != "data/x.db" {
		t.Errorf("sqlite dsn %q", dsn)
	}
}

// TRUSTED_PROXIES takes addresses and CIDR ranges; anything else stops
// start-up with a line naming the variable.
func TestTrustedProxies(t *testing.T) {
	c, err := Load(env(map[string]string{"TRUSTED_PROXIES": "10.0.0.2, 172.16.0.0/12 ,fd00::/8,"}))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := ParseProxies(c.TrustedProxies)
	if err != nil || len(ps) != 3 || ps[0].String() != "10.0.0.2/32" || ps[1].String() != "172.16.0.0/12" || ps[2].String() != "fd00::/8" {
		t.Errorf("proxies = %v %v", ps, err)
	}
	for _, bad := range []string{"10.0.0.300", "10.0.0.0/33", "proxy.internal", "10.0.0.0/8/1"} {
		if _, err := Load(env(map[string]string{"TRUSTED_PROXIES": bad})); err == nil || !strings.HasPrefix(err.Error(), "TRUSTED_PROXIES:") {
			t.Errorf("%q: error %v, want one naming TRUSTED_PROXIES", bad, err)
		}
	}
}

// Outside demo mode SECRET_KEY is required whatever the database; demo mode
// keeps its fixed, public key.
func TestSecretKeyOutsideDemo(t *testing.T) {
	for _, m := range []map[string]string{
		{"DATABASE_URL": "sqlite:data/other.db"},
		{"LANTERN_DEMO": "false"},
		{"DATABASE_URL": "postgres://u@h/db"},
		{"DATABASE_URL": "sqlite:data/other.db", "LANTERN_DEMO": "false"},
	} {
		_, err := Load(env(m))
		if err == nil || !strings.HasPrefix(err.Error(), "SECRET_KEY:") {
			t.Errorf("%v: error %v, want one naming SECRET_KEY", m, err)
		}
	}
	for _, m := range []map[string]string{
		nil, // go run ./app: the embedded demo
		{"DATABASE_URL": "sqlite:data/other.db", "LANTERN_DEMO": "true"},
		{"DATABASE_URL": "postgres://u@h/db", "LANTERN_DEMO": "true"},
	} {
		c, err := Load(env(m))
		if err != nil || c.SecretKey != DemoSecretKey {
			t.Errorf("%v: %v, want the demo key", m, err)
		}
	}
	c, err := Load(env(map[string]string{"DATABASE_URL": "sqlite:data/other.db", "SECRET_KEY": strings.Repeat("s", 40)}))
	if err != nil || c.SecretKey != strings.Repeat("s", 40) {
		t.Errorf("sqlite with a key: %v", err)
	}
}

// DHIS2: a token, or a user name and password, with the URL.
func TestDHIS2Settings(t *testing.T) {
	c, err := Load(env(map[string]string{"DHIS2_URL": "https://dhis2.example.org", "DHIS2_TOKEN": "d2pat_x"}))
	if err != nil || c.DHIS2URL != "https://dhis2.example.org" || c.DHIS2Token != "d2pat_x" {
		t.Errorf("token: %+v %v", c, err)
	}
	c, err = Load(env(map[string]string{"DHIS2_URL": "http://dhis2.local:8080", "DHIS2_USERNAME": "admin", "DHIS2_PASSWORD": " district "}))
	if err != nil || c.DHIS2Username != "admin" || c.DHIS2Password != " district " {
		t.Errorf("basic: %+v %v", c, err)
	}
}
