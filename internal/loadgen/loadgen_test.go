package loadgen_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/loadgen"
	"github.com/parleychat/parley/internal/server"
	"github.com/parleychat/parley/internal/server/servertest"
)

const token = "bench-metrics-token-0123"

// run drives a short load against a server started in this process, with its metrics on.
func run(t *testing.T, env *servertest.Env, cfg loadgen.Config) *loadgen.Report {
	t.Helper()
	cfg.Targets, cfg.AdminPassword = []string{env.URL}, servertest.AdminPassword
	cfg.MetricsURLs, cfg.MetricsToken = []string{env.URL + "/metrics"}, token
	cfg.PIDs = []int{os.Getpid()}
	cfg.Drain = 30 * time.Second
	r, err := loadgen.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func metricsOn(c *server.Config) { c.MetricsToken = token }

// checkConsistent asserts what every run must report: each accepted message started its
// instance, nothing failed, and the figures agree with one another.
func checkConsistent(t *testing.T, r *loadgen.Report) {
	t.Helper()
	var sb strings.Builder
	r.Print(&sb)
	t.Logf("report:\n%s", sb.String())
	in := r.Instances
	switch {
	case r.Messages.Accepted == 0 || r.Messages.PerSecond <= 0:
		t.Fatalf("no message accepted")
	case len(r.Errors) != 0:
		t.Fatalf("errors: %v", r.Errors)
	case in.Expected != r.Messages.Setup+r.Messages.Accepted || in.Started != in.Expected || in.NotStarted != 0 || in.Failed != 0:
		t.Fatalf("instances %+v for %d + %d messages", in, r.Messages.Setup, r.Messages.Accepted)
	case r.Accept.Count != int(r.Messages.Accepted) || r.Accept.P50 <= 0 || r.Accept.P50 > r.Accept.P99 || r.Accept.P99 > r.Accept.Max:
		t.Fatalf("accept latency %+v", r.Accept)
	case in.Lag.Count == 0 || in.Lag.P50 < 0 || in.Lag.P50 > in.Lag.P99 || in.PerSecond <= 0:
		t.Fatalf("lag %+v, %v started/s", in.Lag, in.PerSecond)
	case r.Backlog.Metrics == nil:
		t.Fatalf("no backlog read from /metrics")
	case len(r.Servers) != 1 || r.Servers[0].RSSMiB <= 0 || r.Servers[0].Source != "proc":
		t.Fatalf("server usage %+v", r.Servers)
	case r.Machine.CPUs <= 0 || r.Machine.LoadEnd == "":
		t.Fatalf("machine %+v", r.Machine)
	}
}

// TestClosedLoop: a few customers with their widgets open write for two seconds; each
// message starts its instance and reaches its customer's WebSocket.
func TestClosedLoop(t *testing.T) {
	servertest.Each(t, servertest.Options{Configure: metricsOn}, func(t *testing.T, env *servertest.Env) {
		r := run(t, env, loadgen.Config{Chats: 2, Customers: 4, Duration: 2 * time.Second, Sockets: true})
		checkConsistent(t, r)
		if r.Customers != 4 || r.Messages.Setup != 4 || r.Rate != 0 {
			t.Fatalf("report says %d customers, %d first messages, rate %v", r.Customers, r.Messages.Setup, r.Rate)
		}
		if s := r.Sockets; s == nil || s.Opened != 4 || s.Frames < r.Messages.Accepted || s.Dropped != 0 {
			t.Fatalf("sockets %+v for %d messages", s, r.Messages.Accepted)
		}
	})
}

// TestOpenLoop: at a fixed rate the generator sends no more than the rate allows, and each
// message still starts its instance; the timeline accounts for every message, second by
// second of the window.
func TestOpenLoop(t *testing.T) {
	env := servertest.Start(t, "sqlite", servertest.Options{Configure: metricsOn})
	r := run(t, env, loadgen.Config{Chats: 2, Customers: 4, Rate: 50, Duration: 2 * time.Second, Timeline: true})
	checkConsistent(t, r)
	if r.Messages.Accepted > 101 {
		t.Fatalf("%d messages accepted at 50/s for 2s", r.Messages.Accepted)
	}
	if len(r.Timeline) != 2 {
		t.Fatalf("timeline of %d seconds for a 2 s window: %+v", len(r.Timeline), r.Timeline)
	}
	var n int
	for i, s := range r.Timeline {
		if s.Second != i || s.Accept.Count < 40 || s.Accept.Max > r.Accept.Max {
			t.Fatalf("second %d of the timeline: %+v (whole window %+v)", i, s, r.Accept)
		}
		n += s.Accept.Count
	}
	if n != r.Accept.Count {
		t.Fatalf("the timeline counts %d messages, the window %d", n, r.Accept.Count)
	}
}

// TestRefusesOtherMachines: the generator loads only this machine, and says so before it
// sends anything.
func TestRefusesOtherMachines(t *testing.T) {
	for _, target := range []string{"http://10.1.2.3:8080", "http://example.com", "ftp://127.0.0.1"} {
		_, err := loadgen.Run(context.Background(), loadgen.Config{Targets: []string{target}, AdminPassword: "x", Duration: time.Second})
		if err == nil || !strings.Contains(err.Error(), "--target") {
			t.Errorf("target %s: error %v, want one naming --target", target, err)
		}
	}
}

// TestLaunchChecksItsFlags: bad launch settings are refused with the flag named, before any
// server starts.
func TestLaunchChecksItsFlags(t *testing.T) {
	cases := map[string]loadgen.Launch{
		"--start":          {Start: "mysql://x"},
		"--nodes":          {Start: "sqlite", Nodes: 2},
		"--node-cpu-quota": {Start: "sqlite", CPUQuota: "half"},
	}
	for flag, l := range cases {
		_, err := loadgen.Run(context.Background(), loadgen.Config{Launch: l, Duration: time.Second})
		if err == nil || !strings.Contains(err.Error(), flag) {
			t.Errorf("%+v: error %v, want one naming %s", l, err, flag)
		}
	}
}
