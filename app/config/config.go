// Package config reads Lantern's settings from the environment once, at start.
// Every error names the variable at fault so that a bad deployment stops with
// one clear line (miniflux internal/config/parser.go does the same).
package config

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DemoSecretKey is the fixed key of demo mode (LANTERN_DEMO=true) when no
// SECRET_KEY is set; it is public, so demo mode only.
const DemoSecretKey = "lantern-demo-secret-key-not-for-production"

// DefaultDatabaseURL is the embedded database a newcomer gets with `go run ./app`.
const DefaultDatabaseURL = "sqlite:data/lantern.db"

// Config holds every setting. It is passed explicitly; there is no global.
type Config struct {
	Port        int
	ListenAddr  string
	DatabaseURL string
	// Demo seeds the demo programme and demo staff accounts on start.
	Demo bool
	// BaseURL is the public origin used in SMS links and tickets.
	BaseURL string
	// SecretKey signs ticket QR codes and other tokens. Must be stable across
	// instances that share one database.
	SecretKey string
	// CookieSecure marks cookies Secure (on behind HTTPS).
	CookieSecure bool
	// TrustedProxies lists the proxies (addresses or CIDR ranges) whose
	// X-Forwarded-For is believed; the client is the right-most address
	// there that is not one of them.
	TrustedProxies []string
	LogLevel       string

	SMSDriver string // "outbox" (default) or "http"
	// Zalo Official Account and its template notifications (ZNS): the
	// first channel when ZALO_APP_ID is set, SMS behind it.
	ZaloAppID        string
	ZaloAppSecret    string
	ZaloOASecret     string
	ZaloRefreshToken string
	ZaloAPIURL       string
	ZaloOAAPIURL     string
	// ZaloOAInfoImageURL is the picture of the card that asks a follower
	// to share their phone number (registration by Zalo chat).
	ZaloOAInfoImageURL string
	ZaloOAuthURL       string
	// ZaloTemplates maps "kind.lang" (or "kind") to an approved template id.
	ZaloTemplates map[string]string
	// ZaloReceiptTimeout is how long an urgent message accepted by Zalo
	// waits for Zalo's delivery receipt before it goes by SMS.
	ZaloReceiptTimeout time.Duration
	SMSGatewayURL      string
	SMSGatewayToken    string
	// WebhookAllowAddresses lets webhooks reach these internal addresses
	// ("127.0.0.1:9999,10.0.0.5"), which the SSRF guard refuses otherwise.
	WebhookAllowAddresses string
	SMSInboundToken       string
	// SMSCostPerSegment is the price of one SMS segment in VND, for cost previews.
	SMSCostPerSegment int
	// ZaloCostPerMessage is the price of one Zalo template message in VND.
	ZaloCostPerMessage int
	// AnnouncementDailyCap is how many announcements (Decree 91/2020) one
	// number may receive in its local day; more wait for the next day.
	AnnouncementDailyCap int
	// SmallCountThreshold: counts of people from 1 to it are shown as
	// "fewer than N+1" in figures that leave the organisation (donor
	// report, aggregate exports, the indicators API for partners' systems,
	// DHIS2). 0 turns it off.
	SmallCountThreshold int

	SessionIdle time.Duration
	// RetentionDays keeps names and organisations (and guardians' data)
	// this many days after the session; RetentionPhoneDays phone numbers;
	// RetentionReportTextDays the flagged free text of session reports.
	// Admins may change them in the back office: these are the defaults.
	RetentionDays           int
	RetentionPhoneDays      int
	RetentionReportTextDays int
	MetricsToken            string
	ShutdownGrace           time.Duration
	RequestTimeout          time.Duration

	// PageCache keeps rendered anonymous public pages in memory, checked
	// against the database's public version (docs/PERFORMANCE.md).
	PageCache bool
	// PageCacheTTL bounds how long a cached page lives whatever the version
	// says, for what changes with the clock alone (a registration deadline
	// passing, an event becoming past).
	PageCacheTTL time.Duration
	// PageCachePoll is how often an instance reads the public version: the
	// most a page may lag behind a change made through another instance.
	// Zero reads it on every request.
	PageCachePoll time.Duration

	// DashboardMaxAge: the dashboard shows figures computed at most this
	// long ago (shared by all instances through the database); zero
	// computes them on every view.
	DashboardMaxAge time.Duration

	// DBConcurrency is how many requests that work on the database (staff
	// requests, form posts) run at once on this instance; the others wait
	// their turn in arrival order (docs/PERFORMANCE.md).
	DBConcurrency int

	// CheckinWindowBefore and CheckinWindowAfter: a session takes check-ins,
	// undos and headcounts from CheckinWindowBefore before it starts until
	// CheckinWindowAfter after it ends (late entry of a paper sheet); a
	// cancelled session takes none (docs/ATTENDANCE.md).
	CheckinWindowBefore time.Duration
	CheckinWindowAfter  time.Duration

	// CoachingOverdueWeeks: a coachee with no coaching session for this many
	// weeks shows as overdue on their coach's page.
	CoachingOverdueWeeks int

	// DHIS2 instance the indicators are pushed to (docs/DHIS2.md): its
	// address, and an API token (sent as "ApiToken <token>") or else a
	// user name and password (basic auth). Empty URL: no DHIS2.
	DHIS2URL      string
	DHIS2Token    string
	DHIS2Username string
	DHIS2Password string
}

// The longest check-in windows. Receipts of the items phones send are kept
// 30 days (attendance.ReceiptLifetime), and a replayed walk-in must still
// find its receipt while its session takes check-ins: the two windows and a
// session of up to two days fit in that month.
const (
	MaxCheckinWindowBefore = 7 * 24 * time.Hour
	MaxCheckinWindowAfter  = 21 * 24 * time.Hour
)

// days writes a whole number of days as "7d", anything else as Go does.
func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return d.String()
}

// Getenv is os.Getenv's shape, so that tests pass a map.
type Getenv func(string) string

// Load reads and validates the configuration.
func Load(getenv Getenv) (*Config, error) {
	c := &Config{}
	var err error
	str := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	integer := func(name string, def, min, max int) int {
		if err != nil {
			return def
		}
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return def
		}
		n, e := strconv.Atoi(v)
		if e != nil || n < min || n > max {
			err = fmt.Errorf("%s: %q is not a whole number between %d and %d", name, v, min, max)
			return def
		}
		return n
	}
	boolean := func(name string, def bool) bool {
		if err != nil {
			return def
		}
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return def
		}
		b, e := strconv.ParseBool(v)
		if e != nil {
			err = fmt.Errorf("%s: %q is not true or false", name, v)
			return def
		}
		return b
	}
	duration := func(name string, def time.Duration) time.Duration {
		if err != nil {
			return def
		}
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return def
		}
		d, e := time.ParseDuration(v)
		if e != nil || d <= 0 {
			err = fmt.Errorf("%s: %q is not a positive duration such as 30m or 12h", name, v)
			return def
		}
		return d
	}
	// window reads a check-in window: a Go duration (90m, 12h) or a whole
	// number of days (7d), from zero to max.
	window := func(name string, def, max time.Duration) time.Duration {
		if err != nil {
			return def
		}
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return def
		}
		d, e := time.ParseDuration(v)
		if days, ok := strings.CutSuffix(v, "d"); ok {
			n, e2 := strconv.Atoi(days)
			d, e = time.Duration(n)*24*time.Hour, e2
		}
		if e != nil || d < 0 || d > max {
			err = fmt.Errorf("%s: %q is not a duration between 0 and %s, such as 12h or 7d", name, v, days(max))
			return def
		}
		return d
	}

	c.Port = integer("PORT", 8080, 1, 65535)
	c.ListenAddr = str("LISTEN_ADDR", "")
	c.DatabaseURL = str("DATABASE_URL", DefaultDatabaseURL)
	// Demo data is on by default only for the embedded default database, so a
	// production PostgreSQL never receives demo accounts by accident.
	c.Demo = boolean("LANTERN_DEMO", c.DatabaseURL == DefaultDatabaseURL)
	c.BaseURL = strings.TrimRight(str("BASE_URL", ""), "/")
	c.SecretKey = str("SECRET_KEY", "")
	c.CookieSecure = boolean("COOKIE_SECURE", false)
	if p := str("TRUSTED_PROXIES", ""); p != "" {
		for _, s := range strings.Split(p, ",") {
			if s = strings.TrimSpace(s); s != "" {
				c.TrustedProxies = append(c.TrustedProxies, s)
			}
		}
	}
	c.LogLevel = strings.ToLower(str("LOG_LEVEL", "info"))
	c.SMSDriver = strings.ToLower(str("SMS_DRIVER", "outbox"))
	c.ZaloAppID = str("ZALO_APP_ID", "")
	c.ZaloAppSecret = str("ZALO_APP_SECRET", "")
	c.ZaloOASecret = str("ZALO_OA_SECRET", "")
	c.ZaloRefreshToken = str("ZALO_REFRESH_TOKEN", "")
	c.ZaloAPIURL = str("ZALO_API_URL", "https://business.openapi.zalo.me")
	c.ZaloOAuthURL = str("ZALO_OAUTH_URL", "https://oauth.zaloapp.com")
	c.ZaloOAAPIURL = str("ZALO_OA_API_URL", "https://openapi.zalo.me")
	c.ZaloOAInfoImageURL = str("ZALO_OA_INFO_IMAGE_URL", "")
	c.ZaloReceiptTimeout = duration("ZALO_RECEIPT_TIMEOUT", 10*time.Minute)
	c.ZaloTemplates = map[string]string{}
	for _, pair := range strings.Split(str("ZALO_TEMPLATES", ""), ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(pair), "="); ok && k != "" && v != "" {
			c.ZaloTemplates[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	c.SMSGatewayURL = str("SMS_GATEWAY_URL", "")
	c.DHIS2URL = str("DHIS2_URL", "")
	c.DHIS2Token = str("DHIS2_TOKEN", "")
	c.DHIS2Username = str("DHIS2_USERNAME", "")
	c.DHIS2Password = getenv("DHIS2_PASSWORD") // spaces may belong to it
	c.SMSGatewayToken = str("SMS_GATEWAY_TOKEN", "")
	c.WebhookAllowAddresses = str("WEBHOOK_ALLOW_ADDRESSES", "")
	c.SMSInboundToken = str("SMS_INBOUND_TOKEN", "")
	c.SMSCostPerSegment = integer("SMS_COST_PER_SEGMENT", 850, 0, 1_000_000)
	c.ZaloCostPerMessage = integer("ZALO_COST_PER_MESSAGE", 300, 0, 1_000_000)
	c.AnnouncementDailyCap = integer("ANNOUNCEMENT_DAILY_CAP", 1, 1, 20)
	c.SmallCountThreshold = integer("SMALL_COUNT_THRESHOLD", 4, 0, 20)
	c.SessionIdle = duration("SESSION_IDLE", 2*time.Hour)
	c.RetentionDays = integer("RETENTION_DAYS", 365, 1, 36500)
	c.RetentionPhoneDays = integer("RETENTION_PHONE_DAYS", min(90, c.RetentionDays), 1, 36500)
	c.RetentionReportTextDays = integer("RETENTION_REPORT_TEXT_DAYS", 365, 1, 36500)
	c.MetricsToken = str("METRICS_TOKEN", "")
	c.ShutdownGrace = duration("SHUTDOWN_GRACE", 15*time.Second)
	c.RequestTimeout = duration("REQUEST_TIMEOUT", 15*time.Second)
	c.CoachingOverdueWeeks = integer("COACHING_OVERDUE_WEEKS", 6, 1, 104)
	c.CheckinWindowBefore = window("CHECKIN_WINDOW_BEFORE", 12*time.Hour, MaxCheckinWindowBefore)
	c.CheckinWindowAfter = window("CHECKIN_WINDOW_AFTER", 7*24*time.Hour, MaxCheckinWindowAfter)
	c.DashboardMaxAge = duration("DASHBOARD_MAX_AGE", time.Minute)
	c.DBConcurrency = integer("DB_CONCURRENCY", 8, 1, 1000)
	c.PageCache = boolean("PAGE_CACHE", true)
	c.PageCacheTTL = duration("PAGE_CACHE_TTL", 30*time.Second)
	c.PageCachePoll = duration("PAGE_CACHE_POLL", 250*time.Millisecond)
	if err != nil {
		return nil, err
	}
	if c.BaseURL == "" {
		c.BaseURL = fmt.Sprintf("http://localhost:%d", c.Port)
	}
	return c, c.Validate()
}

// Validate checks the settings that depend on each other.
func (c *Config) Validate() error {
	if _, _, err := ParseDatabaseURL(c.DatabaseURL); err != nil {
		return err
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("BASE_URL: %q is not an http(s) URL such as https://lantern.example.org", c.BaseURL)
	}
	if _, err := ParseProxies(c.TrustedProxies); err != nil {
		return err
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("LOG_LEVEL: %q is not one of debug, info, warn, error", c.LogLevel)
	}
	switch c.SMSDriver {
	case "outbox":
	case "http":
		if u, err := url.Parse(c.SMSGatewayURL); err != nil || u.Host == "" {
			return fmt.Errorf("SMS_GATEWAY_URL: must be an http(s) URL when SMS_DRIVER=http")
		}
	default:
		return fmt.Errorf("SMS_DRIVER: %q is not one of outbox, http", c.SMSDriver)
	}
	if c.DHIS2URL != "" {
		if u, err := url.Parse(c.DHIS2URL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return fmt.Errorf("DHIS2_URL: %q is not an http(s) URL", c.DHIS2URL)
		}
		if c.DHIS2Token == "" && (c.DHIS2Username == "" || c.DHIS2Password == "") {
			return fmt.Errorf("DHIS2_TOKEN: must be set with DHIS2_URL (or DHIS2_USERNAME and DHIS2_PASSWORD)")
		}
	}
	if c.ZaloAppID != "" {
		switch {
		case c.ZaloAppSecret == "":
			return fmt.Errorf("ZALO_APP_SECRET: must be set with ZALO_APP_ID (the app's secret key)")
		case c.ZaloRefreshToken == "":
			return fmt.Errorf("ZALO_REFRESH_TOKEN: must be set with ZALO_APP_ID (the Official Account's refresh token)")
		case c.ZaloOASecret == "":
			return fmt.Errorf("ZALO_OA_SECRET: must be set with ZALO_APP_ID (it authenticates Zalo's webhook)")
		}
		for _, v := range []struct{ name, u string }{{"ZALO_API_URL", c.ZaloAPIURL}, {"ZALO_OAUTH_URL", c.ZaloOAuthURL}} {
			if u, err := url.Parse(v.u); err != nil || u.Host == "" {
				return fmt.Errorf("%s: %q is not an http(s) URL", v.name, v.u)
			}
		}
	}
	if c.SecretKey == "" {
		// Only the demo gets a fixed, clearly non-secret key: anywhere else
		// (SQLite too) a known key would let anyone sign tickets.
		if !c.Demo {
			return fmt.Errorf("SECRET_KEY: must be set (32 characters or more) outside demo mode (LANTERN_DEMO=true)")
		}
		c.SecretKey = DemoSecretKey
	}
	if len(c.SecretKey) < 32 {
		return fmt.Errorf("SECRET_KEY: must be at least 32 characters long")
	}
	return nil
}

// ParseProxies reads TRUSTED_PROXIES entries: addresses (10.0.0.2, ::1)
// and CIDR ranges (10.0.0.0/8, fd00::/8).
func ParseProxies(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("TRUSTED_PROXIES: %q is not an address or a CIDR range such as 10.0.0.0/8", s)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("TRUSTED_PROXIES: %q is not an address or a CIDR range such as 10.0.0.0/8", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// DefaultConnectTimeout is the connect_timeout (seconds) given to a
// PostgreSQL URL that sets none.
const DefaultConnectTimeout = "5"

// ParseDatabaseURL tells the dialect ("postgres" or "sqlite") and the driver DSN.
func ParseDatabaseURL(raw string) (dialect, dsn string, err error) {
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, e := url.Parse(raw)
		if e != nil {
			return "", "", fmt.Errorf("DATABASE_URL: not a valid postgres:// URL")
		}
		// A database host that drops packets would otherwise hold each new
		// connection until the system's TCP timeout (minutes): with one, a
		// page answers the translated 503 after a few seconds.
		if q := u.Query(); !q.Has("connect_timeout") {
			q.Set("connect_timeout", DefaultConnectTimeout)
			u.RawQuery = q.Encode()
		}
		return "postgres", u.String(), nil
	case strings.HasPrefix(raw, "sqlite:"):
		path := strings.TrimPrefix(raw, "sqlite:")
		if path == "" {
			return "", "", fmt.Errorf("DATABASE_URL: sqlite: needs a file path, e.g. sqlite:data/lantern.db")
		}
		return "sqlite", path, nil
	default:
		return "", "", fmt.Errorf("DATABASE_URL: must start with postgres:// or sqlite: (got a value of another kind)")
	}
}

// Addr is the address the server listens on.
func (c *Config) Addr() string {
	if c.ListenAddr != "" {
		return c.ListenAddr
	}
	return fmt.Sprintf(":%d", c.Port)
}
