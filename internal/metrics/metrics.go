// Package metrics exposes Parley's instruments in the Prometheus text format. It knows no
// domain package: the server wiring hands it counters to read (atomic counters the services
// keep) and statistics to query at scrape time, so that nothing on the hot path waits for a
// metric and nothing here reaches into another package's tables.
package metrics

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every Parley series.
const Namespace = "parley"

// Metrics is one node's registry with the series that are observed as events happen.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.HistogramVec
}

// secondBuckets are the histograms' buckets, in seconds.
var secondBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New returns a registry with the Go runtime and process collectors and the request
// duration histogram.
func New() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern, method and status class.",
		Buckets: secondBuckets,
	}, []string{"route", "method", "code"})
	m.Registry.MustRegister(m.requests,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveRequest records one answered request. route is the pattern that matched ("" for
// none), so the label's values stay few whatever paths clients send.
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	if route == "" {
		route, method = "unmatched", "" // the method of a path no route has is the client's choice
	}
	m.requests.WithLabelValues(route, method, statusClass(status)).Observe(d.Seconds())
}

func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status/100) + "xx"
}

// Histogram registers a histogram of seconds by label, with buckets from 0.5 ms to 10 s,
// and returns what observes one value.
func (m *Metrics) Histogram(name, help, label string) func(value string, d time.Duration) {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace, Name: name, Help: help,
		Buckets: secondBuckets,
	}, labels(label))
	m.Registry.MustRegister(h)
	return func(value string, d time.Duration) { h.WithLabelValues(value).Observe(d.Seconds()) }
}

// CounterFunc registers a counter whose value fn returns, by label: fn is read at scrape
// time, so the service only keeps an atomic counter.
func (m *Metrics) CounterFunc(name, help, label string, fn func() map[string]int64) {
	m.Registry.MustRegister(&funcCollector{
		desc: prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, labels(label), nil),
		kind: prometheus.CounterValue, label: label, fn: fn,
	})
}

// GaugeFunc registers a gauge read from fn at scrape time.
func (m *Metrics) GaugeFunc(name, help string, fn func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help}, fn))
}

func labels(label string) []string {
	if label == "" {
		return nil
	}
	return []string{label}
}

// funcCollector reports one series per key of the map fn returns.
type funcCollector struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	label string
	fn    func() map[string]int64
}

func (c *funcCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *funcCollector) Collect(ch chan<- prometheus.Metric) {
	for k, v := range c.fn() {
		if c.label == "" {
			ch <- prometheus.MustNewConstMetric(c.desc, c.kind, float64(v))
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.desc, c.kind, float64(v), k)
	}
}

// Handler serves the registry. With a token, a request must send it as a Bearer token; the
// comparison takes the same time whatever the guess.
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "send the metrics token as a Bearer token", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
