// Package loadgen is Parley's load generator (`parley bench`). It drives running nodes only
// through the public HTTP API, as customers and an administrator would: it sets up live
// chats whose message_received starts a process that waits at a user task, has widget
// customers write, closed loop (each sends its next message once the last is accepted) or
// open loop (a fixed rate whatever the answers take), and reports what was accepted and how
// fast, what the automation log says of the instances those messages started, and what the
// servers used. It can start the servers itself, on a new SQLite file or on a new schema of
// a PostgreSQL database, one node or several, each optionally limited to a CPU quota.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is one run.
type Config struct {
	// Targets are the base URLs of running nodes (ignored when Launch.Start is set); the
	// customers are spread over them.
	Targets []string
	// AdminPassword is the password of "admin"; a launched cluster sets its own.
	AdminPassword string
	// Chats is how many live chats the customers are spread over.
	Chats int
	// Customers is how many widget customers write at once (closed loop), or how many
	// sessions the open loop's messages go round (open loop).
	Customers int
	// Rate, when above zero, makes the run open loop at that many messages per second.
	Rate float64
	// Duration is the measured window.
	Duration time.Duration
	// Sockets opens each customer's widget WebSocket for the run, as an open widget does.
	Sockets bool
	// Timeline adds the accept latency of each second of the window to the report.
	Timeline bool
	// Drain bounds the wait after the window for the dispatcher to start every instance.
	Drain time.Duration
	// MetricsURLs and MetricsToken reach the nodes' /metrics when they were not launched
	// here: for the dispatcher's backlog and, without PIDs, the servers' CPU and memory.
	MetricsURLs  []string
	MetricsToken string
	// PIDs are server processes on this machine to read CPU and memory of from /proc.
	PIDs []int
	// Launch, when Start is set, starts the servers for the run and stops them after.
	Launch Launch
	// Log receives progress lines; nil means none.
	Log io.Writer
}

func (c *Config) defaults() error {
	if c.Log == nil {
		c.Log = io.Discard
	}
	c.Launch.Log = c.Log
	if c.Chats <= 0 {
		c.Chats = 8
	}
	if c.Customers <= 0 {
		c.Customers = 64
	}
	if c.Drain <= 0 {
		c.Drain = time.Minute
	}
	switch {
	case c.Duration <= 0 || c.Duration > time.Hour:
		return errors.New("--duration: want a duration between 1s and 1h, such as 30s")
	case c.Rate < 0 || c.Rate > 100000:
		return errors.New("--rate: want messages per second between 1 and 100000, or 0 for a closed loop")
	case c.Customers > 10000:
		return errors.New("--customers: at most 10000")
	case c.Launch.Start == "" && len(c.Targets) == 0:
		return errors.New("give --target URL of a running node, or --start sqlite|postgres://…")
	case c.Launch.Start == "" && c.AdminPassword == "":
		return errors.New("--admin-password: the administrator's password of the target is needed to set up live chats")
	}
	for _, t := range c.Targets {
		if err := loopback(t); err != nil {
			return err
		}
	}
	return nil
}

// loopback refuses a target off this machine: the load generator measures a local server and
// sends its load nowhere else.
func loopback(target string) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--target: %q is not an http:// URL", target)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--target: %s is not a loopback address; the load generator only loads this machine", host)
}

// Run sets up, drives the load for the window, waits for the instances and reports.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	run := strconv.FormatInt(time.Now().Unix(), 36) + randomHex(2)
	r := &Report{Run: run, Chats: cfg.Chats, Customers: cfg.Customers, Rate: cfg.Rate, Duration: cfg.Duration.Seconds(), Errors: map[string]int64{}}
	r.Machine = machine()
	if cfg.Launch.Start != "" {
		cl, err := cfg.Launch.start(ctx, run)
		if err != nil {
			return nil, err
		}
		defer cl.stop(cfg.Log)
		cfg.Targets, cfg.AdminPassword, cfg.PIDs = nil, cl.password, cl.pids()
		cfg.MetricsURLs, cfg.MetricsToken = nil, ""
		for _, n := range cl.nodes {
			cfg.Targets = append(cfg.Targets, n.url)
			cfg.MetricsURLs = append(cfg.MetricsURLs, n.metrics)
		}
		r.Database, r.CPUQuota, r.QuotaMethod = databaseName(cfg.Launch.Start), cfg.Launch.CPUQuota, cl.quotaMethod
	}
	r.Targets, r.Nodes = cfg.Targets, len(cfg.Targets)
	return r, drive(ctx, cfg, r)
}

func databaseName(start string) string {
	if start == "sqlite" {
		return "sqlite"
	}
	return "postgres"
}

// drive runs the phases against running nodes and fills the report.
func drive(ctx context.Context, cfg Config, r *Report) error {
	clients := make([]*client, len(cfg.Targets))
	for i, t := range cfg.Targets {
		clients[i] = newClient(strings.TrimSuffix(t, "/"), cfg.Customers+16)
	}
	fmt.Fprintf(cfg.Log, "setting up %d live chats on %s\n", cfg.Chats, cfg.Targets[0])
	fx, err := setUp(ctx, clients[0], cfg.AdminPassword, r.Run, cfg.Chats)
	if err != nil {
		return err
	}
	customers := make([]*customer, cfg.Customers)
	for i := range customers {
		customers[i] = &customer{c: clients[i%len(clients)], chat: fx.chats[i%len(fx.chats)]}
	}
	if r.Messages.Setup, err = arrive(ctx, customers, 64); err != nil {
		return err
	}
	if cfg.Sockets {
		ws, err := openSockets(ctx, customers)
		if err != nil {
			return fmt.Errorf("open the widget WebSockets: %w", err)
		}
		defer func() {
			ws.settle(r.Messages.Setup+r.Messages.Accepted, 10*time.Second)
			ws.close()
			r.Sockets = ws.report()
		}()
	}
	w := newWatch(cfg, clients[0])
	fmt.Fprintf(cfg.Log, "%d customers writing for %s\n", len(customers), cfg.Duration)
	from := time.Now().UTC()
	t := newTally(from)
	w.begin(ctx)
	if cfg.Rate > 0 {
		openLoop(ctx, customers, cfg.Rate, from, from.Add(cfg.Duration), 4096, t)
	} else {
		closedLoop(ctx, customers, from.Add(cfg.Duration), t)
	}
	until := time.Now().UTC()
	w.end(ctx, until.Sub(from), r)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	r.Window = until.Sub(from).Seconds()
	r.Messages.Accepted, r.Messages.PerSecond = t.accepted, float64(t.accepted)/r.Window
	if cfg.Timeline {
		r.Timeline = timeline(t.at, t.lat)
	}
	r.Accept = latency(t.lat)
	r.Errors = t.errs
	return collect(ctx, cfg, clients[0], fx, from, until, r)
}

// collect waits for the dispatcher to start the expected instances (bounded by Drain) and
// reads the automation log.
func collect(ctx context.Context, cfg Config, c *client, fx *fixture, from, until time.Time, r *Report) error {
	expected := r.Messages.Setup + r.Messages.Accepted
	fmt.Fprintf(cfg.Log, "waiting up to %s for %d instances\n", cfg.Drain, expected)
	deadline := time.Now().Add(cfg.Drain)
	var lines []logLine
	for {
		var err error
		if lines, err = readLog(ctx, c, fx.admin, fx.chats); err != nil {
			return err
		}
		started, skipped, failed := outcomes(lines)
		if started+skipped+failed >= expected || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	in, bl := instanceStats(lines, from, until, expected)
	r.Instances = in
	bl.Metrics = r.Backlog.Metrics
	r.Backlog = bl
	if in.Failed > 0 {
		r.Errors["instance failed"] += in.Failed
	}
	if in.NotStarted > 0 {
		r.Errors["instance not started"] += in.NotStarted
	}
	return nil
}

// hostname is for the report's machine line.
func hostname() string {
	h, _ := os.Hostname()
	return h
}
