package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Probe is a gauge computed by a database query when /metrics is scraped, never on the hot
// path: backlogs, queues, open incidents. Read returns one value per label value (the key ""
// when the gauge has no label).
type Probe struct {
	Name, Help string
	// Label names the one label the values are split by; empty for none.
	Label string
	Read  func(ctx context.Context) (map[string]float64, error)
}

// Probes registers gauges read at scrape time, all within timeout, so a slow database makes
// a scrape report errors for those gauges rather than hang the scraper.
func (m *Metrics) Probes(timeout time.Duration, probes ...Probe) {
	c := &probeCollector{timeout: timeout}
	for _, p := range probes {
		c.probes = append(c.probes, p)
		c.descs = append(c.descs, prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", p.Name), p.Help, labels(p.Label), nil))
	}
	m.Registry.MustRegister(c)
}

type probeCollector struct {
	timeout time.Duration
	probes  []Probe
	descs   []*prometheus.Desc
}

func (c *probeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *probeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	for i, p := range c.probes {
		values, err := p.Read(ctx)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(c.descs[i], err)
			continue
		}
		for k, v := range values {
			if p.Label == "" {
				ch <- prometheus.MustNewConstMetric(c.descs[i], prometheus.GaugeValue, v)
				continue
			}
			ch <- prometheus.MustNewConstMetric(c.descs[i], prometheus.GaugeValue, v, k)
		}
	}
}
