package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/parleychat/parley/internal/metrics"
	"github.com/parleychat/parley/internal/store"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// probeTimeout bounds the database queries of one scrape.
const probeTimeout = 2 * time.Second

// metricsOn reports whether the metrics are served at all: on their own address, or on the
// main one behind the token.
func (c Config) metricsOn() bool { return c.MetricsAddr != "" || c.MetricsToken != "" }

// newMetrics builds the node's registry: what the services count as it happens, read at
// scrape time, and the gauges that need the database, queried at scrape time.
func (s *Server) newMetrics() *metrics.Metrics {
	m := metrics.New()
	m.CounterFunc("messages_received_total", "Customer messages stored by this node, by channel type.", "channel", s.Channels.Received)
	m.CounterFunc("automation_instances_total", "Automation log lines committed by this node's dispatcher, by outcome (started, skipped, failed).", "outcome", s.Automation.Outcomes)
	m.GaugeFunc("websocket_connections", "WebSockets this node is serving: operator consoles and widgets.", func() float64 { return float64(s.Hub.Sockets()) })
	group := m.Histogram("sqlite_group_seconds", "SQLite group commits by phase: wait (the first transaction's time in the writer's queue), run (the transactions' statements), commit (the COMMIT with its fsync and any checkpoint).", "phase")
	s.DB.ObserveGroups(func(g store.GroupTimes) {
		group("wait", g.Wait)
		group("run", g.Run)
		group("commit", g.Commit)
	})
	for name, pool := range s.DB.Pools() {
		m.Registry.MustRegister(collectors.NewDBStatsCollector(pool, name))
	}
	m.Probes(probeTimeout, s.probes()...)
	return m
}

// probes are the gauges that need a query; each is read once per scrape.
func (s *Server) probes() []metrics.Probe {
	return []metrics.Probe{
		{Name: "automation_backlog_events", Help: "Chat events the automation dispatcher has not handled yet.", Read: func(ctx context.Context) (map[string]float64, error) {
			b, err := s.Automation.Backlog(ctx)
			return map[string]float64{"": float64(b.Events)}, err
		}},
		{Name: "automation_dispatch_lag_seconds", Help: "Age of the oldest chat event the automation dispatcher has not handled; 0 when it is caught up.", Read: func(ctx context.Context) (map[string]float64, error) {
			b, err := s.Automation.Backlog(ctx)
			lag := 0.0
			if !b.Oldest.IsZero() {
				lag = max(0, s.DB.Now().Sub(b.Oldest).Seconds())
			}
			return map[string]float64{"": lag}, err
		}},
		{Name: "process_jobs", Help: "Jobs of the process engine by state: ready (timers, steps), waiting (outside workers), incident.", Label: "state", Read: s.jobProbe(false)},
		{Name: "process_jobs_due", Help: "Ready jobs whose time has come: the workers' queue.", Read: s.jobProbe(true)},
		{Name: "process_incidents_open", Help: "Jobs that failed for good and wait for an administrator.", Read: func(ctx context.Context) (map[string]float64, error) {
			q, err := s.Processes.JobQueue(ctx)
			return map[string]float64{"": float64(q.ByState["incident"])}, err
		}},
		{Name: "channel_deliveries_pending", Help: "Replies waiting to be delivered to http channels' webhooks or by mail.", Label: "when", Read: func(ctx context.Context) (map[string]float64, error) {
			pending, due, err := s.Channels.DeliveryQueue(ctx)
			return map[string]float64{"due": float64(due), "later": float64(pending - due)}, err
		}},
	}
}

func (s *Server) jobProbe(due bool) func(ctx context.Context) (map[string]float64, error) {
	return func(ctx context.Context) (map[string]float64, error) {
		q, err := s.Processes.JobQueue(ctx)
		if due {
			return map[string]float64{"": float64(q.Due)}, err
		}
		out := make(map[string]float64, len(q.ByState))
		for state, n := range q.ByState {
			out[state] = float64(n)
		}
		return out, err
	}
}

// opsServers are the listeners beside the main one: metrics and pprof.
type opsServers []*http.Server

// listenOps starts the metrics listener and the debug (pprof) listener when their addresses
// are set. Like SMTP, they listen before any worker starts, so a taken port fails the start.
func (s *Server) listenOps() error {
	if s.cfg.MetricsAddr != "" {
		if err := s.listenOp("metrics", s.cfg.MetricsAddr, s.metricsMux()); err != nil {
			return err
		}
	}
	if s.cfg.DebugAddr != "" {
		return s.listenOp("debug", s.cfg.DebugAddr, debugMux())
	}
	return nil
}

func (s *Server) listenOp(name, addr string, h http.Handler) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s listener: %w", name, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	s.ops = append(s.ops, srv)
	s.log.Info("parley is serving "+name, "url", "http://"+ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error(name+" listener stopped", "err", err)
		}
	}()
	return nil
}

func (s *Server) metricsMux() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.Metrics.Handler(s.cfg.MetricsToken))
	return mux
}

// debugMux serves net/http/pprof on its own mux: the package's side effect registers the same
// handlers on http.DefaultServeMux, which Parley never serves.
func debugMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// close stops the ops listeners at once: nothing on them needs to finish.
func (o opsServers) close() error {
	var err error
	for _, srv := range o {
		err = errors.Join(err, srv.Close())
	}
	return err
}
