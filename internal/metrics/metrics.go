// Package metrics exposes orcidlink's Prometheus metrics: the calls made to
// ORCID (by method and status, with their latency, so that 429s and 5xx
// are visible) and the items waiting to reach ORCID, by tenant and state.
// Everything lives in one registry made here and passed explicitly: no
// global collectors.
package metrics

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/orcidlink/orcidlink/internal/orcid"
	"github.com/orcidlink/orcidlink/internal/store"
)

// Metrics is the registry and the collectors orcidlink updates.
type Metrics struct {
	reg     *prometheus.Registry
	calls   *prometheus.CounterVec
	latency *prometheus.HistogramVec
	imports *prometheus.CounterVec
}

// Config configures Metrics. Store is required.
type Config struct {
	// Store is where the item counts are read, at each scrape, so that
	// they are right across processes sharing the database.
	Store *store.Store
	// Logger hears of counts that could not be read; nil discards.
	Logger *slog.Logger
}

// New registers the collectors.
func New(cfg Config) (*Metrics, error) {
	if cfg.Store == nil {
		return nil, errors.New("metrics: Config.Store is required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	st := cfg.Store
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.calls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "orcidlink_orcid_calls_total",
		Help: "Calls made to ORCID, by HTTP method and status (0: no response).",
	}, []string{"method", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "orcidlink_orcid_call_duration_seconds",
		Help:    "Latency of calls to ORCID, by HTTP method.",
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
	}, []string{"method"})
	m.imports = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "orcidlink_record_imports_total",
		Help: "Connected records the daily import read (read) or skipped as unchanged by ORCID's webhooks (skipped).",
	}, []string{"decision"})
	m.reg.MustRegister(m.calls, m.latency, m.imports, &itemCollector{st: st, log: log},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m, nil
}

// ObserveCall counts one call to ORCID; give it to the ORCID clients'
// hook.
func (m *Metrics) ObserveCall(c orcid.Call) {
	m.calls.WithLabelValues(c.Method, strconv.Itoa(c.Status)).Inc()
	m.latency.WithLabelValues(c.Method).Observe(c.Duration.Seconds())
}

// ObserveImportRun counts a daily import's decisions: records queued for
// a read and records skipped as unchanged; give it to jobs.Config.ImportRun.
func (m *Metrics) ObserveImportRun(read, skipped int) {
	m.imports.WithLabelValues("read").Add(float64(read))
	m.imports.WithLabelValues("skipped").Add(float64(skipped))
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// RequireToken serves h only to requests that carry
// "Authorization: Bearer token"; anyone else gets 401. The metrics name
// every tenant and tell their traffic, so in production they are not for
// whoever finds the URL.
func RequireToken(token string, h http.Handler) http.Handler {
	want := []byte(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		// The scheme is case-insensitive (RFC 9110); the token is compared
		// in constant time, so timing does not reveal how much of it a
		// guess got right.
		if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(got), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "a bearer token is required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

var itemsDesc = prometheus.NewDesc("orcidlink_items",
	"Items orcidlink writes to ORCID records, by tenant and state (queued and in-flight are the queue depth).",
	[]string{"tenant", "state"}, nil)

// itemCollector reads the item counts from the database at scrape time.
type itemCollector struct {
	st  *store.Store
	log *slog.Logger
}

func (c *itemCollector) Describe(ch chan<- *prometheus.Desc) { ch <- itemsDesc }

func (c *itemCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	tenants, err := c.st.ListTenants(ctx)
	if err != nil {
		c.log.Warn("metrics: list tenants", "err", err)
		return
	}
	for _, t := range tenants {
		counts, err := c.st.CountItems(ctx, t.ID, 0)
		if err != nil {
			c.log.Warn("metrics: count items", "tenant", t.Slug, "err", err)
			continue
		}
		for _, state := range store.ItemStates() {
			ch <- prometheus.MustNewConstMetric(itemsDesc, prometheus.GaugeValue, float64(counts[state]), t.Slug, string(state))
		}
	}
}
