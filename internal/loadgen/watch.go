package loadgen

import (
	"context"
	"os"
	"time"
)

// watch samples the servers', the database's and the load generator's CPU at the window's
// start and end, and the dispatcher's backlog at its end.
type watch struct {
	cfg     Config
	c       *client
	servers []*watched
	scraped []*scraped
	db      *watched
	self    *watched
}

func newWatch(cfg Config, c *client) *watch {
	w := &watch{cfg: cfg, c: c}
	for _, pid := range cfg.PIDs {
		w.servers = append(w.servers, &watched{name: "parley", pids: func() []int { return []int{pid} }})
	}
	if len(cfg.PIDs) == 0 {
		for _, u := range cfg.MetricsURLs {
			w.scraped = append(w.scraped, &scraped{name: "parley", url: u, token: cfg.MetricsToken, c: c})
		}
	}
	if cfg.Launch.Start != "" && cfg.Launch.Start != "sqlite" {
		w.db = &watched{name: "postgres (all its processes on this machine)", pids: func() []int { return pidsNamed("postgres") }}
	}
	self := os.Getpid()
	w.self = &watched{name: "load generator", pids: func() []int { return []int{self} }}
	return w
}

func (w *watch) begin(ctx context.Context) {
	for _, s := range w.servers {
		s.begin()
	}
	for _, s := range w.scraped {
		s.start = s.cpu(ctx)
	}
	if w.db != nil {
		w.db.begin()
	}
	w.self.begin()
}

func (w *watch) end(ctx context.Context, window time.Duration, r *Report) {
	for _, s := range w.servers {
		r.Servers = append(r.Servers, s.end(window))
	}
	for _, s := range w.scraped {
		r.Servers = append(r.Servers, s.end(ctx, window))
	}
	if w.db != nil {
		u := w.db.end(window)
		// PostgreSQL's processes share their buffers, so their resident sets do not add up.
		u.PIDs, u.RSSMiB, u.PeakMiB = nil, 0, 0
		r.DatabaseUsage = &u
	}
	u := w.self.end(window)
	r.LoadGenerator = &u
	r.Machine.LoadEnd = loadAverage()
	if len(w.cfg.MetricsURLs) > 0 {
		if m, err := scrape(ctx, w.c, w.cfg.MetricsURLs[0], w.cfg.MetricsToken); err == nil {
			r.Backlog.Metrics = &MetricsBacklog{Events: m["parley_automation_backlog_events"], LagSeconds: m["parley_automation_dispatch_lag_seconds"]}
		}
	}
}
