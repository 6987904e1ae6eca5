package web

import (
	"context"
	"crypto/subtle"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"gorm.io/gorm"
)

// metrics are Prometheus metrics of one server, on its own registry (no
// global). Business counts (registrations, check-ins, SMS outbox) are read
// from the database at scrape time, so every instance reports the same
// cluster-wide truth and nothing rests on process memory.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.HistogramVec
}

func newMetrics(db *gorm.DB) *metrics {
	m := &metrics{registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "lantern_http_request_duration_seconds",
		Help:    "HTTP requests by route pattern, method and status class, with their latency.",
		Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method", "status"})
	m.registry.MustRegister(m.requests,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&dbCollector{db: db},
	)
	if sqlDB, err := db.DB(); err == nil {
		m.registry.MustRegister(collectors.NewDBStatsCollector(sqlDB, "lantern"))
	}
	return m
}

// observe records each request under its route pattern (never the raw path,
// which may hold codes).
func (m *metrics) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		if fe, ok := err.(*fiber.Error); ok {
			status = fe.Code
		} else if status < 400 {
			status = 500
		}
	}
	route := c.Route().Path
	if route == "" || route == "/" && c.Path() != "/" {
		route = "unmatched"
	}
	// The method is copied: Fiber's points into the request's buffer,
	// which the next request on the connection overwrites, and a label is
	// kept for good (a series labelled "GETD" and a scrape refused on two
	// series with the same labels, seen under load).
	m.requests.WithLabelValues(route, strings.Clone(c.Method()), strconv.Itoa(status/100)+"xx").Observe(time.Since(start).Seconds())
	return err
}

// handler serves /metrics to holders of METRICS_TOKEN only; without a token
// configured the endpoint does not exist.
func (s *Server) metricsHandler() fiber.Handler {
	h := adaptor.HTTPHandler(promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	return func(c *fiber.Ctx) error {
		want := s.cfg.MetricsToken
		got := strings.TrimPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
		if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			return fiber.ErrNotFound
		}
		return h(c)
	}
}

// dbCollector reads business gauges from the database at scrape time.
type dbCollector struct{ db *gorm.DB }

var (
	descRegistrations = prometheus.NewDesc("lantern_registrations", "Registrations by status.", []string{"status"}, nil)
	descCheckins      = prometheus.NewDesc("lantern_checkins", "Check-ins recorded (attendance rows).", nil, nil)
	descOutbox        = prometheus.NewDesc("lantern_sms_messages", "SMS outbox messages by status (queued = depth, failed = failures).", []string{"status"}, nil)
	descScrapeErrors  = prometheus.NewDesc("lantern_metrics_db_errors", "1 when the database could not be read for these metrics.", nil, nil)
)

func (d *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descRegistrations
	ch <- descCheckins
	ch <- descOutbox
	ch <- descScrapeErrors
}

func (d *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	db := d.db.WithContext(ctx)
	failed := 0.0
	type row struct {
		Status string
		N      float64
	}
	var regs []row
	if err := db.Raw("SELECT status, COUNT(*) AS n FROM registrations GROUP BY status").Scan(&regs).Error; err != nil {
		failed = 1
	}
	for _, r := range regs {
		ch <- prometheus.MustNewConstMetric(descRegistrations, prometheus.GaugeValue, r.N, r.Status)
	}
	var sms []row
	if err := db.Raw("SELECT status, COUNT(*) AS n FROM sms_messages GROUP BY status").Scan(&sms).Error; err != nil {
		failed = 1
	}
	for _, r := range sms {
		ch <- prometheus.MustNewConstMetric(descOutbox, prometheus.GaugeValue, r.N, r.Status)
	}
	if db.Migrator().HasTable("attendances") {
		var n float64
		if err := db.Raw("SELECT COUNT(*) FROM attendances").Scan(&n).Error; err != nil {
			failed = 1
		}
		ch <- prometheus.MustNewConstMetric(descCheckins, prometheus.GaugeValue, n)
	}
	ch <- prometheus.MustNewConstMetric(descScrapeErrors, prometheus.GaugeValue, failed)
}
